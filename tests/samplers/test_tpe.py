"""TPESampler: it finds optima faster than random search, respects every space, and every option acts."""

from __future__ import annotations

import collections
import dataclasses
import math
import statistics

import numpy as np
import pytest
from _strategies import distributions
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
from parzen import Categorical, Float, Int, TrialState
from parzen.samplers.tpe import TPESampler, default_gamma
from parzen.samplers.tpe.sampler import ei_weights

QUADRATIC = {"x": Float(-5.0, 5.0), "y": Float(-5.0, 5.0)}


def _quadratic(p: dict) -> float:
    return (p["x"] - 0.3) ** 2 + (p["y"] + 1.0) ** 2


def _run(sampler: parzen.Sampler, space: dict, objective, n_trials: int, direction: str = "minimize") -> parzen.Study:
    study = parzen.create_study(sampler=sampler, direction=direction)
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, objective(trial.params))
    return study


# --- it optimizes ------------------------------------------------------------------------------------------
def test_beats_random_search_on_a_quadratic() -> None:
    tpe = [_run(TPESampler(seed=s), QUADRATIC, _quadratic, 100).best_value for s in range(5)]
    rnd = [_run(parzen.RandomSampler(seed=s), QUADRATIC, _quadratic, 100).best_value for s in range(5)]
    assert statistics.median(tpe) < 0.02
    assert statistics.median(rnd) > 0.02
    assert statistics.median(tpe) < statistics.median(rnd) / 10


def test_maximize_means_larger_is_better() -> None:
    study = _run(TPESampler(seed=0), QUADRATIC, lambda p: -_quadratic(p), 80, direction="maximize")
    assert study.best_value > -0.05
    late = [t.params for t in study.trials[-30:]]
    assert statistics.median(abs(p["x"] - 0.3) for p in late) < 1.0  # it crowds the maximum, not the corners


def test_picks_the_best_category_far_more_often_than_chance() -> None:
    costs = {"a": 1.0, "b": 0.0, "c": 0.7, "d": 0.9, "e": 1.2}
    for seed in range(3):
        study = _run(TPESampler(seed=seed), {"c": Categorical(list(costs))}, lambda p: costs[p["c"]], 60)
        late = collections.Counter(t.params["c"] for t in study.trials[20:])
        assert late["b"] / 40 > 0.6, late


def test_int_and_step_grids_and_log_scale_converge_to_their_optimum() -> None:
    space = {"n": Int(0, 40, step=4), "q": Float(-1.0, 1.0, step=0.25), "lr": Float(1e-6, 1.0, log=True),
             "m": Int(1, 1024, log=True)}

    def objective(p: dict) -> float:
        return abs(p["n"] - 12) + abs(p["q"] - 0.5) + abs(math.log10(p["lr"]) + 4) + abs(math.log2(p["m"]) - 5)

    study = _run(TPESampler(seed=0), space, objective, 120)
    for t in study.trials:
        assert all(space[name].contains(value) for name, value in t.params.items())
        assert type(t.params["n"]) is int and type(t.params["m"]) is int and type(t.params["q"]) is float
    assert study.best_value < 1.5
    late = study.trials[-40:]
    assert collections.Counter(t.params["n"] for t in late).most_common(1)[0][0] == 12
    assert statistics.median(math.log10(t.params["lr"]) for t in late) == pytest.approx(-4, abs=1.0)


def test_conditional_space_with_when() -> None:
    space = {
        "kind": Categorical(["linear", "tree"]),
        "alpha": Float(1e-4, 10.0, log=True, when=("kind", "linear")),
        "depth": Int(1, 12, when={"kind": "tree"}),
        "leaf": Int(1, 50, when=("depth", list(range(6, 13)))),
    }

    def objective(p: dict) -> float:
        if p["kind"] == "linear":
            return 1.0 + abs(math.log10(p["alpha"]))
        return abs(p["depth"] - 8) / 4 + abs(p["leaf"] - 20) / 50 if "leaf" in p else 2.0

    study = _run(TPESampler(seed=0, n_startup_trials=8), space, objective, 80)
    for t in study.trials:
        p = t.params
        assert ("alpha" in p) == (p["kind"] == "linear") and ("depth" in p) == (p["kind"] == "tree")
        assert ("leaf" in p) == (p.get("depth", 0) >= 6)
        assert all(space[n].contains(v) for n, v in p.items())
    assert study.best_value < 0.3
    assert collections.Counter(t.params["kind"] for t in study.trials[-30:])["tree"] > 20


