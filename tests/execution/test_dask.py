"""``study.optimize`` on a real Dask ``LocalCluster``: the sampler in the driver, objectives on workers."""

from __future__ import annotations

import functools
import os
import pathlib
import threading
from typing import Any, Iterator

import _exec_objectives as objectives
import distributed
import pytest

import parzen
from parzen import TrialState


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two single-threaded worker processes under nannies (a killed worker is restarted)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def _states(study: parzen.Study) -> dict[TrialState, list[int]]:
    return {s: [t.number for t in study.trials if t.state == s] for s in TrialState}


def test_define_by_run_objective_runs_on_the_workers(client: Any) -> None:
    """suggest_*, report, set_user_attr and params work through the trial proxy; values match params."""
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=1))
    study.optimize(objectives.define_by_run, n_trials=10, n_jobs=2, executor=client)
    trials = study.trials
    assert sorted(t.number for t in trials) == list(range(10))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    for t in trials:
        assert t.value == pytest.approx(t.params["x"] * t.params["n"] + (100.0 if t.params["kind"] == "b" else 0.0))
        assert t.intermediate_values == {s: pytest.approx(t.params["x"] * (s + 1)) for s in range(3)}
    worker_pids = set(client.run(os.getpid).values())
    assert {t.user_attrs["pid"] for t in trials} <= worker_pids
    assert os.getpid() not in worker_pids


def test_each_trial_is_told_as_it_finishes(client: Any) -> None:
    """While trial 0 sleeps on one worker, the other worker keeps getting new trials."""
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    study.optimize(objectives.slow_trial_zero, n_trials=6, n_jobs=2, executor=client)
    by_end = sorted(study.trials, key=lambda t: t.datetime_complete)
    assert by_end[-1].number == 0
    assert [t.value for t in study.trials] == [float(n) for n in range(6)]


def test_pruning_errors_and_catch(client: Any) -> None:
    study = parzen.create_study()
    study.optimize(objectives.prune_odd_trials, n_trials=4, n_jobs=2, executor=client)
    assert _states(study)[TrialState.PRUNED] == [1, 3]
    assert _states(study)[TrialState.COMPLETE] == [0, 2]

    caught = parzen.create_study()
    caught.optimize(objectives.raise_oserror_on_trial_one, n_trials=3, n_jobs=2, executor=client, catch=OSError)
    assert _states(caught)[TrialState.FAIL] == [1]
    assert "FileNotFoundError: no such file: data.csv" in caught.trials[1].fail_reason

    raising = parzen.create_study()
    with pytest.raises(RuntimeError, match="boom in trial 3"):
        raising.optimize(objectives.raise_on_trial_three, n_trials=20, n_jobs=2, executor=client)
    assert _states(raising)[TrialState.FAIL] == [3]
    assert _states(raising)[TrialState.RUNNING] == []


def test_a_killed_worker_costs_only_one_attempt(client: Any, tmp_path: pathlib.Path) -> None:
    """kill -9 of the worker process running trial 1: Dask runs the task again; the study ends with N trials."""
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=2))
    objective = functools.partial(objectives.die_once_in_trial_one, str(tmp_path))
    with pytest.warns(UserWarning, match="already reported step 0"):
        study.optimize(objective, n_trials=6, n_jobs=2, executor=client)
    assert (tmp_path / "killed").exists()
    assert sorted(t.number for t in study.trials) == list(range(6))
    assert {t.state for t in study.trials} == {TrialState.COMPLETE}
    assert all(t.value == t.params["x"] for t in study.trials)


def test_an_objective_dask_cannot_send_is_a_type_error_before_any_trial(client: Any) -> None:
    lock = threading.Lock()
    study = parzen.create_study()
    with pytest.raises(TypeError, match="cloudpickle"):
        study.optimize(lambda trial: float(lock.locked()), n_trials=2, executor=client)
    assert study.trials == []


def test_executor_dask_starts_and_stops_its_own_local_cluster() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=3))
    study.optimize(objectives.quadratic, n_trials=6, n_jobs=2, executor="dask")
    assert {t.state for t in study.trials} == {TrialState.COMPLETE}
    assert all(t.value == pytest.approx((t.params["x"] - 2.0) ** 2) for t in study.trials)


def test_trial_timeout_abandons_a_hanging_task(client: Any) -> None:
    """Last in the module: the abandoned task keeps its worker busy until the cluster closes."""
    study = parzen.create_study()
    study.optimize(objectives.hang_on_trial_one, n_trials=4, n_jobs=2, executor=client, trial_timeout=3.0)
    assert _states(study)[TrialState.FAIL] == [1]
    assert "trial_timeout" in study.trials[1].fail_reason
    assert _states(study)[TrialState.COMPLETE] == [0, 2, 3]
