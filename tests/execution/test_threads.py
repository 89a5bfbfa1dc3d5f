"""``study.optimize(n_jobs > 1)`` with threads: one study, one sampler, several workers."""

from __future__ import annotations

import threading
import time

import pytest
from _exec_objectives import GRID, grid_sum, quadratic

import parzen
from parzen import TrialState


def test_four_threads_share_one_sampler() -> None:
    """Distinct numbers, exactly n_trials, every value matching its own parameters."""
    study = parzen.create_study(seed=3)
    study.optimize(quadratic, n_trials=60, n_jobs=4)
    trials = study.trials
    assert sorted(t.number for t in trials) == list(range(60))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    assert len({t.params["x"] for t in trials}) == 60
    for t in trials:
        assert t.value == pytest.approx((t.params["x"] - 2.0) ** 2)


def test_threads_run_trials_at_the_same_time() -> None:
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def objective(trial: parzen.Trial) -> float:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return 0.0

    study = parzen.create_study()
    started = time.monotonic()
    study.optimize(objective, n_trials=8, n_jobs=4)
    assert peak[0] == 4
    assert time.monotonic() - started < 8 * 0.1  # faster than one after another


def test_grid_with_two_threads_covers_each_point_once() -> None:
    study = parzen.create_study(sampler=parzen.GridSampler(GRID))
    study.optimize(grid_sum, n_trials=100, n_jobs=2)
    points = sorted((t.params["a"], t.params["b"]) for t in study.trials)
    assert points == sorted((a, b) for a in GRID["a"] for b in GRID["b"])
    assert {t.state for t in study.trials} == {TrialState.COMPLETE}
    assert all(t.value == t.params["a"] + t.params["b"] for t in study.trials)


def test_error_in_one_thread_stops_all_and_is_reraised() -> None:
    def objective(trial: parzen.Trial) -> float:
        time.sleep(0.02)
        if trial.number == 5:
            raise RuntimeError("boom in trial 5")
        return 1.0

    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="boom in trial 5"):
        study.optimize(objective, n_trials=100, n_jobs=3)
    by_state = {s: [t.number for t in study.trials if t.state == s] for s in TrialState}
    assert by_state[TrialState.FAIL] == [5]
    assert by_state[TrialState.RUNNING] == []
    assert len(study.trials) < 12
    assert study.trials[5].fail_reason == "RuntimeError: boom in trial 5"


def test_catch_and_timeout_apply_to_each_thread() -> None:
    def objective(trial: parzen.Trial) -> float:
        if trial.number == 2:
            raise ValueError("caught")
        if trial.number == 4:
            time.sleep(3.0)
        return 1.0

    study = parzen.create_study()
    started = time.monotonic()
    with pytest.warns(RuntimeWarning, match="abandoned"):
        study.optimize(objective, n_trials=10, n_jobs=2, catch=ValueError, trial_timeout=0.3)
    assert time.monotonic() - started < 2.5  # the call did not wait for the 3 s trial
    failed = {t.number: t.fail_reason for t in study.trials if t.state == TrialState.FAIL}
    assert set(failed) == {2, 4}
    assert "trial_timeout" in failed[4]
    assert len(study.trials) == 10


def test_callback_stop_with_threads_starts_no_new_trial() -> None:
    def stop_at_first(study: parzen.Study, trial: parzen.FrozenTrial) -> None:
        study.stop()

    study = parzen.create_study()
    study.optimize(lambda t: time.sleep(0.05) or 0.0, n_trials=50, n_jobs=2, callbacks=[stop_at_first])
    assert 1 <= len(study.trials) <= 2
    assert {t.state for t in study.trials} == {TrialState.COMPLETE}
