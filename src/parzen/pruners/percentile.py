"""Percentile and median pruning: stop a trial that is worse than most others at the same step.

After the median stopping rule of Google Vizier (Golovin et al. 2017, "Google Vizier: A Service for
Black-Box Optimization", section 3.2.2), generalized from the median to any percentile. Vizier
compares a trial's best value with the others' running averages; here both sides are best values
so far, so a noisy but good curve is not held against its own lucky reports.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping

import numpy as np

from parzen._checks import check_int, check_real
from parzen.pruners._base import Pruner
from parzen.pruners._checks import check_report_direction, is_diverged, is_judged_step
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


def best_up_to(intermediate: Mapping[int, float], step: int, direction: str) -> float:
    """The best value reported at or before ``step``; NaN when there is none.

    NaN and infinite reports (a diverged run) are the worst values, so they are never the best one
    and are left out; a trial with nothing else up to ``step`` has no figure (NaN).
    """
    values = [v for s, v in intermediate.items() if s <= step and not is_diverged(v)]
    if not values:
        return math.nan
    return min(values) if direction == "minimize" else max(values)


class PercentilePruner(Pruner):
    """Prune a trial whose best value so far is worse than the ``percentile`` of the others'.

    At a judged step ``s`` (see ``n_warmup_steps`` and ``interval_steps``) the trial's best value
    over its reports up to ``s`` is compared with the same figure of every *finished* (COMPLETE or
    PRUNED) trial that reported a step at or past ``s``. In a minimized study the trial is pruned when
    its figure is above the ``percentile``-th percentile of theirs; in a maximized one when it is
    below the ``(100 - percentile)``-th, so ``percentile=25`` keeps the best quarter in either
    direction. Running trials are not compared, so the decision depends on storage state only.

    Args:
        percentile: in [0, 100]; lower prunes more.
        n_startup_trials: no pruning until this many trials are COMPLETE.
        n_warmup_steps: no pruning at steps below this.
        interval_steps: after the warm-up, judge once per this many steps.
        n_min_trials: no pruning at a step that fewer finished trials have reached.
        direction: how intermediate values improve: ``"minimize"`` (losses), ``"maximize"``
            (accuracies), or None (the default) for the study's direction. Set it when the reports
            are not the objective itself, e.g. a maximized accuracy judged by its training loss.

    NaN and infinite reports mark a diverged run and count as the worst value: they are never a
    trial's best, a finished trial with only such reports up to ``s`` is left out of the comparison
    (so it cannot make another trial look bad), and a trial whose report at a judged step is NaN or
    infinite is pruned there once ``n_startup_trials`` are complete, however few others reached
    the step.
    """

    def __init__(self, percentile: float, n_startup_trials: int = 5, n_warmup_steps: int = 0,
                 interval_steps: int = 1, n_min_trials: int = 1, direction: str | None = None) -> None:
        self._percentile = check_real("percentile", percentile, 0.0, 100.0)
        self._direction = check_report_direction(direction)
        self._n_startup_trials = check_int("n_startup_trials", n_startup_trials, 0)
        self._n_warmup_steps = check_int("n_warmup_steps", n_warmup_steps, 0)
        self._interval_steps = check_int("interval_steps", interval_steps, 1)
        self._n_min_trials = check_int("n_min_trials", n_min_trials, 1)

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        steps = sorted(trial.intermediate_values)
        if not steps or not is_judged_step(steps, self._n_warmup_steps, self._interval_steps):
            return False
        finished = study.get_trials(_FINISHED)
        if sum(t.state == TrialState.COMPLETE for t in finished) < self._n_startup_trials:
            return False
        step, direction = steps[-1], self._direction or study.direction
        if is_diverged(trial.intermediate_values[step]):
            return True
        others = [best_up_to(t.intermediate_values, step, direction) for t in finished
                  if t.number != trial.number and t.last_step is not None and t.last_step >= step]
        others = [v for v in others if not math.isnan(v)]
        if len(others) < self._n_min_trials:
            return False
        own = best_up_to(trial.intermediate_values, step, direction)
        if direction == "minimize":
            return own > float(np.percentile(others, self._percentile))
        return own < float(np.percentile(others, 100.0 - self._percentile))


class MedianPruner(PercentilePruner):
    """Prune a trial whose best value so far is worse than the median of the others' at that step.

    The median stopping rule (Golovin et al. 2017, section 3.2.2); see :class:`PercentilePruner`
    for the arguments.
    """

    def __init__(self, n_startup_trials: int = 5, n_warmup_steps: int = 0, interval_steps: int = 1,
                 n_min_trials: int = 1, direction: str | None = None) -> None:
        super().__init__(50.0, n_startup_trials=n_startup_trials, n_warmup_steps=n_warmup_steps,
                         interval_steps=interval_steps, n_min_trials=n_min_trials, direction=direction)
