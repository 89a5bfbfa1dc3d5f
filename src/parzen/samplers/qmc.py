"""Quasi-Monte Carlo search: low-discrepancy Sobol or Halton points from scipy.stats.qmc."""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen.samplers._base import Sampler, make_rng
from parzen.samplers._finite import least_seen
from parzen.samplers.random import RandomSampler
from parzen.space import Categorical, Distribution, walk_active

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

_ENGINES = ("halton", "sobol")


class QMCSampler(Sampler):
    """Point ``n`` of the sequence goes to trial number ``n``, so parallel workers never repeat a point.

    In a define-by-run study the sequence covers the parameters of the first finished trial;
    parameters outside that space are drawn at random. On a small finite space a sequence point
    already seen more often than another point is replaced by a least-seen point drawn with the
    sampler's generator (see :class:`RandomSampler` for the rule), so every point runs once before any twice.
    """

    def __init__(self, qmc_type: str = "sobol", scramble: bool = True, seed: int | None = None) -> None:
        if qmc_type not in _ENGINES:
            raise ValueError(f"QMCSampler: `qmc_type` must be one of {sorted(_ENGINES)}, got {qmc_type!r}")
        self._qmc_type = qmc_type
        self._scramble = bool(scramble)
        self._seed = int(make_rng(seed).integers(2**31)) if scramble else None
        self._fallback = RandomSampler(seed=None if seed is None else seed + 1)
        self._rng = make_rng(None if seed is None else seed + 2)  # least-seen points in place of repeats
        self._engines: dict[int, Any] = {}
        self._lock = threading.Lock()

    def _point(self, dim: int, index: int) -> np.ndarray:
        with self._lock:
            engine = self._engines.get(dim)
            if engine is None or engine.num_generated > index:
                from scipy.stats import qmc  # imported here: scipy.stats costs most of `import parzen`

                engine_class = qmc.Sobol if self._qmc_type == "sobol" else qmc.Halton
                engine = engine_class(d=dim, scramble=self._scramble, seed=self._seed)
                self._engines[dim] = engine
            if engine.num_generated < index:
                engine.fast_forward(index - engine.num_generated)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return engine.random(1)[0]

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        from parzen.trial import TrialState

        for t in study.get_trials((TrialState.COMPLETE,)):
            return {n: d for n, d in t.distributions.items() if not d.is_single()}
        return {}

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        return self._fallback.sample_independent(study, trial, name, distribution)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        u = self._point(len(space), trial.number)
        params: dict[str, Any] = {}
        coordinate = dict(zip(space, u))
        for name, dist in walk_active(space, params):
            x = coordinate[name]
            if isinstance(dist, Categorical):
                params[name] = dist.choices[min(int(x * len(dist.choices)), len(dist.choices) - 1)]
            else:
                params[name] = dist.to_external(x)
        with self._lock:
            return least_seen(study, trial, space, params, None, self._rng)
