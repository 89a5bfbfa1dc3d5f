"""NSGA-II: beats random search on ZDT1, honours constraints, mixed spaces, shared generations."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from _zdt import zdt1_hypervolume

import parzen
from parzen import Categorical, Float, Int, TrialState
from parzen.samplers import NSGAIISampler
from parzen.samplers.nsga2 import GENERATION_ATTR, crowding_distance, polynomial_mutation, sbx, select_elite


def test_beats_random_search_on_zdt1() -> None:
    nsga = [zdt1_hypervolume(NSGAIISampler(seed=s), 200) for s in range(3)]
    rnd = [zdt1_hypervolume(parzen.RandomSampler(seed=s), 200) for s in range(3)]
    assert statistics.median(nsga) > statistics.median(rnd)


def test_crowding_distance_and_elite_selection() -> None:
    front = np.array([[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0]])
    assert crowding_distance(front).tolist() == [np.inf, 1.25, 1.25, np.inf]
    losses = np.vstack([front, [[5.0, 5.0], [0.5, 0.5]]])
    violations = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 2.0])  # the best point is infeasible
    picked, ranks, _ = select_elite(losses, violations, 5)
    assert sorted(picked.tolist()) == [0, 1, 2, 3, 4] and ranks.tolist() == [0, 0, 0, 0, 1]
    picked, _, _ = select_elite(losses, violations, 2)
    assert sorted(picked.tolist()) == [0, 3]  # the ends of the front: infinite crowding


def test_operators_stay_in_the_unit_interval() -> None:
    rng = np.random.default_rng(0)
    for _ in range(500):
        a, b = rng.random(2)
        assert 0.0 <= sbx(a, b, 20.0, rng) <= 1.0
        assert 0.0 <= polynomial_mutation(a, 20.0, rng) <= 1.0
    assert sbx(0.3, 0.3, 20.0, rng) == 0.3


def _mixed(trial: parzen.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", -2.0, 2.0)
    n = trial.suggest_int("n", 1, 8, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    bonus = {"a": 0.0, "b": 0.5, "c": 1.0}[kind]
    return x * x + bonus, (x - 1.0) ** 2 + n / 8.0


def test_mixed_define_by_run_space_and_generations() -> None:
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=NSGAIISampler(seed=0, population_size=8))
    study.optimize(_mixed, n_trials=40)
    generations = [t.system_attrs[GENERATION_ATTR] for t in study.trials]
    assert generations == [i // 8 for i in range(40)]
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert {t.params["kind"] for t in study.trials[8:]} <= {"a", "b", "c"}
    assert study.sampler.infer_relative_space(study, study.ask()).keys() == {"x", "n", "kind"}


def test_workers_sharing_a_storage_share_generations() -> None:
    first = parzen.create_study(directions=["minimize", "minimize"], sampler=NSGAIISampler(seed=0, population_size=4),
                                study_name="shared")
    second = parzen.load_study("shared", storage=first.storage, sampler=NSGAIISampler(seed=1, population_size=4))
    for i in range(12):
        study = first if i % 2 else second
        trial = study.ask({"x": Float(0, 1), "y": Float(0, 1)})
        study.tell(trial, (trial.params["x"], trial.params["y"]))
    assert [t.system_attrs[GENERATION_ATTR] for t in first.trials] == [i // 4 for i in range(12)]


def test_same_seed_same_suggestions() -> None:
    def run(seed: int) -> list:
        study = parzen.create_study(directions=["minimize", "maximize"], sampler=NSGAIISampler(seed=seed, population_size=6))
        study.optimize(_mixed, n_trials=30)
        return [t.params for t in study.trials]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_prefers_feasible_trials() -> None:
    def constraint(t: parzen.FrozenTrial) -> list[float]:
        return [0.5 - t.params["x"]]  # feasible when x >= 0.5

    study = parzen.create_study(directions=["minimize", "minimize"], constraints_func=constraint,
                                sampler=NSGAIISampler(seed=0, population_size=10))
    for _ in range(100):
        trial = study.ask({"x": Float(0, 1), "y": Float(0, 1)})
        study.tell(trial, (trial.params["x"], trial.params["y"]))
    late = [t.params["x"] >= 0.5 for t in study.trials[50:]]
    assert sum(late) / len(late) > 0.8
    assert all(t.params["x"] >= 0.5 for t in study.best_trials)


@pytest.mark.parametrize("kwargs", [dict(population_size=1), dict(crossover_prob=1.5), dict(mutation_prob=-0.1),
                                    dict(eta_crossover=0), dict(population_size=2.5)])
def test_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises((TypeError, ValueError)):
        NSGAIISampler(**kwargs)


def test_single_objective_and_int_space() -> None:
    study = parzen.create_study(sampler=NSGAIISampler(seed=0, population_size=6))
    space = {"n": Int(0, 20), "c": Categorical([1, 2, 3])}
    for _ in range(60):
        trial = study.ask(space)
        study.tell(trial, abs(trial.params["n"] - 7) + trial.params["c"])
    assert study.best_value <= 3
    assert all(0 <= t.params["n"] <= 20 and isinstance(t.params["n"], int) for t in study.trials)
