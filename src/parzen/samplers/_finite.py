"""No repeats on a small finite space: the one rule of the samplers that search by drawing points.

A space is *finite* when none of its parameters is conditional and each takes finitely many values
(a Categorical, an Int, a stepped Float, or a single value); it is *small* when it holds at most
:data:`MAX_POINTS` points. On such a space a proposal stands when no point of the space has been
seen fewer times; otherwise the sampler draws again, a bounded number of times, and then takes one
of the least-seen points, chosen by its own random generator. So every point runs once before any
twice, twice before any three times. A point is *seen* once per trial of the study that holds it
(finished in any state, or running), each value read in the distribution sampled from now (a value
a changed range no longer holds counts nowhere). A point where a trial failed counts as seen more
often than any point where none did: it comes back only once every other point has failed too.
The counts depend only on the study's trials, so the same seed and tells give the same suggestions.

Samplers that learn where the good points are (CMA-ES, NSGA-II) take the rule only until every
point has been seen (``until_covered``): from then on their proposals stand, so that they return to
the points they rank best (which only a noisy objective makes worth re-running) instead of cycling
evenly through the space, except a point where every trial failed while others did not. Random
and low-discrepancy samplers, which learn nothing, keep covering the space evenly. TPE applies its
own form of the first rule (every point before any twice) to its candidates.
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from parzen.samplers._history import StudyHistory, study_history
from parzen.space import Categorical, Distribution, Int
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

MAX_POINTS = 4096
"""The largest space the rule applies to: counting seen points stays cheap (one array of this size)."""

REDRAWS = 32
"""How many further proposals a sampler makes before it takes a least-seen point itself."""


def _n_values(dist: Distribution) -> int:
    """How many values ``dist`` takes; 0 when it is continuous."""
    if dist.is_single():
        return 1
    if isinstance(dist, Categorical):
        return len(dist.choices)
    cells = dist.n_cells()
    if cells > 0:
        return cells
    if isinstance(dist, Int):  # a log-scaled Int: finite, with cells of unequal width in the encoding
        return (int(dist.high) - int(dist.low)) // int(dist.step) + 1
    return 0


class FiniteSpace:
    """The points of a small finite space, numbered row-major over its parameters in their order."""

    def __init__(self, space: Mapping[str, Distribution], sizes: list[int]) -> None:
        self.names = list(space)
        self.dists = list(space.values())
        self.sizes = sizes
        self.n_points = math.prod(sizes)
        self.key = "\n".join(f"{name}:{dist.describe()}" for name, dist in space.items())

    @classmethod
    def of(cls, space: Mapping[str, Distribution]) -> "FiniteSpace | None":
        """The finite space of ``space``; None when it is empty, conditional, continuous or too large."""
        if not space or any(d.when is not None for d in space.values()):
            return None
        sizes = [_n_values(d) for d in space.values()]
        if 0 in sizes or math.prod(sizes) > MAX_POINTS:
            return None
        return cls(space, sizes)

    def _value_index(self, dist: Distribution, size: int, value: Any) -> int | None:
        u = dist.encode(value)
        if math.isnan(u):
            return None
        if size == 1:
            return 0
        if isinstance(dist, Categorical):
            return int(u)
        if dist.n_cells() > 0:
            return min(int(u * size), size - 1)
        assert isinstance(dist, Int)  # a log-scaled Int (see _n_values)
        return (int(value) - int(dist.low)) // int(dist.step)

    def index(self, params: Mapping[str, Any]) -> int | None:
        """The number of the point ``params`` holds; None when a value is missing or outside the space."""
        flat = 0
        for name, dist, size in zip(self.names, self.dists, self.sizes):
            if name not in params:
                return None
            i = self._value_index(dist, size, params[name])
            if i is None:
                return None
            flat = flat * size + i
        return flat

    def point(self, flat: int) -> dict[str, Any]:
        """The parameter values of point number ``flat``."""
        indices = []
        for size in reversed(self.sizes):
            flat, i = divmod(flat, size)
            indices.append(i)
        out: dict[str, Any] = {}
        for name, dist, size, i in zip(self.names, self.dists, self.sizes, reversed(indices)):
            if isinstance(dist, Categorical):
                out[name] = dist.choices[i]
            elif size == 1 or dist.n_cells() > 0:
                out[name] = dist.to_external((i + 0.5) / size)
            else:
                assert isinstance(dist, Int)
                out[name] = int(dist.low) + i * int(dist.step)
        return out


class _Counts:
    """How often each point was seen among a history's finished trials, extended as rows arrive."""

    def __init__(self, n_points: int) -> None:
        self.rows = 0
        self.seen = np.zeros(n_points, dtype=np.int64)
        self.failed = np.zeros(n_points, dtype=bool)
        self.running: dict[int, int] = {}  # trial id -> point, for running trials that hold a whole point

    def update(self, finite: FiniteSpace, history: StudyHistory) -> None:
        for trial in history.trials[self.rows:]:
            flat = finite.index(trial.params)
            if flat is not None:
                self.seen[flat] += 1
                self.failed[flat] |= trial.state == TrialState.FAIL
        self.rows = history.n


