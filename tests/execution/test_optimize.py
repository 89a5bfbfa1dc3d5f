"""``study.optimize`` run serially: budget, failure policy, callbacks and argument checks."""

from __future__ import annotations

import functools
import math
import time
import warnings
from typing import Any, Callable

import pytest
from _exec_objectives import quadratic

import parzen
from parzen import TrialState


def _states(study: parzen.Study) -> list[TrialState]:
    return [t.state for t in study.trials]


def test_runs_n_trials_and_records_values() -> None:
    study = parzen.create_study(seed=0)
    study.optimize(quadratic, n_trials=12)
    assert [t.number for t in study.trials] == list(range(12))
    assert _states(study) == [TrialState.COMPLETE] * 12
    for t in study.trials:
        assert t.value == pytest.approx((t.params["x"] - 2.0) ** 2)
    assert study.best_value == min(t.value for t in study.trials)


def test_a_second_call_adds_to_the_study() -> None:
    study = parzen.create_study(seed=0)
    study.optimize(quadratic, n_trials=3)
    study.optimize(quadratic, n_trials=4)
    assert [t.number for t in study.trials] == list(range(7))


def test_zero_trials_runs_nothing() -> None:
    study = parzen.create_study()
    study.optimize(quadratic, n_trials=0)
    assert study.trials == []


def test_study_timeout_stops_starting_trials() -> None:
    study = parzen.create_study()
    started = time.monotonic()
    study.optimize(lambda t: time.sleep(0.1) or 1.0, timeout=0.5)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2.5
    assert 3 <= len(study.trials) <= 7
    assert set(_states(study)) == {TrialState.COMPLETE}


def _sleep_in_trial_one(trial: parzen.Trial) -> float:
    if trial.number == 1:
        time.sleep(3.0)
    return float(trial.number)


def test_trial_timeout_fails_only_the_slow_trial() -> None:
    study = parzen.create_study()
    started = time.monotonic()
    with pytest.warns(RuntimeWarning, match="abandoned"):
        study.optimize(_sleep_in_trial_one, n_trials=4, trial_timeout=0.2)
    assert time.monotonic() - started < 2.5  # the call did not wait for the 3 s trial
    assert _states(study) == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE, TrialState.COMPLETE]
    assert "trial_timeout=0.2" in study.trials[1].fail_reason


def test_catch_fails_the_trial_and_goes_on() -> None:
    def objective(trial: parzen.Trial) -> float:
        if trial.number % 2:
            raise ValueError(f"odd trial {trial.number}")
        return 1.0

    study = parzen.create_study()
    study.optimize(objective, n_trials=6, catch=(ValueError,))
    assert _states(study) == [TrialState.COMPLETE, TrialState.FAIL] * 3
    assert study.trials[3].fail_reason == "ValueError: odd trial 3"


def test_catch_accepts_a_single_class_and_subclasses() -> None:
    def objective(trial: parzen.Trial) -> float:
        raise KeyError("missing")

    study = parzen.create_study()
    study.optimize(objective, n_trials=2, catch=LookupError)
    assert _states(study) == [TrialState.FAIL, TrialState.FAIL]
    assert study.trials[0].fail_reason == "KeyError: 'missing'"


def test_exception_outside_catch_is_reraised_and_earlier_trials_kept() -> None:
    def objective(trial: parzen.Trial) -> float:
        if trial.number == 3:
            raise RuntimeError("boom")
        return float(trial.number)

    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="boom"):
        study.optimize(objective, n_trials=10, catch=(ValueError,))
    assert _states(study) == [TrialState.COMPLETE] * 3 + [TrialState.FAIL]
    assert [t.value for t in study.trials[:3]] == [0.0, 1.0, 2.0]
    assert study.trials[3].fail_reason == "RuntimeError: boom"


@pytest.mark.parametrize(("returned", "reason"), [
    (math.nan, "NaN"),
    (None, "None"),
    ("0.5", "not a number"),
    (math.inf, "inf"),
])
def test_bad_return_value_fails_the_trial_and_goes_on(returned: Any, reason: str) -> None:
    def objective(trial: parzen.Trial) -> Any:
        return returned if trial.number == 1 else 1.0

    study = parzen.create_study()
    with pytest.warns(UserWarning, match="trial 1 failed"):
        study.optimize(objective, n_trials=3)
    assert _states(study) == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert reason in study.trials[1].fail_reason


def test_pruned_trials_are_recorded_and_the_study_goes_on() -> None:
    def objective(trial: parzen.Trial) -> float:
        trial.report(0.5, 0)
        if trial.number == 0:
            raise parzen.TrialPruned()
        return 1.0

    study = parzen.create_study()
    study.optimize(objective, n_trials=2)
    assert _states(study) == [TrialState.PRUNED, TrialState.COMPLETE]


