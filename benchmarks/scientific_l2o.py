"""Learned optimizer benchmark: steps to a target loss on held-out tasks, beside Adam with a tuned step size.

For each task family (random 16-D quadratics with condition numbers up to 100 and curvature scales in
[0.1, 10]; 16-feature noisy linear regressions), the learned rule (``meta_algorithm="l2o"`` over Adam's
direction) is meta-trained by truncated antithetic ES on tasks drawn from seed ``--seed``; then it and
Adam run on ``--tasks`` held-out tasks (another seed), each from the family's random start. A run
reaches the target when its loss falls to ``--target`` times its initial loss; its step count is the
first step at which it does. Adam's step size is the best of a grid (1e-3 ... 3, factors of about 3) on a
separate set of tuning tasks (median steps to target, then mean final log loss); the untrained rule (Adam at 1e-2,
what ``LearnToOptimize`` is before ``meta_train``) is shown too. Figures: median steps to target over
the tasks that reached it, the fraction that reached it, and the geometric mean of final/initial loss.

    python benchmarks/scientific_l2o.py                       # both families, a few minutes on 2 CPU cores
    python benchmarks/scientific_l2o.py --families quadratic --meta-iterations 100
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

ADAM_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0)


def _summary(curves: np.ndarray, target: float) -> dict[str, float]:
    ratio = curves / curves[:, :1]
    reached = ratio <= target
    hit = reached.any(axis=1)
    steps = np.where(hit, reached.argmax(axis=1), np.inf)
    final = np.clip(ratio[:, -1], 1e-30, None)
    return {"median_steps": float(np.median(steps[hit])) if hit.any() else float("inf"),
            "reached": float(hit.mean()), "final_ratio": float(np.exp(np.mean(np.log(final))))}


def _timed(optimizer: Any, family: Any, tasks: int, steps: int, seed: int) -> tuple[np.ndarray, float]:
    """Loss curves on the held-out tasks, and the seconds of a second, already compiled, run."""
    optimizer.evaluate(family, num_tasks=tasks, num_steps=steps, seed=seed)
    began = time.perf_counter()
    curves = optimizer.evaluate(family, num_tasks=tasks, num_steps=steps, seed=seed)
    return curves, time.perf_counter() - began


def run_family(name: str, meta_iterations: int, steps: int, tasks: int, target: float, seed: int) -> list[str]:
    from flax import nnx

    from parzen.scientific.meta_optimization import (
        LearnToOptimize,
        MetaOptimizerConfig,
        QuadraticTaskFamily,
        RegressionTaskFamily,
    )

    family = QuadraticTaskFamily(16) if name == "quadratic" else RegressionTaskFamily(16)
    held_out, tuning = seed + 10_000, seed + 20_000
    rows = []

    adam = LearnToOptimize(MetaOptimizerConfig(meta_algorithm="warm_start", warm_start_strategy="none"))
    best: tuple[tuple[float, float], float] | None = None
    for lr in ADAM_GRID:
        adam.theta_["log_lr"] = np.log(np.float32(lr))
        s = _summary(adam.evaluate(family, num_tasks=tasks, num_steps=steps, seed=tuning), target)
        score = (s["median_steps"] if s["reached"] >= 0.5 else np.inf, np.log(s["final_ratio"]))
        if best is None or score < best[0]:
            best = (score, lr)
    assert best is not None
    adam.theta_["log_lr"] = np.log(np.float32(best[1]))
    curves, seconds = _timed(adam, family, tasks, steps, held_out)
    rows.append((f"Adam, tuned lr={best[1]:g}", _summary(curves, target), seconds, 0.0))

    config = MetaOptimizerConfig(meta_algorithm="l2o", warm_start_strategy="none", meta_learning_rate=1e-2,
                                 adaptation_steps=10)
    learned = LearnToOptimize(config, rngs=nnx.Rngs(seed))
    curves, seconds = _timed(learned, family, tasks, steps, held_out)
    rows.append(("L2O untrained (= Adam, lr=0.01)", _summary(curves, target), seconds, 0.0))
    began = time.perf_counter()
    learned.meta_train(family, num_iterations=meta_iterations, population=8, num_tasks=8, horizon=steps, seed=seed)
    train_seconds = time.perf_counter() - began
    curves, seconds = _timed(learned, family, tasks, steps, held_out)
    rows.append((f"L2O meta-trained ({meta_iterations} ES iterations)", _summary(curves, target), seconds,
                 train_seconds))

    lines = []
    for label, s, seconds, train in rows:
        lines.append(f"| {name} | {label} | {s['median_steps']:.0f} | {s['reached']:.0%} | {s['final_ratio']:.2e} "
                     f"| {seconds:.3f} | {train:.1f} |")
    return lines


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark, print its Markdown table and return it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", nargs="+", default=["quadratic", "regression"],
                        choices=["quadratic", "regression"])
    parser.add_argument("--meta-iterations", type=int, default=300)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=64)
    parser.add_argument("--target", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    lines = [f"Held-out tasks: {args.tasks} per family, {args.steps} steps, target = {args.target:g} x initial loss.",
             "",
             "| family | optimizer | median steps to target | reached | final/initial loss (geo. mean) "
             "| run seconds (all tasks, compiled) | meta-train seconds (compile incl.) |",
             "|---|---|---|---|---|---|---|"]
    for name in args.families:
        lines += run_family(name, args.meta_iterations, args.steps, args.tasks, args.target, args.seed)
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
