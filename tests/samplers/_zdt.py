"""Small multi-objective test problems shared by the sampler tests."""

from __future__ import annotations

import numpy as np

import parzen
from parzen import Float
from parzen.multi_objective import hypervolume

ZDT1_SPACE = {f"x{i}": Float(0.0, 1.0) for i in range(30)}


def zdt1(params: dict) -> tuple[float, float]:
    """ZDT1 (Zitzler, Deb and Thiele 2000): convex front f2 = 1 - sqrt(f1) at x1..x29 = 0."""
    x = np.array([params[f"x{i}"] for i in range(30)])
    g = 1.0 + 9.0 * x[1:].mean()
    return float(x[0]), float(g * (1.0 - np.sqrt(x[0] / g)))


def zdt1_hypervolume(sampler: parzen.Sampler, n_trials: int) -> float:
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=sampler)
    for _ in range(n_trials):
        trial = study.ask(ZDT1_SPACE)
        study.tell(trial, zdt1(trial.params))
    return hypervolume([t.values for t in study.best_trials], [11.0, 11.0])
