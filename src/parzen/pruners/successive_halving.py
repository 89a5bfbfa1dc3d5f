"""Asynchronous successive halving (ASHA): keep the top 1/eta of the trials at each rung.

Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning" (MLSys), Algorithm 2.
Rung ``k`` sits at ``min_resource * eta ** (s + k)`` steps, ``s`` being the minimum early-stopping
rate. ASHA pauses a configuration at a rung until it is in the top ``|rung| / eta``; a pruned
trial here cannot be resumed, so a trial that is not in the top at the moment it reaches a rung is
stopped for good (the early-stopping form of ASHA).

Every decision is made from the storage: when a trial reaches a rung it writes its value there as
a trial system attribute, then ranks itself among all trials that hold that attribute. Workers in
other threads or processes sharing the storage see the same rungs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from parzen._checks import check_int
from parzen.pruners._base import Pruner
from parzen.pruners._checks import is_diverged

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

RUNG_ATTR_PREFIX = "parzen:asha:rung:"


def is_promotable(value: float, rivals: Sequence[float], reduction_factor: int, direction: str) -> bool:
    """Whether ``value`` is in the top ``max(1, n // eta)`` of ``value`` plus ``rivals`` (n of them).

    Algorithm 2 of Li et al. 2020 promotes the top ``floor(n / eta)`` of a rung. While a rung holds
    fewer than ``eta`` trials that is nobody, and as nothing can be resumed here, the rule keeps the
    best one instead: the first trial to reach a rung always goes on. Ties go on together.
    """
    n_top = max(1, (len(rivals) + 1) // reduction_factor)
    if direction == "minimize":
        n_better = sum(r < value for r in rivals)
    else:
        n_better = sum(r > value for r in rivals)
    return n_better < n_top


def asha_prune(study: "Study", trial: "FrozenTrial", first_rung_step: int, reduction_factor: int,
               max_resource: int | None, attr_prefix: str) -> bool:
    """The ASHA decision for ``trial`` over rungs at ``first_rung_step * eta ** k`` steps.

    Each rung the trial's reports have reached and that it has not yet been judged at is judged now,
    lowest first: the trial's value at the rung (its report at the first step at or past the rung)
    is written to the system attribute ``attr_prefix + str(k)`` and ranked with :func:`is_promotable`
    among the trials holding that attribute. Rungs at or past ``max_resource`` are never judged:
    a trial that reaches the full budget is finished, not pruned. A NaN or infinite value at a rung
    (a diverged run) is pruned and not written, so it never changes the ranking of the other trials.
    """
    reports = trial.intermediate_values
    if not reports:
        return False
    last_step = max(reports)
    rung = 0
    while True:
        rung_step = first_rung_step * reduction_factor**rung
        if rung_step > last_step or (max_resource is not None and rung_step >= max_resource):
            return False
        key = f"{attr_prefix}{rung}"
        if key not in trial.system_attrs:
            value = reports[min(s for s in reports if s >= rung_step)]
            if is_diverged(value):
                return True
            study.storage.set_trial_system_attr(trial.trial_id, key, value)
            rivals = [t.system_attrs[key] for t in study.get_trials()
                      if t.number != trial.number and key in t.system_attrs]
            if not is_promotable(value, rivals, reduction_factor, study.direction):
                return True
        rung += 1


class SuccessiveHalvingPruner(Pruner):
    """Asynchronous successive halving (ASHA, Li et al. 2020, Algorithm 2) in the study's direction.

    A trial is judged when it first reports a step at or past a rung: ``min_resource * eta ** (s + k)``
    for ``k = 0, 1, ...`` with ``eta = reduction_factor`` and ``s = min_early_stopping_rate``. It goes
    on while its value there is among the top ``max(1, n // eta)`` of the ``n`` trials (any state,
    itself included) that have reached that rung so far, and is pruned otherwise.

    Args:
        min_resource: the step of the lowest rung when ``min_early_stopping_rate`` is 0 (>= 1).
        reduction_factor: eta, the factor between rungs; about 1/eta of a rung goes on (>= 2).
        min_early_stopping_rate: ``s``, raising the first rung to ``min_resource * eta ** s`` (>= 0).
        max_resource: steps of a full run, if known; rungs at or past it are not judged, so a trial
            that trained fully is never pruned at its last step (None: rungs go on without end).
    """

    def __init__(self, min_resource: int = 1, reduction_factor: int = 3, min_early_stopping_rate: int = 0,
                 max_resource: int | None = None) -> None:
        self._min_resource = check_int("min_resource", min_resource, 1)
        self._reduction_factor = check_int("reduction_factor", reduction_factor, 2)
        self._min_early_stopping_rate = check_int("min_early_stopping_rate", min_early_stopping_rate, 0)
        self._max_resource = None if max_resource is None else check_int("max_resource", max_resource, 1)

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        first = self._min_resource * self._reduction_factor**self._min_early_stopping_rate
        return asha_prune(study, trial, first, self._reduction_factor, self._max_resource, RUNG_ATTR_PREFIX)
