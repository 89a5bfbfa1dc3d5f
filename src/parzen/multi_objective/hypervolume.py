"""Hypervolume: the volume a point set dominates up to a reference point, and each point's share of it.

The hypervolume indicator (Zitzler and Thiele 1998) measures a Pareto front as one number. It is exact
here in every dimension:

- 2 objectives: a sweep over the front sorted by f1, a sum of rectangles, O(n log n);
- 3 objectives: slices along f3; each slice's area is the 2-D hypervolume of the points below it;
- more: WFG (While, Bradstreet and Barone 2012): the volume of a sorted front is the sum of each
  point's exclusive volume, its box minus the hypervolume of the later points "limited" by it
  (each taken as max(q, p)), recursing down to the 3-D case.

All functions take minimization arrays unless ``directions`` says otherwise.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from parzen.multi_objective.pareto import non_dominated_mask, to_minimization


def hypervolume(points: np.ndarray | Sequence[Sequence[float]], reference_point: np.ndarray | Sequence[float],
                directions: Sequence[str] | None = None) -> float:
    """Volume of the region dominated by ``points`` (n, m) and bounded by ``reference_point`` (m,).

    With ``directions`` ("minimize"/"maximize" per objective) maximized objectives count larger as
    better and the reference point is given in the same (unflipped) units. Points that do not strictly
    improve on the reference point in every objective add nothing.
    """
    pts, ref = _prepare(points, reference_point, directions)
    return _hypervolume(pts, ref)


def hypervolume_contributions(points: np.ndarray, reference_point: np.ndarray | Sequence[float],
                              directions: Sequence[str] | None = None) -> np.ndarray:
    """Exclusive hypervolume of each row: the volume lost if that row alone were removed.

    Only a point of the front can contribute; a duplicate contributes 0 (its twin still covers its
    box). A removed front point may uncover dominated points, which then count, so each contribution
    is the full hypervolume minus that of all the other points.
    """
    pts, ref = _as_arrays(np.asarray(points, dtype=float), reference_point, directions)
    out = np.zeros(len(pts))
    inside = np.flatnonzero(np.all(pts < ref, axis=1))
    if inside.size == 0:
        return out
    front = inside[non_dominated_mask(pts[inside])]
    total = _hypervolume(_front_of(pts[inside]), ref)
    for i in front:
        twins = np.all(pts[front] == pts[i], axis=1).sum()
        if twins == 1:
            others = pts[inside[inside != i]]
            out[i] = max(total - _hypervolume(_front_of(others), ref), 0.0)
    return out


def _front_of(pts: np.ndarray) -> np.ndarray:
    """The distinct non-dominated rows of ``pts``."""
    if len(pts) == 0:
        return pts
    return np.unique(pts[non_dominated_mask(pts)], axis=0)


def _as_arrays(points: np.ndarray, reference_point: np.ndarray | Sequence[float],
               directions: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    pts = np.asarray(points, dtype=float)
    ref = np.asarray(reference_point, dtype=float).reshape(-1)
    if pts.size == 0:
        pts = pts.reshape(0, ref.size)
    if pts.ndim != 2 or pts.shape[1] != ref.size:
        raise ValueError(f"`points` must be (n_points, {ref.size}) to match `reference_point`, got {pts.shape}")
    if not np.all(np.isfinite(ref)):
        raise ValueError(f"`reference_point` must be finite, got {ref.tolist()}")
    if np.isnan(pts).any():
        raise ValueError("`points` must not contain NaN")
    if directions is not None:
        if len(directions) != ref.size:
            raise ValueError(f"`directions` has {len(directions)} entries for {ref.size} objectives")
        pts = to_minimization(pts, directions)
        ref = to_minimization(ref[None, :], directions)[0]
    return pts, ref


def _prepare(points: np.ndarray | Sequence[Sequence[float]], reference_point: np.ndarray | Sequence[float],
             directions: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """Minimization arrays holding only the distinct non-dominated points inside the reference box."""
    pts, ref = _as_arrays(np.asarray(points, dtype=float), reference_point, directions)
    return _front_of(pts[np.all(pts < ref, axis=1)]), ref


def _hypervolume(front: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of distinct mutually non-dominated points strictly inside the reference box."""
    n, m = front.shape
    if n == 0:
        return 0.0
    if n == 1:
        return float(np.prod(ref - front[0]))
    if m == 1:
        return float(ref[0] - front[:, 0].min())
    if m == 2:
        return _hv2d(front, ref)
    if m == 3:
        return _hv3d(front, ref)
    return _wfg(front, ref)


def _hv2d(front: np.ndarray, ref: np.ndarray) -> float:
    """Sweep along f1: each point's column, up to the next f1, is covered below the best f2 so far.

    Works for any points inside the box, dominated ones included (they add nothing).
    """
    order = np.lexsort((front[:, 1], front[:, 0]))
    x, y = front[order, 0], front[order, 1]
    best = np.minimum.accumulate(y)
    right = np.append(x[1:], ref[0])
    return float(np.sum((right - x) * (ref[1] - best)))


def _hv3d(front: np.ndarray, ref: np.ndarray) -> float:
    """Slices along f3: between consecutive f3 levels the area is the 2-D hypervolume of the points below."""
    order = np.argsort(front[:, 2], kind="stable")
    pts = front[order]
    levels = np.append(pts[1:, 2], ref[2])
    volume = 0.0
    for i in range(len(pts)):
        depth = levels[i] - pts[i, 2]
        if depth > 0:
            volume += depth * _hv2d(pts[: i + 1, :2], ref[:2])
    return volume


def _wfg(front: np.ndarray, ref: np.ndarray) -> float:
    """WFG: sum of exclusive volumes, points sorted by the last objective (worst first helps pruning)."""
    pts = front[np.argsort(-front[:, -1], kind="stable")]
    volume = 0.0
    for i in range(len(pts)):
        p = pts[i]
        box = float(np.prod(ref - p))
        later = pts[i + 1:]
        if len(later):
            limited = np.maximum(later, p)
            box -= _hypervolume(_front_of(limited), ref)
        volume += box
    return volume
