"""Pruning benchmark: training steps spent and best value found, parzen's pruners against optuna's.

Two learning-curve tasks, both minimized:

* ``synthetic``: a configuration ``x`` in [0, 1]^3 has a known final value ``f(x)`` and the curve
  ``f(x) + a(x) * (step + 1) ** -b(x) + noise`` over 81 steps; slow learners (small ``b``) may end
  best, so early values mislead sometimes. Noise: Gaussian, sd 0.01, fixed per (seed, trial, step).
* ``sgd``: a scikit-learn ``SGDClassifier`` trained epoch by epoch with ``partial_fit`` on a
  synthetic binary problem (``make_classification``), 27 epochs; the value is the validation error.

Every method sees the same configurations in the same order (trial ``i`` of seed ``s`` gets
configuration ``i`` drawn from ``s``), so the comparison is paired; only the pruner differs.
Methods: no pruning, and Median, ASHA (successive halving) and Hyperband from parzen and from
optuna with the same settings. Figures are medians over ``--seeds`` seeds: total steps reported
(one per epoch trained), the best value of the study (the best final value of a COMPLETE trial)
and, for the synthetic task, the true final value ``f(x)`` of the configuration chosen.

    python benchmarks/pruning.py                      # both tasks, 10 seeds: a few minutes on two cores
    python benchmarks/pruning.py --tasks synthetic --seeds 3
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import parzen
from parzen import pruners

SYNTHETIC_STEPS = 81
SGD_EPOCHS = 27


@dataclass
class Task:
    """A set of learning curves: ``curve(seed, i, step)`` is trial ``i``'s value at ``step``."""

    name: str
    n_steps: int
    n_trials: int
    curve: Callable[[int, int, int], float]
    true_final: Callable[[int, int], float] | None = None


# --- synthetic curves ------------------------------------------------------------------------------
def _synthetic_config(seed: int, i: int) -> np.ndarray:
    return np.random.default_rng([seed, i]).uniform(size=3)


def synthetic_final(seed: int, i: int) -> float:
    x = _synthetic_config(seed, i)
    return float(np.sum((x - np.array([0.3, 0.6, 0.5])) ** 2))


def synthetic_curve(seed: int, i: int, step: int) -> float:
    x = _synthetic_config(seed, i)
    a = 0.3 + 1.2 * x[1]  # how far the curve starts above its final value
    b = 0.3 + 1.2 * x[2]  # how fast it gets there (x[2] = 0.5 is best at the end, not the fastest)
    noise = 0.01 * np.random.default_rng([seed, i, step, 1]).standard_normal()
    return synthetic_final(seed, i) + a * (step + 1) ** -b + float(noise)


# --- scikit-learn SGD curves -----------------------------------------------------------------------
@dataclass
class _SgdRun:
    model: Any
    errors: list[float] = field(default_factory=list)


class SgdCurves:
    """Validation errors of SGDClassifier runs, trained lazily and shared by all methods of a seed."""

    def __init__(self) -> None:
        from sklearn.datasets import make_classification

        X, y = make_classification(n_samples=4000, n_features=30, n_informative=8, flip_y=0.05, random_state=0)
        self._train, self._valid = (X[:3000], y[:3000]), (X[3000:], y[3000:])
        self._runs: dict[tuple[int, int], _SgdRun] = {}

    def _model(self, seed: int, i: int) -> Any:
        from sklearn.linear_model import SGDClassifier

        rng = np.random.default_rng([seed, i, 2])
        return SGDClassifier(
            loss=str(rng.choice(["hinge", "log_loss", "modified_huber"])),
            alpha=float(10 ** rng.uniform(-6, -1)),
            learning_rate="constant",
            eta0=float(10 ** rng.uniform(-5, 0)),
            random_state=i,
        )

    def __call__(self, seed: int, i: int, step: int) -> float:
        run = self._runs.setdefault((seed, i), _SgdRun(self._model(seed, i)))
        while len(run.errors) <= step:
            run.model.partial_fit(*self._train, classes=[0, 1])
            run.errors.append(1.0 - float(run.model.score(*self._valid)))
        return run.errors[step]


