"""Every code block of seed 003 (``AdaptiveHyperparameterOptimizer``), in the order of the document,
runs with ``from parzen.adaptive import ...`` and does what its text says.

Names a block uses but does not define (``X``, ``y``, ``input_size``, ``train_and_evaluate_model``,
``create_model``, ...) are small real functions here. Budgets the seed sizes for hours are cut for CI
time, each cut marked ``# seed: ...``. Objectives that run in trial processes (per-trial timeouts and
memory limits need them) live at module level, and this module imports nothing heavy at its top, so a
child process that unpickles them starts fast.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import math
import os
import time
import warnings
from pathlib import Path

import pytest

import parzen
from parzen.adaptive import AdaptiveHyperparameterOptimizer, OptimizationConfig


# --- helpers --------------------------------------------------------------------------------------
def completed_values(history: list[dict]) -> list[float]:
    return [h["value"] for h in history if h["state"] == "COMPLETE"]


def check_best(best_params: dict, best_score: float, history: list[dict], direction: str = "maximize") -> None:
    """The returned best is the best completed trial of the history, in the study's direction."""
    values = completed_values(history)
    assert values, "no trial completed"
    assert best_score == (max(values) if direction == "maximize" else min(values))
    assert best_params == next(h["params"] for h in history if h["state"] == "COMPLETE" and h["value"] == best_score)


class Basic:
    """The data, space and objective of "Basic Hyperparameter Optimization", which later blocks reuse."""

    def __init__(self) -> None:
        from sklearn.datasets import make_classification
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.model_selection import cross_val_score

        # Generate sample data
        # seed: n_samples=1000, n_features=20; 150 and 8 here for CI time
        X, y = make_classification(n_samples=150, n_features=8, random_state=42)

        # Define search space
        search_space = {
            'n_estimators': ('int', 10, 200),
            'max_depth': ('int', 3, 20),
            'min_samples_split': ('int', 2, 20),
            'min_samples_leaf': ('int', 1, 10),
            'max_features': ('categorical', ['sqrt', 'log2', None])
        }

        # Define objective function
        def objective(params):
            model = RandomForestClassifier(**params, random_state=42)
            scores = cross_val_score(model, X, y, cv=5, scoring='accuracy')
            return scores.mean()

        self.X, self.y, self.search_space, self.objective = X, y, search_space, objective
        self.RandomForestClassifier, self.cross_val_score = RandomForestClassifier, cross_val_score


@pytest.fixture(scope="module")
def basic() -> Basic:
    return Basic()


@pytest.fixture(autouse=True, scope="module")
def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


# --- Core Classes ---------------------------------------------------------------------------------
def test_core_class_signature_has_the_seed_arguments_and_defaults() -> None:
    seed_defaults = {"backend": "optuna", "n_trials": 100, "timeout": None, "n_jobs": 1, "random_state": None,
                     "cache_dir": None, "enable_pruning": True, "adaptation_interval": 20,
                     "min_improvement_threshold": 0.001}
    parameters = inspect.signature(AdaptiveHyperparameterOptimizer).parameters
    assert list(parameters)[:len(seed_defaults)] == list(seed_defaults)  # same order: positional calls work
    assert {name: parameters[name].default for name in seed_defaults} == seed_defaults
    optimizer = AdaptiveHyperparameterOptimizer("hyperopt", 7, 60.0, 2, 3, None, False, 5, 0.01)
    assert (optimizer.backend, optimizer.n_trials, optimizer.timeout, optimizer.n_jobs, optimizer.random_state,
            optimizer.enable_pruning, optimizer.adaptation_interval, optimizer.min_improvement_threshold) == \
        ("hyperopt", 7, 60.0, 2, 3, False, 5, 0.01)


def test_optimization_config_has_every_seed_field() -> None:
    seed_fields = {"backend": "optuna", "n_trials": 100, "timeout": None, "n_jobs": 1, "random_state": None,
                   "enable_pruning": True, "pruning_patience": 5, "adaptation_interval": 20,
                   "min_improvement_threshold": 0.001, "sampler_config": None, "study_direction": "maximize"}
    assert dataclasses.is_dataclass(OptimizationConfig)
    assert {f.name: f.default for f in dataclasses.fields(OptimizationConfig)} == seed_fields


