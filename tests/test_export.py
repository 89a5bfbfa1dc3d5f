"""Export: trials_dataframe, to_csv and to_json, read back and checked."""

from __future__ import annotations

import csv
import datetime
import json
import math
from pathlib import Path

import pandas as pd
import pytest

import parzen
from parzen import Categorical, Float, Int, TrialState
from parzen.export import StudyFileError, add_trials, read_study_file, save_study_file

SPACE = {
    "model": Categorical(["svm", "tree", None]),
    "C": Float(1e-3, 1e3, log=True, when=("model", "svm")),
    "depth": Int(1, 8, when=("model", "tree")),
}


@pytest.fixture
def study() -> parzen.Study:
    """Five trials: COMPLETE with each model, a PRUNED one, a FAIL one with a reason."""
    study = parzen.create_study(study_name="export-me", sampler=parzen.RandomSampler(seed=0))
    study.set_user_attr("owner", "tests")
    for params in ({"model": "svm", "C": 0.5}, {"model": "tree", "depth": 3}, {"model": None},
                   {"model": "svm", "C": 2.0}, {"model": "tree", "depth": 8}):
        study.enqueue_trial(params)
    for i, value in enumerate([0.25, 0.5, 1.0]):
        trial = study.ask(SPACE)
        trial.set_user_attr("fold", i)
        study.tell(trial, value)
    pruned = study.ask(SPACE)
    pruned.report(0.75, 0)
    pruned.report(0.5, 4)
    study.tell(pruned, state=TrialState.PRUNED)
    with pytest.warns(UserWarning):
        study.tell(study.ask(SPACE), math.nan)
    return study


def test_trials_dataframe(study: parzen.Study) -> None:
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["number", "value", "state", "datetime_start", "datetime_complete", "duration_s",
                                "params_model", "params_C", "params_depth", "user_attrs_fold", "fail_reason"]
    assert df["number"].tolist() == [0, 1, 2, 3, 4]
    assert df["state"].tolist() == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED", "FAIL"]
    assert df["value"].tolist()[:4] == [0.25, 0.5, 1.0, 0.5] and math.isnan(df["value"][4])
    assert df["params_model"].tolist() == ["svm", "tree", None, "svm", "tree"]
    assert df["params_C"].tolist()[0] == 0.5 and df["params_C"].tolist()[3] == 2.0
    assert df["params_C"].isna().tolist() == [False, True, True, False, True]
    assert df["params_depth"].tolist()[1] == 3 and df["params_depth"].tolist()[4] == 8
    assert df["user_attrs_fold"].tolist()[:3] == [0, 1, 2]
    assert df["fail_reason"].isna().tolist() == [True] * 4 + [False]
    assert "NaN" in df["fail_reason"][4]
    assert (df["duration_s"] >= 0).all()
    assert all(isinstance(d, (datetime.datetime, pd.Timestamp)) for d in df["datetime_start"])


def test_trials_dataframe_of_an_empty_study() -> None:
    df = parzen.create_study().trials_dataframe()
    assert len(df) == 0 and "value" in df.columns


def test_multi_objective_dataframe_has_one_column_per_objective() -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    study.tell(study.ask({"x": Float(0, 1)}), [1.0, 2.0])
    df = study.trials_dataframe()
    assert df[["values_0", "values_1"]].values.tolist() == [[1.0, 2.0]]
    assert "value" not in df.columns


def test_to_csv(study: parzen.Study, tmp_path: Path) -> None:
    path = tmp_path / "trials.csv"
    study.to_csv(str(path))
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5
    assert [r["state"] for r in rows] == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED", "FAIL"]
    assert [r["value"] for r in rows] == ["0.25", "0.5", "1.0", "0.5", ""]
    assert [r["params_model"] for r in rows] == ["svm", "tree", "None", "svm", "tree"]
    assert [r["params_C"] for r in rows] == ["0.5", "", "", "2.0", ""]
    assert [r["params_depth"] for r in rows] == ["", "3", "", "", "8"]
    assert "NaN" in rows[4]["fail_reason"]
    start = datetime.datetime.fromisoformat(rows[0]["datetime_start"])
    assert start == study.trials[0].datetime_start
    assert pd.read_csv(path)["number"].tolist() == [0, 1, 2, 3, 4]


