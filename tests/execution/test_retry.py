"""Failure policy of ``optimize``: RetryPolicy, max_failures and heartbeats (stale trials of dead workers)."""

from __future__ import annotations

import pathlib
import time
from typing import Any

import pytest

import parzen
from parzen import RetryPolicy, TrialState
from parzen.exceptions import TooManyFailures


def _fail_first_attempt_of_trial_one(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.report(x, 0)
    if trial.number == 1:
        raise RuntimeError("flaky")
    return x


def test_a_failed_trial_runs_again_with_its_parameters_and_links_back() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    study.optimize(_fail_first_attempt_of_trial_one, n_trials=4, retry=RetryPolicy(max_retries=2))
    trials = study.trials
    failed = trials[1]
    assert failed.state == TrialState.FAIL and failed.fail_reason == "RuntimeError: flaky"
    assert failed.intermediate_values == {0: failed.params["x"]}
    retries = [t for t in trials if t.system_attrs.get("retry_of") == 1]
    assert len(retries) == 1
    assert retries[0].number == 2
    assert retries[0].system_attrs["retry_count"] == 1
    assert retries[0].params == failed.params
    assert retries[0].state == TrialState.COMPLETE
    assert [t.state for t in trials].count(TrialState.COMPLETE) == 3


def test_retries_stop_after_max_retries_and_the_error_then_goes_up() -> None:
    def always_fails(trial: parzen.Trial) -> float:
        trial.suggest_float("x", 0.0, 1.0)
        raise RuntimeError("broken")

    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="broken"):
        study.optimize(always_fails, n_trials=10, retry=RetryPolicy(max_retries=2, on=("exception",)))
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL] * 3
    assert [t.system_attrs.get("retry_of") for t in trials] == [None, 0, 1]
    assert [t.system_attrs.get("retry_count") for t in trials] == [None, 1, 2]
    assert len({t.params["x"] for t in trials}) == 1


def test_a_failure_kind_the_policy_does_not_name_is_not_retried() -> None:
    study = parzen.create_study()
    with pytest.raises(RuntimeError, match="flaky"):
        study.optimize(_fail_first_attempt_of_trial_one, n_trials=4, retry=RetryPolicy(on=("timeout", "stale")))
    assert len(study.trials) == 2
    assert not any("retry_of" in t.system_attrs for t in study.trials)


def test_a_timed_out_trial_is_retried() -> None:
    def slow_first_attempt(trial: parzen.Trial) -> float:
        if trial.number == 0:
            time.sleep(1.0)
        return 1.0

    study = parzen.create_study()
    with pytest.warns(RuntimeWarning, match="abandoned"):
        study.optimize(slow_first_attempt, n_trials=2, trial_timeout=0.2, retry=RetryPolicy(on=("timeout",)))
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[1].system_attrs["retry_of"] == 0


def test_max_failures_stops_after_that_many_failures_in_a_row() -> None:
    study = parzen.create_study()
    with pytest.raises(TooManyFailures, match="3 trials failed in a row.*ValueError: bad"):
        study.optimize(lambda t: (_ for _ in ()).throw(ValueError("bad")), n_trials=50, catch=ValueError,
                       max_failures=3)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 3


def test_max_failures_counts_only_failures_in_a_row() -> None:
    def every_third_succeeds(trial: parzen.Trial) -> float:
        if trial.number % 3:
            raise ValueError("bad")
        return 0.0

    study = parzen.create_study()
    study.optimize(every_third_succeeds, n_trials=12, catch=ValueError, max_failures=3)
    assert len(study.trials) == 12


def test_running_trials_beat_so_that_no_live_worker_takes_them_for_dead() -> None:
    """Each trial outlasts the grace period; without beats this call's own reaper would fail them."""
    study = parzen.create_study()
    study.optimize(lambda t: time.sleep(0.6) or 1.0, n_trials=2, n_jobs=2, heartbeat_interval=0.05,
                   grace_period=0.2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_a_trial_whose_worker_went_silent_fails_once_and_is_retried(storage: str, tmp_path: pathlib.Path) -> None:
    """A trial that beat once and then fell silent (its worker died) is failed by a live worker and queued again."""
    url = None if storage == "memory" else f"sqlite:///{tmp_path / 'stale.db'}"
    study = parzen.create_study(storage=url, sampler=parzen.RandomSampler(seed=0))
    dead = study.ask({"x": parzen.Float(0.0, 1.0)})
    study.storage.record_heartbeat(dead.trial_id)
    other = parzen.load_study(study.study_name, storage=study.storage if url is None else url)

    def objective(trial: parzen.Trial) -> float:
        time.sleep(0.05)
        return trial.suggest_float("x", 0.0, 1.0)

    other.optimize(objective, n_trials=25, heartbeat_interval=0.05, grace_period=0.3, retry=RetryPolicy())
    trials = other.trials
    assert trials[0].state == TrialState.FAIL
    assert trials[0].fail_reason.startswith("stale")
    retries = [t for t in trials if t.system_attrs.get("retry_of") == 0]
    assert len(retries) == 1
    assert retries[0].params == dead.params
    assert retries[0].state == TrialState.COMPLETE
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 25
    with pytest.raises(parzen.TrialFinishedError):
        study.tell(dead, 0.5)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"retry": RetryPolicy, "n_trials": 1}, TypeError, "retry"),
    ({"retry": "always"}, TypeError, "retry"),
    ({"max_failures": 0}, ValueError, "max_failures"),
    ({"max_failures": 1.5}, TypeError, "max_failures"),
    ({"heartbeat_interval": -1}, ValueError, "heartbeat_interval"),
    ({"heartbeat_interval": "1"}, TypeError, "heartbeat_interval"),
    ({"grace_period": 10}, ValueError, "grace_period"),
    ({"heartbeat_interval": 5, "grace_period": 5}, ValueError, "grace_period"),
])
def test_bad_failure_policy_arguments_fail_before_any_trial(kwargs: dict[str, Any], error: type, match: str) -> None:
    study = parzen.create_study()
    with pytest.raises(error, match=match):
        study.optimize(lambda t: 0.0, **{"n_trials": 1, **kwargs})
    assert study.trials == []


@pytest.mark.parametrize("kwargs, error, match", [
    ({"max_retries": 0}, ValueError, "max_retries"),
    ({"max_retries": True}, TypeError, "max_retries"),
    ({"on": "exception"}, TypeError, "on"),
    ({"on": ("exception", "crash")}, ValueError, "on"),
    ({"on": ()}, ValueError, "on"),
])
def test_bad_retry_policy_is_refused(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        RetryPolicy(**kwargs)
