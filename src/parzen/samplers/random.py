"""Random search: every parameter drawn independently and uniformly in its encoding."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Mapping

from parzen.samplers._base import Sampler, make_rng
from parzen.space import Categorical, Distribution

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial


class RandomSampler(Sampler):
    """Uniform draws: log-uniform for ``log=True``, every grid value equally likely for steps."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = make_rng(seed)
        self._lock = threading.Lock()

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        with self._lock:
            for name, dist in space.items():
                if dist.when is not None and not dist.when.is_met(params):
                    continue
                if isinstance(dist, Categorical):
                    params[name] = dist.choices[int(self._rng.integers(len(dist.choices)))]
                else:
                    params[name] = dist.to_external(self._rng.random())
        return params
