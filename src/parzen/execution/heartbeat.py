"""Heartbeats: how the workers of one study find the trials of a worker that died.

While an ``optimize`` call with ``heartbeat_interval`` runs, a daemon thread of the calling process
records a beat for each of its running trials every interval, and asks the storage for the study's trials whose last beat is older than ``grace_period``. Each
such trial is failed by whichever live worker gets there first: the storage lets exactly one
caller fail it, so it is failed, and retried, once. A trial is judged by the storage's clock, so
workers on machines whose clocks disagree still agree on which trials are stale. A worker that
does not beat (an ask-and-tell loop) is never taken for dead.

A trial's first beat is written by the very storage write that starts it: the one that creates it
(``TrialTemplate(heartbeat=True)``) or takes it from the queue of waiting ones (a retry, an enqueued trial:
``pop_waiting_trial_beating``). So no moment is left between a trial's start and its first beat where a
dying worker would leave a trial that is never found stale. For a storage (a user's) that does not record
that first beat itself (``starts_trials_beating`` false), the runner beats as the trial starts.

``optimize`` and ``optimize_async`` build their trial runner, heartbeat and failure policy with
:func:`supervised_runner`, so both beat, reap and retry the same way.
"""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING, Callable

from parzen._checks import check_real
from parzen.execution.interrupts import InterruptShield
from parzen.execution.progress import Progress
from parzen.execution.retry import FailurePolicy
from parzen.execution.trial_runner import TrialRunner
from parzen.trial import FrozenTrial, Trial

if TYPE_CHECKING:
    from parzen.study import Callback, Study

GRACE_INTERVALS = 4
"""The default grace period, in heartbeat intervals."""


def check_heartbeat(interval: float | None, grace_period: float | None) -> tuple[float, float] | None:
    """``(interval, grace_period)`` checked, the grace period defaulting to 4 intervals; None when off."""
    if interval is None:
        if grace_period is not None:
            raise ValueError("`grace_period` needs `heartbeat_interval`: a worker that does not beat cannot "
                             "tell a silent trial from its own")
        return None
    interval = check_real("heartbeat_interval", interval, 0.0)
    if interval <= 0:
        raise ValueError(f"`heartbeat_interval` must be > 0 seconds, got {interval!r}")
    if grace_period is None:
        return interval, GRACE_INTERVALS * interval
    grace_period = check_real("grace_period", grace_period, 0.0)
    if grace_period <= interval:
        raise ValueError(f"`grace_period` must be longer than `heartbeat_interval` ({interval} s), "
                         f"got {grace_period!r}")
    return interval, grace_period


class Heartbeat:
    """The beating and reaping thread of one ``optimize`` call.

    ``running()`` lists the trials to beat for; ``on_stale(frozen)`` is called for each trial this
    thread failed as stale (to retry it). A storage error is warned about and tried again at the
    next beat: a trial is only taken for dead after a whole grace period without one.
    """

    def __init__(self, study: "Study", interval: float, grace_period: float,
                 running: Callable[[], list[Trial]], on_stale: Callable[[FrozenTrial], object]) -> None:
        self._study = study
        self.interval = interval
        self.grace_period = grace_period
        self._running = running
        self._on_stale = on_stale
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="parzen-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def reap_once(self) -> None:
        """Fail the trials already stale now, warning instead of raising on a storage error.

        ``optimize`` calls it before its first ask, so that a worker started after another one died
        retries (or, for a grid, runs again) the dead worker's trial before it finds nothing left to do.
        """
        try:
            self.reap()
        except Exception as exc:  # a storage hiccup: the thread reaps again at the next interval
            warnings.warn(f"parzen heartbeat: {type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=1)

    def stop(self) -> None:
        """Stop beating (the thread ends within one interval; nobody waits for it)."""
        self._stopped.set()

    def beat(self, trial: Trial) -> None:
        """Record one beat for ``trial`` now."""
        self._study.storage.record_heartbeat(trial.trial_id)

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                for trial in self._running():
                    self.beat(trial)
                self.reap()
            except Exception as exc:  # a storage hiccup: beat again at the next interval
                warnings.warn(f"parzen heartbeat: {type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=1)

    def reap(self) -> list[FrozenTrial]:
        """Fail the study's trials silent for longer than the grace period; the ones this call failed."""
        storage, study_id = self._study.storage, self._study.study_id
        reason = f"stale: its worker sent no heartbeat for {self.grace_period:g} s (it died or hung)"
        failed = []
        for trial_id in storage.get_stale_trial_ids(study_id, self.grace_period):
            if not storage.fail_stale_trial(trial_id, reason, self.grace_period):
                continue
            frozen = storage.get_trial(trial_id)
            self._study.sampler.after_trial(self._study, frozen)
            failed.append(frozen)
            self._on_stale(frozen)
        return failed


def supervised_runner(study: "Study", beating: tuple[float, float] | None, failures: FailurePolicy,
                      catch: tuple[type[BaseException], ...], callbacks: list["Callback"], progress: Progress,
                      shield: InterruptShield | None = None) -> tuple[TrialRunner, Heartbeat | None]:
    """The trial runner of one call under ``failures``, and its heartbeat when ``beating`` is set.

    The heartbeat (not started yet) beats for the runner's running trials, each trial from its creation
    on; a stale trial it fails is retried when ``failures`` covers ``"stale"``.
    """
    heartbeat = None if beating is None else Heartbeat(
        study, *beating, running=lambda: runner.running_trials(),
        on_stale=lambda frozen: failures.retry_if_covered(study, frozen, "stale"))
    runner = TrialRunner(study, catch, callbacks, progress, shield, failures,
                         None if heartbeat is None else heartbeat.beat)
    return runner, heartbeat
