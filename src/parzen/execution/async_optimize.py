"""``Study.optimize_async``: run an ``async def`` objective as concurrent tasks on the caller's loop."""

from __future__ import annotations

import asyncio
import inspect
import numbers
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence

from parzen.exceptions import SearchSpaceExhausted
from parzen.execution.budget import Budget
from parzen.execution.progress import Progress
from parzen.execution.trial_runner import (
    TrialRunner,
    TrialTimeout,
    check_callbacks,
    check_catch,
    check_trial_timeout,
)

if TYPE_CHECKING:
    from parzen.study import Callback, Study
    from parzen.trial import Trial


async def optimize_async(study: "Study", objective: Callable[["Trial"], Awaitable[Any]], n_trials: int | None,
                         timeout: float | None, concurrency: int, callbacks: Sequence["Callback"] | None,
                         catch: Any, show_progress_bar: bool, trial_timeout: float | None) -> None:
    if not callable(objective):
        raise TypeError(f"`objective` must be an async function objective(trial), got {objective!r}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, numbers.Integral) or concurrency < 1:
        raise ValueError(f"`concurrency` must be a positive int, got {concurrency!r}")
    check_trial_timeout(trial_timeout)
    catch_types = check_catch(catch)
    callback_list = check_callbacks(callbacks)
    study._stop_requested = False
    budget = Budget(study, n_trials, timeout)
    progress = Progress(study, n_trials, show_progress_bar)
    runner = TrialRunner(study, catch_types, callback_list, progress)

    async def run_one(trial: "Trial") -> Any:
        outcome = objective(trial)
        if not inspect.isawaitable(outcome):
            raise TypeError(
                f"optimize_async needs an async objective; {objective!r} returned {type(outcome).__name__}"
            )
        if trial_timeout is None:
            return await outcome
        try:
            return await asyncio.wait_for(outcome, trial_timeout)
        except asyncio.TimeoutError:
            raise TrialTimeout(f"the trial ran longer than trial_timeout={trial_timeout} s") from None

    async def worker() -> None:
        while budget.take():
            try:
                trial = runner.start()
            except SearchSpaceExhausted:
                return
            try:
                result = await run_one(trial)
            except BaseException as exc:
                runner.finish(trial, error=exc)
            else:
                runner.finish(trial, result)

    tasks = [asyncio.ensure_future(worker()) for _ in range(int(concurrency))]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        if pending:
            study.stop()
            await asyncio.wait(pending)
        for task in tasks:
            task.result()
    except BaseException:
        study.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        runner.fail_running("cancelled")
        raise
    finally:
        progress.close()
