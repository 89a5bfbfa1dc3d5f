"""Worker processes and objectives for the grid fault tests (tests/execution/test_grid_faults.py).

Run as a script, the module is one worker of a study on a shared storage:

    python _grid_fault_worker.py die URL STUDY WHEN        run the grid, SIGKILL itself in its first trial,
                                                           WHEN = before_suggest | after_suggest |
                                                           before_first_beat (once the trial is created,
                                                           as its runner is about to beat for it)
    python _grid_fault_worker.py survive URL STUDY RETRY [WAIT]   run the rest of the grid with heartbeats,
                                                           RETRY = retry | no_retry; WAIT = wait (default:
                                                           the first trial waits until a trial failed) | go
                                                           | no_heartbeat (go, and never beat or reap)

The objectives used with ``executor="process"`` live here at module level, so a spawned child
imports them by name.
"""

from __future__ import annotations

import os
import pathlib
import signal
import sys
import time
from typing import Any

import parzen

GRID = {"a": [0, 1, 2, 3], "b": ["x", "y", "z"]}  # 12 points
B_VALUE = {"x": 0, "y": 10, "z": 20}
HEARTBEAT = {"heartbeat_interval": 0.1, "grace_period": 0.5}
MARK_DIR_ENV = "PARZEN_GRID_FAULT_MARK_DIR"
WAIT_S = 60.0


def grid_value(trial: Any) -> float:
    """a + value of b: a distinct value per grid point."""
    a = trial.suggest_categorical("a", GRID["a"])
    b = trial.suggest_categorical("b", GRID["b"])
    return float(a + B_VALUE[b])


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def dies_before_suggest(trial: Any) -> float:
    _kill_self()
    raise AssertionError("unreachable")


def dies_after_suggest(trial: Any) -> float:
    grid_value(trial)
    _kill_self()
    raise AssertionError("unreachable")


def dies_once_at_the_first_point(trial: Any) -> float:
    """Kills its process the first time any trial runs (a marker file remembers it), before suggesting."""
    marker = pathlib.Path(os.environ[MARK_DIR_ENV]) / "died"
    if not marker.exists():
        marker.touch()
        _kill_self()
    return grid_value(trial)


def _waits_for_the_dead_trial(study: parzen.Study) -> Any:
    """grid_value, once a trial of the study failed: the survivors cannot finish the grid before a
    heartbeat found the dead worker's trial, however fast or loaded the machine."""
    def objective(trial: Any) -> float:
        deadline = time.monotonic() + WAIT_S
        while not study.get_trials((parzen.TrialState.FAIL,)) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.05)
        return grid_value(trial)
    return objective


def _die(url: str, study_name: str, when: str) -> int:
    study = parzen.load_study(study_name, storage=url, sampler=parzen.GridSampler(GRID))
    if when == "before_first_beat":
        from parzen.execution.heartbeat import Heartbeat

        Heartbeat.beat = lambda self, trial: _kill_self()  # type: ignore[method-assign]
        objective = dies_before_suggest  # never reached
    else:
        objective = {"before_suggest": dies_before_suggest, "after_suggest": dies_after_suggest}[when]
    study.optimize(objective, **HEARTBEAT)
    return 1  # never reached: the objective kills the process


def _survive(url: str, study_name: str, retry: str, wait: str = "wait") -> int:
    study = parzen.load_study(study_name, storage=url, sampler=parzen.GridSampler(GRID))
    policy = parzen.RetryPolicy() if retry == "retry" else None
    objective = _waits_for_the_dead_trial(study) if wait == "wait" else grid_value
    study.optimize(objective, retry=policy, **({} if wait == "no_heartbeat" else HEARTBEAT))
    return 0


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    sys.exit({"die": _die, "survive": _survive}[command](*arguments))