def test_define_by_run_with_branches() -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -3.0, 3.0)
        if trial.suggest_categorical("branch", ["left", "right"]) == "left":
            return (x - 1) ** 2 + trial.suggest_float("l", 0.0, 1.0)
        return 1.0 + (x + 1) ** 2 + trial.suggest_int("r", 0, 10) / 10

    study = parzen.create_study(sampler=TPESampler(seed=1))
    study.optimize(objective, n_trials=80)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert study.best_value < 0.05
    assert study.best_params["branch"] == "left"
    assert collections.Counter(t.params["branch"] for t in study.trials[-30:])["left"] > 20


def test_relative_space_is_the_intersection_of_finished_trials() -> None:
    study = parzen.create_study(sampler=TPESampler(seed=0))
    assert study.sampler.infer_relative_space(study, study.ask()) == {}
    for space in ({"a": Float(0, 1), "b": Int(0, 3), "s": Float(2, 2)}, {"a": Float(0, 1), "c": Float(0, 1)}):
        trial = study.ask(space)
        study.tell(trial, 0.0)
    failed = study.ask({"z": Float(0, 1)})
    study.tell(failed, state=TrialState.FAIL)
    assert study.sampler.infer_relative_space(study, study.ask()) == {"a": Float(0, 1)}
    univariate = TPESampler(seed=0, multivariate=False)
    assert univariate.infer_relative_space(study, study.ask()) == {}


