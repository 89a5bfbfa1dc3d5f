"""``Study.optimize``: run a synchronous objective serially, in threads or in processes."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Callable, Sequence

from parzen.exceptions import SearchSpaceExhausted
from parzen.execution.budget import Budget
from parzen.execution.progress import Progress
from parzen.execution.trial_runner import (
    TrialRunner,
    call_with_timeout,
    check_callbacks,
    check_catch,
    check_trial_timeout,
)

if TYPE_CHECKING:
    from parzen.study import Callback, Study
    from parzen.trial import Trial

EXECUTORS = ("thread", "process")


def _resolve_n_jobs(n_jobs: int) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"`n_jobs` must be a positive int or -1 (one per CPU), got {n_jobs!r}")
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


def optimize(study: "Study", objective: Callable[["Trial"], Any], n_trials: int | None, timeout: float | None,
             n_jobs: int, callbacks: Sequence["Callback"] | None, catch: Any, show_progress_bar: bool,
             trial_timeout: float | None, executor: str) -> None:
    if not callable(objective):
        raise TypeError(f"`objective` must be callable as objective(trial), got {objective!r}")
    n_workers = _resolve_n_jobs(n_jobs)
    if executor not in EXECUTORS:
        raise ValueError(f"`executor` must be one of {EXECUTORS}, got {executor!r}")
    check_trial_timeout(trial_timeout)
    catch_types = check_catch(catch)
    callback_list = check_callbacks(callbacks)
    study._stop_requested = False
    budget = Budget(study, n_trials, timeout)
    if executor == "process":
        from parzen.execution.processes import ProcessPool

        pool = ProcessPool(objective, n_workers)
    progress = Progress(study, n_trials, show_progress_bar)
    runner = TrialRunner(study, catch_types, callback_list, progress)
    try:
        if executor == "process":
            with pool:
                _run_workers(runner, budget, n_workers, lambda i: pool.worker(i, runner, budget, trial_timeout))
        elif n_workers == 1:
            _thread_worker(runner, budget, objective, trial_timeout)
        else:
            _run_workers(runner, budget, n_workers,
                         lambda i: _thread_worker(runner, budget, objective, trial_timeout))
    finally:
        progress.close()


def _thread_worker(runner: TrialRunner, budget: Budget, objective: Callable[["Trial"], Any],
                   trial_timeout: float | None) -> None:
    try:
        while budget.take():
            trial = runner.start()
            try:
                result = call_with_timeout(objective, trial, trial_timeout)
            except BaseException as exc:
                runner.finish(trial, error=exc)
            else:
                runner.finish(trial, result)
    except SearchSpaceExhausted:
        return
    except KeyboardInterrupt:
        runner.study.stop()
        runner.fail_running("KeyboardInterrupt")
        raise


def _run_workers(runner: TrialRunner, budget: Budget, n_workers: int, work: Callable[[int], None]) -> None:
    """Run ``work(i)`` in ``n_workers`` threads; the first error stops the others and is re-raised."""
    pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="parzen-worker")
    futures = [pool.submit(work, i) for i in range(n_workers)]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for f in done:
            if f.exception() is not None:
                runner.study.stop()
        wait(futures)
        for f in futures:
            f.result()
    except KeyboardInterrupt:
        runner.study.stop()
        runner.fail_running("KeyboardInterrupt")
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
