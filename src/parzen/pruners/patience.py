"""Patience pruning: stop a trial whose value has stopped improving.

The early-stopping rule of neural-network training ("stop when the validation loss has not
improved for ``patience`` epochs"), applied to a trial's own reports; no other trial is consulted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from parzen._checks import check_int, check_real
from parzen.pruners._base import Pruner
from parzen.pruners._checks import is_diverged

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial


def _best(values: Sequence[float], direction: str) -> float:
    """The best of ``values``, a NaN or infinite value (a diverged run) counting as the worst possible."""
    worst = math.inf if direction == "minimize" else -math.inf
    finite = [worst if is_diverged(v) else v for v in values]
    return min(finite) if direction == "minimize" else max(finite)


class PatiencePruner(Pruner):
    """Prune a trial whose last ``patience`` reports did not beat its earlier best by ``min_delta``.

    Reports are taken in step order. With reports ``v_1 .. v_n`` and ``n > patience``, the trial is
    pruned when ``best(v_{n-patience+1} .. v_n)`` is not better than ``best(v_1 .. v_{n-patience})``
    by more than ``min_delta`` (better means lower in a minimized study, higher in a maximized one).
    A NaN or infinite report counts as the worst value, so a run that diverges stops improving.
    Patience counts reports, not steps: a trial that reports every tenth step with ``patience=3``
    has 30 steps to improve.

    Args:
        patience: reports without improvement that are tolerated (>= 1).
        min_delta: the smallest change that counts as an improvement (>= 0).
        n_warmup_steps: no pruning at steps below this.
    """

    def __init__(self, patience: int, min_delta: float = 0.0, n_warmup_steps: int = 0) -> None:
        self._patience = check_int("patience", patience, 1)
        self._min_delta = check_real("min_delta", min_delta, 0.0)
        self._n_warmup_steps = check_int("n_warmup_steps", n_warmup_steps, 0)

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        steps = sorted(trial.intermediate_values)
        if len(steps) <= self._patience or steps[-1] < self._n_warmup_steps:
            return False
        values = [trial.intermediate_values[s] for s in steps]
        direction = study.direction
        before = _best(values[:-self._patience], direction)
        recent = _best(values[-self._patience:], direction)
        if direction == "minimize":
            return not recent < before - self._min_delta
        return not recent > before + self._min_delta
