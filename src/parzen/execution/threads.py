"""Thread executor: the objective runs in the calling thread (one worker) or in daemon worker threads.

The worker threads are daemon threads, not a ``concurrent.futures`` pool: a pool's threads are
joined when the interpreter exits, so after a Ctrl-C the process would live on until every running
objective returned. Python cannot stop a thread, so ``trial_timeout`` only abandons a call (it runs
on, its writes to the failed trial are refused); only the process executor stops a runaway objective.
"""

from __future__ import annotations

import queue
import threading
import warnings
from typing import TYPE_CHECKING, Any

from parzen.execution.executor import Executor, Objective, Outcome
from parzen.execution.trial_runner import TrialTimeout, call_with_timeout

if TYPE_CHECKING:
    from parzen.trial import Trial


class SlotExecutor(Executor):
    """Base of executors that evaluate each trial in one of ``n_workers`` daemon threads ("slots").

    A subclass says how one slot evaluates a trial (:meth:`evaluate`); this class hands trials to
    idle slots and gathers outcomes in the order they finish.
    """

    def __init__(self) -> None:
        self._outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._inboxes: list[queue.SimpleQueue[Any]] = []
        self._idle: list[int] = []
        self._idle_lock = threading.Lock()

    def start_slots(self, n_workers: int, name: str) -> None:
        """Start ``n_workers`` daemon threads that wait for trials."""
        self._inboxes = [queue.SimpleQueue() for _ in range(n_workers)]
        self._idle = list(range(n_workers))
        for index in range(n_workers):
            threading.Thread(target=self._slot_loop, args=(index,), name=f"{name}-{index}", daemon=True).start()

    def evaluate(self, slot: int, trial: "Trial") -> Any:
        """Run the objective on ``trial`` in slot ``slot``; its return value (or raise)."""
        raise NotImplementedError

    def _slot_loop(self, index: int) -> None:
        inbox = self._inboxes[index]
        while True:
            trial = inbox.get()
            if trial is None:
                return
            try:
                outcome = Outcome(trial, result=self.evaluate(index, trial))
            except BaseException as exc:  # handed to the driver, which records it
                outcome = Outcome(trial, error=exc)
            with self._idle_lock:
                self._idle.append(index)
            self._outcomes.put(outcome)

    def submit(self, trial: "Trial") -> None:
        with self._idle_lock:
            if not self._idle:
                raise RuntimeError("submit() called with every worker busy")
            index = self._idle.pop(0)
        self._inboxes[index].put(trial)

    def wait(self, timeout: float | None) -> list[Outcome]:
        try:
            finished = [self._outcomes.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                finished.append(self._outcomes.get_nowait())
            except queue.Empty:
                return finished

    def close_slots(self) -> None:
        """Tell every slot thread to exit once its current trial is done (they are daemons either way)."""
        for inbox in self._inboxes:
            inbox.put(None)


class ThreadExecutor(SlotExecutor):
    """``executor="thread"``: one worker runs in the calling thread, more in daemon threads.

    With ``trial_timeout``, a call that overruns is abandoned (it cannot be stopped) and a
    RuntimeWarning says so, once per ``optimize`` call.
    """

    def __init__(self) -> None:
        super().__init__()
        self._objective: Objective | None = None
        self._timeout: float | None = None
        self._inline: list[Outcome] = []
        self._warned = False
        self._warn_lock = threading.Lock()
        self._n_workers = 0

    def start(self, objective: Objective, n_workers: int, trial_timeout: float | None) -> None:
        self._objective = objective
        self._timeout = trial_timeout
        self._n_workers = n_workers
        if n_workers > 1:
            self.start_slots(n_workers, "parzen-worker")

    def evaluate(self, slot: int, trial: "Trial") -> Any:
        assert self._objective is not None, "start() must come before submit()"
        try:
            return call_with_timeout(self._objective, trial, self._timeout)
        except TrialTimeout:
            self._warn_abandoned()
            raise

    def _warn_abandoned(self) -> None:
        with self._warn_lock:
            if self._warned:
                return
            self._warned = True
        warnings.warn(
            f"trial_timeout={self._timeout} s: an objective call ran over and was abandoned, not stopped "
            "(threads cannot be killed; it keeps running in the background). Use executor='process' "
            "to stop runaway objectives.",
            RuntimeWarning,
            stacklevel=2,
        )

    def submit(self, trial: "Trial") -> None:
        if self._n_workers > 1:
            super().submit(trial)
            return
        try:
            self._inline.append(Outcome(trial, result=self.evaluate(0, trial)))
        except BaseException as exc:  # recorded by the driver like any other outcome
            self._inline.append(Outcome(trial, error=exc))

    def wait(self, timeout: float | None) -> list[Outcome]:
        if self._n_workers > 1:
            return super().wait(timeout)
        finished, self._inline = self._inline, []
        return finished

    def close(self, abort: bool = False) -> None:
        self.close_slots()
