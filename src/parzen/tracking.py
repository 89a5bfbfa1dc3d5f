"""Experiment tracking on SQLite: experiments, runs, their parameters and metrics (entrenar's ``SqliteBackend``).

This is a record of what was trained, separate from a study's storage: a study keeps what the
optimizer needs, a tracking database keeps what a person wants to look up later (and may hold runs
that no optimizer produced). One file, standard-library ``sqlite3``, one transaction per write, so
a crash never leaves half a record. Safe to share between threads.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import numbers
import os
import sqlite3
import threading
import time
import uuid
from typing import Any

__all__ = ["Experiment", "MetricPoint", "Run", "RunStatus", "SqliteBackend", "TrackingError"]

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, config TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    status TEXT NOT NULL, created_at REAL NOT NULL, start_time REAL, end_time REAL);
CREATE TABLE IF NOT EXISTS params (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (run_id, key));
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT NOT NULL, step INTEGER NOT NULL,
    value REAL NOT NULL, timestamp REAL NOT NULL, PRIMARY KEY (run_id, key, step));
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs (experiment_id, created_at);
"""


class TrackingError(Exception):
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

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._conn = connection
        self._path = path
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "SqliteBackend":
        """Open (creating if needed) the tracking database at ``path`` (``":memory:"`` for a throwaway one)."""
        path = os.fspath(path)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, _SCHEMA_VERSION):
            conn.close()
            raise TrackingError(f"{path!r} has tracking schema version {version}; this parzen reads {_SCHEMA_VERSION}")
        conn.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;")
        return cls(conn, path)

    @property
    def path(self) -> str:
        return self._path

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "SqliteBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        """One statement, committed on its own (the connection is in autocommit mode)."""
        with self._lock:
            return self._conn.execute(sql, args)

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    # --- experiments -------------------------------------------------------------------------
    def create_experiment(self, name: str, config: Any = None) -> str:
        """A new experiment named ``name`` with an optional JSON-serializable ``config``; returns its id."""
        _check_key("`name`", name)
        try:
            config_json = None if config is None else json.dumps(config, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"experiment {name!r}: `config` must be JSON-serializable: {exc}") from None
        exp_id = uuid.uuid4().hex
        self._write("INSERT INTO experiments VALUES (?, ?, ?, ?)", (exp_id, name, config_json, time.time()))
        return exp_id

    def get_experiment(self, experiment_id: str) -> Experiment:
        rows = self._read("SELECT id, name, config, created_at FROM experiments WHERE id = ?", (experiment_id,))
        if not rows:
            raise TrackingError(f"unknown experiment id {experiment_id!r}")
        exp_id, name, config, created = rows[0]
        return Experiment(exp_id, name, None if config is None else json.loads(config), created)

    def list_experiments(self) -> list[Experiment]:
        """All experiments, oldest first."""
        rows = self._read("SELECT id FROM experiments ORDER BY created_at, rowid")
        return [self.get_experiment(r[0]) for r in rows]

    # --- runs --------------------------------------------------------------------------------
    def create_run(self, experiment_id: str) -> str:
        """A new Pending run in experiment ``experiment_id``; returns its id."""
        self.get_experiment(experiment_id)
        run_id = uuid.uuid4().hex
        self._write("INSERT INTO runs (id, experiment_id, status, created_at) VALUES (?, ?, ?, ?)",
                    (run_id, experiment_id, RunStatus.Pending.value, time.time()))
        return run_id

    def get_run(self, run_id: str) -> Run:
        rows = self._read("SELECT id, experiment_id, status, created_at, start_time, end_time FROM runs WHERE id = ?",
                          (run_id,))
        if not rows:
            raise TrackingError(f"unknown run id {run_id!r}")
        rid, exp_id, status, created, start, end = rows[0]
        return Run(rid, exp_id, RunStatus(status), created, start, end)

    def list_runs(self, experiment_id: str) -> list[Run]:
        """The runs of an experiment, oldest first."""
        self.get_experiment(experiment_id)
        rows = self._read("SELECT id FROM runs WHERE experiment_id = ? ORDER BY created_at, rowid", (experiment_id,))
        return [self.get_run(r[0]) for r in rows]

    def _move(self, run_id: str, to: RunStatus, allowed_from: RunStatus, time_column: str) -> None:
        """Change a run's status, atomically checking that it is in ``allowed_from``."""
        cur = self._write(f"UPDATE runs SET status = ?, {time_column} = ? WHERE id = ? AND status = ?",
                          (to.value, time.time(), run_id, allowed_from.value))
        if cur.rowcount == 0:
            status = self.get_run(run_id).status
            raise TrackingError(
                f"run {run_id!r} is {status.value}; only a {allowed_from.value} run can become {to.value}")

    def start_run(self, run_id: str) -> None:
        """Mark a Pending run Running (params and metrics can be logged from now on)."""
        self._move(run_id, RunStatus.Running, RunStatus.Pending, "start_time")

    def complete_run(self, run_id: str, status: RunStatus) -> None:
        """End a Running run with a final status (Success, Failed or Cancelled)."""
        if not isinstance(status, RunStatus) or not status.is_final():
            raise ValueError(f"`status` must be RunStatus.Success, Failed or Cancelled, got {status!r}")
        self._move(run_id, status, RunStatus.Running, "end_time")

    def _check_running(self, run_id: str) -> None:
        status = self.get_run(run_id).status
        if status != RunStatus.Running:
            raise TrackingError(f"run {run_id!r} is {status.value}; log to it between start_run and complete_run")

    # --- params and metrics ------------------------------------------------------------------
    def log_param(self, run_id: str, key: str, value: Any) -> None:
        """Record hyperparameter ``key`` of a Running run (str, bool, int, float or None)."""
        _check_key("param key", key)
        stored = _param_json(key, value)
        self._check_running(run_id)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute("SELECT value FROM params WHERE run_id = ? AND key = ?",
                                         (run_id, key)).fetchone()
                if row is None:
                    self._conn.execute("INSERT INTO params VALUES (?, ?, ?)", (run_id, key, stored))
                elif row[0] != stored:
                    raise TrackingError(f"param {key!r} of run {run_id!r} is already {json.loads(row[0])!r}; "
                                        f"it cannot change to {value!r}")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def get_params(self, run_id: str) -> dict[str, Any]:
        self.get_run(run_id)
        return {k: json.loads(v) for k, v in self._read("SELECT key, value FROM params WHERE run_id = ? ORDER BY key",
                                                        (run_id,))}

    def log_metric(self, run_id: str, key: str, step: int, value: float) -> None:
        """Record metric ``key`` at ``step`` of a Running run (once per key and step)."""
        _check_key("metric key", key)
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"metric {key!r}: `step` must be an int >= 0, got {step!r}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
            raise ValueError(f"metric {key!r}: `value` must be a number (not NaN), got {value!r}")
        self._check_running(run_id)
        try:
            self._write("INSERT INTO metrics VALUES (?, ?, ?, ?, ?)",
                        (run_id, key, int(step), float(value), time.time()))
        except sqlite3.IntegrityError:
            raise TrackingError(f"metric {key!r} of run {run_id!r} already has a value at step {step}") from None

    def get_metrics(self, run_id: str, key: str) -> list[MetricPoint]:
        """The values of metric ``key`` of a run, by step."""
        self.get_run(run_id)
        rows = self._read(
            "SELECT step, value, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step", (run_id, key))
        return [MetricPoint(*r) for r in rows]

    def metric_keys(self, run_id: str) -> list[str]:
        self.get_run(run_id)
        return [r[0] for r in self._read("SELECT DISTINCT key FROM metrics WHERE run_id = ? ORDER BY key", (run_id,))]
