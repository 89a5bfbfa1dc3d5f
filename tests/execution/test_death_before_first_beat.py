"""A worker that dies between the start of its trial and that trial's first beat still leaves a trial that
goes stale: a runner that beats creates its trials, or takes them from the queue of waiting ones, with their
first heartbeat in the same storage write.

The fault tests SIGKILL a real worker process as its runner is about to beat for the trial it just started
(tests/execution/_grid_fault_worker.py, ``die ... before_first_beat``); survivors with heartbeats find the
trial stale, fail it, and the grid point runs again, with a retry policy or without one.
"""

from __future__ import annotations

import pathlib
import signal
import time

import pytest
from test_grid_faults import ALL_POINTS, _assert_each_point_complete_once, _run, _url

import parzen
from parzen import TrialState
from parzen.execution.heartbeat import Heartbeat


def _die_before_first_beat(url: str, start: str = "created") -> None:
    """A worker dies as it is about to beat for its first trial, which it created (``start="created"``) or
    took from the queue (``"enqueued"``: a grid point enqueued beforehand)."""
    study = parzen.create_study(storage=url, study_name="grid")
    if start == "enqueued":
        study.enqueue_trial({"a": 1, "b": "y"})
    dying = _run("die", url, "grid", "before_first_beat")
    _, err = dying.communicate(timeout=120)
    assert dying.returncode == -signal.SIGKILL, err
    (left,) = parzen.load_study("grid", storage=url).trials
    assert left.state == TrialState.RUNNING and left.params == {} and "grid_id" in left.system_attrs


def _survive(url: str, retry: str) -> list[parzen.FrozenTrial]:
    survivors = [_run("survive", url, "grid", retry) for _ in range(2)]
    for proc in survivors:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    return parzen.load_study("grid", storage=url).trials


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_trial_whose_worker_died_before_its_first_beat_is_retried(kind: str, tmp_path: pathlib.Path,
                                                                    request: pytest.FixtureRequest) -> None:
    url = _url(kind, tmp_path, request)
    _die_before_first_beat(url)
    trials = _survive(url, "retry")
    dead = trials[0]
    assert dead.state == TrialState.FAIL and dead.fail_reason.startswith("stale") and dead.params == {}
    _assert_each_point_complete_once(trials)
    assert [t.state for t in trials].count(TrialState.FAIL) == 1
    assert len(trials) == len(ALL_POINTS) + 1
    retries = [t for t in trials if t.system_attrs.get("retry_of") == dead.number]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE


@pytest.mark.parametrize(("kind", "start"), [("sqlite", "created"), ("sqlite", "enqueued"), ("postgres", "enqueued")])
def test_without_retries_the_grid_runs_the_point_again(kind: str, start: str, tmp_path: pathlib.Path,
                                                        request: pytest.FixtureRequest) -> None:
    """Without a retry policy (a retry of a trial that holds a point races the grid's own re-run: see the
    grid module's docstring), the grid hands the dead trial's point out again, once."""
    url = _url(kind, tmp_path, request)
    _die_before_first_beat(url, start)
    trials = _survive(url, "no_retry")
    dead = trials[0]
    assert dead.state == TrialState.FAIL and dead.fail_reason.startswith("stale")
    _assert_each_point_complete_once(trials)
    assert len(trials) == len(ALL_POINTS) + 1
    assert not any("retry_of" in t.system_attrs for t in trials)
    rerun = [t for t in trials[1:] if t.system_attrs["grid_id"] == dead.system_attrs["grid_id"]]
    assert len(rerun) == 1 and rerun[0].state == TrialState.COMPLETE
    if start == "enqueued":
        assert rerun[0].params == {"a": 1, "b": "y"}


def test_only_trials_asked_to_beat_start_beating(tmp_path: pathlib.Path) -> None:
    """``ask(_heartbeat=True)`` (what a beating runner asks), of a new trial or an enqueued one, goes stale
    without any beat; a plain ask, as an ask-and-tell loop makes, is never taken for dead."""
    study = parzen.create_study(storage=f"sqlite:///{tmp_path / 'a.db'}")
    study.enqueue_trial({"x": 1.0})
    study.enqueue_trial({"x": 2.0})
    taken = study.ask(_heartbeat=True)
    taken_plain = study.ask()
    beating = study.ask(_heartbeat=True)
    plain = study.ask()
    assert (taken.number, taken_plain.number) == (0, 1)
    patient = Heartbeat(study, 1800.0, 3600.0, running=list, on_stale=lambda frozen: None)
    assert patient.reap() == []  # each trial asked to beat beat as it started
    time.sleep(0.3)
    reaper = Heartbeat(study, 0.05, 0.1, running=list, on_stale=lambda frozen: None)
    assert [t.number for t in reaper.reap()] == [taken.number, beating.number]
    assert study.trials[beating.number].fail_reason.startswith("stale")
    assert [study.trials[t.number].state for t in (taken_plain, plain)] == [TrialState.RUNNING] * 2


def test_the_runner_beats_at_start_only_for_a_storage_that_does_not_start_trials_beating() -> None:
    from parzen.storages import InMemoryStorage
    from parzen.testing import check_storage

    class Counting(InMemoryStorage):
        beats = 0

        def record_heartbeat(self, trial_id: int) -> bool:
            type(self).beats += 1
            return super().record_heartbeat(trial_id)

    class NotBeating(Counting):
        starts_trials_beating = False

        def pop_waiting_trial_beating(self, study_id: int) -> int | None:
            return self.pop_waiting_trial(study_id)

    for storage_type, beats in [(Counting, 0), (NotBeating, 3)]:
        study = parzen.create_study(storage=storage_type())
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=3, heartbeat_interval=60.0)
        assert storage_type.beats == beats
    check_storage(NotBeating, checks=["check_trial_started_beating_goes_stale"])
