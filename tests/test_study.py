"""Study: create/load, ask/tell, optimize, best trials, enqueue, conditional spaces, early errors."""

from __future__ import annotations

import math

import pytest

import parzen
from parzen import Categorical, Float, Int, TrialState
from parzen.storages import InMemoryStorage

SPACE = {"x": Float(-5.0, 5.0), "n": Int(1, 4), "c": Categorical(["a", "b"])}


def _study(**kwargs) -> parzen.Study:
    kwargs.setdefault("sampler", parzen.RandomSampler(seed=1))
    return parzen.create_study(**kwargs)


# --- create / load ------------------------------------------------------------------------------------
def test_create_study_defaults() -> None:
    study = parzen.create_study()
    assert study.direction == "minimize"
    assert study.directions == ["minimize"]
    assert study.trials == []
    assert isinstance(study.sampler, parzen.AutoSampler)


@pytest.mark.parametrize("kwargs", [
    {"direction": "maximise"}, {"direction": "up"}, {"directions": ["minimize", "best"]}, {"directions": []},
    {"directions": "minimize"}, {"direction": "minimize", "directions": ["minimize"]},
])
def test_unknown_direction_is_rejected(kwargs) -> None:
    storage = InMemoryStorage()
    with pytest.raises(ValueError):
        parzen.create_study(storage=storage, study_name="s", **kwargs)
    assert parzen.get_all_study_names(storage) == []


def test_direction_is_case_insensitive() -> None:
    assert parzen.create_study(direction="MAXIMIZE").direction == "maximize"


def test_duplicated_study_name_is_an_error() -> None:
    storage = InMemoryStorage()
    parzen.create_study(storage=storage, study_name="s")
    with pytest.raises(parzen.DuplicatedStudyError, match="load_if_exists"):
        parzen.create_study(storage=storage, study_name="s")


def test_load_if_exists_continues_the_study() -> None:
    storage = InMemoryStorage()
    first = parzen.create_study(storage=storage, study_name="s", direction="maximize")
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    again = parzen.create_study(storage=storage, study_name="s", direction="maximize", load_if_exists=True)
    assert [t.number for t in again.trials] == [0, 1, 2]
    again.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(first.trials) == 5
    assert parzen.get_all_study_names(storage) == ["s"]


def test_load_if_exists_with_other_directions_is_an_error() -> None:
    storage = InMemoryStorage()
    parzen.create_study(storage=storage, study_name="s", direction="maximize")
    with pytest.raises(ValueError, match="directions"):
        parzen.create_study(storage=storage, study_name="s", direction="minimize", load_if_exists=True)


def test_load_study_and_delete_study() -> None:
    storage = InMemoryStorage()
    study = parzen.create_study(storage=storage, study_name="s")
    study.tell(study.ask(), 1.0)
    loaded = parzen.load_study("s", storage)
    assert loaded.best_value == 1.0
    parzen.delete_study("s", storage)
    with pytest.raises(parzen.StudyNotFoundError):
        parzen.load_study("s", storage)


def test_seed_and_sampler_are_exclusive() -> None:
    with pytest.raises(ValueError, match="seed"):
        parzen.create_study(seed=1, sampler=parzen.RandomSampler())


# --- ask / tell -----------------------------------------------------------------------------------------
def test_ask_with_a_space_samples_all_params() -> None:
    study = _study()
    trial = study.ask(SPACE)
    assert set(trial.params) == {"x", "n", "c"}
    assert -5.0 <= trial.params["x"] <= 5.0 and trial.params["n"] in range(1, 5) and trial.params["c"] in "ab"
    assert trial.freeze().params == trial.params
    assert trial.distributions == SPACE


def test_tell_by_trial_and_by_number() -> None:
    study = _study()
    t0, t1 = study.ask(SPACE), study.ask(SPACE)
    assert (t0.number, t1.number) == (0, 1)
    study.tell(t1.number, 0.75)
    study.tell(t0, 0.25)
    assert [t.value for t in study.trials] == [0.25, 0.75]
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_tell_unknown_trial_number_is_an_error() -> None:
    study = _study()
    with pytest.raises(ValueError, match="no trial number 3"):
        study.tell(3, 1.0)


