"""A run that starts from earlier trials (cache, storage, saved study) spends its budget on new points, reproducibly."""

from __future__ import annotations

from pathlib import Path

import pytest

from parzen.adaptive import AdaptiveHyperparameterOptimizer
from parzen.adaptive.warm_start import history_seed
from parzen.space import Float
from parzen.trial import FrozenTrial, TrialState

SPACE = {"x": ("float", 0.0, 5.0)}


class Counted:
    """The objective ``x``, remembering every point it evaluated."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, params: dict) -> float:
        self.calls.append(params["x"])
        return params["x"]


def run_twice(backend: str, **options: object) -> tuple[list[float], list[float], list[dict]]:
    """Two optimizers with the same options, one after the other; the points each evaluated and the
    second one's history."""
    objective = Counted()
    runs, history = [], []
    for _ in range(2):
        objective.calls.clear()
        optimizer = AdaptiveHyperparameterOptimizer(backend=backend, n_trials=5, random_state=0, **options)
        _, _, history = optimizer.optimize(objective, SPACE, direction="maximize")
        runs.append(list(objective.calls))
    return runs[0], runs[1], history


@pytest.mark.parametrize("backend", ["parzen", "optuna"])
def test_a_warm_cache_with_the_same_random_state_evaluates_new_points(tmp_path: Path, backend: str) -> None:
    first, second, history = run_twice(backend, cache_dir=tmp_path / "cache")
    assert len(first) == 5 and len(second) == 5  # the second run evaluated its whole budget
    assert len(set(second)) == 5 and not set(second) & set(first)  # new, distinct points
    assert len(history) == 10 and sum(h["cached"] for h in history) == 5  # the first run's values, warm


def test_the_same_cache_and_random_state_give_the_same_suggestions(tmp_path: Path) -> None:
    one = run_twice("parzen", cache_dir=tmp_path / "one")
    other = run_twice("parzen", cache_dir=tmp_path / "other")
    assert one[:2] == other[:2]


def test_a_study_continued_in_a_storage_with_the_same_random_state_evaluates_new_points(tmp_path: Path) -> None:
    first, second, history = run_twice("parzen", storage=f"sqlite:///{tmp_path / 'study.db'}")
    assert len(second) == 5 and not set(second) & set(first)
    assert len(history) == 10


def test_a_loaded_study_continues_with_new_points(tmp_path: Path) -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=4, random_state=0)
    optimizer.optimize(Counted(), SPACE, direction="maximize")
    optimizer.save_study(tmp_path / "study.json")
    loaded = AdaptiveHyperparameterOptimizer.load_study(tmp_path / "study.json")
    objective = Counted()
    loaded.continue_optimization(4, objective=objective)
    assert len(objective.calls) == 4
    assert not set(objective.calls) & {t.params["x"] for t in optimizer.study.trials}


def finished(x: float, value: float) -> FrozenTrial:
    return FrozenTrial(number=0, trial_id=0, state=TrialState.COMPLETE, values=(value,), params={"x": x},
                       distributions={"x": Float(0.0, 5.0)})


def test_the_history_seed_depends_on_the_trials_not_on_their_order() -> None:
    a, b = finished(1.0, 1.0), finished(2.0, 2.0)
    assert history_seed(7, []) == 7 and history_seed(None, [a]) is None
    assert history_seed(7, [a, b]) == history_seed(7, [b, a]) != history_seed(7, [a])
    assert history_seed(7, [a]) != history_seed(8, [a])
    assert 0 <= history_seed(7, [a, b]) < 2**31


def test_on_a_finite_space_the_budget_counts_evaluations_not_cache_answers(tmp_path: Path) -> None:
    space = {"n": ("int", 0, 20), "c": ("categorical", ["a", "b"])}
    calls: list[tuple[int, str]] = []

    def objective(params: dict) -> float:
        calls.append((params["n"], params["c"]))
        return -abs(params["n"] - 7) + 0.1 * (params["c"] == "a")

    for backend in ("parzen", "optuna"):  # both propose known points again here; the cache answers them
        evaluated = []
        for _ in range(2):
            calls.clear()  # the closure's state is part of the cache key: the same at each start
            optimizer = AdaptiveHyperparameterOptimizer(backend=backend, n_trials=5, random_state=0,
                                                        cache_dir=tmp_path / backend)
            optimizer.optimize(objective, space, direction="maximize")
            evaluated += calls
        assert len(evaluated) == 10 and len(set(evaluated)) == 10  # each run evaluated 5 new points


def test_a_run_stops_when_the_cache_answers_a_whole_round(tmp_path: Path) -> None:
    calls: list[str] = []

    def objective(params: dict) -> float:
        calls.append(params["c"])
        return float(ord(params["c"]))

    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=10, random_state=0, cache_dir=tmp_path,
                                                adaptation_interval=4)
    _, best, history = optimizer.optimize(objective, {"c": ("categorical", ["a", "b", "c"])}, direction="maximize")
    assert sorted(calls) == ["a", "b", "c"] and best == ord("c")  # three points: each evaluated once
    assert len(history) < 10 + 4 and all(h["cached"] for h in history[-4:])  # the run ended on a cached round
