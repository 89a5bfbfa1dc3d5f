"""The default sampler does not propose a pruned point again.

On the plot gallery's training study (a log-scaled learning rate, an integer, a categorical choice, a
parameter only for one choice, one that does nothing; a median pruner) the default sampler routes to
the GP, which did not model PRUNED trials: the acquisition's maximum stayed where it was, and trial
after trial came back within a hair of a pruned point (learning rate 0.001, 3 layers, dropout 0.5).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
from parzen.pruners import MedianPruner
from parzen.samplers._finite import MAX_POINTS, FiniteSpace
from parzen.samplers.random import draw_space
from parzen.trial import TrialState


def _training(trial: parzen.Trial) -> float:
    """examples/plot_gallery.py's training objective, without its sleep."""
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("n_layers", 1, 6)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
    momentum = trial.suggest_float("momentum", 0.0, 0.99) if optimizer == "sgd" else 0.9
    trial.suggest_float("dropout", 0.0, 0.5)
    if lr > 0.05 and optimizer == "sgd":
        raise RuntimeError("training diverged")
    floor = 0.1 + 0.3 * (math.log10(lr) + 3) ** 2 + 0.05 * abs(layers - 3) + (0.15 if optimizer == "rmsprop" else 0)
    loss = floor
    for epoch in range(10):
        loss = floor + 2.0 * math.exp(-(0.3 + momentum) * (epoch + 1))
        trial.report(loss, epoch)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return loss


def _point(trial: parzen.FrozenTrial) -> tuple[tuple[str, ...], np.ndarray]:
    """The trial's categorical values and its numeric values in the unit encoding."""
    names = sorted(trial.params)
    cats = tuple(str(trial.params[n]) for n in names if isinstance(trial.params[n], str))
    nums = np.array([trial.distributions[n].encode(trial.params[n]) for n in names
                     if not isinstance(trial.params[n], str)])
    return cats, nums


def _returns_to_pruned_points(study: parzen.Study, tolerance: float = 1e-3) -> int:
    """Trials within ``tolerance`` (every encoded coordinate, same choices) of an earlier PRUNED trial."""
    pruned: list[tuple[tuple[str, ...], np.ndarray]] = []
    returns = 0
    for trial in study.trials:
        cats, nums = _point(trial)
        if any(c == cats and len(n) == len(nums) and np.all(np.abs(n - nums) < tolerance) for c, n in pruned):
            returns += 1
        if trial.state == TrialState.PRUNED:
            pruned.append((cats, nums))
    return returns


@pytest.mark.parametrize("seed", [0, 3])
def test_default_sampler_does_not_return_to_pruned_points(seed):
    study = parzen.create_study(seed=seed, pruner=MedianPruner(n_startup_trials=10, n_warmup_steps=6))
    study.optimize(_training, n_trials=100, catch=(RuntimeError,))
    assert {t.system_attrs.get("auto:sampler") for t in study.trials[10:]} == {"gp"}
    assert _returns_to_pruned_points(study) <= 3
    assert study.best_value < 0.11


@pytest.mark.parametrize("multi_objective", [False, True])
def test_tpe_does_not_repeat_a_point_of_a_finite_space(multi_objective):
    """On grids and choices TPE's candidates used to be evaluated points again: 17 distinct points in 36
    trials of a 36-point space. Only the random startup trials may repeat one now."""
    space = {"n": parzen.Int(0, 3), "c": parzen.Categorical(["a", "b", "c"]), "s": parzen.Float(0, 1, step=0.5)}
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=0),
                                directions=["minimize"] * (2 if multi_objective else 1))
    points = []
    for _ in range(36):
        trial = study.ask(space)
        p = trial.params
        loss = (p["n"] - 2) ** 2 + (p["c"] != "b") + p["s"]
        study.tell(trial, (loss, -loss + p["n"]) if multi_objective else loss)
        points.append((p["n"], p["c"], p["s"]))
    after_startup = points[10:]
    assert not [p for i, p in enumerate(after_startup) if p in points[:10 + i]]
    assert len(set(points)) >= 34


