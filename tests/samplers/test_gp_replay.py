"""The GP, alone and as the default sampler's short-study phase, suggests exactly what ``gp_replay.json`` recorded.

The GP's cost per trial was cut by removing repeated work (the training points scaled once per posterior,
the Matern value and gradient sharing one exponential, arrays updated in place, LAPACK called directly, a
binary search before the whole-row comparison of excluded points, L-BFGS-B handed the value and gradient of
one evaluation); none of it may change a single bit of a suggestion. The scenarios are whole short studies of
the default sampler on 2-D and 5-D float spheres (the studies whose cost per trial was cut), and the GP on a
mixed space (grids, categories, a conditional branch, PRUNED and FAIL trials, two trials running at once for
the constant liar), on a declared conditional space with input warping and UCB, and on a space whose range
and choices shrink half-way. They were recorded with the code before that change; run
``python tests/samplers/test_gp_replay.py`` to rewrite the fixture only after a deliberate change of
behaviour, and say why in the commit.
"""

from __future__ import annotations

import math
import pathlib
from typing import Any, Callable

import _replay
import pytest

import parzen
from parzen import Categorical, Float, Int, TrialState

FIXTURE = pathlib.Path(__file__).with_name("gp_replay.json")


def _sphere(params: dict[str, Any]) -> float:
    return float(sum((v - 1.0) ** 2 for v in params.values()))


def _default_on_sphere(dims: int, n_trials: int) -> list[dict[str, str]]:
    study = parzen.create_study(seed=3)
    space = {f"x{i}": Float(-5.0, 5.0) for i in range(dims)}
    out = []
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, _sphere(trial.params))
        out.append({name: repr(value) for name, value in sorted(trial.params.items())})
    return out


def _mixed(trial: parzen.Trial) -> dict[str, Any]:
    trial.suggest_float("x", -3.0, 3.0)
    trial.suggest_int("n", 1, 9)
    trial.suggest_int("k", 2, 64, log=True)
    trial.suggest_float("s", 0.0, 1.0, step=0.25)
    if trial.suggest_categorical("c", ["a", "b", "c"]) == "b":
        trial.suggest_float("b_only", 0.0, 2.0)
    return trial.params


def _mixed_value(p: dict[str, Any]) -> float:
    cat = {"a": 1.0, "b": 0.0, "c": 2.0}[p["c"]]
    return (p["x"] - 1.0) ** 2 + abs(p["n"] - 4) + abs(math.log2(p["k"]) - 3) + p["s"] + cat + p.get("b_only", 0.5)


CONDITIONAL = {
    "model": Categorical(["lin", "tree", "none"]),
    "alpha": Float(1e-4, 1.0, log=True, when=("model", "lin")),
    "depth": Int(1, 12, when=("model", "tree")),
    "leaf": Float(0.0, 1.0, when=("model", "tree")),
    "lr": Float(0.0, 1.0),
}


def _conditional_value(p: dict[str, Any]) -> float:
    branch = {"lin": 1.0 + (math.log10(p.get("alpha", 1.0)) + 2) ** 2,
              "tree": abs(p.get("depth", 0) - 5) / 3 + (p.get("leaf", 0.0) - 0.2) ** 2, "none": 3.0}[p["model"]]
    return branch + (p["lr"] - 0.4) ** 2


def _gp_batches(sampler: parzen.Sampler, n_trials: int, space: dict | None = None) -> list[dict[str, str]]:
    """Trials asked two at a time (the liar sees the other); every 5th told PRUNED, every 7th FAIL."""
    study = parzen.create_study(sampler=sampler)
    out: list[dict[str, str]] = []
    for first in range(0, n_trials, 2):
        trials = [study.ask(space) for _ in range(2)]
        for number, trial in enumerate(trials, start=first):
            params = _mixed(trial) if space is None else trial.params
            if number % 7 == 6:
                study.tell(trial, state=TrialState.FAIL)
            else:
                value = _mixed_value(params) if space is None else _conditional_value(params)
                study.tell(trial, value, state=TrialState.PRUNED if number % 5 == 4 else TrialState.COMPLETE)
            out.append({name: repr(value) for name, value in sorted(trial.params.items())})
    return out


def _gp_narrowed(n_trials: int) -> list[dict[str, str]]:
    """A range narrowed and a choice dropped half-way: the GP models the old space, searches the new one."""
    study = parzen.create_study(sampler=parzen.GPSampler(seed=5, n_startup_trials=6))
    out = []
    for number in range(n_trials):
        late = number >= n_trials // 2
        space = {"x": Float(-5.0, 1.0 if late else 5.0), "n": Int(0, 20),
                 "c": Categorical(["a", "b"] if late else ["a", "b", "c"])}
        trial = study.ask(space)
        p = trial.params
        study.tell(trial, (p["x"] - 0.5) ** 2 + abs(p["n"] - 7) / 4 + {"a": 0.5, "b": 0.0, "c": 1.0}[p["c"]])
        out.append({name: repr(value) for name, value in sorted(p.items())})
    return out


SCENARIOS: dict[str, Callable[[], list[dict[str, str]]]] = {
    "default-2d": lambda: _default_on_sphere(2, 100),
    "default-5d": lambda: _default_on_sphere(5, 70),
    "gp-mixed": lambda: _gp_batches(parzen.GPSampler(seed=5, n_startup_trials=6), 36),
    "gp-conditional-warped-ucb": lambda: _gp_batches(
        parzen.GPSampler(seed=5, n_startup_trials=6, input_warping=True, acquisition="ucb"), 30, CONDITIONAL),
    "gp-narrowed": lambda: _gp_narrowed(30),
}


RECORDED = _replay.load(FIXTURE)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_replays_the_recorded_suggestions(scenario: str) -> None:
    _replay.check(SCENARIOS, RECORDED, scenario)


if __name__ == "__main__":
    _replay.write(FIXTURE, SCENARIOS)