# --- Usage Examples -------------------------------------------------------------------------------
def test_basic_hyperparameter_optimization(basic: Basic, capsys) -> None:
    objective, search_space = basic.objective, basic.search_space

    # Initialize optimizer
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=8,  # seed: n_trials=100; 8 here for CI time
        n_jobs=4,
        enable_pruning=True
    )

    # Run optimization
    best_params, best_score, trials_history = optimizer.optimize(
        objective=objective,
        search_space=search_space,
        direction="maximize"
    )

    print(f"Best parameters: {best_params}")
    print(f"Best score: {best_score:.4f}")

    assert len(trials_history) == 8 and all(h["state"] == "COMPLETE" for h in trials_history)
    check_best(best_params, best_score, trials_history)
    assert set(best_params) == set(search_space)
    for h in trials_history:
        p = h["params"]
        assert 10 <= p["n_estimators"] <= 200 and 3 <= p["max_depth"] <= 20 and isinstance(p["max_depth"], int)
        assert p["max_features"] in ("sqrt", "log2", None)
    assert best_score == objective(best_params)  # the score really is the cross-validated accuracy of those params
    assert "Best score: " in capsys.readouterr().out


def test_advanced_configuration_from_config_with_a_progress_callback(basic: Basic, capsys) -> None:
    objective, search_space = basic.objective, basic.search_space

    # Configure optimization
    config = OptimizationConfig(
        backend="optuna",
        n_trials=6,  # seed: n_trials=200; 6 here for CI time
        timeout=3600,  # 1 hour
        n_jobs=8,
        enable_pruning=True,
        pruning_patience=10,
        adaptation_interval=25,
        min_improvement_threshold=0.001,
        sampler_config={
            'multivariate': True,
            'n_startup_trials': 20,
            'n_ei_candidates': 24
        }
    )

    # Initialize with configuration
    optimizer = AdaptiveHyperparameterOptimizer.from_config(config)

    # Run optimization with callbacks
    def progress_callback(trial_number, best_score, current_score):
        print(f"Trial {trial_number}: Current={current_score:.4f}, Best={best_score:.4f}")

    best_params, best_score, history = optimizer.optimize(
        objective=objective,
        search_space=search_space,
        direction="maximize",
        callbacks=[progress_callback]
    )

    assert (optimizer.n_jobs, optimizer.timeout, optimizer.pruning_patience, optimizer.adaptation_interval) == \
        (8, 3600, 10, 25)
    tpe = optimizer.study.sampler.optuna_sampler
    assert (tpe._multivariate, tpe._n_startup_trials, tpe._n_ei_candidates) == (True, 20, 24)
    assert optimizer.study.pruner._n_warmup_steps == 10  # pruning_patience reaches the pruner
    check_best(best_params, best_score, history)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Trial ")]
    assert len(lines) == 6  # one line per trial, in the callback's form
    bests = [float(line.rsplit("Best=", 1)[1]) for line in lines]
    assert bests == sorted(bests) and bests[-1] == pytest.approx(best_score, abs=5e-5)


def test_multi_objective_optimization_returns_the_pareto_front(basic: Basic) -> None:
    X, y, search_space = basic.X, basic.y, basic.search_space
    RandomForestClassifier, cross_val_score = basic.RandomForestClassifier, basic.cross_val_score

    # Define multi-objective function
    def multi_objective(params):
        model = RandomForestClassifier(**params, random_state=42)

        # Accuracy score
        accuracy_scores = cross_val_score(model, X, y, cv=5, scoring='accuracy')
        accuracy = accuracy_scores.mean()

        # Model complexity (inverse of n_estimators for minimization)
        complexity = 1.0 / params['n_estimators']

        return accuracy, complexity

    # Multi-objective optimization
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=10,  # seed: n_trials=150; 10 here for CI time
        enable_pruning=True
    )

    pareto_front = optimizer.multi_objective_optimize(
        objective=multi_objective,
        search_space=search_space,
        directions=["maximize", "maximize"],  # maximize accuracy, maximize simplicity
        n_trials=10  # seed: 150
    )

    print(f"Pareto optimal solutions: {len(pareto_front)}")

    def dominates(a: tuple, b: tuple) -> bool:
        return all(u >= v for u, v in zip(a, b)) and a != b

    everything = [t for t in optimizer.study.trials if t.state.name == "COMPLETE"]
    assert len(everything) == 10 and pareto_front
    front = {t.number for t in pareto_front}
    for t in pareto_front:  # non-dominated ...
        assert not any(dominates(o.values, t.values) for o in everything)
        assert t.values[1] == pytest.approx(1.0 / t.params["n_estimators"])
    for t in everything:  # ... and complete: every other trial is dominated by one on the front
        if t.number not in front:
            assert any(dominates(f.values, t.values) or f.values == t.values for f in pareto_front)


