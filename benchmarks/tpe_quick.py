"""A quick look at parzen's TPESampler against optuna's TPESampler and random search.

(a) Sample efficiency: the median (and quartiles) over ``--seeds`` seeds of the best value after
    ``--trials`` trials on Branin (2-D), Hartmann6 (6-D), Rosenbrock (5-D) and a mixed problem with a
    float, a log-scaled float, an int and a categorical. Samplers: parzen TPE (defaults), optuna TPE
    (defaults), optuna TPE with ``multivariate=True``, and parzen random search.
(b) Overhead: ask+tell milliseconds per trial near trial ``--timing-trials`` in a 10-D float space, for
    parzen TPE and optuna TPE (defaults), each driving its own in-memory study.

Every study is driven through ask/tell with a fixed search space. Usage:

    python benchmarks/tpe_quick.py                 # both parts, about a minute on two cores
    python benchmarks/tpe_quick.py --only quality --seeds 5
    python benchmarks/tpe_quick.py --only overhead
"""

from __future__ import annotations

import argparse
import logging
import math
import time
import warnings
from typing import Any, Callable

import numpy as np

import parzen
from parzen.samplers.tpe import TPESampler

Objective = Callable[[dict[str, Any]], float]

# --- problems ------------------------------------------------------------------------------------------
_HARTMANN_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                        [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_HARTMANN_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                               [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_CATEGORY_COST = {"sgd": 1.0, "adam": 0.0, "rmsprop": 0.5, "adagrad": 2.0}


def branin(p: dict[str, Any]) -> float:
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(p: dict[str, Any]) -> float:
    x = np.array([p[f"x{i}"] for i in range(6)])
    return float(-np.sum(_HARTMANN_ALPHA * np.exp(-np.sum(_HARTMANN_A * (x - _HARTMANN_P) ** 2, axis=1))))


def rosenbrock5(p: dict[str, Any]) -> float:
    x = np.array([p[f"x{i}"] for i in range(5)])
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def mixed(p: dict[str, Any]) -> float:
    return ((p["x"] - 0.5) ** 2 + (math.log10(p["lr"]) + 3) ** 2 / 4 + (p["n"] - 7) ** 2 / 10
            + _CATEGORY_COST[p["opt"]])


# (objective, space as (kind, args) per parameter, known minimum)
PROBLEMS: dict[str, tuple[Objective, dict[str, tuple], float]] = {
    "branin (2-D)": (branin, {"x1": ("float", -5.0, 10.0), "x2": ("float", 0.0, 15.0)}, 0.397887),
    "hartmann6 (6-D)": (hartmann6, {f"x{i}": ("float", 0.0, 1.0) for i in range(6)}, -3.32237),
    "rosenbrock (5-D)": (rosenbrock5, {f"x{i}": ("float", -5.0, 10.0) for i in range(5)}, 0.0),
    "mixed int/cat (4-D)": (mixed, {"x": ("float", 0.0, 1.0), "lr": ("logfloat", 1e-5, 1.0),
                                    "n": ("int", 0, 20), "opt": ("cat", list(_CATEGORY_COST))}, 0.0),
}


def parzen_space(spec: dict[str, tuple]) -> dict[str, parzen.space.Distribution]:
    out: dict[str, parzen.space.Distribution] = {}
    for name, (kind, *args) in spec.items():
        if kind == "float":
            out[name] = parzen.Float(*args)
        elif kind == "logfloat":
            out[name] = parzen.Float(*args, log=True)
        elif kind == "int":
            out[name] = parzen.Int(*args)
        else:
            out[name] = parzen.Categorical(args[0])
    return out


def optuna_space(spec: dict[str, tuple]) -> dict[str, Any]:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for name, (kind, *args) in spec.items():
        if kind == "float":
            out[name] = FloatDistribution(*args)
        elif kind == "logfloat":
            out[name] = FloatDistribution(*args, log=True)
        elif kind == "int":
            out[name] = IntDistribution(*args)
        else:
            out[name] = CategoricalDistribution(args[0])
    return out


# --- drivers -------------------------------------------------------------------------------------------
def make_driver(sampler_name: str, seed: int, spec: dict[str, tuple]):
    """(ask, tell) for a fresh in-memory study; ask() returns (handle, params)."""
    if sampler_name.startswith("parzen"):
        sampler = TPESampler(seed=seed) if sampler_name == "parzen TPE" else parzen.RandomSampler(seed=seed)
        study = parzen.create_study(sampler=sampler)
        space = parzen_space(spec)

        def ask():
            trial = study.ask(space)
            return trial, trial.params

        return ask, study.tell
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    multivariate = sampler_name == "optuna TPE mv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna flags multivariate as experimental
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
    study = optuna.create_study(sampler=sampler)
    space = optuna_space(spec)

    def ask():
        trial = study.ask(space)
        return trial, trial.params

    return ask, study.tell


SAMPLERS = ("parzen TPE", "optuna TPE", "optuna TPE mv", "parzen random")


def best_after(sampler_name: str, problem: str, seed: int, n_trials: int) -> float:
    objective, spec, _ = PROBLEMS[problem]
    ask, tell = make_driver(sampler_name, seed, spec)
    best = math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n_trials):
            handle, params = ask()
            value = objective(params)
            tell(handle, value)
            best = min(best, value)
    return best


def quality(seeds: int, n_trials: int) -> None:
    print(f"median best value after {n_trials} trials over {seeds} seeds [25%, 75%] (lower is better)")
    for problem, (_, _, optimum) in PROBLEMS.items():
        print(f"\n{problem}  (optimum {optimum:g})")
        for name in SAMPLERS:
            t0 = time.perf_counter()
            values = np.array([best_after(name, problem, s, n_trials) for s in range(seeds)])
            q25, q50, q75 = np.percentile(values, [25, 50, 75])
            print(f"  {name:15s} {q50:10.4f}  [{q25:9.4f}, {q75:9.4f}]   ({time.perf_counter() - t0:5.1f} s)")


def overhead(n_trials: int, window: int) -> None:
    spec = {f"x{i}": ("float", -5.0, 5.0) for i in range(10)}
    print(f"\nask+tell ms per trial, median over trials {n_trials}..{n_trials + window - 1}, 10-D float sphere")
    results = {}
    for name in ("parzen TPE", "optuna TPE"):
        ask, tell = make_driver(name, 0, spec)
        times = np.empty(n_trials + window)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(n_trials + window):
                t0 = time.perf_counter()
                handle, params = ask()
                tell(handle, sum(v * v for v in params.values()))
                times[i] = time.perf_counter() - t0
        results[name] = 1e3 * float(np.median(times[n_trials:]))
        print(f"  {name:15s} {results[name]:8.2f} ms   (whole run {times.sum():6.1f} s)")
    print(f"  ratio optuna / parzen: {results['optuna TPE'] / results['parzen TPE']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--timing-trials", type=int, default=1000)
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--only", choices=["quality", "overhead"])
    args = parser.parse_args()
    logging.getLogger("optuna").setLevel(logging.WARNING)
    if args.only in (None, "quality"):
        quality(args.seeds, args.trials)
    if args.only in (None, "overhead"):
        overhead(args.timing_trials, args.window)


if __name__ == "__main__":
    main()