def test_tell_a_finished_trial_again_is_an_error() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 1.0)
    for again in (lambda: study.tell(trial, 2.0), lambda: study.tell(0, 2.0),
                  lambda: study.tell(trial, state=TrialState.FAIL)):
        with pytest.raises(parzen.TrialFinishedError):
            again()
    assert study.trials[0].value == 1.0 and study.trials[0].state == TrialState.COMPLETE


def test_tell_a_trial_of_another_study_is_an_error() -> None:
    one, other = _study(), _study()
    mine = other.ask()
    one.ask()
    with pytest.raises(ValueError, match="another study"):
        one.tell(mine, 1.0)
    assert one.trials[0].state == TrialState.RUNNING
    assert other.trials[0].state == TrialState.RUNNING


def _shared(tmp_path, url: str | None = None) -> tuple[parzen.Study, parzen.Study]:
    """Two Study objects, each with its own storage object, on one SQLite file."""
    url = url or f"sqlite:///{tmp_path / 'shared.db'}"
    parzen.create_study(storage=f"sqlite:///{tmp_path / 'shared.db'}", study_name="shared")
    return (parzen.load_study("shared", url, sampler=parzen.RandomSampler(seed=1)),
            parzen.load_study("shared", url, sampler=parzen.RandomSampler(seed=2)))


def test_tell_a_trial_asked_through_another_study_object_on_the_same_database(tmp_path) -> None:
    a, b = _shared(tmp_path)
    first, second = a.ask(SPACE), a.ask(SPACE)
    second.report(0.5, 3)
    assert b.tell(first, 1.0).state == TrialState.COMPLETE
    assert b.tell(second, state=TrialState.PRUNED).values == (0.5,)
    assert [(t.state, t.values) for t in a.trials] == [(TrialState.COMPLETE, (1.0,)), (TrialState.PRUNED, (0.5,))]
    with pytest.raises(parzen.TrialFinishedError):
        a.tell(first, 2.0)
    assert a.trials[0].values == (1.0,)


def test_tell_accepts_another_spelling_of_the_same_database_url(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    a, b = _shared(tmp_path, url="sqlite:///shared.db")
    assert b.tell(parzen.load_study("shared", f"sqlite:///{tmp_path / 'shared.db'}").ask(), 1.0).value == 1.0
    assert a.trials[0].state == TrialState.COMPLETE


def test_tell_a_trial_of_a_namesake_study_in_another_database_is_an_error(tmp_path) -> None:
    one = parzen.create_study(storage=f"sqlite:///{tmp_path / 'one.db'}", study_name="s")
    other = parzen.create_study(storage=f"sqlite:///{tmp_path / 'other.db'}", study_name="s")
    mine, theirs = one.ask(), other.ask()
    assert (mine.trial_id, mine.number) == (theirs.trial_id, theirs.number)
    with pytest.raises(ValueError, match="another study.*other.db"):
        one.tell(theirs, 1.0)
    assert one.trials[0].state == TrialState.RUNNING and other.trials[0].state == TrialState.RUNNING


def test_tell_a_trial_of_a_deleted_study_of_the_same_name_is_an_error(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'db.db'}"
    old = parzen.create_study(storage=url, study_name="s")
    orphan = old.ask()
    parzen.delete_study("s", url)
    new = parzen.create_study(storage=url, study_name="s")
    new.ask()
    with pytest.raises(ValueError, match="another study"):
        new.tell(orphan, 1.0)
    assert new.trials[0].state == TrialState.RUNNING


def test_tell_fail() -> None:
    study = _study()
    frozen = study.tell(study.ask(), state=TrialState.FAIL)
    assert frozen.state == TrialState.FAIL and frozen.values is None


def test_tell_pruned_keeps_the_last_intermediate_value() -> None:
    study = _study()
    trial = study.ask()
    trial.report(0.9, 0)
    trial.report(0.4, 5)
    trial.report(0.7, 2)
    frozen = study.tell(trial, state=TrialState.PRUNED)
    assert frozen.state == TrialState.PRUNED
    assert frozen.value == 0.4


def test_tell_pruned_without_reports_has_no_value() -> None:
    study = _study()
    frozen = study.tell(study.ask(), state=TrialState.PRUNED)
    assert frozen.state == TrialState.PRUNED and frozen.values is None


@pytest.mark.parametrize("bad, reason", [
    (math.nan, "NaN"), (math.inf, "inf"), (-math.inf, "inf"), (None, "None"), ("0.1", "not a number"),
    ([1.0, 2.0], "2 value"),
])
def test_tell_a_bad_value_fails_the_trial_with_the_reason(bad, reason) -> None:
    study = _study()
    with pytest.warns(UserWarning, match="failed") as caught:
        frozen = study.tell(study.ask(), bad)
    assert frozen.state == TrialState.FAIL
    assert reason in frozen.fail_reason
    assert "objective returned" not in str(caught[0].message)  # it was told, no objective ran
    assert study.trials[0].fail_reason == frozen.fail_reason


def test_tell_with_a_bad_state_is_an_error() -> None:
    study = _study()
    trial = study.ask()
    for state in (TrialState.RUNNING, TrialState.WAITING):
        with pytest.raises(ValueError, match="state"):
            study.tell(trial, 1.0, state=state)
    assert study.trials[0].state == TrialState.RUNNING


# --- optimize -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, reason", [
    (math.nan, "NaN"), (math.inf, "inf"), (None, "None"), ("high", "not a number"), (object(), "not a number"),
])
def test_objective_returning_a_non_number_marks_fail(bad, reason) -> None:
    study = _study()
    with pytest.warns(UserWarning):
        study.optimize(lambda t: bad if t.number == 1 else t.suggest_float("x", 0, 1), n_trials=3)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert reason in study.trials[1].fail_reason


