"""Faults and bad input found by probing ``optimize``, ``tell`` and ``enqueue_trial``; each test failed before its fix."""

from __future__ import annotations

import asyncio
import pathlib
import signal
import subprocess
import sys
import threading
import time
import warnings
from typing import Any

import numpy as np
import pytest

import parzen
from parzen import TrialState

HELPER = pathlib.Path(__file__).with_name("_exec_objectives.py")


def test_ctrl_c_with_two_threads_exits_without_waiting_for_the_objectives(tmp_path: pathlib.Path) -> None:
    """Both trials sleep 120 s: after SIGINT the process exits long before they would return."""
    url = f"sqlite:///{tmp_path / 'long.db'}"
    marks = tmp_path / "marks"
    marks.mkdir()
    parzen.create_study(storage=url, study_name="long")
    proc = subprocess.Popen([sys.executable, str(HELPER), "sigint_long", url, "long", str(marks)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list(marks.iterdir())) < 2:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the two trials did not start"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the process kept running after Ctrl-C: its worker threads block interpreter exit")
    assert proc.returncode == 130, stderr
    trials = parzen.load_study("long", storage=url).trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.FAIL]
    assert all("KeyboardInterrupt" in t.fail_reason for t in trials)


def test_thread_trial_timeout_warns_once_that_calls_were_abandoned() -> None:
    release = threading.Event()

    def objective(trial: parzen.Trial) -> float:
        if trial.number in (1, 2):
            release.wait(30)
        return 0.0

    study = parzen.create_study()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(objective, n_trials=4, n_jobs=2, trial_timeout=0.3)
    finally:
        release.set()
    abandoned = [w for w in caught if "abandoned" in str(w.message)]
    assert len(abandoned) == 1
    assert abandoned[0].category is RuntimeWarning
    assert "executor='process'" in str(abandoned[0].message)
    assert [t.state for t in study.trials].count(TrialState.FAIL) == 2


class _ThreadRecordingSampler(parzen.RandomSampler):
    """Notes the thread each sampling call runs in."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.threads: set[int] = set()

    def before_trial(self, study: Any, fixed_params: Any) -> dict[str, Any]:
        self.threads.add(threading.get_ident())
        return super().before_trial(study, fixed_params)

    def sample_independent(self, study: Any, trial: Any, name: str, distribution: Any) -> Any:
        self.threads.add(threading.get_ident())
        return super().sample_independent(study, trial, name, distribution)


def test_optimize_async_samples_off_the_event_loop() -> None:
    sampler = _ThreadRecordingSampler()
    study = parzen.create_study(sampler=sampler)
    loop_threads = set()

    async def objective(trial: parzen.Trial) -> float:
        loop_threads.add(threading.get_ident())
        return 0.0

    asyncio.run(study.optimize_async(objective, n_trials=5, concurrency=2))
    assert len(study.trials) == 5
    assert sampler.threads and not sampler.threads & loop_threads


@pytest.mark.parametrize("value", [10**400, -(10**400), float("inf"), "1.0", object()])
def test_tell_of_a_value_that_is_no_finite_float_fails_the_trial(value: Any) -> None:
    study = parzen.create_study()
    trial = study.ask()
    with pytest.warns(UserWarning, match="failed"):
        frozen = study.tell(trial, value)
    assert frozen.state == TrialState.FAIL
    assert frozen.fail_reason
    assert study.trials[0].state == TrialState.FAIL


def test_optimize_goes_on_after_an_objective_returns_an_int_too_large_for_a_float() -> None:
    study = parzen.create_study()
    with pytest.warns(UserWarning, match="too large for a float"):
        study.optimize(lambda t: 10**400 if t.number == 1 else 1.0, n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert "too large for a float" in study.trials[1].fail_reason


def test_enqueue_outside_a_known_distribution_is_an_error_naming_the_parameter() -> None:
    study = parzen.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=1)
    with pytest.raises(ValueError, match="'x'.*outside"):
        study.enqueue_trial({"x": -1e300})
    assert len(study.trials) == 1


def test_enqueue_of_an_unknown_parameter_is_checked_when_the_trial_asks_for_it() -> None:
    study = parzen.create_study()
    study.enqueue_trial({"x": -1e300})
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)  # that trial fails, the study goes on
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.COMPLETE]
    assert "parameter 'x': the fixed value -1e+300 lies outside" in study.trials[0].fail_reason


def test_enqueue_of_a_value_that_cannot_be_stored_names_the_parameter() -> None:
    study = parzen.create_study()
    with pytest.raises(TypeError, match="'blob'.*cannot be stored"):
        study.enqueue_trial({"x": 0.5, "blob": object()})
    assert study.trials == []


def test_tell_takes_a_numpy_integer_trial_number() -> None:
    study = parzen.create_study()
    study.ask()
    frozen = study.tell(np.int64(0), 1.5)
    assert (frozen.state, frozen.value) == (TrialState.COMPLETE, 1.5)
