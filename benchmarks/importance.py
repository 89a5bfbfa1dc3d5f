"""Parameter importance: time and answer of parzen's evaluators beside optuna's, on the same trials.

One synthetic study of ``--trials`` random trials over 10 parameters (floats, a log float, integers,
categoricals) whose objective is known: ``x0`` explains most of the variance, ``lr`` (log) and
``kind`` (categorical) some, ``x1`` a little, the other six nothing. The same trials are added to an
optuna study, and each evaluator runs on its own library's study. Each time is the median over
``--repeats`` runs of ``get_param_importances`` (reading the trials included). Usage:

    python benchmarks/importance.py --trials 10000 --repeats 3
    python benchmarks/importance.py --trials 1000 --repeats 5 --only parzen
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from typing import Any, Callable

import numpy as np

import parzen
from parzen.importance import FanovaImportanceEvaluator, get_param_importances

IMPORTANT = ["x0", "lr", "kind", "x1"]  # in decreasing order of influence


def _trials(n: int, seed: int) -> list[tuple[dict[str, Any], float]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        p: dict[str, Any] = {f"x{i}": float(rng.uniform(-1, 1)) for i in range(4)}
        p["lr"] = float(10 ** rng.uniform(-5, -1))
        p["n_units"] = int(rng.integers(1, 129))
        p["depth"] = int(rng.integers(1, 9))
        p["kind"] = str(rng.choice(["relu", "gelu", "tanh"]))
        p["use_bias"] = bool(rng.integers(0, 2))
        p["dropout"] = float(rng.uniform(0, 0.5))
        value = (4 * p["x0"] ** 2 + abs(math.log10(p["lr"]) + 3) + {"relu": 0.0, "gelu": 0.3, "tanh": 1.0}[p["kind"]]
                 + 0.3 * p["x1"] + 0.05 * rng.normal())
        out.append((p, value))
    return out


def _parzen_study(rows: list[tuple[dict[str, Any], float]]) -> parzen.Study:
    space = {f"x{i}": parzen.Float(-1, 1) for i in range(4)}
    space |= {"lr": parzen.Float(1e-5, 1e-1, log=True), "n_units": parzen.Int(1, 128), "depth": parzen.Int(1, 8),
              "kind": parzen.Categorical(["relu", "gelu", "tanh"]), "use_bias": parzen.Categorical([False, True]),
              "dropout": parzen.Float(0, 0.5)}
    study = parzen.create_study()
    for params, value in rows:
        study.enqueue_trial(params)
        trial = study.ask(space)
        study.tell(trial, value)
    return study


def _optuna_study(rows: list[tuple[dict[str, Any], float]]) -> Any:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {f"x{i}": FloatDistribution(-1, 1) for i in range(4)}
    dists |= {"lr": FloatDistribution(1e-5, 1e-1, log=True), "n_units": IntDistribution(1, 128),
              "depth": IntDistribution(1, 8), "kind": CategoricalDistribution(["relu", "gelu", "tanh"]),
              "use_bias": CategoricalDistribution([False, True]), "dropout": FloatDistribution(0, 0.5)}
    study = optuna.create_study()
    study.add_trials([optuna.trial.create_trial(params=p, distributions=dists, value=v) for p, v in rows])
    return study


def _time(fn: Callable[[], dict[str, float]], repeats: int) -> tuple[float, dict[str, float]]:
    times, result = [], {}
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["parzen", "optuna"], default=None)
    args = parser.parse_args(argv)
    rows = _trials(args.trials, args.seed)
    cases: list[tuple[str, Callable[[], dict[str, float]]]] = []
    if args.only != "optuna":
        ps = _parzen_study(rows)
        cases += [("parzen default (PED-ANOVA)", lambda: get_param_importances(ps)),
                  ("parzen fANOVA (64 trees)",
                   lambda: get_param_importances(ps, evaluator=FanovaImportanceEvaluator(seed=0)))]
    if args.only != "parzen":
        import optuna

        os_ = _optuna_study(rows)
        cases += [("optuna default (PED-ANOVA)", lambda: optuna.importance.get_param_importances(os_)),
                  ("optuna fANOVA (64 trees)", lambda: optuna.importance.get_param_importances(
                      os_, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)))]
    print(f"{args.trials} trials, 10 parameters, median of {args.repeats} run(s)")
    print("| evaluator | seconds | top 4 | x0 | sum of the 6 that do nothing |")
    print("|---|---:|---|---:|---:|")
    for name, fn in cases:
        seconds, imp = _time(fn, args.repeats)
        top = list(imp)[:4]
        nothing = sum(v for k, v in imp.items() if k not in IMPORTANT)
        print(f"| {name} | {seconds:.3f} | {', '.join(top)} | {imp['x0']:.2f} | {nothing:.3f} |")


if __name__ == "__main__":
    main()
