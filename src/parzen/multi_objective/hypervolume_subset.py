"""Hypervolume subset selection: which k points of a front keep the most hypervolume together.

Choosing the best k-subset exactly is NP-hard in many objectives; greedy inclusion, adding each time
the point whose exclusive hypervolume against the points chosen so far is largest, is within a factor
1 - 1/e of it because the hypervolume is monotone and submodular (Guerreiro, Fonseca and Paquete 2016).
Gains can only shrink as the subset grows, so stale gains are upper bounds and a lazy greedy pass
recomputes few of them (Chen et al. 2020). Exclusive volumes use a vectorized grid hypervolume,
which is fast for the small point sets a sampler handles.
"""

from __future__ import annotations

import heapq
from typing import Callable

import numpy as np

from parzen.multi_objective.hypervolume import hypervolume

_MAX_GRID = 2_000_000  # largest (points x grid cells) array for the vectorized hypervolume


def hypervolume_subset(points: np.ndarray, size: int, reference: np.ndarray,
                       volume: Callable[[np.ndarray, np.ndarray, np.ndarray], float] | None = None) -> np.ndarray:
    """Indices of ``size`` rows of ``points`` (n, m) chosen by lazy greedy hypervolume inclusion.

    A heap holds an upper bound on each candidate's gain (at first its whole box); the top candidate's
    gain is recomputed against the current subset, and it is taken when it still beats every other
    bound. Ties go to the lower index, so the choice is deterministic. ``volume`` stands for
    :func:`exclusive_volume` (a caller may pass one that remembers values from an earlier selection).
    """
    volume = volume or exclusive_volume
    n = len(points)
    size = min(max(int(size), 0), n)
    heap = [(-_box_volume(points[i], reference), i) for i in range(n)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while len(chosen) < size:
        _, i = heapq.heappop(heap)
        gain = volume(points[i], points[chosen], reference)
        if not heap or gain >= -heap[0][0]:
            chosen.append(i)
        else:
            heapq.heappush(heap, (-gain, i))
    return np.array(chosen, dtype=int)


def exclusive_volume(point: np.ndarray, others: np.ndarray, reference: np.ndarray) -> float:
    """Volume that ``point`` dominates within the reference box and none of ``others`` (k, m) does.

    The part of the point's box that another point q covers is the box of max(q, point), so the
    exclusive part is the box minus the hypervolume of the others limited to it (While et al. 2012).
    """
    box = _box_volume(point, reference)
    if box == 0.0 or len(others) == 0:
        return box
    return max(box - _dominated_volume(np.maximum(others, point), reference), 0.0)


def _box_volume(point: np.ndarray, reference: np.ndarray) -> float:
    """Volume between ``point`` and the reference point (0 when it does not improve on it everywhere)."""
    return float(np.prod(np.maximum(reference - point, 0.0)))


def _dominated_volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume of ``points`` (k, m), computed on a grid over the first m - 1 objectives.

    The coordinates of the points cut the first m - 1 axes into cells; over a cell the dominated
    region reaches from the lowest last objective among the points that cover the cell up to the
    reference. One vectorized pass over (k, cells) replaces the slicing loops of the exact algorithm
    for the small sets MOTPE handles; larger sets go to :func:`parzen.multi_objective.hypervolume`.
    """
    k, m = points.shape
    clipped = np.minimum(points, reference)
    if k == 0:
        return 0.0
    if k ** m > _MAX_GRID:
        return hypervolume(clipped, reference)
    covers = np.ones((k,) + (1,) * (m - 1), dtype=bool)
    area: np.ndarray | float = 1.0
    for d in range(m - 1):
        edges = np.unique(np.append(clipped[:, d], reference[d]))
        shape = [1] * (m - 1)
        shape[d] = len(edges) - 1
        covers = covers & (clipped[:, d, None] <= edges[None, :-1]).reshape((k, *shape))
        area = area * np.diff(edges).reshape(shape)
    last = clipped[:, -1].reshape((k,) + (1,) * (m - 1))
    lowest = np.where(covers, last, reference[-1]).min(axis=0)
    return float(np.sum(area * (reference[-1] - lowest)))
