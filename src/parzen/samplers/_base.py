"""The sampler interface: propose parameter values for a trial.

Samplers work in the shared internal encoding (see :mod:`parzen.space`) and return
user-facing values. Each sampler owns a ``numpy.random.Generator`` seeded from its ``seed``,
so the same seed and the same sequence of tells give the same suggestions.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen.space import Categorical, Distribution

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial, Trial


class Sampler(abc.ABC):
    """Base class of every sampler."""

    def before_trial(self, study: "Study", fixed_params: Mapping[str, Any]) -> dict[str, Any]:
        """Called before a trial starts; returns system attributes to attach to it.

        ``fixed_params`` are the values an enqueued trial brings (empty for a new trial).
        A sampler that hands out points shared between workers claims one here; it raises
        :class:`parzen.exceptions.SearchSpaceExhausted` when none is left.
        """
        return {}

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """The parameters this sampler wants to sample jointly in a define-by-run trial."""
        return {}

    @abc.abstractmethod
    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        """Values for the active parameters of ``space``.

        ``space`` is ordered so that every parent precedes the parameters conditioned on it;
        a parameter whose condition does not hold for the values chosen so far is left out.
        """

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        """Value of one parameter that falls outside the joint (relative) space.

        The caller has already decided that the parameter is active, so its condition is dropped.
        """
        return self.sample(study, trial, {name: distribution.with_condition(None)})[name]

    def after_trial(self, study: "Study", trial: "FrozenTrial") -> None:
        """Called when a trial finishes, with its final record."""


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"`seed` must be an int or None, got {seed!r}")
    return np.random.default_rng(seed)


def draw_uniform(dist: Distribution, rng: np.random.Generator) -> Any:
    """One value of ``dist`` drawn uniformly in its encoding: any choice alike, log-uniform for ``log=True``,
    every grid value alike for steps."""
    if isinstance(dist, Categorical):
        return dist.choices[int(rng.integers(len(dist.choices)))]
    return dist.to_external(float(rng.random()))
