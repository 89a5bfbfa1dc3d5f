"""Several samplers take turns on one study, each proposing its weighted share of the trials.

All of them read the same history (every trial, whoever proposed it), so each learns from the
others' evaluations. Turns follow the largest-remainder rule: a new trial goes to the member whose
count of trials is furthest below its weight's share of the trials so far, so after n trials each
member has proposed within one trial of ``weight * n``. The member is chosen once per trial,
before it starts, and recorded on the trial (system attribute ``ensemble_member``, its index).
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from parzen.samplers._base import Sampler
from parzen.space import Distribution

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

MEMBER_ATTR = "ensemble_member"


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

    @property
    def samplers(self) -> list[Sampler]:
        return list(self._samplers)

    @property
    def shares(self) -> list[float]:
        """Each member's share of the trials (the weights, normalized to sum to 1)."""
        return list(self._shares)

    def _next_member(self, study: "Study") -> int:
        """The member furthest below its share, counting the study's trials that members proposed."""
        counts = [0] * len(self._samplers)
        for t in study.trials:
            member = t.system_attrs.get(MEMBER_ATTR)
            if isinstance(member, int) and 0 <= member < len(counts):
                counts[member] += 1
        n = sum(counts) + 1
        return max(range(len(counts)), key=lambda i: (self._shares[i] * n - counts[i], -i))

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
        for sampler in self._samplers:
            sampler.after_trial(study, trial)
