"""``Study.optimize_async``: run an ``async def`` objective as concurrent tasks on the caller's loop.

The objective runs on the loop. Asking (the sampler, its joint sample of the trial included) and
telling (the storage, the callbacks) run in one thread of this call, so a model fit never stalls
the other coroutines of an async service. One thread, not one per task: threads that sample at the
same time would only take turns on the GIL, and every extra thread lengthens the loop's wait for
it. What the objective calls itself stays on the loop: a ``suggest`` outside the joint sample
(one parameter's draw) and the storage writes of ``suggest`` and ``report``.

Heartbeats, retries and ``max_failures`` are the sync path's own (:func:`supervised_runner`): the
heartbeat is a daemon thread that writes to the storage itself, so it beats while a trial is
awaited and never waits on, or blocks, the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import numbers
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence, TypeVar

from parzen.exceptions import SearchSpaceExhausted
from parzen.execution.budget import Budget
from parzen.execution.heartbeat import check_heartbeat, supervised_runner
from parzen.execution.progress import Progress
from parzen.execution.retry import FailurePolicy, RetryPolicy
from parzen.execution.trial_runner import (
    TrialRunner,
    TrialTimeout,
    check_callbacks,
    check_catch,
    check_objective,
    check_trial_timeout,
    describe_exception,
)

if TYPE_CHECKING:
    from parzen.study import Callback, Study
    from parzen.trial import Trial

AsyncObjective = Callable[["Trial"], Awaitable[Any]]
T = TypeVar("T")


def check_concurrency(concurrency: int) -> int:
    """``concurrency`` as an int; ValueError unless it is a positive integer."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, numbers.Integral) or concurrency < 1:
        raise ValueError(f"`concurrency` must be a positive int, got {concurrency!r}")
    return int(concurrency)


async def optimize_async(study: "Study", objective: AsyncObjective, n_trials: int | None,
                         timeout: float | None, concurrency: int, callbacks: Sequence["Callback"] | None,
                         catch: Any, show_progress_bar: bool, trial_timeout: float | None,
                         heartbeat_interval: float | None = None, grace_period: float | None = None,
                         retry: RetryPolicy | None = None, max_failures: int | None = None) -> None:
    """Validate every argument, then run up to ``concurrency`` trials at once until the budget is spent.

    The first exception outside ``catch`` (TooManyFailures included) stops new trials, lets the
    running ones finish and is re-raised; a cancellation of this coroutine cancels the running
    trials and marks them FAIL.
    """
    check_objective(objective)
    n_tasks = check_concurrency(concurrency)
    check_trial_timeout(trial_timeout)
    catch_types = check_catch(catch)
    callback_list = check_callbacks(callbacks)
    budget = Budget(study, n_trials, timeout)
    n_tasks = budget.workers_needed(n_tasks)
    beating = check_heartbeat(heartbeat_interval, grace_period)
    failures = FailurePolicy(retry, max_failures)
    progress = Progress(study, n_trials, show_progress_bar)
    runner, heartbeat = supervised_runner(study, beating, failures, catch_types, callback_list, progress)
    off_loop = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parzen-async-sampler")
    tasks: list[asyncio.Future[None]] = []
    try:
        if heartbeat is not None:
            await _off_loop(off_loop, heartbeat.reap_once)  # before the first ask (see Heartbeat.reap_once)
            heartbeat.start()
        tasks = [asyncio.ensure_future(_worker(runner, budget, objective, trial_timeout, off_loop))
                 for _ in range(n_tasks)]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        if pending:
            budget.stop()
            await asyncio.wait(pending)
        for task in tasks:
            task.result()
    except BaseException as exc:
        budget.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        runner.fail_running(describe_exception(exc))
        raise
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        off_loop.shutdown(wait=False)
        progress.close()


class NotAsyncObjective(TypeError):
    """The objective returned something that cannot be awaited; no later trial can go better."""


async def _worker(runner: TrialRunner, budget: Budget, objective: AsyncObjective,
                  trial_timeout: float | None, off_loop: Executor) -> None:
    """One task: start trials and await their objective one after another.

    Telling a trial and asking for the next one go to the sampler thread together: one hop off
    the loop per trial instead of two.
    """
    trial = await _off_loop(off_loop, _start_next, runner, budget)
    while trial is not None:
        try:
            result = await _run_one(objective, trial, trial_timeout)
        except NotAsyncObjective as exc:
            await _off_loop(off_loop, runner.finish, trial, None, exc)
            raise
        except BaseException as exc:
            trial = await _off_loop(off_loop, _finish_then_start, runner, budget, trial, None, exc)
        else:
            trial = await _off_loop(off_loop, _finish_then_start, runner, budget, trial, result, None)


def _start_next(runner: TrialRunner, budget: Budget) -> "Trial | None":
    """A new trial if the budget allows one and the sampler has one left, else None.

    The sampler's joint sample is drawn here too, in the sampler thread: the objective's first
    ``suggest`` then finds it ready instead of fitting the sampler's model on the loop.
    """
    if not budget.take():
        return None
    try:
        trial = runner.start()
    except SearchSpaceExhausted:
        return None
    trial._sample_relative()
    return trial


def _finish_then_start(runner: TrialRunner, budget: Budget, trial: "Trial", result: Any,
                       error: BaseException | None) -> "Trial | None":
    """Record ``trial`` (re-raising an error that must stop the study), then start the next one."""
    runner.finish(trial, result, error)
    return _start_next(runner, budget)


async def _off_loop(off_loop: Executor, call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` in the call's sampler thread, so the sampler and the storage never block the loop.

    If this task is cancelled meanwhile, the call is still awaited to its end before the
    cancellation goes on: a trial it created is then known to the runner, which fails it.
    """
    future = asyncio.get_running_loop().run_in_executor(off_loop, call, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.gather(future, return_exceptions=True)
        raise


async def _run_one(objective: AsyncObjective, trial: "Trial", trial_timeout: float | None) -> Any:
    """Await ``objective(trial)``, cancelling it past ``trial_timeout`` seconds.

    The objective runs in its own task so that a TimeoutError it raises itself stays its own
    error and is not taken for the per-trial timeout.
    """
    outcome = objective(trial)
    if not inspect.isawaitable(outcome):
        raise NotAsyncObjective(
            f"optimize_async needs an async objective; {objective!r} returned {type(outcome).__name__}"
        )
    if trial_timeout is None:
        return await outcome
    task = asyncio.ensure_future(outcome)
    try:
        done, _ = await asyncio.wait({task}, timeout=trial_timeout)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    if not done:
        raise TrialTimeout(f"the trial ran longer than trial_timeout={trial_timeout} s")
    return task.result()
