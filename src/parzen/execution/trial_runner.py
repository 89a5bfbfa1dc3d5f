"""One trial from start to record: ask, run the objective, and store what happened.

Every executor (serial, threads, processes, asyncio) goes through :class:`TrialRunner`, so a
failure is recorded the same way everywhere: the trial becomes FAIL with the reason, finished
trials are never touched, and an exception outside ``catch`` is re-raised after it is recorded.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import numbers
import threading
import traceback
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Sequence

from parzen.exceptions import FixedValueError, TrialFinishedError, TrialPruned
from parzen.execution.interrupts import InterruptShield
from parzen.execution.progress import Progress
from parzen.execution.retry import FailurePolicy, failure_kind
from parzen.trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:
    from parzen.study import Callback, Study


class TrialTimeout(Exception):
    """The objective ran longer than the per-trial timeout."""


class WorkerDied(Exception):
    """The worker process running the trial exited without an answer."""


# Failures that end their own trial only: the study goes on whatever ``catch`` says.
CONTAINED_ERRORS: tuple[type[BaseException], ...] = (TrialPruned, TrialTimeout, WorkerDied, FixedValueError)

FAIL_TRACEBACK_ATTR = "fail_traceback"
"""System attribute of a trial failed by an exception: the whole traceback (its reason holds one line)."""

logger = logging.getLogger("parzen")


def _log_failure(frozen: FrozenTrial, error: BaseException, retried: bool) -> None:
    """Log a trial failed by an exception that does not stop the study, with its traceback.

    An exception that stops the study reaches the caller with its traceback and is not logged; a
    caught or retried one would otherwise pass unseen. The ``parzen`` logger has no handler of its
    own: Python prints its warnings to stderr until the application configures logging.
    """
    then = "; it runs again as a new trial" if retried else ""
    logger.warning("trial %d failed with parameters %r: %s%s", frozen.number, frozen.params,
                   describe_exception(error), then, exc_info=(type(error), error, error.__traceback__))


def check_objective(objective: Any) -> None:
    """Reject a non-callable objective before any trial starts."""
    if not callable(objective):
        raise TypeError(f"`objective` must be callable as objective(trial), got {objective!r}")


def check_catch(catch: Any) -> tuple[type[BaseException], ...]:
    """``catch`` as a tuple of exception classes; TypeError for anything else."""
    message = f"`catch` must be an exception class or a sequence of them, got {catch!r}"
    if isinstance(catch, type):
        catch = (catch,)
    elif isinstance(catch, (str, bytes)) or not isinstance(catch, Sequence):
        raise TypeError(message)
    for c in catch:
        if not (isinstance(c, type) and issubclass(c, BaseException)):
            raise TypeError(f"{message}: {c!r} is not an exception class")
    return tuple(catch)


def check_callbacks(callbacks: Sequence["Callback"] | None) -> list["Callback"]:
    """``callbacks`` as a list of callables; TypeError for anything else."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Sequence):
        raise TypeError(f"`callbacks` must be a sequence of callables (study, frozen_trial), got {callbacks!r}")
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"`callbacks` must be callables (study, frozen_trial) -> None, got {cb!r}")
    return list(callbacks)


def check_trial_timeout(trial_timeout: float | None) -> None:
    """Reject a ``trial_timeout`` that is not a positive number of seconds."""
    if trial_timeout is None:
        return
    if isinstance(trial_timeout, bool) or not isinstance(trial_timeout, numbers.Real) or not trial_timeout > 0:
        raise ValueError(f"`trial_timeout` must be a positive number of seconds or None, got {trial_timeout!r}")


