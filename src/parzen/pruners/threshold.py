"""Threshold pruning: stop a trial whose latest value leaves a fixed range."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

from parzen._checks import check_int
from parzen.pruners._base import Pruner
from parzen.pruners._checks import is_diverged, is_judged_step

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial


def _check_bound(name: str, value: float | None) -> float | None:
    """A bound as a float, or None: TypeError for a non-number (a bool too), ValueError for NaN."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number or None, got {value!r}")
    if math.isnan(value):
        raise ValueError(f"`{name}` must not be NaN")
    return float(value)


class ThresholdPruner(Pruner):
    """Prune a trial whose latest report is below ``lower``, above ``upper``, NaN or infinite.

    The bounds are absolute, so the rule reads the same in either direction: a maximized accuracy
    is guarded with ``lower``, a minimized loss that diverges with ``upper``. It needs no other
    trial, which makes it the cheap guard against runs that blow up: a NaN or infinite report is
    pruned whatever the bounds, as a diverged run.

    Args:
        lower: prune below this value (None: no lower bound).
        upper: prune above this value (None: no upper bound).
        n_warmup_steps: no pruning at steps below this.
        interval_steps: after the warm-up, judge once per this many steps.
    """

    def __init__(self, lower: float | None = None, upper: float | None = None, n_warmup_steps: int = 0,
                 interval_steps: int = 1) -> None:
        self._lower = _check_bound("lower", lower)
        self._upper = _check_bound("upper", upper)
        if self._lower is None and self._upper is None:
            raise ValueError("give `lower`, `upper` or both: without a bound nothing can be pruned")
        if self._lower is not None and self._upper is not None and self._lower > self._upper:
            raise ValueError(f"`lower` ({lower!r}) must not exceed `upper` ({upper!r})")
        self._n_warmup_steps = check_int("n_warmup_steps", n_warmup_steps, 0)
        self._interval_steps = check_int("interval_steps", interval_steps, 1)

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        steps = sorted(trial.intermediate_values)
        if not steps or not is_judged_step(steps, self._n_warmup_steps, self._interval_steps):
            return False
        value = trial.intermediate_values[steps[-1]]
        return (is_diverged(value) or (self._lower is not None and value < self._lower)
                or (self._upper is not None and value > self._upper))
