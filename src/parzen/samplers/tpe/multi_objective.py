"""The good/bad split of MOTPE: TPE for several objectives (Ozaki et al. 2020; 2022, JAIR).

With several objectives there is no single order to cut at gamma. MOTPE ranks trials by non-domination
(Ozaki et al. 2022, Sec. 4.1): whole fronts go to the good set while they fit, and the front that does
not fit is thinned by greedy hypervolume subset selection, dropping the point that adds least to the
hypervolume until the good set has the wanted size. With three or more objectives and a boundary front
of more than ``_MAX_GREEDY`` points, exact contributions cost too much per suggestion; the front is then
thinned by crowding distance (Deb et al. 2002), which also favours points that cover the front alone. Each good point is then weighted by its
hypervolume contribution within the good set (Ozaki et al. 2022, Sec. 4.2), so that l(x) leans towards
points that cover much of the front alone. Everything here works on arrays of losses to minimize.
"""

from __future__ import annotations

import numpy as np

from parzen.multi_objective.hypervolume import hypervolume_contributions
from parzen.multi_objective.pareto import crowding_distance, fast_non_dominated_sort

_REFERENCE = 1.1  # reference point in normalized losses: just beyond the worst value of each objective
_MAX_GREEDY = 32  # largest boundary front thinned by exact hypervolume contributions in 3+ objectives
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
            taken[_greedy_subset(scaled, members, room)] = True
    good = np.flatnonzero(taken)
    return good, _contribution_weights(scaled[good])


def _greedy_subset(scaled: np.ndarray, members: np.ndarray, size: int) -> np.ndarray:
    """``size`` of ``members`` kept by removing, one at a time, the one with the least contribution."""
    if scaled.shape[1] > 2 and members.size > _MAX_GREEDY:
        return members[np.argsort(-crowding_distance(scaled[members]), kind="stable")[:size]]
    keep = members.copy()
    reference = np.full(scaled.shape[1], _REFERENCE)
    while keep.size > size:
        share = hypervolume_contributions(scaled[keep], reference)
        keep = np.delete(keep, int(np.argmin(share)))
    return keep


def _contribution_weights(good: np.ndarray) -> np.ndarray:
    """Weights proportional to each good point's exclusive hypervolume, floored, with mean 1."""
    share = hypervolume_contributions(good, np.full(good.shape[1], _REFERENCE))
    top = share.max(initial=0.0)
    if not np.isfinite(top) or top <= 0:
        return np.ones(len(good))
    weights = np.maximum(share / top, _MIN_WEIGHT)
    return weights * (len(weights) / weights.sum())
