"""Parameter importance: time and answer of parzen's evaluators beside optuna's, on the same trials.

One synthetic study of ``--trials`` random trials over 10 parameters (floats, a log float, integers,
categoricals) whose objective is known: ``x0`` explains most of the variance, ``lr`` (log) and
``kind`` (categorical) some, ``x1`` a little, the other six nothing. The same trials are added to an
optuna study, and each evaluator runs on its own library's study. Each time is the median over
``--repeats`` runs of ``get_param_importances`` (reading the trials included), after one warm-up run;
wall-clock and CPU seconds are both given (the evaluators run on one thread, so CPU time is the
figure to trust on a busy machine). Usage:

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


SPACE = {**{f"x{i}": parzen.Float(-1, 1) for i in range(4)}, "lr": parzen.Float(1e-5, 1e-1, log=True),
         "n_units": parzen.Int(1, 128), "depth": parzen.Int(1, 8), "kind": parzen.Categorical(["relu", "gelu", "tanh"]),
         "use_bias": parzen.Categorical([False, True]), "dropout": parzen.Float(0, 0.5)}


def _value(p: dict[str, Any], noise: float) -> float:
    kind = {"relu": 0.0, "gelu": 0.3, "tanh": 1.0}[p["kind"]]
    return 4 * p["x0"] ** 2 + abs(math.log10(p["lr"]) + 3) + kind + 0.3 * p["x1"] + 0.05 * noise


def _parzen_study(n: int, seed: int) -> parzen.Study:
    """``n`` random trials (ask with the fixed space, tell the known value), in memory."""
    rng = np.random.default_rng(seed)
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed))
    for _ in range(n):
        trial = study.ask(SPACE)
        study.tell(trial, _value(trial.params, float(rng.normal())))
    return study


def _optuna_study(study: parzen.Study) -> Any:
    """An optuna study holding the same trials (parameters and values) as ``study``."""
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {f"x{i}": FloatDistribution(-1, 1) for i in range(4)}
    dists |= {"lr": FloatDistribution(1e-5, 1e-1, log=True), "n_units": IntDistribution(1, 128),
              "depth": IntDistribution(1, 8), "kind": CategoricalDistribution(["relu", "gelu", "tanh"]),
              "use_bias": CategoricalDistribution([False, True]), "dropout": FloatDistribution(0, 0.5)}
    copy = optuna.create_study()
    copy.add_trials([optuna.trial.create_trial(params=t.params, distributions=dists, value=t.value)
                     for t in study.get_trials()])
    return copy


def _time(fn: Callable[[], dict[str, float]], repeats: int) -> tuple[float, float, dict[str, float]]:
    """Median wall and CPU seconds of ``fn`` (CPU time stays meaningful on a shared, loaded machine)."""
    wall, cpu, result = [], [], {}
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["parzen", "optuna"], default=None)
    parser.add_argument("--optuna-fanova-up-to", type=int, default=2000,
                        help="run optuna's fANOVA only up to this many trials (it takes minutes beyond)")
    args = parser.parse_args(argv)
    ps = _parzen_study(args.trials, args.seed)
    cases: list[tuple[str, Callable[[], dict[str, float]]]] = []
    if args.only != "optuna":
        cases += [("parzen default (PED-ANOVA)", lambda: get_param_importances(ps)),
                  ("parzen fANOVA (64 trees)",
                   lambda: get_param_importances(ps, evaluator=FanovaImportanceEvaluator(seed=0))),
                  ("parzen fANOVA (64 trees, max_samples=1000)", lambda: get_param_importances(
                      ps, evaluator=FanovaImportanceEvaluator(seed=0, max_samples=1000)))]
    if args.only != "parzen":
        import optuna

        os_ = _optuna_study(ps)
        cases += [("optuna default (PED-ANOVA)", lambda: optuna.importance.get_param_importances(os_))]
        if args.trials <= args.optuna_fanova_up_to:
            cases += [("optuna fANOVA (64 trees)", lambda: optuna.importance.get_param_importances(
                os_, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)))]
    print(f"{args.trials} trials, 10 parameters, median of {args.repeats} run(s)")
    print("| evaluator | wall s | CPU s | top 4 | x0 | sum of the 6 that do nothing |")
    print("|---|---:|---:|---|---:|---:|")
    for name, fn in cases:
        fn()  # warm-up: imports (scikit-learn) are not part of the figure
        wall, cpu, imp = _time(fn, args.repeats)
        top = list(imp)[:4]
        nothing = sum(v for k, v in imp.items() if k not in IMPORTANT)
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {', '.join(top)} | {imp['x0']:.2f} | {nothing:.3f} |", flush=True)


if __name__ == "__main__":
    main()