# --- a None value against a field the trial does not have ---------------------------------------------------
def _none_or_absent_study() -> parzen.Study:
    """Trial 0 takes the choice None and sets a user attribute to None; trial 1 has neither field."""
    study = parzen.create_study()
    study.enqueue_trial({"model": None})
    study.enqueue_trial({"model": "svm", "C": 1.0})
    first = study.ask(SPACE)
    first.set_user_attr("note", None)
    study.tell(first, 1.0)
    study.tell(study.ask(SPACE), 2.0)
    return study


def test_dataframe_tells_a_none_value_from_an_absent_field() -> None:
    df = _none_or_absent_study().trials_dataframe()
    assert df["params_model"].tolist() == [None, "svm"]
    assert [v is None for v in df["params_model"]] == [True, False]
    assert [v is None for v in df["user_attrs_note"]] == [True, False]
    assert math.isnan(df["user_attrs_note"][1])
    # C is absent from trial 0: NaN, not None. No trial has depth, so it has no column.
    assert math.isnan(df["params_C"][0]) and df["params_C"][1] == 1.0
    assert "params_depth" not in df.columns


def test_dataframe_keeps_a_column_of_only_none_values() -> None:
    study = parzen.create_study()
    for _ in range(2):
        study.tell(study.ask({"constant": Categorical([None])}), 0.0)
    assert study.trials_dataframe()["params_constant"].tolist() == [None, None]


def test_csv_tells_a_none_value_from_an_absent_field(tmp_path: Path) -> None:
    path = tmp_path / "trials.csv"
    _none_or_absent_study().to_csv(str(path))
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["params_model"], r["params_C"], r["user_attrs_note"]) for r in rows] == [("None", "", "None"),
                                                                                       ("svm", "1.0", "")]
    read = pd.read_csv(path, keep_default_na=False)
    assert read["params_model"].tolist() == ["None", "svm"] and read["user_attrs_note"].tolist() == ["None", ""]


def test_to_json(study: parzen.Study, tmp_path: Path) -> None:
    path = tmp_path / "study.json"
    study.to_json(str(path))
    data = json.loads(path.read_text())
    assert data["study_name"] == "export-me"
    assert data["directions"] == ["minimize"]
    assert data["user_attrs"] == {"owner": "tests"}
    trials = data["trials"]
    assert [t["number"] for t in trials] == [0, 1, 2, 3, 4]
    assert [t["state"] for t in trials] == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED", "FAIL"]
    assert [t["values"] for t in trials] == [[0.25], [0.5], [1.0], [0.5], None]
    assert trials[0]["params"] == {"model": "svm", "C": 0.5}
    assert trials[2]["params"] == {"model": None}
    assert trials[0]["distributions"]["C"] == {"kind": "float", "low": 1e-3, "high": 1e3, "log": True,
                                              "step": None, "when": ["model", ["svm"]]}
    assert trials[3]["intermediate_values"] == {"0": 0.75, "4": 0.5}
    assert trials[1]["user_attrs"] == {"fold": 1}
    assert "NaN" in trials[4]["fail_reason"] and trials[0]["fail_reason"] is None
    assert datetime.datetime.fromisoformat(trials[0]["datetime_complete"]) == study.trials[0].datetime_complete


def test_json_distributions_rebuild_the_space(study: parzen.Study, tmp_path: Path) -> None:
    from parzen.space import distribution_from_dict

    path = tmp_path / "study.json"
    study.to_json(str(path))
    stored = json.loads(path.read_text())["trials"][1]["distributions"]
    rebuilt = {n: distribution_from_dict(d) for n, d in stored.items()}
    assert rebuilt["depth"].same_range(SPACE["depth"]) and rebuilt["depth"].when == SPACE["depth"].when
    assert rebuilt["model"].same_range(SPACE["model"])


def test_json_is_strict_even_with_odd_values(tmp_path: Path) -> None:
    study = parzen.create_study()
    trial = study.ask()
    trial.set_user_attr("when", datetime.date(2024, 1, 2))
    trial.report(math.inf, 0)
    study.tell(trial, state=TrialState.PRUNED)
    path = tmp_path / "odd.json"
    study.to_json(str(path))
    text = path.read_text()
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))
    assert data["trials"][0]["user_attrs"]["when"] == repr(datetime.date(2024, 1, 2))
    assert data["trials"][0]["values"] == [None]
    assert data["trials"][0]["intermediate_values"] == {"0": None}


