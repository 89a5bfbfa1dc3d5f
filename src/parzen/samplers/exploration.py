"""Epsilon-greedy exploration: some trials drawn uniformly at random instead of by a model.

A model-based sampler concentrates where it has seen good values; when the model is wrong (noise,
a narrow basin it has not found) a share of uniform draws keeps looking everywhere. The choice is
made once per trial, before it starts, and recorded on the trial (system attribute ``explore``),
so every parameter of a trial comes from the same source, define-by-run or not, and the record
shows which trials explored.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Mapping

from parzen._checks import check_real
from parzen.samplers._base import Sampler, draw_uniform, make_rng
from parzen.samplers.random import draw_space
from parzen.space import Distribution

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial

EXPLORE_ATTR = "explore"


class ExplorationSampler(Sampler):
    """Runs ``base``, except that each trial is drawn uniformly at random with probability ``rate``.

    ``rate`` 0 is ``base`` itself, 1 is random search. An enqueued trial keeps its fixed values
    either way. ``seed`` makes the choice of exploring trials and their draws reproducible; ``base``
    keeps its own seed.
    """

    def __init__(self, base: Sampler, rate: float, seed: int | None = None) -> None:
        if not isinstance(base, Sampler):
            raise TypeError(f"`base` must be a parzen Sampler, got {base!r}")
        self._base = base
        self._rate = check_real("rate", rate, 0.0, 1.0)
        self._rng = make_rng(seed)
        self._lock = threading.Lock()

    @property
    def base(self) -> Sampler:
        return self._base

    @property
    def rate(self) -> float:
        return self._rate

    def before_trial(self, study: "Study", fixed_params: Mapping[str, Any]) -> dict[str, Any]:
        claims = self._base.before_trial(study, fixed_params)
        with self._lock:
            explore = bool(self._rng.random() < self._rate)
        return {**claims, EXPLORE_ATTR: explore}

    def _explores(self, trial: "Trial") -> bool:
        return bool(trial.system_attrs.get(EXPLORE_ATTR, False))

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        return {} if self._explores(trial) else self._base.infer_relative_space(study, trial)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        if not self._explores(trial):
            return self._base.sample(study, trial, space)
        with self._lock:
            return draw_space(space, self._rng)

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        if not self._explores(trial):
            return self._base.sample_independent(study, trial, name, distribution)
        with self._lock:
            return draw_uniform(distribution, self._rng)

    def after_trial(self, study: "Study", trial: "FrozenTrial") -> None:
        self._base.after_trial(study, trial)
