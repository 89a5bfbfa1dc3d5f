"""When to start another trial: trial count, wall-clock timeout and stop requests."""

from __future__ import annotations

import numbers
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parzen.study import Study


def check_budget(n_trials: int | None, timeout: float | None) -> None:
    """Reject a bad ``n_trials`` or ``timeout`` before any trial starts."""
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, numbers.Integral)):
        raise TypeError(f"`n_trials` must be an int or None, got {n_trials!r}")
    if n_trials is not None and n_trials < 0:
        raise ValueError(f"`n_trials` must be >= 0, got {n_trials}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)):
        raise TypeError(f"`timeout` must be a number of seconds or None, got {timeout!r}")
    if timeout is not None and not timeout >= 0:
        raise ValueError(f"`timeout` must be >= 0 seconds, got {timeout}")


class Budget:
    """Hands out permission to start trials; safe to share between threads and tasks.

    It stops on its own flag as well as on the study's: a worker left over from an interrupted
    ``optimize`` call must not start trials for a later call that reset the study's flag.
    """

    def __init__(self, study: "Study", n_trials: int | None, timeout: float | None) -> None:
        check_budget(n_trials, timeout)
        self._study = study
        self._n_trials = None if n_trials is None else int(n_trials)
        self._deadline = None if timeout is None else time.monotonic() + float(timeout)
        self._started = 0
        self._stopped = False
        self._lock = threading.Lock()

    def workers_needed(self, n_workers: int) -> int:
        """No more workers than trials to run (at least one, so that a zero budget still returns)."""
        if self._n_trials is None:
            return n_workers
        return max(1, min(n_workers, self._n_trials))

    def stop(self) -> None:
        """Start no further trial from this budget."""
        self._stopped = True

    def take(self) -> bool:
        """True if one more trial may start now (and count it as started)."""
        with self._lock:
            if self._stopped or self._study.stop_requested:
                return False
            if self._n_trials is not None and self._started >= self._n_trials:
                return False
            if self._deadline is not None and time.monotonic() >= self._deadline:
                return False
            self._started += 1
            return True
