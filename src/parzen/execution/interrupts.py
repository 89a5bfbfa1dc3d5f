"""Ctrl-C that never lands in the middle of writing a trial's record.

Python raises KeyboardInterrupt between any two bytecodes of the main thread, so a Ctrl-C could
arrive after a storage created a trial but before the executor knows about it, leaving a trial
RUNNING forever. :class:`InterruptShield` holds a SIGINT that arrives while the main thread is
writing a record and delivers it as KeyboardInterrupt as soon as the record is complete.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class InterruptShield:
    """Context manager for one ``optimize`` call; ``with shield.holding():`` guards a record write.

    It only acts in the main thread and only when SIGINT has Python's default handler, so a
    handler installed by the user (or by asyncio) is left alone.
    """

    def __init__(self) -> None:
        self._previous: Any = None
        self._installed = False
        self._depth = 0
        self._pending = False

    def __enter__(self) -> "InterruptShield":
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
            self._installed = True
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self._depth:
            self._pending = True
            return
        raise KeyboardInterrupt

    def holding(self) -> "_Hold":
        """A context in which a SIGINT waits until the context ends (no-op off the main thread)."""
        return _Hold(self if self._installed and threading.current_thread() is threading.main_thread() else None)


class _Hold:
    """One guarded section of an :class:`InterruptShield` (re-entrant)."""

    def __init__(self, shield: InterruptShield | None) -> None:
        self._shield = shield

    def __enter__(self) -> None:
        if self._shield is not None:
            self._shield._depth += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        shield = self._shield
        if shield is None:
            return
        shield._depth -= 1
        if shield._depth == 0 and shield._pending:
            shield._pending = False
            raise KeyboardInterrupt
