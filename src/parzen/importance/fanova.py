"""Functional ANOVA on a random forest: the share of the loss's variance each parameter explains alone.

Hutter, Hoos and Leyton-Brown (2014), "An efficient approach for assessing hyperparameter importance".
A regression tree cuts the unit cube into leaf boxes, each with a constant prediction ``v_l``. Under the
uniform measure on the cube (the unit encoding gives every grid value and every choice an equal cell),
with ``V_l`` the volume of leaf ``l``:

    mean  f0 = sum_l V_l v_l,          total variance  V = sum_l V_l (v_l - f0)^2,
    marginal of x_d   a_d(x) = sum_{l : x in [lo_ld, hi_ld)} v_l V_l / (hi_ld - lo_ld),
    main effect of d  V_d = integral_0^1 (a_d(x) - f0)^2 dx,

where ``a_d`` is piecewise constant between the split points on ``d``, so the integral is an exact
sum. A parameter's importance is ``V_d / V`` averaged over the trees of the forest (Section 3 of the
paper). The forest is scikit-learn's ``RandomForestRegressor`` (an optional extra, imported here only).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from parzen._checks import check_int
from parzen.importance._base import ImportanceEvaluator


class FanovaImportanceEvaluator(ImportanceEvaluator):
    """fANOVA main effects on a scikit-learn random forest (``pip install 'parzen[importance]'``).

    ``n_trees``, ``max_depth`` and ``min_samples_leaf`` shape the forest; ``max_samples`` caps the
    trials each tree is fitted on (its bootstrap sample; None: as many as there are trials), which bounds
    the cost on long studies; ``seed`` fixes the bootstrap and split draws, so two calls with one seed
    give the same importances.
    """

    name = "fANOVA"

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, min_samples_leaf: int = 1,
                 max_samples: int | None = None, seed: int | None = None) -> None:
        self.n_trees = check_int("n_trees", n_trees, 1)
        self.max_depth = check_int("max_depth", max_depth, 1)
        self.min_samples_leaf = check_int("min_samples_leaf", min_samples_leaf, 1)
        self.max_samples = None if max_samples is None else check_int("max_samples", max_samples, 2)
        self.seed = None if seed is None else check_int("seed", seed, 0)

    def evaluate(self, x: np.ndarray, n_cells: Sequence[int], categorical: Sequence[bool], loss: np.ndarray,
                 columns: Sequence[int]) -> np.ndarray:
        forest = self.fit_forest(x, loss)
        fractions = [tree_main_effects(est.tree_, x.shape[1], columns) for est in forest.estimators_]
        kept = [f for f in fractions if f is not None]
        return np.mean(kept, axis=0) if kept else np.zeros(len(columns))

    def fit_forest(self, x: np.ndarray, loss: np.ndarray) -> Any:
        """The fitted ``RandomForestRegressor`` of ``loss`` on the unit-encoded ``x``."""
        try:
            from sklearn.ensemble import RandomForestRegressor
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "FanovaImportanceEvaluator needs scikit-learn: pip install 'parzen[importance]'"
            ) from exc
        max_samples = None if self.max_samples is None else min(self.max_samples, len(loss))
        forest = RandomForestRegressor(n_estimators=self.n_trees, max_depth=self.max_depth,
                                       min_samples_leaf=self.min_samples_leaf, max_samples=max_samples,
                                       random_state=self.seed)
        return forest.fit(x, loss)


def tree_main_effects(tree: Any, n_features: int, columns: Sequence[int]) -> np.ndarray | None:
    """``V_d / V`` of each column in ``columns`` for one fitted scikit-learn tree; None if it is constant."""
    lo, hi, value = leaf_boxes(tree, n_features)
    width = hi - lo
    volume = np.prod(width, axis=1)
    mean = float(volume @ value)
    total = float(volume @ (value - mean) ** 2)
    if total <= 0.0:
        return None
    out = np.empty(len(columns))
    for k, d in enumerate(columns):
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(width[:, d] > 0, volume / width[:, d], 0.0) * value
        edges = np.unique(np.concatenate([lo[:, d], hi[:, d]]))
        steps = np.bincount(np.searchsorted(edges, lo[:, d]), weight, len(edges))
        steps -= np.bincount(np.searchsorted(edges, hi[:, d]), weight, len(edges))
        marginal = np.cumsum(steps)[:-1]
        out[k] = float(np.diff(edges) @ (marginal - mean) ** 2) / total
    return out


def leaf_boxes(tree: Any, n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper corners (n_leaves, n_features) of each leaf's box in [0, 1]^d, and its value.

    Walks the tree one depth at a time: each child inherits its parent's box and narrows it on the
    split feature (left: below the threshold, right: above).
    """
    left, right = tree.children_left, tree.children_right
    feature, threshold = tree.feature, np.clip(tree.threshold, 0.0, 1.0)
    lo = np.zeros((tree.node_count, n_features))
    hi = np.ones((tree.node_count, n_features))
    frontier = np.array([0])
    while frontier.size:
        inner = frontier[left[frontier] >= 0]
        if not inner.size:
            break
        f, t, lft, rgt = feature[inner], threshold[inner], left[inner], right[inner]
        lo[lft], hi[lft], lo[rgt], hi[rgt] = lo[inner], hi[inner], lo[inner], hi[inner]
        hi[lft, f] = np.minimum(hi[lft, f], t)
        lo[rgt, f] = np.maximum(lo[rgt, f], t)
        frontier = np.concatenate([lft, rgt])
    leaves = np.flatnonzero(left < 0)
    return lo[leaves], hi[leaves], tree.value[leaves, 0, 0].astype(float)
