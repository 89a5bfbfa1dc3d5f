"""The MLflow mirror of parzen.tracking, against a real MLflow ``sqlite:///`` store read back through MlflowClient."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import mlflow
import pytest
from mlflow.entities import ViewType

from parzen.tracking import RunStatus, SqliteBackend, TrackingError
from parzen.tracking_mlflow import MlflowMirrorWarning


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    """One MLflow store with its tables made (MLflow's migrations take seconds); each test gets a copy."""
    path = tmp_path_factory.mktemp("mlflow") / "template.db"
    mlflow.MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments(max_results=1)
    return path


@pytest.fixture
def uri(empty_store, tmp_path, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)  # MLflow's default artifact root is relative to the working directory
    shutil.copy(empty_store, tmp_path / "mlruns.db")
    return f"sqlite:///{tmp_path / 'mlruns.db'}"


def mlflow_runs(uri: str, experiment_name: str) -> list:
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(experiment_name)
    return client.search_runs([experiment.experiment_id], run_view_type=ViewType.ALL)


def history(uri: str, ml_run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in mlflow.MlflowClient(tracking_uri=uri).get_metric_history(ml_run_id, key)]


def test_every_write_shows_up_in_mlflow(tmp_path, uri) -> None:
    client = mlflow.MlflowClient(tracking_uri=uri)
    with SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=uri) as db:
        assert db.mlflow_tracking_uri == uri
        exp_id = db.create_experiment("sweep", {"budget": 10})
        experiment = client.get_experiment_by_name("sweep")
        assert experiment is not None and experiment.lifecycle_stage == "active"
        run_id = db.create_run(exp_id)
        (ml_run,) = mlflow_runs(uri, "sweep")
        ml_id = ml_run.info.run_id
        assert db.mlflow_run_id(run_id) == ml_id
        assert ml_run.info.status == "SCHEDULED" and ml_run.info.run_name == run_id
        assert ml_run.data.tags["parzen.run_id"] == run_id and ml_run.data.tags["parzen.experiment_id"] == exp_id
        assert ml_run.data.tags["parzen.experiment_config"] == '{"budget": 10}'
        db.start_run(run_id)
        assert client.get_run(ml_id).info.status == "RUNNING"
        for key, value in [("lr", 0.001), ("act", "gelu"), ("layers", 4), ("norm", None), ("bias", True)]:
            db.log_param(run_id, key, value)
        db.log_param(run_id, "lr", 0.001)  # the same value again is allowed in both stores
        for step, value in enumerate([0.9, math.nan, 0.4, math.inf]):
            db.log_metric(run_id, "loss", step, value)
        db.complete_run(run_id, RunStatus.Success)
        end_time = db.get_run(run_id).end_time
    ml_run = client.get_run(ml_id)
    assert ml_run.info.status == "FINISHED" and ml_run.info.end_time == round(end_time * 1000)
    assert ml_run.data.params == {"lr": "0.001", "act": "gelu", "layers": "4", "norm": "None", "bias": "True"}
    steps = history(uri, ml_id, "loss")
    assert [s for s, _ in steps] == [0, 1, 2, 3] and steps[0][1] == 0.9 and math.isnan(steps[1][1])
    assert steps[3][1] == sys.float_info.max  # MLflow's stand-in for +inf


@pytest.mark.parametrize(("status", "expected"), [(RunStatus.Failed, "FAILED"), (RunStatus.Cancelled, "KILLED")])
def test_final_statuses_map_to_mlflow(tmp_path, uri, status, expected) -> None:
    with SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=uri) as db:
        run_id = db.create_run(db.create_experiment("e"))
        db.start_run(run_id)
        db.complete_run(run_id, status)
    (ml_run,) = mlflow_runs(uri, "e")
    assert ml_run.info.status == expected


