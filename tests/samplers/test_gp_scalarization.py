"""ParEGO's scalarization: Pareto-compliant, normalized per objective, and reproducible from the seed."""

from __future__ import annotations

import numpy as np

from parzen.samplers.gp.scalarization import RHO, chebyshev_losses


def test_a_dominating_point_always_scalarizes_lower() -> None:
    rng = np.random.default_rng(0)
    points = rng.random((50, 3))
    for seed in range(20):
        s = chebyshev_losses(points, np.random.default_rng(seed))
        for i in range(50):
            for j in range(50):
                if np.all(points[i] <= points[j]) and np.any(points[i] < points[j]):
                    assert s[i] < s[j]


def test_objectives_are_normalized_before_weighting() -> None:
    losses = np.array([[0.0, 1000.0], [1.0, 0.0], [0.5, 500.0]])
    weights = np.random.default_rng(3).dirichlet(np.ones(2))
    s = chebyshev_losses(losses, np.random.default_rng(3))
    scaled = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]) * weights
    assert np.allclose(s, scaled.max(axis=1) + RHO * scaled.sum(axis=1))


def test_same_seed_same_weights_and_a_constant_objective_is_harmless() -> None:
    losses = np.array([[1.0, 2.0], [1.0, 3.0]])
    a = chebyshev_losses(losses, np.random.default_rng(7))
    b = chebyshev_losses(losses, np.random.default_rng(7))
    assert np.array_equal(a, b) and np.all(np.isfinite(a)) and a[0] < a[1]


def test_a_dominated_outlier_does_not_squeeze_the_front() -> None:
    front = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    with_outlier = np.vstack([front, [[100.0, 3.0]]])
    a = chebyshev_losses(front, np.random.default_rng(1))
    b = chebyshev_losses(with_outlier, np.random.default_rng(1))
    assert np.allclose(a, b[:3])  # the front is normalized by its own ideal and nadir points
    assert b[3] > b[:3].max()