# --- methods ---------------------------------------------------------------------------------------
def parzen_pruners(n_steps: int) -> dict[str, Callable[[], parzen.pruners.Pruner | None]]:
    return {
        "none": lambda: None,
        "parzen Median": lambda: pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
        "parzen ASHA": lambda: pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3,
                                                              max_resource=n_steps),
        "parzen Hyperband": lambda: pruners.HyperbandPruner(min_resource=1, max_resource=n_steps,
                                                            reduction_factor=3),
    }


def optuna_pruners(n_steps: int) -> dict[str, Callable[[], Any]]:
    import optuna

    return {
        "optuna Median": lambda: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
        "optuna SHA": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
        "optuna Hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=n_steps,
                                                                   reduction_factor=3),
    }


def _curve_objective(task: Task, seed: int, pruned_error: type[Exception]) -> Callable[[Any], float]:
    def objective(trial: Any) -> float:
        value = 0.0
        for step in range(task.n_steps):
            value = task.curve(seed, trial.number, step)
            trial.report(value, step)
            if trial.should_prune():
                raise pruned_error()
        return value

    return objective


def run_parzen(task: Task, seed: int, pruner: Any) -> tuple[int, float, int]:
    study = parzen.create_study(pruner=pruner, sampler=parzen.RandomSampler(seed=seed),
                                study_name=f"{task.name}-{seed}")
    study.optimize(_curve_objective(task, seed, parzen.TrialPruned), n_trials=task.n_trials)
    steps = sum(len(t.intermediate_values) for t in study.trials)
    return steps, study.best_value, study.best_trial.number


def run_optuna(task: Task, seed: int, pruner: Any) -> tuple[int, float, int]:
    import optuna

    study = optuna.create_study(pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=seed),
                                study_name=f"{task.name}-{seed}")
    study.optimize(_curve_objective(task, seed, optuna.TrialPruned), n_trials=task.n_trials)
    steps = sum(len(t.intermediate_values) for t in study.trials)
    return steps, study.best_value, study.best_trial.number


def benchmark(task: Task, seeds: int) -> list[tuple[str, float, float, float, float, float | None]]:
    """Rows ``(method, median steps, steps vs none, median best, IQR of best, median true final)``."""
    methods: dict[str, tuple[Callable[[], Any], Callable[..., tuple[int, float, int]]]] = {}
    for name, make in parzen_pruners(task.n_steps).items():
        methods[name] = (make, run_parzen)
    for name, make in optuna_pruners(task.n_steps).items():
        methods[name] = (make, run_optuna)
    results: dict[str, list[tuple[int, float, float]]] = {name: [] for name in methods}
    for seed in range(seeds):
        for name, (make, run) in methods.items():
            steps, best, number = run(task, seed, make())
            true = task.true_final(seed, number) if task.true_final else float("nan")
            results[name].append((steps, best, true))
    base_steps = float(np.median([r[0] for r in results["none"]]))
    rows = []
    for name, runs in results.items():
        steps = float(np.median([r[0] for r in runs]))
        bests = np.array([r[1] for r in runs])
        q1, q3 = np.percentile(bests, [25, 75])
        true = float(np.median([r[2] for r in runs])) if task.true_final else None
        rows.append((name, steps, base_steps / steps, float(np.median(bests)), float(q3 - q1), true))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=["synthetic", "sgd"], default=["synthetic", "sgd"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=60, help="trials per study")
    args = parser.parse_args(argv)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    tasks = {
        "synthetic": lambda: Task("synthetic", SYNTHETIC_STEPS, args.trials, synthetic_curve, synthetic_final),
        "sgd": lambda: Task("sgd", SGD_EPOCHS, args.trials, SgdCurves()),
    }
    for task_name in args.tasks:
        task = tasks[task_name]()
        start = time.perf_counter()
        rows = benchmark(task, args.seeds)
        print(f"\n{task.name}: {task.n_trials} trials x {task.n_steps} steps, median of {args.seeds} seeds "
              f"({time.perf_counter() - start:.0f} s)")
        header = f"| {'method':<17} | {'steps':>7} | {'x fewer':>7} | {'best value':>10} | {'IQR':>7} |"
        header += " true final of best |" if task.true_final else ""
        print(header)
        print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
        for name, steps, ratio, best, iqr, true in rows:
            line = f"| {name:<17} | {steps:>7.0f} | {ratio:>7.2f} | {best:>10.4f} | {iqr:>7.4f} |"
            line += f" {true:>18.4f} |" if true is not None else ""
            print(line)


if __name__ == "__main__":
    main()
