"""A mirror of a :class:`parzen.tracking.SqliteBackend` into MLflow, so its runs show up in ``mlflow ui``.

Asked for with ``SqliteBackend.open(path, mlflow_tracking_uri="sqlite:///mlruns.db")`` (any URI that
``mlflow.MlflowClient`` accepts; ``sqlite:///`` works offline). Needs the ``mlflow`` extra
(``pip install 'parzen[mlflow]'``); ``import parzen.tracking`` never imports mlflow.

The rules:

- **The parzen file is the source of truth and is written first.** Each write of the backend
  commits to SQLite, then the mirror copies it to MLflow. Nothing is ever read back from MLflow
  into parzen.
- **Ids.** A parzen experiment maps to the MLflow experiment *of the same name*: it is created if
  missing, joined if it exists (made by MLflow itself or by another parzen experiment of that name;
  parzen names need not be unique, MLflow names must). A parzen run maps to the MLflow run tagged
  ``parzen.run_id`` (also tagged ``parzen.experiment_id`` and, when the experiment has a config,
  ``parzen.experiment_config`` as JSON cut to MLflow's tag length; its MLflow run name is the parzen
  run id). The mapping lives in MLflow's own tags, so a reopened backend or a second process finds
  the same MLflow run; each mirror caches what it found.
- **Catching up.** The first write a mirror makes to a run it has not seen yet (a run of an older
  session, or one whose last copy failed) copies the whole run: the MLflow run is found or created,
  missing params and metric steps are logged, the status is set. Later writes are copied one by one.
  ``SqliteBackend.sync_mlflow()`` does the same for every experiment and run of the file, for
  instance to mirror a file that was tracked without a mirror.
- **Failures.** An MLflow store that cannot be reached when the backend is opened is a
  :class:`~parzen.tracking.TrackingError` naming the URI, raised before the tracking file is touched.
  A copy that fails later (the store went away, the MLflow run was deleted) cannot undo the parzen
  write that already succeeded: it warns with :class:`MlflowMirrorWarning` naming the URI, and the
  run is copied whole on its next write or by ``sync_mlflow()``. ``sync_mlflow()`` and
  ``mlflow_run_id()``, which a user calls for MLflow's sake, raise ``TrackingError`` instead.
  A key or an experiment name that MLflow would refuse is a ValueError before the parzen write.
- **Values.** Params are logged as ``str(value)`` (what ``mlflow.log_param`` does); metrics with the
  parzen step and timestamp. NaN is kept; MLflow stores +-inf as +-1.79e308 (the largest double).
  Status: Pending -> SCHEDULED, Running -> RUNNING, Success -> FINISHED, Failed -> FAILED,
  Cancelled -> KILLED. The MLflow run's start time is the parzen run's creation time.

Two processes that copy the same not-yet-mirrored run at the same instant may each create an MLflow
run for it; a run written by one process at a time (the usual case) is mirrored once.
"""

from __future__ import annotations

import contextlib
import json
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from parzen.tracking import RunStatus, TrackingError

if TYPE_CHECKING:
    from parzen.tracking import SqliteBackend

__all__ = ["MlflowMirror", "MlflowMirrorWarning"]

_STATUS = {RunStatus.Pending: "SCHEDULED", RunStatus.Running: "RUNNING", RunStatus.Success: "FINISHED",
           RunStatus.Failed: "FAILED", RunStatus.Cancelled: "KILLED"}
_RUN_TAG = "parzen.run_id"
_EXPERIMENT_TAG = "parzen.experiment_id"
_CONFIG_TAG = "parzen.experiment_config"


class MlflowMirrorWarning(UserWarning):
    """A tracking write that reached the parzen file but not MLflow; the run is copied whole later."""


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


