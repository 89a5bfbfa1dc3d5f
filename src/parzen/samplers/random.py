"""Random search: every parameter drawn independently and uniformly in its encoding."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen.samplers._base import Sampler, draw_uniform, make_rng
from parzen.space import Distribution, check_distribution, walk_active

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial


class RandomSampler(Sampler):
    """Uniform draws: log-uniform for ``log=True``, every grid value equally likely for steps."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = make_rng(seed)
        self._lock = threading.Lock()

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        with self._lock:
            return draw_space(space, self._rng)


def draw_space(space: Mapping[str, Distribution], rng: np.random.Generator) -> dict[str, Any]:
    """One uniform random point of ``space`` (its active parameters only), without a study.

    What :class:`RandomSampler` proposes, for callers that need a random point and have no study:
    the front doors' ``generate_params`` and random search, and exploration draws. ``space`` is
    ordered parents first (as :func:`parzen.space.validate_space` returns it); a bad definition
    raises before any draw, naming its parameter.
    """
    for name, dist in space.items():
        check_distribution(name, dist)
    params: dict[str, Any] = {}
    for name, dist in walk_active(space, params):
        params[name] = draw_uniform(dist, rng)
    return params


def fallback_sampler(seed: int | None, rng: np.random.Generator) -> RandomSampler:
    """The random sampler a model-based sampler falls back on (startup, parameters it does not model).

    Seeded from the owner's generator when the owner has a seed, so that its draws are reproducible too.
    """
    return RandomSampler(seed=None if seed is None else int(rng.integers(2**63)))
