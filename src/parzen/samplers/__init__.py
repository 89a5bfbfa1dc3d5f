"""Samplers: how parzen proposes the parameters of the next trial."""

from __future__ import annotations

from parzen.samplers._base import Sampler
from parzen.samplers.grid import GridSampler
from parzen.samplers.qmc import QMCSampler
from parzen.samplers.random import RandomSampler

__all__ = ["CmaEsSampler", "GPSampler", "GridSampler", "NSGAIISampler", "QMCSampler", "RandomSampler", "Sampler", "TPESampler",
           "default_sampler"]


def default_sampler(seed: int | None = None, n_objectives: int = 1) -> Sampler:
    """The sampler a study uses when none is given.

    One objective: TPE, which starts with random trials. Several objectives: the multi-objective
    TPE (MOTPE), which reached the highest median hypervolume in ``benchmarks/multi_objective.py``.
    """
    from parzen.samplers.tpe import TPESampler

    return TPESampler(seed=seed)


def __getattr__(name: str):
    if name == "TPESampler":  # lazy: keeps scipy out of `import parzen`
        from parzen.samplers.tpe import TPESampler

        return TPESampler
    if name == "NSGAIISampler":
        from parzen.samplers.nsga2 import NSGAIISampler

        return NSGAIISampler
    if name == "GPSampler":
        from parzen.samplers.gp import GPSampler

        return GPSampler
    if name == "CmaEsSampler":  # lazy: the cmaes package is an optional extra
        from parzen.samplers.cmaes import CmaEsSampler

        return CmaEsSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
