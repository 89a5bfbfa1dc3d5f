"""Pruning through the core: report / should_prune / TrialPruned in an objective, PRUNED records."""

from __future__ import annotations

import pytest

import parzen
from parzen import TrialState
from parzen.pruners import (
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    PatiencePruner,
    PercentilePruner,
    Pruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
)


def _curve_objective(trial: parzen.Trial) -> float:
    """A learning curve that ends at ``(x - 0.8)^2``; each step's report closes a third of the gap."""
    x = trial.suggest_float("x", 0.0, 1.0)
    value = 1.0
    for step in range(9):
        value = (x - 0.8) ** 2 + (value - (x - 0.8) ** 2) * 2 / 3
        trial.report(value, step)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return value


def test_a_pruned_objective_is_stored_with_its_last_value_and_step() -> None:
    study = parzen.create_study(pruner=MedianPruner(n_startup_trials=2), sampler=parzen.RandomSampler(seed=1))
    study.optimize(_curve_objective, n_trials=20)
    pruned = study.get_trials((TrialState.PRUNED,))
    assert pruned and len(pruned) < 20
    for trial in pruned:
        assert trial.last_step < 8
        assert trial.value == trial.intermediate_values[trial.last_step]
    assert study.best_trial.state == TrialState.COMPLETE


def test_trial_prune_is_shorthand_for_raising_trial_pruned() -> None:
    def objective(trial: parzen.Trial) -> float:
        trial.report(0.5, 3)
        trial.prune()
        return 0.0

    study = parzen.create_study()
    study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.PRUNED and trial.value == 0.5 and trial.last_step == 3


def test_should_prune_sees_the_intermediate_values_in_storage() -> None:
    seen = []

    class Recording(Pruner):
        def prune(self, study, trial):
            seen.append(dict(trial.intermediate_values))
            return False

    study = parzen.create_study(pruner=Recording())
    trial = study.ask()
    trial.report(3.0, 0)
    trial.report(2.0, 4)
    assert not trial.should_prune()
    assert seen == [{0: 3.0, 4: 2.0}] and trial.intermediate_values == {0: 3.0, 4: 2.0}


def test_nop_pruner_never_prunes() -> None:
    study = parzen.create_study(pruner=NopPruner(), sampler=parzen.RandomSampler(seed=0))
    study.optimize(_curve_objective, n_trials=5)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize("pruner", [
    MedianPruner(n_startup_trials=2), PercentilePruner(25.0, n_startup_trials=2),
    PatiencePruner(2, min_delta=0.02), ThresholdPruner(upper=0.3, n_warmup_steps=8), SuccessiveHalvingPruner(),
    HyperbandPruner(max_resource=9),
])
def test_every_pruner_prunes_a_random_search(pruner) -> None:
    study = parzen.create_study(pruner=pruner, sampler=parzen.RandomSampler(seed=3))
    study.optimize(_curve_objective, n_trials=25)
    states = [t.state for t in study.trials]
    assert TrialState.PRUNED in states and TrialState.COMPLETE in states
    assert study.best_value < 0.05


def test_tpe_learns_from_pruned_trials() -> None:
    from parzen.samplers.tpe import TPESampler

    # Trials with x below about 0.52 are pruned at their last step and never complete; TPE must steer away.
    study = parzen.create_study(pruner=ThresholdPruner(upper=0.1, n_warmup_steps=8),
                                sampler=TPESampler(seed=0, n_startup_trials=10))
    study.optimize(_curve_objective, n_trials=40)
    pruned = [t.state == TrialState.PRUNED for t in study.trials]
    assert sum(pruned[:10]) >= 3
    assert sum(pruned[-15:]) <= 3
