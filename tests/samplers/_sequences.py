"""Suggestion sequences of every sampler on three spaces, recorded once and replayed by test_sequences.py.

The refactor of the samplers' shared plumbing must not change what they suggest: this module runs
each sampler for a fixed seed on a float, a mixed and a conditional space (trials asked two at a time,
so that the constant liar acts, and every fifth trial told PRUNED) and writes every suggestion, floats
by ``repr``. Run ``python tests/samplers/_sequences.py`` to rewrite ``sequences.json`` after a
deliberate change of behaviour, and say why in the commit.
"""

from __future__ import annotations

import json
import math
import pathlib
import sys
from typing import Any, Callable

import parzen
from parzen import Categorical, Float, Int, TrialState

FIXTURE = pathlib.Path(__file__).with_name("sequences.json")
N_TRIALS = 24
SEED = 7


def _float_space(trial: parzen.Trial) -> None:
    trial.suggest_float("x", -5.0, 5.0)
    trial.suggest_float("y", 1e-3, 10.0, log=True)


def _float_values(p: dict[str, Any]) -> tuple[float, float]:
    return (p["x"] - 0.7) ** 2 + (math.log10(p["y"]) - 0.5) ** 2, (p["x"] + 1.0) ** 2 + math.log10(p["y"]) ** 2


def _mixed_space(trial: parzen.Trial) -> None:
    trial.suggest_float("x", -3.0, 3.0)
    trial.suggest_int("n", 1, 9)
    trial.suggest_int("k", 2, 64, log=True)
    trial.suggest_float("s", 0.0, 1.0, step=0.25)
    if trial.suggest_categorical("c", ["a", "b", "c"]) == "b":
        trial.suggest_float("b_only", 0.0, 2.0)


def _mixed_values(p: dict[str, Any]) -> tuple[float, float]:
    cat = {"a": 1.0, "b": 0.0, "c": 2.0}[p["c"]]
    f = (p["x"] - 1.0) ** 2 + abs(p["n"] - 4) + abs(math.log2(p["k"]) - 3) + p["s"] + cat + p.get("b_only", 0.5)
    return f, (p["x"] + 1.0) ** 2 + p["n"] / 3 + p["s"] * 2


CONDITIONAL = {
    "model": Categorical(["lin", "tree", "none"]),
    "alpha": Float(1e-4, 1.0, log=True, when=("model", "lin")),
    "depth": Int(1, 12, when=("model", "tree")),
    "leaf": Float(0.0, 1.0, when=("model", "tree")),
    "lr": Float(0.0, 1.0),
}


def _conditional_values(p: dict[str, Any]) -> tuple[float, float]:
    if p["model"] == "lin":
        f = 1.0 + (math.log10(p["alpha"]) + 2) ** 2
    elif p["model"] == "tree":
        f = abs(p["depth"] - 5) / 3 + (p["leaf"] - 0.2) ** 2
    else:
        f = 3.0
    return f + (p["lr"] - 0.4) ** 2, (p["lr"] - 0.9) ** 2 + (0.0 if p["model"] == "none" else 1.0)


SPACES: dict[str, tuple[Callable[[parzen.Trial], None] | dict, Callable[[dict[str, Any]], tuple[float, float]]]] = {
    "float": (_float_space, _float_values),
    "mixed": (_mixed_space, _mixed_values),
    "conditional": (CONDITIONAL, _conditional_values),
}

GRIDS = {
    "float": {"x": [-5.0, -1.0, 0.5, 2.0, 5.0], "y": [1e-3, 0.01, 0.1, 1.0, 10.0]},
    "mixed": {"x": [-3.0, 0.0, 1.5], "n": [1, 4, 9], "k": [2, 8, 64], "s": [0.0, 0.5], "c": ["a", "b", "c"],
              "b_only": [0.0, 1.0]},
    "conditional": {"model": ["lin", "tree", "none"], "alpha": [1e-4, 1e-2], "depth": [1, 5, 12],
                    "leaf": [0.0, 0.5], "lr": [0.0, 0.4, 1.0]},
}


def make_sampler(name: str, space: str) -> tuple[parzen.Sampler, int]:
    """The sampler named ``name`` with the fixed seed, and the number of objectives its study has."""
    from parzen.samplers import (
        AutoSampler,
        CmaEsSampler,
        GPSampler,
        GridSampler,
        NSGAIISampler,
        QMCSampler,
        RandomSampler,
        TPESampler,
    )

    makers: dict[str, Callable[[], tuple[parzen.Sampler, int]]] = {
        "random": lambda: (RandomSampler(seed=SEED), 1),
        "grid": lambda: (GridSampler(GRIDS[space], seed=SEED), 1),
        "qmc": lambda: (QMCSampler(seed=SEED), 1),
        "tpe": lambda: (TPESampler(seed=SEED, n_startup_trials=6), 1),
        "gp": lambda: (GPSampler(seed=SEED, n_startup_trials=6), 1),
        "cmaes": lambda: (CmaEsSampler(seed=SEED, n_startup_trials=2, popsize=4), 1),
        "nsga2": lambda: (NSGAIISampler(seed=SEED, population_size=6), 2),
        "motpe": lambda: (TPESampler(seed=SEED, n_startup_trials=6), 2),
        "auto": lambda: (AutoSampler(seed=SEED), 1),
    }
    return makers[name]()


SAMPLERS = ("random", "grid", "qmc", "tpe", "gp", "cmaes", "nsga2", "motpe", "auto")


def _encode(value: Any) -> str:
    return repr(value)


def run(sampler_name: str, space_name: str) -> list[dict[str, str]]:
    """The suggestions of one sampler on one space, each parameter's value by ``repr``, in trial order."""
    sampler, n_objectives = make_sampler(sampler_name, space_name)
    space, values = SPACES[space_name]
    directions = ["minimize"] * n_objectives
    study = parzen.create_study(sampler=sampler, directions=directions)
    out: list[dict[str, str]] = []
    number = 0
    while number < N_TRIALS:
        batch = []
        for _ in range(2):
            trial = study.ask(space) if isinstance(space, dict) else study.ask()
            if callable(space):
                space(trial)
            batch.append(trial)
        for trial in batch:
            params = trial.params
            out.append({name: _encode(params[name]) for name in sorted(params)})
            told = values(params)[:n_objectives]
            if number % 5 == 4:
                study.tell(trial, told, state=TrialState.PRUNED)
            else:
                study.tell(trial, told)
            number += 1
    return out


def record() -> dict[str, dict[str, list[dict[str, str]]]]:
    return {s: {space: run(s, space) for space in SPACES} for s in SAMPLERS}


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE}", file=sys.stderr)
