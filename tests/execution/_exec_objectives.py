"""Objectives and worker scripts for the execution tests.

Everything used with ``executor="process"`` lives here, at module level, so that a spawned
child can import it by name. Run as a script, the module is a worker process of its own:

    python _exec_objectives.py sigint URL STUDY MARK_DIR MODE   optimize until SIGINT, exit 130
    python _exec_objectives.py grid URL STUDY READY_DIR INDEX [N]   wait for all N (2) workers, run the grid
    python _exec_objectives.py sigint_long URL STUDY MARK_DIR   2 threads of 120 s trials until SIGINT
"""

from __future__ import annotations

import os
import pathlib
import signal
import sys
import time
from typing import Any

import parzen

SLEEP_S = 0.3
MARK_DIR_ENV = "PARZEN_TEST_MARK_DIR"
GRID = {"a": [0, 1, 2, 3], "b": [0, 10, 20]}


def quadratic(trial: Any) -> float:
    """(x - 2)^2 over x in [-10, 10]."""
    x = trial.suggest_float("x", -10.0, 10.0)
    return (x - 2.0) ** 2


def define_by_run(trial: Any) -> float:
    """Uses every forwarded trial method; the value is a known function of the parameters."""
    x = trial.suggest_float("x", 0.0, 1.0)
    n = trial.suggest_int("n", 1, 5)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    for step in range(3):
        trial.report(x * (step + 1), step)
    trial.set_user_attr("pid", os.getpid())
    assert trial.params == {"x": x, "n": n, "kind": kind}
    return x * n + (100.0 if kind == "b" else 0.0)


def crash_on_trial_two(trial: Any) -> float:
    """Kills its own process (no exception, no answer) in trial 2."""
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 2:
        os._exit(1)
    return x


def sleep_and_record_pid(trial: Any) -> float:
    """Sleeps SLEEP_S seconds; stores the worker's pid."""
    trial.set_user_attr("pid", os.getpid())
    time.sleep(SLEEP_S)
    return float(trial.number)


def grid_sum(trial: Any) -> float:
    """a + b over GRID; stores the worker's pid."""
    trial.set_user_attr("pid", os.getpid())
    time.sleep(0.05)
    return float(trial.suggest_categorical("a", GRID["a"]) + trial.suggest_categorical("b", GRID["b"]))


def raise_on_trial_three(trial: Any) -> float:
    """A RuntimeError (not in ``catch``) in trial 3."""
    if trial.number == 3:
        raise RuntimeError("boom in trial 3")
    return float(trial.number)


def raise_oserror_on_trial_one(trial: Any) -> float:
    """An OSError from the objective itself, caught by ``catch=OSError``."""
    if trial.number == 1:
        raise FileNotFoundError("no such file: data.csv")
    return float(trial.number)


def hang_on_trial_one(trial: Any) -> float:
    """Trial 1 sleeps far longer than any trial_timeout used with it."""
    if trial.number == 1:
        time.sleep(60)
    return float(trial.number)


def prune_odd_trials(trial: Any) -> float:
    """Reports one step and prunes odd-numbered trials."""
    trial.report(1.0, 0)
    if trial.number % 2:
        trial.prune()
    return 0.0


def sleep_and_mark(trial: Any) -> float:
    """Marks (a file in $MARK_DIR_ENV named after the trial) that it started, then sleeps 0.4 s."""
    x = trial.suggest_float("x", 0.0, 1.0)
    (pathlib.Path(os.environ[MARK_DIR_ENV]) / str(trial.number)).touch()
    time.sleep(0.4)
    return x


def die_once_in_trial_one(mark_dir: str, trial: Any) -> float:
    """Kills its own process (as ``kill -9`` would) the first time trial 1 runs; ``mark_dir`` remembers it."""
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.report(x, 0)
    mark = pathlib.Path(mark_dir) / "killed"
    if trial.number == 1 and not mark.exists():
        mark.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    trial.set_user_attr("pid", os.getpid())
    return x


def slow_trial_zero(trial: Any) -> float:
    """Trial 0 sleeps 2 s, the others return at once."""
    if trial.number == 0:
        time.sleep(2.0)
    return float(trial.number)


def _run_until_sigint(url: str, study_name: str, mark_dir: str, mode: str) -> int:
    """Optimize ``sleep_and_mark`` serially, in 2 threads or in 2 processes until SIGINT.

    Python's own SIGINT handler is set as at a terminal: a program started in the background
    inherits SIGINT ignored.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ[MARK_DIR_ENV] = mark_dir
    workers = {"serial": {}, "thread": {"n_jobs": 2}, "process": {"n_jobs": 2, "executor": "process"}}[mode]
    study = parzen.load_study(study_name, storage=url)
    try:
        study.optimize(sleep_and_mark, n_trials=10_000, **workers)
    except KeyboardInterrupt:
        return 130
    return 0


def sleep_long_and_mark(trial: Any) -> float:
    """Marks that it started (a file in $MARK_DIR_ENV named after the trial), then sleeps 120 s."""
    (pathlib.Path(os.environ[MARK_DIR_ENV]) / str(trial.number)).touch()
    time.sleep(120)
    return 0.0


def _run_long_threads_until_sigint(url: str, study_name: str, mark_dir: str) -> int:
    """Optimize ``sleep_long_and_mark`` in 2 threads; on SIGINT return 130 (the process must then exit)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ[MARK_DIR_ENV] = mark_dir
    study = parzen.load_study(study_name, storage=url)
    try:
        study.optimize(sleep_long_and_mark, n_trials=4, n_jobs=2)
    except KeyboardInterrupt:
        return 130
    return 0


def _run_grid_worker(url: str, study_name: str, ready_dir: str, index: str, n_workers: str = "2") -> int:
    ready = pathlib.Path(ready_dir)
    (ready / index).touch()
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < int(n_workers) and time.monotonic() < deadline:
        time.sleep(0.01)
    study = parzen.load_study(study_name, storage=url, sampler=parzen.GridSampler(GRID))
    study.optimize(grid_sum)
    return 0


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    runner = {"sigint": _run_until_sigint, "sigint_long": _run_long_threads_until_sigint,
              "grid": _run_grid_worker}[command]
    sys.exit(runner(*arguments))
