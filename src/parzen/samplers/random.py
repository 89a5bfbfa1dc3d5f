"""Random search: every parameter drawn independently and uniformly in its encoding."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from parzen.samplers._base import Sampler, draw_uniform, make_rng
from parzen.samplers._finite import FiniteSpace, least_seen
from parzen.samplers._history import record_finished, study_history
from parzen.space import Distribution, check_distribution, walk_active
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial


class RandomSampler(Sampler):
    """Uniform draws: log-uniform for ``log=True``, every grid value equally likely for steps.

    On a small finite space (only choices, integers and stepped floats, no conditions, at most
    4,096 points) a draw never lands on a point seen more often than
    another: every point is tried once before any twice, twice before any three times, and a point
    where a trial failed only after every other point. A define-by-run study whose finished trials
    share such a space is sampled over it jointly. Draws come from the sampler's own generator, so the
    same seed and the same tells give the same points.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._rng = make_rng(seed)
        self._lock = threading.Lock()

    def infer_relative_space(self, study: "Study", trial: "Trial") -> dict[str, Distribution]:
        """The space every COMPLETE trial shares, when it is small and finite (otherwise each value is drawn alone)."""
        shared = study_history(study).intersection((TrialState.COMPLETE,)) or {}
        return shared if FiniteSpace.of(shared) is not None else {}

    def after_trial(self, study: "Study", trial: FrozenTrial) -> None:
        """Record the finished trial now, so that the next ask finds the history up to date."""
        record_finished(study, trial)

    def sample(self, study: "Study", trial: "Trial", space: Mapping[str, Distribution]) -> dict[str, Any]:
        with self._lock:
            proposal = draw_space(space, self._rng)
            return least_seen(study, trial, space, proposal, lambda: draw_space(space, self._rng), self._rng)

    def sample_independent(self, study: "Study", trial: "Trial", name: str, distribution: Distribution) -> Any:
        """One value drawn alone (no rule against repeats: one parameter is not the point)."""
        with self._lock:
            return draw_uniform(distribution.with_condition(None), self._rng)


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
