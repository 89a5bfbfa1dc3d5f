"""QMCSampler: low-discrepancy Sobol/Halton points, seeded, inside the space."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

import parzen
from parzen import Categorical, Float, Int, TrialState

SQUARE = {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)}
MIXED = {
    "x": Float(-2.0, 2.0),
    "lr": Float(1e-5, 1e-1, log=True),
    "q": Float(0.0, 1.0, step=0.25),
    "n": Int(0, 10, step=2),
    "c": Categorical(["a", "b", None]),
}


def _ask_points(sampler: parzen.samplers.Sampler, n: int = 64) -> np.ndarray:
    study = parzen.create_study(sampler=sampler)
    points = []
    for _ in range(n):
        trial = study.ask(SQUARE)
        points.append([trial.params["x"], trial.params["y"]])
        study.tell(trial, 0.0)
    return np.array(points)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_points_have_lower_discrepancy_than_random(qmc_type: str) -> None:
    seeds = range(8)
    low = [qmc.discrepancy(_ask_points(parzen.QMCSampler(qmc_type=qmc_type, seed=s))) for s in seeds]
    rand = [qmc.discrepancy(_ask_points(parzen.RandomSampler(seed=s))) for s in seeds]
    assert np.mean(low) < 0.5 * np.mean(rand)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_define_by_run_points_have_lower_discrepancy_than_random(qmc_type: str) -> None:
    def objective(trial):
        return trial.suggest_float("x", 0.0, 1.0) + trial.suggest_float("y", 0.0, 1.0)

    def points(sampler):
        study = parzen.create_study(sampler=sampler)
        study.optimize(objective, n_trials=65)
        return np.array([[t.params["x"], t.params["y"]] for t in study.trials[1:]])  # trial 0 is random

    seeds = range(6)
    low = [qmc.discrepancy(points(parzen.QMCSampler(qmc_type=qmc_type, seed=s))) for s in seeds]
    rand = [qmc.discrepancy(points(parzen.RandomSampler(seed=s))) for s in seeds]
    assert np.mean(low) < 0.5 * np.mean(rand)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
@pytest.mark.parametrize("scramble", [True, False])
def test_points_stay_in_the_space(qmc_type: str, scramble: bool) -> None:
    study = parzen.create_study(sampler=parzen.QMCSampler(qmc_type=qmc_type, scramble=scramble, seed=0))
    for _ in range(100):
        trial = study.ask(MIXED)
        for name, dist in MIXED.items():
            assert dist.contains(trial.params[name]), (name, trial.params[name])
        assert type(trial.params["n"]) is int and type(trial.params["x"]) is float
        study.tell(trial, 0.0)
    categories = {t.params["c"] for t in study.trials}
    assert categories == {"a", "b", None}


def test_trial_n_gets_point_n_whatever_the_order_of_tells() -> None:
    def run(order):
        study = parzen.create_study(sampler=parzen.QMCSampler(seed=4))
        trials = [study.ask(SQUARE) for _ in range(8)]
        for i in order:
            study.tell(trials[i], 0.0)
        return [t.params for t in study.trials]

    in_order = run(range(8))
    assert run([7, 3, 5, 0, 1, 6, 2, 4]) == in_order
    assert len({(p["x"], p["y"]) for p in in_order}) == 8


def _fixed_space(seed, qmc_type):
    study = parzen.create_study(sampler=parzen.QMCSampler(qmc_type=qmc_type, seed=seed))
    for i in range(10):
        study.tell(study.ask(MIXED), float(i))
    return [t.params for t in study.trials]


def _by_run(seed, qmc_type):
    def objective(trial):
        x = trial.suggest_float("x", -2.0, 2.0)
        if trial.suggest_categorical("c", ["a", "b"]) == "a":
            x += trial.suggest_int("n", 0, 10, step=2)
        return x

    study = parzen.create_study(sampler=parzen.QMCSampler(qmc_type=qmc_type, seed=seed))
    study.optimize(objective, n_trials=10)
    return [t.params for t in study.trials]


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
@pytest.mark.parametrize("run", [_fixed_space, _by_run])
def test_same_seed_same_suggestions(qmc_type: str, run) -> None:
    assert run(11, qmc_type) == run(11, qmc_type)
    assert run(11, qmc_type) != run(12, qmc_type)


def test_unscrambled_points_do_not_depend_on_the_seed() -> None:
    def run(seed):
        return _ask_points(parzen.QMCSampler(scramble=False, seed=seed), n=8).tolist()

    assert run(1) == run(2)
    assert run(1)[:2] == [[0.0, 0.0], [0.5, 0.5]]


@pytest.mark.parametrize("kwargs, error", [
    ({"qmc_type": "lhs"}, ValueError), ({"seed": "x"}, TypeError),
])
def test_bad_arguments_are_rejected(kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        parzen.QMCSampler(**kwargs)


@pytest.mark.parametrize("space, expected", [
    ({"only": Float(-1.0, 1.0)}, None),
    ({"k": Categorical(["solo"])}, {"k": "solo"}),
    ({"f": Float(2.0, 2.0), "i": Int(5, 5), "l": Float(3.0, 3.0, log=True), "k": Categorical([None])},
     {"f": 2.0, "i": 5, "l": 3.0, "k": None}),
    ({"f": Float(2.0, 2.0), "x": Int(0, 3)}, None),
])
def test_small_and_degenerate_spaces(space: dict, expected: dict | None) -> None:
    study = parzen.create_study(sampler=parzen.QMCSampler(seed=0))
    for _ in range(6):
        trial = study.ask(space)
        assert set(trial.params) == set(space)
        assert all(space[n].contains(v) for n, v in trial.params.items())
        if expected is not None:
            assert trial.params == expected
        study.tell(trial, 0.0)

    def by_run(trial):
        for name, dist in space.items():
            trial.suggest(name, dist)
        return 0.0

    study = parzen.create_study(sampler=parzen.QMCSampler(seed=0))
    study.optimize(by_run, n_trials=6)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert all(space[n].contains(v) for t in study.trials for n, v in t.params.items())
    if expected is not None:
        assert all(t.params == expected for t in study.trials)


def test_conditional_space() -> None:
    space = {
        "kind": Categorical(["a", "b"]),
        "x": Float(0.0, 1.0, when=("kind", "a")),
        "y": Int(1, 3, when=("kind", "b")),
    }
    study = parzen.create_study(sampler=parzen.QMCSampler(seed=0))
    for _ in range(16):
        params = study.ask(space).params
        assert set(params) == ({"kind", "x"} if params["kind"] == "a" else {"kind", "y"})
