"""``study.optimize(executor="process")``: objectives in child processes, the study in the parent."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time
import types

import _exec_objectives as objectives
import pytest

import parzen
from parzen import TrialState

HELPER = pathlib.Path(objectives.__file__)


def _by_state(study: parzen.Study) -> dict[TrialState, list[int]]:
    return {s: [t.number for t in study.trials if t.state == s] for s in TrialState}


def test_define_by_run_objective_in_processes() -> None:
    study = parzen.create_study(seed=1)
    study.optimize(objectives.define_by_run, n_trials=8, n_jobs=2, executor="process")
    trials = study.trials
    assert sorted(t.number for t in trials) == list(range(8))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    for t in trials:
        x, n, kind = t.params["x"], t.params["n"], t.params["kind"]
        assert 0.0 <= x <= 1.0 and 1 <= n <= 5 and kind in ("a", "b")
        assert t.value == pytest.approx(x * n + (100.0 if kind == "b" else 0.0))
        assert t.intermediate_values == {0: x, 1: 2 * x, 2: 3 * x}
        assert t.user_attrs["pid"] != os.getpid()
    assert len({t.user_attrs["pid"] for t in trials}) == 2


def test_crashing_child_fails_only_its_trial() -> None:
    study = parzen.create_study()
    study.optimize(objectives.crash_on_trial_two, n_trials=6, n_jobs=2, executor="process")
    states = _by_state(study)
    assert states[TrialState.FAIL] == [2]
    assert states[TrialState.COMPLETE] == [0, 1, 3, 4, 5]
    assert "worker process died" in study.trials[2].fail_reason
    assert "exit code 1" in study.trials[2].fail_reason


def test_processes_run_in_parallel() -> None:
    """Eight 0.3 s trials on two workers take about four trial lengths, not eight."""
    study = parzen.create_study()
    study.optimize(objectives.sleep_and_record_pid, n_trials=8, n_jobs=2, executor="process")
    trials = study.trials
    span = (max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)).total_seconds()
    serial = 8 * objectives.SLEEP_S
    assert span < 0.75 * serial
    assert len({t.user_attrs["pid"] for t in trials}) == 2


def test_grid_with_two_processes_covers_each_point_once() -> None:
    grid = objectives.GRID
    study = parzen.create_study(sampler=parzen.GridSampler(grid))
    study.optimize(objectives.grid_sum, n_jobs=2, executor="process")
    points = sorted((t.params["a"], t.params["b"]) for t in study.trials)
    assert points == sorted((a, b) for a in grid["a"] for b in grid["b"])
    assert all(t.value == t.params["a"] + t.params["b"] for t in study.trials)


def test_exception_outside_catch_is_reraised_from_the_child() -> None:
    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="boom in trial 3") as info:
        study.optimize(objectives.raise_on_trial_three, n_trials=10, executor="process")
    assert "raise_on_trial_three" in str(info.value.__cause__)
    states = _by_state(study)
    assert states[TrialState.COMPLETE] == [0, 1, 2]
    assert states[TrialState.FAIL] == [3]
    assert len(study.trials) == 4


def test_oserror_of_the_objective_is_not_taken_for_a_dead_worker() -> None:
    study = parzen.create_study()
    study.optimize(objectives.raise_oserror_on_trial_one, n_trials=3, executor="process", catch=OSError)
    assert _by_state(study)[TrialState.FAIL] == [1]
    assert study.trials[1].fail_reason == "FileNotFoundError: no such file: data.csv"


def test_trial_timeout_kills_the_child_and_goes_on() -> None:
    study = parzen.create_study()
    started = time.monotonic()
    study.optimize(objectives.hang_on_trial_one, n_trials=3, executor="process", trial_timeout=0.5)
    assert time.monotonic() - started < 20
    assert _by_state(study)[TrialState.FAIL] == [1]
    assert "trial_timeout=0.5" in study.trials[1].fail_reason
    assert [t.value for t in study.trials if t.state == TrialState.COMPLETE] == [0.0, 2.0]


def test_pruned_in_the_child_is_pruned_in_the_study() -> None:
    study = parzen.create_study()
    study.optimize(objectives.prune_odd_trials, n_trials=4, executor="process")
    states = _by_state(study)
    assert states[TrialState.PRUNED] == [1, 3]
    assert states[TrialState.COMPLETE] == [0, 2]


def test_unpicklable_objective_is_a_type_error_before_any_trial() -> None:
    study = parzen.create_study()
    with pytest.raises(TypeError, match="picklable"):
        study.optimize(lambda t: 0.0, n_trials=3, n_jobs=2, executor="process")
    assert study.trials == []


def test_objective_the_child_cannot_import_fails_before_any_trial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Picklable by reference here, but its module exists only in this process."""
    module = types.ModuleType("parzen_test_ghost_module")

    def ghost(trial: parzen.Trial) -> float:
        return 0.0

    ghost.__module__ = module.__name__
    ghost.__qualname__ = "ghost"
    module.ghost = ghost  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    study = parzen.create_study()
    with pytest.raises(TypeError, match="could not load the objective"):
        study.optimize(ghost, n_trials=3, executor="process")
    assert study.trials == []


def test_two_os_processes_share_a_grid_through_sqlite(tmp_path: pathlib.Path) -> None:
    """Two separate programs, each with its own GridSampler, split one grid without overlap."""
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    ready = tmp_path / "ready"
    ready.mkdir()
    parzen.create_study(storage=url, study_name="shared-grid")
    workers = [
        subprocess.Popen([sys.executable, str(HELPER), "grid", url, "shared-grid", str(ready), str(i)],
                         stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    for proc in workers:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
    trials = parzen.load_study("shared-grid", storage=url).trials
    grid = objectives.GRID
    assert sorted((t.params["a"], t.params["b"]) for t in trials) == sorted(
        (a, b) for a in grid["a"] for b in grid["b"])
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    assert {t.user_attrs["pid"] for t in trials} == {proc.pid for proc in workers}
