"""Argument checks and step rules shared by the pruners.

Every pruner validates its arguments here, at construction, so that a bad value fails at once
with the parameter's name in the message instead of deep inside a running study.
"""

from __future__ import annotations

import math
import numbers


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an int no smaller than ``minimum``; ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_real(name: str, value: object, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite float in ``[low, high]``; ValueError naming ``name`` otherwise."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
            or not low <= value <= high):
        raise ValueError(f"`{name}` must be a finite number in [{low}, {high}], got {value!r}")
    return float(value)


def is_judged_step(steps: list[int], n_warmup_steps: int, interval_steps: int) -> bool:
    """Whether the latest of the sorted reported ``steps`` is one at which a pruner should decide.

    Not before ``n_warmup_steps``; after it, once per window of ``interval_steps`` steps: the
    latest report is judged when it is the first one in its window ``(step - warmup) // interval``.
    With a report at every step this is ``(step - warmup) % interval == 0``; with sparser reports
    a window without an exact multiple is still judged, at its first report.
    """
    step = steps[-1]
    if step < n_warmup_steps:
        return False
    if len(steps) == 1 or steps[-2] < n_warmup_steps:
        return True
    return (step - n_warmup_steps) // interval_steps != (steps[-2] - n_warmup_steps) // interval_steps
