"""Time to draw each plot of a long study: building the figure and writing it (PNG, or plotly JSON).

The study has ``--trials`` trials over 10 parameters (floats, a log float, integers, categoricals,
one conditional), each reporting ``--steps`` intermediate values; every 20th trial fails and every
10th is pruned. A second study with two objectives and as many trials gives the Pareto front.
Each figure is the median over ``--repeats`` runs, after one warm-up run (imports excluded); wall
and CPU seconds are both given. Usage:

    python benchmarks/plots.py --trials 10000 --repeats 3
    python benchmarks/plots.py --trials 1000 --backend plotly
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import time
from typing import Any, Callable

import parzen
from parzen.visualization import make_plot

SPACE = {**{f"x{i}": parzen.Float(-1, 1) for i in range(4)}, "lr": parzen.Float(1e-5, 1e-1, log=True),
         "n_units": parzen.Int(1, 128), "depth": parzen.Int(1, 8), "kind": parzen.Categorical(["relu", "gelu", "tanh"]),
         "momentum": parzen.Float(0, 0.99, when=("kind", "relu")), "dropout": parzen.Float(0, 0.5)}


def _single(n: int, steps: int, seed: int) -> parzen.Study:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=seed), study_name="single")
    for i in range(n):
        trial = study.ask(SPACE)
        p = trial.params
        value = 4 * p["x0"] ** 2 + abs(math.log10(p["lr"]) + 3) + (p["kind"] == "tanh") + 0.3 * p["x1"]
        for step in range(steps):
            trial.report(value + 1.0 / (step + 1), step)
        if i % 20 == 19:
            study.tell(trial, state=parzen.TrialState.FAIL)
        elif i % 10 == 9:
            study.tell(trial, state=parzen.TrialState.PRUNED)
        else:
            study.tell(trial, value)
    return study


def _pareto(n: int, seed: int) -> parzen.Study:
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=parzen.RandomSampler(seed=seed),
                                study_name="pareto")
    space = {"a": parzen.Float(0, 1), "b": parzen.Float(0, 1)}
    for _ in range(n):
        trial = study.ask(space)
        a, b = trial.params["a"], trial.params["b"]
        study.tell(trial, (a, (1 + b) * (1 - math.sqrt(a))))
    return study


def _render(fig: Any, backend: str) -> None:
    if backend == "matplotlib":
        fig.savefig(io.BytesIO(), format="png")
        fig.clear()
    else:
        fig.to_json()


def _time(fn: Callable[[], None], repeats: int) -> tuple[float, float]:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", choices=["matplotlib", "plotly", "both"], default="both")
    args = parser.parse_args(argv)
    single, pareto = _single(args.trials, args.steps, args.seed), _pareto(args.trials, args.seed)
    backends = ["matplotlib", "plotly"] if args.backend == "both" else [args.backend]
    kinds = ["history", "importance", "parallel_coordinate", "slice", "contour", "edf", "intermediate_values",
             "timeline"]
    print(f"{args.trials} trials ({args.steps} reports each), median of {args.repeats} run(s); "
          "figure built and written (PNG to memory, or plotly JSON)")
    print("| plot | back end | wall s | CPU s |")
    print("|---|---|---:|---:|")
    for backend in backends:
        for kind, study in [(k, single) for k in kinds] + [("pareto_front", pareto)]:
            def draw(study: parzen.Study = study, kind: str = kind, backend: str = backend) -> None:
                _render(make_plot(study, kind, backend=backend), backend)

            wall, cpu = _time(draw, args.repeats)
            print(f"| {kind} | {backend} | {wall:.2f} | {cpu:.2f} |", flush=True)


if __name__ == "__main__":
    main()