# --- every option acts -------------------------------------------------------------------------------------
def _hartmann6(p: dict) -> float:
    a = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
                  [17, 8, 0.05, 10, 0.1, 14]])
    pos = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                           [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
    x = np.array([p[f"x{i}"] for i in range(6)])
    return float(-np.sum(np.array([1.0, 1.2, 3.0, 3.2]) * np.exp(-np.sum(a * (x - pos) ** 2, axis=1))))


def test_multivariate_beats_univariate_where_parameters_interact() -> None:
    space = {f"x{i}": Float(0, 1) for i in range(6)}

    def median_best(multivariate: bool) -> float:
        return statistics.median(
            _run(TPESampler(seed=s, multivariate=multivariate), space, _hartmann6, 60).best_value for s in range(5))

    joint, apart = median_best(True), median_best(False)
    assert joint < -2.9  # the optimum is -3.32
    assert joint < apart - 0.2


def test_startup_trials_are_random_then_tpe_takes_over() -> None:
    first = _run(TPESampler(seed=3, n_startup_trials=5), QUADRATIC, _quadratic, 8)
    later = _run(TPESampler(seed=3, n_startup_trials=8), QUADRATIC, _quadratic, 8)
    params_first, params_later = [t.params for t in first.trials], [t.params for t in later.trials]
    assert params_first[:5] == params_later[:5]
    assert params_first[5] != params_later[5]


def _late_distance(seed: int, **kwargs) -> float:
    study = _run(TPESampler(seed=seed, **kwargs), {"x": Float(0, 1)}, lambda p: abs(p["x"] - 0.7), 40)
    return statistics.mean(abs(t.params["x"] - 0.7) for t in study.trials[-20:])


def test_more_ei_candidates_exploit_more() -> None:
    one = statistics.mean(_late_distance(s, n_ei_candidates=1) for s in range(8))  # a plain draw from l(x)
    many = statistics.mean(_late_distance(s, n_ei_candidates=128) for s in range(8))
    assert many < 0.75 * one


def test_prior_weight_trades_exploitation_for_exploration() -> None:
    light = statistics.mean(_late_distance(s, prior_weight=0.2) for s in range(4))
    heavy = statistics.mean(_late_distance(s, prior_weight=20.0) for s in range(4))
    assert light < heavy


def test_gamma_sets_the_size_of_the_good_set() -> None:
    assert [default_gamma(n) for n in (1, 10, 20, 100, 1000)] == [1, 2, 3, 15, 25]
    seen: list[int] = []

    def gamma(n: int) -> int:
        seen.append(n)
        return 1

    _run(TPESampler(seed=0, gamma=gamma, n_startup_trials=3), QUADRATIC, _quadratic, 6)
    assert seen == [3, 4, 5]
    wide = statistics.mean(_late_distance(s, gamma=1.0) for s in range(4))  # every trial "good": no guidance
    narrow = statistics.mean(_late_distance(s, gamma=0.1) for s in range(4))
    assert narrow < 0.7 * wide


def test_gamma_returning_a_non_int_is_reported() -> None:
    with pytest.raises(TypeError, match="gamma"):
        _run(TPESampler(seed=0, gamma=lambda n: 0.5, n_startup_trials=1), QUADRATIC, _quadratic, 3)


def test_ei_weighting_favours_the_best_good_points() -> None:
    w = ei_weights(np.array([0.0, 1.0, 3.0]), threshold=4.0)
    assert list(w) == [4.0, 3.0, 1.0]
    assert list(ei_weights(np.array([2.0, 2.0]), threshold=2.0)) == [1.0, 1.0]
    ei = [t.params for t in _run(TPESampler(seed=0), QUADRATIC, _quadratic, 20).trials]
    uniform = [t.params for t in _run(TPESampler(seed=0, weighting="uniform"), QUADRATIC, _quadratic, 20).trials]
    assert ei[:10] == uniform[:10] and ei[10:] != uniform[10:]


@pytest.mark.parametrize("option", [
    {"bandwidth": "hyperopt"}, {"bandwidth": "hyperopt", "consider_endpoints": False},
    {"min_bandwidth_factor": 0.2, "magic_clip": False}, {"magic_clip": False}, {"categorical_bandwidth": 0.5},
])
def test_estimator_options_change_the_suggestions(option: dict) -> None:
    space = {"x": Float(0, 1), "c": Categorical(["a", "b", "c"])}

    def objective(p: dict) -> float:
        return abs(p["x"] - 0.9) + (p["c"] != "b")

    def params(**kwargs) -> list[dict]:
        return [t.params for t in _run(TPESampler(seed=0, **kwargs), space, objective, 40).trials[10:]]

    reference = {"bandwidth": "hyperopt"} if "consider_endpoints" in option else {}
    assert params(**option) != params(**reference)


def _parallel_batch(space: dict, objective, constant_liar: bool, seed: int) -> list[dict]:
    """Six suggestions asked in a row after 20 told trials, as six workers would get them."""
    study = _run(TPESampler(seed=seed, constant_liar=constant_liar), space, objective, 20)
    batch = [study.ask(space).params for _ in range(6)]
    assert [t.state for t in study.trials[-6:]] == [TrialState.RUNNING] * 6
    return batch


def test_constant_liar_spreads_the_suggestions_of_running_trials() -> None:
    space = {"x": Float(0, 1)}

    def spread(constant_liar: bool) -> float:
        batches = [_parallel_batch(space, lambda p: abs(p["x"] - 0.3), constant_liar, s) for s in range(6)]
        assert all(len({p["x"] for p in b}) == 6 for b in batches)
        return statistics.mean(float(np.std([p["x"] for p in b])) for b in batches)

    assert spread(True) > 2 * spread(False)


def test_constant_liar_gives_distinct_grid_points_to_running_trials() -> None:
    space = {"n": Int(0, 9), "c": Categorical(["a", "b", "c"])}

    def distinct(constant_liar: bool) -> float:
        batches = [_parallel_batch(space, lambda p: abs(p["n"] - 4) + (p["c"] != "b"), constant_liar, s)
                   for s in range(6)]
        return statistics.mean(len({tuple(p.values()) for p in b}) for b in batches)

    with_liar, without = distinct(True), distinct(False)
    assert with_liar >= 5 and with_liar > without + 1.5


# --- robustness --------------------------------------------------------------------------------------------
def test_same_seed_same_suggestions() -> None:
    def fixed(seed: int) -> list[dict]:
        return [t.params for t in _run(TPESampler(seed=seed), QUADRATIC, _quadratic, 25).trials]

    def by_run(seed: int) -> list[dict]:
        def objective(trial: parzen.Trial) -> float:
            x = trial.suggest_float("x", -5, 5)
            c = trial.suggest_categorical("c", ["p", "q"])
            return x * x + (trial.suggest_int("k", 1, 9) if c == "p" else 3.0)

        study = parzen.create_study(sampler=TPESampler(seed=seed))
        study.optimize(objective, n_trials=25)
        return [t.params for t in study.trials]

    assert fixed(11) == fixed(11) and fixed(11) != fixed(12)
    assert by_run(11) == by_run(11) and by_run(11) != by_run(12)


@pytest.mark.parametrize("space", [
    {"only": Float(0.0, 1.0)},
    {"k": Categorical(["solo"])},
    {"f": Float(2.0, 2.0), "i": Int(5, 5), "l": Float(3.0, 3.0, log=True), "s": Float(1.0, 1.0, step=0.5)},
    {"k": Categorical(["solo"]), "x": Float(0, 1, when=("k", "solo")), "b": Categorical([True, False])},
])
def test_degenerate_spaces_never_fail(space: dict) -> None:
    study = _run(TPESampler(seed=0, n_startup_trials=2), space, lambda p: float(len(p)), 8)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert all(set(t.params) == set(space) for t in study.trials)
    assert all(space[n].contains(v) for t in study.trials for n, v in t.params.items())

    def by_run(trial: parzen.Trial) -> float:
        for name, dist in space.items():
            trial.suggest(name, dataclasses.replace(dist, when=None))
        return 0.0

    study = parzen.create_study(sampler=TPESampler(seed=0, n_startup_trials=2))
    study.optimize(by_run, n_trials=8)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_pruned_trials_count_as_bad_and_failed_ones_are_ignored() -> None:
    study = parzen.create_study(sampler=TPESampler(seed=0, n_startup_trials=5))
    for i in range(40):
        trial = study.ask(QUADRATIC)
        value = _quadratic(trial.params)
        if i % 3 == 0:
            trial.report(value, step=0)
            study.tell(trial, state=TrialState.PRUNED)
        elif i % 3 == 1:
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, value)
    study.tell(study.ask(QUADRATIC), state=TrialState.PRUNED)  # pruned before reporting anything
    assert study.ask(QUADRATIC).params.keys() == QUADRATIC.keys()
    assert study.best_value < 2.0


