"""Samplers: how parzen proposes the parameters of the next trial."""

from __future__ import annotations

from parzen.samplers._base import Sampler
from parzen.samplers.grid import GridSampler
from parzen.samplers.qmc import QMCSampler
from parzen.samplers.random import RandomSampler

__all__ = ["CmaEsSampler", "GridSampler", "QMCSampler", "RandomSampler", "Sampler", "TPESampler",
           "default_sampler"]


def default_sampler(seed: int | None = None) -> Sampler:
    """The sampler a study uses when none is given: TPE, which starts with random trials."""
    from parzen.samplers.tpe import TPESampler

    return TPESampler(seed=seed)


def __getattr__(name: str):
    if name == "TPESampler":  # lazy: keeps scipy out of `import parzen`
        from parzen.samplers.tpe import TPESampler

        return TPESampler
    if name == "CmaEsSampler":  # lazy: the cmaes package is an optional extra
        from parzen.samplers.cmaes import CmaEsSampler

        return CmaEsSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