def test_tpe_on_a_spent_finite_space_still_proposes():
    space = {"n": parzen.Int(0, 2), "c": parzen.Categorical(["a", "b"])}
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=1, n_startup_trials=2))
    for _ in range(12):
        trial = study.ask(space)
        study.tell(trial, trial.params["n"] + (trial.params["c"] == "b"))
    assert len({(t.params["n"], t.params["c"]) for t in study.trials}) == 6


# --- the shared rule on small finite spaces (parzen.samplers._finite) -------------------------------------------
FINITE = {"n": parzen.Int(0, 3), "c": parzen.Categorical(["a", "b", "c"])}  # 12 points
SEARCHERS = {
    "random": lambda: parzen.samplers.RandomSampler(seed=3),
    "sobol": lambda: parzen.samplers.QMCSampler(seed=3),
    "halton": lambda: parzen.samplers.QMCSampler(qmc_type="halton", seed=3),
    "cmaes": lambda: parzen.samplers.CmaEsSampler(seed=3),
    "nsga2": lambda: parzen.samplers.NSGAIISampler(seed=3, population_size=4),
}


def _loss(params: dict) -> float:
    return (params["n"] - 2) ** 2 + {"a": 0.5, "b": 0.0, "c": 1.0}[params["c"]]


def _ask_and_tell(sampler: parzen.samplers.Sampler, n_trials: int, space: dict = FINITE) -> list[tuple]:
    study = parzen.create_study(sampler=sampler)
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, _loss(trial.params))
    return [tuple(t.params[name] for name in space) for t in study.trials]


LEARNERS = ("cmaes", "nsga2")  # they take the rule only until every point has been seen


@pytest.mark.parametrize("name", SEARCHERS)
def test_every_point_of_a_small_finite_space_once_before_any_twice(name: str) -> None:
    points = _ask_and_tell(SEARCHERS[name](), 24)
    assert len(set(points[:12])) == 12
    if name not in LEARNERS:
        assert Counter(points) == {p: 2 for p in points[:12]}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", LEARNERS)
def test_once_the_space_is_covered_cmaes_and_nsga2_return_to_their_best_points(name: str, seed: int) -> None:
    """Not an even second round: the trials after the first twelve are better than the space's average."""
    sampler = {"cmaes": lambda: parzen.samplers.CmaEsSampler(seed=seed),
               "nsga2": lambda: parzen.samplers.NSGAIISampler(seed=seed, population_size=4)}[name]()
    points = _ask_and_tell(sampler, 48)
    assert len(set(points[:12])) == 12
    space_mean = sum(_loss({"n": n, "c": c}) for n in range(4) for c in "abc") / 12
    later = [_loss(dict(zip(FINITE, p))) for p in points[12:]]
    assert sum(later) / len(later) < 0.75 * space_mean


@pytest.mark.parametrize("name", SEARCHERS)
def test_the_same_seed_and_tells_give_the_same_points(name: str) -> None:
    assert _ask_and_tell(SEARCHERS[name](), 15) == _ask_and_tell(SEARCHERS[name](), 15)


@pytest.mark.parametrize("name", ["random", "sobol"])
def test_define_by_run_studies_are_sampled_jointly_on_a_finite_space(name: str) -> None:
    study = parzen.create_study(sampler=SEARCHERS[name]())
    study.optimize(lambda t: _loss({"n": t.suggest_int("n", 0, 3), "c": t.suggest_categorical("c", ["a", "b", "c"])}),
                   n_trials=12)
    points = [(t.params["n"], t.params["c"]) for t in study.trials]
    assert len(set(points)) == 12  # the first trial, before any shared space is known, is drawn alone


def test_running_trials_count_as_seen() -> None:
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    running = [study.ask(FINITE) for _ in range(12)]
    assert len({(t.params["n"], t.params["c"]) for t in running}) == 12


def test_a_failed_point_comes_back_only_after_every_other_point() -> None:
    space = {"n": parzen.Int(0, 3)}
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=1))
    first = study.ask(space)
    study.tell(first, state=TrialState.FAIL)
    for _ in range(9):
        trial = study.ask(space)
        study.tell(trial, float(trial.params["n"]))
    later = [t.params["n"] for t in study.trials[1:]]
    assert first.params["n"] not in later
    assert Counter(later) == {n: 3 for n in range(4) if n != first.params["n"]}


