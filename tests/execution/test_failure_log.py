"""A trial failed by an exception that does not stop the study is logged with its traceback, which is kept."""

from __future__ import annotations

import logging

import pytest

import parzen
from parzen import RetryPolicy, TrialState
from parzen.execution.trial_runner import FAIL_TRACEBACK_ATTR


def _boom(trial: parzen.Trial) -> float:
    trial.suggest_float("x", 0.0, 1.0)
    raise RuntimeError("boom")


def test_a_caught_failure_is_logged_with_its_traceback_and_the_traceback_is_kept(
        caplog: pytest.LogCaptureFixture) -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    with caplog.at_level(logging.WARNING, logger="parzen"):
        study.optimize(_boom, n_trials=2, catch=RuntimeError)
    records = [r for r in caplog.records if r.name == "parzen"]
    assert [r.getMessage().split(" with")[0] for r in records] == ["trial 0 failed", "trial 1 failed"]
    assert "RuntimeError: boom" in records[0].getMessage() and repr(study.trials[0].params) in records[0].getMessage()
    assert records[0].exc_info is not None and records[0].exc_info[1].args == ("boom",)
    kept = study.trials[0].system_attrs[FAIL_TRACEBACK_ATTR]
    assert kept.startswith("Traceback") and 'raise RuntimeError("boom")' in kept and kept.endswith("RuntimeError: boom")
    assert study.trials[0].fail_reason == "RuntimeError: boom"


def test_a_retried_failure_says_it_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def flaky(trial: parzen.Trial) -> float:
        calls.append(trial.number)
        if len(calls) == 1:
            raise ValueError("flaky")
        return trial.suggest_float("x", 0.0, 1.0)

    study = parzen.create_study()
    with caplog.at_level(logging.WARNING, logger="parzen"):
        study.optimize(flaky, n_trials=2, retry=RetryPolicy(max_retries=1))
    messages = [r.getMessage() for r in caplog.records if r.name == "parzen"]
    assert len(messages) == 1 and messages[0].endswith("ValueError: flaky; it runs again as a new trial")


def test_an_error_that_stops_the_study_is_not_logged_twice(caplog: pytest.LogCaptureFixture) -> None:
    study = parzen.create_study()
    with caplog.at_level(logging.WARNING, logger="parzen"), pytest.raises(RuntimeError, match="boom"):
        study.optimize(_boom, n_trials=3)
    assert not [r for r in caplog.records if r.name == "parzen"]
    assert study.trials[0].state == TrialState.FAIL and "boom" in study.trials[0].system_attrs[FAIL_TRACEBACK_ATTR]


def test_a_process_trial_keeps_the_worker_s_traceback(tmp_path) -> None:
    import _exec_objectives as objectives  # module-level objectives a child process can import

    study = parzen.create_study(storage=f"sqlite:///{tmp_path / 'p.db'}")
    study.optimize(objectives.raise_oserror_on_trial_one, n_trials=2, catch=OSError, executor="process")
    kept = study.trials[1].system_attrs[FAIL_TRACEBACK_ATTR]
    assert "raise_oserror_on_trial_one" in kept and kept.endswith("FileNotFoundError: no such file: data.csv")


def test_a_plain_function_that_returns_a_coroutine_stops_the_study_at_its_first_trial() -> None:
    import warnings

    async def score(trial: parzen.Trial) -> float:
        return trial.suggest_float("x", 0.0, 1.0)

    study = parzen.create_study()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "coroutine was never awaited", no per-trial warning
        with pytest.raises(TypeError, match=r"returned a coroutine.*await study.optimize_async"):
            study.optimize(lambda trial: score(trial), n_trials=5)
    assert [t.state for t in study.trials] == [TrialState.FAIL]
