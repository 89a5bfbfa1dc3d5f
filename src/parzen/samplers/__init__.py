"""Samplers: how parzen proposes the parameters of the next trial."""

from __future__ import annotations

from parzen._lazy import lazy_exports
from parzen.samplers._base import Sampler
from parzen.samplers.ensemble import EnsembleSampler
from parzen.samplers.exploration import ExplorationSampler
from parzen.samplers.grid import GridSampler
from parzen.samplers.qmc import QMCSampler
from parzen.samplers.random import RandomSampler

__all__ = ["AutoSampler", "CmaEsSampler", "EnsembleSampler", "ExplorationSampler", "GPSampler", "GridSampler", "NSGAIISampler", "QMCSampler",
           "RandomSampler", "Sampler", "TPESampler", "default_sampler"]


def default_sampler(seed: int | None = None) -> Sampler:
    """The sampler a study uses when none is given: :class:`AutoSampler` (GP, CMA-ES or TPE)."""
    from parzen.samplers.auto import AutoSampler

    return AutoSampler(seed=seed)


_LAZY = {  # imported on first use: they pull in scipy or the optional cmaes package
    "AutoSampler": "parzen.samplers.auto",
    "CmaEsSampler": "parzen.samplers.cmaes",
    "GPSampler": "parzen.samplers.gp",
    "NSGAIISampler": "parzen.samplers.nsga2",
    "TPESampler": "parzen.samplers.tpe",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
