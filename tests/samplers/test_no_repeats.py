"""The default sampler does not propose a pruned point again.

On the plot gallery's training study (a log-scaled learning rate, an integer, a categorical choice, a
parameter only for one choice, one that does nothing; a median pruner) the default sampler routes to
the GP, which did not model PRUNED trials: the acquisition's maximum stayed where it was, and trial
after trial came back within a hair of a pruned point (learning rate 0.001, 3 layers, dropout 0.5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import parzen
from parzen.pruners import MedianPruner
from parzen.trial import TrialState


def _training(trial: parzen.Trial) -> float:
    """examples/plot_gallery.py's training objective, without its sleep."""
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("n_layers", 1, 6)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
    momentum = trial.suggest_float("momentum", 0.0, 0.99) if optimizer == "sgd" else 0.9
    trial.suggest_float("dropout", 0.0, 0.5)
    if lr > 0.05 and optimizer == "sgd":
        raise RuntimeError("training diverged")
    floor = 0.1 + 0.3 * (math.log10(lr) + 3) ** 2 + 0.05 * abs(layers - 3) + (0.15 if optimizer == "rmsprop" else 0)
    loss = floor
    for epoch in range(10):
        loss = floor + 2.0 * math.exp(-(0.3 + momentum) * (epoch + 1))
        trial.report(loss, epoch)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return loss


def _point(trial: parzen.FrozenTrial) -> tuple[tuple[str, ...], np.ndarray]:
    """The trial's categorical values and its numeric values in the unit encoding."""
    names = sorted(trial.params)
    cats = tuple(str(trial.params[n]) for n in names if isinstance(trial.params[n], str))
    nums = np.array([trial.distributions[n].encode(trial.params[n]) for n in names
                     if not isinstance(trial.params[n], str)])
    return cats, nums


def _returns_to_pruned_points(study: parzen.Study, tolerance: float = 1e-3) -> int:
    """Trials within ``tolerance`` (every encoded coordinate, same choices) of an earlier PRUNED trial."""
    pruned: list[tuple[tuple[str, ...], np.ndarray]] = []
    returns = 0
    for trial in study.trials:
        cats, nums = _point(trial)
        if any(c == cats and len(n) == len(nums) and np.all(np.abs(n - nums) < tolerance) for c, n in pruned):
            returns += 1
        if trial.state == TrialState.PRUNED:
            pruned.append((cats, nums))
    return returns


@pytest.mark.parametrize("seed", [0, 3])
def test_default_sampler_does_not_return_to_pruned_points(seed):
    study = parzen.create_study(seed=seed, pruner=MedianPruner(n_startup_trials=10, n_warmup_steps=6))
    study.optimize(_training, n_trials=100, catch=(RuntimeError,))
    assert {t.system_attrs.get("auto:sampler") for t in study.trials[10:]} == {"gp"}
    assert _returns_to_pruned_points(study) <= 3
    assert study.best_value < 0.11


@pytest.mark.parametrize("multi_objective", [False, True])
def test_tpe_does_not_repeat_a_point_of_a_finite_space(multi_objective):
    """On grids and choices TPE's candidates used to be evaluated points again: 17 distinct points in 36
    trials of a 36-point space. Only the random startup trials may repeat one now."""
    space = {"n": parzen.Int(0, 3), "c": parzen.Categorical(["a", "b", "c"]), "s": parzen.Float(0, 1, step=0.5)}
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=0),
                                directions=["minimize"] * (2 if multi_objective else 1))
    points = []
    for _ in range(36):
        trial = study.ask(space)
        p = trial.params
        loss = (p["n"] - 2) ** 2 + (p["c"] != "b") + p["s"]
        study.tell(trial, (loss, -loss + p["n"]) if multi_objective else loss)
        points.append((p["n"], p["c"], p["s"]))
    after_startup = points[10:]
    assert not [p for i, p in enumerate(after_startup) if p in points[:10 + i]]
    assert len(set(points)) >= 34


def test_tpe_on_a_spent_finite_space_still_proposes():
    space = {"n": parzen.Int(0, 2), "c": parzen.Categorical(["a", "b"])}
    study = parzen.create_study(sampler=parzen.samplers.TPESampler(seed=1, n_startup_trials=2))
    for _ in range(12):
        trial = study.ask(space)
        study.tell(trial, trial.params["n"] + (trial.params["c"] == "b"))
    assert len({(t.params["n"], t.params["c"]) for t in study.trials}) == 6
