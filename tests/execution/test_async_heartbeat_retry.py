"""Failure policy of ``optimize_async``: heartbeats while trials are awaited, stale trials, retries, max_failures."""

from __future__ import annotations

import asyncio
import gc
import pathlib
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

import parzen
from parzen import RetryPolicy, TrialState
from parzen.exceptions import TooManyFailures

DEAD_WORKER = pathlib.Path(__file__).with_name("_async_dead_worker.py")


async def _fail_first_attempt_of_trial_one(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.report(x, 0)
    await asyncio.sleep(0)
    if trial.number == 1:
        raise RuntimeError("flaky")
    return x


def test_a_failed_trial_runs_again_with_its_parameters_and_links_back() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    asyncio.run(study.optimize_async(_fail_first_attempt_of_trial_one, n_trials=4, retry=RetryPolicy(max_retries=2)))
    trials = study.trials
    failed = trials[1]
    assert failed.state == TrialState.FAIL and failed.fail_reason == "RuntimeError: flaky"
    assert failed.intermediate_values == {0: failed.params["x"]}
    retries = [t for t in trials if t.system_attrs.get("retry_of") == 1]
    assert len(retries) == 1
    assert retries[0].number == 2 and retries[0].system_attrs["retry_count"] == 1
    assert retries[0].params == failed.params and retries[0].state == TrialState.COMPLETE
    assert [t.state for t in trials].count(TrialState.COMPLETE) == 3


def test_without_retry_the_same_failure_stops_the_call() -> None:
    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="flaky"):
        asyncio.run(study.optimize_async(_fail_first_attempt_of_trial_one, n_trials=4))
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.FAIL]


def test_retries_stop_after_max_retries_and_the_error_then_goes_up() -> None:
    async def always_fails(trial: parzen.Trial) -> float:
        trial.suggest_float("x", 0.0, 1.0)
        raise RuntimeError("broken")

    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="broken"):
        asyncio.run(study.optimize_async(always_fails, n_trials=10,
                                         retry=RetryPolicy(max_retries=2, on=("exception",))))
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL] * 3
    assert [t.system_attrs.get("retry_of") for t in trials] == [None, 0, 1]
    assert [t.system_attrs.get("retry_count") for t in trials] == [None, 1, 2]
    assert len({t.params["x"] for t in trials}) == 1


def test_a_timed_out_trial_is_retried() -> None:
    async def slow_first_attempt(trial: parzen.Trial) -> float:
        if trial.number == 0:
            await asyncio.sleep(5.0)
        return 1.0

    study = parzen.create_study()
    asyncio.run(study.optimize_async(slow_first_attempt, n_trials=2, trial_timeout=0.2,
                                     retry=RetryPolicy(on=("timeout",))))
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[1].system_attrs["retry_of"] == 0


def test_max_failures_stops_after_that_many_failures_in_a_row() -> None:
    async def bad(trial: parzen.Trial) -> float:
        raise ValueError("bad")

    study = parzen.create_study()
    with pytest.raises(TooManyFailures, match="3 trials failed in a row.*ValueError: bad"):
        asyncio.run(study.optimize_async(bad, n_trials=50, catch=ValueError, max_failures=3))
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 3


def test_max_failures_counts_only_failures_in_a_row() -> None:
    async def every_third_succeeds(trial: parzen.Trial) -> float:
        if trial.number % 3:
            raise ValueError("bad")
        return 0.0

    study = parzen.create_study()
    asyncio.run(study.optimize_async(every_third_succeeds, n_trials=12, catch=ValueError, max_failures=3))
    assert len(study.trials) == 12


def test_awaited_trials_beat_so_that_no_live_worker_takes_them_for_dead() -> None:
    """Each trial outlasts the grace period; without beats while it is awaited this call's own reaper would fail it."""
    async def slow(trial: parzen.Trial) -> float:
        await asyncio.sleep(0.6)
        return 1.0

    study = parzen.create_study()
    asyncio.run(study.optimize_async(slow, n_trials=2, concurrency=2, heartbeat_interval=0.05, grace_period=0.2))
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2


