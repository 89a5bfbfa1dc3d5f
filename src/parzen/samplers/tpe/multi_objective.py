"""The good/bad split of MOTPE: TPE for several objectives (Ozaki et al. 2020; 2022, JAIR).

With several objectives there is no single order to cut at gamma. MOTPE ranks trials by non-domination
(Ozaki et al. 2022, Sec. 4.1): whole fronts go to the good set while they fit, and the front that does
not fit is thinned by greedy hypervolume subset selection. With two objectives every point's
contribution costs little, so the front is thinned by removal: the point that adds least goes, one at
a time. With three or more, a removal pass would need the exclusive volume of every point of a front
that often holds dozens, so the subset is built by lazy greedy inclusion instead
(:mod:`parzen.multi_objective.hypervolume_subset`). Each good point is then weighted by its hypervolume
contribution within the good set (Ozaki et al. 2022, Sec. 4.2), so that l(x) leans towards points that
cover much of the front alone. Everything here works on arrays of losses to minimize.

In a long study only few trials can be in the good set: a trial that ``n_good`` others dominate lies
behind fronts that already hold ``n_good`` trials. :class:`ParetoCandidates` keeps each feasible trial's
number of dominators as trials finish, so that an ask sorts only the trials with fewer than ``n_good``
dominators instead of the whole history; the split is the same, bit for bit (see its docstring).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from parzen.multi_objective.hypervolume_subset import exclusive_volume, hypervolume_subset
from parzen.multi_objective.pareto import fast_non_dominated_sort

_REFERENCE = 1.1  # reference point in normalized losses: just beyond the worst value of each objective
_MIN_WEIGHT = 1e-3  # relative weight of a good point that contributes no volume of its own (a duplicate)
_BLOCK = 256  # new losses compared with all others at once when dominators are counted
_DIRECT_MIN = 8  # fronts from this size on look for their least contributor in one pass first


def normalize_losses(losses: np.ndarray) -> np.ndarray:
    """Losses (n, m) scaled per objective to [0, 1] by their range, so that objectives weigh alike."""
    return _scale(losses, losses.min(axis=0), losses.max(axis=0))


def _scale(losses: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``losses`` mapped by (loss - low) / (high - low) per objective (a span of 1 where high == low)."""
    span = np.where(high > low, high - low, 1.0)
    return (losses - low) / span


