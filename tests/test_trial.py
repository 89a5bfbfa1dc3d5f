"""Trial: define-by-run suggestions, reports, attributes, and the frozen record."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

import parzen
from parzen import Categorical, Float, Int, TrialState
from parzen.trial import FrozenTrial, check_objective_values


def _study(**kwargs) -> parzen.Study:
    return parzen.create_study(sampler=parzen.RandomSampler(seed=0), **kwargs)


# --- suggestions -----------------------------------------------------------------------------------
def test_suggestions_have_the_right_type_and_bounds() -> None:
    study = _study()
    for _ in range(30):
        trial = study.ask()
        x = trial.suggest_float("x", -2.0, 3.0)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        q = trial.suggest_float("q", 0.0, 1.0, step=0.25)
        n = trial.suggest_int("n", 1, 9, step=2)
        m = trial.suggest_int("m", 1, 1024, log=True)
        c = trial.suggest_categorical("c", ["a", None, 3, 2.5, False])
        assert type(x) is float and -2.0 <= x <= 3.0
        assert type(lr) is float and 1e-5 <= lr <= 1e-1
        assert q in {0.0, 0.25, 0.5, 0.75, 1.0}
        assert type(n) is int and n in {1, 3, 5, 7, 9}
        assert type(m) is int and 1 <= m <= 1024
        assert c in ["a", None, 3, 2.5, False]
        study.tell(trial, x)
    record = study.trials[0]
    assert set(record.params) == {"x", "lr", "q", "n", "m", "c"}
    assert record.distributions["n"] == Int(1, 9, step=2)
    assert record.distributions["c"].same_range(Categorical(["a", None, 3, 2.5, False]))


def test_suggest_twice_returns_the_same_value() -> None:
    trial = _study().ask()
    first = trial.suggest_float("x", 0.0, 1.0)
    assert trial.suggest_float("x", 0.0, 1.0) == first
    assert trial.params == {"x": first}


def test_generic_suggest_takes_a_distribution() -> None:
    trial = _study().ask()
    assert trial.suggest("k", Categorical(["only"])) == "only"
    assert trial.suggest("z", Int(4, 4)) == 4
    assert trial.suggest("f", Float(0.5, 0.5)) == 0.5
    assert trial.distributions == {"k": Categorical(["only"]), "z": Int(4, 4), "f": Float(0.5, 0.5)}


def test_redefining_a_parameter_within_one_trial_is_an_error() -> None:
    trial = _study().ask()
    trial.suggest_float("x", 0.0, 1.0)
    with pytest.raises(ValueError, match="'x'"):
        trial.suggest_float("x", 0.0, 2.0)
    with pytest.raises(ValueError, match="'x'"):
        trial.suggest_int("x", 0, 1)


@pytest.mark.parametrize(
    "suggest",
    [
        lambda t: t.suggest_float("lr", 1.0, 0.0),
        lambda t: t.suggest_float("lr", 0.0, 1.0, log=True),
        lambda t: t.suggest_int("lr", 0, 10, log=True),
        lambda t: t.suggest_categorical("lr", []),
    ],
)
def test_bad_suggestions_name_the_parameter(suggest) -> None:
    study = _study()
    trial = study.ask()
    with pytest.raises(ValueError, match="'lr'"):
        suggest(trial)
    assert trial.params == {}
    assert study.trials[0].params == {}


@pytest.mark.parametrize("name", ["", None, 3])
def test_parameter_names_must_be_non_empty_strings(name) -> None:
    with pytest.raises(TypeError):
        _study().ask().suggest_float(name, 0.0, 1.0)


def test_suggest_on_a_finished_trial_is_an_error() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(parzen.TrialFinishedError):
        trial.suggest_float("x", 0.0, 1.0)
    assert study.trials[0].params == {}


# --- reports and attributes --------------------------------------------------------------------------
def test_report_records_intermediate_values() -> None:
    study = _study()
    trial = study.ask()
    trial.report(0.9, 0)
    trial.report(0.5, 1)
    trial.report(np.float64(0.25), 3)
    assert trial.intermediate_values == {0: 0.9, 1: 0.5, 3: 0.25}
    frozen = trial.freeze()
    assert frozen.intermediate_values == {0: 0.9, 1: 0.5, 3: 0.25}
    assert frozen.last_step == 3


def test_report_keeps_the_first_value_of_a_step() -> None:
    trial = _study().ask()
    trial.report(1.0, 2)
    with pytest.warns(UserWarning, match="step 2"):
        trial.report(5.0, 2)
    assert trial.intermediate_values == {2: 1.0}


@pytest.mark.parametrize("value, step, error, name", [
    (1.0, -1, ValueError, "step"), (1.0, 2**63, ValueError, "step"), (1.0, 1.5, TypeError, "step"),
    (1.0, 2.0, TypeError, "step"), (1.0, True, TypeError, "step"), (1.0, "3", TypeError, "step"),
    (1.0, None, TypeError, "step"), ("x", 0, TypeError, "value"), (None, 0, TypeError, "value"),
    (True, 0, TypeError, "value"), (np.bool_(True), 0, TypeError, "value"), (1 + 2j, 0, TypeError, "value"),
    (np.array([1.0]), 0, TypeError, "value"), ([1.0], 0, TypeError, "value"),
])
def test_report_rejects_bad_input(value, step, error, name) -> None:
    trial = _study().ask()
    with pytest.raises(error, match=f"`{name}`"):
        trial.report(value, step)
    assert trial.intermediate_values == {}
    assert trial.freeze().intermediate_values == {}


def test_report_checks_its_input_before_the_objective_count() -> None:
    trial = _study(directions=["minimize", "minimize"]).ask()
    with pytest.raises(TypeError, match="`step`"):
        trial.report(1.0, 0.5)


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_report_records_diverged_values_as_given(storage, tmp_path) -> None:
    url = None if storage == "memory" else f"sqlite:///{tmp_path / 'report.db'}"
    trial = _study(storage=url).ask()
    trial.report(math.nan, 0)
    trial.report(math.inf, 1)
    trial.report(-math.inf, 2)
    trial.report(np.float32("nan"), 3)
    for values in (trial.intermediate_values, trial.freeze().intermediate_values):
        assert sorted(values) == [0, 1, 2, 3]
        assert math.isnan(values[0]) and values[1] == math.inf and values[2] == -math.inf
        assert math.isnan(values[3])


def test_report_takes_numpy_scalars_zero_d_arrays_and_large_steps() -> None:
    trial = _study().ask()
    trial.report(np.array(0.5), np.int64(7))
    trial.report(np.float32(0.25), 2**63 - 1)
    trial.report(3, 0)
    assert trial.intermediate_values == {7: 0.5, 2**63 - 1: 0.25, 0: 3.0}
    assert all(type(v) is float for v in trial.freeze().intermediate_values.values())


def test_report_steps_may_come_out_of_order() -> None:
    trial = _study().ask()
    trial.report(0.5, 10)
    trial.report(0.9, 2)
    assert trial.freeze().intermediate_values == {10: 0.5, 2: 0.9}
    assert trial.freeze().last_step == 10


def test_report_after_tell_is_an_error() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(parzen.TrialFinishedError):
        trial.report(0.5, 0)
    assert trial.intermediate_values == {}
    assert study.trials[0].intermediate_values == {}


def test_report_is_single_objective_only() -> None:
    trial = _study(directions=["minimize", "minimize"]).ask()
    with pytest.raises(NotImplementedError):
        trial.report(1.0, 0)


def test_user_and_system_attrs_reach_the_record() -> None:
    study = _study()
    trial = study.ask()
    trial.set_user_attr("note", {"a": [1, 2]})
    trial.set_system_attr("worker", "w1")
    assert trial.user_attrs == {"note": {"a": [1, 2]}}
    frozen = study.tell(trial, 0.0)
    assert frozen.user_attrs == {"note": {"a": [1, 2]}}
    assert frozen.system_attrs["worker"] == "w1"


def test_user_attr_after_tell_is_an_error() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 0.0)
    with pytest.raises(parzen.TrialFinishedError):
        trial.set_user_attr("late", 1)
    assert trial.user_attrs == {}


def test_should_prune_asks_the_pruner() -> None:
    class PruneAfterTwo(parzen.pruners.Pruner):
        def prune(self, study, trial):
            return len(trial.intermediate_values) >= 2

    trial = parzen.create_study(pruner=PruneAfterTwo()).ask()
    trial.report(1.0, 0)
    assert not trial.should_prune()
    trial.report(1.0, 1)
    assert trial.should_prune()
    with pytest.raises(parzen.TrialPruned):
        trial.prune()


# --- frozen record -------------------------------------------------------------------------------------
def test_frozen_trial_timings_and_value() -> None:
    study = _study()
    before = datetime.datetime.now()
    trial = study.ask()
    assert trial.freeze().state == TrialState.RUNNING
    assert trial.freeze().datetime_complete is None and trial.freeze().duration is None
    frozen = study.tell(trial, 2.5)
    after = datetime.datetime.now()
    assert before <= frozen.datetime_start <= frozen.datetime_complete <= after
    assert frozen.duration == frozen.datetime_complete - frozen.datetime_start
    assert frozen.value == 2.5 and frozen.values == (2.5,)


def test_frozen_trial_is_immutable() -> None:
    study = _study()
    frozen = study.tell(study.ask(), 1.0)
    with pytest.raises(AttributeError):
        frozen.state = TrialState.FAIL  # type: ignore[misc]


def test_value_of_a_multi_objective_trial_is_an_error() -> None:
    frozen = FrozenTrial(number=0, trial_id=0, state=TrialState.COMPLETE, values=(1.0, 2.0))
    with pytest.raises(RuntimeError, match="values"):
        _ = frozen.value


def test_trial_state_is_finished() -> None:
    assert {s for s in TrialState if s.is_finished()} == {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL}


# --- objective values ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    (1, (1.0,)), (0.5, (0.5,)), (np.float32(0.5), (0.5,)), (np.array(2.0), (2.0,)), ([3.0], (3.0,)),
    (np.int64(4), (4.0,)),
])
def test_objective_values_that_count(value, expected) -> None:
    assert check_objective_values(value, 1) == (expected, None)


@pytest.mark.parametrize("value, reason", [
    (math.nan, "NaN"), (np.nan, "NaN"), (math.inf, "inf"), (-math.inf, "inf"), (None, "None"),
    ("0.5", "not a number"), (True, "not a number"), ({"loss": 1.0}, "not a number"), (1 + 2j, "not a number"),
    ([1.0, 2.0], "2 value"),
])
def test_objective_values_that_do_not_count(value, reason) -> None:
    values, why = check_objective_values(value, 1)
    assert values is None
    assert reason in why


def test_objective_values_for_two_objectives() -> None:
    assert check_objective_values((1, 2.5), 2) == ((1.0, 2.5), None)
    assert check_objective_values(np.array([1.0, 2.0]), 2) == ((1.0, 2.0), None)
    assert check_objective_values(1.0, 2)[0] is None
    assert "NaN" in check_objective_values([1.0, math.nan], 2)[1]


# --- enqueued (fixed) values ------------------------------------------------------------------------------
@pytest.mark.parametrize("value, suggest", [
    (2.5, lambda t: t.suggest_int("p", 0, 5)),
    ("abc", lambda t: t.suggest_float("p", 0.0, 1.0)),
    (math.nan, lambda t: t.suggest_float("p", 0.0, 1.0)),
    (True, lambda t: t.suggest_int("p", 0, 5)),
    ("z", lambda t: t.suggest_categorical("p", ["a", "b"])),
])
def test_enqueued_value_of_the_wrong_kind_is_an_error_naming_the_parameter(value, suggest) -> None:
    study = _study()
    study.enqueue_trial({"p": value})
    trial = study.ask()
    with pytest.raises(ValueError, match="'p'"):
        suggest(trial)
    assert trial.params == {}


def test_enqueued_values_take_the_type_of_the_distribution() -> None:
    study = _study()
    study.enqueue_trial({"n": 3.0, "x": 1, "c": 1.0, "i": np.int64(4)})
    trial = study.ask()
    values = (trial.suggest_int("n", 0, 5), trial.suggest_float("x", 0.0, 2.0),
              trial.suggest_categorical("c", [1, 1.0]), trial.suggest_int("i", 0, 5))
    assert values == (3, 1.0, 1.0, 4)
    assert [type(v) for v in values] == [int, float, float, int]


def test_a_state_prints_as_its_name() -> None:
    state = parzen.TrialState.COMPLETE
    assert (f"{state}", str(state), f"{state:>9}") == ("COMPLETE", "COMPLETE", " COMPLETE")
    assert state == 1 and int(state) == 1  # still the stored number