def test_a_reopened_backend_and_a_second_backend_keep_mirroring_into_the_same_run(tmp_path, uri) -> None:
    path = tmp_path / "t.db"
    with SqliteBackend.open(path, mlflow_tracking_uri=uri) as db:
        run_id = db.create_run(db.create_experiment("e"))
        db.start_run(run_id)
        db.log_metric(run_id, "loss", 0, 1.0)
    with SqliteBackend.open(path, mlflow_tracking_uri=uri) as first, \
            SqliteBackend.open(path, mlflow_tracking_uri=uri) as second:
        first.log_metric(run_id, "loss", 1, 0.5)
        second.log_param(run_id, "lr", 0.1)
        second.log_metric(run_id, "loss", 2, 0.25)
        first.complete_run(run_id, RunStatus.Success)
    (ml_run,) = mlflow_runs(uri, "e")
    assert ml_run.info.status == "FINISHED" and ml_run.data.params == {"lr": "0.1"}
    assert history(uri, ml_run.info.run_id, "loss") == [(0, 1.0), (1, 0.5), (2, 0.25)]


def test_a_subprocess_writes_into_the_same_mlflow_run(tmp_path, uri) -> None:
    path = tmp_path / "t.db"
    with SqliteBackend.open(path, mlflow_tracking_uri=uri) as db:
        run_id = db.create_run(db.create_experiment("e"))
        db.start_run(run_id)
    code = ("import sys; from parzen.tracking import SqliteBackend, RunStatus\n"
            "with SqliteBackend.open(sys.argv[1], mlflow_tracking_uri=sys.argv[2]) as db:\n"
            "    db.log_metric(sys.argv[3], 'loss', 0, 0.5); db.complete_run(sys.argv[3], RunStatus.Failed)\n")
    subprocess.run([sys.executable, "-c", code, str(path), uri, run_id], check=True, capture_output=True)
    (ml_run,) = mlflow_runs(uri, "e")
    assert ml_run.info.status == "FAILED" and history(uri, ml_run.info.run_id, "loss") == [(0, 0.5)]


def test_an_existing_mlflow_experiment_of_that_name_is_joined(tmp_path, uri) -> None:
    client = mlflow.MlflowClient(tracking_uri=uri)
    made_by_mlflow = client.create_experiment("shared")
    with SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=uri) as db:
        exp_a, exp_b = db.create_experiment("shared"), db.create_experiment("shared")  # parzen allows twins
        run_a, run_b = db.create_run(exp_a), db.create_run(exp_b)
    assert len(client.search_experiments(filter_string="name = 'shared'")) == 1
    runs = client.search_runs([made_by_mlflow])
    assert {(r.data.tags["parzen.run_id"], r.data.tags["parzen.experiment_id"]) for r in runs} == {
        (run_a, exp_a), (run_b, exp_b)}


def test_a_deleted_mlflow_experiment_warns_and_is_caught_up_once_restored(tmp_path, uri) -> None:
    client = mlflow.MlflowClient(tracking_uri=uri)
    client.delete_experiment(client.create_experiment("gone"))
    with SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=uri) as db:
        with pytest.warns(MlflowMirrorWarning, match=rf"'gone' at '{uri}' is deleted; restore it"):
            exp_id = db.create_experiment("gone")
        assert db.get_experiment(exp_id).name == "gone"  # the parzen record is written all the same
        with pytest.warns(MlflowMirrorWarning):
            run_id = db.create_run(exp_id)
        assert db.get_run(run_id).status == RunStatus.Pending
        client.restore_experiment(client.get_experiment_by_name("gone").experiment_id)
        db.start_run(run_id)  # the run's next write copies it whole
    (ml_run,) = mlflow_runs(uri, "gone")
    assert ml_run.info.status == "RUNNING" and ml_run.data.tags["parzen.run_id"] == run_id


