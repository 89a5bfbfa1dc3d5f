"""The shared study history: rows appended once, columns read in the caller's distribution, one cache per study."""

from __future__ import annotations

import math

import numpy as np

import parzen
from parzen import Categorical, Float, TrialState
from parzen.samplers._history import encode_trial, running_trials, study_history


def _study_with(rows: list[tuple[dict, TrialState, float | None]], space: dict) -> parzen.Study:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=0))
    for params, state, value in rows:
        study.enqueue_trial(params)
        trial = study.ask(space)
        study.tell(trial, value, state=state) if state == TrialState.COMPLETE else study.tell(trial, state=state)
    return study


def test_rows_hold_every_finished_state_with_signed_losses() -> None:
    space = {"x": Float(0.0, 10.0)}
    study = _study_with([({"x": 1.0}, TrialState.COMPLETE, 3.0), ({"x": 2.0}, TrialState.FAIL, None),
                         ({"x": 3.0}, TrialState.PRUNED, None)], space)
    study.ask(space)  # a RUNNING trial is not a row
    history = study_history(study)
    assert history.n == 3
    assert history.mask(TrialState.COMPLETE).tolist() == [True, False, False]
    assert history.mask(TrialState.PRUNED, TrialState.FAIL).tolist() == [False, True, True]
    assert history.losses[0, 0] == 3.0 and math.isinf(history.losses[1, 0])
    assert [t.number for t in history.select((TrialState.FAIL,))] == [1]


def test_a_column_is_read_in_the_callers_distribution() -> None:
    study = _study_with([({"x": 1.0}, TrialState.COMPLETE, 1.0), ({"x": 8.0}, TrialState.COMPLETE, 2.0)],
                        {"x": Float(0.0, 10.0)})
    history = study_history(study)
    assert np.allclose(history.column("x", Float(0.0, 10.0)), [0.1, 0.8])
    narrowed = history.column("x", Float(0.0, 5.0))
    assert narrowed[0] == 0.2 and math.isnan(narrowed[1])  # 8.0 lies outside the new range
    assert np.isnan(history.column("y", Float(0.0, 1.0))).all()


def test_columns_grow_with_the_study_and_the_cache_is_shared() -> None:
    space = {"c": Categorical(["a", "b"])}
    study = _study_with([({"c": "b"}, TrialState.COMPLETE, 1.0)], space)
    first = study_history(study)
    assert first.column("c", space["c"]).tolist() == [1.0]
    for value in ("a", "b"):
        study.enqueue_trial({"c": value})
        trial = study.ask(space)
        study.tell(trial, 0.0)
    again = study_history(study)
    assert again is first
    assert again.column("c", space["c"]).tolist() == [1.0, 0.0, 1.0]


def test_the_constant_liar_reads_running_trials_that_hold_every_parameter() -> None:
    study = parzen.create_study(sampler=parzen.RandomSampler(seed=1))
    asking = study.ask({"x": Float(0.0, 1.0)})
    other = study.ask({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    running = running_trials(study, asking)
    assert [t.number for t in running] == [other.number]
    space = [("x", Float(0.0, 1.0)), ("y", Float(0.0, 1.0))]
    assert encode_trial(running[0], space) == [other.params["x"], other.params["y"]]
    assert encode_trial(study.get_trials()[0], space) is None  # trial 0 lacks y
