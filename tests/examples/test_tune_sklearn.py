"""The demo script tunes a real model, keeps its study in SQLite, and a second run continues it."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

import parzen

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tune_sklearn.py"


def _load_demo():
    spec = importlib.util.spec_from_file_location("tune_sklearn", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_runs_and_resumes(tmp_path):
    demo = _load_demo()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = demo.main(["--trials", "4", "--storage", url, "--no-progress"])
    assert len(first.trials) == 4
    assert 0.85 < first.best_value <= 1.0  # a real classifier on breast cancer beats the 63% majority rate
    second = demo.main(["--trials", "3", "--storage", url, "--no-progress"])
    assert [t.number for t in second.trials] == list(range(7))
    reloaded = parzen.load_study("breast-cancer", url)
    assert len(reloaded.trials) == 7
    assert reloaded.best_value == max(t.value for t in reloaded.trials if t.state == parzen.TrialState.COMPLETE)


def test_demo_prints_best_parameters_and_progress(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    done = subprocess.run([sys.executable, str(SCRIPT), "--trials", "2", "--storage", url],
                          capture_output=True, text=True, timeout=300, check=True)
    assert "best parameters: {" in done.stdout
    assert "'model'" in done.stdout
    assert "best=" in done.stderr  # the progress bar shows the best value so far