def test_ensemble_optimization_shares_one_history_by_weight(basic: Basic) -> None:
    objective, search_space = basic.objective, basic.search_space
    from parzen.backends import HyperoptSampler, OptunaSampler, SkoptSampler

    # Ensemble of optimizers
    ensemble_config = {
        'optimizers': [
            {'backend': 'optuna', 'weight': 0.4},
            {'backend': 'hyperopt', 'weight': 0.3},
            {'backend': 'skopt', 'weight': 0.3}
        ],
        'combination_strategy': 'weighted_average',
        'n_trials_per_optimizer': 4  # seed: 50; 4 here for CI time
    }

    ensemble_optimizer = AdaptiveHyperparameterOptimizer.create_ensemble(
        ensemble_config
    )

    best_params, best_score, ensemble_history = ensemble_optimizer.optimize(
        objective=objective,
        search_space=search_space,
        direction="maximize"
    )

    assert len(ensemble_history) == 12  # n_trials_per_optimizer for each of the three
    check_best(best_params, best_score, ensemble_history)
    members = [t.system_attrs["ensemble_member"] for t in ensemble_optimizer.study.trials]
    counts = [members.count(i) for i in range(3)]
    assert sum(counts) == 12 and all(abs(c - w * 12) < 1 for c, w in zip(counts, (0.4, 0.3, 0.3)))
    kinds = [type(s) for s in ensemble_optimizer.study.sampler.samplers]
    assert kinds == [OptunaSampler, HyperoptSampler, SkoptSampler]  # the real packages, one history


# --- Search Space Definition ----------------------------------------------------------------------
def test_supported_parameter_types() -> None:
    # Numeric parameters
    search_space = {
        'learning_rate': ('float', 0.001, 0.1, 'log'),  # Log scale
        'n_estimators': ('int', 10, 1000),
        'regularization': ('float', 1e-6, 1e-2, 'log'),
    }

    def numeric(params):  # best at learning_rate=0.01, n_estimators=300, regularization=1e-4
        return -((math.log10(params['learning_rate']) + 2) ** 2 + ((params['n_estimators'] - 300) / 990) ** 2
                 + (math.log10(params['regularization']) + 4) ** 2 / 4)

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=60, random_state=0)
    best_params, best_score, history = optimizer.optimize(numeric, search_space, direction="maximize")
    check_best(best_params, best_score, history)
    assert best_score > -0.15  # the optimum is 0
    assert all(isinstance(h["params"]["n_estimators"], int) for h in history)
    lrs = [h["params"]["learning_rate"] for h in history[:10]]  # the random start, drawn on the log scale
    assert all(0.001 <= lr <= 0.1 for lr in lrs) and sum(lr < 0.01 for lr in lrs) >= 2

    # Categorical parameters
    search_space = {
        'algorithm': ('categorical', ['auto', 'ball_tree', 'kd_tree']),
        'metric': ('categorical', ['euclidean', 'manhattan', 'minkowski']),
    }

    def knn(params):
        from sklearn.datasets import load_iris
        from sklearn.model_selection import cross_val_score
        from sklearn.neighbors import KNeighborsClassifier

        X, y = load_iris(return_X_y=True)
        model = KNeighborsClassifier(algorithm=params['algorithm'], metric=params['metric'])
        return cross_val_score(model, X, y, cv=3).mean()

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=6, random_state=0)
    best_params, best_score, history = optimizer.optimize(knn, search_space, direction="maximize")
    check_best(best_params, best_score, history)
    assert best_score == knn(best_params)

    # Conditional parameters
    search_space = {
        'algorithm': ('categorical', ['svm', 'random_forest']),
        'C': ('float', 0.1, 10.0, 'when', 'algorithm', 'svm'),
        'n_estimators': ('int', 10, 200, 'when', 'algorithm', 'random_forest'),
    }

    def conditional(params):  # svm at C=1 scores 1.0; the best random forest only 0.9
        if params['algorithm'] == 'svm':
            assert set(params) == {'algorithm', 'C'}
            return 1.0 - math.log10(params['C']) ** 2
        assert set(params) == {'algorithm', 'n_estimators'}
        return 0.9 - ((params['n_estimators'] - 100) / 190) ** 2

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=40, random_state=0)
    best_params, best_score, history = optimizer.optimize(conditional, search_space, direction="maximize")
    assert all(h["state"] == "COMPLETE" for h in history)  # the objective's key checks all passed
    assert {h["params"]["algorithm"] for h in history} == {"svm", "random_forest"}
    for h in history:  # a conditional parameter is absent when its condition is false
        assert ("C" in h["params"]) == (h["params"]["algorithm"] == "svm")
        assert ("n_estimators" in h["params"]) == (h["params"]["algorithm"] == "random_forest")
    check_best(best_params, best_score, history)
    assert best_params["algorithm"] == "svm" and 0.5 < best_params["C"] < 2.0


