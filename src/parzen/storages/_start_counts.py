"""The count of finished trials that came with the statement that started a thread's latest trial.

A model-based sampler checks, when a trial starts and at its first suggest, whether trials finished
since its last look (``get_n_trials`` of the finished states): on a server that is a round trip of its
own each time. The statements that start a trial on PostgreSQL (the look for an enqueued trial, the
insert of a new one) read that count in the same round trip, and this keeps it for the thread that ran
them, so that the checks which follow right after cost nothing.

Rules, so that a kept count never hides what this process did and never lingers:

* a count is served only to the thread whose statement read it, for the same study, and only within
  ``ttl`` seconds of the read;
* any finish of a trial of that study through a storage object of this process on the same database (any
  thread; they share one :class:`StartCounts`), and its deletion, recorded by :meth:`StartCounts.stale`
  after the commit, make every kept count of the study unusable (the caller takes the epoch before its
  statement, so a finish during the statement counts too).

A trial finished by another process after the statement shows at the thread's next start of a trial,
or after ``ttl``: the check sees the study as it was when its trial started.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict


class StartCounts:
    """Per-thread counts of finished trials of one database's studies, read by the statements that start
    trials (see the module)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._local = threading.local()
        self._lock = threading.Lock()
        self._epochs: defaultdict[int, int] = defaultdict(int)

    def epoch(self, study_id: int) -> int:
        """The number of finishes of the study seen so far; take it before the statement that reads a count."""
        with self._lock:
            return self._epochs[study_id]

    def keep(self, study_id: int, count: int, epoch: int) -> None:
        """Keep ``count``, read by a statement that started after :meth:`epoch` returned ``epoch``."""
        self._local.kept = (study_id, count, epoch, time.monotonic())

    def finished(self, study_id: int) -> int | None:
        """This thread's kept count of ``study_id`` while it is still usable, else None."""
        kept = getattr(self._local, "kept", None)
        if kept is None:
            return None
        kept_study, count, epoch, read_at = kept
        if kept_study != study_id or time.monotonic() - read_at >= self.ttl or self.epoch(study_id) != epoch:
            return None
        return count

    def stale(self, study_id: int) -> None:
        """A trial of ``study_id`` finished, or the study was deleted, through a storage object of this
        process on this database (and committed): the counts kept for it so far are no longer served."""
        with self._lock:
            self._epochs[study_id] += 1