def describe_exception(exc: BaseException) -> str:
    """``"Type: message"``, the text stored as a FAIL trial's reason."""
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
    """Shared state of one ``optimize`` call: failure policy, callbacks, progress, running trials.

    A trial stays in the running set until its final state is stored, so that
    :meth:`fail_running` can fail whatever an interrupt or a storage error left unfinished.
    ``beat`` records a heartbeat for a trial (see :mod:`parzen.execution.heartbeat`).
    """

    def __init__(self, study: "Study", catch: tuple[type[BaseException], ...], callbacks: list["Callback"],
                 progress: Progress, shield: InterruptShield | None = None,
                 failures: FailurePolicy | None = None, beat: Callable[[Trial], None] | None = None) -> None:
        self.study = study
        self.failures = failures if failures is not None else FailurePolicy(None, None)
        self._beat = beat
        self.catch = catch
        self.callbacks = callbacks
        self.progress = progress
        self._shield = shield
        self._running: dict[int, Trial] = {}
        self._lock = threading.Lock()

    def _holding(self) -> ContextManager[None]:
        return self._shield.holding() if self._shield is not None else contextlib.nullcontext()

    def start(self) -> Trial:
        """Ask the study for a new trial and remember it as running.

        With ``beat`` (the heartbeat's), the trial, new or taken from the queue of waiting ones, starts with
        its first heartbeat in the same storage write, so that it goes stale even if this process dies
        before it beats; a storage that does not record that first beat (``starts_trials_beating``) gets
        it here.
        """
        with self._holding():
            trial = self.study.ask(_heartbeat=self._beat is not None)
            with self._lock:
                self._running[trial.trial_id] = trial
        if self._beat is not None and not self.study.storage.starts_trials_beating:
            self._beat(trial)
        return trial

    def running_trials(self) -> list[Trial]:
        """The trials this call started that have no final state yet."""
        with self._lock:
            return list(self._running.values())

    def finish(self, trial: Trial, result: Any = None, error: BaseException | None = None) -> FrozenTrial | None:
        """Record the outcome of ``trial`` and apply the failure policy.

        A failed trial is queued again when the retry policy covers it; ``error`` is then re-raised
        unless it is contained, in ``catch`` or retried, and otherwise TooManyFailures once
        ``max_failures`` trials in a row failed. Returns None when the trial had already been
        finished elsewhere (by an interrupt, or by another worker that found it stale).
        """
        if error is None and inspect.iscoroutine(result):  # a plain function that returned a coroutine
            result.close()  # never awaited: closed, so Python does not warn about it
            error = TypeError("`objective` returned a coroutine instead of a value: run an async objective with "
                              "`await study.optimize_async(objective, ...)`")
        retried = False
        with self._holding():
            frozen = self._record(trial, result, error)
            if frozen is not None and frozen.state == TrialState.FAIL:
                retried = self.failures.retry_if_covered(self.study, frozen, failure_kind(error))
            with self._lock:
                self._running.pop(trial.trial_id, None)
        if frozen is not None:
            self.failures.observe(frozen)
            self.after(frozen)
        goes_up = error is not None and not retried and not isinstance(error, (*CONTAINED_ERRORS, *self.catch))
        if frozen is not None and frozen.state == TrialState.FAIL and error is not None and not goes_up:
            _log_failure(frozen, error, retried)
        if goes_up:
            assert error is not None
            raise error
        self.failures.check_limit()
        return frozen

    def _record(self, trial: Trial, result: Any, error: BaseException | None) -> FrozenTrial | None:
        try:
            if error is None:
                return self.study.tell(trial, result)
            if isinstance(error, TrialPruned):
                return self.study.tell(trial, state=TrialState.PRUNED)
            if error.__traceback__ is not None or error.__cause__ is not None:
                trial.set_system_attr(FAIL_TRACEBACK_ATTR, "".join(traceback.format_exception(error)).rstrip())
            return self.study.tell(trial, state=TrialState.FAIL, fail_reason=describe_exception(error))
        except TrialFinishedError:
            return None

    def after(self, frozen: FrozenTrial) -> None:
        """Update the progress bar and run the callbacks for one finished trial."""
        self.progress.update(frozen)
        for cb in self.callbacks:
            cb(self.study, frozen)

    def fail_running(self, reason: str) -> None:
        """Mark every trial still running in this call FAIL with ``reason`` (used on interrupts)."""
        with self._lock:
            running = list(self._running.values())
        for trial in running:
            try:
                self.study.tell(trial, state=TrialState.FAIL, fail_reason=reason)
            except TrialFinishedError:
                pass
            with self._lock:
                self._running.pop(trial.trial_id, None)
