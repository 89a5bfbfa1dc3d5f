"""Hypervolume: exact on known fronts in 2-D to 4-D, checked against inclusion-exclusion."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parzen.multi_objective import fast_non_dominated_sort, hypervolume, hypervolume_contributions, non_dominated_mask


def _inclusion_exclusion(points: np.ndarray, ref: np.ndarray) -> float:
    """Volume of the union of boxes [p, ref] by inclusion-exclusion over all subsets (small sets only)."""
    total = 0.0
    for k in range(1, len(points) + 1):
        for subset in itertools.combinations(range(len(points)), k):
            corner = points[list(subset)].max(axis=0)
            total += (-1) ** (k + 1) * np.prod(np.maximum(ref - corner, 0.0))
    return total


def test_known_fronts() -> None:
    assert hypervolume([[1.0, 2.0], [2.0, 1.0]], [3.0, 3.0]) == pytest.approx(3.0)
    assert hypervolume([[0.0, 0.0, 0.0]], [1.0, 2.0, 3.0]) == pytest.approx(6.0)
    # three corners of the cube [0, 2]^3, each missing a unit slab: only [1, 2]^3 stays uncovered
    cube = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert hypervolume(cube, [2.0, 2.0, 2.0]) == pytest.approx(_inclusion_exclusion(np.array(cube), np.full(3, 2.0)))
    assert hypervolume(cube, [2.0, 2.0, 2.0]) == pytest.approx(7.0)
    four = np.eye(4)
    assert hypervolume(four, np.full(4, 2.0)) == pytest.approx(_inclusion_exclusion(four, np.full(4, 2.0)))
    assert hypervolume(four, np.full(4, 2.0)) == pytest.approx(15.0)


def test_duplicates_dominated_and_outside_points_add_nothing() -> None:
    base = hypervolume([[1.0, 2.0], [2.0, 1.0]], [3.0, 3.0])
    assert hypervolume([[1.0, 2.0], [2.0, 1.0], [1.0, 2.0], [2.5, 2.5], [4.0, 0.0]], [3.0, 3.0]) == pytest.approx(base)
    assert hypervolume(np.zeros((0, 3)), [1.0, 1.0, 1.0]) == 0.0


def test_directions_flip_maximized_objectives() -> None:
    assert hypervolume([[1.0, 8.0]], [3.0, 5.0], directions=["minimize", "maximize"]) == pytest.approx(6.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5).flatmap(lambda m: st.lists(st.lists(st.integers(0, 4).map(float), min_size=m, max_size=m),
                                                       min_size=1, max_size=8)))
def test_matches_inclusion_exclusion(rows: list) -> None:
    points = np.array(rows)
    ref = np.full(points.shape[1], 5.0)
    value = hypervolume(points, ref)
    assert value == pytest.approx(_inclusion_exclusion(points, ref))
    shares = hypervolume_contributions(points, ref)
    for i in range(len(points)):
        assert shares[i] == pytest.approx(value - hypervolume(np.delete(points, i, axis=0), ref), abs=1e-9)


@pytest.mark.parametrize("m", [2, 3])
def test_sorting_ten_thousand_points_is_fast(m: int) -> None:
    rng = np.random.default_rng(0)
    for points in (rng.random((10_000, m)), np.abs(rng.normal(size=(10_000, m)))):
        sphere = points / np.linalg.norm(points, axis=1, keepdims=True)  # every point on the front
        for p in (points, sphere):
            start = time.process_time()  # CPU seconds: other processes on the machine do not count
            ranks = fast_non_dominated_sort(p)
            mask = non_dominated_mask(p)
            assert time.process_time() - start < 1.0
            assert np.array_equal(mask, ranks == 0)