def test_dynamic_search_space_adaptation() -> None:
    # Enable adaptive search space
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=200,
        adaptation_interval=25,
        min_improvement_threshold=0.001,
        random_state=0  # not in the seed: here so that the test repeats
    )

    # The optimizer will automatically:
    # 1. Narrow search ranges around promising regions
    # 2. Expand ranges if no improvement is found
    # 3. Add/remove parameters based on importance
    # 4. Adjust sampling strategies

    def objective(params):  # an accuracy on 100 samples: best (1.0) at x = 8, outside the first range
        return round(1.0 - abs(params["x"] - 8.0) / 10, 2) + 0.0 * params["noise"]  # `noise` does nothing

    search_space = {"x": ("float", 0.0, 5.0), "noise": ("float", 0.0, 1.0)}
    best_params, best_score, history = optimizer.optimize(objective, search_space, direction="maximize")
    check_best(best_params, best_score, history)
    assert best_score == 1.0 and abs(best_params["x"] - 8.0) < 0.05  # beyond the first range's upper bound, 5
    spaces = [search_space] + [a["search_space"] for a in optimizer.adaptations]
    highs = [s["x"][2] for s in spaces]
    widths = [s["x"][2] - s["x"][1] for s in spaces]
    assert highs[1] > 5.0  # 2. expanded where the best sat at the bound and improvement stalled
    assert any(w2 < w1 for w1, w2 in zip(widths, widths[1:]))  # 1. narrowed around the best region
    frozen = [i for i, s in enumerate(spaces) if s["noise"][1] == s["noise"][2]]
    assert frozen  # 3. a parameter without importance is removed (frozen at its best value) ...
    first = frozen[0]
    assert len(spaces) > first + 1  # ... and added back, the next round having stalled, for good
    assert all(s["noise"][1] < s["noise"][2] for s in spaces[first + 1:])
    assert history[0]["search_space"] == search_space  # each trial keeps the space it was drawn from
    assert history[-1]["search_space"] == optimizer.search_space


# --- Advanced Features ----------------------------------------------------------------------------
def test_custom_samplers_and_pruners() -> None:
    # Custom sampler configuration
    sampler_config = {
        'sampler_type': 'tpe',
        'multivariate': True,
        'n_startup_trials': 20,
        'n_ei_candidates': 24,
        'gamma': 0.25,
        'weights': lambda x: min(x, 25)
    }

    # Custom pruner configuration
    pruner_config = {
        'pruner_type': 'hyperband',
        'min_resource': 1,
        'max_resource': 'auto',
        'reduction_factor': 3
    }

    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        sampler_config=sampler_config,
        pruner_config=pruner_config
    )

    optimizer.n_trials = 40  # seed: n_trials=100 (the default); 40 here for CI time

    def learning_curve(params, trial):  # a loss per epoch, lowest at x = 1 after 27 epochs
        for epoch in range(27):
            loss = abs(params["x"] - 1.0) + 3.0 / (epoch + 1)
            trial.report(loss, epoch)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return loss

    best_params, best_score, history = optimizer.optimize(learning_curve, {"x": ("float", -5.0, 5.0)},
                                                          direction="minimize")
    tpe = optimizer.study.sampler.optuna_sampler
    assert (tpe._multivariate, tpe._n_startup_trials, tpe._n_ei_candidates) == (True, 20, 24)
    assert tpe._gamma(100) == 25 and tpe._gamma(40) == 10
    weights = tpe._parzen_estimator_parameters.weights(40)  # min(x, 25): the 25 newest of 40 weigh 1, older less
    assert list(weights[15:]) == [1.0] * 25 and 0 < weights[0] < weights[1] < weights[15]
    pruner = optimizer.study.pruner
    assert isinstance(pruner, parzen.pruners.HyperbandPruner)
    assert (pruner._min_resource, pruner._reduction_factor) == (1, 3)
    assert pruner._max_resource == 27  # 'auto': the epochs a finished trial ran
    states = [h["state"] for h in history]
    assert "PRUNED" in states and "COMPLETE" in states and "FAIL" not in states
    assert "PRUNED" not in states[:states.index("COMPLETE")]  # 'auto' needs one full run before it judges
    check_best(best_params, best_score, history, "minimize")


def quadratic(params: dict) -> float:
    """Module level, so a saved study finds it again by name. Best (0) at x = 2, k = 'b'."""
    return -(params["x"] - 2.0) ** 2 - (params["k"] != "b")