def test_objective_exception_marks_fail_and_is_raised_unless_caught() -> None:
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise KeyError("boom")

    study = _study()
    with pytest.raises(KeyError):
        study.optimize(objective, n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.FAIL]
    assert "boom" in study.trials[0].fail_reason
    study.optimize(objective, n_trials=2, catch=KeyError)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 3


def test_objective_raising_trial_pruned_is_pruned() -> None:
    def objective(trial):
        trial.report(3.0, 0)
        trial.report(2.0, 1)
        raise parzen.TrialPruned()

    study = _study()
    study.optimize(objective, n_trials=2)
    assert [(t.state, t.value) for t in study.trials] == [(TrialState.PRUNED, 2.0)] * 2


@pytest.mark.parametrize("n_trials, error", [(-1, ValueError), (1.5, TypeError), ("3", TypeError)])
def test_bad_n_trials_is_rejected_before_any_trial(n_trials, error) -> None:
    study = _study()
    with pytest.raises(error, match="n_trials"):
        study.optimize(lambda t: 0.0, n_trials=n_trials)
    assert study.trials == []


def test_zero_trials_runs_nothing() -> None:
    study = _study()
    study.optimize(lambda t: 0.0, n_trials=0)
    assert study.trials == []


def test_non_callable_objective_is_rejected_before_any_trial() -> None:
    study = _study()
    with pytest.raises(TypeError, match="objective"):
        study.optimize(42, n_trials=3)  # type: ignore[arg-type]
    assert study.trials == []


def test_optimize_minimizes_and_maximizes() -> None:
    objective = lambda t: (t.suggest_float("x", -3.0, 3.0) - 1.0) ** 2  # noqa: E731
    low = _study(direction="minimize")
    low.optimize(objective, n_trials=60)
    high = _study(direction="maximize")
    high.optimize(objective, n_trials=60)
    values = [t.value for t in low.trials]
    assert low.best_value == min(values) and low.best_value < 0.05
    assert high.best_value == max(t.value for t in high.trials) and high.best_value > 10.0
    assert abs(low.best_params["x"] - 1.0) < 0.25
    assert abs(high.best_params["x"] + 3.0) < 0.4


def test_callbacks_see_each_finished_trial() -> None:
    seen = []
    study = _study()
    study.optimize(lambda t: t.number, n_trials=4, callbacks=[lambda s, ft: seen.append((ft.number, ft.state))])
    assert seen == [(i, TrialState.COMPLETE) for i in range(4)]


# --- best trial(s) --------------------------------------------------------------------------------------
def test_best_trial_picks_the_first_of_equal_values() -> None:
    study = _study(direction="maximize")
    for v in (1.0, 3.0, 2.0, 3.0):
        study.tell(study.ask(), v)
    study.tell(study.ask(), state=TrialState.FAIL)
    assert study.best_trial.number == 1
    assert study.best_value == 3.0


