"""Hypervolume subset selection: exclusive volumes and the lazy greedy subset, on constructed fronts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from parzen.multi_objective import hypervolume
from parzen.multi_objective.hypervolume_subset import _dominated_volume, exclusive_volume, hypervolume_subset


@pytest.mark.parametrize("m", [2, 3, 4])
def test_grid_volume_matches_the_exact_hypervolume(m: int) -> None:
    rng = np.random.default_rng(m)
    reference = np.full(m, 1.1)
    for _ in range(50):
        points = rng.random((int(rng.integers(1, 15)), m)) * 1.3  # some beyond the reference point
        points[rng.random(len(points)) < 0.2] = points[0]  # and some duplicates
        assert _dominated_volume(points, reference) == pytest.approx(hypervolume(points, reference), abs=1e-12)


def test_exclusive_volume_of_constructed_points() -> None:
    reference = np.ones(3)
    corner = np.zeros(3)
    assert exclusive_volume(corner, np.zeros((0, 3)), reference) == pytest.approx(1.0)
    assert exclusive_volume(corner, np.array([[0.5, 0.5, 0.5]]), reference) == pytest.approx(0.875)
    assert exclusive_volume(corner, np.array([[0.5, 0.0, 0.0]]), reference) == pytest.approx(0.5)
    assert exclusive_volume(corner, np.array([corner]), reference) == 0.0  # a twin covers it all
    assert exclusive_volume(np.array([0.2, 0.2, 1.5]), np.zeros((0, 3)), reference) == 0.0  # beyond the box


def _plain_greedy(points: np.ndarray, size: int, reference: np.ndarray) -> list[int]:
    """Greedy inclusion without laziness, every gain from the exact hypervolume of the whole subset."""
    chosen: list[int] = []
    for _ in range(size):
        base = hypervolume(points[chosen], reference) if chosen else 0.0
        gains = [-1.0 if i in chosen else hypervolume(points[chosen + [i]], reference) - base
                 for i in range(len(points))]
        chosen.append(int(np.argmax(gains)))
    return chosen


def test_lazy_subset_is_the_greedy_subset_and_near_the_best() -> None:
    rng = np.random.default_rng(0)
    reference = np.full(3, 1.1)
    for _ in range(20):
        points = rng.random((9, 3))
        points /= np.linalg.norm(points, axis=1, keepdims=True)  # a spherical front, as in DTLZ2
        chosen = hypervolume_subset(points, 4, reference)
        assert sorted(chosen.tolist()) == sorted(_plain_greedy(points, 4, reference))
        best = max(hypervolume(points[list(c)], reference) for c in itertools.combinations(range(9), 4))
        assert hypervolume(points[chosen], reference) >= (1 - 1 / np.e) * best


def test_the_volume_function_is_the_one_given() -> None:
    """A ``volume`` that returns the same values chooses the same subset; one that gives the first choice no
    volume does not choose it."""
    rng = np.random.default_rng(1)
    reference = np.full(3, 1.1)
    points = rng.random((12, 3))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    seen: list[int] = []

    def counting(point: np.ndarray, others: np.ndarray, ref: np.ndarray) -> float:
        seen.append(len(others))
        return exclusive_volume(point, others, ref)

    assert hypervolume_subset(points, 5, reference, counting).tolist() == hypervolume_subset(points, 5, reference).tolist()
    assert seen and max(seen) == 4
    first = int(hypervolume_subset(points, 3, reference)[0])

    def shunning(point: np.ndarray, others: np.ndarray, ref: np.ndarray) -> float:
        return 0.0 if np.array_equal(point, points[first]) else exclusive_volume(point, others, ref)

    assert first not in hypervolume_subset(points, 3, reference, shunning).tolist()
