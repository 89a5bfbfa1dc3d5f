"""Helpers shared by the pruner tests: drive one trial through ask / report / should_prune / tell."""

from __future__ import annotations

from typing import Mapping, Sequence

import parzen
from parzen import TrialState

Curve = Sequence[float] | Mapping[int, float]


def drive(study: parzen.Study, curve: Curve) -> int | None:
    """Report ``curve`` (values by step) until the pruner says stop; the step it pruned at, or None.

    A trial that is never pruned is told its last reported value as its final one.
    """
    trial = study.ask()
    items = list(curve.items()) if isinstance(curve, Mapping) else list(enumerate(curve))
    for step, value in items:
        trial.report(value, step)
        if trial.should_prune():
            study.tell(trial, state=TrialState.PRUNED)
            return step
    study.tell(trial, items[-1][1])
    return None


def curve_value(x: float, step: int) -> float:
    """The learning curve of configuration ``x``: ``x = 0.3`` is best at every step."""
    return (x - 0.3) ** 2 + 0.5 / (step + 1)


def asha_worker(study_name: str, url: str, n_trials: int, n_steps: int) -> None:
    """One worker process: open the shared study with its own ASHA pruner and run trials."""
    from parzen.pruners import SuccessiveHalvingPruner

    study = parzen.load_study(study_name, url, pruner=SuccessiveHalvingPruner(),
                              sampler=parzen.RandomSampler())

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(n_steps):
            trial.report(curve_value(x, step), step)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return curve_value(x, n_steps - 1)

    study.optimize(objective, n_trials=n_trials)
