"""Does the adaptive search space of ``parzen.adaptive`` help or hurt sample efficiency?

``AdaptiveHyperparameterOptimizer(backend="parzen")`` with adaptation (the default
``adaptation_interval=20``) against the same optimizer without it (``adaptation_interval`` equal to
the budget: one round, the space never changes), on problems of the sample-efficiency suite and on
problems whose optimum lies outside the first range. Each (problem, variant, seed) runs the largest
budget once; the best value after each smaller budget is read off the same run (with one job and a
seed, a run's first trials are the same whatever its budget: adaptation happens between rounds).
Prints, per problem and budget, the median best value of each variant, and how many seeds the
adaptive run beat, tied or lost; ``--out`` writes the same table as Markdown.

    python benchmarks/adaptive.py --seeds 5 --budgets 60 120 --jobs 2 --out /tmp/reports/H2_benchmarks.md
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import time
import warnings
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.problems import Param, Problem, suite  # noqa: E402

FROM_SUITE = ("branin-2d", "hartmann-6d", "mixed-quadratic", "conditional-optimizer")
VARIANTS = ("adaptive", "fixed")


def shifted_quadratic(p: dict[str, Any]) -> float:
    """Minimum 0 at x0 = 7, x1 = -1, lr = 0.1: x0 and lr lie outside their first ranges (x0 <= 5, lr <= 0.01)."""
    return (p["x0"] - 7) ** 2 + (p["x1"] + 1) ** 2 + (math.log10(p["lr"]) + 1) ** 2


def shifted_levy(p: dict[str, Any]) -> float:
    """Levy in 4 dimensions (minimum 0 at 1 in every coordinate) over a first range [-10, -2]: all outside."""
    from benchmarks.problems import levy

    return levy(np.array([p[f"x{i}"] for i in range(4)], dtype=float))


def problems() -> list[Problem]:
    """The suite's problems named in ``FROM_SUITE``, then two whose optimum lies outside the first range."""
    chosen = [p for p in suite() if p.name in FROM_SUITE]
    outside = [
        Problem("shifted-quadratic-3d", (Param("x0", "float", -5, 5), Param("x1", "float", -5, 5),
                                         Param("lr", "float", 1e-5, 1e-2, log=True)), shifted_quadratic, 0.0),
        Problem("shifted-levy-4d", tuple(Param(f"x{i}", "float", -10, -2) for i in range(4)), shifted_levy, 0.0),
    ]
    return chosen + outside


def tuple_space(problem: Problem) -> dict[str, tuple[Any, ...]]:
    """The problem's parameters in seed 003's tuple form."""
    space: dict[str, tuple[Any, ...]] = {}
    for p in problem.params:
        if p.kind == "cat":
            spec: tuple[Any, ...] = ("categorical", list(p.choices))
        else:
            low, high = (int(p.low), int(p.high)) if p.kind == "int" else (p.low, p.high)  # type: ignore[arg-type]
            spec = (p.kind, low, high) + (("log",) if p.log else ())
        if p.when is not None:
            spec += ("when", p.when[0], list(p.when[1]))
        space[p.name] = spec
    return space


def run_cell(cell: tuple[str, str, int, int, str]) -> dict[str, Any]:
    """One run: the value of every trial, in order (a failed trial counts as +inf)."""
    from parzen.adaptive import AdaptiveHyperparameterOptimizer

    problem_name, variant, seed, budget, backend = cell
    problem = next(p for p in problems() if p.name == problem_name)
    warnings.simplefilter("ignore")
    interval = 20 if variant == "adaptive" else budget
    optimizer = AdaptiveHyperparameterOptimizer(backend=backend, n_trials=budget, random_state=seed,
                                                adaptation_interval=interval)
    start = time.process_time()
    _, _, history = optimizer.optimize(problem.fn, tuple_space(problem), direction="minimize")
    values = [h["value"] if h["state"] == "COMPLETE" else math.inf for h in history]
    return {"problem": problem_name, "variant": variant, "seed": seed, "values": values,
            "cpu_seconds": time.process_time() - start, "adaptations": len(optimizer.adaptations)}


def table(results: list[dict[str, Any]], budgets: list[int]) -> list[str]:
    """Markdown rows: per problem and budget, the medians of both variants and adaptive's wins/ties/losses."""
    lines = ["| problem | trials | adaptive (median best) | fixed (median best) | adaptive wins / ties / losses "
             "| largest loss |", "|---|---:|---:|---:|---:|---:|"]
    for problem in dict.fromkeys(r["problem"] for r in results):
        runs = {v: {r["seed"]: r["values"] for r in results if r["problem"] == problem and r["variant"] == v}
                for v in VARIANTS}
        for budget in budgets:
            best = {v: {s: min(vals[:budget]) for s, vals in runs[v].items()} for v in VARIANTS}
            seeds = sorted(set(best["adaptive"]) & set(best["fixed"]))
            diffs = [best["adaptive"][s] - best["fixed"][s] for s in seeds]
            tol = 1e-9
            wins, ties = sum(d < -tol for d in diffs), sum(abs(d) <= tol for d in diffs)
            lines.append(f"| {problem} | {budget} | {np.median(list(best['adaptive'].values())):.4g} "
                         f"| {np.median(list(best['fixed'].values())):.4g} "
                         f"| {wins} / {ties} / {len(diffs) - wins - ties} "
                         f"| {max([d for d in diffs if d > tol], default=0.0):.2g} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--budgets", type=int, nargs="+", default=[60, 120])
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel processes")
    parser.add_argument("--problems", nargs="+", help="only these problems (default: all)")
    parser.add_argument("--backend", default="parzen", help="the optimizer's back end (default: parzen)")
    parser.add_argument("--out", help="also write the table, with the command, to this Markdown file")
    args = parser.parse_args(argv)
    budget = max(args.budgets)
    chosen = [p for p in problems() if args.problems is None or p.name in args.problems]
    cells = [(p.name, v, s, budget, args.backend) for p in chosen for v in VARIANTS for s in range(args.seeds)]
    start = time.perf_counter()
    if args.jobs > 1:
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            results = pool.map(run_cell, cells, chunksize=1)
    else:
        results = [run_cell(c) for c in cells]
    wall = time.perf_counter() - start
    cpu = {v: sum(r["cpu_seconds"] for r in results if r["variant"] == v) for v in VARIANTS}
    adaptations = np.median([r["adaptations"] for r in results if r["variant"] == "adaptive"])
    lines = table(results, sorted(args.budgets))
    notes = [f"{len(cells)} runs in {wall:.0f} s wall; CPU seconds in the optimizer: adaptive {cpu['adaptive']:.0f}, "
             f"fixed {cpu['fixed']:.0f}; median adaptations per adaptive run: {adaptations:g}.",
             "Values are minimized (lower is better); a tie is a difference below 1e-9; the largest loss is the "
             "largest amount by which an adaptive run ended worse than the fixed run of its seed."]
    print("\n".join(lines + [""] + notes))
    if args.out:
        command = "python benchmarks/adaptive.py " + " ".join(sys.argv[1:] if argv is None else argv)
        with open(args.out, "w") as f:
            f.write("# parzen.adaptive: adaptation on and off\n\n"
                    f"Command (from the repository root, with the project's virtual environment):\n\n"
                    f"    {command}\n\n" + "\n".join(lines + [""] + notes) + "\n")


if __name__ == "__main__":
    main()
