"""Non-dominated sorting: ranks match peeling fronts by the definition, duplicates share a rank."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from parzen.multi_objective import fast_non_dominated_sort


def _brute_ranks(points: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(points), dtype=int)
    remaining, rank = np.arange(len(points)), 0
    while remaining.size:
        sub = points[remaining]
        front = np.array([not any(np.all(q <= p) and np.any(q < p) for q in sub) for p in sub])
        ranks[remaining[front]] = rank
        remaining, rank = remaining[~front], rank + 1
    return ranks


def test_known_ranks_with_duplicates() -> None:
    points = np.array([[1, 3], [2, 2], [2, 2], [3, 3], [3, 1], [4, 4], [1, 4]], dtype=float)
    assert fast_non_dominated_sort(points).tolist() == [0, 0, 0, 1, 0, 2, 1]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4).flatmap(lambda m: st.lists(st.lists(st.integers(0, 3).map(float), min_size=m, max_size=m),
                                                       min_size=1, max_size=30)), st.integers(0, 30))
def test_ranks_match_the_definition(rows: list, n_below: int) -> None:
    points = np.array(rows)
    expected = _brute_ranks(points)
    assert fast_non_dominated_sort(points).tolist() == expected.tolist()
    capped = fast_non_dominated_sort(points, n_below=n_below)
    last = capped.max()
    assert np.array_equal(capped[capped < last], expected[capped < last])
