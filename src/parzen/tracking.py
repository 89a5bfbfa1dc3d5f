"""Experiment tracking on SQLite: experiments, runs, their parameters and metrics (entrenar's ``SqliteBackend``).

This is a record of what was trained, separate from a study's storage: a study keeps what the
optimizer needs, a tracking database keeps what a person wants to look up later (and may hold runs
that no optimizer produced). One file, SQLAlchemy Core as the core storage uses it, one transaction
per write (``BEGIN IMMEDIATE`` on SQLite, so a check and its write are atomic across processes), so
a crash never leaves half a record. Safe to share between threads.

Metric values follow :meth:`parzen.Trial.report`: NaN and infinities are accepted and kept (a
diverged run is worth recording); SQLite keeps NaN as NULL, which reads back as NaN.

With ``open(path, mlflow_tracking_uri=...)`` every write is also mirrored to MLflow after it is
committed here (:mod:`parzen.tracking_mlflow` states the rules); this module never imports mlflow.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import numbers
import os
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from parzen.exceptions import ParzenError

if TYPE_CHECKING:
    from parzen.tracking_mlflow import MlflowMirror

__all__ = ["Experiment", "MetricPoint", "Run", "RunStatus", "SqliteBackend", "TrackingError"]

_SCHEMA_VERSION = 1
_metadata = sa.MetaData()
_experiments = sa.Table(
    "experiments", _metadata,
    sa.Column("id", sa.Text, primary_key=True), sa.Column("name", sa.Text, nullable=False),
    sa.Column("config", sa.Text), sa.Column("created_at", sa.Float, nullable=False))
_runs = sa.Table(
    "runs", _metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("experiment_id", sa.Text, sa.ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.Text, nullable=False), sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("start_time", sa.Float), sa.Column("end_time", sa.Float),
    sa.Index("runs_by_experiment", "experiment_id", "created_at"))
_params = sa.Table(
    "params", _metadata,
    sa.Column("run_id", sa.Text, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
_metrics = sa.Table(
    "metrics", _metadata,
    sa.Column("run_id", sa.Text, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True), sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("value", sa.Float),  # nullable: SQLite stores NaN as NULL
    sa.Column("timestamp", sa.Float, nullable=False))


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Let SQLAlchemy's ``begin`` event open every transaction, and enforce foreign keys. WAL with
    synchronous=NORMAL, as in the core's SQLite storage: readers never wait for a writer, and a
    commit does not wait for the disk (a crash may lose the last commits, never half of one)."""
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    dbapi_connection.execute("PRAGMA journal_mode = WAL")
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")


def _on_begin(connection: sa.Connection) -> None:
    """Take the write lock at the start of each transaction: checks and writes stay atomic."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class TrackingError(ParzenError):
    """A tracking call that the database's records do not allow (unknown id, wrong run status, ...)."""


class RunStatus(enum.Enum):
    """Life of a run: Pending after ``create_run``, Running after ``start_run``, then a final status."""

    Pending = "Pending"
    Running = "Running"
    Success = "Success"
    Failed = "Failed"
    Cancelled = "Cancelled"

    def is_final(self) -> bool:
        return self in (RunStatus.Success, RunStatus.Failed, RunStatus.Cancelled)


@dataclasses.dataclass(frozen=True)
class Experiment:
    id: str
    name: str
    config: Any
    created_at: float


@dataclasses.dataclass(frozen=True)
class Run:
    id: str
    experiment_id: str
    status: RunStatus
    created_at: float
    start_time: float | None
    end_time: float | None


@dataclasses.dataclass(frozen=True)
class MetricPoint:
    step: int
    value: float
    timestamp: float


def _check_key(what: str, key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"{what} must be a non-empty str, got {key!r}")
    return key


