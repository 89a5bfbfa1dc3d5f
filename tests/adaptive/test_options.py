"""Every option of AdaptiveHyperparameterOptimizer is checked before any trial and has its effect."""

from __future__ import annotations

import logging

import optuna
import pytest

import parzen
from parzen.adaptive import AdaptiveHyperparameterOptimizer, OptimizationConfig
from parzen.backends import HyperoptSampler, OptunaSampler, SkoptSampler

optuna.logging.set_verbosity(optuna.logging.WARNING)
SPACE = {"x": ("float", -5.0, 5.0), "n": ("int", 1, 10)}


def quadratic(params: dict) -> float:
    return -(params["x"] - 1) ** 2 - abs(params["n"] - 3)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"backend": "nevergrad"}, ValueError, "`backend` must be one of"),
    ({"n_trials": 0}, ValueError, "n_trials"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
    ({"random_state": "1"}, TypeError, "random_state"),
    ({"enable_pruning": "yes"}, TypeError, "enable_pruning"),
    ({"trial_timeout": 5, "timeout_per_trial": 10}, ValueError, "same setting"),
    ({"max_memory_usage": "4GB", "memory_limit": "8GB"}, ValueError, "same setting"),
    ({"memory_limit": "lots"}, ValueError, "memory_limit"),
    ({"log_level": "LOUD"}, ValueError, "log_level"),
    ({"enable_pruning": False, "pruner_config": {"pruner_type": "hyperband"}}, ValueError, "enable_pruning"),
    ({"pruner_config": {"pruner_type": "guillotine"}}, ValueError, "pruner_type"),
    ({"backend": "hyperopt", "sampler_config": {"multivariate": True}}, ValueError,
     "taken by: parzen \\(tpe\\), optuna \\(tpe\\)"),
    ({"backend": "skopt", "sampler_config": {"gamma": 0.25}}, ValueError, "gamma"),
    ({"backend": "parzen", "sampler_config": {"weights": lambda n: 1}}, ValueError, "optuna \\(tpe\\)"),
    ({"backend": "hyperopt", "sampler_config": {"sampler_type": "cmaes"}}, ValueError, "back ends with it: parzen"),
])
def test_bad_options_are_named_before_any_trial(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        AdaptiveHyperparameterOptimizer(**kwargs)


def test_bad_calls_are_refused_before_any_trial() -> None:
    calls = []

    def objective(params: dict) -> float:
        calls.append(params)
        return 0.0

    optimizer = AdaptiveHyperparameterOptimizer(n_trials=3)
    with pytest.raises(ValueError, match="search_space\\['x'\\]"):
        optimizer.optimize(objective, {"x": ("float", 1)}, direction="maximize")
    with pytest.raises(ValueError, match="`direction`"):
        optimizer.optimize(objective, SPACE, direction="up")
    with pytest.raises(TypeError, match="callback"):
        optimizer.optimize(objective, SPACE, callbacks=[lambda a: None])
    assert calls == []


@pytest.mark.parametrize("backend, sampler_class", [
    ("optuna", OptunaSampler), ("hyperopt", HyperoptSampler), ("skopt", SkoptSampler),
])
def test_each_backend_runs_its_real_package(backend, sampler_class) -> None:
    config = {"sampler_type": "et"} if backend == "skopt" else None
    optimizer = AdaptiveHyperparameterOptimizer(backend=backend, n_trials=12, random_state=0, sampler_config=config)
    best_params, best_score, history = optimizer.optimize(quadratic, SPACE, direction="maximize")
    assert isinstance(optimizer.study.sampler, sampler_class)
    assert best_score == max(h["value"] for h in history) and len(history) == 12
    assert best_params == optimizer.study.best_params


def test_sampler_config_reaches_the_optuna_sampler() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna", n_trials=3, sampler_config={"multivariate": True, "n_startup_trials": 7,
                                                      "n_ei_candidates": 5, "gamma": 0.3})
    optimizer.optimize(quadratic, SPACE)
    tpe = optimizer.study.sampler.optuna_sampler
    assert isinstance(tpe, optuna.samplers.TPESampler)
    assert (tpe._n_startup_trials, tpe._n_ei_candidates, tpe._multivariate) == (7, 5, True)
    assert tpe._gamma(100) == 25 and tpe._gamma(10) == 3


