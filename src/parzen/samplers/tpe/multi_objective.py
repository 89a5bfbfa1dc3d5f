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
"""

from __future__ import annotations

import numpy as np

from parzen.multi_objective.hypervolume_subset import exclusive_volume, hypervolume_subset
from parzen.multi_objective.pareto import fast_non_dominated_sort

_REFERENCE = 1.1  # reference point in normalized losses: just beyond the worst value of each objective
_MIN_WEIGHT = 1e-3  # relative weight of a good point that contributes no volume of its own (a duplicate)


def normalize_losses(losses: np.ndarray) -> np.ndarray:
    """Losses (n, m) scaled per objective to [0, 1] by their range, so that objectives weigh alike."""
    low, high = losses.min(axis=0), losses.max(axis=0)
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
    scaled = normalize_losses(losses)
    reference = np.full(scaled.shape[1], _REFERENCE)
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
            taken[members[_thin(scaled[members], room, reference)]] = True
    good = np.flatnonzero(taken)
    return good, _contribution_weights(scaled[good], reference)


def _thin(points: np.ndarray, size: int, reference: np.ndarray) -> np.ndarray:
    """Indices of the ``size`` rows of a front kept: greedy removal in 2-D, greedy inclusion beyond."""
    if points.shape[1] > 2:
        return hypervolume_subset(points, size, reference)
    keep = np.arange(len(points))
    while keep.size > size:
        keep = np.delete(keep, int(np.argmin(front_contributions_2d(points[keep], reference))))
    return keep


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


def _contribution_weights(good: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Weights proportional to each good point's exclusive hypervolume, floored, with mean 1."""
    share = np.array([exclusive_volume(good[i], np.delete(good, i, axis=0), reference)
                      for i in range(len(good))])
    top = share.max(initial=0.0)
    if not np.isfinite(top) or top <= 0:
        return np.ones(len(good))
    weights = np.maximum(share / top, _MIN_WEIGHT)
    return weights * (len(weights) / weights.sum())
