"""Every parzen sampler passes ``parzen.testing.check_sampler``; a broken sampler fails it with a clear message."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
import pytest

import parzen
from parzen import Categorical, Int
from parzen.samplers import (
    AutoSampler,
    CmaEsSampler,
    GPSampler,
    GridSampler,
    NSGAIISampler,
    QMCSampler,
    RandomSampler,
    Sampler,
    TPESampler,
)
from parzen.space import Distribution
from parzen.testing import check_sampler
from parzen.testing.sampler import sampler_checks


def _grid_values(dist: Distribution) -> list[Any]:
    """A few values of ``dist`` for a grid: every choice, every int of a short range, 5 spread floats."""
    if isinstance(dist, Categorical):
        return list(dist.choices)
    if isinstance(dist, Int) and dist.n_cells() and dist.n_cells() <= 6:
        return [dist.grid_value(k) for k in range(dist.n_cells())]
    return list(dict.fromkeys(dist.to_external(u) for u in np.linspace(0.0, 1.0, 5)))


def _grid(seed: int, space: Mapping[str, Distribution]) -> GridSampler:
    return GridSampler({name: _grid_values(dist) for name, dist in space.items()}, seed=seed)


MAKERS: dict[str, Callable[..., parzen.Sampler]] = {
    "random": lambda seed: RandomSampler(seed=seed),
    "grid": _grid,
    "qmc": lambda seed: QMCSampler(seed=seed),
    "tpe": lambda seed: TPESampler(seed=seed, n_startup_trials=3),
    "gp": lambda seed: GPSampler(seed=seed, n_startup_trials=3),
    "cmaes": lambda seed: CmaEsSampler(seed=seed, popsize=4),
    "nsga2": lambda seed: NSGAIISampler(seed=seed, population_size=4),
    "auto": lambda seed: AutoSampler(seed=seed),
}


@pytest.mark.parametrize("check", sampler_checks())
@pytest.mark.parametrize("sampler", list(MAKERS))
def test_every_parzen_sampler_passes(sampler: str, check: str) -> None:
    check_sampler(MAKERS[sampler], n_trials=8, checks=[check])


class _OutOfRange(RandomSampler):
    def sample(self, study, trial, space):
        params = super().sample(study, trial, space)
        return {n: (v * 100 if isinstance(v, float) else v) for n, v in params.items()}


class _Unseeded(RandomSampler):
    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed=None)


class _Repeats(RandomSampler):
    def sample(self, study, trial, space):
        return {n: (d.to_external(0.5) if not isinstance(d, Categorical) else d.choices[0]) for n, d in space.items()
                if d.when is None}

    def sample_independent(self, study, trial, name, distribution):
        return distribution.to_external(0.5)


@pytest.mark.parametrize("make, check, message", [
    (_OutOfRange, "valid values", "is not a value of"),
    (_Unseeded, "reproducible", "two samplers with seed 3"),
    (_Repeats, "failed trials", "repeats the point"),
])
def test_a_broken_sampler_fails_the_check_that_names_its_fault(make, check, message) -> None:
    with pytest.raises(AssertionError, match=f"check_sampler: {check}: .*{message}"):
        check_sampler(make, n_trials=6, checks=[check])


def test_bad_arguments_are_refused_before_any_check_runs() -> None:
    with pytest.raises(TypeError, match="make_sampler"):
        check_sampler(RandomSampler(seed=0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_trials"):
        check_sampler(RandomSampler, n_trials=2)
    with pytest.raises(ValueError, match="unknown check"):
        check_sampler(RandomSampler, checks=["speed"])


class _PlugIn(Sampler):
    """A plug-in as a user writes one: its own class, delegating to a random sampler."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = RandomSampler(seed=seed)

    def sample(self, study, trial, space):
        return self._random.sample(study, trial, space)


def test_a_plug_in_sampler_passes_every_check() -> None:
    check_sampler(_PlugIn, n_trials=6)
