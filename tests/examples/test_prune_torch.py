"""The PyTorch pruning example runs a real training loop (torch is a test dependency) and prunes."""

from __future__ import annotations

import importlib.util
import math
import pathlib

import torch

from parzen import TrialState

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "prune_torch.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("prune_torch", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_torch_example_trains_and_prunes(capsys) -> None:
    example = _load_example()
    assert isinstance(example.X_TRAIN, torch.Tensor) and example.X_TRAIN.shape[1] == 64
    study = example.main(["--pruner", "median", "--trials", "12", "--epochs", "8"])
    states = [t.state for t in study.trials]
    assert TrialState.PRUNED in states and TrialState.COMPLETE in states
    assert sum(len(t.intermediate_values) for t in study.trials) < 12 * 8
    assert study.best_value < 0.5  # cross-entropy of 10 digit classes: log(10) = 2.3 at chance
    assert all(math.isfinite(v) for t in study.trials for v in t.intermediate_values.values())
    assert "torch with median" in capsys.readouterr().out


def test_torch_example_with_asha() -> None:
    study = _load_example().main(["--pruner", "asha", "--trials", "8", "--epochs", "9"])
    pruned = study.get_trials((TrialState.PRUNED,))
    assert pruned and all(t.last_step in (1, 3) for t in pruned)  # ASHA's rungs below 9 epochs
