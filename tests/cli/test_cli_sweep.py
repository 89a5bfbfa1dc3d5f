"""`parzen sweep`: runs a sweep from a YAML space and an objective, checkpoints it, resumes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parzen.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPACE = str(ROOT / "examples" / "search_space.yaml")
OBJECTIVE = f"{ROOT / 'examples' / 'sweep_objective.py'}:accuracy"


def test_sweep_prints_the_best_trial_and_writes_the_checkpoint(tmp_path, capsys) -> None:
    ckpt = tmp_path / "ckpt.json"
    assert main(["sweep", "--trials", "25", "--space", SPACE, "--objective", OBJECTIVE, "--direction", "maximize",
                 "--seed", "0", "--checkpoint", str(ckpt)]) == 0
    out = capsys.readouterr().out
    data = json.loads(ckpt.read_text())
    best = max(data["trials"], key=lambda t: t["values"][0])
    assert len(data["trials"]) == 25 and data["directions"] == ["maximize"]
    assert f"best trial {best['number']}: value={best['values'][0]}" in out


def test_direction_defaults_to_maximize(tmp_path, capsys) -> None:
    ckpt = tmp_path / "ckpt.json"
    assert main(["sweep", "--trials", "12", "--space", SPACE, "--objective", OBJECTIVE, "--checkpoint", str(ckpt)]) == 0
    data = json.loads(ckpt.read_text())
    top = max(data["trials"], key=lambda t: t["values"][0])
    assert data["directions"] == ["maximize"] and f"best trial {top['number']}:" in capsys.readouterr().out


def test_module_objective_from_the_working_directory_and_failures(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "my_objective.py").write_text(
        "def score(params):\n"
        "    if params['n'] >= 3:\n"
        "        raise RuntimeError('diverged')\n"
        "    return params['n']\n")
    (tmp_path / "space.yaml").write_text("n: {type: int_uniform, low: 1, high: 5}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert main(["sweep", "--trials", "20", "--space", "space.yaml", "--objective", "my_objective:score",
                 "--direction", "minimize", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "failed: RuntimeError: diverged" in out and "best trial" in out and "value=1.0" in out
    states = {t["state"] for t in json.loads((tmp_path / "hpo_checkpoint.json").read_text())["trials"]}
    assert states == {"COMPLETE", "FAIL"}


def test_resume_continues_in_the_same_checkpoint(tmp_path, capsys) -> None:
    ckpt = tmp_path / "hpo_checkpoint.json"
    main(["sweep", "--trials", "5", "--space", SPACE, "--objective", OBJECTIVE, "--checkpoint", str(ckpt)])
    def outcomes(trials: list[dict]) -> list[tuple]:  # times are those of the resumed run
        return [(t["number"], t["state"], t["params"], t["values"]) for t in trials]

    first = json.loads(ckpt.read_text())["trials"]
    assert main(["sweep", "--trials", "8", "--resume", str(ckpt), "--objective", OBJECTIVE]) == 0
    after = json.loads(ckpt.read_text())["trials"]
    assert outcomes(after[:5]) == outcomes(first) and [t["number"] for t in after] == list(range(8))
    assert "resumed 5 trial(s)" in capsys.readouterr().out


def test_resume_alone_finds_the_objective_in_the_checkpoint(tmp_path, capsys, monkeypatch) -> None:
    ckpt = tmp_path / "hpo_checkpoint.json"
    objective = "examples/sweep_objective.py:accuracy"  # relative: kept absolute in the checkpoint
    monkeypatch.chdir(ROOT)
    assert main(["sweep", "--trials", "4", "--space", SPACE, "--objective", objective, "--checkpoint", str(ckpt)]) == 0
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "--trials", "6", "--resume", str(ckpt)]) == 0
    assert "resumed 4 trial(s)" in capsys.readouterr().out
    assert [t["number"] for t in json.loads(ckpt.read_text())["trials"]] == list(range(6))


def _usage_error(argv: list[str], capsys) -> str:
    """The message of a usage error: exit status 2, with the subcommand's usage, as argparse's own errors."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith("usage: parzen sweep")
    return err