def test_a_silent_trial_is_failed_and_retried_by_optimize_async() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    dead = study.ask({"x": parzen.Float(0.0, 1.0)})
    study.storage.record_heartbeat(dead.trial_id)

    async def objective(trial: parzen.Trial) -> float:
        await asyncio.sleep(0.1)
        return trial.suggest_float("x", 0.0, 1.0)

    asyncio.run(study.optimize_async(objective, n_trials=25, concurrency=2, heartbeat_interval=0.05,
                                     grace_period=0.3, retry=RetryPolicy()))
    trials = study.trials
    assert trials[0].state == TrialState.FAIL and trials[0].fail_reason.startswith("stale")
    retries = [t for t in trials if t.system_attrs.get("retry_of") == 0]
    assert len(retries) == 1 and retries[0].params == dead.params and retries[0].state == TrialState.COMPLETE
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 25


def _hold_write_lock(path: pathlib.Path, seconds: float, held: list[float]) -> None:
    """Hold the SQLite file's write lock from another connection, as a busy writer elsewhere would.

    ``held`` receives the monotonic times at which the lock was taken and released.
    """
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        held.append(time.monotonic())
        time.sleep(seconds)
        conn.execute("COMMIT")
        held.append(time.monotonic())
    finally:
        conn.close()


def test_a_heartbeat_blocked_on_the_storage_does_not_block_the_event_loop(tmp_path: pathlib.Path) -> None:
    """While another connection holds the file's write lock for 1.2 s, every beat waits for it; the loop does not.

    A beat written on the loop would stall it for about the rest of the lock's 1.2 s, so the
    test looks at the loop's gaps while the lock is held. The garbage collector is off meanwhile:
    a full collection of the suite's heap is a stall this test is not about.
    """
    path = tmp_path / "locked.db"
    study = parzen.create_study(storage=f"sqlite:///{path}")
    ticks: list[tuple[float, float]] = []  # (end of the gap, its length)
    held: list[float] = []

    async def objective(trial: parzen.Trial) -> float:
        locker = threading.Thread(target=_hold_write_lock, args=(path, 1.2, held))
        locker.start()
        await asyncio.sleep(1.6)
        await asyncio.to_thread(locker.join)
        return 1.0

    async def ticker(stop: asyncio.Event) -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            ticks.append((now, now - last))
            last = now

    async def main() -> None:
        stop = asyncio.Event()
        ticking = asyncio.ensure_future(ticker(stop))
        try:
            await study.optimize_async(objective, n_trials=1, heartbeat_interval=0.02, grace_period=5.0)
        finally:
            stop.set()
            await ticking

    gc.disable()
    try:
        asyncio.run(main())
    finally:
        gc.enable()
    assert study.trials[0].state == TrialState.COMPLETE
    assert len(held) == 2, "the lock was never taken and released"
    taken, released = held
    gaps = [gap for end, gap in ticks if taken < end <= released + 0.05]
    assert len(gaps) > 20
    assert max(gaps) < 0.6, f"the event loop stalled for {max(gaps):.3f} s while the lock was held"


def _survive_async(url: str) -> None:
    async def objective(trial: parzen.Trial) -> float:
        await asyncio.sleep(0.1)
        return trial.suggest_float("x", 0.0, 1.0)

    study = parzen.load_study("shared", storage=url, sampler=parzen.RandomSampler(seed=2))
    asyncio.run(study.optimize_async(objective, n_trials=20, concurrency=2, heartbeat_interval=0.1,
                                     grace_period=1.0, retry=RetryPolicy(max_retries=1)))


def _survive_sync(url: str) -> None:
    def objective(trial: parzen.Trial) -> float:
        time.sleep(0.1)
        return trial.suggest_float("x", 0.0, 1.0)

    study = parzen.load_study("shared", storage=url, sampler=parzen.RandomSampler(seed=2))
    study.optimize(objective, n_trials=20, n_jobs=2, heartbeat_interval=0.1, grace_period=1.0,
                   retry=RetryPolicy(max_retries=1))


