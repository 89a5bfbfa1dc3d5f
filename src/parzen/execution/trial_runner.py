"""One trial from start to record: ask, run the objective, and store what happened.

Every executor (serial, threads, processes, asyncio) goes through :class:`TrialRunner`, so a
failure is recorded the same way everywhere: the trial becomes FAIL with the reason, finished
trials are never touched, and an exception outside ``catch`` is re-raised after it is recorded.
"""

from __future__ import annotations

import threading
import traceback
from typing import TYPE_CHECKING, Any, Callable, Sequence

from parzen.exceptions import TrialFinishedError, TrialPruned
from parzen.execution.progress import Progress
from parzen.trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:
    from parzen.study import Callback, Study


class TrialTimeout(Exception):
    """The objective ran longer than the per-trial timeout."""


def check_catch(catch: Any) -> tuple[type[BaseException], ...]:
    items = (catch,) if isinstance(catch, type) else tuple(catch)
    for c in items:
        if not (isinstance(c, type) and issubclass(c, BaseException)):
            raise TypeError(f"`catch` must be exception classes, got {c!r}")
    return items


def check_callbacks(callbacks: Sequence["Callback"] | None) -> list["Callback"]:
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"`callbacks` must be callables (study, frozen_trial) -> None, got {cb!r}")
    return callbacks


def check_trial_timeout(trial_timeout: float | None) -> None:
    if trial_timeout is not None and (isinstance(trial_timeout, bool) or not trial_timeout > 0):
        raise ValueError(f"`trial_timeout` must be a positive number of seconds or None, got {trial_timeout!r}")


def describe_exception(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text or type(exc).__name__


def call_with_timeout(objective: Callable[[Trial], Any], trial: Trial, timeout: float | None) -> Any:
    """Run ``objective(trial)``; past ``timeout`` seconds, raise TrialTimeout and abandon it.

    Python cannot kill a thread: the abandoned call runs on in the background, and whatever it
    writes to its (already failed) trial is rejected.
    """
    if timeout is None:
        return objective(trial)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = objective(trial)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"parzen-trial-{trial.number}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TrialTimeout(f"the trial ran longer than trial_timeout={timeout} s")
    if "error" in box:
        raise box["error"]
    return box.get("result")


class TrialRunner:
    """Shared state of one ``optimize`` call: failure policy, callbacks, progress, running trials."""

    def __init__(self, study: "Study", catch: tuple[type[BaseException], ...], callbacks: list["Callback"],
                 progress: Progress) -> None:
        self.study = study
        self.catch = catch
        self.callbacks = callbacks
        self.progress = progress
        self._running: dict[int, Trial] = {}
        self._lock = threading.Lock()

    def start(self) -> Trial:
        trial = self.study.ask()
        with self._lock:
            self._running[trial.trial_id] = trial
        return trial

    def finish(self, trial: Trial, result: Any = None, error: BaseException | None = None) -> FrozenTrial | None:
        """Record the outcome of ``trial``; re-raises ``error`` unless ``catch`` covers it.

        Returns None when the trial had already been finished elsewhere (e.g. by an interrupt).
        """
        try:
            if error is None:
                frozen = self.study.tell(trial, result)
            elif isinstance(error, TrialPruned):
                frozen = self.study.tell(trial, state=TrialState.PRUNED)
            else:
                frozen = self.study._fail(trial, describe_exception(error))
        except TrialFinishedError:
            frozen = None
        finally:
            with self._lock:
                self._running.pop(trial.trial_id, None)
        if frozen is not None:
            self.after(frozen)
        if error is not None and not isinstance(error, (TrialPruned, TrialTimeout, *self.catch)):
            raise error
        return frozen

    def after(self, frozen: FrozenTrial) -> None:
        self.progress.update(frozen)
        for cb in self.callbacks:
            cb(self.study, frozen)

    def fail_running(self, reason: str) -> None:
        """Mark every trial still running in this call FAIL (used on interrupts)."""
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        for trial in running:
            try:
                self.study._fail(trial, reason)
            except TrialFinishedError:
                pass
