"""``await study.optimize_async``: async objectives as concurrent tasks on the caller's loop."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import parzen
from parzen import TrialState

SLEEP_S = 0.3


class _Peak:
    """Counts how many objectives run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0

    async def sleep(self, trial: parzen.Trial) -> float:
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(SLEEP_S)
        self.running -= 1
        return float(trial.number)


def _run_timed(concurrency: int, n_trials: int = 16) -> tuple[parzen.Study, _Peak, float]:
    study = parzen.create_study()
    peak = _Peak()
    started = time.monotonic()
    asyncio.run(study.optimize_async(peak.sleep, n_trials=n_trials, concurrency=concurrency))
    return study, peak, time.monotonic() - started


def test_sixteen_tasks_overlap_completely() -> None:
    study, peak, _ = _run_timed(concurrency=16)
    assert peak.peak == 16
    assert sorted(t.number for t in study.trials) == list(range(16))
    assert {t.state for t in study.trials} == {TrialState.COMPLETE}


def test_four_tasks_take_about_four_sleeps() -> None:
    study, peak, elapsed = _run_timed(concurrency=4)
    assert 4 * SLEEP_S * 0.95 <= elapsed < 4 * SLEEP_S + 0.8
    assert peak.peak == 4
    assert len(study.trials) == 16


def test_runs_on_the_callers_loop() -> None:
    loops: set[int] = set()

    async def objective(trial: parzen.Trial) -> float:
        loops.add(id(asyncio.get_running_loop()))
        return 0.0

    async def main() -> int:
        await parzen.create_study().optimize_async(objective, n_trials=5, concurrency=3)
        return id(asyncio.get_running_loop())

    assert loops == {asyncio.run(main())}


def test_catch_and_bad_values_fail_trials_and_go_on() -> None:
    async def objective(trial: parzen.Trial) -> Any:
        await asyncio.sleep(0)
        if trial.number == 1:
            raise ValueError("caught")
        return None if trial.number == 2 else 1.0

    study = parzen.create_study()
    with pytest.warns(UserWarning, match="None instead of a number"):
        asyncio.run(study.optimize_async(objective, n_trials=4, concurrency=2, catch=ValueError))
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL,
                                                TrialState.COMPLETE]
    assert study.trials[1].fail_reason == "ValueError: caught"


def test_exception_outside_catch_is_reraised_after_running_trials_finish() -> None:
    async def objective(trial: parzen.Trial) -> float:
        await asyncio.sleep(0.05 if trial.number == 3 else 0.2)
        if trial.number == 3:
            raise RuntimeError("boom")
        return 1.0

    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(study.optimize_async(objective, n_trials=50, concurrency=4))
    states = {t.number: t.state for t in study.trials}
    assert states == {0: TrialState.COMPLETE, 1: TrialState.COMPLETE, 2: TrialState.COMPLETE,
                      3: TrialState.FAIL}


def test_trial_timeout_cancels_only_the_slow_trial() -> None:
    async def objective(trial: parzen.Trial) -> float:
        await asyncio.sleep(5 if trial.number == 0 else 0.01)
        return 1.0

    study = parzen.create_study()
    started = time.monotonic()
    asyncio.run(study.optimize_async(objective, n_trials=4, concurrency=2, trial_timeout=0.2))
    assert time.monotonic() - started < 3.0  # the 5 s trial was cancelled
    assert [t.state for t in study.trials] == [TrialState.FAIL] + [TrialState.COMPLETE] * 3
    assert "trial_timeout=0.2" in study.trials[0].fail_reason


def test_timeout_error_of_the_objective_is_its_own_error() -> None:
    async def objective(trial: parzen.Trial) -> float:
        raise TimeoutError("the service did not answer")

    study = parzen.create_study()
    with pytest.raises(TimeoutError, match="service"):
        asyncio.run(study.optimize_async(objective, n_trials=3, trial_timeout=5))
    assert study.trials[0].fail_reason == "TimeoutError: the service did not answer"


def test_study_timeout() -> None:
    async def objective(trial: parzen.Trial) -> float:
        await asyncio.sleep(0.1)
        return 1.0

    study = parzen.create_study()
    started = time.monotonic()
    asyncio.run(study.optimize_async(objective, timeout=0.5, concurrency=2))
    assert time.monotonic() - started < 2.0
    assert 4 <= len(study.trials) <= 14


