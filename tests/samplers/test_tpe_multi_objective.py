"""Multi-objective TPE (MOTPE): the good/bad split, ZDT1 against random search, determinism, constraints."""

from __future__ import annotations

import statistics

import numpy as np
from _zdt import zdt1_hypervolume
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
from parzen import Float
from parzen.multi_objective.hypervolume import hypervolume_contributions
from parzen.multi_objective.pareto import fast_non_dominated_sort
from parzen.samplers.tpe import TPESampler
from parzen.samplers.tpe.multi_objective import front_contributions_2d, normalize_losses, split_good


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
