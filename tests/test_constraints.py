"""Constraints: stored atomically with COMPLETE, infeasible trials never best, bad functions fail trials."""

from __future__ import annotations

import pytest

import parzen
from parzen import Float, TrialState
from parzen.multi_objective.constraints import CONSTRAINTS_ATTR, is_feasible
from parzen.samplers.tpe import TPESampler


def _below(limit: float):
    return lambda t: [t.params["x"] - limit]  # feasible when x <= limit


def test_values_are_stored_when_a_trial_completes() -> None:
    seen = []

    def constraints(trial: parzen.FrozenTrial) -> list[float]:
        seen.append((trial.state, trial.values, trial.user_attrs.get("u")))
        return [trial.params["x"] - 1.0, -1.0]

    study = parzen.create_study(constraints_func=constraints)
    trial = study.ask({"x": Float(0, 4)})
    trial.set_user_attr("u", 7)
    final = study.tell(trial, 3.0)
    assert seen == [(TrialState.COMPLETE, (3.0,), 7)]
    assert final.system_attrs[CONSTRAINTS_ATTR] == [trial.params["x"] - 1.0, -1.0]
    study.tell(study.ask(), state=TrialState.PRUNED)
    assert len(seen) == 1  # only COMPLETE trials are checked


def test_infeasible_trials_are_never_best_single_objective() -> None:
    study = parzen.create_study(constraints_func=_below(0.5))
    for x, value in [(0.9, 0.0), (0.2, 5.0), (0.4, 3.0), (0.7, -1.0)]:
        study.enqueue_trial({"x": x})
        trial = study.ask({"x": Float(0, 1)})
        study.tell(trial, value)
    assert study.best_trial.params["x"] == 0.4 and study.best_value == 3.0 and study.best_params == {"x": 0.4}


def test_no_feasible_trial_means_no_best() -> None:
    study = parzen.create_study(constraints_func=lambda t: [1.0])
    study.tell(study.ask(), 1.0)
    with pytest.raises(ValueError, match="feasible"):
        _ = study.best_trial
    assert study.best_trials == []


def test_infeasible_trials_are_never_on_the_front() -> None:
    study = parzen.create_study(directions=["minimize", "minimize"], constraints_func=_below(0.5))
    for x, values in [(0.9, (0.0, 0.0)), (0.2, (1.0, 2.0)), (0.3, (2.0, 1.0)), (0.1, (3.0, 3.0))]:
        study.enqueue_trial({"x": x})
        study.tell(study.ask({"x": Float(0, 1)}), values)
    assert sorted(t.params["x"] for t in study.best_trials) == [0.2, 0.3]
    assert not any(not is_feasible(t) for t in study.best_trials)


def test_a_raising_or_invalid_constraints_func_fails_the_trial() -> None:
    def boom(trial: parzen.FrozenTrial) -> list[float]:
        raise RuntimeError("no budget")

    study = parzen.create_study(constraints_func=boom)
    with pytest.warns(UserWarning, match="no budget"):
        final = study.tell(study.ask(), 1.0)
    assert final.state == TrialState.FAIL and "no budget" in final.fail_reason and final.values is None
    study = parzen.create_study(constraints_func=lambda t: ["a"])
    with pytest.warns(UserWarning):
        assert study.tell(study.ask(), 1.0).state == TrialState.FAIL
    study = parzen.create_study(constraints_func=lambda t: 0.0)
    with pytest.warns(UserWarning):
        assert study.tell(study.ask(), 1.0).state == TrialState.FAIL


def test_constraints_func_must_be_callable_and_load_study_takes_one() -> None:
    with pytest.raises(TypeError, match="constraints_func"):
        parzen.create_study(constraints_func=[1.0])
    study = parzen.create_study(study_name="c")
    with pytest.raises(TypeError, match="constraints_func"):
        parzen.load_study("c", storage=study.storage, constraints_func="x")
    loaded = parzen.load_study("c", storage=study.storage, constraints_func=_below(0.5))
    trial = loaded.ask({"x": Float(0, 1)})
    assert CONSTRAINTS_ATTR in loaded.tell(trial, 1.0).system_attrs


def _feasible_share(constraints_func) -> float:
    study = parzen.create_study(constraints_func=constraints_func, sampler=TPESampler(seed=0))
    study.optimize(lambda t: -t.suggest_float("x", 0, 1), n_trials=40)  # unconstrained optimum x = 1
    if constraints_func is not None:
        assert study.best_params["x"] <= 0.5 and study.best_value < -0.4
    late = [t.params["x"] <= 0.5 for t in study.trials[15:]]
    return sum(late) / len(late)


def test_tpe_moves_to_the_feasible_region() -> None:
    # Unconstrained, TPE leaves x <= 0.5 behind; constrained, it searches the feasible side of the boundary.
    assert _feasible_share(None) < 0.2
    assert _feasible_share(_below(0.5)) > 0.4