def test_callbacks_see_each_finished_trial_once() -> None:
    seen: list[tuple[int, TrialState]] = []

    def objective(trial: parzen.Trial) -> float:
        if trial.number == 2:
            raise ValueError("caught")
        return 1.0

    study = parzen.create_study()
    study.optimize(objective, n_trials=5, catch=ValueError,
                   callbacks=[lambda s, t: seen.append((t.number, t.state))])
    assert seen == [(0, TrialState.COMPLETE), (1, TrialState.COMPLETE), (2, TrialState.FAIL),
                    (3, TrialState.COMPLETE), (4, TrialState.COMPLETE)]


def test_stop_in_a_callback_stops_the_study() -> None:
    def stop_after_three(study: parzen.Study, trial: parzen.FrozenTrial) -> None:
        if trial.number == 2:
            study.stop()

    study = parzen.create_study()
    study.optimize(quadratic, n_trials=100, callbacks=[stop_after_three])
    assert len(study.trials) == 3
    study.optimize(quadratic, n_trials=2)
    assert len(study.trials) == 5


_BAD_ARGUMENTS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"n_trials": -1}, ValueError, "n_trials"),
    ({"n_trials": 2.5}, TypeError, "n_trials"),
    ({"timeout": -1}, ValueError, "timeout"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
    ({"n_jobs": -2}, ValueError, "n_jobs"),
    ({"executor": "fork"}, ValueError, "executor"),
    ({"catch": [ValueError, 42]}, TypeError, "catch"),
    ({"catch": ValueError("x")}, TypeError, "catch"),
    ({"catch": "ValueError"}, TypeError, "catch"),
    ({"callbacks": [42]}, TypeError, "callbacks"),
    ({"trial_timeout": 0}, ValueError, "trial_timeout"),
    ({"trial_timeout": "1"}, ValueError, "trial_timeout"),
]


@pytest.mark.parametrize(("kwargs", "error", "mentions"), _BAD_ARGUMENTS)
def test_bad_arguments_fail_before_any_trial(kwargs: dict[str, Any], error: type[Exception],
                                             mentions: str) -> None:
    study = parzen.create_study()
    with pytest.raises(error, match=mentions):
        study.optimize(quadratic, **{"n_trials": 3, **kwargs})
    assert study.trials == []


@pytest.mark.parametrize("objective", [None, 42, "quadratic"])
def test_non_callable_objective_fails_before_any_trial(objective: Callable[..., Any]) -> None:
    study = parzen.create_study()
    with pytest.raises(TypeError, match="objective"):
        study.optimize(objective, n_trials=3)
    assert study.trials == []


async def _async_objective(trial: parzen.Trial, offset: float = 0.0) -> float:
    return trial.suggest_float("x", 0.0, 1.0) + offset


class _AsyncCallable:
    async def __call__(self, trial: parzen.Trial) -> float:
        return trial.suggest_float("x", 0.0, 1.0)

    async def method(self, trial: parzen.Trial) -> float:
        return trial.suggest_float("x", 0.0, 1.0)


@pytest.mark.parametrize("objective", [
    _async_objective, functools.partial(_async_objective, offset=1.0), _AsyncCallable(),
    functools.partial(_AsyncCallable()), _AsyncCallable().method,
], ids=["async def", "partial", "async __call__", "partial of async __call__", "async method"])
@pytest.mark.parametrize("executor", ["thread", "process"])
def test_an_async_objective_fails_before_any_trial_pointing_to_optimize_async(objective: Any, executor: str) -> None:
    study = parzen.create_study()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "coroutine ... was never awaited" either: it is never called
        with pytest.raises(TypeError, match=r"`objective` .* is async: .*await study\.optimize_async\("):
            study.optimize(objective, n_trials=3, executor=executor)
    assert study.trials == []


class _ValueOfTrial:
    """A class used as an objective: calling it runs ``__new__``, whatever its instances' ``__call__`` is."""

    def __new__(cls, trial: parzen.Trial) -> Any:  # type: ignore[misc]
        return trial.suggest_float("x", 0.0, 1.0)

    async def __call__(self, trial: parzen.Trial) -> float:
        return 0.0


def test_a_class_with_an_async_call_is_not_taken_for_an_async_objective() -> None:
    study = parzen.create_study()
    study.optimize(_ValueOfTrial, n_trials=2)
    assert _states(study) == [TrialState.COMPLETE] * 2


def test_planned_trials_is_the_study_size_the_running_call_aims_at() -> None:
    study = parzen.create_study()
    study.optimize(lambda t: 0.0, n_trials=3)
    seen: list[int | None] = []
    study.optimize(lambda t: seen.append(study.planned_trials) or 0.0, n_trials=2)
    assert seen == [5, 5]
    assert study.planned_trials is None
    study.optimize(lambda t: seen.append(study.planned_trials) or 0.0, timeout=60, callbacks=[lambda s, t: s.stop()])
    assert seen[-1] is None