def test_best_ignores_pruned_and_failed_trials() -> None:
    study = _study()
    pruned = study.ask()
    pruned.report(-100.0, 0)
    study.tell(pruned, state=TrialState.PRUNED)
    study.tell(study.ask({"x": Float(0, 1)}), 5.0)
    assert study.best_trial.number == 1
    assert set(study.best_params) == {"x"}


def test_best_trial_without_complete_trials_is_an_error() -> None:
    study = _study()
    study.tell(study.ask(), state=TrialState.FAIL)
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        _ = study.best_trial


def test_best_trials_is_the_pareto_front() -> None:
    study = _study(directions=["minimize", "maximize"])
    values = [(1.0, 1.0), (2.0, 3.0), (1.0, 0.5), (3.0, 3.0), (0.5, 0.0), (2.0, 3.0), (4.0, 5.0)]
    for v in values:
        study.tell(study.ask(), v)
    study.tell(study.ask(), state=TrialState.FAIL)
    assert [t.number for t in study.best_trials] == [0, 1, 4, 5, 6]
    with pytest.raises(RuntimeError, match="best_trials"):
        _ = study.best_trial
    with pytest.raises(RuntimeError):
        _ = study.direction


# --- enqueue ----------------------------------------------------------------------------------------------
def test_enqueued_params_run_first_with_a_space() -> None:
    study = _study()
    study.enqueue_trial({"x": 1.5, "n": 3, "c": "b"})
    study.enqueue_trial({"x": -2.0})
    first, second, third = study.ask(SPACE), study.ask(SPACE), study.ask(SPACE)
    assert first.params == {"x": 1.5, "n": 3, "c": "b"}
    assert second.params["x"] == -2.0 and set(second.params) == {"x", "n", "c"}
    assert third.params["x"] != -2.0
    assert [first.number, second.number, third.number] == [0, 1, 2]


def test_enqueued_params_run_first_define_by_run() -> None:
    study = _study()
    study.enqueue_trial({"x": 0.125, "n": 2}, user_attrs={"source": "manual"})

    def objective(trial):
        if trial.number == 0:
            assert trial.user_attrs == {"source": "manual"}
        return trial.suggest_float("x", 0.0, 1.0) + trial.suggest_int("n", 0, 5)

    study.optimize(objective, n_trials=3)
    first = study.trials[0]
    assert first.params == {"x": 0.125, "n": 2} and first.value == 2.125
    assert type(first.params["n"]) is int
    assert first.user_attrs == {"source": "manual"}
    assert len(study.trials) == 3 and all(t.state == TrialState.COMPLETE for t in study.trials)


def test_enqueued_trial_is_waiting_until_asked() -> None:
    study = _study()
    study.enqueue_trial({"x": 0.5})
    assert [t.state for t in study.trials] == [TrialState.WAITING]
    trial = study.ask()
    assert trial.freeze().state == TrialState.RUNNING
    assert trial.freeze().datetime_start is not None


def test_enqueued_value_outside_the_range_is_an_error_naming_the_parameter() -> None:
    study = _study()
    study.enqueue_trial({"x": 7.0})
    with pytest.raises(ValueError, match="'x'.*outside"):
        study.ask(SPACE)


def test_enqueued_category_that_is_not_a_choice_is_an_error() -> None:
    study = _study()
    study.enqueue_trial({"c": "z"})
    with pytest.raises(ValueError, match="'c'"):
        study.ask(SPACE)


# --- conditional spaces --------------------------------------------------------------------------------------
CONDITIONAL = {
    "model": Categorical(["svm", "tree", "linear"]),
    "C": Float(1e-3, 1e3, log=True, when=("model", "svm")),
    "kernel": Categorical(["rbf", "poly"], when={"model": "svm"}),
    "degree": Int(2, 5, when=("kernel", "poly")),
    "depth": Int(1, 10, when=("model", ["tree"])),
}


def test_conditional_params_exist_exactly_when_the_parent_has_the_value() -> None:
    study = _study()
    seen = set()
    for _ in range(80):
        params = study.ask(CONDITIONAL).params
        model = params["model"]
        seen.add((model, params.get("kernel")))
        assert ("C" in params) == ("kernel" in params) == (model == "svm")
        assert ("depth" in params) == (model == "tree")
        assert ("degree" in params) == (params.get("kernel") == "poly")
        if "degree" in params:
            assert 2 <= params["degree"] <= 5
    assert seen == {("svm", "rbf"), ("svm", "poly"), ("tree", None), ("linear", None)}