def test_a_store_that_goes_away_warns_and_the_next_write_catches_up(tmp_path, uri) -> None:
    store = tmp_path / "mlruns.db"
    with SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=uri) as db:
        run_id = db.create_run(db.create_experiment("e"))
        db.start_run(run_id)
        db.log_metric(run_id, "loss", 0, 1.0)
        os.rename(store, tmp_path / "moved.db")  # SQLite refuses writes to a database moved away
        with pytest.warns(MlflowMirrorWarning, match=rf"run '{run_id}' is recorded in parzen but not mirrored "
                                                     rf"to MLflow at '{uri}'"):
            db.log_metric(run_id, "loss", 1, 0.5)
        with pytest.warns(MlflowMirrorWarning):
            db.log_param(run_id, "lr", 0.1)
        assert [m.value for m in db.get_metrics(run_id, "loss")] == [1.0, 0.5]
        os.rename(tmp_path / "moved.db", store)
        db.log_metric(run_id, "loss", 2, 0.25)
        assert db.mlflow_run_id(run_id) == mlflow_runs(uri, "e")[0].info.run_id
    (ml_run,) = mlflow_runs(uri, "e")
    assert ml_run.data.params == {"lr": "0.1"}
    assert history(uri, ml_run.info.run_id, "loss") == [(0, 1.0), (1, 0.5), (2, 0.25)]


def test_sync_mlflow_catches_up_a_file_written_without_the_mirror_and_is_idempotent(tmp_path, uri) -> None:
    path = tmp_path / "t.db"
    with SqliteBackend.open(path) as db:
        exp_id = db.create_experiment("offline")
        done, pending = db.create_run(exp_id), db.create_run(exp_id)
        db.start_run(done)
        db.log_param(done, "lr", 0.1)
        for step in range(3):
            db.log_metric(done, "loss", step, 1.0 / (step + 1))
        db.complete_run(done, RunStatus.Cancelled)
    with SqliteBackend.open(path, mlflow_tracking_uri=uri) as db:
        db.sync_mlflow()
        db.sync_mlflow()
    with SqliteBackend.open(path, mlflow_tracking_uri=uri) as db:
        db.sync_mlflow()  # a new mirror finds the runs by their tags: still no duplicates
    runs = {r.data.tags["parzen.run_id"]: r for r in mlflow_runs(uri, "offline")}
    assert set(runs) == {done, pending} and runs[pending].info.status == "SCHEDULED"
    assert runs[done].info.status == "KILLED" and runs[done].data.params == {"lr": "0.1"}
    assert history(uri, runs[done].info.run_id, "loss") == [(0, 1.0), (1, 0.5), (2, 1 / 3)]


def test_sync_mlflow_raises_naming_the_uri_when_mlflow_fails(tmp_path, uri) -> None:
    path = tmp_path / "t.db"
    with SqliteBackend.open(path) as db:
        db.create_run(db.create_experiment("e"))
    with SqliteBackend.open(path, mlflow_tracking_uri=uri) as db:
        os.rename(tmp_path / "mlruns.db", tmp_path / "moved.db")
        with pytest.raises(TrackingError, match=rf"sync_mlflow\(\) could not mirror to MLflow at '{uri}'"):
            db.sync_mlflow()


@pytest.mark.parametrize("kind", ["sqlite under a file", "http server down"])
def test_an_unreachable_store_is_an_error_before_the_tracking_file_is_made(tmp_path, monkeypatch, kind) -> None:
    if kind == "http server down":
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        bad = "http://127.0.0.1:9"  # the discard port: nothing listens there
    else:
        (tmp_path / "a_file").write_text("")
        bad = f"sqlite:///{tmp_path / 'a_file' / 'mlruns.db'}"
    with pytest.raises(TrackingError, match=f"cannot reach the MLflow tracking store '{bad}'"):
        SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=bad)
    assert not (tmp_path / "t.db").exists()