class MlflowMirror:
    """Copies the writes of one :class:`~parzen.tracking.SqliteBackend` to the MLflow store at ``tracking_uri``.

    Made by ``SqliteBackend.open(..., mlflow_tracking_uri=...)``; the backend calls it after each of
    its writes. Raises ImportError without mlflow and TrackingError when the store cannot be reached.
    """

    def __init__(self, tracking_uri: str) -> None:
        if not isinstance(tracking_uri, str):
            raise TypeError(f"`mlflow_tracking_uri` must be a str, got {tracking_uri!r}")
        if not tracking_uri:
            raise ValueError("`mlflow_tracking_uri` must be a non-empty URI such as 'sqlite:///mlruns.db'")
        try:
            import mlflow
            from mlflow import entities
            from mlflow.exceptions import MlflowException
            from mlflow.utils.validation import (
                MAX_METRICS_PER_BATCH,
                MAX_PARAMS_TAGS_PER_BATCH,
                MAX_TAG_VAL_LENGTH,
                _validate_experiment_name,
                _validate_metric,
                _validate_param,
            )
        except ImportError as exc:  # no mlflow, or one without the rules below (they are MLflow's own checks)
            raise ImportError(
                f"mirroring parzen.tracking to MLflow needs mlflow: pip install 'parzen[mlflow]' ({exc})") from exc
        self._uri = tracking_uri
        self._entities = entities
        self._mlflow_error = MlflowException
        self._validate_experiment_name = _validate_experiment_name
        self._validate_param = _validate_param
        self._validate_metric = _validate_metric
        self._max_tag = MAX_TAG_VAL_LENGTH
        self._batch_params, self._batch_metrics = MAX_PARAMS_TAGS_PER_BATCH, MAX_METRICS_PER_BATCH
        self._lock = threading.Lock()
        self._experiments: dict[str, str] = {}  # parzen experiment id -> MLflow experiment id
        self._runs: dict[str, str] = {}  # parzen run id -> MLflow run id, for runs copied whole this session
        try:
            self._client = mlflow.MlflowClient(tracking_uri=tracking_uri)
            self._client.search_experiments(max_results=1)
        except Exception as exc:
            raise TrackingError(f"cannot reach the MLflow tracking store {tracking_uri!r}: {exc}") from None

    @property
    def tracking_uri(self) -> str:
        return self._uri

    # --- checks made before the parzen write -------------------------------------------------
    def check_experiment_name(self, name: str) -> None:
        self._check("experiment name", name, lambda: self._validate_experiment_name(name))

    def check_param_key(self, key: str) -> None:
        self._check("param key", key, lambda: self._validate_param(key, ""))

    def check_metric_key(self, key: str) -> None:
        self._check("metric key", key, lambda: self._validate_metric(key, 0.0, 0, 0))

    def _check(self, what: str, key: str, validate: Callable[[], Any]) -> None:
        """MLflow's own rule for ``what``, as a ValueError naming the key."""
        try:
            validate()
        except self._mlflow_error as exc:
            raise ValueError(f"{what} {key!r} cannot be mirrored to MLflow at {self._uri!r}: {exc.message}") from None

    # --- copies made after the parzen write --------------------------------------------------
    def experiment_created(self, backend: SqliteBackend, experiment_id: str) -> None:
        self._guard(f"experiment {experiment_id!r}", lambda: self._experiment(backend, experiment_id), depth=4)

    def run_created(self, backend: SqliteBackend, run_id: str) -> None:
        self._copy_run(backend, run_id, None)

    def run_started(self, backend: SqliteBackend, run_id: str) -> None:
        self._copy_run(backend, run_id, lambda ml_id: self._client.update_run(ml_id, status="RUNNING"))

    def run_completed(self, backend: SqliteBackend, run_id: str) -> None:
        def write(ml_id: str) -> None:
            run = backend.get_run(run_id)
            assert run.end_time is not None, f"completed run {run_id!r} has no end time"
            self._client.set_terminated(ml_id, _STATUS[run.status], end_time=_ms(run.end_time))

        self._copy_run(backend, run_id, write)

    def param_logged(self, backend: SqliteBackend, run_id: str, key: str, value: Any) -> None:
        self._copy_run(backend, run_id, lambda ml_id: self._client.log_param(ml_id, key, str(value)))

    def metric_logged(self, backend: SqliteBackend, run_id: str, key: str, step: int, value: float,
                      timestamp: float) -> None:
        self._copy_run(backend, run_id, lambda ml_id: self._client.log_metric(
            ml_id, key, value, timestamp=_ms(timestamp), step=step))

    def _copy_run(self, backend: SqliteBackend, run_id: str, write: Callable[[str], Any] | None) -> None:
        """Copy one write of a run; a run not copied whole yet this session is copied whole instead."""
        def copy() -> None:
            ml_id = self._runs.get(run_id)
            if ml_id is None or write is None:
                self._sync_run(backend, run_id)
            else:
                try:
                    write(ml_id)
                except BaseException:
                    del self._runs[run_id]  # copy it whole next time
                    raise

        self._guard(f"run {run_id!r}", copy, depth=5)

    def _guard(self, what: str, copy: Callable[[], Any], depth: int) -> None:
        """Run ``copy``; a failure warns instead of raising: the parzen write it follows has succeeded.
        ``depth`` is the warning's stack level that points at the caller of the backend's method."""
        with self._lock:
            try:
                copy()
            except Exception as exc:
                warnings.warn(MlflowMirrorWarning(
                    f"{what} is recorded in parzen but not mirrored to MLflow at {self._uri!r} "
                    f"({type(exc).__name__}: {exc}); it is copied whole on its next write or by sync_mlflow()"),
                    stacklevel=depth)

    # --- explicit catch-up -------------------------------------------------------------------
    def sync(self, backend: SqliteBackend) -> None:
        """Copy every experiment and run of ``backend`` that MLflow lacks or holds only in part."""
        with self._lock, self._raising("sync_mlflow()"):
            for experiment in backend.list_experiments():
                self._experiment(backend, experiment.id)
                for run in backend.list_runs(experiment.id):
                    self._sync_run(backend, run.id)

    def run_id(self, backend: SqliteBackend, run_id: str) -> str:
        """The MLflow run id of parzen run ``run_id``, after copying whatever MLflow lacks of it."""
        backend.get_run(run_id)
        with self._lock, self._raising(f"mlflow_run_id({run_id!r})"):
            return self._runs.get(run_id) or self._sync_run(backend, run_id)

    @contextlib.contextmanager
    def _raising(self, what: str) -> Iterator[None]:
        """Any failure of an explicit mirror call as a TrackingError naming the MLflow URI."""
        try:
            yield
        except TrackingError:
            raise
        except Exception as exc:
            raise TrackingError(f"{what} could not mirror to MLflow at {self._uri!r}: "
                                f"{type(exc).__name__}: {exc}") from exc

    # --- the copies themselves (called with the lock held) -----------------------------------
    def _experiment(self, backend: SqliteBackend, experiment_id: str) -> str:
        """The MLflow experiment of the parzen experiment's name, created if missing."""
        if experiment_id in self._experiments:
            return self._experiments[experiment_id]
        name = backend.get_experiment(experiment_id).name
        found = self._client.get_experiment_by_name(name)
        if found is None:
            try:
                ml_id = self._client.create_experiment(name)
            except self._mlflow_error as exc:
                if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise
                found = self._client.get_experiment_by_name(name)  # created meanwhile by another process
        if found is not None:
            if found.lifecycle_stage != "active":
                raise TrackingError(
                    f"the MLflow experiment {name!r} at {self._uri!r} is deleted; restore it in MLflow "
                    f"(MlflowClient.restore_experiment) or remove it for good (mlflow gc) to mirror into it")
            ml_id = found.experiment_id
        self._experiments[experiment_id] = ml_id
        return ml_id

    def _sync_run(self, backend: SqliteBackend, run_id: str) -> str:
        """Find or create the MLflow run of a parzen run and give it what it lacks; returns its id."""
        run = backend.get_run(run_id)
        ml_experiment = self._experiment(backend, run.experiment_id)
        found = self._client.search_runs(
            [ml_experiment], filter_string=f"tags.`{_RUN_TAG}` = '{run_id}'",
            run_view_type=self._entities.ViewType.ALL, max_results=1)
        if found:
            ml_run = found[0]
        else:
            tags = {_RUN_TAG: run_id, _EXPERIMENT_TAG: run.experiment_id}
            config = backend.get_experiment(run.experiment_id).config
            if config is not None:
                tags[_CONFIG_TAG] = json.dumps(config)[:self._max_tag]
            ml_run = self._client.create_run(ml_experiment, start_time=_ms(run.created_at), tags=tags,
                                             run_name=run_id)
        ml_id: str = ml_run.info.run_id
        self._log_missing(backend, run_id, ml_id, ml_run.data.params, check_steps=bool(found))
        if ml_run.info.status != _STATUS[run.status]:
            if run.status.is_final():
                assert run.end_time is not None, f"completed run {run_id!r} has no end time"
                self._client.set_terminated(ml_id, _STATUS[run.status], end_time=_ms(run.end_time))
            else:
                self._client.update_run(ml_id, status=_STATUS[run.status])
        self._runs[run_id] = ml_id
        return ml_id

    def _log_missing(self, backend: SqliteBackend, run_id: str, ml_id: str, ml_params: dict[str, str],
                     check_steps: bool) -> None:
        """Log the params and metric steps of the parzen run that the MLflow run lacks, in batches."""
        Param, Metric = self._entities.Param, self._entities.Metric
        params = [Param(k, str(v)) for k, v in backend.get_params(run_id).items() if k not in ml_params]
        metrics = []
        for key in backend.metric_keys(run_id):
            have = {m.step for m in self._client.get_metric_history(ml_id, key)} if check_steps else set()
            metrics += [Metric(key, p.value, _ms(p.timestamp), p.step)
                        for p in backend.get_metrics(run_id, key) if p.step not in have]
        for i in range(0, len(params), self._batch_params):
            self._client.log_batch(ml_id, params=params[i:i + self._batch_params])
        for i in range(0, len(metrics), self._batch_metrics):
            self._client.log_batch(ml_id, metrics=metrics[i:i + self._batch_metrics])

