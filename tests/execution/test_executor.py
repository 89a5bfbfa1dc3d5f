"""The executor interface: a new executor plugs into ``optimize`` by name or as an object."""

from __future__ import annotations

from typing import Any

import pytest

import parzen
from parzen import TrialState
from parzen.execution import Executor, Outcome, register_executor


class _LoggingExecutor(Executor):
    """Evaluates each trial when it is collected, newest first, and logs every call it gets."""

    def __init__(self) -> None:
        self.log: list[Any] = []
        self._pending: list[parzen.Trial] = []

    def start(self, objective: Any, n_workers: int, trial_timeout: float | None) -> None:
        self._objective = objective
        self.log.append(("start", n_workers, trial_timeout))

    def submit(self, trial: parzen.Trial) -> None:
        self.log.append(("submit", trial.number))
        self._pending.append(trial)

    def wait(self, timeout: float | None) -> list[Outcome]:
        outcomes = []
        while self._pending:
            trial = self._pending.pop()
            try:
                outcomes.append(Outcome(trial, result=self._objective(trial)))
            except Exception as exc:
                outcomes.append(Outcome(trial, error=exc))
        return outcomes

    def close(self, abort: bool = False) -> None:
        self.log.append(("close", abort))


def _objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 4:
        raise ValueError("bad trial")
    return x


def test_an_executor_object_runs_the_trials_it_is_given() -> None:
    executor = _LoggingExecutor()
    study = parzen.create_study()
    study.optimize(_objective, n_trials=6, n_jobs=3, executor=executor, catch=ValueError)
    assert executor.log[0] == ("start", 3, None)
    assert executor.log[-1] == ("close", False)
    assert [entry[1] for entry in executor.log if entry[0] == "submit"] == list(range(6))
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 4 + [TrialState.FAIL, TrialState.COMPLETE]
    assert all(t.value == t.params["x"] for t in study.trials if t.state == TrialState.COMPLETE)


def test_an_error_outside_catch_records_the_running_trials_then_aborts_the_executor() -> None:
    executor = _LoggingExecutor()
    study = parzen.create_study()
    with pytest.raises(ValueError, match="bad trial"):
        study.optimize(_objective, n_trials=10, n_jobs=3, executor=executor)
    assert executor.log[-1] == ("close", True)
    assert {t.state for t in study.trials} <= {TrialState.COMPLETE, TrialState.FAIL}
    assert len(study.trials) == 6


def test_a_registered_name_selects_the_executor() -> None:
    made: list[_LoggingExecutor] = []

    def factory() -> Executor:
        made.append(_LoggingExecutor())
        return made[-1]

    register_executor("logging-test", factory)
    study = parzen.create_study()
    study.optimize(_objective, n_trials=2, executor="logging-test", trial_timeout=9.0)
    assert len(made) == 1 and made[0].log[0] == ("start", 1, 9.0)
    assert len(study.trials) == 2


@pytest.mark.parametrize("executor, error, match", [
    ("fork", ValueError, "'thread', 'process', 'dask'"),
    (42, ValueError, "executor"),
])
def test_an_unknown_executor_fails_before_any_trial(executor: Any, error: type, match: str) -> None:
    study = parzen.create_study()
    with pytest.raises(error, match=match):
        study.optimize(_objective, n_trials=2, executor=executor)
    assert study.trials == []


@pytest.mark.parametrize("name, factory, match", [("", _LoggingExecutor, "name"), ("x", None, "factory")])
def test_register_executor_checks_its_arguments(name: str, factory: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        register_executor(name, factory)