def test_callbacks_and_stop() -> None:
    seen: list[int] = []

    def callback(study: parzen.Study, trial: parzen.FrozenTrial) -> None:
        seen.append(trial.number)
        if len(seen) == 5:
            study.stop()

    async def objective(trial: parzen.Trial) -> float:
        await asyncio.sleep(0.01)
        return 1.0

    study = parzen.create_study()
    asyncio.run(study.optimize_async(objective, n_trials=100, concurrency=2, callbacks=[callback]))
    assert 5 <= len(study.trials) <= 6
    assert sorted(seen) == [t.number for t in study.trials]


def test_cancelling_the_call_fails_running_trials() -> None:
    async def objective(trial: parzen.Trial) -> float:
        await asyncio.sleep(0.05 if trial.number < 3 else 10)
        return 1.0

    study = parzen.create_study()

    async def main() -> None:
        await asyncio.wait_for(study.optimize_async(objective, n_trials=20, concurrency=3), 0.5)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())
    states = [t.state for t in study.trials]
    assert states[:3] == [TrialState.COMPLETE] * 3
    assert states[3:] == [TrialState.FAIL] * 3


def test_sync_objective_is_a_type_error_even_when_caught() -> None:
    study = parzen.create_study()
    with pytest.raises(TypeError, match="async objective"):
        asyncio.run(study.optimize_async(lambda t: 1.0, n_trials=5, catch=Exception))
    assert [t.state for t in study.trials] == [TrialState.FAIL]


@pytest.mark.parametrize(("kwargs", "error", "mentions"), [
    ({"concurrency": 0}, ValueError, "concurrency"),
    ({"concurrency": 2.0}, ValueError, "concurrency"),
    ({"concurrency": True}, ValueError, "concurrency"),
    ({"n_trials": -1}, ValueError, "n_trials"),
    ({"catch": [1]}, TypeError, "catch"),
    ({"trial_timeout": -1}, ValueError, "trial_timeout"),
])
def test_bad_arguments_fail_before_any_trial(kwargs: dict[str, Any], error: type[Exception],
                                             mentions: str) -> None:
    async def objective(trial: parzen.Trial) -> float:
        return 0.0

    study = parzen.create_study()
    with pytest.raises(error, match=mentions):
        asyncio.run(study.optimize_async(objective, **{"n_trials": 3, **kwargs}))
    assert study.trials == []


def test_non_callable_objective_fails_before_any_trial() -> None:
    study = parzen.create_study()
    with pytest.raises(TypeError, match="objective"):
        asyncio.run(study.optimize_async(None, n_trials=3))  # type: ignore[arg-type]
    assert study.trials == []


class _ThreadRecordingSampler(parzen.GPSampler):
    """The GP sampler, noting the thread of each joint sample (its model fit)."""

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__(seed=0, n_startup_trials=3)
        self.threads: list[str] = []
        self.fail_at = fail_at

    def sample(self, study: parzen.Study, trial: Any, space: dict) -> dict:
        self.threads.append(threading.current_thread().name)
        if trial.number == self.fail_at:
            raise RuntimeError("the model did not fit")
        return super().sample(study, trial, space)


async def _two_floats(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -1.0, 1.0)
    await asyncio.sleep(0)
    return x * x + trial.suggest_float("y", -1.0, 1.0) ** 2


def test_the_joint_sample_is_drawn_off_the_loop() -> None:
    sampler = _ThreadRecordingSampler()
    study = parzen.create_study(sampler=sampler)
    loop_thread = threading.current_thread().name
    asyncio.run(study.optimize_async(_two_floats, n_trials=8, concurrency=2))
    assert len(sampler.threads) >= 5  # every trial after the first has a joint space
    assert loop_thread not in sampler.threads
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_an_error_of_the_joint_sample_fails_its_trial_inside_the_objective() -> None:
    """Drawn early, the joint sample's error still surfaces at the suggest that needs it, where ``catch`` sees it."""
    study = parzen.create_study(sampler=_ThreadRecordingSampler(fail_at=5))
    asyncio.run(study.optimize_async(_two_floats, n_trials=8, catch=RuntimeError))
    states = {t.number: t.state for t in study.trials}
    assert states[5] == TrialState.FAIL and "the model did not fit" in study.trials[5].fail_reason
    assert [n for n, s in states.items() if s != TrialState.COMPLETE] == [5]
    with pytest.raises(RuntimeError, match="did not fit"):
        asyncio.run(parzen.create_study(sampler=_ThreadRecordingSampler(fail_at=4)).optimize_async(
            _two_floats, n_trials=8))
