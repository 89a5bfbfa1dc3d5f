"""``parzen worker``: independent worker processes on one study, on SQLite, PostgreSQL and Redis."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

import parzen
from parzen import TrialState
from parzen.cli import main

OBJECTIVES = pathlib.Path(__file__).with_name("_worker_objectives.py")
STORAGES = ["sqlite", "postgres", "redis"]


@pytest.fixture(params=STORAGES)
def url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> str:
    """A fresh storage URL of each kind (real PostgreSQL and Redis servers)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workers.db'}"
    return str(request.getfixturevalue(f"{request.param}_url"))


def _worker(url: str, objective: str, *options: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "parzen.cli", "worker", "--storage", url, "--study", "shared",
               "--objective", f"{OBJECTIVES}:{objective}", "--sampler", "random", *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def _finish(proc: subprocess.Popen, limit: float = 120.0) -> str:
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, err
    return out


def test_workers_share_one_study_with_dense_unique_numbers(url: str) -> None:
    parzen.create_study(storage=url, study_name="shared")
    workers = [_worker(url, "quick", "--n-trials", "15", "--seed", str(i)) for i in range(3)]
    for proc in workers:
        assert "trials" in _finish(proc)
    trials = parzen.load_study("shared", storage=url).trials
    assert sorted(t.number for t in trials) == list(range(45))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    assert all(t.value == t.params["x"] for t in trials)


def test_a_killed_worker_s_trial_fails_after_the_grace_period_and_runs_again(url: str, tmp_path: pathlib.Path) -> None:
    """kill -9 of the worker running trial 1: another worker fails it as stale once and retries its parameters."""
    parzen.create_study(storage=url, study_name="shared")
    mark = tmp_path / "trial-one-started"
    beats = ("--heartbeat-interval", "0.2", "--grace-period", "1.5")
    doomed = _worker(url, "hang_in_trial_one", "--n-trials", "5", "--seed", "1", *beats,
                     env={"PARZEN_TEST_MARK": str(mark)})
    deadline = time.monotonic() + 60
    while not mark.exists():
        assert doomed.poll() is None, doomed.communicate()[1]
        assert time.monotonic() < deadline, "trial 1 never started"
        time.sleep(0.02)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate()
    survivor = _worker(url, "hang_in_trial_one", "--n-trials", "25", "--seed", "2", "--retry", "1", *beats)
    _finish(survivor)
    trials = parzen.load_study("shared", storage=url).trials
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    dead = trials[1]
    assert dead.state == TrialState.FAIL
    assert dead.fail_reason.startswith("stale")
    assert dead.intermediate_values == {0: dead.params["x"]}
    retries = [t for t in trials if t.system_attrs.get("retry_of") == 1]
    assert len(retries) == 1
    assert retries[0].params == dead.params and retries[0].state == TrialState.COMPLETE
    assert [t.number for t in trials if t.state != TrialState.COMPLETE] == [1]
    assert {t.user_attrs["pid"] for t in trials if t.number > 1} == {survivor.pid}


def test_worker_retry_and_max_failures(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'failing.db'}"
    parzen.create_study(storage=url, study_name="shared")
    code = main(["worker", "--storage", url, "--study", "shared", "--objective", f"{OBJECTIVES}:raise_value_error",
                 "--n-trials", "20", "--retry", "1", "--max-failures", "4", "--sampler", "random"])
    assert code == 1
    assert "4 trials failed in a row" in capsys.readouterr().err
    trials = parzen.load_study("shared", storage=url).trials
    assert [t.system_attrs.get("retry_of") for t in trials] == [None, 0, None, 2]


@pytest.mark.parametrize("options, code, message", [
    (["--study", "missing"], 1, "no study 'missing'"),
    (["--objective", "no_such_module_xyz:f"], 1, "cannot import"),
    (["--n-trials", "0"], 2, "positive integer"),
    (["--heartbeat-interval", "-1"], 2, "positive number of seconds"),
    (["--heartbeat-interval", "2", "--grace-period", "1"], 2, "--grace-period"),
    (["--retry", "-1"], 2, "--retry"),
])
def test_bad_worker_arguments(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], options: list[str],
                              code: int, message: str) -> None:
    url = f"sqlite:///{tmp_path / 'args.db'}"
    parzen.create_study(storage=url, study_name="shared")
    base = {"--storage": url, "--study": "shared", "--objective": f"{OBJECTIVES}:quick"}
    for flag in options[::2]:
        base.pop(flag, None)
    argv = ["worker", *[x for item in base.items() for x in item], *options]
    try:
        returned: Any = main(argv)
    except SystemExit as exc:
        returned = exc.code
    assert returned == code
    assert message in capsys.readouterr().err
    assert parzen.load_study("shared", storage=url).trials == []


def _run_in_process(url: str, *options: str) -> list[parzen.FrozenTrial]:
    parzen.create_study(storage=url, study_name="shared")
    assert main(["worker", "--storage", url, "--study", "shared", "--objective", f"{OBJECTIVES}:quick",
                 *options]) == 0
    return parzen.load_study("shared", storage=url).trials


def test_worker_seed_makes_its_sampler_repeat(tmp_path: pathlib.Path) -> None:
    runs = [_run_in_process(f"sqlite:///{tmp_path / f'seed{i}.db'}", "--sampler", "random", "--seed", "7",
                            "--n-trials", "3") for i in range(2)]
    assert [t.params for t in runs[0]] == [t.params for t in runs[1]]


def test_worker_tpe_sampler_and_timeout(tmp_path: pathlib.Path) -> None:
    trials = _run_in_process(f"sqlite:///{tmp_path / 'tpe.db'}", "--sampler", "tpe", "--timeout", "0.5")
    assert trials and {t.state for t in trials} == {TrialState.COMPLETE}
