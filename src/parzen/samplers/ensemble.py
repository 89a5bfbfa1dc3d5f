"""Several samplers take turns on one study, each proposing its weighted share of the trials.

All of them read the same history (every trial, whoever proposed it), so each learns from the
others' evaluations. Turns follow the largest-remainder rule: a new trial goes to the member whose
count of trials is furthest below its weight's share of the trials so far, so after n trials each
member has proposed within one trial of ``weight * n``. The member is chosen once per trial,
before it starts, and recorded on the trial (system attribute ``ensemble_member``, its index).

The counts cover every trial of the study a member proposed, whichever process ran it. Finished
trials never change, so they are counted once, as the shared per-study history
(:mod:`parzen.samplers._history`) receives them; only the running trials are read at each ask.
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from parzen.samplers._base import Sampler
from parzen.samplers._history import StudyHistory, record_finished, study_history
from parzen.space import Distribution
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

MEMBER_ATTR = "ensemble_member"


class _FinishedTally:
    """How many of a history's finished trials each member proposed, extended as the history grows."""

    def __init__(self, n_members: int) -> None:
        self.counts = [0] * n_members
        self.ids: set[int] = set()
        self.rows = 0

    def update(self, history: StudyHistory) -> None:
        new = history.trials[self.rows:]  # rows only ever get appended, by any thread
        for t in new:
            self.ids.add(t.trial_id)
            _count(self.counts, t.system_attrs.get(MEMBER_ATTR))
        self.rows += len(new)


def _count(counts: list[int], member: Any) -> None:
    if isinstance(member, int) and 0 <= member < len(counts):
        counts[member] += 1


def _largest_remainder(counts: Sequence[int], shares: Sequence[float]) -> int:
    """Largest remainder: the member furthest below its share of the next trial (the first on a tie)."""
    n = sum(counts) + 1
    return max(range(len(counts)), key=lambda i: (shares[i] * n - counts[i], -i))


class EnsembleSampler(Sampler):
    """Runs ``samplers`` in turn, each for its ``weights`` share of the trials (equal shares by default)."""

    def __init__(self, samplers: Sequence[Sampler], weights: Sequence[float] | None = None) -> None:
        if isinstance(samplers, (str, bytes)) or not isinstance(samplers, Sequence) or not samplers:
            raise ValueError(f"`samplers` must be a non-empty list of parzen samplers, got {samplers!r}")
        for s in samplers:
            if not isinstance(s, Sampler):
                raise TypeError(f"`samplers` must hold parzen samplers, got {s!r}")
        if weights is None:
            weights = [1.0] * len(samplers)
        if len(weights) != len(samplers):
            raise ValueError(f"`weights` has {len(weights)} entries for {len(samplers)} samplers")
        for w in weights:
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
                raise ValueError(f"`weights` must be finite numbers >= 0, got {list(weights)!r}")
        total = float(sum(weights))
        if total <= 0:
            raise ValueError(f"`weights` must not all be 0, got {list(weights)!r}")
        self._samplers = list(samplers)
        self._shares = [w / total for w in weights]
        self._lock = threading.Lock()
        self._tallies: weakref.WeakKeyDictionary[StudyHistory, _FinishedTally] = weakref.WeakKeyDictionary()

    @property
    def samplers(self) -> list[Sampler]:
        return list(self._samplers)

    @property
    def shares(self) -> list[float]:
        """Each member's share of the trials (the weights, normalized to sum to 1)."""
        return list(self._shares)

    def _next_member(self, study: "Study") -> int:
        """The member furthest below its share, counting the study's trials that members proposed.

        The running trials are read first, then the history: a trial that finishes in between is in
        both and counted once, as a finished one. Called under ``_lock``.
        """
        running = study.get_trials((TrialState.RUNNING,))
        history = study_history(study)
        tally = self._tallies.get(history)
        if tally is None:  # a new study, or a storage whose history is not cached: count it all
            tally = self._tallies[history] = _FinishedTally(len(self._samplers))
        tally.update(history)
        counts = list(tally.counts)
        for t in running:
            if t.trial_id not in tally.ids:
                _count(counts, t.system_attrs.get(MEMBER_ATTR))
        return _largest_remainder(counts, self._shares)

    def before_trial(self, study: "Study", fixed_params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            member = self._next_member(study)
        claims = self._samplers[member].before_trial(study, fixed_params)
        return {**claims, MEMBER_ATTR: member}

    def _member(self, trial: "Trial") -> Sampler:
        return self._samplers[int(trial.system_attrs.get(MEMBER_ATTR, 0))]

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        return self._member(trial).infer_relative_space(study, trial)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        return self._member(trial).sample(study, trial, space)

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        return self._member(trial).sample_independent(study, trial, name, distribution)

    def after_trial(self, study: "Study", trial: "FrozenTrial") -> None:
        record_finished(study, trial)  # the next ask counts it without reading the study again
        for sampler in self._samplers:
            sampler.after_trial(study, trial)
