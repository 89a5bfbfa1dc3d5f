"""Pareto dominance and the non-dominated set of finished trials."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from parzen.trial import FrozenTrial


def _as_minimization(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    return values * signs


def non_dominated_mask(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of ``points`` (to minimize) that no other row dominates.

    Equal rows do not dominate each other, so duplicates on the front are all kept.
    """
    points = np.asarray(points, dtype=float)
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort(points.T[::-1])
    sorted_pts = points[order]
    keep = np.ones(n, dtype=bool)
    front: list[np.ndarray] = []
    for i, p in enumerate(sorted_pts):
        for q in front:
            if np.all(q <= p) and np.any(q < p):
                keep[i] = False
                break
        if keep[i]:
            front.append(p)
    mask = np.zeros(n, dtype=bool)
    mask[order] = keep
    return mask


def pareto_front_trials(trials: Sequence[FrozenTrial], directions: Sequence[str]) -> list[FrozenTrial]:
    """The trials whose values no other trial dominates, in trial-number order."""
    trials = [t for t in trials if t.values is not None]
    if not trials:
        return []
    values = _as_minimization(np.array([t.values for t in trials], dtype=float), directions)
    mask = non_dominated_mask(values)
    return [t for t, keep in zip(trials, mask) if keep]
