"""Where parzen's warnings point: at the user's line, not at parzen's own files."""

from __future__ import annotations

import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` for a ``warnings.warn`` made by the caller of this function that points at the
    first frame outside parzen: the user's ``optimize``, ``tell`` or ``create_study`` line.

    In a worker thread no user frame is on the stack; the warning then points at the thread's entry.
    """
    frame, level = sys._getframe(1), 1  # level 1: the function that warns
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
