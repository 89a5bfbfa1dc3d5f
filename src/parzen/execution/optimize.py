"""``Study.optimize``: run a synchronous objective through an executor (threads, processes, Dask, ...).

Whatever ends a call early (an exception outside ``catch``, a Ctrl-C) is re-raised only after
every trial this call started has a final state: finished trials are kept as they are, and a
trial that was still running becomes FAIL with the reason.
"""

from __future__ import annotations

import functools
import inspect
import os
from typing import TYPE_CHECKING, Any, Callable, Sequence

from parzen.execution.budget import Budget
from parzen.execution.driver import drive
from parzen.execution.executor import resolve_executor
from parzen.execution.heartbeat import check_heartbeat, supervised_runner
from parzen.execution.interrupts import InterruptShield
from parzen.execution.progress import Progress
from parzen.execution.retry import FailurePolicy, RetryPolicy
from parzen.execution.trial_runner import (
    check_callbacks,
    check_catch,
    check_objective,
    check_trial_timeout,
    describe_exception,
)

if TYPE_CHECKING:
    from parzen.study import Callback, Study
    from parzen.trial import Trial


def resolve_n_jobs(n_jobs: int) -> int:
    """The number of workers for ``n_jobs`` (-1: one per CPU); ValueError for 0 or < -1."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"`n_jobs` must be a positive int or -1 (one per CPU), got {n_jobs!r}")
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


def _is_async_callable(objective: Any) -> bool:
    """Whether calling ``objective`` makes a coroutine by its definition: an ``async def`` function or
    method, an object whose ``__call__`` is one, or a :func:`functools.partial` of either."""
    while isinstance(objective, functools.partial):
        objective = objective.func
    if inspect.iscoroutinefunction(objective):
        return True
    return not isinstance(objective, type) and inspect.iscoroutinefunction(type(objective).__call__)


def check_sync_objective(objective: Any) -> None:
    """TypeError for an async objective, before any trial: each call would return a coroutine that
    ``optimize`` cannot await, and every trial would fail with a "never awaited" warning."""
    if _is_async_callable(objective):
        raise TypeError(f"`objective` {objective!r} is async: study.optimize calls it without awaiting; run it "
                        "with `await study.optimize_async(objective, ...)`, from synchronous code inside "
                        "asyncio.run(...)")


def optimize(study: "Study", objective: Callable[["Trial"], Any], n_trials: int | None, timeout: float | None,
             n_jobs: int, callbacks: Sequence["Callback"] | None, catch: Any, show_progress_bar: bool,
             trial_timeout: float | None, executor: Any, heartbeat_interval: float | None = None,
             grace_period: float | None = None, retry: RetryPolicy | None = None,
             max_failures: int | None = None) -> None:
    """Validate every argument, then run trials until the budget is spent or the study stops."""
    check_objective(objective)
    check_sync_objective(objective)
    n_workers = resolve_n_jobs(n_jobs)
    check_trial_timeout(trial_timeout)
    catch_types = check_catch(catch)
    callback_list = check_callbacks(callbacks)
    budget = Budget(study, n_trials, timeout)
    n_workers = budget.workers_needed(n_workers)
    beating = check_heartbeat(heartbeat_interval, grace_period)
    failures = FailurePolicy(retry, max_failures)
    runner_executor = resolve_executor(executor)
    with InterruptShield() as shield:
        progress = Progress(study, n_trials, show_progress_bar)
        runner, heartbeat = supervised_runner(study, beating, failures, catch_types, callback_list, progress, shield)
        try:
            runner_executor.start(objective, n_workers, trial_timeout)
            if heartbeat is not None:
                heartbeat.reap_once()  # before the first ask (see Heartbeat.reap_once)
                heartbeat.start()
            drive(runner, budget, runner_executor, n_workers)
        except BaseException as exc:
            budget.stop()
            runner.fail_running(describe_exception(exc))
            runner_executor.close(abort=True)
            raise
        else:
            runner_executor.close()
        finally:
            if heartbeat is not None:
                heartbeat.stop()
            progress.close()
