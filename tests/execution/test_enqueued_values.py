"""An enqueued value that does not fit the distribution its trial asks for fails that trial only."""

from __future__ import annotations

import asyncio

import pytest

import parzen
from parzen import TrialState
from parzen.exceptions import FixedValueError


def _objective(trial: parzen.Trial) -> float:
    return trial.suggest_float("x", 0.0, 1.0) + trial.suggest_int("y", 0, 10)


def _queue(study: parzen.Study) -> None:
    study.enqueue_trial({"x": 0.5, "y": 3})
    study.enqueue_trial({"x": 50.0})  # the study knows no distribution of x yet: checked when trial 1 asks
    study.enqueue_trial({"y": 7})


def _check(study: parzen.Study) -> None:
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL] + [TrialState.COMPLETE] * 3
    assert study.trials[1].fail_reason.endswith("parameter 'x': the fixed value 50.0 lies outside Float(0.0, 1.0)")
    assert study.trials[2].params["y"] == 7  # the queue went on


def test_optimize_fails_the_trial_of_a_bad_enqueued_value_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    _queue(study)
    study.optimize(_objective, n_trials=5)
    _check(study)
    assert any("trial 1 failed" in r.getMessage() for r in caplog.records if r.name == "parzen")


def test_optimize_async_does_the_same() -> None:
    async def objective(trial: parzen.Trial) -> float:
        return _objective(trial)

    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    _queue(study)
    asyncio.run(study.optimize_async(objective, n_trials=5))
    _check(study)


def test_a_known_distribution_refuses_the_value_at_enqueue() -> None:
    study = parzen.create_study()
    study.optimize(_objective, n_trials=1)
    with pytest.raises(FixedValueError, match="parameter 'x': the fixed value 50.0 lies outside"):
        study.enqueue_trial({"x": 50.0})
    assert len(study.trials) == 1
