"""Failure policy of one ``optimize`` call: which failed trials run again, and when to give up.

A trial fails in one of three ways: its objective raised (``"exception"``), it ran past
``trial_timeout`` (``"timeout"``), or its worker died or went silent past the heartbeat grace
period (``"stale"``; a process executor's child that died counts here too). A
:class:`RetryPolicy` queues a failed trial again with the same parameters: the new trial is an
ordinary WAITING trial that any worker of the study may take, and it carries ``retry_of`` (the
number of the failed trial) and ``retry_count`` in its system attributes. The failed trial stays
as it was, intermediate values included.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from parzen._checks import check_int
from parzen.exceptions import TooManyFailures
from parzen.storages import TrialTemplate
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

FAILURE_KINDS = ("exception", "stale", "timeout")
RETRY_OF_ATTR = "retry_of"
RETRY_COUNT_ATTR = "retry_count"


@dataclass(frozen=True)
class RetryPolicy:
    """Run a failed trial again, with the same parameters, up to ``max_retries`` times.

    ``on`` names the failures that are retried, among ``"exception"``, ``"stale"`` and ``"timeout"``.
    """

    max_retries: int = 2
    on: Sequence[str] = FAILURE_KINDS

    def __post_init__(self) -> None:
        check_int("max_retries", self.max_retries, 1)
        if isinstance(self.on, str) or not isinstance(self.on, Sequence):
            raise TypeError(f"`on` must be a sequence of failure kinds from {FAILURE_KINDS}, got {self.on!r}")
        unknown = [kind for kind in self.on if kind not in FAILURE_KINDS]
        if unknown or not self.on:
            raise ValueError(f"`on` must name failure kinds from {FAILURE_KINDS}, got {self.on!r}")
        object.__setattr__(self, "on", tuple(dict.fromkeys(self.on)))

    def covers(self, kind: str) -> bool:
        """Whether a failure of ``kind`` is retried."""
        return kind in self.on


def check_retry(retry: Any) -> RetryPolicy | None:
    """``retry`` as a RetryPolicy or None; TypeError for anything else."""
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise TypeError(f"`retry` must be a parzen.RetryPolicy or None, got {retry!r}")
    return retry


def failure_kind(error: BaseException | None) -> str:
    """The kind of failure an objective's ``error`` stands for."""
    from parzen.execution.trial_runner import TrialTimeout, WorkerDied

    if isinstance(error, TrialTimeout):
        return "timeout"
    if isinstance(error, WorkerDied):
        return "stale"
    return "exception"


def requeue(study: "Study", failed: FrozenTrial) -> int:
    """Queue ``failed`` again with its parameters; returns how many times it has now been retried."""
    count = int(failed.system_attrs.get(RETRY_COUNT_ATTR, 0)) + 1
    study.storage.create_trial(study.study_id, TrialTemplate(
        state=TrialState.WAITING, fixed_params=dict(failed.params),
        system_attrs={RETRY_OF_ATTR: failed.number, RETRY_COUNT_ATTR: count},
    ))
    return count


class FailurePolicy:
    """Retries and the ``max_failures`` limit, shared by every worker thread of one call."""

    def __init__(self, retry: RetryPolicy | None, max_failures: int | None) -> None:
        self.retry = check_retry(retry)
        self.max_failures = None if max_failures is None else check_int("max_failures", max_failures, 1)
        self._in_a_row = 0
        self._last_reason: str | None = None
        self._lock = threading.Lock()

    def retry_if_covered(self, study: "Study", failed: FrozenTrial, kind: str) -> bool:
        """Queue ``failed`` again when the policy covers ``kind`` and retries are left; True if queued."""
        if self.retry is None or not self.retry.covers(kind):
            return False
        if int(failed.system_attrs.get(RETRY_COUNT_ATTR, 0)) >= self.retry.max_retries:
            return False
        requeue(study, failed)
        return True

    def observe(self, frozen: FrozenTrial) -> None:
        """Count a finished trial: a FAIL extends the run of failures, anything else ends it."""
        with self._lock:
            if frozen.state == TrialState.FAIL:
                self._in_a_row += 1
                self._last_reason = frozen.fail_reason
            else:
                self._in_a_row = 0

    def check_limit(self) -> None:
        """Raise TooManyFailures once ``max_failures`` trials in a row have failed."""
        with self._lock:
            if self.max_failures is None or self._in_a_row < self.max_failures:
                return
            n, reason = self._in_a_row, self._last_reason
        raise TooManyFailures(f"{n} trials failed in a row (max_failures={self.max_failures}); "
                              f"the last one: {reason}")