_COUNTS: weakref.WeakKeyDictionary[StudyHistory, dict[str, _Counts]] = weakref.WeakKeyDictionary()
_COUNTS_LOCK = threading.Lock()


def _seen_and_failed(study: "Study", finite: FiniteSpace) -> tuple[np.ndarray, np.ndarray]:
    """How many trials hold each point (running ones included), and whether one of them failed."""
    history = study_history(study)
    with _COUNTS_LOCK:
        per_space = _COUNTS.setdefault(history, {})
        counts = per_space.get(finite.key)
        if counts is None:
            counts = per_space[finite.key] = _Counts(finite.n_points)
        counts.update(finite, history)
        seen, failed, known = counts.seen.copy(), counts.failed.copy(), counts.running
    # Every running trial, this one included: it holds no whole point of ``space`` while being sampled.
    running: list[FrozenTrial] = study.get_trials((TrialState.RUNNING,))
    points: dict[int, int] = {}
    for other in running:  # a running trial's point, once whole, does not change: each is read once
        flat = known.get(other.trial_id)
        if flat is None:
            flat = finite.index(other.params)
        if flat is not None:
            points[other.trial_id] = flat
    with _COUNTS_LOCK:
        counts.running = points
    if points:
        np.add.at(seen, np.fromiter(points.values(), dtype=np.int64, count=len(points)), 1)
    return seen, failed


def least_seen(study: "Study", trial: "Trial", space: Mapping[str, Distribution], proposal: dict[str, Any],
               redraw: Callable[[], dict[str, Any]] | None, rng: np.random.Generator,
               until_covered: bool = False) -> dict[str, Any]:
    """``proposal``, or on a small finite space not yet evenly covered a point seen least often.

    ``redraw`` makes a further proposal of the sampler (up to :data:`REDRAWS` of them; None for a
    sampler whose proposal cannot change, such as a low-discrepancy sequence); when none is among the
    least seen, one of those is drawn with ``rng``. With ``until_covered``, once every point has been
    seen a proposal stands unless every trial at its point failed while some other point has none
    that did. Parameters fixed by an enqueued trial keep their values.
    """
    finite = FiniteSpace.of(space)
    if finite is None or trial.system_attrs.get("fixed_params"):
        return proposal
    seen, failed = _seen_and_failed(study, finite)
    counts = seen + failed * (int(seen.sum()) + 1)  # a failed point counts as seen more than any other
    fewest = counts.min()
    if until_covered and seen.min() > 0:
        acceptable = ~failed if not failed.all() else np.ones_like(failed)
    else:
        acceptable = counts == fewest

    def is_least_seen(params: Mapping[str, Any]) -> bool:
        flat = finite.index(params)
        return flat is not None and bool(acceptable[flat])

    if is_least_seen(proposal):
        return proposal
    for _ in range(REDRAWS if redraw is not None else 0):
        assert redraw is not None
        candidate = redraw()
        if is_least_seen(candidate):
            return candidate
    return finite.point(int(rng.choice(np.flatnonzero(counts == fewest))))