def _param_json(key: str, value: Any) -> str:
    """A parameter value as stored: JSON of a str, bool, int, float (finite) or None."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"param {key!r}: value must be finite, got {value!r}")
    if value is not None and not isinstance(value, (str, bool, int, float)):
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            return _param_json(key, value.item())  # numpy scalars
        raise TypeError(f"param {key!r}: value must be a str, bool, int, float or None, got {value!r}")
    return json.dumps(value)


class SqliteBackend:
    """Experiments, runs, params and metrics in one SQLite file. Open it with :meth:`open`.

    Ids are random hex strings. Each run goes Pending -> Running -> Success/Failed/Cancelled;
    params and metrics are logged while it is Running. A param is written once per run (logging the
    same value again is allowed, a different one is an error), a metric once per (key, step).
    """

    def __init__(self, engine: sa.Engine, path: str, mirror: MlflowMirror | None = None) -> None:
        self._engine = engine
        self._path = path
        self._lock = threading.Lock()
        self._mirror = mirror

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, mlflow_tracking_uri: str | None = None) -> "SqliteBackend":
        """Open (creating if needed) the tracking database at ``path`` (``":memory:"`` for a throwaway one).

        ``mlflow_tracking_uri`` (e.g. ``"sqlite:///mlruns.db"``) also mirrors every write to that MLflow
        store, so the runs show up in ``mlflow ui``; it needs ``pip install 'parzen[mlflow]'``. The store
        is reached before ``path`` is touched: ImportError without mlflow, TrackingError naming the URI
        when it cannot be reached. See :mod:`parzen.tracking_mlflow`.
        """
        mirror = None
        if mlflow_tracking_uri is not None:
            from parzen.tracking_mlflow import MlflowMirror

            mirror = MlflowMirror(mlflow_tracking_uri)
        path = os.fspath(path)
        if path == ":memory:":
            engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool,
                                      connect_args={"check_same_thread": False})
        else:
            engine = sa.create_engine(sa.engine.URL.create("sqlite", database=path))
        sa.event.listen(engine, "connect", _on_connect)
        sa.event.listen(engine, "begin", _on_begin)
        try:
            with engine.begin() as conn:
                version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
                if version not in (0, _SCHEMA_VERSION):
                    raise TrackingError(
                        f"{path!r} has tracking schema version {version}; this parzen reads {_SCHEMA_VERSION}")
                foreign = set(sa.inspect(conn).get_table_names()) - set(_metadata.tables)
                if foreign:  # a study database, or another application's: never add tables to it
                    raise TrackingError(
                        f"{path!r} is not a tracking database (it holds the tables {', '.join(sorted(foreign))}); "
                        f"parzen.tracking opens only an empty file or one it created")
                _metadata.create_all(conn)
                conn.exec_driver_sql(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        except sa.exc.DBAPIError as exc:
            engine.dispose()
            raise TrackingError(f"cannot open the tracking database {path!r}: {exc.orig}") from None
        except TrackingError:
            engine.dispose()
            raise
        return cls(engine, path, mirror)

    @property
    def path(self) -> str:
        return self._path

    @property
    def mlflow_tracking_uri(self) -> str | None:
        """The MLflow store this backend mirrors to, or None."""
        return None if self._mirror is None else self._mirror.tracking_uri

    def _require_mirror(self, method: str) -> MlflowMirror:
        if self._mirror is None:
            raise TrackingError(f"{method} needs a backend opened with `mlflow_tracking_uri`")
        return self._mirror

    def sync_mlflow(self) -> None:
        """Copy to MLflow whatever it lacks of this file's experiments and runs (after a mirror failure,
        or to mirror records written without one). TrackingError naming the URI if MLflow fails."""
        self._require_mirror("sync_mlflow()").sync(self)

    def mlflow_run_id(self, run_id: str) -> str:
        """The id of the MLflow run that mirrors parzen run ``run_id`` (to log artifacts to it, say)."""
        return self._require_mirror("mlflow_run_id()").run_id(self, run_id)

    def close(self) -> None:
        with self._lock:
            self._engine.dispose()

    def __enter__(self) -> "SqliteBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, statement: sa.Executable) -> list[Any]:
        with self._lock, self._engine.connect() as conn:
            return list(conn.execute(statement))

    # --- experiments -------------------------------------------------------------------------
    def create_experiment(self, name: str, config: Any = None) -> str:
        """A new experiment named ``name`` with an optional JSON-serializable ``config``; returns its id."""
        _check_key("`name`", name)
        if self._mirror is not None:
            self._mirror.check_experiment_name(name)
        try:
            config_json = None if config is None else json.dumps(config, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"experiment {name!r}: `config` must be JSON-serializable: {exc}") from None
        exp_id = uuid.uuid4().hex
        with self._lock, self._engine.begin() as conn:
            conn.execute(sa.insert(_experiments).values(id=exp_id, name=name, config=config_json,
                                                        created_at=time.time()))
        if self._mirror is not None:
            self._mirror.experiment_created(self, exp_id)
        return exp_id

    def get_experiment(self, experiment_id: str) -> Experiment:
        rows = self._read(sa.select(_experiments).where(_experiments.c.id == experiment_id))
        if not rows:
            raise TrackingError(f"unknown experiment id {experiment_id!r}")
        exp_id, name, config, created = rows[0]
        return Experiment(exp_id, name, None if config is None else json.loads(config), created)

    def list_experiments(self) -> list[Experiment]:
        """All experiments, oldest first."""
        rows = self._read(sa.select(_experiments).order_by(_experiments.c.created_at, sa.literal_column("rowid")))
        return [Experiment(i, n, None if c is None else json.loads(c), t) for i, n, c, t in rows]

    # --- runs --------------------------------------------------------------------------------
    def create_run(self, experiment_id: str) -> str:
        """A new Pending run in experiment ``experiment_id``; returns its id."""
        self.get_experiment(experiment_id)
        run_id = uuid.uuid4().hex
        with self._lock, self._engine.begin() as conn:
            conn.execute(sa.insert(_runs).values(id=run_id, experiment_id=experiment_id,
                                                 status=RunStatus.Pending.value, created_at=time.time()))
        if self._mirror is not None:
            self._mirror.run_created(self, run_id)
        return run_id

    def get_run(self, run_id: str) -> Run:
        rows = self._read(sa.select(_runs).where(_runs.c.id == run_id))
        if not rows:
            raise TrackingError(f"unknown run id {run_id!r}")
        rid, exp_id, status, created, start, end = rows[0]
        return Run(rid, exp_id, RunStatus(status), created, start, end)

    def list_runs(self, experiment_id: str) -> list[Run]:
        """The runs of an experiment, oldest first."""
        self.get_experiment(experiment_id)
        rows = self._read(sa.select(_runs).where(_runs.c.experiment_id == experiment_id)
                          .order_by(_runs.c.created_at, sa.literal_column("rowid")))
        return [Run(r[0], r[1], RunStatus(r[2]), r[3], r[4], r[5]) for r in rows]

    def _move(self, run_id: str, to: RunStatus, allowed_from: RunStatus, time_column: str) -> None:
        """Change a run's status, atomically checking that it is in ``allowed_from``."""
        with self._lock, self._engine.begin() as conn:
            moved = conn.execute(
                sa.update(_runs).where(_runs.c.id == run_id, _runs.c.status == allowed_from.value)
                .values({_runs.c.status: to.value, _runs.c[time_column]: time.time()})).rowcount
        if moved == 0:
            status = self.get_run(run_id).status
            raise TrackingError(
                f"run {run_id!r} is {status.value}; only a {allowed_from.value} run can become {to.value}")

    def start_run(self, run_id: str) -> None:
        """Mark a Pending run Running (params and metrics can be logged from now on)."""
        self._move(run_id, RunStatus.Running, RunStatus.Pending, "start_time")
        if self._mirror is not None:
            self._mirror.run_started(self, run_id)

    def complete_run(self, run_id: str, status: RunStatus) -> None:
        """End a Running run with a final status (Success, Failed or Cancelled)."""
        if not isinstance(status, RunStatus) or not status.is_final():
            raise ValueError(f"`status` must be RunStatus.Success, Failed or Cancelled, got {status!r}")
        self._move(run_id, status, RunStatus.Running, "end_time")
        if self._mirror is not None:
            self._mirror.run_completed(self, run_id)

    @staticmethod
    def _check_running(conn: sa.Connection, run_id: str) -> None:
        """Inside a write: the run exists and is Running, else TrackingError."""
        status = conn.execute(sa.select(_runs.c.status).where(_runs.c.id == run_id)).scalar()
        if status is None:
            raise TrackingError(f"unknown run id {run_id!r}")
        if status != RunStatus.Running.value:
            raise TrackingError(f"run {run_id!r} is {status}; log to it between start_run and complete_run")

    # --- params and metrics ------------------------------------------------------------------
    def log_param(self, run_id: str, key: str, value: Any) -> None:
        """Record hyperparameter ``key`` of a Running run (str, bool, int, float or None)."""
        _check_key("param key", key)
        stored = _param_json(key, value)
        if self._mirror is not None:
            self._mirror.check_param_key(key)
        with self._lock, self._engine.begin() as conn:
            self._check_running(conn, run_id)
            old = conn.execute(sa.select(_params.c.value).where(_params.c.run_id == run_id,
                                                                 _params.c.key == key)).scalar()
            if old is None:
                conn.execute(sa.insert(_params).values(run_id=run_id, key=key, value=stored))
            elif old != stored:
                raise TrackingError(f"param {key!r} of run {run_id!r} is already {json.loads(old)!r}; "
                                    f"it cannot change to {value!r}")
        if self._mirror is not None:
            self._mirror.param_logged(self, run_id, key, json.loads(stored))

    def get_params(self, run_id: str) -> dict[str, Any]:
        self.get_run(run_id)
        rows = self._read(sa.select(_params.c.key, _params.c.value).where(_params.c.run_id == run_id)
                          .order_by(_params.c.key))
        return {k: json.loads(v) for k, v in rows}

    def log_metric(self, run_id: str, key: str, step: int, value: float) -> None:
        """Record metric ``key`` at ``step`` of a Running run (once per key and step).

        NaN and infinities are kept, as :meth:`parzen.Trial.report` keeps them: a diverged run.
        """
        _check_key("metric key", key)
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"metric {key!r}: `step` must be an int >= 0, got {step!r}")
        if not isinstance(value, bool) and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            value = value.item()  # numpy scalars
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"metric {key!r}: `value` must be a number, got {value!r}")
        if self._mirror is not None:
            self._mirror.check_metric_key(key)
        stamp = time.time()
        with self._lock, self._engine.begin() as conn:
            self._check_running(conn, run_id)
            taken = conn.execute(sa.select(_metrics.c.step).where(
                _metrics.c.run_id == run_id, _metrics.c.key == key, _metrics.c.step == int(step))).first()
            if taken is not None:
                raise TrackingError(f"metric {key!r} of run {run_id!r} already has a value at step {step}")
            conn.execute(sa.insert(_metrics).values(run_id=run_id, key=key, step=int(step), value=float(value),
                                                    timestamp=stamp))
        if self._mirror is not None:
            self._mirror.metric_logged(self, run_id, key, int(step), float(value), stamp)

    def get_metrics(self, run_id: str, key: str) -> list[MetricPoint]:
        """The values of metric ``key`` of a run, by step (NaN where a NaN was logged)."""
        self.get_run(run_id)
        rows = self._read(sa.select(_metrics.c.step, _metrics.c.value, _metrics.c.timestamp)
                          .where(_metrics.c.run_id == run_id, _metrics.c.key == key).order_by(_metrics.c.step))
        return [MetricPoint(step, math.nan if value is None else value, stamp) for step, value, stamp in rows]

    def metric_keys(self, run_id: str) -> list[str]:
        self.get_run(run_id)
        rows = self._read(sa.select(_metrics.c.key).where(_metrics.c.run_id == run_id).distinct()
                          .order_by(_metrics.c.key))
        return [r[0] for r in rows]