def test_several_objectives_use_motpe_on_a_joint_space() -> None:
    study = parzen.create_study(sampler=TPESampler(seed=0), directions=["minimize", "maximize"])
    for _ in range(15):
        trial = study.ask(QUADRATIC)
        study.tell(trial, [_quadratic(trial.params), trial.params["x"]])
    study.optimize(lambda t: (t.suggest_float("x", -5, 5), t.suggest_int("n", 0, 3)), n_trials=5)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert study.sampler.infer_relative_space(study, study.ask()) == {"x": QUADRATIC["x"]}


def test_history_written_by_another_sampler_or_handle_is_used() -> None:
    costs = {"a": 1.0, "b": 0.0, "c": 1.0}
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0), study_name="warm")
    space = {"c": Categorical(list(costs))}
    for _ in range(30):
        trial = study.ask(space)
        study.tell(trial, costs[trial.params["c"]])
    warm = parzen.load_study("warm", storage=study.storage, sampler=TPESampler(seed=0))
    picks = []
    for _ in range(10):  # no startup phase: thirty finished trials are already there
        trial = warm.ask(space)
        picks.append(trial.params["c"])
        study.tell(trial.number, costs[trial.params["c"]])  # told through the other handle
    assert picks.count("b") >= 7


def test_threads_share_one_sampler() -> None:
    study = parzen.create_study(sampler=TPESampler(seed=0, n_startup_trials=4))
    study.optimize(lambda t: _quadratic({"x": t.suggest_float("x", -5, 5), "y": t.suggest_float("y", -5, 5)}),
                   n_trials=60, n_jobs=4)
    assert len(study.trials) == 60 and all(t.state == TrialState.COMPLETE for t in study.trials)
    assert study.best_value < 1.0


def test_one_sampler_keeps_the_histories_of_several_studies_apart() -> None:
    sampler = TPESampler(seed=0)
    space = {"x": Float(0, 1)}
    low = parzen.create_study(sampler=sampler)
    high = parzen.create_study(sampler=sampler, storage=low.storage)
    for _ in range(40):
        for study in (low, high):
            trial = study.ask(space)
            study.tell(trial, trial.params["x"] if study is low else 1 - trial.params["x"])
    assert statistics.median(t.params["x"] for t in low.trials[-15:]) < 0.2
    assert statistics.median(t.params["x"] for t in high.trials[-15:]) > 0.8


@pytest.mark.parametrize("kwargs, name", [
    ({"seed": "1"}, "seed"), ({"n_startup_trials": -1}, "n_startup_trials"),
    ({"n_startup_trials": 2.5}, "n_startup_trials"), ({"n_ei_candidates": 0}, "n_ei_candidates"),
    ({"gamma": 0.0}, "gamma"), ({"gamma": 1.5}, "gamma"), ({"gamma": "x"}, "gamma"),
    ({"prior_weight": 0.0}, "prior_weight"), ({"multivariate": "yes"}, "multivariate"),
    ({"constant_liar": 1}, "constant_liar"), ({"weighting": "old-decay"}, "weighting"),
    ({"bandwidth": "silverman"}, "bandwidth"), ({"consider_endpoints": None}, "consider_endpoints"),
    ({"min_bandwidth_factor": -1.0}, "min_bandwidth_factor"), ({"magic_clip": 0}, "magic_clip"),
    ({"categorical_bandwidth": 1.5}, "categorical_bandwidth"),
])
def test_bad_arguments_name_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises((TypeError, ValueError), match=name):
        TPESampler(**kwargs)


# --- any valid space ---------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=3), distributions(), min_size=1, max_size=4),
       st.integers(0, 2**32 - 1), st.booleans())
def test_any_space_is_sampled_inside(space: dict, seed: int, multivariate: bool) -> None:
    study = parzen.create_study(sampler=TPESampler(seed=seed, n_startup_trials=2, multivariate=multivariate))
    rng = np.random.default_rng(seed)
    for _ in range(6):
        trial = study.ask(space)
        assert set(trial.params) == set(space)
        for name, value in trial.params.items():
            assert space[name].contains(value), (name, value, space[name])
            if isinstance(space[name], Int):
                assert type(value) is int
            elif isinstance(space[name], Float):
                assert type(value) is float and math.isfinite(value)
        study.tell(trial, float(rng.normal()))
