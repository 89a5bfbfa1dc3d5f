"""The default sampler picks GP, CMA-ES or TPE by the rules its docstring states."""

from __future__ import annotations

import math

import numpy as np
import pytest

import parzen
from parzen.samplers.auto import (
    CHOICE_ATTR,
    LATE_CMAES_ATTR,
    LATE_MIN_GENERATIONS,
    AutoSampler,
    is_discrete_heavy,
    warm_start,
)
from parzen.samplers.cmaes import default_popsize


def _choices(study: parzen.Study) -> list[str]:
    return [t.system_attrs[CHOICE_ATTR] for t in study.trials]


def _sphere(trial: parzen.Trial, dims: int) -> float:
    return sum((trial.suggest_float(f"x{i}", -5, 5) - 1) ** 2 for i in range(dims))


def _ask_and_tell(study: parzen.Study, dims: int, n_trials: int) -> None:
    space = {f"x{i}": parzen.Float(-5, 5) for i in range(dims)}
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, sum((v - 1) ** 2 for v in trial.params.values()))


def test_default_sampler_of_a_study_is_auto() -> None:
    assert isinstance(parzen.create_study().sampler, AutoSampler)


def test_small_numeric_and_mixed_spaces_get_the_gp() -> None:
    study = parzen.create_study(seed=0)
    study.optimize(lambda t: _sphere(t, 2) + (t.suggest_categorical("c", ["a", "b"]) == "b"), n_trials=12)
    assert set(_choices(study)) == {"gp"}


def test_wide_numeric_space_gets_cmaes() -> None:
    study = parzen.create_study(seed=0)
    study.optimize(lambda t: _sphere(t, 12), n_trials=5)
    assert _choices(study) == ["gp", "cmaes", "cmaes", "cmaes", "cmaes"]


def test_wide_space_with_a_categorical_is_not_given_to_cmaes() -> None:
    study = parzen.create_study(seed=0)
    study.optimize(lambda t: _sphere(t, 12) + len(t.suggest_categorical("c", ["a", "bb"])), n_trials=4)
    assert set(_choices(study)) == {"gp"}


def test_declared_conditional_space_gets_the_gp() -> None:
    space = {"kind": parzen.Categorical(["a", "b"]), "x": parzen.Float(0, 1, when=("kind", "a")),
             "y": parzen.Float(0, 1)}
    study = parzen.create_study(seed=0)
    for _ in range(12):
        trial = study.ask(space)
        study.tell(trial, trial.params["y"])
    assert {t.params["kind"] for t in study.trials} == {"a", "b"}
    assert set(_choices(study)) == {"gp"}


def test_wide_declared_conditional_space_is_not_given_to_cmaes() -> None:
    space = {"layers": parzen.Int(1, 3), **{f"x{i}": parzen.Float(-5, 5) for i in range(12)}}
    space["extra"] = parzen.Float(0, 1, when=("layers", (2, 3)))
    study = parzen.create_study(seed=0)
    for _ in range(8):
        trial = study.ask(space)
        study.tell(trial, sum(v * v for v in trial.params.values()))
    first_conditional = next(t.number for t in study.trials if "extra" in t.params)
    assert first_conditional < 6
    assert set(_choices(study)[first_conditional + 1:]) == {"gp"}


def test_define_by_run_branches_a_parent_explains_get_the_gp() -> None:
    def objective(trial: parzen.Trial) -> float:
        if trial.suggest_categorical("kind", ["a", "b"]) == "a":
            return trial.suggest_float("x", 0, 1)
        return 1 + trial.suggest_int("n", 0, 3)

    study = parzen.create_study(seed=1)
    study.optimize(objective, n_trials=20)
    assert {t.params["kind"] for t in study.trials} == {"a", "b"}
    assert set(_choices(study)) == {"gp"}


def test_define_by_run_parameters_no_parent_explains_get_tpe() -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        return x + trial.suggest_float("extra", 0, 1) if x > 0 else -x

    study = parzen.create_study(seed=1)
    study.optimize(objective, n_trials=20)
    first_mixed = next(i for i in range(1, 20) if len({"extra" in t.params for t in study.trials[:i]}) == 2)
    assert first_mixed < 10
    assert set(_choices(study)[first_mixed:]) == {"tpe"}


def test_several_objectives_get_the_gp_even_on_wide_numeric_spaces() -> None:
    multi = parzen.create_study(directions=["minimize", "minimize"], seed=0)
    multi.optimize(lambda t: (_sphere(t, 12), t.suggest_float("y", 0, 1)), n_trials=4)
    assert set(_choices(multi)) == {"gp"}