def test_conditional_space_in_any_order_and_stored_distributions() -> None:
    study = _study()
    reordered = dict(reversed(list(CONDITIONAL.items())))
    for _ in range(20):
        trial = study.ask(reordered)
        assert set(trial.freeze().distributions) == set(trial.params)


def test_enqueued_parent_value_switches_the_children() -> None:
    study = _study()
    study.enqueue_trial({"model": "svm", "kernel": "poly", "degree": 4})
    params = study.ask(CONDITIONAL).params
    assert params["model"] == "svm" and params["kernel"] == "poly" and params["degree"] == 4
    assert 1e-3 <= params["C"] <= 1e3 and "depth" not in params


def test_condition_on_unknown_parent_is_rejected_before_any_trial() -> None:
    study = _study()
    with pytest.raises(ValueError, match="'depth'"):
        study.ask({"depth": Int(1, 3, when=("model", "tree"))})
    assert study.trials == []


# --- redefinition and early errors -----------------------------------------------------------------------------
def test_redefining_a_param_across_define_by_run_trials_fails_that_trial() -> None:
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    with pytest.raises(ValueError, match="'x'"):
        study.optimize(lambda t: t.suggest_int("x", 0, 2), n_trials=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]
    assert "'x'" in study.trials[2].fail_reason
    assert study.trials[2].params == {}


def test_redefining_a_param_via_ask_space_is_rejected_before_any_trial() -> None:
    study = _study()
    study.tell(study.ask({"x": Float(0, 1), "n": Int(0, 3)}), 0.0)
    with pytest.raises(ValueError, match="'n'"):
        study.ask({"x": Float(0, 1), "n": Float(0, 4)})
    with pytest.raises(ValueError, match="'x'"):
        study.ask({"x": Categorical([0, 1])})
    assert len(study.trials) == 1


def test_a_rejected_space_defines_nothing() -> None:
    study = _study()
    study.tell(study.ask({"n": Int(0, 3)}), 0.0)
    with pytest.raises(ValueError, match="'n'"):
        study.ask({"y": Float(0, 1), "n": Float(0, 4)})
    trial = study.ask({"y": Int(0, 2)})
    assert 0 <= trial.params["y"] <= 2


def test_redefining_across_ask_space_and_define_by_run() -> None:
    study = _study()
    study.tell(study.ask({"x": Float(0, 1)}), 0.0)
    trial = study.ask()
    with pytest.raises(ValueError, match="'x'"):
        trial.suggest_int("x", 0, 1)
    assert trial.suggest_float("x", 0, 1) <= 1


def test_a_loaded_study_knows_the_stored_definitions() -> None:
    storage = InMemoryStorage()
    study = parzen.create_study(storage=storage, study_name="s")
    study.tell(study.ask({"x": Float(0, 1)}), 0.0)
    loaded = parzen.load_study("s", storage)
    with pytest.raises(ValueError, match="'x'"):
        loaded.ask({"x": Int(0, 5)})
    assert len(loaded.trials) == 1


def _redefinition_error(study: parzen.Study, space: dict) -> str:
    """The message of the ValueError that ``study.ask(space)`` raises; no trial is created."""
    n_trials = len(study.trials)
    with pytest.raises(ValueError) as error:
        study.ask(space)
    assert len(study.trials) == n_trials
    return str(error.value)


def test_a_definition_made_through_another_study_object_is_seen(tmp_path) -> None:
    a, b = _shared(tmp_path)
    b.tell(b.ask({"y": Float(0, 1)}), 0.0)  # b has read the stored definitions: only y so far
    a.tell(a.ask({"x": Float(0, 1)}), 0.0)
    message = _redefinition_error(b, {"x": Int(5, 6)})
    assert "'x'" in message and "Float(0.0, 1.0)" in message and "Int(5, 6)" in message
    trial = b.ask()
    with pytest.raises(ValueError, match="'x'"):
        trial.suggest_int("x", 5, 6)
    assert 0 <= trial.suggest_float("x", 0, 1) <= 1
    b.tell(trial, 1.0)
    assert b.trials[-1].params == {"x": trial.params["x"]}


