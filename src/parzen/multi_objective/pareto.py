"""Pareto dominance: the non-dominated set and the non-domination ranks of a point set.

Every function here works on minimization arrays (rows are points); :func:`to_minimization` turns
values of mixed directions into that form. Point ``q`` dominates ``p`` when ``q <= p`` in every
objective and ``q < p`` in at least one, so equal points never dominate each other and duplicates
share their rank.

Two objectives take a sort-based O(n log n) path (Kung, Luccio and Preparata 1975; Jensen 2003 for the
ranks). More objectives remove, vectorized, everything that the lexicographically smallest remaining
point dominates: that point is non-dominated, so each step costs one pass over the remaining points and
a front of ``m`` points costs ``m`` passes.
"""

from __future__ import annotations

import bisect
from typing import Sequence

import numpy as np

from parzen.trial import FrozenTrial

_ELIMINATION_STEPS = 256  # front points found one by one before the rest is settled in blocks
_BLOCK = 512  # rows compared at once by _dominated_by_earlier


def to_minimization(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """``values`` (n, m) with the objectives to maximize negated, so that smaller is better everywhere."""
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    return np.asarray(values, dtype=float) * signs


def non_dominated_mask(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of ``points`` (n, m) to minimize that no other row dominates."""
    points = np.asarray(points, dtype=float)
    if points.ndim != 2:
        raise ValueError(f"`points` must be a 2-D array (n_points, n_objectives), got shape {points.shape}")
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    unique, inverse = np.unique(points, axis=0, return_inverse=True)  # lexicographically sorted rows
    inverse = inverse.reshape(-1)
    if unique.shape[1] == 1:
        keep = np.zeros(len(unique), dtype=bool)
        keep[0] = True
    elif unique.shape[1] == 2:
        keep = _front_of_sorted_2d(unique)
    else:
        keep = _front_of_sorted_nd(unique)
    return keep[inverse]


def _front_of_sorted_2d(sorted_unique: np.ndarray) -> np.ndarray:
    """Front of distinct 2-D points sorted lexicographically: each must beat the best f2 before it.

    A point is dominated exactly when an earlier (lexicographically smaller, distinct) point has an
    f2 <= its own; the earlier points' minimum f2 decides that in one vectorized pass.
    """
    f2 = sorted_unique[:, 1]
    best_before = np.concatenate([[np.inf], np.minimum.accumulate(f2)[:-1]])
    return f2 < best_before


def _front_of_sorted_nd(sorted_unique: np.ndarray) -> np.ndarray:
    """Front of distinct points sorted lexicographically, by vectorized elimination.

    The first remaining point is never dominated by a later one (a dominator is lexicographically
    smaller), so it is on the front; everything it dominates is dropped. Once the survivors are few
    compared with the steps left, the rest is settled at once with :func:`_dominated_by_earlier`.
    """
    n = len(sorted_unique)
    keep = np.zeros(n, dtype=bool)
    remaining = np.arange(n)
    columns = sorted_unique.T
    for _ in range(_ELIMINATION_STEPS):
        if not remaining.size:
            return keep
        head = remaining[0]
        keep[head] = True
        rest = remaining[1:]
        # Distinct rows: head <= q everywhere implies head != q, so head dominates q.
        dominated = columns[0, rest] >= columns[0, head]
        for column in columns[1:]:
            dominated &= column[rest] >= column[head]
        remaining = rest[~dominated]
    keep[remaining] = ~_dominated_by_earlier(sorted_unique[remaining])
    return keep


def _dominated_by_earlier(points: np.ndarray) -> np.ndarray:
    """For distinct rows in lexicographic order: is some earlier row <= this one in every objective?

    Rows are compared block against block below the diagonal, one objective at a time, so each
    comparison is a contiguous 2-D array; the cost is O(n^2 m / 2) element operations.
    """
    n = len(points)
    out = np.zeros(n, dtype=bool)
    columns = points.T
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        below = columns[0, None, :hi] <= columns[0, lo:hi, None]  # (block, earlier and own)
        for column in columns[1:]:
            below &= column[None, :hi] <= column[lo:hi, None]
        below[:, lo:hi] &= np.tri(hi - lo, k=-1, dtype=bool)  # within the block only earlier rows
        out[lo:hi] = below.any(axis=1)
    return out


def fast_non_dominated_sort(points: np.ndarray, n_below: int | None = None) -> np.ndarray:
    """Non-domination rank (0 = Pareto front) of each row of ``points`` (n, m) to minimize.

    Front k holds the points that only points of fronts < k dominate (Deb et al. 2002, Sec. III-A).
    With ``n_below``, ranking stops once the fronts found hold at least ``n_below`` points; the rest
    get the rank after the last front found (NSGA-II and MOTPE only need the best ones).
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2:
        raise ValueError(f"`points` must be a 2-D array (n_points, n_objectives), got shape {points.shape}")
    n = len(points)
    limit = n if n_below is None else min(max(int(n_below), 0), n)
    if n == 0:
        return np.zeros(0, dtype=int)
    unique, inverse, counts = np.unique(points, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if unique.shape[1] == 1:
        ranks = np.arange(len(unique))
    elif unique.shape[1] == 2:
        ranks = _ranks_of_sorted_2d(unique)
    else:
        ranks = _ranks_of_sorted_nd(unique, counts, limit)
    if limit < n:  # cap the ranks beyond the fronts that cover ``limit`` points
        per_rank = np.bincount(ranks, weights=counts)
        last = int(np.searchsorted(np.cumsum(per_rank), limit))
        ranks = np.minimum(ranks, last + 1)
    return ranks[inverse]


def _ranks_of_sorted_2d(sorted_unique: np.ndarray) -> np.ndarray:
    """Ranks of distinct 2-D points in lexicographic order, O(n log n).

    Fronts are filled in sort order; a front's last member has the smallest f2 in it, and these tails
    increase with the rank, so a point joins the first front whose tail f2 is larger than its own
    (a binary search): every earlier front holds a point that dominates it, that front none.
    """
    tails: list[float] = []
    ranks = np.empty(len(sorted_unique), dtype=int)
    for i, f2 in enumerate(sorted_unique[:, 1].tolist()):
        k = bisect.bisect_right(tails, f2)
        if k == len(tails):
            tails.append(f2)
        else:
            tails[k] = f2
        ranks[i] = k
    return ranks


def _ranks_of_sorted_nd(sorted_unique: np.ndarray, counts: np.ndarray, limit: int) -> np.ndarray:
    """Ranks of distinct points by peeling one front after another; stops when ``limit`` are ranked."""
    n = len(sorted_unique)
    ranks = np.empty(n, dtype=int)
    remaining = np.arange(n)
    rank, ranked = 0, 0
    while remaining.size:
        if ranked >= limit:
            ranks[remaining] = rank
            break
        front = _front_of_sorted_nd(sorted_unique[remaining])
        ranks[remaining[front]] = rank
        ranked += int(counts[remaining[front]].sum())
        remaining = remaining[~front]
        rank += 1
    return ranks


def crowding_distance(losses: np.ndarray) -> np.ndarray:
    """Crowding distance of each point of one front (Deb et al. 2002, Sec. III-B).

    Per objective the points are sorted; the two ends get infinity and every other point the gap between
    its neighbours divided by the objective's range. The distances add up over the objectives.
    """
    n, m = losses.shape
    distance = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(m):
        order = np.argsort(losses[:, k], kind="stable")
        column = losses[order, k]
        span = column[-1] - column[0]
        distance[order[[0, -1]]] = np.inf
        if span > 0:
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance


def pareto_front_trials(trials: Sequence[FrozenTrial], directions: Sequence[str]) -> list[FrozenTrial]:
    """The trials whose values no other trial dominates, in trial-number order."""
    trials = [t for t in trials if t.values is not None]
    if not trials:
        return []
    values = to_minimization(np.array([t.values for t in trials], dtype=float), directions)
    mask = non_dominated_mask(values)
    return [t for t, keep in zip(trials, mask) if keep]
