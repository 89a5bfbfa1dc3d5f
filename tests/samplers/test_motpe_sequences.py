"""MOTPE suggests exactly what it suggested when ``motpe_sequences.json`` was recorded (floats by repr).

MOTPE's good/bad split (non-domination ranks, then greedy hypervolume thinning of the boundary front) is
kept cheap in long studies by ranking only the trials that can be in the first fronts; this must not
change a single suggestion. The scenarios cover what the split depends on: two and three objectives on
fronts long enough that the boundary front is thinned, several fronts in the good set (a large gamma),
tied and duplicated losses, PRUNED and FAIL trials, running trials (the constant liar), constraints
(infeasible trials first), and densities past a small kernel cap. They were recorded with the code that
sorted every feasible trial at every ask; run ``python tests/samplers/test_motpe_sequences.py`` to rewrite
the fixture only after a deliberate change of behaviour, and say why in the commit.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
from typing import Any, Callable

import _replay
import pytest

import parzen
from parzen import Categorical, Float, TrialState

FIXTURE = pathlib.Path(__file__).with_name("motpe_sequences.json")
N_TRIALS = 90
SMALL_CAP = 12  # kernels per density, so that kernel thinning acts within a short study
SPACE = {"x0": Float(0.0, 1.0), "x1": Float(0.0, 1.0), "x2": Float(0.0, 1.0),
         "c": Categorical(["a", "b", "c"])}


def _two(p: dict[str, Any]) -> tuple[float, ...]:
    """A ZDT1-like trade-off: the front is the curve f2 = 1 - sqrt(f1), long and dense."""
    g = 1.0 + (p["x1"] + p["x2"]) / 4 + (p["c"] != "b") * 0.1
    return p["x0"], g * (1.0 - math.sqrt(p["x0"] / g))


def _three(p: dict[str, Any]) -> tuple[float, ...]:
    """A DTLZ2-like sphere octant in three objectives."""
    g = 1.0 + (p["x2"] - 0.5) ** 2 + (p["c"] != "a") * 0.05
    a, b = p["x0"] * math.pi / 2, p["x1"] * math.pi / 2
    return g * math.cos(a) * math.cos(b), g * math.cos(a) * math.sin(b), g * math.sin(a)


def _rounded(p: dict[str, Any]) -> tuple[float, ...]:
    """Coarse losses: many trials tie in one objective or share their whole point."""
    f1, f2 = _two(p)
    return round(f1, 1), round(f2, 1)


def _tpe(cap: int | None = SMALL_CAP, **options: Any) -> parzen.samplers.TPESampler:
    sampler = parzen.samplers.TPESampler(seed=5, n_startup_trials=8, **options)
    if cap is not None:  # the cap is not an option of the sampler: its estimator config holds it
        sampler._config = dataclasses.replace(sampler._config, max_kernels=cap)
    return sampler


def _run(sampler: parzen.Sampler, values: Callable[[dict[str, Any]], tuple[float, ...]], *, batch: int = 3,
         constraints: Callable | None = None) -> list[dict[str, str]]:
    """Trials asked ``batch`` at a time; every 5th told PRUNED, every 7th FAIL."""
    n_objectives = len(values({"x0": 0.5, "x1": 0.5, "x2": 0.5, "c": "a"}))
    study = parzen.create_study(sampler=sampler, directions=["minimize"] * n_objectives,
                                constraints_func=constraints)
    out: list[dict[str, str]] = []
    number = 0
    while number < N_TRIALS:
        trials = [study.ask(SPACE) for _ in range(batch)]
        told: list[tuple[parzen.Trial, Any, TrialState]] = []
        for trial in trials:  # every trial of the batch sampled before any is told: the liar sees the others
            if number % 7 == 6:
                told.append((trial, None, TrialState.FAIL))
            else:
                state = TrialState.PRUNED if number % 5 == 4 else TrialState.COMPLETE
                told.append((trial, values(trial.params), state))
            out.append({name: repr(value) for name, value in sorted(trial.params.items())})
            number += 1
        for trial, result, state in told:
            study.tell(trial, result if state == TrialState.COMPLETE else None, state=state)
    return out


def _late_feasible(trial: parzen.FrozenTrial) -> tuple[float]:
    return (1.0 - trial.number / 20 if trial.number < 20 else trial.params["x1"] - 0.7,)


SCENARIOS: dict[str, Callable[[], list[dict[str, str]]]] = {
    "two-objectives": lambda: _run(_tpe(gamma=lambda n: min(n // 6 + 1, 6)), _two),
    "two-objectives-default-gamma": lambda: _run(_tpe(), _two),
    "two-objectives-uncapped-one-at-a-time": lambda: _run(_tpe(cap=None, constant_liar=False), _two, batch=1),
    "two-objectives-large-gamma": lambda: _run(_tpe(gamma=lambda n: n // 2), _two),
    "two-objectives-ties": lambda: _run(_tpe(gamma=lambda n: min(n // 5 + 1, 7)), _rounded),
    "two-objectives-constraints": lambda: _run(_tpe(gamma=lambda n: min(n // 6 + 1, 6)), _two,
                                               constraints=_late_feasible),
    "three-objectives": lambda: _run(_tpe(gamma=lambda n: min(n // 6 + 1, 6)), _three),
    "three-objectives-large-gamma": lambda: _run(_tpe(gamma=lambda n: n // 2, multivariate=False), _three),
    "three-objectives-constraints": lambda: _run(_tpe(), _three, constraints=_late_feasible),
}


RECORDED = _replay.load(FIXTURE)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_replays_the_recorded_suggestions(scenario: str) -> None:
    _replay.check(SCENARIOS, RECORDED, scenario, N_TRIALS)


if __name__ == "__main__":
    _replay.write(FIXTURE, SCENARIOS)