def test_constraints_get_tpe_with_one_or_several_objectives() -> None:
    single = parzen.create_study(seed=0, constraints_func=lambda t: [t.params["x"] - 0.5])
    single.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    multi = parzen.create_study(directions=["minimize", "maximize"], seed=0,
                                constraints_func=lambda t: [t.params["x"] - 0.5])
    multi.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=3)
    assert set(_choices(single)) == set(_choices(multi)) == {"tpe"}


def test_past_gp_max_trials_a_numeric_space_gets_cmaes_warm_started_at_the_best_trial() -> None:
    study = parzen.create_study(sampler=AutoSampler(seed=0, gp_max_trials=12))
    _ask_and_tell(study, 3, 18)  # no optimize call: the budget is unknown
    assert _choices(study) == ["gp"] * 12 + ["cmaes-late"] * 6
    best = min(study.trials[:12], key=lambda t: t.value)
    tag = study.trials[12].system_attrs[LATE_CMAES_ATTR]
    encoded_best = [parzen.Float(-5, 5).to_internal(best.params[f"x{i}"]) for i in range(3)]
    assert tag["mean0"] == pytest.approx(encoded_best)
    assert 0.01 <= tag["sigma0"] < 1 / 6
    assert "cmaes" not in study.trials[12].system_attrs


def test_a_known_budget_too_short_for_cmaes_generations_keeps_the_gp() -> None:
    # 1-D: CMA-ES's population is 4, so a late phase needs LATE_MIN_GENERATIONS * 4 = 20 trials of budget.
    assert LATE_MIN_GENERATIONS * default_popsize(1) == 20
    short = parzen.create_study(sampler=AutoSampler(seed=0, gp_max_trials=8))
    short.optimize(lambda t: _sphere(t, 1), n_trials=8 + 19)
    assert set(_choices(short)) == {"gp"}
    long = parzen.create_study(sampler=AutoSampler(seed=0, gp_max_trials=8))
    long.optimize(lambda t: _sphere(t, 1), n_trials=8 + 20)
    assert _choices(long) == ["gp"] * 8 + ["cmaes-late"] * 20


def test_late_cmaes_trials_starts_cmaes_before_gp_max_trials_on_numeric_spaces_only() -> None:
    numeric = parzen.create_study(sampler=AutoSampler(seed=0, late_cmaes_trials=6, gp_max_trials=50))
    _ask_and_tell(numeric, 2, 9)
    assert _choices(numeric) == ["gp"] * 6 + ["cmaes-late"] * 3
    mixed = parzen.create_study(sampler=AutoSampler(seed=0, late_cmaes_trials=6, gp_max_trials=50))
    mixed.optimize(lambda t: _sphere(t, 2) + (t.suggest_categorical("c", ["a", "b"]) == "b"), n_trials=9)
    assert set(_choices(mixed)) == {"gp"}


def test_late_cmaes_starts_inside_a_range_narrowed_mid_study() -> None:
    study = parzen.create_study(sampler=AutoSampler(seed=0, late_cmaes_trials=8, gp_max_trials=50))
    wide, narrow = {"x": parzen.Float(-5, 5), "y": parzen.Float(-5, 5)}, {"x": parzen.Float(-1, 1), "y": parzen.Float(-5, 5)}
    for space in [wide] * 12 + [narrow] * 6:
        trial = study.ask(space)
        study.tell(trial, (trial.params["x"] - 3) ** 2 + trial.params["y"] ** 2)
    assert abs(study.best_params["x"]) > 1  # the best point lies outside the narrowed range
    late = study.trials[12:]
    assert all(t.state == parzen.TrialState.COMPLETE and t.system_attrs[CHOICE_ATTR] == "cmaes-late" for t in late)
    assert all(-1 <= t.params["x"] <= 1 for t in late)


def test_past_gp_max_trials_a_space_with_a_categorical_gets_tpe() -> None:
    study = parzen.create_study(sampler=AutoSampler(seed=0, gp_max_trials=6))
    study.optimize(lambda t: _sphere(t, 2) + (t.suggest_categorical("c", ["a", "b"]) == "b"), n_trials=9)
    assert _choices(study) == ["gp"] * 6 + ["tpe"] * 3


def test_late_cmaes_does_not_replay_the_early_cmaes_run_of_a_wide_space() -> None:
    study = parzen.create_study(sampler=AutoSampler(seed=0, cmaes_max_trials=4, gp_max_trials=7))
    _ask_and_tell(study, 12, 9)
    assert _choices(study) == ["gp"] + ["cmaes"] * 3 + ["gp"] * 3 + ["cmaes-late"] * 2
    best = min(study.trials[:7], key=lambda t: t.value)
    tag = study.trials[7].system_attrs[LATE_CMAES_ATTR]
    assert (tag["restart"], tag["generation"]) == (0, 0)
    assert tag["mean0"] == pytest.approx([parzen.Float(-5, 5).to_internal(best.params[f"x{i}"]) for i in range(12)])


