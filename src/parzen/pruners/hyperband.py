"""Hyperband: several successive-halving brackets with different aggressiveness, run side by side.

Li et al. 2018, "Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization" (JMLR),
Algorithm 1, with each bracket run as asynchronous successive halving (Li et al. 2020, "A System
for Massively Parallel Hyperparameter Tuning", which runs Hyperband's brackets this way). Bracket
``b`` starts its rungs at ``min_resource * eta ** b``; bracket 0 halves most often, the last bracket
trains (almost) every trial fully. A trial's bracket is a hash of the study name
and the trial number, so every worker and process assigns it the same bracket without talking to
the others, and a trial is ranked only against the trials of its own bracket.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING

from parzen._checks import check_int
from parzen.pruners._base import Pruner
from parzen.pruners.successive_halving import asha_prune
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

BRACKET_ATTR_PREFIX = "parzen:hyperband:"


def bracket_sizes(min_resource: int, max_resource: int, reduction_factor: int) -> list[int]:
    """How many configurations each bracket gets in one Hyperband iteration, bracket 0 first.

    Algorithm 1 of Li et al. 2018, line 3: with ``s_max = floor(log_eta(R / r))`` the bracket that
    halves ``s`` times starts ``n_s = ceil((s_max + 1) / (s + 1) * eta ** s)`` configurations.
    Bracket ``b`` here halves ``s = s_max - b`` times.
    """
    s_max = 0
    while min_resource * reduction_factor ** (s_max + 1) <= max_resource:
        s_max += 1
    return [math.ceil((s_max + 1) * reduction_factor**s / (s + 1)) for s in range(s_max, -1, -1)]


class HyperbandPruner(Pruner):
    """Hyperband (Li et al. 2018) over ASHA brackets, in the study's direction.

    Trials are spread over the brackets in the proportions of :func:`bracket_sizes`, by a hash of
    ``(study name, trial number)``. Within bracket ``b`` a trial is judged as by
    :class:`~parzen.pruners.SuccessiveHalvingPruner` with ``min_early_stopping_rate=b``, against
    the trials of bracket ``b`` only; rungs at or past ``max_resource`` are not judged. A NaN or
    infinite value at a rung prunes the trial, as there. A bracket with no rung below ``max_resource``
    (the last one when ``max_resource = min_resource * reduction_factor ** k``) judges nothing: a
    trial of it that diverges trains to the end, and fails when told its final NaN.

    Args:
        min_resource: the first rung of the most aggressive bracket, in steps (>= 1).
        max_resource: the steps of a full run (>= ``min_resource``), or ``"auto"`` (the default, as in
            Optuna): the steps the
            first COMPLETE trial reported (its last step + 1), read when the pruner first sees one.
            Until then nothing is pruned. Each process sizes its brackets from the first complete
            trial it sees, so workers agree as long as full runs report the same number of steps.
        reduction_factor: eta, the factor between rungs and between brackets (>= 2).
    """

    def __init__(self, *, min_resource: int = 1, max_resource: int | str = "auto", reduction_factor: int = 3) -> None:
        self._min_resource = check_int("min_resource", min_resource, 1)
        self._reduction_factor = check_int("reduction_factor", reduction_factor, 2)
        self._max_resource = 0
        self._sizes: list[int] = []
        if max_resource != "auto":
            self._size(check_int("max_resource", max_resource, self._min_resource))

    def _size(self, max_resource: int) -> None:
        self._max_resource = max_resource
        self._sizes = bracket_sizes(self._min_resource, max_resource, self._reduction_factor)

    def _sized(self, study: "Study") -> bool:
        """Whether the brackets are known; sizes them from the first complete trial for ``"auto"``."""
        if not self._sizes:
            steps = [t.last_step for t in study.get_trials([TrialState.COMPLETE]) if t.last_step is not None]
            if steps:
                self._size(max(steps[0] + 1, self._min_resource))
        return bool(self._sizes)

    @property
    def n_brackets(self) -> int:
        """The number of brackets (0 while ``max_resource="auto"`` waits for a complete trial)."""
        return len(self._sizes)

    def bracket(self, study: "Study", trial_number: int) -> int:
        """The bracket of trial ``trial_number`` in ``study``: the same in every worker and process."""
        digest = hashlib.blake2b(f"{study.study_name}\x00{trial_number}".encode(), digest_size=8).digest()
        ticket = int.from_bytes(digest, "big") % sum(self._sizes)
        for b, size in enumerate(self._sizes):
            if ticket < size:
                return b
            ticket -= size
        raise AssertionError(f"ticket {ticket} fell past the bracket sizes {self._sizes}")

    def prune(self, study: "Study", trial: "FrozenTrial") -> bool:
        if not self._sized(study):
            return False
        b = self.bracket(study, trial.number)
        first = self._min_resource * self._reduction_factor**b
        return asha_prune(study, trial, first, self._reduction_factor, self._max_resource,
                          f"{BRACKET_ATTR_PREFIX}{b}:rung:")
