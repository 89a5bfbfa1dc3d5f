"""Multi-objective sample efficiency: hypervolume of the front after N trials, parzen against optuna.

Problems: ZDT1 and ZDT2 (Zitzler, Deb and Thiele 2000; 30 variables, 2 objectives), DTLZ2 (Deb et al.
2002; 12 variables, 3 objectives) and two real trade-offs on scikit-learn's breast-cancer data:
gradient boosting (seven hyperparameters: int, float, log-scaled and categorical), validation log
loss against log2 of the total number of leaves; and elastic-net logistic regression, validation log
loss against the number of features kept. Samplers: parzen's default for several objectives, its
GP (ParEGO), MOTPE, NSGA-II and random search; optuna's NSGAIISampler and its multi-objective
TPESampler.
Each cell is the median hypervolume over the seeds (larger is better).

    python benchmarks/multi_objective.py --seeds 10 --trials 100 300 --jobs 2
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

import numpy as np

import parzen
from parzen import Categorical, Float, Int
from parzen.multi_objective import hypervolume

Objective = Callable[[dict], tuple]


def zdt1(p: dict) -> tuple[float, float]:
    x = np.array([p[f"x{i}"] for i in range(30)])
    g = 1.0 + 9.0 * x[1:].mean()
    return float(x[0]), float(g * (1.0 - np.sqrt(x[0] / g)))


def zdt2(p: dict) -> tuple[float, float]:
    x = np.array([p[f"x{i}"] for i in range(30)])
    g = 1.0 + 9.0 * x[1:].mean()
    return float(x[0]), float(g * (1.0 - (x[0] / g) ** 2))


def dtlz2(p: dict) -> tuple[float, float, float]:
    x = np.array([p[f"x{i}"] for i in range(12)])
    g = float(((x[2:] - 0.5) ** 2).sum())
    a, b = x[0] * np.pi / 2, x[1] * np.pi / 2
    return ((1 + g) * np.cos(a) * np.cos(b), (1 + g) * np.cos(a) * np.sin(b), (1 + g) * np.sin(a))


@functools.lru_cache(maxsize=1)
def _cancer_split() -> tuple:
    """scikit-learn's breast-cancer data, split once (stratified) into 70 % training, 30 % validation."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    x, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(x, y, test_size=0.3, random_state=0, stratify=y))


def boosting(p: dict) -> tuple[float, float]:
    """Gradient boosting on breast cancer: validation log loss against log2 of the total number of leaves.

    The log loss is continuous, unlike the accuracy on 171 validation points, so samplers do not tie on a
    handful of accuracy levels; the size counts the leaves of all trees, on a log scale (bits).
    """
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import log_loss

    x_train, x_valid, y_train, y_valid = _cancer_split()
    model = GradientBoostingClassifier(
        n_estimators=p["n_estimators"], learning_rate=p["learning_rate"], max_depth=p["max_depth"],
        min_samples_leaf=p["min_samples_leaf"], subsample=p["subsample"], max_features=p["max_features"],
        loss=p["loss"], random_state=0)
    model.fit(x_train, y_train)
    leaves = sum(tree.tree_.n_leaves for tree in model.estimators_.ravel())
    return float(log_loss(y_valid, model.predict_proba(x_valid))), float(np.log2(leaves))


