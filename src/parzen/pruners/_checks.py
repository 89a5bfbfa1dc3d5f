"""Step and value rules shared by the pruners.

Arguments are checked with :mod:`parzen._checks`, the helpers the samplers use too, so every
pruner rejects a bad argument at construction the same way: TypeError for a wrong type,
ValueError for a value out of range, with the parameter's name in the message.
"""

from __future__ import annotations

import math


def check_report_direction(direction: str | None) -> str | None:
    """``direction`` of a pruner's intermediate values: 'minimize', 'maximize' or None (the study's)."""
    if direction is None:
        return None
    if not isinstance(direction, str):
        raise TypeError(f"`direction` must be 'minimize', 'maximize' or None, got {direction!r}")
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"`direction` must be 'minimize', 'maximize' or None, got {direction!r}")
    return direction


def is_diverged(value: float) -> bool:
    """Whether an intermediate value is NaN or infinite: a diverged run, the worst possible value.

    ``Study.tell`` fails a trial whose final value is NaN or infinite; the pruners read such an
    intermediate value the same way, so it never ranks as good, whatever the study's direction.
    """
    return not math.isfinite(value)


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
