"""Every code example of seed 004 (entrenar's HPO guide), in its Python form, runs and does what it says."""

from __future__ import annotations

import itertools
import json
import math
import threading
from pathlib import Path
from typing import Any

import pytest

from parzen.hpo import (
    BayesianOptimizer,
    GridSearch,
    MedianPruner,
    MultiObjectiveOptimizer,
    ParameterDef,
    RandomSearch,
    SearchSpace,
    Trial,
    TrialState,
)
from parzen.tracking import RunStatus, SqliteBackend

ROOT = Path(__file__).resolve().parents[2]


# --- helpers the seed calls but does not define: small real functions with known optima ------
def train_model(learning_rate: float, batch_size: int, hidden_dim: int, dropout: float) -> float:
    """Validation accuracy of a stand-in model: 0.95 at lr=1e-3, batch 32, hidden 256, dropout 0.2."""
    return (0.95 - 0.02 * (math.log10(learning_rate) + 3) ** 2 - 0.01 * (math.log2(batch_size) - 5) ** 2
            - 0.1 * ((hidden_dim - 256) / 448) ** 2 - 0.4 * (dropout - 0.2) ** 2)


def train_with_params(params: dict[str, Any]) -> float:
    return train_model(params["learning_rate"], int(params["batch_size"]), int(params["hidden_dim"]),
                       params["dropout"])


def quick_start_space() -> SearchSpace:
    return (SearchSpace()
            .add("learning_rate", ParameterDef.LogUniform(1e-5, 1e-1))
            .add("batch_size", ParameterDef.Discrete([16, 32, 64, 128]))
            .add("hidden_dim", ParameterDef.Uniform(64.0, 512.0))
            .add("dropout", ParameterDef.Uniform(0.0, 0.5)))


def test_quick_start_finds_the_highest_accuracy(capsys) -> None:
    space = quick_start_space()
    optimizer = BayesianOptimizer(space, 100, seed=0)  # 100 trials; maximizes (the default), as accuracy wants

    while (trial := optimizer.ask()) is not None:
        params = trial.params
        accuracy = train_model(params["learning_rate"], int(params["batch_size"]), int(params["hidden_dim"]),
                               params["dropout"])
        optimizer.tell(trial.id, accuracy, TrialState.Complete)

    best = optimizer.best_trial()
    print(f"Best accuracy: {best.value}")
    print(f"Best params: {best.params}")

    history = optimizer.history()
    assert len(history) == 100 and all(h["state"] == "Complete" for h in history)
    assert best.value == max(h["values"][0] for h in history)
    assert best.value > 0.94  # the optimum is 0.95
    assert best.params["batch_size"] == 32 and 3e-4 < best.params["learning_rate"] < 3e-3
    assert f"Best accuracy: {best.value}" in capsys.readouterr().out


def test_parameter_types() -> None:
    space = (SearchSpace()
             .add("uniform", ParameterDef.Uniform(0.0, 1.0))
             .add("log_uniform", ParameterDef.LogUniform(1e-5, 1e-1))
             .add("discrete", ParameterDef.Discrete([32, 64, 128, 256]))
             .add("categorical", ParameterDef.Categorical(["relu", "gelu", "swish"]))
             .add("int_uniform", ParameterDef.IntUniform(1, 10)))
    optimizer = BayesianOptimizer(space, 30, seed=1)
    seen: dict[str, set[Any]] = {name: set() for name in space.names}
    while (trial := optimizer.ask()) is not None:
        p = trial.params
        assert isinstance(p["uniform"], float) and 0.0 <= p["uniform"] <= 1.0
        assert isinstance(p["log_uniform"], float) and 1e-5 <= p["log_uniform"] <= 1e-1
        assert p["discrete"] in (32, 64, 128, 256) and isinstance(p["discrete"], int)
        assert p["categorical"] in ("relu", "gelu", "swish")
        assert isinstance(p["int_uniform"], int) and 1 <= p["int_uniform"] <= 10
        for name, value in p.items():
            seen[name].add(value)
        optimizer.tell(trial.id, p["uniform"], TrialState.Complete)
    assert len(seen["categorical"]) == 3 and len(seen["discrete"]) >= 3