def sparse_logistic(p: dict) -> tuple[float, float]:
    """Elastic-net logistic regression on breast cancer: validation log loss against features kept.

    Accuracy against sparsity, the trade-off of a model that must be cheap to compute or explain: a
    stronger L1 share or a smaller C drops features and, past a point, costs accuracy.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train, x_valid, y_train, y_valid = _cancer_split()
    model = make_pipeline(StandardScaler(), LogisticRegression(
        solver="saga", C=p["C"], l1_ratio=p["l1_ratio"], tol=p["tol"],
        max_iter=p["max_iter"], class_weight=p["class_weight"], fit_intercept=p["fit_intercept"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train)
    kept = int(np.count_nonzero(model[-1].coef_))
    return float(log_loss(y_valid, model.predict_proba(x_valid))), float(kept)


SPARSE_LOGISTIC_SPACE = {
    "C": Float(1e-3, 1e2, log=True), "l1_ratio": Float(0.0, 1.0), "tol": Float(1e-5, 1e-1, log=True),
    "max_iter": Int(10, 500, log=True), "class_weight": Categorical([None, "balanced"]),
    "fit_intercept": Categorical([True, False]),
}

BOOSTING_SPACE = {
    "n_estimators": Int(1, 50, log=True), "learning_rate": Float(0.01, 1.0, log=True), "max_depth": Int(1, 5),
    "min_samples_leaf": Int(1, 50, log=True), "subsample": Float(0.3, 1.0), "max_features": Float(0.1, 1.0),
    "loss": Categorical(["log_loss", "exponential"]),
}


PROBLEMS: dict[str, tuple[Objective, dict, list[float]]] = {
    "ZDT1": (zdt1, {f"x{i}": Float(0.0, 1.0) for i in range(30)}, [11.0, 11.0]),
    "ZDT2": (zdt2, {f"x{i}": Float(0.0, 1.0) for i in range(30)}, [11.0, 11.0]),
    "DTLZ2": (dtlz2, {f"x{i}": Float(0.0, 1.0) for i in range(12)}, [3.0, 3.0, 3.0]),
    "boosting": (boosting, BOOSTING_SPACE, [0.7, 11.0]),
    "sparse-logistic": (sparse_logistic, SPARSE_LOGISTIC_SPACE, [0.7, 31.0]),
}


def _ask_and_tell(study, space: dict, objective: Objective, n_trials: int) -> list[tuple]:
    """The objective values of ``n_trials`` trials asked in ``space`` (a parzen or an optuna study)."""
    values = []
    for _ in range(n_trials):
        trial = study.ask(space)
        v = objective(trial.params)
        study.tell(trial, v)
        values.append(tuple(v))
    return values


def _parzen_run(sampler_name: str, objective: Objective, space: dict, n_obj: int, n_trials: int,
                seed: int) -> list[tuple]:
    directions = ["minimize"] * n_obj
    if sampler_name == "parzen default":
        study = parzen.create_study(directions=directions, seed=seed)
    else:
        make = {"parzen NSGA-II": parzen.samplers.NSGAIISampler, "parzen GP": parzen.samplers.GPSampler,
                "parzen MOTPE": parzen.samplers.TPESampler, "parzen random": parzen.RandomSampler}
        sampler = make[sampler_name](seed=seed)
        study = parzen.create_study(directions=directions, sampler=sampler)
    return _ask_and_tell(study, space, objective, n_trials)


def _optuna_run(sampler_name: str, objective: Objective, space: dict, n_obj: int, n_trials: int,
                seed: int) -> list[tuple]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (optuna.samplers.NSGAIISampler(seed=seed) if sampler_name == "optuna NSGA-II"
               else optuna.samplers.TPESampler(seed=seed))
    dists = {}
    for name, d in space.items():
        if isinstance(d, Categorical):
            dists[name] = optuna.distributions.CategoricalDistribution(list(d.choices))
        elif isinstance(d, Int):
            dists[name] = optuna.distributions.IntDistribution(d.low, d.high, log=d.log)
        else:
            dists[name] = optuna.distributions.FloatDistribution(d.low, d.high, log=d.log)
    study = optuna.create_study(directions=["minimize"] * n_obj, sampler=sampler)
    return _ask_and_tell(study, dists, objective, n_trials)


SAMPLERS = {"parzen default": _parzen_run, "parzen GP": _parzen_run, "parzen MOTPE": _parzen_run,
            "parzen NSGA-II": _parzen_run,
            "parzen random": _parzen_run,
            "optuna NSGA-II": _optuna_run, "optuna TPE": _optuna_run}


def _one(job: tuple[str, str, int, int]) -> tuple[str, str, int, list[tuple], float]:
    problem, sampler_name, seed, n_trials = job
    objective, space, ref = PROBLEMS[problem]
    start = time.perf_counter()
    values = SAMPLERS[sampler_name](sampler_name, objective, space, len(ref), n_trials, seed)
    return problem, sampler_name, seed, values, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, nargs="+", default=[100, 300], help="checkpoints (the largest is run)")
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS), choices=list(SAMPLERS))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    n_trials = max(args.trials)
    jobs = [(p, s, seed, n_trials) for p in args.problems for s in args.samplers for seed in range(args.seeds)]
    hv: dict[tuple[str, str, int], list[float]] = {}
    seconds: dict[tuple[str, str], list[float]] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for problem, sampler_name, _seed, values, elapsed in pool.map(_one, jobs):
            ref = PROBLEMS[problem][2]
            for k in args.trials:
                hv.setdefault((problem, sampler_name, k), []).append(hypervolume(values[:k], ref))
            seconds.setdefault((problem, sampler_name), []).append(elapsed)
    print(f"median hypervolume over {args.seeds} seeds (larger is better); time = median seconds per run")
    header = "| problem | trials | " + " | ".join(args.samplers) + " |"
    print(header)
    print("|" + "---|" * (len(args.samplers) + 2))
    for problem in args.problems:
        for k in args.trials:
            cells = [statistics.median(hv[(problem, s, k)]) for s in args.samplers]
            best = max(cells)
            row = [f"**{c:.4g}**" if c == best else f"{c:.4g}" for c in cells]
            print(f"| {problem} | {k} | " + " | ".join(row) + " |")
        times = [f"{statistics.median(seconds[(problem, s)]):.1f}s" for s in args.samplers]
        print(f"| {problem} | time | " + " | ".join(times) + " |")


if __name__ == "__main__":
    main()
