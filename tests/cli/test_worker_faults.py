"""Faults under ``parzen worker`` on real servers: the database goes away for 5 s; a grid shared by 4 workers.

The full-size load test (8 workers x 250 trials on each back end) is in ``benchmarks/storage.py``.
"""

from __future__ import annotations

import os
import pathlib
import runpy
import subprocess
import sys
import time
from typing import Any

import pytest

import parzen
from parzen import TrialState

OBJECTIVES = pathlib.Path(__file__).with_name("_worker_objectives.py")
GRID_HELPER = pathlib.Path(__file__).parents[1] / "execution" / "_exec_objectives.py"


def _worker(url: str, n_trials: int, seed: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "parzen.cli", "worker", "--storage", url, "--study", "shared",
               "--objective", f"{OBJECTIVES}:take_50_ms", "--sampler", "random", "--seed", str(seed),
               "--n-trials", str(n_trials)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("kind", ["postgres", "redis"])
def test_workers_wait_out_a_server_that_stops_for_five_seconds(kind: str, request: pytest.FixtureRequest) -> None:
    server: Any = request.getfixturevalue(f"{kind}_server")
    url = server.new_url()
    parzen.create_study(storage=url, study_name="shared")
    workers = [_worker(url, 40, seed) for seed in range(4)]
    study = parzen.load_study("shared", storage=url)
    deadline = time.monotonic() + 120
    while len(study.trials) < 20:
        assert all(proc.poll() is None for proc in workers), [proc.communicate()[1] for proc in workers]
        assert time.monotonic() < deadline, "the workers did not get going"
        time.sleep(0.1)
    server.stop()
    try:
        time.sleep(5)
        assert all(proc.poll() is None for proc in workers), "a worker gave up while the server was away"
    finally:
        server.start()
    for proc in workers:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    trials = parzen.load_study("shared", storage=url).trials
    assert sorted(t.number for t in trials) == list(range(160))
    assert {t.state for t in trials} == {TrialState.COMPLETE}


def test_a_grid_shared_by_four_workers_on_postgres_is_evaluated_once_per_point(postgres_url: str,
                                                                               tmp_path: pathlib.Path) -> None:
    grid = runpy.run_path(str(GRID_HELPER))["GRID"]
    parzen.create_study(storage=postgres_url, study_name="grid")
    ready = tmp_path / "ready"
    ready.mkdir()
    workers = [subprocess.Popen([sys.executable, str(GRID_HELPER), "grid", postgres_url, "grid", str(ready), str(i),
                                 "4"], stderr=subprocess.PIPE, text=True, env=dict(os.environ))
               for i in range(4)]
    for proc in workers:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    trials = parzen.load_study("grid", storage=postgres_url).trials
    points = sorted((t.params["a"], t.params["b"]) for t in trials)
    assert points == sorted((a, b) for a in grid["a"] for b in grid["b"])
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    assert len({t.user_attrs["pid"] for t in trials}) >= 2
