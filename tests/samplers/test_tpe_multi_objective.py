"""Multi-objective TPE (MOTPE): the good/bad split, ZDT1 against random search, determinism, constraints."""

from __future__ import annotations

import statistics

import numpy as np
from _zdt import zdt1_hypervolume
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
import parzen.samplers.tpe.multi_objective as motpe
from parzen import Float, TrialState
from parzen.multi_objective.hypervolume import hypervolume_contributions
from parzen.multi_objective.pareto import fast_non_dominated_sort
from parzen.samplers._history import study_history
from parzen.samplers.tpe import TPESampler
from parzen.samplers.tpe.multi_objective import ParetoCandidates, front_contributions_2d, normalize_losses, split_good
from parzen.samplers.tpe.ranking import Ranking


def test_split_takes_whole_fronts_then_the_largest_contributors() -> None:
    losses = np.array([[0.0, 4.0], [1.0, 1.0], [4.0, 0.0], [0.9, 3.9], [1.1, 1.1], [3.0, 3.0], [5.0, 5.0]])
    good, weights = split_good(losses, 3)
    assert sorted(good.tolist()) == [0, 1, 2]
    good, weights = split_good(losses, 5)
    assert sorted(good.tolist()) == [0, 1, 2, 3, 4]
    assert weights.mean() == np.float64(1.0) or abs(weights.mean() - 1.0) < 1e-12
    assert weights[good.tolist().index(1)] > weights[good.tolist().index(4)]  # front beats dominated
    good, _ = split_good(losses, 2)  # boundary front of 3: the knee (1, 1) adds the most volume
    assert 1 in good.tolist()


def test_three_objective_split_keeps_the_largest_box_of_a_large_front() -> None:
    angles = np.linspace(0.05, np.pi / 2 - 0.05, 8)
    a, b = np.meshgrid(angles, angles)
    front = np.stack([np.cos(a) * np.cos(b), np.cos(a) * np.sin(b), np.sin(a)], axis=-1).reshape(-1, 3)
    front = np.vstack([front, [1.0, 1.0, 1.0]])  # a ball's octant of 64 points, and a dominated far point
    good, weights = split_good(front, 1)
    scaled = normalize_losses(front)
    assert good.tolist() == [int(np.argmax(np.prod(1.1 - scaled[:-1], axis=1)))]
    good, weights = split_good(front, 20)
    assert len(good) == 20 and 64 not in good.tolist()
    assert abs(weights.mean() - 1.0) < 1e-12 and weights.min() > 0


def test_beats_random_search_on_zdt1() -> None:
    tpe = [zdt1_hypervolume(TPESampler(seed=s), 200) for s in range(3)]
    rnd = [zdt1_hypervolume(parzen.RandomSampler(seed=s), 200) for s in range(3)]
    assert statistics.median(tpe) > statistics.median(rnd) + 3.0


def test_same_seed_same_suggestions_and_a_joint_space() -> None:
    def run(seed: int) -> list:
        study = parzen.create_study(directions=["minimize", "maximize"], sampler=TPESampler(seed=seed, n_startup_trials=5))
        study.optimize(lambda t: (t.suggest_float("x", -1, 1) ** 2, t.suggest_categorical("c", [0.0, 1.0, 2.0])),
                       n_trials=25)
        assert study.sampler.infer_relative_space(study, study.ask()).keys() == {"x", "c"}
        return [t.params for t in study.trials]

    assert run(0) == run(0)
    assert run(0) != run(1)


def test_three_objectives() -> None:
    study = parzen.create_study(directions=["minimize"] * 3, sampler=TPESampler(seed=0))
    for _ in range(40):
        trial = study.ask({"a": Float(0, 1), "b": Float(0, 1)})
        a, b = trial.params["a"], trial.params["b"]
        study.tell(trial, (a, b, 2.0 - a - b))
    assert len(study.best_trials) > 5


def _feasible_share(constrained: bool) -> float:
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=TPESampler(seed=0),
                                constraints_func=(lambda t: [t.params["x"] - 0.3]) if constrained else None)
    for _ in range(60):
        trial = study.ask({"x": Float(0, 1), "y": Float(0, 1)})
        study.tell(trial, (1.0 - trial.params["x"], trial.params["y"]))  # x large looks attractive
    if constrained:
        assert all(t.params["x"] <= 0.3 for t in study.best_trials)
    late = [t.params["x"] <= 0.3 for t in study.trials[20:]]
    return sum(late) / len(late)


