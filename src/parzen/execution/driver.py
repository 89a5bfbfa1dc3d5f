"""The loop of ``optimize``: keep every worker busy, tell each trial as soon as it finishes.

The driver asks the study for a trial whenever a worker is free, hands it to the executor, and
records each outcome the moment the executor returns it; there is no batch to wait for. The first
error that must stop the study stops new trials; the running ones finish and are recorded before
the error is re-raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parzen.exceptions import SearchSpaceExhausted

if TYPE_CHECKING:
    from parzen.execution.budget import Budget
    from parzen.execution.executor import Executor
    from parzen.execution.trial_runner import TrialRunner

# How long the driver waits for an outcome before looking at the budget and the study again.
POLL_S = 0.5


def drive(runner: "TrialRunner", budget: "Budget", executor: "Executor", n_workers: int) -> None:
    """Run trials through ``executor`` with up to ``n_workers`` at once until the budget is spent."""
    running = 0
    stop_error: BaseException | None = None
    while True:
        while running < n_workers and stop_error is None and budget.take():
            try:
                trial = runner.start()
            except SearchSpaceExhausted:
                budget.stop()
                break
            executor.submit(trial)
            running += 1
        if running == 0:
            break
        for outcome in executor.wait(POLL_S):
            running -= 1
            try:
                runner.finish(outcome.trial, outcome.result, outcome.error)
            except BaseException as exc:  # stops new trials; re-raised once the running ones are recorded
                budget.stop()
                if stop_error is None:
                    stop_error = exc
    if stop_error is not None:
        raise stop_error