def test_large_or_conditional_spaces_are_drawn_as_before() -> None:
    """Above MAX_POINTS points, or with a condition, the draws are plain uniform draws of the sampler's generator."""
    large = {"n": parzen.Int(0, MAX_POINTS)}
    conditional = {"c": parzen.Categorical(["a", "b"]), "n": parzen.Int(0, 1, when=("c", "a"))}
    for space in (large, conditional):
        rng = np.random.default_rng(5)
        expected = [draw_space(space, rng) for _ in range(30)]
        study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=5))
        got = []
        for _ in range(30):
            trial = study.ask(space)
            study.tell(trial, 0.0)
            got.append(trial.params)
        assert got == expected
    assert len({p["c"] for p in expected}) == 2 and len(expected) > 4  # the conditional space repeats points


def test_an_enqueued_point_keeps_its_values() -> None:
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    trial = study.ask(FINITE)
    study.tell(trial, 0.0)
    study.enqueue_trial(trial.params)
    again = study.ask(FINITE)
    assert again.params == trial.params


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    parzen.Int(0, 3), parzen.Int(-2, 10, step=3), parzen.Int(1, 16, log=True), parzen.Float(0.0, 1.0, step=0.25),
    parzen.Float(2.0, 2.0), parzen.Categorical(["a", None, 3]), parzen.Categorical([True]),
]), min_size=1, max_size=3), st.data())
def test_finite_space_numbers_each_point_once(dists: list, data: st.DataObject) -> None:
    space = {f"p{i}": d for i, d in enumerate(dists)}
    finite = FiniteSpace.of(space)
    assert finite is not None
    flat = data.draw(st.integers(0, finite.n_points - 1))
    point = finite.point(flat)
    assert all(space[name].contains(value) for name, value in point.items())
    assert finite.index(point) == flat


def test_continuous_conditional_or_large_spaces_are_not_finite() -> None:
    assert FiniteSpace.of({"x": parzen.Float(0.0, 1.0)}) is None
    assert FiniteSpace.of({"c": parzen.Categorical(["a", "b"]), "n": parzen.Int(0, 1, when=("c", "a"))}) is None
    assert FiniteSpace.of({"n": parzen.Int(1, MAX_POINTS + 1)}) is None
    assert FiniteSpace.of({"n": parzen.Int(1, MAX_POINTS)}).n_points == MAX_POINTS


@pytest.mark.parametrize("name", LEARNERS)
def test_once_the_space_is_covered_a_failed_point_still_does_not_come_back(name: str) -> None:
    sampler = {"cmaes": lambda: parzen.samplers.CmaEsSampler(seed=0),
               "nsga2": lambda: parzen.samplers.NSGAIISampler(seed=0, population_size=4)}[name]()
    study = parzen.create_study(sampler=sampler)
    for _ in range(40):
        trial = study.ask(FINITE)
        if (trial.params["n"], trial.params["c"]) == (2, "a"):  # next to the best point
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, _loss(trial.params))
    points = [(t.params["n"], t.params["c"]) for t in study.trials]
    assert points.count((2, "a")) == 1 and len(set(points)) == 12


@pytest.mark.parametrize("make", [lambda s: parzen.GPSampler(seed=s), lambda s: parzen.AutoSampler(seed=s)],
                         ids=["gp", "default"])
def test_gp_startup_draws_each_point_of_a_small_finite_space_once(make) -> None:
    """The GP's random startup takes the random sampler's rule: 42 points, 10 startup trials, no repeat."""
    space = {"n": parzen.Int(0, 20), "c": parzen.Categorical(["a", "b"])}
    for seed in range(6):
        study = parzen.create_study(sampler=make(seed))
        for _ in range(10):
            trial = study.ask(space)
            study.tell(trial, trial.params["n"] + (trial.params["c"] == "b"))
        points = [(t.params["n"], t.params["c"]) for t in study.trials]
        assert len(set(points)) == 10, points