@pytest.mark.parametrize("definer", ["this object", "another object"])
def test_a_redefinition_reads_the_same_whoever_defined_the_name(tmp_path, definer) -> None:
    a, b = _shared(tmp_path)
    b.ask({"y": Float(0, 1)})
    owner = b if definer == "this object" else a
    owner.tell(owner.ask({"n": Int(0, 3)}), 0.0)
    assert _redefinition_error(b, {"n": Float(0, 4)}) == (
        "parameter 'n' is defined in this study as Int(0, 3); it cannot be redefined as Float(0.0, 4.0): its range, "
        "log scale, step or choices may change between trials, but not its kind (Int)")
    assert _redefinition_error(b, {"n": Categorical([0, 1, 2, 3])}).startswith("parameter 'n'")
    assert 0 <= b.ask({"n": Int(0, 3)}).params["n"] <= 3


def test_a_redefinition_through_another_object_fails_only_its_own_trial(tmp_path) -> None:
    a, b = _shared(tmp_path)
    b.tell(b.ask({"y": Float(0, 1)}), 0.0)
    a.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    b.ask()  # a RUNNING trial that the failure must not touch
    with pytest.raises(ValueError, match="'x'"):
        b.optimize(lambda t: t.suggest_int("x", 0, 2), n_trials=2)
    assert [t.state for t in a.trials] == [TrialState.COMPLETE] * 3 + [TrialState.RUNNING, TrialState.FAIL]
    assert "'x'" in a.trials[4].fail_reason and a.trials[4].params == {}
    assert all(0.0 <= t.params["x"] <= 1.0 for t in a.trials[1:3])


def test_bad_space_is_rejected_before_any_trial() -> None:
    study = _study()
    for space in ({"x": (0, 1)}, [("x", Float(0, 1))], {"x": Float(0, 1), "y": Int(0, 3, when=("x", 2.0))}):
        with pytest.raises((TypeError, ValueError)):
            study.ask(space)
    assert study.trials == []


# --- stop -------------------------------------------------------------------------------------------------------
def test_stop_from_a_callback_ends_optimize() -> None:
    study = _study()

    def stop_at_three(s, frozen):
        if frozen.number == 2:
            s.stop()

    study.optimize(lambda t: 0.0, n_trials=10, callbacks=[stop_at_three])
    assert len(study.trials) == 3
    study.optimize(lambda t: 0.0, n_trials=2)
    assert len(study.trials) == 5


def test_study_user_attrs() -> None:
    study = _study()
    study.set_user_attr("owner", "me")
    assert study.user_attrs == {"owner": "me"}


def test_an_enqueued_trial_the_sampler_refuses_is_failed_not_left_running() -> None:
    class NothingLeft(parzen.RandomSampler):
        def before_trial(self, study, fixed_params):
            raise parzen.SearchSpaceExhausted("no point left")

    study = parzen.create_study(sampler=NothingLeft())
    study.enqueue_trial({"x": 0.5})
    with pytest.raises(parzen.SearchSpaceExhausted):
        study.ask()
    assert [t.state for t in study.trials] == [TrialState.FAIL]
    assert study.trials[0].fail_reason == "no point left"