def test_a_new_sweep_needs_an_objective_and_a_space(capsys) -> None:
    assert "give --objective" in _usage_error(["sweep", "--trials", "2", "--space", SPACE], capsys)
    assert "give --space" in _usage_error(["sweep", "--objective", OBJECTIVE], capsys)


@pytest.mark.parametrize("space_text, message", [
    ("lr: {type: log_uniform, low: 0.1, high: 0.01}\n", "parameter 'lr': Float: `low` (0.1) must be <= `high`"),
    ("lr: {type: gaussian, low: 0, high: 1}\n", "parameter 'lr': unknown type 'gaussian'"),
    ("act: {type: categorical, values: []}\n", "parameter 'act': Categorical: `choices` must not be empty"),
    ("lr: {type: uniform, low: 0}\n", "parameter 'lr': type 'uniform' takes ['high', 'low'], got ['low']"),
    ("- just a list\n", "a search space must be a non-empty mapping"),
])
def test_bad_space_files_name_the_parameter(tmp_path, capsys, space_text, message) -> None:
    (tmp_path / "s.yaml").write_text(space_text)
    assert main(["sweep", "--space", str(tmp_path / "s.yaml"), "--objective", OBJECTIVE,
                 "--checkpoint", str(tmp_path / "c.json")]) == 1
    assert message in capsys.readouterr().err


def test_yaml_exponents_without_a_dot_are_numbers(tmp_path) -> None:
    (tmp_path / "s.yaml").write_text("x: {type: log_uniform, low: 1e-5, high: 1e-1}\n")
    (tmp_path / "f.py").write_text("def f(p):\n    return p['x']\n")
    assert main(["sweep", "--trials", "3", "--space", str(tmp_path / "s.yaml"), "--objective",
                 f"{tmp_path / 'f.py'}:f", "--checkpoint", str(tmp_path / "c.json")]) == 0
    stored = json.loads((tmp_path / "c.json").read_text())["metadata"]["parzen.hpo"]["space"]["x"]
    assert stored == {"type": "log_uniform", "low": 1e-5, "high": 0.1}


@pytest.mark.parametrize("args, message", [
    (["--objective", "nocolon"], "--objective must be module:function"),
    (["--objective", "missing_file.py:f"], "no such file 'missing_file.py'"),
    (["--objective", "json:no_such_function"], "'json' has no function 'no_such_function'"),
    (["--objective", "no_such_module_xyz:f"], "cannot import 'no_such_module_xyz'"),
    (["--objective", OBJECTIVE, "--resume", "absent.json"], "cannot read --resume 'absent.json'"),
    (["--objective", OBJECTIVE, "--space", "absent.yaml"], "cannot read --space 'absent.yaml'"),
])
def test_bad_arguments_are_clear_errors(tmp_path, capsys, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", *args]) == 1
    assert message in capsys.readouterr().err


def test_resume_refuses_a_different_space_or_direction(tmp_path, capsys) -> None:
    ckpt = tmp_path / "c.json"
    main(["sweep", "--trials", "2", "--space", SPACE, "--objective", OBJECTIVE, "--checkpoint", str(ckpt)])
    (tmp_path / "other.yaml").write_text("x: {type: uniform, low: 0, high: 1}\n")
    other = str(tmp_path / "other.yaml")
    capsys.readouterr()
    assert "differs from the space in --resume" in _usage_error(
        ["sweep", "--resume", str(ckpt), "--space", other, "--objective", OBJECTIVE], capsys)
    assert "--direction minimize differs from 'maximize'" in _usage_error(
        ["sweep", "--resume", str(ckpt), "--direction", "minimize", "--objective", OBJECTIVE], capsys)


def test_usage_errors_exit_2(capsys) -> None:
    assert "--trials must be >= 1" in _usage_error(["sweep", "--trials", "0", "--space", SPACE, "--objective",
                                                   OBJECTIVE], capsys)


def test_runs_as_a_module_in_its_own_process(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "parzen.cli", "sweep", "--trials", "4", "--space", SPACE,
                           "--objective", OBJECTIVE, "--direction", "maximize"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "best trial" in proc.stdout and (tmp_path / "hpo_checkpoint.json").exists()