QUADRATIC_SPACE = {"x": ("float", -5.0, 5.0), "k": ("categorical", ["a", "b", "c"])}


def test_warm_start_from_previous_optimization(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=20, random_state=0)
    _, first_best, first_history = optimizer.optimize(quadratic, QUADRATIC_SPACE, direction="maximize")

    # Save optimization state
    optimizer.save_study("optimization_study.pkl")

    # Load and continue optimization
    new_optimizer = AdaptiveHyperparameterOptimizer.load_study(
        "optimization_study.pkl"
    )

    # Continue optimization
    best_params, best_score, _ = new_optimizer.continue_optimization(
        additional_trials=20  # seed: 50; 20 here for CI time
    )

    assert json.loads(Path("optimization_study.pkl").read_text())["format"] == "parzen.study"  # JSON, no pickle
    history = new_optimizer.history()
    assert len(history) == 40 and [h["params"] for h in history[:20]] == [h["params"] for h in first_history]
    check_best(best_params, best_score, history)
    assert best_score >= first_best  # continued: more trials, the best never worse
    assert best_params["k"] == "b" and abs(best_params["x"] - 2.0) < 0.5


def test_custom_adaptation_strategies() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=60, random_state=1,
                                                adaptation_interval=15)
    calls = []

    # Define custom adaptation strategy
    def custom_adaptation_strategy(optimizer, trial_history):
        """Custom strategy for search space adaptation"""
        recent_trials = trial_history[-20:]

        if len(recent_trials) < 10:
            return optimizer.search_space  # No adaptation yet

        # Calculate improvement trend
        scores = [trial.value for trial in recent_trials]
        improvement = (scores[-1] - scores[0]) / len(scores)

        if improvement < 0.001:
            # Narrow search space around best parameters
            calls.append("narrow")
            return optimizer._narrow_search_space()
        else:
            # Expand search space for exploration
            calls.append("expand")
            return optimizer._expand_search_space()

    # Use custom adaptation
    optimizer.set_adaptation_strategy(custom_adaptation_strategy)

    best_params, best_score, history = optimizer.optimize(quadratic, QUADRATIC_SPACE, direction="maximize")
    check_best(best_params, best_score, history)
    assert len(calls) == 3 and "narrow" in calls  # the strategy ran after 15, 30 and 45 trials
    # Each narrowing shrinks x around its optimum, 2; expanding finds no best value at a bound and changes nothing.
    assert [a["after_trial"] for a in optimizer.adaptations] == [14 + 15 * i for i, c in enumerate(calls)
                                                                  if c == "narrow"]
    ranges = [a["search_space"]["x"][1:3] for a in optimizer.adaptations]
    assert all(low < 2.0 < high for low, high in ranges) and ranges[0][1] - ranges[0][0] < 10.0
    assert all(b[0] >= a[0] and b[1] <= a[1] for a, b in zip(ranges, ranges[1:]))  # nested
    for adaptation in optimizer.adaptations:  # the strategy's space is the one later trials are drawn from
        assert history[adaptation["after_trial"] + 1]["search_space"] == adaptation["search_space"]


# --- Performance Optimization ---------------------------------------------------------------------
def cheap(params: dict) -> float:
    return -(params["x"] - 0.5) ** 2


def test_parallel_optimization_on_shared_storage(tmp_path, monkeypatch, redis_url) -> None:
    monkeypatch.chdir(tmp_path)
    space = {"x": ("float", 0.0, 1.0)}

    # Multi-process optimization
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=24,  # seed: n_trials=500; 24 here for CI time
        n_jobs=8,  # Use 8 parallel processes
        storage="sqlite:///optimization.db"  # Shared storage for parallel trials
    )
    optimizer.optimize(cheap, space, direction="maximize")
    assert Path("optimization.db").stat().st_size > 0
    again = parzen.load_study(study_name=optimizer.study.study_name, storage="sqlite:///optimization.db")
    assert len(again.trials) == 24 and again.best_value == optimizer.best_score
    second = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=8, n_jobs=8,
                                             storage="sqlite:///optimization.db")
    _, best, history = second.optimize(cheap, space, direction="maximize")
    assert len(history) == 32 and best >= optimizer.best_score  # the second run shares the first one's trials

    # Distributed optimization (Redis backend)
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=24,  # seed: n_trials=1000; 24 here for CI time
        n_jobs=-1,  # Use all available cores
        storage=redis_url  # seed: "redis://localhost:6379/0"; the test's own Redis server here
    )
    assert optimizer.n_jobs == os.cpu_count()
    best_params, best_score, history = optimizer.optimize(cheap, space, direction="maximize")
    check_best(best_params, best_score, history)
    again = parzen.load_study(study_name=optimizer.study.study_name, storage=redis_url)
    assert len(again.trials) == 24 and again.best_value == best_score