def test_a_zero_duration_is_exported_as_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    import parzen.storages.memory as memory

    instant = datetime.datetime(2024, 5, 6, 7, 8, 9)
    monkeypatch.setattr(memory, "_now", lambda: instant)
    study = parzen.create_study()
    study.tell(study.ask(), 1.0)
    assert study.trials_dataframe()["duration_s"].tolist() == [0.0]


# --- the study file: save and load back --------------------------------------------------------
def _varied_study(storage: str | None = None) -> parzen.Study:
    """Complete, pruned and failed trials; a diverged (NaN) report; a None choice; user attributes."""
    study = parzen.create_study(direction="maximize", storage=storage, study_name="varied",
                                sampler=parzen.RandomSampler(seed=0))
    space = {"x": parzen.Float(0, 1), "c": parzen.Categorical([None, "a"]), "lr": parzen.Float(1e-4, 1, log=True)}
    for i in range(6):
        trial = study.ask(space)
        trial.set_user_attr("i", i)
        trial.report(float("nan") if i == 2 else 0.5 * i, 0)
        trial.report(float("inf"), 1)
        if i == 3:
            study.tell(trial, state=TrialState.FAIL, fail_reason="out of memory")
        elif i == 4:
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, trial.params["x"])
    study.ask(space)  # still running: not saved
    return study


def _outcome(t: parzen.FrozenTrial) -> tuple:
    return (t.number, t.state, t.values, t.params, t.distributions, t.user_attrs, t.fail_reason,
            {k: (None if math.isnan(v) else v) for k, v in t.intermediate_values.items()},
            sorted(k for k, v in t.intermediate_values.items() if math.isnan(v)))


@pytest.mark.parametrize("target", ["memory", "sqlite"])
def test_a_study_file_loads_back_exactly(tmp_path, target) -> None:
    study = _varied_study()
    save_study_file(study, tmp_path / "study.json", metadata={"front_door": {"k": 1}})
    saved = read_study_file(tmp_path / "study.json")
    assert (saved.study_name, saved.directions, saved.metadata) == ("varied", ["maximize"], {"front_door": {"k": 1}})
    storage = None if target == "memory" else f"sqlite:///{tmp_path / 'copy.db'}"
    copy = parzen.create_study(directions=saved.directions, storage=storage, study_name="copy")
    add_trials(copy, saved.trials)
    finished = [t for t in study.trials if t.state.is_finished()]
    assert [_outcome(t) for t in copy.trials] == [_outcome(t) for t in finished]
    assert copy.best_trial.params == study.best_trial.params


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "other"}', "is not a parzen study file"),
    ('{"format": "parzen.study", "version": 99}', "version 99"),
    ('{"format": "parzen.study", "version": 1, "directions": ["minimize"]}', "incomplete study file: no 'study_name'"),
])
def test_a_bad_study_file_is_named_in_the_error(tmp_path, text, message) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(StudyFileError, match=f"bad.json.*{message}|{message}.*bad.json") as info:
        read_study_file(path)
    assert isinstance(info.value, parzen.ParzenError)


def test_a_study_with_constraints_exports_each_constraint_value_and_feasibility(tmp_path) -> None:
    study = parzen.create_study(constraints_func=lambda t: [t.params["x"] - 0.5, -1.0],
                                sampler=parzen.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=6)
    study.ask()  # running: no constraints yet
    df = study.trials_dataframe()
    assert list(df.columns[6:9]) == ["constraints_0", "constraints_1", "feasible"]
    done = df.iloc[:6]
    assert (done["constraints_0"] == done["params_x"] - 0.5).all() and (done["constraints_1"] == -1.0).all()
    assert done["feasible"].tolist() == [x <= 0.5 for x in done["params_x"]]
    assert df.iloc[6][["constraints_0", "feasible"]].isna().all()
    path = tmp_path / "c.csv"
    study.to_csv(str(path))
    header = path.read_text().splitlines()[0].split(",")
    assert header[6:9] == ["constraints_0", "constraints_1", "feasible"]