def test_infeasible_trials_are_bad() -> None:
    assert _feasible_share(True) > _feasible_share(False) + 0.2


def test_default_sampler_past_its_gp_budget_is_motpe() -> None:
    study = parzen.create_study(directions=["minimize", "maximize"],
                                sampler=parzen.samplers.AutoSampler(seed=0, gp_max_trials=2))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=4)
    assert [t.system_attrs["auto:sampler"] for t in study.trials] == ["gp", "gp", "tpe", "tpe"]
    assert isinstance(study.sampler._sampler("tpe"), TPESampler)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=60),
       st.floats(0.1, 3.0), st.integers(0, 2**32 - 1))
def test_front_contributions_are_bit_for_bit_those_of_the_general_function(grid: list, power: float,
                                                                          seed: int) -> None:
    """The one-sweep contributions MOTPE thins a 2-D front with (twins and equal values included) equal
    the general hypervolume contributions exactly, so the thinning picks the same points."""
    rng = np.random.default_rng(seed)
    points = np.array(grid, dtype=float) / 40.0
    points[:, 1] = points[:, 1] ** power * rng.choice([1.0, 1.0 + 1e-9])  # curved fronts, near-ties
    front = points[fast_non_dominated_sort(points) == 0]
    front = np.vstack([front, front[: len(front) // 3]])  # twins contribute nothing
    reference = np.full(2, 1.1)
    assert np.array_equal(front_contributions_2d(front, reference), hypervolume_contributions(front, reference))


def _dominator_counts(losses: np.ndarray) -> list[int]:
    """For each row, how many rows are nowhere worse and not equal (brute force)."""
    no_worse = np.all(losses[None, :, :] <= losses[:, None, :], axis=2)
    equal = np.all(losses[None, :, :] == losses[:, None, :], axis=2)
    return (no_worse & ~equal).sum(axis=1).tolist()


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4), st.lists(st.integers(1, 9), min_size=1, max_size=5), st.integers(0, 2**32 - 1),
       st.sampled_from([3, 8, 40]), st.booleans())
def test_candidates_split_bit_for_bit_as_the_whole_history(n_objectives: int, batches: list, seed: int, grid: int,
                                                          curved: bool) -> None:
    """Taken in batches (ties and twins on a coarse grid), the dominator counts are the brute-force ones and
    each split, for every size of the good set, is :func:`split_good` of all losses: same rows, same weights.
    Batches are compared in blocks of 3 rows here, so that a batch spans several blocks."""
    rng = np.random.default_rng(seed)
    candidates = ParetoCandidates(n_objectives)
    parts = []
    block, motpe._BLOCK = motpe._BLOCK, 3
    try:
        _take_in_and_split(candidates, parts, batches, rng, grid, curved)
    finally:
        motpe._BLOCK = block


def _take_in_and_split(candidates: ParetoCandidates, parts: list, batches: list, rng: np.random.Generator,
                       grid: int, curved: bool) -> None:
    n_objectives = candidates._losses.shape[1]
    for size in batches:
        part = rng.integers(0, grid, size=(size, n_objectives)).astype(float)
        if curved:  # a trade-off front: the first objective against the others
            part[:, 1:] = part[:, 1:] + (grid - part[:, :1]) ** 1.5
        parts.append(part)
        candidates.add(part)
        losses = np.vstack(parts)
        assert candidates.n == len(losses)
        assert candidates._dominators[:candidates.n].tolist() == _dominator_counts(losses)
        for n_good in sorted({1, 4, len(losses) // 2, len(losses)}):
            got, want = candidates.split(n_good), split_good(losses, n_good)
            assert got[0].tolist() == want[0].tolist()
            assert got[1].tobytes() == want[1].tobytes()


def test_candidates_sort_only_the_trials_that_can_be_good() -> None:
    """In a long two-objective history the sort sees the few trials with fewer than n_good dominators."""
    rng = np.random.default_rng(0)
    losses = rng.random((1_500, 2))
    candidates = ParetoCandidates(2)
    candidates.add(losses)
    sizes: list[int] = []
    original = motpe.fast_non_dominated_sort

    def recording(points: np.ndarray, n_below: int | None = None) -> np.ndarray:
        sizes.append(len(points))
        return original(points, n_below=n_below)

    motpe.fast_non_dominated_sort = recording
    try:
        got = candidates.split(10)
    finally:
        motpe.fast_non_dominated_sort = original
    want = split_good(losses, 10)
    assert got[0].tolist() == want[0].tolist() and got[1].tobytes() == want[1].tobytes()
    assert sizes == [int((np.array(_dominator_counts(losses)) < 10).sum())] and sizes[0] < 150
    curve = np.linspace(0.0, 1.0, 50)
    long_front = np.vstack([np.stack([curve, 1.0 - curve], axis=1), losses + 1.0])  # 50 points dominate the rest
    candidates = ParetoCandidates(2)
    candidates.add(long_front)
    sizes.clear()
    motpe.fast_non_dominated_sort = recording
    try:
        got = candidates.split(10)
    finally:
        motpe.fast_non_dominated_sort = original
    want = split_good(long_front, 10)
    assert got[0].tolist() == want[0].tolist() and got[1].tobytes() == want[1].tobytes()
    assert sizes == []  # a front longer than the good set: only the front is taken, and it needs no sort


def test_candidates_fall_back_to_the_whole_history_where_scaling_merges_values() -> None:
    """1 and 2 next to -1e17 and 1e17 scale to the same value: scaled, (1, 5) and (2, 4) are no longer
    incomparable, so the counts on raw losses do not apply and the split is that of the whole history."""
    losses = np.array([[-1e17, 9.0], [1.0, 5.0], [2.0, 4.0], [1e17, 0.0], [3.0, 6.0]])
    candidates = ParetoCandidates(2)
    candidates.add(losses)
    low, high = losses.min(axis=0), losses.max(axis=0)
    assert not candidates._scaling_keeps_order(low, high)
    for n_good in range(1, 6):
        got, want = candidates.split(n_good), split_good(losses, n_good)
        assert got[0].tolist() == want[0].tolist() and got[1].tobytes() == want[1].tobytes()
    finite = ParetoCandidates(2)
    finite.add(losses[1:3])
    assert finite._scaling_keeps_order(losses[1:3].min(axis=0), losses[1:3].max(axis=0))
    infinite = np.array([[0.0, np.inf], [1.0, 2.0], [np.inf, 0.0], [2.0, 1.0]])
    candidates = ParetoCandidates(2)
    candidates.add(infinite)
    assert not candidates._finite
    with np.errstate(invalid="ignore"):  # inf / inf in the scaling, as in split_good
        got, want = candidates.split(2), split_good(infinite, 2)
    assert got[0].tolist() == want[0].tolist() and got[1].tobytes() == want[1].tobytes()


def test_the_last_thinning_and_weights_are_reused_for_the_same_front_only() -> None:
    calls: list[int] = []

    def volume(points: np.ndarray, size: int) -> np.ndarray:
        calls.append(size)
        return points.sum(axis=1)[:size]

    remembered = motpe._LastCall(volume)
    front = np.array([[0.0, 1.0], [1.0, 0.0]])
    first = remembered(front, 1)
    assert remembered(front.copy(), 1) is first and calls == [1]
    remembered(front, 2)
    remembered(np.array([[0.0, 1.0], [1.0, 0.0]]), 2)  # a new array with the same bits
    remembered(np.array([[0.0, 1.0], [1.0, 1e-300]]), 2)
    assert calls == [1, 2, 2]


def test_the_ranking_splits_a_study_read_at_once_or_trial_by_trial_as_the_whole_history() -> None:
    """Feasible COMPLETE rows only (FAIL, PRUNED and infeasible trials left out), whether the history comes
    in one batch of hundreds of rows or a few rows per ask."""
    study = parzen.create_study(directions=["minimize", "maximize"], sampler=parzen.RandomSampler(seed=3),
                                constraints_func=lambda t: (t.params["x"] - 0.9,))
    at_once, by_trial = Ranking(), Ranking()
    rng = np.random.default_rng(3)
    for number in range(700):
        trial = study.ask({"x": Float(0.0, 1.0)})
        x = trial.params["x"]
        state = [TrialState.COMPLETE] * 5 + [TrialState.FAIL, TrialState.PRUNED]
        chosen = state[number % 7]
        values = (round(x, 2), round(x * (1 - x) + rng.random() / 4, 2)) if chosen == TrialState.COMPLETE else None
        study.tell(trial, values, state=chosen)
        if number % 50 == 0:
            by_trial.update(study_history(study))
    history = study_history(study)
    at_once.update(history)
    by_trial.update(history)
    complete = np.flatnonzero(history.mask(TrialState.COMPLETE))
    feasible = complete[history.violations[complete] <= 0]
    for n_good in (1, 10, 25, 200):
        chosen, weights = split_good(history.losses[feasible], n_good)
        for ranking in (at_once, by_trial):
            rows, got = ranking.split_objectives(n_good)
            assert rows.tolist() == feasible[chosen].tolist() and got.tobytes() == weights.tobytes()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=1, max_size=60, unique=True), st.floats(0.2, 4.0),
       st.sampled_from([0.0, 1e-15, 1e-9, 1e-3]), st.integers(0, 2**32 - 1))
def test_the_least_contributor_of_one_pass_is_that_of_the_full_contributions(xs: list, power: float, jitter: float,
                                                                           seed: int) -> None:
    """Regular spacings (equal contributions), near ties, twins: the one-pass choice is the full one's."""
    rng = np.random.default_rng(seed)
    x = np.array(xs, dtype=float) / 400.0
    front = np.stack([x, (1.0 - x) ** power], axis=1)
    front[:, 1] *= 1.0 + jitter * rng.random(len(front))
    front = front[fast_non_dominated_sort(front) == 0]
    if seed % 3 == 0:
        front = np.vstack([front, front[:1]])  # a twin
    front = front[rng.permutation(len(front))]
    reference = np.full(2, 1.1)
    assert motpe._least_contributor_2d(front, reference) == int(np.argmin(front_contributions_2d(front, reference)))


def test_a_long_front_is_thinned_in_one_pass_per_removal() -> None:
    """A 300-point curved front thinned to 20 keeps what the full contributions keep, and computes them fully
    only where the one-pass choice is too close to call."""
    rng = np.random.default_rng(1)
    x = np.sort(rng.random(300))
    front = np.stack([x, 1.0 - np.sqrt(x)], axis=1)[rng.permutation(300)]
    reference = np.full(2, 1.1)
    keep = np.arange(300)
    while keep.size > 20:
        keep = np.delete(keep, int(np.argmin(front_contributions_2d(front[keep], reference))))
    full = motpe.front_contributions_2d
    calls: list[int] = []

    def counting(points: np.ndarray, ref: np.ndarray) -> np.ndarray:
        calls.append(len(points))
        return full(points, ref)

    motpe.front_contributions_2d = counting
    try:
        assert motpe._thin(front, 20, reference).tolist() == keep.tolist()
    finally:
        motpe.front_contributions_2d = full
    assert len(calls) < 28  # of 280 removals


def test_a_three_objective_front_that_gains_a_point_is_thinned_mostly_from_remembered_volumes() -> None:
    """Same subset as the plain selection, and most exclusive volumes of the second thinning looked up."""
    rng = np.random.default_rng(2)
    front = rng.random((120, 3))
    front /= np.linalg.norm(front, axis=1, keepdims=True)
    reference = np.full(3, 1.1)
    remembered = motpe._RememberedVolumes()
    computed: list[int] = []
    plain = motpe.exclusive_volume

    def counting(point: np.ndarray, others: np.ndarray, ref: np.ndarray) -> float:
        computed.append(len(others))
        return plain(point, others, ref)

    misses = []
    motpe.exclusive_volume = counting  # what the remembered volumes compute; the plain thinning is not counted
    try:
        for points in (front[:-1], front):  # a point joins the front
            remembered.new_round()
            computed.clear()
            got = motpe._thin(points, 15, reference, remembered)
            misses.append(len(computed))
            assert got.tolist() == motpe._thin(points, 15, reference).tolist()
    finally:
        motpe.exclusive_volume = plain
    assert 0 < misses[1] < misses[0] / 2
