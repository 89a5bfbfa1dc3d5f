"""A grid point is never lost: workers SIGKILLed before or after their trial's first suggest, real processes.

The killed worker's trial beats once as it starts; survivors with heartbeats find it stale, fail it,
and the grid hands its point out again, so that every point ends COMPLETE exactly once.
"""

from __future__ import annotations

import itertools
import os
import pathlib
import signal
import subprocess
import sys
from typing import Any

import _grid_fault_worker as worker
import pytest

import parzen
from parzen import TrialState

HELPER = pathlib.Path(worker.__file__)
ALL_POINTS = sorted(itertools.product(worker.GRID["a"], worker.GRID["b"]))


def _url(kind: str, tmp_path: pathlib.Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'grid.db'}"
    return str(request.getfixturevalue(f"{kind}_url"))


def _run(*arguments: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HELPER), *arguments], stderr=subprocess.PIPE, text=True)


def _kill_then_survive(url: str, when: str, retry: str) -> list[parzen.FrozenTrial]:
    """One worker dies in its first trial; then two workers run the rest of the grid."""
    parzen.create_study(storage=url, study_name="grid")
    dying = _run("die", url, "grid", when)
    _, err = dying.communicate(timeout=120)
    assert dying.returncode == -signal.SIGKILL, err
    survivors = [_run("survive", url, "grid", retry) for _ in range(2)]
    for proc in survivors:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    return parzen.load_study("grid", storage=url).trials


def _assert_each_point_complete_once(trials: list[Any]) -> None:
    complete = [(t.params["a"], t.params["b"]) for t in trials if t.state == TrialState.COMPLETE]
    assert sorted(complete) == ALL_POINTS
    assert all(t.value == t.params["a"] + worker.B_VALUE[t.params["b"]] for t in trials
               if t.state == TrialState.COMPLETE)


@pytest.mark.parametrize("kind", ["sqlite", "postgres", "redis"])
def test_a_worker_killed_before_its_first_suggest_loses_no_point(kind: str, tmp_path: pathlib.Path,
                                                                 request: pytest.FixtureRequest) -> None:
    trials = _kill_then_survive(_url(kind, tmp_path, request), "before_suggest", "retry")
    dead = trials[0]
    assert dead.state == TrialState.FAIL and dead.fail_reason.startswith("stale") and dead.params == {}
    _assert_each_point_complete_once(trials)
    assert [t.state for t in trials].count(TrialState.FAIL) == 1
    assert len(trials) == len(ALL_POINTS) + 1
    retries = [t for t in trials if t.system_attrs.get("retry_of") == dead.number]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE


def test_a_worker_killed_after_suggest_without_retries_has_its_point_run_again(tmp_path: pathlib.Path) -> None:
    """No retry policy: the grid itself hands the dead worker's point out again, once."""
    trials = _kill_then_survive(f"sqlite:///{tmp_path / 'grid.db'}", "after_suggest", "no_retry")
    dead = trials[0]
    assert dead.state == TrialState.FAIL and dead.fail_reason.startswith("stale")
    assert set(dead.params) == {"a", "b"}
    _assert_each_point_complete_once(trials)
    assert len(trials) == len(ALL_POINTS) + 1
    assert not any("retry_of" in t.system_attrs for t in trials)
    rerun = [t for t in trials[1:] if t.params == dead.params]
    assert len(rerun) == 1 and rerun[0].system_attrs["grid_id"] == dead.system_attrs["grid_id"]


def test_a_point_whose_process_executor_child_died_runs_again(tmp_path: pathlib.Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver survives; the child running the first trial exits before suggesting (WorkerDied)."""
    monkeypatch.setenv(worker.MARK_DIR_ENV, str(tmp_path))
    study = parzen.create_study(sampler=parzen.GridSampler(worker.GRID))
    study.optimize(worker.dies_once_at_the_first_point, executor="process")
    trials = study.trials
    assert trials[0].state == TrialState.FAIL and "WorkerDied" in trials[0].fail_reason
    _assert_each_point_complete_once(trials)
    assert len(trials) == len(ALL_POINTS) + 1
    assert trials[1].system_attrs["grid_id"] == trials[0].system_attrs["grid_id"]
    assert os.path.exists(tmp_path / "died")


def test_a_point_left_by_a_dead_worker_runs_in_a_worker_started_later(tmp_path: pathlib.Path) -> None:
    """A survivor that does not beat takes every other point and stops with the dead worker's point unrun;
    a worker started later fails the stale trial before its first ask and runs the point."""
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    parzen.create_study(storage=url, study_name="grid")
    dying = _run("die", url, "grid", "after_suggest")
    dying.communicate(timeout=120)
    assert dying.returncode == -signal.SIGKILL
    for mode in ("no_heartbeat", "go"):
        proc = _run("survive", url, "grid", "no_retry", mode)
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    trials = parzen.load_study("grid", storage=url).trials
    assert trials[0].state == TrialState.FAIL and trials[0].fail_reason.startswith("stale")
    _assert_each_point_complete_once(trials)
    assert len(trials) == len(ALL_POINTS) + 1