def in_a_limited_process(params: dict) -> float:
    """Raises unless it runs in a child process with an address-space limit; best at x = 0.5."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        raise RuntimeError("no memory limit in the trial's process")
    return -(params["x"] - 0.5) ** 2 - soft / 1e12  # the limit shows in the value: 4GB costs 0.004


def test_memory_efficient_optimization() -> None:
    # Enable memory optimization
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=3,  # seed: n_trials=1000; 3 here for CI time
        memory_efficient=True,
        max_memory_usage="4GB",
        enable_gc=True,  # Enable garbage collection
        trial_timeout=300  # 5-minute timeout per trial
    )

    assert (optimizer.memory_limit, optimizer.enable_gc, optimizer.trial_timeout) == (4 * 10**9, True, 300)
    _, best_score, history = optimizer.optimize(in_a_limited_process, {"x": ("float", 0.0, 1.0)},
                                                direction="maximize")
    assert [h["state"] for h in history] == ["COMPLETE"] * 3
    for h in history:  # each trial ran in a child process under the 4 GB limit
        assert h["value"] == pytest.approx(-(h["params"]["x"] - 0.5) ** 2 - 0.004)
    assert best_score == max(h["value"] for h in history)


# --- Integration with ML Pipelines ----------------------------------------------------------------
def test_scikit_learn_pipeline_names_pass_through(basic: Basic) -> None:
    X, y, cross_val_score = basic.X, basic.y, basic.cross_val_score
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=6)  # the seed reuses an optimizer

    # Define pipeline
    pipeline = Pipeline([
        ('scaler', StandardScaler()),
        ('classifier', RandomForestClassifier())
    ])

    # Define search space for pipeline
    search_space = {
        'scaler__with_mean': ('categorical', [True, False]),
        'scaler__with_std': ('categorical', [True, False]),
        'classifier__n_estimators': ('int', 10, 200),
        'classifier__max_depth': ('int', 3, 20),
    }

    received = []
    set_params = pipeline.set_params

    def recording_set_params(**params):
        received.append(params)
        return set_params(**params)

    pipeline.set_params = recording_set_params

    def pipeline_objective(params):
        pipeline.set_params(**params)
        scores = cross_val_score(pipeline, X, y, cv=5)
        return scores.mean()

    # Optimize pipeline
    best_params, best_score, _ = optimizer.optimize(
        objective=pipeline_objective,
        search_space=search_space,
        direction="maximize"
    )

    assert len(received) == 6 and all(set(p) == set(search_space) for p in received)
    assert set(best_params) == set(search_space) and best_params in received
    check_best(best_params, best_score, optimizer.history())


def test_deep_learning_integration_with_torch() -> None:
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    input_size, output_size = 10, 2
    features = torch.randn(384, input_size, generator=generator)
    labels = (features[:, 0] + 0.5 * features[:, 1] - features[:, 2] > 0).long()  # a learnable rule
    train = TensorDataset(features[:256], labels[:256])
    X_val, y_val = features[256:], labels[256:]

    def neural_network_objective(params):
        torch.manual_seed(0)
        # Define model architecture based on parameters
        model = nn.Sequential(
            nn.Linear(input_size, params['hidden_size_1']),
            nn.ReLU(),
            nn.Dropout(params['dropout_1']),
            nn.Linear(params['hidden_size_1'], params['hidden_size_2']),
            nn.ReLU(),
            nn.Dropout(params['dropout_2']),
            nn.Linear(params['hidden_size_2'], output_size)
        )

        # Train and evaluate model
        optimizer = torch.optim.Adam(model.parameters(), lr=params['learning_rate'])
        # ... training loop ...
        loader = DataLoader(train, batch_size=params['batch_size'], shuffle=True,
                            generator=torch.Generator().manual_seed(0))
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        for _ in range(5):
            for xb, yb in loader:
                optimizer.zero_grad()
                loss_fn(model(xb), yb).backward()
                optimizer.step()
        model.eval()
        with torch.no_grad():
            validation_accuracy = (model(X_val).argmax(dim=1) == y_val).float().mean().item()

        return validation_accuracy

    # Neural network search space
    nn_search_space = {
        'hidden_size_1': ('int', 32, 512),
        'hidden_size_2': ('int', 16, 256),
        'dropout_1': ('float', 0.1, 0.5),
        'dropout_2': ('float', 0.1, 0.5),
        'learning_rate': ('float', 1e-5, 1e-2, 'log'),
        'batch_size': ('categorical', [16, 32, 64, 128]),
    }

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=6, random_state=0)
    best_params, best_score, history = optimizer.optimize(neural_network_objective, nn_search_space,
                                                          direction="maximize")
    check_best(best_params, best_score, history)
    assert best_score > 0.85  # the rule is learnable; chance is 0.5
    assert best_score == neural_network_objective(best_params)


# --- Monitoring and Visualization -----------------------------------------------------------------
def test_real_time_progress_tracking(capsys, caplog) -> None:
    # Enable detailed monitoring
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=10,  # seed: n_trials=200; 10 here for CI time
        enable_monitoring=True,
        log_level="INFO"
    )

    # Custom progress callback
    def detailed_progress_callback(study, trial):
        print(f"Trial {trial.number}:")
        print(f"  Parameters: {trial.params}")
        print(f"  Value: {trial.value}")
        print(f"  Best so far: {study.best_value}")

        # Log to file or external monitoring system
        logging.info(f"Trial {trial.number}: {trial.value}")

    optimizer.add_callback(detailed_progress_callback)

    with caplog.at_level(logging.INFO):
        _, best_score, history = optimizer.optimize(quadratic, QUADRATIC_SPACE, direction="maximize")
    out = capsys.readouterr().out
    assert out.count("  Best so far: ") == 10 and f"  Best so far: {best_score}" in out
    monitoring = [r for r in caplog.records if r.name == "parzen.adaptive" and r.levelno == logging.INFO]
    assert sum("trial" in r.getMessage() for r in monitoring) == 10  # the optimizer's own per-trial log
    user = [r.getMessage() for r in caplog.records if r.name == "root"]
    assert user == [f"Trial {h['number']}: {h['value']}" for h in history]


def test_optimization_visualization(tmp_path, monkeypatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=20, random_state=0)
    optimizer.optimize(quadratic, QUADRATIC_SPACE, direction="maximize")

    # Generate optimization plots
    import matplotlib.pyplot as plt

    # Plot optimization history
    figures = [optimizer.plot_optimization_history()]

    # Plot parameter importance
    figures.append(optimizer.plot_param_importance())

    # Plot parallel coordinate plot
    figures.append(optimizer.plot_parallel_coordinate())

    # Plot hyperparameter relationships
    figures.append(optimizer.plot_param_relationships())

    # Save plots
    optimizer.save_plots("optimization_plots/")

    assert all(isinstance(f, matplotlib.figure.Figure) for f in figures)
    files = sorted(Path("optimization_plots").iterdir())
    names = {f.stem for f in files}
    assert {"history", "importance", "parallel_coordinate", "contour"} <= names  # the four plots above, and more
    assert all(f.stat().st_size > 1000 for f in files)  # real images, not empty files
    plt.close("all")


# --- Error Handling and Robustness ----------------------------------------------------------------
def train_and_evaluate_model(params: dict) -> float:
    """A stand-in training run: diverges (raises) for learning rates above 0.05; best at 0.01."""
    if params["learning_rate"] > 0.05:
        raise FloatingPointError("loss diverged")
    return 1.0 - (math.log10(params["learning_rate"]) + 2) ** 2 / 10


def robust_objective(params):
    try:
        # Your optimization logic here
        result = train_and_evaluate_model(params)
        return result
    except Exception as e:
        # Log error and return worst possible score
        logging.error(f"Trial failed with error: {e}")
        return float('-inf')  # For maximization problems


def test_fault_tolerant_optimization() -> None:
    search_space = {"learning_rate": ("float", 1e-4, 1.0, "log")}  # above 0.05, a quarter of it, diverges

    # Configure error handling
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=12,  # seed: n_trials=200; 12 here for CI time
        random_state=0,
        max_failures=10,  # Maximum allowed failed trials
        retry_failed_trials=True,
        timeout_per_trial=300,  # 5-minute timeout per trial
        catch_exceptions=True
    )

    # The optimizer will automatically handle failed trials
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        best_params, best_score, _ = optimizer.optimize(
            objective=robust_objective,
            search_space=search_space,
            direction="maximize"
        )
    assert not [w for w in shown if "failed" in str(w.message)]  # the seed's -inf is a failure, not an accident

    history = optimizer.history()
    failed = [h for h in history if h["state"] == "FAIL"]
    assert failed and all(h["params"]["learning_rate"] > 0.05 for h in failed)  # -inf is recorded as a failure
    assert all(h["params"]["learning_rate"] <= 0.05 for h in history if h["state"] == "COMPLETE")
    assert len(history) == 12  # the run finished its budget (a retry is a trial of it)
    retries = [t for t in optimizer.study.trials if "retry_of" in t.system_attrs]
    assert retries and all(optimizer.study.trials[t.system_attrs["retry_of"]].state.name == "FAIL" for t in retries)
    check_best(best_params, best_score, history)
    assert math.isfinite(best_score)


# --- Best Practices -------------------------------------------------------------------------------
def test_search_space_design() -> None:
    # Good: Well-defined ranges based on domain knowledge
    search_space = {
        'learning_rate': ('float', 1e-5, 1e-1, 'log'),  # Log scale for learning rate
        'batch_size': ('categorical', [16, 32, 64, 128]),  # Powers of 2
        'n_layers': ('int', 2, 8),  # Reasonable range for layers
    }
    good = search_space

    # Avoid: Too wide or inappropriate ranges
    search_space = {
        'learning_rate': ('float', 0, 1),  # Too wide, linear scale
        'batch_size': ('int', 1, 1000),  # Too wide range
    }
    avoid = search_space

    def small_learning_rates(space: dict) -> float:
        optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=100, random_state=0,
                                                    adaptation_interval=100,  # draws from the space as given
                                                    sampler_config={"sampler_type": "random"})
        _, _, history = optimizer.optimize(lambda p: 0.0, space, direction="maximize")
        return sum(h["params"]["learning_rate"] < 1e-3 for h in history) / len(history)

    # A learning rate below 1e-3 is half of the log-scale range; it is 0.1% of the linear one.
    assert small_learning_rates(good) > 0.3 and small_learning_rates(avoid) < 0.05


def test_objective_function_design(basic: Basic, caplog) -> None:
    X, y, cross_val_score = basic.X, basic.y, basic.cross_val_score
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier

    model = LogisticRegression(max_iter=200)

    # Good: Robust objective with proper validation
    def robust_objective(params):
        try:
            # Use cross-validation for robust evaluation
            scores = cross_val_score(model, X, y, cv=5, scoring='f1_macro')
            return scores.mean()
        except Exception as e:
            logging.warning(f"Trial failed: {e}")
            return float('-inf')

    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)

    def create_model(params):
        return DecisionTreeClassifier(max_depth=params["max_depth"], random_state=0).fit(X_train, y_train)

    def evaluate_accuracy(model):
        return model.score(X_val, y_val)

    def measure_inference_time(model):
        """Seconds for 100 predictions of the validation set."""
        start = time.perf_counter()
        for _ in range(100):
            model.predict(X_val)
        return time.perf_counter() - start

    # Good: Multi-metric objective
    def multi_metric_objective(params):
        model = create_model(params)
        accuracy = evaluate_accuracy(model)
        inference_time = measure_inference_time(model)

        # Balance accuracy and speed
        return accuracy - 0.1 * inference_time

    assert 0.5 < robust_objective({}) <= 1.0
    model = LogisticRegression(C=-1.0)  # an invalid model: the robust objective reports it and scores -inf
    with caplog.at_level(logging.WARNING):
        assert robust_objective({}) == float("-inf")
    assert any("Trial failed" in r.getMessage() for r in caplog.records)

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=8, random_state=0)
    best_params, best_score, history = optimizer.optimize(multi_metric_objective, {"max_depth": ("int", 1, 12)},
                                                          direction="maximize")
    check_best(best_params, best_score, history)
    best_model = create_model(best_params)
    assert best_score <= evaluate_accuracy(best_model)  # accuracy minus a (positive) time penalty


def test_resource_management() -> None:
    # Configure resource limits
    optimizer = AdaptiveHyperparameterOptimizer(
        n_trials=100,
        timeout=6,  # seed: timeout=3600 (1 hour total); 6 s here for CI time
        n_jobs=min(4, os.cpu_count()),  # Don't oversubscribe
        memory_limit="8GB"
    )

    assert (optimizer.n_jobs, optimizer.memory_limit) == (min(4, os.cpu_count()), 8 * 10**9)
    start = time.monotonic()
    _, _, history = optimizer.optimize(slow_in_a_limited_process, {"x": ("float", 0.0, 1.0)}, direction="maximize")
    assert 0 < len(history) <= 48  # the total timeout ended the run: 6 s of 4 workers, 0.5 s a trial
    assert time.monotonic() - start < 60
    assert all(h["state"] == "COMPLETE" for h in history)
    for h in history:  # each trial ran in a child process under the 8 GB limit
        assert h["value"] == pytest.approx(-(h["params"]["x"] - 0.5) ** 2 - 0.008)


def slow_in_a_limited_process(params: dict) -> float:
    time.sleep(0.5)
    return in_a_limited_process(params)