def test_from_config_takes_every_field_and_the_direction() -> None:
    config = OptimizationConfig(backend="parzen", n_trials=6, random_state=3, adaptation_interval=4,
                                study_direction="minimize", sampler_config={"sampler_type": "tpe"})
    optimizer = AdaptiveHyperparameterOptimizer.from_config(config)
    assert (optimizer.n_trials, optimizer.adaptation_interval, optimizer.random_state) == (6, 4, 3)
    _, best, history = optimizer.optimize(quadratic, SPACE)
    assert best == min(h["value"] for h in history)  # minimized: the config's direction
    with pytest.raises(ValueError, match="n_trials"):
        AdaptiveHyperparameterOptimizer.from_config(config, n_trials=5)


def test_n_jobs_minus_one_means_every_core() -> None:
    import os

    assert AdaptiveHyperparameterOptimizer(n_jobs=-1).n_jobs == (os.cpu_count() or 1)


def test_catch_exceptions_max_failures_and_retries() -> None:
    def flaky(params: dict) -> float:
        if params["x"] > 0:
            raise RuntimeError("diverged")
        return params["x"]

    caught = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=10, random_state=1)
    caught.optimize(flaky, {"x": ("float", -1.0, 1.0)})
    states = [h["state"] for h in caught.history()]
    assert "FAIL" in states and "COMPLETE" in states

    strict = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=10, random_state=1, catch_exceptions=False)
    with pytest.raises(RuntimeError, match="diverged"):
        strict.optimize(flaky, {"x": ("float", 0.5, 1.0)})

    limited = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=20, max_failures=3)
    with pytest.raises(parzen.exceptions.TooManyFailures):
        limited.optimize(flaky, {"x": ("float", 0.5, 1.0)})
    assert len(limited.history()) == 3

    retried = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=4, retry_failed_trials=True)
    retried.optimize(flaky, {"x": ("float", 0.5, 1.0)})
    retries = [t for t in retried.study.trials if "retry_of" in t.system_attrs]
    assert retries and all(t.params == retried.study.trials[t.system_attrs["retry_of"]].params for t in retries)


def test_monitoring_logs_each_trial_at_the_level(caplog) -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=3, enable_monitoring=True,
                                                log_level="WARNING")
    with caplog.at_level(logging.WARNING, logger="parzen.adaptive"):
        optimizer.optimize(quadratic, SPACE)
    assert sum("trial" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records) == 3
    quiet = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=3)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="parzen.adaptive"):
        quiet.optimize(quadratic, SPACE)
    assert not caplog.records


def test_pruning_needs_a_trial_argument_and_follows_pruner_config() -> None:
    def curve(params: dict, trial) -> float:
        for step in range(9):
            trial.report(abs(params["x"] - 1) + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return -abs(params["x"] - 1)

    optimizer = AdaptiveHyperparameterOptimizer(
        backend="parzen", n_trials=30, random_state=0,
        pruner_config={"pruner_type": "hyperband", "min_resource": 1, "max_resource": "auto", "reduction_factor": 3})
    optimizer.optimize(curve, {"x": ("float", -5.0, 5.0)})
    assert isinstance(optimizer.study.pruner, parzen.pruners.HyperbandPruner)
    assert any(h["state"] == "PRUNED" for h in optimizer.history())
    off = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=15, enable_pruning=False)
    off.optimize(curve, {"x": ("float", -5.0, 5.0)})
    assert all(h["state"] == "COMPLETE" for h in off.history())
