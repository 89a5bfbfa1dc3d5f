"""TPE suggests exactly what it suggested when ``tpe_sequences.json`` was recorded (floats by repr).

TPE keeps its good/bad split and the rows its densities read up to date as trials finish, instead of
re-ranking and re-reading the whole history at every ask; this must not change a single suggestion.
The scenarios cover what the split depends on: define-by-run and fixed conditional spaces, one
estimator per parameter, PRUNED and FAIL trials, running trials (the constant liar), constraints
(infeasible trials first), several objectives, a range narrowed during the study, and densities past
their kernel cap (a small cap, so that thinning acts within a short study). They were recorded with
the code before that change; run ``python tests/samplers/test_tpe_sequences.py`` to rewrite the
fixture only after a deliberate change of behaviour, and say why in the commit.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
from typing import Any, Callable

import _replay
import pytest

import parzen
from parzen import Categorical, Float, Int, TrialState

FIXTURE = pathlib.Path(__file__).with_name("tpe_sequences.json")
N_TRIALS = 60
SMALL_CAP = 12  # kernels per density, so that thinning acts after a few dozen trials


def _mixed(trial: parzen.Trial, wide: bool = True) -> dict[str, Any]:
    trial.suggest_float("x", -3.0, 3.0 if wide else 1.0)
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_int("n", 1, 9)
    trial.suggest_int("k", 2, 64, log=True)
    trial.suggest_float("s", 0.0, 1.0, step=0.25)
    if trial.suggest_categorical("c", ["a", "b", "c"]) == "b":
        trial.suggest_float("b_only", 0.0, 2.0)
    return trial.params


def _mixed_value(p: dict[str, Any]) -> float:
    cat = {"a": 1.0, "b": 0.0, "c": 2.0}[p["c"]]
    return ((p["x"] - 1.0) ** 2 + (math.log10(p["lr"]) + 3) ** 2 / 4 + abs(p["n"] - 4) + abs(math.log2(p["k"]) - 3)
            + p["s"] + cat + p.get("b_only", 0.5))


CONDITIONAL = {
    "model": Categorical(["lin", "tree", "none"]),
    "alpha": Float(1e-4, 1.0, log=True, when=("model", "lin")),
    "depth": Int(1, 12, when=("model", "tree")),
    "leaf": Float(0.0, 1.0, when=("model", "tree")),
    "lr": Float(0.0, 1.0),
}


def _conditional_value(p: dict[str, Any]) -> float:
    if p["model"] == "lin":
        f = 1.0 + (math.log10(p["alpha"]) + 2) ** 2
    elif p["model"] == "tree":
        f = abs(p["depth"] - 5) / 3 + (p["leaf"] - 0.2) ** 2
    else:
        f = 3.0
    return f + (p["lr"] - 0.4) ** 2


def _tpe(cap: int | None = SMALL_CAP, **options: Any) -> parzen.samplers.TPESampler:
    sampler = parzen.samplers.TPESampler(seed=11, **options)
    if cap is not None:  # the cap is not an option of the sampler: its estimator config holds it
        sampler._config = dataclasses.replace(sampler._config, max_kernels=cap)
    return sampler


def _run(sampler: parzen.Sampler, *, space: dict | None = None, n_objectives: int = 1, batch: int = 2,
         narrow_after: int | None = None, constraints: Callable | None = None) -> list[dict[str, str]]:
    """Trials asked ``batch`` at a time; every 5th told PRUNED, every 7th FAIL (a define-by-run one half-way)."""
    study = parzen.create_study(sampler=sampler, directions=["minimize"] * n_objectives,
                                constraints_func=constraints)
    out: list[dict[str, str]] = []
    number = 0
    while number < N_TRIALS:
        trials = [study.ask(space) if space is not None else study.ask() for _ in range(batch)]
        told: list[tuple[parzen.Trial, Any, TrialState]] = []
        for trial in trials:  # every trial of the batch sampled before any is told: the liar sees the others
            if number % 7 == 6:
                if space is None:
                    trial.suggest_float("x", -3.0, 3.0)
                told.append((trial, None, TrialState.FAIL))
            else:
                params = _mixed(trial, wide=narrow_after is None or number < narrow_after) if space is None \
                    else trial.params
                value = _mixed_value(params) if space is None else _conditional_value(params)
                values = (value, -value + params.get("lr", 0.0) * 3)[:n_objectives]
                told.append((trial, values, TrialState.PRUNED if number % 5 == 4 else TrialState.COMPLETE))
            out.append({name: repr(value) for name, value in sorted(trial.params.items())})
            number += 1
        for trial, values, state in told:
            study.tell(trial, values, state=state)
    return out


def _late_feasible(trial: parzen.FrozenTrial) -> tuple[float]:
    return (1.0 if trial.number < 25 else -1.0 + (trial.params.get("n", 5) > 6),)


SCENARIOS: dict[str, Callable[[], list[dict[str, str]]]] = {
    "mixed": lambda: _run(_tpe()),
    "mixed-uncapped": lambda: _run(_tpe(cap=None)),
    "mixed-univariate": lambda: _run(_tpe(multivariate=False)),
    "mixed-one-at-a-time": lambda: _run(_tpe(constant_liar=False), batch=1),
    "mixed-narrowed": lambda: _run(_tpe(), narrow_after=30),
    "mixed-uniform-hyperopt": lambda: _run(_tpe(weighting="uniform", bandwidth="hyperopt", n_startup_trials=4)),
    "mixed-large-gamma": lambda: _run(_tpe(gamma=lambda n: n // 2)),
    "mixed-constraints": lambda: _run(_tpe(), constraints=_late_feasible),
    "mixed-two-objectives": lambda: _run(_tpe(), n_objectives=2),
    "conditional": lambda: _run(_tpe(), space=CONDITIONAL),
    "conditional-univariate": lambda: _run(_tpe(multivariate=False), space=CONDITIONAL),
}


RECORDED = _replay.load(FIXTURE)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_replays_the_recorded_suggestions(scenario: str) -> None:
    _replay.check(SCENARIOS, RECORDED, scenario, N_TRIALS)


if __name__ == "__main__":
    _replay.write(FIXTURE, SCENARIOS)