def test_grid_search_runs_every_combination_once(capsys) -> None:
    def train_with_config(config: dict[str, Any]) -> float:
        return config["lr"] * config["batch_size"] * (2 if config["optimizer"] == "adam" else 1)

    grid = (GridSearch()
            .add("lr", [0.001, 0.01, 0.1])
            .add("batch_size", [32, 64])
            .add("optimizer", ["adam", "sgd"]))

    configs = []
    for config in grid.iter():
        result = train_with_config(config)
        print(f"{config} -> {result}")
        configs.append(config)

    expected = [dict(zip(("lr", "batch_size", "optimizer"), c))
                for c in itertools.product([0.001, 0.01, 0.1], [32, 64], ["adam", "sgd"])]
    assert len(configs) == len(grid) == 12
    assert sorted(map(repr, configs)) == sorted(map(repr, expected))
    assert "{'lr': 0.1, 'batch_size': 64, 'optimizer': 'adam'} -> 12.8" in capsys.readouterr().out


def test_random_search_baseline(capsys) -> None:
    space = quick_start_space()
    search = RandomSearch(space, 50, seed=3)  # 50 random trials

    results = {}
    for trial in search.iter():
        result = train_with_params(trial.params)
        print(f"Trial {trial.id}: {result}")
        results[trial.id] = (trial.params, result)

    assert sorted(results) == list(range(50))
    rates = [p["learning_rate"] for p, _ in results.values()]
    assert min(rates) < 1e-4 and max(rates) > 1e-2  # log-uniform spans the decades
    assert "Trial 49: " in capsys.readouterr().out


class _Model:
    """A training run whose loss decays towards a floor set by its learning rate (best at 1e-3)."""

    def __init__(self, learning_rate: float) -> None:
        self.floor = 0.1 + 0.2 * (math.log10(learning_rate) + 3) ** 2
        self.epoch = 0


def train_epoch(model: _Model) -> float:
    model.epoch += 1
    return model.floor + 2.0 * math.exp(-model.epoch / 8)


@pytest.mark.parametrize("direction", [None, "minimize"])
def test_early_stopping_prunes_unpromising_trials(direction) -> None:
    # As written the optimizer keeps its default direction (maximize); the pruner still reads the
    # per-epoch losses as losses (its default). With direction="minimize" the told loss is minimized too.
    space = SearchSpace().add("learning_rate", ParameterDef.LogUniform(1e-5, 1e-1))
    pruner = MedianPruner().with_n_startup_trials(5).with_n_warmup_steps(10)
    optimizer = (BayesianOptimizer(space, 30, seed=4) if direction is None
                 else BayesianOptimizer(space, 30, direction=direction, seed=4)).with_pruner(pruner)

    pruned_at = {}
    while (trial := optimizer.ask()) is not None:
        trial_id = trial.id
        model = _Model(trial.params["learning_rate"])
        for epoch in range(100):
            loss = train_epoch(model)
            if optimizer.should_prune(trial_id, epoch, loss):
                optimizer.tell(trial_id, loss, TrialState.Pruned)
                pruned_at[trial_id] = epoch
                break
        else:
            optimizer.tell(trial_id, loss, TrialState.Complete)

    trials = optimizer.trials()
    assert pruned_at and all(epoch >= 10 for epoch in pruned_at.values())
    first_pruned = min(pruned_at)
    assert sum(t.state == TrialState.Complete for t in trials[:first_pruned]) >= 5
    assert all(t.state == TrialState.Pruned for t in trials if t.id in pruned_at)
    lowest_loss = min(t.value for t in trials if t.state == TrialState.Complete)
    assert len(pruned_at) >= 2 and all(t.value > lowest_loss for t in trials if t.id in pruned_at)
    if direction == "minimize":
        assert optimizer.best_trial().value == lowest_loss < 0.12  # the floor is 0.1 at lr = 1e-3
    assert sum(len(t.intermediate_values) for t in trials) < 30 * 100  # pruning saved epochs


def evaluate(params: dict[str, Any]) -> tuple[float, float]:
    """Accuracy grows with hidden_dim, latency grows with it too: a real trade-off."""
    width = params["hidden_dim"]
    return 1.0 - 64.0 / width - 0.3 * (params["dropout"] - 0.2) ** 2, width / 100.0 + 10 * params["dropout"]