def split_good(losses: np.ndarray, n_good: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``n_good`` good rows of ``losses`` (n, m) and their weights (mean 1).

    Rows are ranked by non-domination; ties on the boundary front are broken by greedy hypervolume
    subset selection in normalized losses.
    """
    n = losses.shape[0]
    n_good = min(max(int(n_good), 0), n)
    if n_good == 0:
        return np.zeros(0, dtype=int), np.zeros(0)
    return _split_scaled(normalize_losses(losses), n_good)


def _split_scaled(scaled: np.ndarray, n_good: int, thin: Callable[..., np.ndarray] | None = None,
                  weigh: Callable[..., np.ndarray] | None = None,
                  ranks: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`split_good` of normalized losses, 0 < ``n_good`` <= their number; ``thin`` and ``weigh`` stand
    for :func:`_thin` and :func:`_contribution_weights` (e.g. remembering their last result), ``ranks`` for
    the non-domination ranks where they are known."""
    thin, weigh = thin or _thin, weigh or _contribution_weights
    n = scaled.shape[0]
    reference = np.full(scaled.shape[1], _REFERENCE)
    if ranks is None:
        ranks = fast_non_dominated_sort(scaled, n_below=n_good)
    taken = np.zeros(n, dtype=bool)
    for rank in range(int(ranks.max()) + 1):
        members = np.flatnonzero(ranks == rank)
        room = n_good - int(taken.sum())
        if room <= 0:
            break
        if members.size <= room:
            taken[members] = True
        else:
            taken[members[thin(scaled[members], room, reference)]] = True
    good = np.flatnonzero(taken)
    return good, weigh(scaled[good], reference)


def _thin(points: np.ndarray, size: int, reference: np.ndarray,
          volume: Callable[[np.ndarray, np.ndarray, np.ndarray], float] = exclusive_volume) -> np.ndarray:
    """Indices of the ``size`` rows of a front kept: greedy removal in 2-D, greedy inclusion beyond (with
    ``volume`` as :func:`~parzen.multi_objective.hypervolume_subset.exclusive_volume`)."""
    if points.shape[1] > 2:
        return hypervolume_subset(points, size, reference, volume)
    keep = np.arange(len(points))
    while keep.size > size:
        keep = np.delete(keep, _least_contributor_2d(points[keep], reference))
    return keep


def _least_contributor_2d(front: np.ndarray, reference: np.ndarray) -> int:
    """``argmin(front_contributions_2d(front, reference))``, from one O(n) pass where that pass decides it.

    Sorted by f1, the k-th point of a 2-D front adds (next f1 - f1) * (previous f2 - f2). The differences of
    sums that :func:`front_contributions_2d` returns stay within (2n + 10) roundings of the hypervolume of
    these products; ``margin`` allows 8 (n + 8). When the smallest product undercuts the next one by more
    than twice the margin, both pick the same point; otherwise (near ties, twins, small fronts, values that
    are not finite) the full computation decides.
    """
    n = len(front)
    if n >= _DIRECT_MIN:
        order = np.lexsort((front[:, 1], front[:, 0]))
        x, y = front[order, 0], front[order, 1]
        gain = (np.append(x[1:], reference[0]) - x) * (np.concatenate([[reference[1]], y[:-1]]) - y)
        total = float(np.sum((np.append(x[1:], reference[0]) - x) * (reference[1] - y)))
        smallest = np.partition(gain, 1)[:2]
        margin = 8.0 * (n + 8) * np.finfo(float).eps * total
        if np.isfinite(gain).all() and np.isfinite(margin) and smallest[1] - smallest[0] > 2.0 * margin:
            return int(order[int(np.argmin(gain))])
    return int(np.argmin(front_contributions_2d(front, reference)))


def front_contributions_2d(front: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """:func:`~parzen.multi_objective.hypervolume.hypervolume_contributions` of a 2-D front (rows that do
    not dominate each other, all inside the reference box), from one sweep instead of one per point.

    With the distinct points sorted by f1 (so f2 falls), the hypervolume is a sum of rectangles, one per
    point: (next f1 - f1) * (reference f2 - f2). Without the k-th point, only the rectangle of the point
    before it widens, to the f1 of the point after it; the others stay. Each contribution is the full
    sum minus the sum without that point, each sum taken over the same terms in the same order as a
    sweep over the remaining points takes it, so the values are those of the general function.
    A point with a twin contributes 0.
    """
    out = np.zeros(len(front))
    if not len(front):
        return out
    distinct, inverse, twins = np.unique(front, axis=0, return_inverse=True, return_counts=True)
    x, y = distinct[:, 0], distinct[:, 1]
    u = len(distinct)
    if u == 1:
        total = float(np.prod(reference - distinct[0]))
        without = np.zeros(1)
    else:
        terms = (np.append(x[1:], reference[0]) - x) * (reference[1] - y)
        total = float(np.sum(terms))
        without = np.empty(u)
        if u == 2:  # one point left: its box
            without[0], without[1] = float(np.prod(reference - distinct[1])), float(np.prod(reference - distinct[0]))
        else:
            rows = np.broadcast_to(terms, (u, u)).copy()
            k = np.arange(1, u)
            right = np.append(x[2:], reference[0])  # the f1 after the removed point
            rows[k, k - 1] = (right - x[:-1]) * (reference[1] - y[:-1])
            kept = ~np.eye(u, dtype=bool)
            without = rows[kept].reshape(u, u - 1).sum(axis=1)
    single = twins[inverse.reshape(-1)] == 1
    out[single] = np.maximum(total - without[inverse.reshape(-1)][single], 0.0)
    return out


def _contribution_weights(good: np.ndarray, reference: np.ndarray,
                          volume: Callable[[np.ndarray, np.ndarray, np.ndarray], float] = exclusive_volume
                          ) -> np.ndarray:
    """Weights proportional to each good point's exclusive hypervolume (``volume``), floored, with mean 1."""
    share = np.array([volume(good[i], np.delete(good, i, axis=0), reference)
                      for i in range(len(good))])
    top = share.max(initial=0.0)
    if not np.isfinite(top) or top <= 0:
        return np.ones(len(good))
    weights = np.maximum(share / top, _MIN_WEIGHT)
    return weights * (len(weights) / weights.sum())


class ParetoCandidates:
    """The feasible COMPLETE losses of one study with each one's number of dominators, kept as trials finish.

    A trial in one of the fronts that :func:`split_good` takes has all its dominators in the fronts before,
    which hold fewer than ``n_good`` trials; so the trials with fewer than ``n_good`` dominators (a set that
    holds every dominator of its members) rank exactly as in the whole history up to the last front taken.
    :meth:`split` sorts only them, scaled by the range of all losses as :func:`split_good` scales them; only
    the trials without a dominator (the Pareto front) where these alone are at least ``n_good``.

    Dominators are counted on the raw losses and the split compares scaled ones; the two orders agree as
    long as the scaling keeps distinct values of each objective distinct, which :meth:`split` checks on
    every objective's sorted values (rounding can merge two values a few ulps apart). Where it does not,
    or where a loss is not finite, the split falls back to :func:`split_good` of the whole history.
    """

    def __init__(self, n_objectives: int) -> None:
        self.n = 0  # losses taken in
        self._losses = np.empty((64, n_objectives))
        self._dominators = np.zeros(64, dtype=np.int64)
        self._sorted = [np.empty(0) for _ in range(n_objectives)]  # each objective's values, ascending
        self._finite = True
        self._low, self._high = np.full(n_objectives, np.inf), np.full(n_objectives, -np.inf)  # of all losses
        self._volumes = _RememberedVolumes()
        self._thin, self._weigh = _LastCall(self._thin_anew), _LastCall(self._weigh_anew)

    def add(self, losses: np.ndarray) -> None:
        """Take in the losses (k, m) of trials that finished feasible, in history order."""
        losses = np.asarray(losses, dtype=float).reshape(-1, self._losses.shape[1])
        k = len(losses)
        if not k:
            return
        start, end = self.n, self.n + k
        if end > len(self._losses):
            capacity = max(2 * len(self._losses), end)
            grown = np.empty((capacity, self._losses.shape[1]))
            grown[:start] = self._losses[:start]
            self._losses = grown
            self._dominators = np.resize(self._dominators, capacity)
        self._losses[start:end] = losses
        self._dominators[start:end] = 0
        self._finite = self._finite and bool(np.isfinite(losses).all())
        self._low = np.minimum(self._low, losses.min(axis=0))
        self._high = np.maximum(self._high, losses.max(axis=0))
        for j, column in enumerate(np.sort(losses, axis=0).T):
            self._sorted[j] = np.insert(self._sorted[j], np.searchsorted(self._sorted[j], column), column)
        for lo in range(start, end, _BLOCK):
            hi = min(lo + _BLOCK, end)
            self._count(lo, hi, end, start)
        self.n = end

    def _count(self, lo: int, hi: int, end: int, start: int) -> None:
        """Count the dominators of new rows ``lo:hi`` among all rows ``:end``, and add those new rows to the
        counts of the rows taken in before (``:start``) that they dominate.

        Row j dominates row i when it is nowhere worse and not equal. Objectives are compared one at a
        time on (new, every) arrays.
        """
        columns = self._losses[:end].T
        no_worse = no_better = None  # [i, j]: row j <= new row i everywhere; new row i <= row j everywhere
        for column in columns:
            new, every = column[lo:hi, None], column[None, :end]
            le, ge = every <= new, every >= new
            no_worse = le if no_worse is None else no_worse & le
            no_better = ge if no_better is None else no_better & ge
        assert no_worse is not None and no_better is not None
        equal = no_worse & no_better
        self._dominators[lo:hi] += (no_worse & ~equal).sum(axis=1)
        self._dominators[:start] += (no_better[:, :start] & ~equal[:, :start]).sum(axis=0)

    def split(self, n_good: int) -> tuple[np.ndarray, np.ndarray]:
        """:func:`split_good` of every loss taken in: positions (in the order taken in) and weights."""
        losses = self._losses[:self.n]
        n_good = min(max(int(n_good), 0), self.n)
        if n_good == 0:
            return np.zeros(0, dtype=int), np.zeros(0)
        low, high = self._low, self._high
        if not self._finite or not self._scaling_keeps_order(low, high):
            return split_good(losses, n_good)
        dominators = self._dominators[:self.n]
        candidates = np.flatnonzero(dominators == 0)  # the Pareto front: all that is needed when it is long
        ranks: np.ndarray | None = np.zeros(candidates.size, dtype=int)  # non-dominated, also once scaled
        if candidates.size < n_good:
            candidates, ranks = np.flatnonzero(dominators < n_good), None
        chosen, weights = _split_scaled(_scale(losses[candidates], low, high), n_good, self._thin, self._weigh,
                                        ranks)
        return candidates[chosen], weights.copy()

    def _thin_anew(self, points: np.ndarray, size: int, reference: np.ndarray) -> np.ndarray:
        """:func:`_thin` of a front that changed: exclusive volumes of the last thinning are looked up."""
        self._volumes.new_round()
        return _thin(points, size, reference, self._volumes)

    def _weigh_anew(self, good: np.ndarray, reference: np.ndarray) -> np.ndarray:
        return _contribution_weights(good, reference, self._volumes)

    def _scaling_keeps_order(self, low: np.ndarray, high: np.ndarray) -> bool:
        """Whether scaling by ``low`` and ``high`` maps each objective's distinct values to distinct values."""
        for j, values in enumerate(self._sorted):
            scaled = _scale(values, low[j], high[j])
            if not np.all((scaled[1:] > scaled[:-1]) | (values[1:] == values[:-1])):
                return False
        return True


class _LastCall:
    """A function of arrays whose last result is returned again, uncomputed, for bit-identical arguments.

    In a long study the boundary front and the good set change only when a trial lands among them, so
    successive asks mostly thin the same front and weigh the same good points.
    """

    def __init__(self, function: Callable[..., np.ndarray]) -> None:
        self._function = function
        self._key: tuple | None = None
        self._value = np.zeros(0)

    def __call__(self, *args: Any) -> np.ndarray:
        key = tuple((a.shape, a.tobytes()) if isinstance(a, np.ndarray) else a for a in args)
        if key != self._key:
            self._key, self._value = key, self._function(*args)
        return self._value


class _RememberedVolumes:
    """:func:`~parzen.multi_objective.hypervolume_subset.exclusive_volume` that returns the value of an earlier
    call with bit-identical arguments, from this round or the one before.

    When one trial joins a long front of three or more objectives, the greedy selection mostly repeats the
    steps of the last one: the same points measured against the same chosen points. Two rounds are kept,
    so memory stays that of two selections.
    """

    def __init__(self) -> None:
        self._now: dict[tuple, float] = {}
        self._before: dict[tuple, float] = {}

    def new_round(self) -> None:
        self._before, self._now = self._now, {}

    def __call__(self, point: np.ndarray, others: np.ndarray, reference: np.ndarray) -> float:
        key = (point.tobytes(), others.shape, others.tobytes(), reference.tobytes())
        value = self._now.get(key)
        if value is None:
            value = self._before.get(key)
            if value is None:
                value = exclusive_volume(point, others, reference)
            self._now[key] = value
        return value
