"""parzen.tracking: experiments, runs, params and metrics on a real SQLite file."""

from __future__ import annotations

import math
import sqlite3
import threading

import pytest

from parzen.exceptions import ParzenError
from parzen.tracking import RunStatus, SqliteBackend, TrackingError


@pytest.fixture
def db(tmp_path):
    backend = SqliteBackend.open(tmp_path / "experiments.db")
    yield backend
    backend.close()


def running_run(db: SqliteBackend) -> str:
    run_id = db.create_run(db.create_experiment("e", None))
    db.start_run(run_id)
    return run_id


def test_records_survive_reopening_and_are_plain_sqlite(tmp_path) -> None:
    path = tmp_path / "experiments.db"
    with SqliteBackend.open(path) as db:
        exp_id = db.create_experiment("hpo-sweep", {"owner": "me", "budget": 10})
        run_id = db.create_run(exp_id)
        db.start_run(run_id)
        db.log_param(run_id, "lr", 0.001)
        db.log_param(run_id, "act", "gelu")
        db.log_param(run_id, "layers", 4)
        for step, value in enumerate([0.5, 0.7, 0.8]):
            db.log_metric(run_id, "accuracy", step, value)
        db.complete_run(run_id, RunStatus.Success)
    with SqliteBackend.open(path) as db:
        (exp,) = db.list_experiments()
        assert (exp.id, exp.name, exp.config) == (exp_id, "hpo-sweep", {"owner": "me", "budget": 10})
        (run,) = db.list_runs(exp_id)
        assert run.status == RunStatus.Success and run.start_time <= run.end_time
        assert db.get_params(run_id) == {"act": "gelu", "layers": 4, "lr": 0.001}
        assert [(m.step, m.value) for m in db.get_metrics(run_id, "accuracy")] == [(0, 0.5), (1, 0.7), (2, 0.8)]
        assert db.metric_keys(run_id) == ["accuracy"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone() == (3,)


def test_run_lifecycle_is_enforced(db) -> None:
    run_id = db.create_run(db.create_experiment("e", None))
    assert db.get_run(run_id).status == RunStatus.Pending
    with pytest.raises(TrackingError, match="is Pending; log to it between start_run and complete_run"):
        db.log_param(run_id, "lr", 0.1)
    with pytest.raises(TrackingError, match="only a Running run can become Success"):
        db.complete_run(run_id, RunStatus.Success)
    db.start_run(run_id)
    with pytest.raises(TrackingError, match="only a Pending run can become Running"):
        db.start_run(run_id)
    with pytest.raises(ValueError, match="`status` must be RunStatus.Success, Failed or Cancelled"):
        db.complete_run(run_id, RunStatus.Running)
    db.complete_run(run_id, RunStatus.Failed)
    with pytest.raises(TrackingError, match="is Failed"):
        db.log_metric(run_id, "loss", 0, 1.0)


def test_unknown_ids_are_named(db) -> None:
    with pytest.raises(TrackingError, match="unknown experiment id 'nope'"):
        db.create_run("nope")
    with pytest.raises(TrackingError, match="unknown run id 'nope'"):
        db.start_run("nope")
    with pytest.raises(TrackingError, match="unknown run id 'nope'"):
        db.log_param("nope", "lr", 1.0)


def test_params_are_written_once_and_metrics_once_per_step(db) -> None:
    run_id = running_run(db)
    db.log_param(run_id, "lr", 0.1)
    db.log_param(run_id, "lr", 0.1)  # the same value again is fine
    with pytest.raises(TrackingError, match="param 'lr' of run .* is already 0.1; it cannot change to 0.2"):
        db.log_param(run_id, "lr", 0.2)
    db.log_metric(run_id, "loss", 3, 1.0)
    with pytest.raises(TrackingError, match="metric 'loss' of run .* already has a value at step 3"):
        db.log_metric(run_id, "loss", 3, 2.0)
    assert [m.value for m in db.get_metrics(run_id, "loss")] == [1.0]


@pytest.mark.parametrize("key, value, error", [
    ("lr", [1, 2], "param 'lr': value must be a str, bool, int, float or None"),
    ("lr", float("inf"), "param 'lr': value must be finite"),
    ("", 1.0, "param key must be a non-empty str"),
])
def test_bad_params_are_rejected(db, key, value, error) -> None:
    with pytest.raises((TypeError, ValueError), match=error):
        db.log_param(running_run(db), key, value)


@pytest.mark.parametrize("step, value, error", [
    (-1, 1.0, "metric 'loss': `step` must be an int >= 0"),
    (0, "high", "metric 'loss': `value` must be a number"),
])
def test_bad_metrics_are_rejected(db, step, value, error) -> None:
    with pytest.raises(ValueError, match=error):
        db.log_metric(running_run(db), "loss", step, value)


def test_config_must_be_json(db) -> None:
    with pytest.raises(ValueError, match="experiment 'e': `config` must be JSON-serializable"):
        db.create_experiment("e", {"f": object()})


def test_threads_can_share_one_backend(db) -> None:
    exp_id = db.create_experiment("parallel", None)

    def worker(i: int) -> None:
        run_id = db.create_run(exp_id)
        db.start_run(run_id)
        for step in range(20):
            db.log_metric(run_id, "loss", step, i + step / 100)
        db.log_param(run_id, "worker", i)
        db.complete_run(run_id, RunStatus.Success)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs = db.list_runs(exp_id)
    assert sorted(db.get_params(r.id)["worker"] for r in runs) == [0, 1, 2, 3]
    assert all(len(db.get_metrics(r.id, "loss")) == 20 for r in runs)


def test_a_newer_schema_is_refused(tmp_path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(TrackingError, match="tracking schema version 99"):
        SqliteBackend.open(path)


def test_diverged_metrics_are_kept_as_trial_report_keeps_them(db) -> None:
    run_id = running_run(db)
    for step, value in enumerate([0.5, float("nan"), float("inf"), -float("inf")]):
        db.log_metric(run_id, "loss", step, value)
    values = [m.value for m in db.get_metrics(run_id, "loss")]
    assert values[0] == 0.5 and math.isnan(values[1]) and values[2:] == [math.inf, -math.inf]


def test_errors_are_parzen_errors_and_a_foreign_file_is_named(tmp_path) -> None:
    assert issubclass(TrackingError, ParzenError)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database " * 100)
    with pytest.raises(TrackingError, match="notes.txt"):
        SqliteBackend.open(junk)


def test_a_study_database_is_not_opened_as_a_tracking_database(tmp_path) -> None:
    """One rule both ways: a study file refuses tracking's tables, as the storage refuses a tracking file."""
    import sqlalchemy as sa

    import parzen

    path = tmp_path / "study.db"
    parzen.create_study(storage=f"sqlite:///{path}", study_name="a")
    before = sa.inspect(sa.create_engine(f"sqlite:///{path}")).get_table_names()
    with pytest.raises(TrackingError, match="is not a tracking database .*trials"):
        SqliteBackend.open(path)
    assert sa.inspect(sa.create_engine(f"sqlite:///{path}")).get_table_names() == before
