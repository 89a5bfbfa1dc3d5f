"""Sample efficiency of parzen's samplers against optuna, hyperopt, scikit-optimize and random search.

Each (problem, optimizer, seed) cell runs the largest budget once; the best value after each
smaller budget is read off the same run. Per problem it prints the median best value and the
normalized regret per optimizer; overall, each optimizer's mean rank and the share of problems
where its median beats optuna's default TPE. Raw values go to ``--out`` (JSON) for re-analysis.

    python benchmarks/sample_efficiency.py --seeds 10 --budgets 50 200 --jobs 2
    python benchmarks/sample_efficiency.py --seeds 3 --budgets 50 --optimizers parzen-default optuna-tpe random
    python benchmarks/sample_efficiency.py --report a.json b.json    # tables from earlier runs, merged
    python benchmarks/sample_efficiency.py --report a.json --seeds 5   # only seeds 0-4 of them
    python benchmarks/sample_efficiency.py --report a.json --optimizers parzen-default ngopt --versus ngopt
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
import warnings
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.optimizers import OPTIMIZERS  # noqa: E402
from benchmarks.problems import suite  # noqa: E402

BASELINE = "optuna-tpe"


def run_cell(cell: tuple[str, str, int, int]) -> dict[str, Any]:
    problem_name, optimizer, seed, budget = cell
    problem = next(p for p in suite() if p.name == problem_name)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    values = OPTIMIZERS[optimizer](problem, budget, seed)
    seconds = time.perf_counter() - start
    return {"problem": problem_name, "optimizer": optimizer, "seed": seed, "values": list(map(float, values)),
            "seconds": seconds}


def _best_at(values: list[float], budget: int) -> float:
    return float(np.min(values[:budget]))


def _ranks(medians: dict[str, float]) -> dict[str, float]:
    """Average ranks (1 = best), ties sharing their mean rank."""
    names = list(medians)
    values = np.array([medians[n] for n in names])
    ranks = {}
    for n, v in zip(names, values):
        ranks[n] = 1 + np.sum(values < v) + 0.5 * (np.sum(values == v) - 1)
    return ranks


def merge_runs(paths: list[str], seeds: range) -> list[dict[str, Any]]:
    """The runs of earlier ``--out`` files whose seed is in ``seeds``.

    A later file's run of the same problem, optimizer and seed replaces an earlier one, so a re-run
    after a change to one optimizer can be laid over the full results.
    """
    merged: dict[tuple[str, str, int], dict[str, Any]] = {}
    for path in paths:
        with open(path) as f:
            for run in json.load(f):
                if run["seed"] in seeds:
                    merged[(run["problem"], run["optimizer"], run["seed"])] = run
    return list(merged.values())


def report(results: list[dict[str, Any]], budgets: list[int], versus: tuple[str, ...] = ()) -> None:
    problems = [p for p in suite() if any(r["problem"] == p.name for r in results)]
    optimizers = [o for o in OPTIMIZERS if any(r["optimizer"] == o for r in results)]
    rank_sums = {b: {o: [] for o in optimizers} for b in budgets}
    beats = {b: {o: [] for o in optimizers} for b in budgets}
    not_worse = {b: {o: [] for o in optimizers} for b in budgets}
    head_to_head: dict[tuple[str, int], dict[str, list[tuple[bool, bool]]]] = {
        (peer, b): {o: [] for o in optimizers} for peer in versus for b in budgets}
    for problem in problems:
        rows = {o: [r for r in results if r["problem"] == problem.name and r["optimizer"] == o] for o in optimizers}
        all_values = [v for rs in rows.values() for r in rs for v in r["values"]]
        optimum = problem.optimum if problem.optimum is not None else min(all_values)
        print(f"### {problem.name}  (optimum {optimum:.6g}{'' if problem.optimum is not None else ', best seen'})")
        fails = any(not np.isfinite(v) for v in all_values)
        fail_header = " | failed after 10 trials" if fails else ""
        print("| optimizer | " + " | ".join(f"median best @{b} | regret @{b}" for b in budgets) + " | s/run"
              + fail_header + " |")
        print("|---|" + "---|---|" * len(budgets) + "---|" + ("---|" if fails else ""))
        medians = {b: {} for b in budgets}
        for o in optimizers:
            for b in budgets:
                medians[b][o] = float(np.median([_best_at(r["values"], b) for r in rows[o]]))
        cells = {}
        for b in budgets:
            random_median = medians[b].get("random", max(medians[b].values()))
            scale = max(random_median - optimum, 1e-12)
            for o in optimizers:
                cells[(o, b)] = (medians[b][o], (medians[b][o] - optimum) / scale)
            for o, rank in _ranks(medians[b]).items():
                rank_sums[b][o].append(rank)
            if BASELINE in medians[b]:
                for o in optimizers:
                    beats[b][o].append(medians[b][o] < medians[b][BASELINE])
                    not_worse[b][o].append(medians[b][o] <= medians[b][BASELINE])
            for peer in versus:
                if peer in medians[b]:
                    for o in optimizers:
                        head_to_head[(peer, b)][o].append(
                            (medians[b][o] < medians[b][peer], medians[b][o] <= medians[b][peer]))
        for o in optimizers:
            seconds = np.median([r["seconds"] for r in rows[o]])
            failed = ""
            if fails:  # share of the trials after the first 10 that failed, mean over seeds
                share = np.mean([np.mean(~np.isfinite(r["values"][10:budgets[-1]])) for r in rows[o]])
                failed = f" | {share:.0%}"
            print(f"| {o} | " + " | ".join(f"{cells[(o, b)][0]:.5g} | {cells[(o, b)][1]:.3f}" for b in budgets)
                  + f" | {seconds:.1f}{failed} |")
        print()
    print("### Summary over problems")
    print("| optimizer | " + " | ".join(f"mean rank @{b} | beats {BASELINE} @{b} | beats or ties @{b}"
                                        for b in budgets) + " |")
    print("|---|" + "---|---|---|" * len(budgets))
    for o in sorted(optimizers, key=lambda o: np.mean(rank_sums[budgets[-1]][o])):
        parts = []
        for b in budgets:
            share = f"{np.mean(beats[b][o]) * 100:.0f}%" if beats[b][o] else "n/a"
            share_or_tie = f"{np.mean(not_worse[b][o]) * 100:.0f}%" if not_worse[b][o] else "n/a"
            parts.append(f"{np.mean(rank_sums[b][o]):.2f} | {share} | {share_or_tie}")
        print(f"| {o} | " + " | ".join(parts) + " |")
    for peer in versus:
        print()
        print(f"### Head to head against {peer} (share of problems where the median is better / not worse)")
        print("| optimizer | " + " | ".join(f"beats @{b} | beats or ties @{b}" for b in budgets) + " |")
        print("|---|" + "---|---|" * len(budgets))
        for o in optimizers:
            cells = []
            for b in budgets:
                pairs = head_to_head[(peer, b)][o]
                if not pairs:
                    cells.append("n/a | n/a")
                    continue
                wins = sum(w for w, _ in pairs)
                ties = sum(t for _, t in pairs)
                cells.append(f"{wins}/{len(pairs)} ({wins / len(pairs):.0%}) | {ties}/{len(pairs)} ({ties / len(pairs):.0%})")
            print(f"| {o} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0, help="run seeds first-seed .. first-seed+seeds-1")
    parser.add_argument("--budgets", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--optimizers", nargs="+", choices=list(OPTIMIZERS), default=list(OPTIMIZERS))
    parser.add_argument("--problems", nargs="+", default=None, help="problem names (default: the whole suite)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default="sample_efficiency_results.json")
    parser.add_argument("--versus", nargs="+", default=[], help="also count head-to-head wins against these optimizers")
    parser.add_argument("--report", nargs="+", default=None,
                        help="print the tables of earlier --out files (runs of other seeds are merged) and exit")
    args = parser.parse_args(argv)
    budgets = sorted(args.budgets)
    if args.report:
        runs = [r for r in merge_runs(args.report, range(args.first_seed, args.first_seed + args.seeds))
                if r["optimizer"] in args.optimizers and (args.problems is None or r["problem"] in args.problems)]
        report(runs, budgets, tuple(args.versus))
        return
    names = args.problems or [p.name for p in suite()]
    unknown = set(names) - {p.name for p in suite()}
    if unknown:
        parser.error(f"unknown problems {sorted(unknown)}; known: {[p.name for p in suite()]}")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    cells = [(p, o, s, budgets[-1]) for p in names for o in args.optimizers for s in seeds]
    print(f"{len(cells)} runs of {budgets[-1]} trials on {args.jobs} processes", file=sys.stderr)
    results = []
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        for i, result in enumerate(pool.imap_unordered(run_cell, cells), 1):
            results.append(result)
            with open(args.out, "w") as f:  # rewritten after every run: a crash keeps what finished
                json.dump(results, f)
            print(f"\r{i}/{len(cells)} {result['problem']} {result['optimizer']} seed {result['seed']}",
                  end="", file=sys.stderr)
    print(file=sys.stderr)
    report(results, budgets, tuple(args.versus))


if __name__ == "__main__":
    main()