def test_warm_start_step_is_the_spread_of_the_best_trials() -> None:
    space = {"x": parzen.Float(0, 10)}
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    for x in [5.0, 5.2, 4.8, 9.0, 1.0, 0.5, 9.5, 8.0, 2.0, 7.0, 3.0, 6.5, 1.5, 8.5, 0.2, 9.9, 2.5, 7.5, 3.5, 6.0]:
        study.tell(_ask_fixed(study, space, x), abs(x - 5))
    x0, sigma = warm_start(study.trials, space, 1.0)
    assert x0 == {"x": 5.0}
    assert sigma == pytest.approx(np.std([0.5, 0.52]))  # the best 10% of 20 trials: x = 5.0 and 5.2
    assert warm_start(study.trials[:1], space, 1.0) is None
    assert warm_start(study.trials, {}, 1.0) is None


def _ask_fixed(study: parzen.Study, space: dict, x: float) -> parzen.Trial:
    study.enqueue_trial({"x": x})
    return study.ask(space)


@pytest.mark.parametrize(("space", "heavy", "choice"), [
    ({**{f"n{i}": parzen.Int(-10, 10) for i in range(4)}, "c0": parzen.Categorical([1, 2, 3]),
      "c1": parzen.Categorical([1, 2]), "x0": parzen.Float(-1, 1), "x1": parzen.Float(-1, 1)}, True, "tpe"),
    ({**{f"n{i}": parzen.Int(0, 9) for i in range(6)}, **{f"x{i}": parzen.Float(0, 1) for i in range(7)}}, False,
     "cmaes"),
    ({"layers": parzen.Int(1, 12), "units": parzen.Int(16, 512, log=True), "opt": parzen.Categorical(["a", "b"]),
      "act": parzen.Categorical(["r", "t"]), "x0": parzen.Float(0, 1), "lr": parzen.Float(1e-5, 1, log=True)}, False,
     "gp"),
])
def test_integer_or_categorical_heavy_spaces_get_tpe(space: dict, heavy: bool, choice: str) -> None:
    assert is_discrete_heavy(list(space.values())) is heavy
    study = parzen.create_study(seed=0)
    for _ in range(4):
        trial = study.ask(space)
        study.tell(trial, float(sum(abs(v) for v in trial.params.values() if not isinstance(v, str))))
    assert _choices(study)[1:] == [choice] * 3


def test_same_seed_same_suggestions() -> None:
    def run(seed: int) -> list[dict]:
        study = parzen.create_study(seed=seed)
        study.optimize(lambda t: _sphere(t, 3), n_trials=14)
        return [t.params for t in study.trials]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_default_beats_random_on_branin() -> None:
    def branin(trial: parzen.Trial) -> float:
        x1, x2 = trial.suggest_float("x1", -5, 10), trial.suggest_float("x2", 0, 15)
        b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
        return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10

    auto = parzen.create_study(seed=0)
    auto.optimize(branin, n_trials=30)
    rand = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    rand.optimize(branin, n_trials=30)
    assert auto.best_value < 0.45 < rand.best_value


@pytest.mark.parametrize("space", [
    {"x": parzen.Float(1, 1)},
    {"c": parzen.Categorical(["only"])},
    {"n": parzen.Int(3, 3), "x": parzen.Float(0, 1)},
])
def test_degenerate_spaces_never_fail(space) -> None:
    study = parzen.create_study(seed=0)
    for i in range(14):
        trial = study.ask(space)
        study.tell(trial, float(i % 3))
    assert all(t.state == parzen.TrialState.COMPLETE for t in study.trials)


def test_bad_gp_max_trials_is_rejected() -> None:
    with pytest.raises(ValueError, match="gp_max_trials"):
        AutoSampler(gp_max_trials=-1)


def test_wide_numeric_space_hands_over_from_cmaes_to_gp() -> None:
    study = parzen.create_study(sampler=AutoSampler(seed=0, cmaes_max_trials=4))
    study.optimize(lambda t: _sphere(t, 12), n_trials=7)
    assert _choices(study) == ["gp", "cmaes", "cmaes", "cmaes", "gp", "gp", "gp"]


def test_bad_cmaes_max_trials_is_rejected() -> None:
    with pytest.raises(ValueError, match="cmaes_max_trials"):
        AutoSampler(cmaes_max_trials=2.5)
    with pytest.raises(ValueError, match="late_cmaes_trials"):
        AutoSampler(late_cmaes_trials=-3)