# --- batches ------------------------------------------------------------------------------------------
def _batch_spread(sampler: parzen.samplers.Sampler) -> tuple[int, float]:
    """Distinct points and smallest pairwise distance of a batch of 8 after 15 told trials."""
    study = parzen.create_study(sampler=sampler)
    space = {"x": parzen.Float(-5, 5), "y": parzen.Float(-5, 5)}
    for _ in range(15):
        trial = study.ask(space)
        study.tell(trial, (trial.params["x"] - 1) ** 2 + (trial.params["y"] + 2) ** 2)
    batch = study.ask_batch(8, space)
    points = [(t.params["x"], t.params["y"]) for t in batch]
    gaps = [((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for i, a in enumerate(points) for b in points[i + 1:]]
    assert [t.number for t in batch] == list(range(15, 23))
    assert all(t.state == TrialState.RUNNING for t in study.trials[15:])
    return len(set(points)), min(gaps)


@pytest.mark.parametrize("make", [lambda: parzen.TPESampler(seed=0), lambda: parzen.GPSampler(seed=0),
                                  lambda: parzen.samplers.AutoSampler(seed=0)])
def test_ask_batch_gives_distinct_spread_suggestions(make) -> None:
    distinct, min_gap = _batch_spread(make())
    assert distinct == 8
    assert min_gap > 1e-3


def test_ask_batch_spreads_more_than_without_a_liar() -> None:
    _, with_liar = _batch_spread(parzen.GPSampler(seed=0))
    _, without = _batch_spread(parzen.GPSampler(seed=0, constant_liar=False))
    assert with_liar > 10 * without


@pytest.mark.parametrize("n, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError),
                                      ("2", TypeError)])
def test_ask_batch_rejects_bad_n(n, error) -> None:
    study = _study()
    with pytest.raises(error, match="`n`"):
        study.ask_batch(n)
    assert study.trials == []


def test_load_study_of_an_unknown_name_names_the_studies_there() -> None:
    from parzen.exceptions import StudyNotFoundError
    from parzen.storages import InMemoryStorage

    storage = InMemoryStorage()
    with pytest.raises(StudyNotFoundError, match=r"^no study named 'nope'; the storage holds no study yet"):
        parzen.load_study("nope", storage)
    for name in ("a", "b"):
        parzen.create_study(storage=storage, study_name=name)
    with pytest.raises(StudyNotFoundError, match=r"^no study named 'nope'; studies there: 'a', 'b'$"):
        parzen.load_study("nope", storage)
    with pytest.raises(StudyNotFoundError, match=r"^no study named 'zz'; studies there: 'a', 'b'$"):
        parzen.delete_study("zz", storage)


def test_copy_study_carries_directions_attributes_and_finished_trials(tmp_path) -> None:
    source_url, target_url = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    source = parzen.create_study(storage=source_url, study_name="s", directions=["minimize", "maximize"],
                                 constraints_func=lambda t: [t.params["x"] - 0.5])
    source.set_user_attr("owner", "me")

    def objective(trial: parzen.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.set_user_attr("double", 2 * x)
        return x, -x

    source.optimize(objective, n_trials=4)
    failed = source.ask()
    failed.suggest_float("x", 0.0, 1.0)
    source.tell(failed, state=parzen.TrialState.FAIL, fail_reason="broke")
    source.ask()  # running: stays behind
    copy = parzen.copy_study("s", source_url, target_url, "t")
    assert copy.study_name == "t" and copy.directions == ["minimize", "maximize"] and copy.user_attrs == {"owner": "me"}
    got, want = copy.trials, source.trials[:5]
    assert [t.number for t in got] == [0, 1, 2, 3, 4]
    assert [(t.state, t.params, t.values, t.user_attrs, t.fail_reason) for t in got] == [
        (t.state, t.params, t.values, t.user_attrs, t.fail_reason) for t in want]
    assert [t.system_attrs.get("constraints") for t in got] == [t.system_attrs.get("constraints") for t in want]
    assert {t.number for t in copy.best_trials} == {t.number for t in source.best_trials}
    with pytest.raises(parzen.DuplicatedStudyError):
        parzen.copy_study("s", source_url, target_url, "t")


def test_add_trials_refuses_unfinished_trials_and_other_kinds_before_writing() -> None:
    source = parzen.create_study()
    source.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    running = source.ask()
    target = parzen.create_study()
    target.optimize(lambda t: float(t.suggest_int("x", 0, 3)), n_trials=1)
    with pytest.raises(ValueError, match="x"):  # x is an Int here, a Float there
        target.add_trials(source.trials[:2])
    fresh = parzen.create_study()
    with pytest.raises(ValueError, match="RUNNING; only finished trials"):
        fresh.add_trials([*source.trials[:2], source.trials[running.number]])
    assert len(target.trials) == 1 and fresh.trials == []
    fresh.add_trial(source.trials[0])
    assert fresh.trials[0].params == source.trials[0].params and fresh.trials[0].number == 0


def test_a_failed_value_warns_at_the_user_s_line(tmp_path) -> None:
    study = parzen.create_study()
    with pytest.warns(UserWarning, match="trial 0 failed: the value is NaN") as caught:
        study.optimize(lambda t: float("nan"), n_trials=1)
    assert caught[0].filename == __file__
    with pytest.warns(UserWarning, match="trial 1 failed") as caught:
        study.tell(study.ask(), float("nan"))
    assert caught[0].filename == __file__
