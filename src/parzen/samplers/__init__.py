"""Samplers: how parzen proposes the parameters of the next trial."""

from __future__ import annotations

from parzen.samplers._base import Sampler
from parzen.samplers.grid import GridSampler
from parzen.samplers.qmc import QMCSampler
from parzen.samplers.random import RandomSampler

__all__ = ["GridSampler", "QMCSampler", "RandomSampler", "Sampler", "default_sampler"]


def default_sampler(seed: int | None = None) -> Sampler:
    """The sampler a study uses when none is given."""
    return RandomSampler(seed=seed)