def test_what_mlflow_would_refuse_is_a_value_error_before_the_parzen_write(tmp_path, uri) -> None:
    with SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=uri) as db:
        with pytest.raises(ValueError, match="experiment name 'xxx.*' cannot be mirrored to MLflow"):
            db.create_experiment("x" * 1000)
        assert db.list_experiments() == []
        run_id = db.create_run(db.create_experiment("e"))
        db.start_run(run_id)
        with pytest.raises(ValueError, match=rf"param key 'a\|b' cannot be mirrored to MLflow at '{uri}'"):
            db.log_param(run_id, "a|b", 1)
        with pytest.raises(ValueError, match=r"metric key '../up' cannot be mirrored"):
            db.log_metric(run_id, "../up", 0, 1.0)
        assert db.get_params(run_id) == {} and db.metric_keys(run_id) == []
    with SqliteBackend.open(tmp_path / "plain.db") as db:  # without the mirror, parzen's own rules only
        run_id = db.create_run(db.create_experiment("e"))
        db.start_run(run_id)
        db.log_param(run_id, "a|b", 1)
        assert db.mlflow_tracking_uri is None
        with pytest.raises(TrackingError, match="sync_mlflow\\(\\) needs a backend opened with `mlflow_tracking_uri`"):
            db.sync_mlflow()
        with pytest.raises(TrackingError, match="mlflow_run_id\\(\\) needs a backend opened with"):
            db.mlflow_run_id(run_id)


def test_a_bad_uri_argument_names_it(tmp_path) -> None:
    with pytest.raises(TypeError, match="`mlflow_tracking_uri` must be a str, got 3"):
        SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`mlflow_tracking_uri` must be a non-empty URI"):
        SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri="")
    assert not (tmp_path / "t.db").exists()


def test_threads_writing_at_once_are_all_mirrored(tmp_path, uri) -> None:
    with SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri=uri) as db:
        exp_id = db.create_experiment("e")

        def work(worker: int) -> None:
            run_id = db.create_run(exp_id)
            db.start_run(run_id)
            db.log_param(run_id, "worker", worker)
            for step in range(5):
                db.log_metric(run_id, "loss", step, worker + step / 10)
            db.complete_run(run_id, RunStatus.Success)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    runs = mlflow_runs(uri, "e")
    assert sorted(int(r.data.params["worker"]) for r in runs) == [0, 1, 2, 3]
    for r in runs:
        worker = int(r.data.params["worker"])
        assert r.info.status == "FINISHED"
        assert history(uri, r.info.run_id, "loss") == [(s, worker + s / 10) for s in range(5)]


def test_without_mlflow_asking_for_the_mirror_names_the_extra(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # a real import failure: `import mlflow` raises
    with pytest.raises(ImportError, match=r"needs mlflow: pip install 'parzen\[mlflow\]'"):
        SqliteBackend.open(tmp_path / "t.db", mlflow_tracking_uri="sqlite:///m.db")
    assert not (tmp_path / "t.db").exists()


def test_importing_parzen_tracking_does_not_import_mlflow() -> None:
    code = "import sys, parzen, parzen.tracking, parzen.tracking_mlflow; print('mlflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_catching_up_a_large_run_goes_past_mlflow_batch_limits(tmp_path, uri) -> None:
    """More params and metric steps than one MLflow log_batch call takes (100 params, 1,000 metrics)."""
    path = tmp_path / "t.db"
    with SqliteBackend.open(path) as db:
        run_id = db.create_run(db.create_experiment("big"))
        db.start_run(run_id)
        for i in range(120):
            db.log_param(run_id, f"p{i}", i)
        for step in range(1005):
            db.log_metric(run_id, "loss", step, step / 2)
    with SqliteBackend.open(path, mlflow_tracking_uri=uri) as db:
        db.sync_mlflow()
    (ml_run,) = mlflow_runs(uri, "big")
    assert ml_run.data.params == {f"p{i}": str(i) for i in range(120)}
    assert history(uri, ml_run.info.run_id, "loss") == [(s, s / 2) for s in range(1005)]
