"""Cache, save/load/continue, ensembles, several objectives, plots and resource limits."""

from __future__ import annotations

import json

import pytest

from parzen.adaptive import AdaptiveHyperparameterOptimizer

SPACE = {"x": ("float", -3.0, 3.0), "k": ("categorical", ["a", "b"])}
CALLS: list[dict] = []


def counted(params: dict) -> float:
    CALLS.append(params)
    return -params["x"] ** 2 - (params["k"] == "b")


def allocate(params: dict) -> float:
    """Allocates ``params["mb"]`` megabytes."""
    block = bytearray(int(params["mb"]) * 2**20)
    return float(len(block) > 0)


def test_cache_skips_repeats_survives_a_new_optimizer_and_never_serves_a_changed_objective(tmp_path) -> None:
    CALLS.clear()
    first = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=8, random_state=0, cache_dir=tmp_path)
    first.study_name = "one"
    first.optimize(counted, SPACE, direction="maximize")
    assert len(CALLS) == 8
    second = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=4, random_state=1, cache_dir=tmp_path)
    second.study_name = "two"
    second.optimize(counted, SPACE, direction="maximize")
    assert sum(h["cached"] for h in second.history()) == 8  # warm: the first run's 8 values, not evaluated
    assert len(CALLS) == 12 and len(second.history()) == 12
    enqueued = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=1, cache_dir=tmp_path)
    enqueued.optimize(counted, SPACE, direction="maximize")
    enqueued.study.enqueue_trial(enqueued.study.trials[0].params)
    enqueued.continue_optimization(1)
    assert enqueued.history()[-1]["cached"] and len(CALLS) == 12 + 1  # a repeated parameter set: cache hit

    def changed(params: dict) -> float:
        CALLS.append(params)
        return params["x"]

    third = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=3, cache_dir=tmp_path)
    third.optimize(changed, SPACE, direction="maximize")
    assert not any(h["cached"] for h in third.history())
    narrower = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=2, cache_dir=tmp_path)
    narrower.study_name = "narrower"
    narrower.optimize(counted, {"x": ("float", -1.0, 1.0), "k": ("categorical", ["a", "b"])}, direction="maximize")
    assert not any(h["cached"] for h in narrower.history())


def test_save_load_and_continue_without_pickle(tmp_path) -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=6, random_state=0)
    optimizer.optimize(counted, SPACE, direction="maximize")
    path = tmp_path / "optimization_study.pkl"
    optimizer.save_study(path)
    assert json.loads(path.read_text())["format"] == "parzen.study"
    loaded = AdaptiveHyperparameterOptimizer.load_study(path)
    assert loaded.backend == "optuna" and [h["params"] for h in loaded.history()] == \
        [h["params"] for h in optimizer.history()]
    best_params, best_score, history = loaded.continue_optimization(additional_trials=5)
    assert len(history) == 11 and best_score >= optimizer.best_score


def test_ensemble_shares_trials_by_weight() -> None:
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble({
        "optimizers": [{"backend": "optuna", "weight": 0.5}, {"backend": "hyperopt", "weight": 0.25},
                       {"backend": "parzen", "weight": 0.25}],
        "combination_strategy": "weighted_average", "n_trials_per_optimizer": 4})
    _, best, history = ensemble.optimize(counted, SPACE, direction="maximize")
    members = [t.system_attrs["ensemble_member"] for t in ensemble.study.trials]
    assert len(history) == 12 and [members.count(i) for i in range(3)] == [6, 3, 3]
    with pytest.raises(ValueError, match="combination_strategy"):
        AdaptiveHyperparameterOptimizer.create_ensemble({"optimizers": [{"backend": "optuna"}],
                                                          "combination_strategy": "vote"})


def test_multi_objective_returns_a_non_dominated_front() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=20, random_state=0)
    front = optimizer.multi_objective_optimize(lambda p: (p["x"], -p["x"] ** 2), {"x": ("float", -3.0, 3.0)},
                                               directions=["maximize", "maximize"])
    assert front
    for a in front:
        assert not any(b.values[0] >= a.values[0] and b.values[1] >= a.values[1] and b.values != a.values
                       for b in front)
        assert a.params["x"] >= -1e-9  # x < 0 is dominated by -x


def test_plots_are_written(tmp_path) -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=8, random_state=0)
    optimizer.optimize(counted, SPACE, direction="maximize")
    assert optimizer.plot_optimization_history() is not None
    files = optimizer.save_plots(tmp_path / "optimization_plots")
    assert files and all(f.stat().st_size > 0 for f in files)


def test_memory_limit_fails_a_trial_that_allocates_past_it() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=2, memory_limit="1.5GB", n_jobs=1)
    optimizer.optimize(allocate, {"mb": ("categorical", [16, 4096])}, direction="maximize")
    optimizer.study.enqueue_trial({"mb": 16})
    optimizer.study.enqueue_trial({"mb": 4096})
    optimizer.continue_optimization(2)
    states = {h["params"]["mb"]: h["state"] for h in optimizer.history()[-2:]}
    assert states == {16: "COMPLETE", 4096: "FAIL"}
    assert "MemoryError" in optimizer.study.trials[-1].fail_reason


def test_a_trial_timeout_stops_a_runaway_objective() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=2, timeout_per_trial=1.0)
    optimizer.optimize(sleepy, {"s": ("categorical", [0.0, 30.0])}, direction="maximize")
    optimizer.study.enqueue_trial({"s": 30.0})
    optimizer.continue_optimization(1)
    assert optimizer.history()[-1]["state"] == "FAIL"


def sleepy(params: dict) -> float:
    import time

    time.sleep(params["s"])
    return 1.0


def test_a_plot_error_names_the_method_the_user_called() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=4, random_state=0)
    optimizer.optimize(lambda p: -p["x"] ** 2, {"x": ("float", -3.0, 3.0)}, direction="maximize")
    with pytest.raises(ValueError, match=r"^plot_param_relationships\(\) needs two parameters") as info:
        optimizer.plot_param_relationships()
    assert "plot_contour" not in str(info.value)
    with pytest.raises(ValueError, match="`params` must name exactly two parameters"):  # other errors as they are
        optimizer.plot_param_relationships(params=["x"])
