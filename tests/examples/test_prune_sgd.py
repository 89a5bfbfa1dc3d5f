"""The scikit-learn pruning example trains real classifiers epoch by epoch and prunes some of them."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

from parzen import TrialState

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "prune_sgd.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("prune_sgd", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("model, pruner, trials, epochs, min_accuracy", [
    ("sgd", "median", 14, 12, 0.9),
    ("sgd", "asha", 14, 12, 0.9),
    ("sgd", "hyperband", 14, 12, 0.9),
    ("mlp", "asha", 8, 8, 0.85),
])
def test_example_prunes_and_finds_a_good_classifier(capsys, model, pruner, trials, epochs, min_accuracy) -> None:
    example = _load_example()
    study = example.main(["--model", model, "--pruner", pruner, "--trials", str(trials), "--epochs", str(epochs)])
    states = [t.state for t in study.trials]
    assert len(states) == trials and TrialState.PRUNED in states
    assert example.epochs_trained(study) < trials * epochs
    assert min_accuracy < study.best_value <= 1.0  # digits has 10 classes: chance is 10%
    for t in study.get_trials((TrialState.PRUNED,)):
        assert t.value == t.intermediate_values[t.last_step]
    assert "trials pruned" in capsys.readouterr().out