def test_multi_objective_pareto_front() -> None:
    space = (SearchSpace().add("hidden_dim", ParameterDef.Uniform(64.0, 512.0))
             .add("dropout", ParameterDef.Uniform(0.0, 0.5)))
    optimizer = (MultiObjectiveOptimizer(space, n_trials=40, seed=5)
                 .add_objective("accuracy", True)  # maximize
                 .add_objective("latency", False))  # minimize

    while (trial := optimizer.ask()) is not None:
        accuracy, latency = evaluate(trial.params)
        optimizer.tell(trial.id, [accuracy, latency])

    pareto_front = optimizer.pareto_front()
    done = optimizer.trials()

    def dominates(a: Trial, b: Trial) -> bool:
        (acc_a, lat_a), (acc_b, lat_b) = a.values, b.values
        return acc_a >= acc_b and lat_a <= lat_b and (acc_a > acc_b or lat_a < lat_b)

    expected = {t.id for t in done if not any(dominates(o, t) for o in done)}
    assert {t.id for t in pareto_front} == expected and len(expected) >= 3


def test_parallel_trials_with_a_lock() -> None:
    optimizer = BayesianOptimizer(quick_start_space(), 100, direction="maximize", seed=6)
    lock = threading.Lock()  # the seed's Arc<Mutex<...>>

    def worker() -> None:
        while True:
            with lock:
                trial = optimizer.ask()
            if trial is None:
                break
            result = train_with_params(trial.params)
            with lock:
                optimizer.tell(trial.id, result, TrialState.Complete)

    handles = [threading.Thread(target=worker) for _ in range(4)]
    for handle in handles:
        handle.start()
    for handle in handles:
        handle.join()

    trials = optimizer.trials()
    assert [t.id for t in trials] == list(range(100))
    assert all(t.state == TrialState.Complete for t in trials)
    assert optimizer.best_trial().value > 0.93


def test_cargo_run_example_is_the_sweep_command(tmp_path, capsys) -> None:
    from parzen.cli import main

    objective = f"{ROOT / 'examples' / 'sweep_objective.py'}:accuracy"
    checkpoint = tmp_path / "hpo_checkpoint.json"
    assert main(["sweep", "--trials", "30", "--space", str(ROOT / "examples" / "search_space.yaml"),
                 "--objective", objective, "--direction", "maximize", "--seed", "7",
                 "--checkpoint", str(checkpoint)]) == 0
    assert "best trial" in capsys.readouterr().out
    assert main(["sweep", "--trials", "50", "--resume", str(checkpoint), "--objective", objective]) == 0
    out = capsys.readouterr().out
    assert "resumed 30 trial(s)" in out and "trial 49:" in out and "trial 50:" not in out
    data = json.loads(checkpoint.read_text())
    assert [t["number"] for t in data["trials"]] == list(range(50))
    assert max(t["values"][0] for t in data["trials"]) > 0.93  # the objective's optimum is 0.95


def test_visualization_history_exports_to_json(tmp_path) -> None:
    optimizer = BayesianOptimizer(quick_start_space(), 12, seed=8)
    while (trial := optimizer.ask()) is not None:
        optimizer.tell(trial.id, train_with_params(trial.params), TrialState.Complete)

    history = optimizer.history()
    text = json.dumps(history, indent=2)
    (tmp_path / "hpo_history.json").write_text(text)

    loaded = json.loads((tmp_path / "hpo_history.json").read_text())
    assert [h["id"] for h in loaded] == list(range(12))
    assert loaded[3]["params"] == optimizer.trials()[3].params
    assert loaded[3]["values"] == [optimizer.trials()[3].value]


def test_integration_with_experiment_tracking(tmp_path) -> None:
    optimizer = BayesianOptimizer(quick_start_space(), 8, direction="maximize", seed=9)
    storage = SqliteBackend.open(tmp_path / "experiments.db")
    exp_id = storage.create_experiment("hpo-sweep", None)

    while (trial := optimizer.ask()) is not None:
        run_id = storage.create_run(exp_id)
        storage.start_run(run_id)
        for name, value in trial.params.items():
            storage.log_param(run_id, name, value)
        result = train_with_params(trial.params)
        storage.log_metric(run_id, "final_accuracy", 0, result)
        storage.complete_run(run_id, RunStatus.Success)
        optimizer.tell(trial.id, result, TrialState.Complete)
    storage.close()

    reopened = SqliteBackend.open(tmp_path / "experiments.db")
    runs = reopened.list_runs(exp_id)
    assert len(runs) == 8 and all(r.status == RunStatus.Success for r in runs)
    for run, trial in zip(runs, optimizer.trials()):
        assert reopened.get_params(run.id) == trial.params
        assert [m.value for m in reopened.get_metrics(run.id, "final_accuracy")] == [trial.value]
    reopened.close()
