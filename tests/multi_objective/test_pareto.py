"""Pareto front: the exact non-dominated set, with duplicates and maximize directions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from parzen import TrialState
from parzen.multi_objective import non_dominated_mask, pareto_front_trials
from parzen.trial import FrozenTrial


def _trials(values: list) -> list[FrozenTrial]:
    return [FrozenTrial(number=i, trial_id=i, state=TrialState.COMPLETE, values=None if v is None else tuple(v))
            for i, v in enumerate(values)]


def _brute_force_front(points: np.ndarray) -> list[int]:
    """Indices of points that no other point dominates (all <= and one <), by definition."""
    return [i for i, p in enumerate(points)
            if not any(np.all(q <= p) and np.any(q < p) for q in points)]


def test_known_front_with_duplicates() -> None:
    points = np.array([
        [1.0, 5.0],  # 0 front
        [2.0, 3.0],  # 1 front
        [2.0, 3.0],  # 2 front: a duplicate does not dominate its twin
        [3.0, 3.0],  # 3 dominated by 1
        [4.0, 1.0],  # 4 front
        [1.0, 6.0],  # 5 dominated by 0 (equal first, worse second)
        [5.0, 5.0],  # 6 dominated
        [4.0, 1.0],  # 7 front (duplicate of 4)
    ])
    assert np.flatnonzero(non_dominated_mask(points)).tolist() == [0, 1, 2, 4, 7]


def test_all_equal_points_are_all_on_the_front() -> None:
    assert non_dominated_mask(np.ones((4, 3))).tolist() == [True] * 4


def test_empty_and_single_point() -> None:
    assert non_dominated_mask(np.zeros((0, 2))).tolist() == []
    assert non_dominated_mask(np.array([[3.0, -1.0]])).tolist() == [True]


def test_one_objective_front_is_every_minimum() -> None:
    assert non_dominated_mask(np.array([[2.0], [1.0], [3.0], [1.0]])).tolist() == [False, True, False, True]


def test_maximize_directions() -> None:
    values = [(1.0, 1.0), (2.0, 3.0), (1.0, 0.5), (3.0, 3.0), (0.5, 0.0), (2.0, 3.0)]
    trials = _trials(values)
    assert [t.number for t in pareto_front_trials(trials, ["minimize", "maximize"])] == [0, 1, 4, 5]
    assert [t.number for t in pareto_front_trials(trials, ["maximize", "maximize"])] == [3]
    assert [t.number for t in pareto_front_trials(trials, ["minimize", "minimize"])] == [4]
    assert [t.number for t in pareto_front_trials(trials, ["maximize", "minimize"])] == [2, 3, 4]


def test_trials_without_values_are_left_out() -> None:
    trials = _trials([(1.0, 2.0), None, (2.0, 1.0), (3.0, 3.0)])
    assert [t.number for t in pareto_front_trials(trials, ["minimize", "minimize"])] == [0, 2]
    assert pareto_front_trials(_trials([None]), ["minimize", "minimize"]) == []
    assert pareto_front_trials([], ["minimize"]) == []


coords = st.integers(min_value=-3, max_value=3).map(float)  # small range: many ties and duplicates


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda d: st.lists(st.lists(coords, min_size=d, max_size=d), max_size=25)))
def test_mask_matches_the_definition(rows: list) -> None:
    points = np.array(rows, dtype=float).reshape(len(rows), -1 if rows else 2)
    assert np.flatnonzero(non_dominated_mask(points)).tolist() == _brute_force_front(points)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(coords, coords, coords), min_size=1, max_size=20),
       st.lists(st.sampled_from(["minimize", "maximize"]), min_size=3, max_size=3))
def test_trial_front_matches_the_definition(values: list, directions: list) -> None:
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    expected = _brute_force_front(np.array(values) * signs)
    assert [t.number for t in pareto_front_trials(_trials(values), directions)] == expected


def test_large_front_is_exact() -> None:
    rng = np.random.default_rng(0)
    points = rng.integers(0, 30, size=(200, 3)).astype(float)
    assert np.flatnonzero(non_dominated_mask(points)).tolist() == _brute_force_front(points)
