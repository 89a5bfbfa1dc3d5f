"""``Study.optimize``: run a synchronous objective serially, in threads or in processes.

Whatever ends a call early (an exception outside ``catch``, a Ctrl-C) is re-raised only after
every trial this call started has a final state: finished trials are kept as they are, and a
trial that was still running becomes FAIL with the reason.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Callable, Sequence

from parzen.execution.budget import Budget
from parzen.execution.interrupts import InterruptShield
from parzen.execution.progress import Progress
from parzen.execution.trial_runner import (
    TrialRunner,
    call_with_timeout,
    check_callbacks,
    check_catch,
    check_objective,
    check_trial_timeout,
    describe_exception,
)

if TYPE_CHECKING:
    from parzen.study import Callback, Study
    from parzen.trial import Trial

EXECUTORS = ("thread", "process")


def resolve_n_jobs(n_jobs: int) -> int:
    """The number of workers for ``n_jobs`` (-1: one per CPU); ValueError for 0 or < -1."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"`n_jobs` must be a positive int or -1 (one per CPU), got {n_jobs!r}")
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


def check_executor(executor: str) -> None:
    """Reject an unknown ``executor`` name."""
    if not isinstance(executor, str) or executor not in EXECUTORS:
        raise ValueError(f"`executor` must be one of {EXECUTORS}, got {executor!r}")


def optimize(study: "Study", objective: Callable[["Trial"], Any], n_trials: int | None, timeout: float | None,
             n_jobs: int, callbacks: Sequence["Callback"] | None, catch: Any, show_progress_bar: bool,
             trial_timeout: float | None, executor: str) -> None:
    """Validate every argument, then run trials until the budget is spent or the study stops."""
    check_objective(objective)
    n_workers = resolve_n_jobs(n_jobs)
    check_executor(executor)
    check_trial_timeout(trial_timeout)
    catch_types = check_catch(catch)
    callback_list = check_callbacks(callbacks)
    budget = Budget(study, n_trials, timeout)
    n_workers = budget.workers_needed(n_workers)
    if executor == "process":
        from parzen.execution.processes import pickle_objective

        objective_bytes = pickle_objective(objective)
    study._stop_requested = False
    with InterruptShield() as shield:
        progress = Progress(study, n_trials, show_progress_bar)
        runner = TrialRunner(study, catch_types, callback_list, progress, shield)
        try:
            if executor == "process":
                _run_processes(runner, budget, objective_bytes, n_workers, trial_timeout)
            elif n_workers == 1:
                _thread_worker(runner, budget, objective, trial_timeout)
            else:
                _run_workers(runner, budget, n_workers,
                             lambda i: _thread_worker(runner, budget, objective, trial_timeout))
        except BaseException as exc:
            budget.stop()
            runner.fail_running(describe_exception(exc))
            raise
        finally:
            progress.close()


def _thread_worker(runner: TrialRunner, budget: Budget, objective: Callable[["Trial"], Any],
                   trial_timeout: float | None) -> None:
    """Run trials one after another in the calling thread until the budget says stop."""
    runner.run_until_done(budget, lambda trial: call_with_timeout(objective, trial, trial_timeout))


def _run_processes(runner: TrialRunner, budget: Budget, objective_bytes: bytes, n_workers: int,
                   trial_timeout: float | None) -> None:
    """Run trials in ``n_workers`` child processes, each driven by a parent thread."""
    from parzen.execution.processes import ProcessPool

    pool = ProcessPool(objective_bytes, n_workers)
    try:
        _run_workers(runner, budget, n_workers, lambda i: pool.worker(i, runner, budget, trial_timeout),
                     on_abort=pool.kill)
    except BaseException:
        pool.close(wait=0)
        raise
    pool.close()


def _run_workers(runner: TrialRunner, budget: Budget, n_workers: int, work: Callable[[int], None],
                 on_abort: Callable[[], None] | None = None) -> None:
    """Run ``work(i)`` in ``n_workers`` threads and re-raise the first error once all have stopped.

    An error in one worker stops the others from starting trials; their running trials finish.
    An interrupt of the waiting thread (Ctrl-C) fails the running trials at once, calls
    ``on_abort`` and returns without waiting for the workers.
    """
    pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="parzen-worker")
    futures = [pool.submit(work, i) for i in range(n_workers)]
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        first_error = _first_failed(done)
        if first_error is not None:
            budget.stop()
        wait(futures)
    except BaseException as exc:
        budget.stop()
        runner.fail_running(describe_exception(exc))
        if on_abort is not None:
            on_abort()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    failed = first_error or _first_failed(futures)
    if failed is not None:
        failed.result()


def _first_failed(futures: Any) -> Future | None:
    """A future among ``futures`` that ended with an exception, if any."""
    return next((f for f in futures if f.exception() is not None), None)