@pytest.mark.parametrize("survivor", [_survive_async, _survive_sync], ids=["optimize_async", "optimize"])
def test_a_killed_async_worker_s_trial_fails_once_and_runs_again(survivor: Any, tmp_path: pathlib.Path) -> None:
    """kill -9 of a process awaiting trial 1: another process's call fails it as stale once and retries it."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    parzen.create_study(storage=url, study_name="shared")
    mark = tmp_path / "trial-one-started"
    doomed = subprocess.Popen([sys.executable, str(DEAD_WORKER), url, str(mark)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not mark.exists():
            assert doomed.poll() is None, doomed.communicate()[1]
            assert time.monotonic() < deadline, "trial 1 never started"
            time.sleep(0.02)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate()
    assert parzen.load_study("shared", storage=url).trials[1].state == TrialState.RUNNING
    time.sleep(1.0)  # trial 1's last beat is now older than the survivor's grace period
    survivor(url)
    trials = parzen.load_study("shared", storage=url).trials
    assert [t.number for t in trials] == list(range(22))
    dead = trials[1]
    assert dead.state == TrialState.FAIL and dead.fail_reason.startswith("stale")
    assert dead.intermediate_values == {0: dead.params["x"]}
    retries = [t for t in trials if "retry_of" in t.system_attrs]
    assert len(retries) == 1
    assert (retries[0].system_attrs["retry_of"], retries[0].system_attrs["retry_count"]) == (1, 1)
    assert retries[0].params == dead.params and retries[0].state == TrialState.COMPLETE
    assert [t.number for t in trials if t.state != TrialState.COMPLETE] == [1]
    assert trials[0].user_attrs["pid"] == doomed.pid and trials[0].value == trials[0].params["x"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"retry": RetryPolicy, "n_trials": 1}, TypeError, "`retry` must be a parzen.RetryPolicy"),
    ({"retry": "always"}, TypeError, "`retry` must be a parzen.RetryPolicy"),
    ({"max_failures": 0}, ValueError, "`max_failures` must be >= 1"),
    ({"max_failures": 1.5}, TypeError, "`max_failures` must be an int"),
    ({"heartbeat_interval": -1}, ValueError, "heartbeat_interval"),
    ({"heartbeat_interval": "1"}, TypeError, "`heartbeat_interval` must be a number"),
    ({"grace_period": 10}, ValueError, "`grace_period` needs `heartbeat_interval`"),
    ({"heartbeat_interval": 5, "grace_period": 5}, ValueError, "`grace_period` must be longer"),
])
def test_bad_failure_policy_arguments_fail_before_any_trial(kwargs: dict[str, Any], error: type, match: str) -> None:
    async def objective(trial: parzen.Trial) -> float:
        return 0.0

    study = parzen.create_study()
    with pytest.raises(error, match=match):
        asyncio.run(study.optimize_async(objective, **{"n_trials": 1, **kwargs}))
    assert study.trials == []
    with pytest.raises(error, match=match):  # the same message as the sync path
        study.optimize(lambda t: 0.0, **{"n_trials": 1, **kwargs})


def test_an_async_worker_started_after_a_death_runs_the_dead_grid_point() -> None:
    """As with ``optimize``: the stale trial is failed before the first ask, so its point is not lost."""
    study = parzen.create_study(sampler=parzen.GridSampler({"x": [0.0, 1.0]}))
    dead = study.ask()
    dead.suggest_float("x", 0.0, 1.0)
    study.storage.record_heartbeat(dead.trial_id)
    other = study.ask()
    study.tell(other, other.suggest_float("x", 0.0, 1.0))
    time.sleep(0.3)

    async def objective(trial: parzen.Trial) -> float:
        return trial.suggest_float("x", 0.0, 1.0)

    asyncio.run(study.optimize_async(objective, n_trials=5, heartbeat_interval=0.05, grace_period=0.2))
    trials = study.trials
    assert trials[0].state == TrialState.FAIL and trials[0].fail_reason.startswith("stale")
    assert [t.state for t in trials[1:]] == [TrialState.COMPLETE, TrialState.COMPLETE]
    assert trials[2].params == dead.params != trials[1].params
