"""SQL storage: studies in a database that many threads, processes and machines share.

Built on SQLAlchemy Core. Two targets: SQLite files (``sqlite:///path.db``) for one machine, and
PostgreSQL (``postgresql+psycopg://user:password@host:port/db``, psycopg 3) for workers on many;
the SQL is portable, so other SQLAlchemy URLs may work too.

Design:

* Every write is one short transaction, so a crash never leaves half a trial behind. On
  SQLite, writes start with ``BEGIN IMMEDIATE``: a writer takes the lock up front instead of
  upgrading a read lock, which is what makes concurrent writers fail with "database is
  locked". Reads use a plain ``BEGIN`` and, with the WAL journal, never wait for writers.
* Trial numbers come from a counter in the study's row (``studies.next_number``), raised by the
  transaction that inserts the trial: the update locks the row until the commit (SQLite's write lock
  covers it), with a unique constraint on ``(study_id, number)`` and a retry for databases without
  row locks. A number is only ever inserted after every smaller one has been committed, which the
  trial cache relies on.
* On PostgreSQL every statement is a round trip, and so are BEGIN and COMMIT. Connections run
  autocommit there: reads lose nothing by it under READ COMMITTED, and the writes of a trial's life
  (taking it from the queue, its creation, parameters, intermediate values, attributes, heartbeats,
  its finish, which also returns its record) are one statement each, one transaction each, guarded by
  the trial's state (``_PgWrites``); whatever they do not cover (an unknown or finished trial, a
  WAITING one) goes through the transactional path. The statements that start a trial also read the
  count of finished trials that the samplers check next (``_start_counts``).
* Finished trials never change, so each storage object caches them. ``get_all_trials`` reads
  only trials with a number it has not seen and those that were unfinished last time, so its
  cost does not grow with the size of the study; on PostgreSQL the study's waiting version, its new
  trials and their rows come in one statement.
* Transient failures (the server restarting, a dropped connection, a file locked too long) are
  retried with backoff for ``retry_timeout`` seconds (:mod:`parzen.storages._retry`). On a server,
  writes that must not repeat record their result under a request token (``_write_once``), so a
  retry after a lost acknowledgement does not write twice.
* Heartbeats are stamped and compared by the database's clock (``_server_clock``).
* An SQLite file is opened only when it is empty or parzen's, and created only by ``create_study``.
  The schema version is checked on open: an older schema is upgraded (``_MIGRATIONS``), or, over a
  read-only connection, read as it is (``_OLD_READS``); a newer one is refused without a write.
* The statements used for every trial are built once, at import (or, where they depend on the
  database, when the storage opens): building a statement costs more than running a small one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import importlib.metadata
import itertools
import json
import math
import numbers
import os
import sqlite3
import threading
import time
import urllib.parse
import uuid
import weakref
from collections import defaultdict
from typing import Any, Callable, Container, Iterable, Iterator, Mapping, Sequence

import sqlalchemy as sa

from parzen.exceptions import (
    DuplicatedStudyError,
    SchemaVersionError,
    StorageError,
    StudyNotFoundError,
    TrialFinishedError,
)
from parzen.space import Distribution, Int, distribution_to_dict
from parzen.storages._base import BaseStorage, StudySummary, TrialTemplate
from parzen.storages._cache import StudyCache as _StudyCache
from parzen.storages._cache import parse_distribution as _parse_distribution
from parzen.storages._retry import (
    DEFAULT_RETRY_TIMEOUT_S,
    check_retry_timeout,
    finish_idempotently,
    hide_password,
    retried,
    retry_transient,
)
from parzen.storages._start_counts import StartCounts
from parzen.storages._urls import check_sql_url
from parzen.trial import FAIL_REASON_ATTR, FrozenTrial, TrialState

SCHEMA_VERSION = 3
"""Version of the table layout below; bump it whenever the layout changes (and add a migration).

Version 2 added ``trial_heartbeats``, ``request_results``, ``trial_params.exact_value`` and
``studies.waiting_version``; version 3 added ``studies.next_number``. An older database is
upgraded on open (see ``_MIGRATIONS``)."""

_SQLITE_BUSY_TIMEOUT_S = 60.0
_MAX_NUMBER_RETRIES = 50
# Longest IN (...) list sent at once, well below SQLite's limit on bound parameters.
_IN_CHUNK = 500
# Words of connection errors that waiting does not fix (PostgreSQL reports them without an SQLSTATE).
_LASTING_ERRORS = ("does not exist", "authentication failed", "no pg_hba.conf entry", "permission denied",
                   "password")
# A request's recorded result outlives retry_timeout by this many seconds; old ones are deleted every
# so many once-only writes of a storage object.
_REQUEST_MARGIN_S = 60.0
_FORGET_REQUESTS_EVERY = 500
# Key of the PostgreSQL advisory lock held while the schema is created or upgraded ("parzen").
_SCHEMA_LOCK_KEY = 0x7061727A656E
# How long the count of finished trials read when a trial starts answers that thread's get_n_trials
# (PostgreSQL; see _start_counts): the checks of a sampler follow the start within milliseconds.
_START_COUNT_TTL_S = 1.0
# Execution option that marks connections of the writing engine (see _on_sqlite_begin).
_WRITE_OPTION = "parzen_write"

# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------
_metadata = sa.MetaData()

_version_info = sa.Table(
    "version_info", _metadata,
    sa.Column("version_info_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("library_version", sa.String(256), nullable=False),
)

# ``sqlite_autoincrement`` keeps SQLite from reusing the ids of deleted rows, which would
# otherwise let a cache in another process mistake a new study or trial for an old one.
_studies = sa.Table(
    "studies", _metadata,
    sa.Column("study_id", sa.Integer, primary_key=True),
    sa.Column("study_name", sa.String(512), nullable=False, unique=True),
    sa.Column("directions", sa.Text, nullable=False),
    # Raised with every change to a WAITING trial of the study, so readers know when to read them again.
    sa.Column("waiting_version", sa.Integer, nullable=False, server_default=sa.text("0")),
    # The number of the study's next trial: one statement takes it and raises it, under the row's lock.
    sa.Column("next_number", sa.Integer, nullable=False, server_default=sa.text("0")),
    sqlite_autoincrement=True,
)

_trials = sa.Table(
    "trials", _metadata,
    sa.Column("trial_id", sa.Integer, primary_key=True),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.study_id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.Integer, nullable=False),
    sa.Column("datetime_start", sa.DateTime, nullable=True),
    sa.Column("datetime_complete", sa.DateTime, nullable=True),
    sa.UniqueConstraint("study_id", "number"),
    # Serves pop_waiting_trial and state-filtered counts without scanning the study.
    sa.Index("ix_trials_study_state_number", "study_id", "state", "number"),
    sqlite_autoincrement=True,
)


def _attr_table(name: str, owner: sa.Column) -> sa.Table:
    """A table of JSON-encoded attributes, one row per (owner, key)."""
    return sa.Table(
        name, _metadata,
        sa.Column("attr_id", sa.Integer, primary_key=True),
        sa.Column(owner.name, sa.Integer, sa.ForeignKey(owner), nullable=False),
        sa.Column("attr_key", sa.String(512), nullable=False),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.UniqueConstraint(owner.name, "attr_key"),
    )


_study_user_attrs = _attr_table("study_user_attrs", _studies.c.study_id)
_study_system_attrs = _attr_table("study_system_attrs", _studies.c.study_id)
_trial_user_attrs = _attr_table("trial_user_attrs", _trials.c.trial_id)
_trial_system_attrs = _attr_table("trial_system_attrs", _trials.c.trial_id)

_claims = sa.Table(
    "claims", _metadata,
    sa.Column("claim_id", sa.Integer, primary_key=True),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.study_id"), nullable=False),
    sa.Column("claim_key", sa.Text, nullable=False),
    sa.UniqueConstraint("study_id", "claim_key"),
)

_trial_params = sa.Table(
    "trial_params", _metadata,
    sa.Column("param_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("param_name", sa.String(512), nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("distribution_json", sa.Text, nullable=False),
    # The exact decimal text of an integer parameter, which a double holds exactly only up to 2**53.
    sa.Column("exact_value", sa.Text, nullable=True),
    sa.UniqueConstraint("trial_id", "param_name"),
)

# Value columns are nullable because SQLite stores NaN as NULL; NULL reads back as NaN.
_trial_values = sa.Table(
    "trial_values", _metadata,
    sa.Column("trial_value_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("objective", sa.Integer, nullable=False),
    sa.Column("value", sa.Double, nullable=True),
    sa.UniqueConstraint("trial_id", "objective"),
)

_trial_intermediate_values = sa.Table(
    "trial_intermediate_values", _metadata,
    sa.Column("intermediate_value_id", sa.Integer, primary_key=True),
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("value", sa.Double, nullable=True),
    sa.UniqueConstraint("trial_id", "step"),
)

# The last heartbeat of a running trial, in seconds since the epoch by the database's clock.
_trial_heartbeats = sa.Table(
    "trial_heartbeats", _metadata,
    sa.Column("trial_id", sa.Integer, sa.ForeignKey("trials.trial_id"), primary_key=True, autoincrement=False),
    sa.Column("heartbeat", sa.Double, nullable=False),
)

# The result of each recent once-only write on a server database, by the request's token (see _write_once).
_request_results = sa.Table(
    "request_results", _metadata,
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("result_json", sa.Text, nullable=False),
    sa.Column("created", sa.Double, nullable=False),
    sa.Index("ix_request_results_created", "created"),
)

_TRIAL_CHILD_TABLES = (_trial_params, _trial_values, _trial_intermediate_values,
                       _trial_user_attrs, _trial_system_attrs, _trial_heartbeats)


# ---------------------------------------------------------------------------------------------
# Prepared statements
# ---------------------------------------------------------------------------------------------
class _KeyedRows:
    """Insert and replace statements for a table of rows keyed by (owner, key)."""

    def __init__(self, table: sa.Table, owner: str, key: str) -> None:
        self.table = table
        self.owner = owner
        self.insert = sa.insert(table)
        self.delete = sa.delete(table).where(
            table.c[owner] == sa.bindparam("owner_id"),
            table.c[key].in_(sa.bindparam("keys", expanding=True)),
        )
        self.key = key

    def add(self, conn: sa.Connection, owner_id: int, rows: list[dict[str, Any]]) -> None:
        """Insert rows (given without the owner id) that belong to ``owner_id``."""
        if rows:
            conn.execute(self.insert, [{**row, self.owner: owner_id} for row in rows])

    def put(self, conn: sa.Connection, owner_id: int, rows: list[dict[str, Any]]) -> None:
        """Insert rows, replacing those with the same key (portable: delete, then insert)."""
        if rows:
            conn.execute(self.delete, {"owner_id": owner_id, "keys": [row[self.key] for row in rows]})
            self.add(conn, owner_id, rows)


_PARAMS = _KeyedRows(_trial_params, "trial_id", "param_name")
_VALUES = _KeyedRows(_trial_values, "trial_id", "objective")
_INTERMEDIATE = _KeyedRows(_trial_intermediate_values, "trial_id", "step")
_TRIAL_USER_ATTRS = _KeyedRows(_trial_user_attrs, "trial_id", "attr_key")
_TRIAL_SYSTEM_ATTRS = _KeyedRows(_trial_system_attrs, "trial_id", "attr_key")
_STUDY_USER_ATTRS = _KeyedRows(_study_user_attrs, "study_id", "attr_key")
_STUDY_SYSTEM_ATTRS = _KeyedRows(_study_system_attrs, "study_id", "attr_key")


# PostgreSQL: the writes of a running trial in one statement each. Over a network every statement is a
# round trip, and so are BEGIN and COMMIT; one statement run autocommit is still one atomic transaction.
# Each statement writes through a lock on the trial's row taken only while the trial is RUNNING (a writer
# that finishes the trial waits for it, and a statement that waited for a finish reads the row again and
# writes nothing). A write of the trial's rows takes it by an update that changes nothing but gives the row
# a new version, which is how the finish (see _PgWrites.finish_running) learns that a write committed after
# its snapshot; the heartbeat, which no trial record holds, takes a shared lock. When such a statement
# writes nothing, the transactional path runs and says why (unknown or finished trial) or handles the rare
# case (a WAITING trial).
_PG_RUNNING_TRIAL = (f"(SELECT trial_id FROM trials WHERE trial_id = :tid AND state = {int(TrialState.RUNNING)} "
                     "FOR SHARE) AS t")
_PG_TOUCH_RUNNING_TRIAL = (f"WITH t AS (UPDATE trials SET state = state WHERE trial_id = :tid AND state = "
                           f"{int(TrialState.RUNNING)} RETURNING trial_id) ")


def _pg_rows_source(rows_of: _KeyedRows, prefix: str = "") -> str:
    """``unnest`` of one array parameter per column (named ``prefix`` + column, see :func:`_pg_arrays`):
    any number of rows in a statement of fixed text."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    columns = _pg_columns(rows_of)
    arrays = ", ".join(f"CAST(:{prefix}{name} AS {rows_of.table.c[name].type.compile(dialect=dialect)}[])"
                       for name in columns)
    return f"unnest({arrays}) AS r({', '.join(columns)})"


def _pg_columns(rows_of: _KeyedRows) -> list[str]:
    """The columns of a row as the storage writes it: all but the row's own id and its owner."""
    return [name for name, _ in _pg_column_kinds(rows_of)]


@functools.cache
def _pg_column_kinds(rows_of: _KeyedRows) -> tuple[tuple[str, bool], ...]:
    """``(name, is_float)`` of each of :func:`_pg_columns`, looked up once per table."""
    return tuple((c.name, isinstance(c.type, sa.Double)) for c in rows_of.table.c
                 if not c.primary_key and c.name != rows_of.owner)


def _pg_insert_into_trial(rows_of: _KeyedRows, trial: str, prefix: str = "", replace: bool = True) -> str:
    """Insert rows for the trial that ``trial`` (a FROM item with column trial_id) yields, with ``replace``
    replacing those with the same key; the columns come as arrays (see :func:`_pg_rows_source`)."""
    columns = _pg_columns(rows_of)
    kept = [name for name in columns if name != rows_of.key]
    return (f"INSERT INTO {rows_of.table.name} ({rows_of.owner}, {', '.join(columns)}) "
            f"SELECT t.trial_id, {', '.join(f'r.{name}' for name in columns)} "
            f"FROM {trial}, {_pg_rows_source(rows_of, prefix)}"
            + (f" ON CONFLICT ({rows_of.owner}, {rows_of.key}) DO UPDATE SET "
               + ", ".join(f"{name} = EXCLUDED.{name}" for name in kept) if replace else ""))


# The count of the study's finished trials (numbers are dense: all of them less the open ones), read by the
# statements that start a trial, which serves the samplers' check at the start (see _start_counts).
_PG_FINISHED_COUNT = ("((SELECT coalesce(max(number) + 1, 0) FROM trials WHERE study_id = :sid) - "
                      "(SELECT count(*) FROM trials WHERE study_id = :sid AND state IN "
                      f"({int(TrialState.RUNNING)}, {int(TrialState.WAITING)})))")


def _pg_arrays(rows_of: _KeyedRows, rows: list[dict[str, Any]], prefix: str = "") -> dict[str, list[Any]]:
    """The array parameters of :func:`_pg_rows_source` for ``rows``, floats as floats (a list that
    mixes ints and floats has no one array type)."""
    out: dict[str, list[Any]] = {}
    for name, is_float in _pg_column_kinds(rows_of):
        out[prefix + name] = [None if row[name] is None else float(row[name]) if is_float else row[name]
                              for row in rows]
    return out


def _pg_take_waiting(clock: str, skip_locked: bool) -> sa.TextClause:
    """The statement that takes a WAITING trial (see _PgWrites.take_waiting)."""
    waiting, running = int(TrialState.WAITING), int(TrialState.RUNNING)
    return sa.text(
        "WITH c AS (SELECT trial_id FROM trials WHERE study_id = :sid AND state = "
        f"{waiting} ORDER BY number LIMIT 1 FOR NO KEY UPDATE{' SKIP LOCKED' if skip_locked else ''}), "
        f"t AS (UPDATE trials SET state = {running}, datetime_start = CAST(:now AS TIMESTAMP WITHOUT TIME ZONE) "
        f"FROM c WHERE trials.trial_id = c.trial_id AND trials.state = {waiting} RETURNING trials.trial_id), "
        "v AS (UPDATE studies SET waiting_version = waiting_version + 1 "
        "WHERE study_id = :sid AND EXISTS (SELECT 1 FROM t)), "
        f"h AS (INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT trial_id, {clock} FROM t "
        "WHERE CAST(:beat AS BOOLEAN) ON CONFLICT (trial_id) DO UPDATE SET heartbeat = EXCLUDED.heartbeat), "
        "q AS (INSERT INTO request_results (token, result_json, created) "
        f"SELECT :token, CAST(trial_id AS TEXT), {clock} FROM t) "
        "SELECT (SELECT trial_id FROM t), "
        f"EXISTS (SELECT 1 FROM trials WHERE study_id = :sid AND state = {waiting}), {_PG_FINISHED_COUNT} "
        "FROM studies WHERE study_id = :sid")


class _PgWrites:
    """The one-statement writes, built when the first PostgreSQL storage opens (see _pg_writes)."""

    def __init__(self, clock: str) -> None:
        # A new trial, its number taken from the study's counter, whose row stays locked until the
        # statement commits; its rows, its first heartbeat if asked for and the request's result (see
        # _write_once) go in with it. For an unknown study it inserts nothing (and the transactional path
        # says so).
        self.insert_trial = sa.text(
            "WITH n AS (UPDATE studies SET next_number = next_number + 1 WHERE study_id = :sid "
            "RETURNING study_id, next_number - 1 AS number), "
            "t AS (INSERT INTO trials (study_id, number, state, datetime_start) "
            "SELECT study_id, number, CAST(:state AS INTEGER), CAST(:start AS TIMESTAMP WITHOUT TIME ZONE) FROM n "
            "RETURNING trial_id, number), "
            f"p AS ({_pg_insert_into_trial(_PARAMS, 't', 'p_', replace=False)}), "
            f"u AS ({_pg_insert_into_trial(_TRIAL_USER_ATTRS, 't', 'u_', replace=False)}), "
            f"s AS ({_pg_insert_into_trial(_TRIAL_SYSTEM_ATTRS, 't', 's_', replace=False)}), "
            f"h AS (INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT trial_id, {clock} FROM t "
            "WHERE CAST(:beat AS BOOLEAN)), "
            "q AS (INSERT INTO request_results (token, result_json, created) "
            f"SELECT :token, '[' || trial_id || ', ' || number || ']', {clock} FROM t) "
            f"SELECT trial_id, number, {_PG_FINISHED_COUNT} FROM t")
        # Take the oldest WAITING trial, raise the study's waiting version, record its first heartbeat (when
        # :beat) and the request's result, all only if one was taken; return the taken id (or NULL), whether
        # the statement's snapshot saw a WAITING trial and the count of finished trials. No row: no such study.
        # The first variant passes over a trial that another statement holds locked (a worker taking it), so
        # concurrent workers take different trials; the second waits for the lock, for when every WAITING
        # trial was locked: once it is released the trial is taken, or, taken by another, it is left out and
        # the caller looks again.
        self.take_waiting = {skip: _pg_take_waiting(clock, skip) for skip in (True, False)}
        self.put_running = {
            id(rows_of): sa.text(_PG_TOUCH_RUNNING_TRIAL + _pg_insert_into_trial(rows_of, "t"))
            for rows_of in (_PARAMS, _INTERMEDIATE, _TRIAL_USER_ATTRS, _TRIAL_SYSTEM_ATTRS)
        }
        # Finish a RUNNING trial: state, values, system attributes and the end of its heartbeat; return the
        # trial's row beside each of its other rows as the statement's snapshot holds them (one row of NULL
        # child fields if it has none). The values and attributes it writes are not in that snapshot: the
        # caller adds them. A write of the trial's rows that committed after the snapshot gave the trial's
        # row a new version (see _PG_TOUCH_RUNNING_TRIAL), whose xmin differs from the snapshot's: the update
        # then leaves the row alone, returns nothing, and the transactional path finishes the trial.
        from sqlalchemy.dialects import postgresql

        children = _children_query(sa.select(sa.column("trial_id")).select_from(sa.table("t")))
        self.finish_running = sa.text(
            "WITH t AS (UPDATE trials SET state = :new_state, datetime_complete = :now "
            f"WHERE trial_id = :tid AND state = {int(TrialState.RUNNING)} "
            "AND xmin = (SELECT xmin FROM trials WHERE trial_id = :tid) "
            "RETURNING study_id, trial_id, number, state, datetime_start, datetime_complete), "
            "v AS (INSERT INTO trial_values (trial_id, objective, value) SELECT t.trial_id, r.objective, r.value "
            f"FROM t, {_pg_rows_source(_VALUES)}), "
            f"a AS ({_pg_insert_into_trial(_TRIAL_SYSTEM_ATTRS, 't')}), "
            "h AS (DELETE FROM trial_heartbeats WHERE trial_id IN (SELECT trial_id FROM t)) "
            "SELECT t.study_id, t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete, c.* "
            f"FROM t LEFT JOIN ({children.compile(dialect=postgresql.dialect())}) AS c ON true "
            "ORDER BY c.kind, c.ord")
        self.beat_running = sa.text(
            f"INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT t.trial_id, {clock} FROM {_PG_RUNNING_TRIAL} "
            "ON CONFLICT (trial_id) DO UPDATE SET heartbeat = EXCLUDED.heartbeat")


@functools.lru_cache(maxsize=1)
def _pg_writes() -> _PgWrites:
    from sqlalchemy.dialects import postgresql

    clock = _server_clock("postgresql").compile(dialect=postgresql.dialect())
    return _PgWrites(str(clock))


_SELECT_REQUEST = sa.select(_request_results.c.result_json).where(_request_results.c.token == sa.bindparam("token"))

_SELECT_STUDY = sa.select(_studies.c.study_id).where(_studies.c.study_id == sa.bindparam("study_id"))

# Trial numbers of a study are handed out from a counter in its row, whose update locks the row until
# the commit, so that concurrent writers queue instead of colliding (SQLite's BEGIN IMMEDIATE locks
# everything). The update comes first; the number is read after it, in the same transaction. This
# update also moves the counter past any trial numbered without it (a writer of an older schema that
# still runs after an upgrade), so a collision is followed by a number that is free.
_AFTER_LAST_TRIAL = (sa.select(sa.func.coalesce(sa.func.max(_trials.c.number) + 1, 0))
                     .where(_trials.c.study_id == sa.bindparam("sid")).scalar_subquery())
_RAISE_NEXT_NUMBER = (sa.update(_studies).where(_studies.c.study_id == sa.bindparam("sid")).values(
    next_number=sa.case((_studies.c.next_number > _AFTER_LAST_TRIAL, _studies.c.next_number),
                        else_=_AFTER_LAST_TRIAL) + 1))
_SELECT_TAKEN_NUMBER = sa.select(_studies.c.next_number - 1).where(_studies.c.study_id == sa.bindparam("sid"))

_BUMP_WAITING_VERSION = (sa.update(_studies).where(_studies.c.study_id == sa.bindparam("sid"))
                         .values(waiting_version=_studies.c.waiting_version + 1))

# Trials in a span of numbers that are not WAITING (the index on study, state and number serves it).
_SELECT_NOT_WAITING = sa.select(_trials.c.number).where(
    _trials.c.study_id == sa.bindparam("study_id"),
    _trials.c.state.in_([int(s) for s in TrialState if s != TrialState.WAITING]),
    _trials.c.number.between(sa.bindparam("low"), sa.bindparam("high")),
)

_INSERT_TRIAL = sa.insert(_trials)

# The states that are not finished, as get_n_trials lists those left out of a count of the finished ones.
_OPEN_STATES = tuple(int(s) for s in TrialState if not s.is_finished())

_SELECT_OLDEST_WAITING = sa.select(
    _studies.c.study_id,
    sa.select(_trials.c.trial_id)
    .where(_trials.c.study_id == sa.bindparam("study_id"), _trials.c.state == int(TrialState.WAITING))
    .order_by(_trials.c.number).limit(1).scalar_subquery(),
).where(_studies.c.study_id == sa.bindparam("study_id"))

_TAKE_WAITING = (
    sa.update(_trials)
    .where(_trials.c.trial_id == sa.bindparam("tid"), _trials.c.state == int(TrialState.WAITING))
    .values(state=int(TrialState.RUNNING), datetime_start=sa.bindparam("now"))
)

# FOR UPDATE locks the row on databases with row locks; SQLite's BEGIN IMMEDIATE already
# holds the database lock, and SQLAlchemy leaves the clause out there.
_LOCK_TRIAL = (
    sa.select(_trials.c.study_id, _trials.c.state, _trials.c.number)
    .where(_trials.c.trial_id == sa.bindparam("trial_id"))
    .with_for_update()
)

_FINISH_TRIAL = (
    sa.update(_trials)
    .where(_trials.c.trial_id == sa.bindparam("tid"), _trials.c.state == sa.bindparam("old_state"))
    .values(state=sa.bindparam("new_state"), datetime_complete=sa.bindparam("now"))
)

# A new version of a trial's row, changing nothing (see _PG_TOUCH_RUNNING_TRIAL).
_TOUCH_TRIAL = sa.update(_trials).where(_trials.c.trial_id == sa.bindparam("tid")).values(state=_trials.c.state)

_DELETE_HEARTBEAT = sa.delete(_trial_heartbeats).where(_trial_heartbeats.c.trial_id == sa.bindparam("tid"))

_KIND_PARAM, _KIND_VALUE, _KIND_INTERMEDIATE, _KIND_USER_ATTR, _KIND_SYSTEM_ATTR = range(5)


def _children_query(trial_ids: sa.Select, schema: int = SCHEMA_VERSION) -> sa.CompoundSelect:
    """Everything stored about the trials in ``trial_ids``, from all child tables in one query.

    Rows are ``(trial_id, kind, order, name, index, number, text, exact)``; ``kind`` says which table
    a row comes from and the other columns are NULL where that table has no such field (``exact``
    everywhere in a ``schema`` 1 database, which has no exact values).
    """
    def part(kind: int, table: sa.Table, order: sa.ColumnElement[Any], name: Any = None,
             index: Any = None, number: Any = None, text: Any = None, exact: Any = None) -> sa.Select:
        def column(value: Any, type_: Any, label: str) -> sa.ColumnElement[Any]:
            return (value if value is not None else sa.cast(sa.null(), type_)).label(label)

        return sa.select(
            table.c.trial_id,
            sa.literal_column(str(kind), sa.Integer).label("kind"),
            order.label("ord"),
            column(name, sa.String(512), "name"),
            column(index, sa.Integer, "idx"),
            column(number, sa.Double, "num"),
            column(text, sa.Text, "payload"),
            column(exact, sa.Text, "exact"),
        ).where(table.c.trial_id.in_(trial_ids))

    p, v, iv = _trial_params.c, _trial_values.c, _trial_intermediate_values.c
    ua, sy = _trial_user_attrs.c, _trial_system_attrs.c
    return sa.union_all(
        part(_KIND_PARAM, _trial_params, p.param_id, name=p.param_name, number=p.value,
             text=p.distribution_json, exact=p.exact_value if schema >= 2 else None),
        part(_KIND_VALUE, _trial_values, v.objective, number=v.value),
        part(_KIND_INTERMEDIATE, _trial_intermediate_values, iv.intermediate_value_id, index=iv.step,
             number=iv.value),
        part(_KIND_USER_ATTR, _trial_user_attrs, ua.attr_id, name=ua.attr_key, text=ua.value_json),
        part(_KIND_SYSTEM_ATTR, _trial_system_attrs, sy.attr_id, name=sy.attr_key, text=sy.value_json),
    ).order_by(sa.literal_column("kind"), sa.literal_column("ord"))


def _float_or_nan(value: float | None) -> float:
    return math.nan if value is None else value


class _TrialLoader:
    """Reads whole trials selected by one condition on ``trials``, in two queries.

    The condition should be served by an index: it selects both the trial rows and, as a
    subquery, the rows of the child tables.
    """

    def __init__(self, condition: sa.ColumnElement[bool], schema: int = SCHEMA_VERSION) -> None:
        t = _trials.c
        self._trials = sa.select(t.study_id, t.trial_id, t.number, t.state, t.datetime_start,
                                 t.datetime_complete).where(condition)
        self._children = _children_query(sa.select(t.trial_id).where(condition), schema)

    def load(self, conn: sa.Connection, params: dict[str, Any]) -> list[tuple[int, FrozenTrial]]:
        """``(study_id, trial)`` for every matching trial."""
        return self.complete(conn, conn.execute(self._trials, params).all(), params)

    def complete(self, conn: sa.Connection, rows: Sequence[Any], params: dict[str, Any]) -> list[tuple[int, FrozenTrial]]:
        """``(study_id, trial)`` for trial rows ``(study_id, trial_id, number, state, datetime_start,
        datetime_complete)`` already read, the trials that ``params`` select."""
        if not rows:
            return []
        return _assemble_trials(rows, conn.execute(self._children, params))


def _assemble_trials(rows: Sequence[Any], children: Iterable[Sequence[Any]]) -> list[tuple[int, FrozenTrial]]:
    """``(study_id, trial)`` for trial rows ``(study_id, trial_id, number, state, datetime_start,
    datetime_complete)`` and the rows of their children (see :func:`_children_query`)."""
    values: defaultdict[int, list[float]] = defaultdict(list)
    fields: dict[int, defaultdict[int, dict[Any, Any]]] = {
        kind: defaultdict(dict)
        for kind in (_KIND_PARAM, _KIND_INTERMEDIATE, _KIND_USER_ATTR, _KIND_SYSTEM_ATTR)
    }
    distributions: defaultdict[int, dict[str, Distribution]] = defaultdict(dict)
    for tid, kind, _order, name, index, number, text, exact in children:
        if kind == _KIND_PARAM:
            dist = _parse_distribution(text)
            fields[kind][tid][name] = dist.from_storage(number) if exact is None else int(exact)
            distributions[tid][name] = dist
        elif kind == _KIND_VALUE:
            values[tid].append(_float_or_nan(number))
        elif kind == _KIND_INTERMEDIATE:
            fields[kind][tid][index] = _float_or_nan(number)
        else:
            fields[kind][tid][name] = json.loads(text)
    params_of, intermediate_of = fields[_KIND_PARAM], fields[_KIND_INTERMEDIATE]
    user_attrs_of, system_attrs_of = fields[_KIND_USER_ATTR], fields[_KIND_SYSTEM_ATTR]
    return [
        (study_id, FrozenTrial(
            number=number,
            trial_id=tid,
            state=TrialState(state),
            values=tuple(values[tid]) if tid in values else None,
            params=params_of.get(tid, {}),
            distributions=distributions.get(tid, {}),
            intermediate_values=intermediate_of.get(tid, {}),
            user_attrs=user_attrs_of.get(tid, {}),
            system_attrs=system_attrs_of.get(tid, {}),
            datetime_start=start,
            datetime_complete=complete,
        ))
        for study_id, tid, number, state, start, complete in rows
    ]


class _Reads:
    """The statements that read trials, for the current schema or, read-only, an older one."""

    def __init__(self, schema: int) -> None:
        t = _trials.c
        self.load_trial = _TrialLoader(t.trial_id == sa.bindparam("trial_id"), schema)
        self.load_from_number = _TrialLoader(
            sa.and_(t.study_id == sa.bindparam("study_id"), t.number >= sa.bindparam("number")), schema)
        self.load_numbers = _TrialLoader(
            sa.and_(t.study_id == sa.bindparam("study_id"), t.number.in_(sa.bindparam("numbers", expanding=True))),
            schema)
        # Schema 1 has no waiting version: its reads take the WAITING trials again every time.
        self.versioned = schema >= 2
        version = _studies.c.waiting_version if self.versioned else sa.literal(0)
        # The study's waiting version and its trials from a number on, in one statement: a read that finds
        # nothing new costs one round trip. A study without such trials yields one row of NULL trial fields.
        new_trials = sa.and_(t.study_id == _studies.c.study_id, t.number >= sa.bindparam("number"))
        self.version_and_new = (
            sa.select(version, t.study_id, t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete)
            .select_from(_studies.outerjoin(_trials, new_trials))
            .where(_studies.c.study_id == sa.bindparam("study_id")))
        # The same rows, each with NULL child fields, then the new trials' other rows (see _children_query)
        # with NULL trial fields, in one statement: a read that finds new trials costs one round trip too
        # (PostgreSQL). A union, not a join: a join's plan can turn quadratic where the planner expects few
        # trials (a table without statistics yet).
        children = _children_query(
            sa.select(t.trial_id).where(t.study_id == sa.bindparam("study_id"), t.number >= sa.bindparam("number")),
            schema).subquery("c")
        self.version_new_and_children = sa.union_all(
            self.version_and_new.add_columns(*(sa.cast(sa.null(), c.type).label(f"c_{c.name}") for c in children.c)),
            sa.select(*(sa.cast(sa.null(), c.type) for c in self.version_and_new.selected_columns), *children.c),
        ).order_by(sa.literal_column("c_kind").nulls_first(), sa.literal_column("c_ord"))


_READS = _Reads(SCHEMA_VERSION)
# Older schemas that a read-only connection reads as they are (it cannot upgrade them).
_OLD_READS = {1: _Reads(1), 2: _Reads(2)}


@functools.lru_cache(maxsize=64)
def _count_statement(unwanted: tuple[int, ...]) -> sa.Select:
    """``(study_id, count)`` of a study's trials not in the ``unwanted`` states (built once per set).

    Numbers are dense, so a study holds max(number) + 1 trials: when only open states are left out (the
    samplers' count of finished trials at each ask), that minus the few open ones counts the rest
    without walking them.
    """
    t = _trials.c
    in_study = t.study_id == sa.bindparam("study_id")
    # The states as literals: an IN list of parameters is expanded anew at every execution.
    states: list[sa.ColumnElement[Any]] = [sa.literal_column(str(int(s))) for s in unwanted]
    counted: sa.ColumnElement[Any]
    if all(not TrialState(s).is_finished() for s in unwanted):
        counted = sa.select(sa.func.coalesce(sa.func.max(t.number) + 1, 0)).where(in_study).scalar_subquery()
        if states:
            counted = counted - sa.select(sa.func.count()).where(in_study, t.state.in_(states)).scalar_subquery()
    else:
        counted = sa.select(sa.func.count()).where(in_study, t.state.not_in(states)).scalar_subquery()
    return sa.select(_studies.c.study_id, counted).where(_studies.c.study_id == sa.bindparam("study_id"))


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _now() -> datetime.datetime:
    return datetime.datetime.now()


def _take_waiting(study_id: int, trial_id: int, beat: sa.Insert | None, conn: sa.Connection) -> bool:
    """Move a WAITING trial to RUNNING, with its first heartbeat by ``beat``; False when another worker took
    it first."""
    if conn.execute(_TAKE_WAITING, {"tid": trial_id, "now": _now()}).rowcount != 1:
        return False
    conn.execute(_BUMP_WAITING_VERSION, {"sid": study_id})
    if beat is not None:
        conn.execute(beat, {"tid": trial_id})
    return True


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT just added."""
    key = result.inserted_primary_key
    assert key is not None, "an INSERT without a primary key"
    return int(key[0])


def _library_version() -> str:
    try:
        return importlib.metadata.version("parzen")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _param_rows(params: Mapping[str, Any], distributions: Mapping[str, Distribution]) -> list[dict[str, Any]]:
    """Rows of trial_params (without the trial id) for user-facing parameter values."""
    rows = []
    for name, value in params.items():
        if name not in distributions:
            raise ValueError(f"parameter {name!r} has no distribution")
        dist = distributions[name]
        rows.append({
            "param_name": name,
            "value": dist.to_storage(value),
            "distribution_json": json.dumps(distribution_to_dict(dist)),
            "exact_value": str(int(value)) if _needs_exact_text(dist, value) else None,
        })
    return rows


def _server_clock(backend: str) -> sa.ColumnElement[float]:
    """Now, in seconds since the epoch, by the database's clock (the client's where unknown).

    Heartbeats are stamped and judged by this one clock, so workers whose own clocks disagree
    still agree on which trials are stale.
    """
    if backend == "postgresql":
        return sa.cast(sa.extract("epoch", sa.func.clock_timestamp()), sa.Double)
    if backend == "sqlite":
        return (sa.func.julianday("now") - 2440587.5) * 86400.0
    return sa.bindparam("client_now", type_=sa.Double, callable_=time.time)


def _sqlite_tables(path: str) -> set[str] | None:
    """The tables of an SQLite file, read without writing to it; None when the file does not exist."""
    if not os.path.exists(path):
        return None
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
        try:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise sa.exc.OperationalError("inspecting the file", None, exc) from exc
        raise StorageError(f"cannot read the SQLite file {path!r}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"the file {path!r} is not an SQLite database: {exc}") from exc


def _migrate_1_to_2(conn: sa.Connection) -> None:
    _trial_heartbeats.create(conn, checkfirst=True)
    _request_results.create(conn, checkfirst=True)
    conn.execute(sa.text("ALTER TABLE trial_params ADD COLUMN exact_value TEXT"))
    conn.execute(sa.text("ALTER TABLE studies ADD COLUMN waiting_version INTEGER NOT NULL DEFAULT 0"))


def _migrate_2_to_3(conn: sa.Connection) -> None:
    conn.execute(sa.text("ALTER TABLE studies ADD COLUMN next_number INTEGER NOT NULL DEFAULT 0"))
    conn.execute(sa.text("UPDATE studies SET next_number = (SELECT coalesce(max(trials.number) + 1, 0) "
                         "FROM trials WHERE trials.study_id = studies.study_id)"))


# schema version -> the step that upgrades it to the next version.
_MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


def _is_read_only_error(exc: sa.exc.DBAPIError) -> bool:
    """Whether a write failed because the connection or file is read-only (SQLite ``mode=ro`` or file
    permissions, a PostgreSQL read-only transaction)."""
    message = str(exc.orig).lower()
    return "readonly" in message or "read-only" in message


def _needs_exact_text(dist: Distribution, value: Any) -> bool:
    """Whether an integer parameter is too large for the double column to hold it exactly."""
    return isinstance(dist, Int) and isinstance(value, numbers.Integral) and abs(int(value)) > 2**53


def _attr_rows(attrs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of an attribute table (without the owner id), values JSON-encoded."""
    return [{"attr_key": key, "value_json": json.dumps(value)} for key, value in attrs.items()]


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Settings for every new SQLite connection.

    ``isolation_level = None`` stops the sqlite3 module from opening transactions on its own,
    so that _on_sqlite_begin decides how each one begins. WAL lets readers run alongside a
    writer and, with synchronous=NORMAL, a commit does not wait for the disk. (The busy
    timeout, how long to wait for another process's write lock, is sqlite3's ``timeout``.)
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise
            # A read-only connection cannot change the journal; it reads the file in the mode it has.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: sa.Connection) -> None:
    """Begin writes with BEGIN IMMEDIATE (take the write lock now) and reads with BEGIN."""
    if connection.get_execution_options().get(_WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def _check_sqlite_url(url: sa.engine.URL, raw_url: str) -> None:
    """FileNotFoundError for a file in a directory that does not exist (check_sql_url made sure it names a file)."""
    database = url.database or ""
    directory = os.path.dirname(os.path.abspath(database))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"cannot open the storage {raw_url!r}: the directory {directory!r} does not exist"
        )


def _database_identity(url: sa.engine.URL) -> tuple[Any, ...]:
    """What names a database whatever the spelling of its URL.

    An SQLite file by its real path (so ``sqlite:///a.db`` and the absolute path to the same file
    match), another database by its server and name; drivers and credentials do not matter.
    """
    backend = url.get_backend_name()
    if backend == "sqlite":
        return (backend, os.path.realpath(url.database or ""))
    return (backend, url.host, url.port, url.database)


# Storages of this process, so that a forked child can reset them (see _reset_after_fork).
_live_storages: weakref.WeakSet[RDBStorage] = weakref.WeakSet()


# The kept counts of finished trials of each database (see _start_counts), shared by this process's storage
# objects on it, so that a finish through any of them is seen by the others' next count.
_start_counts_by_database: dict[tuple[Any, ...], StartCounts] = {}
_start_counts_lock = threading.Lock()


def _start_counts_of(identity: tuple[Any, ...]) -> StartCounts:
    with _start_counts_lock:
        return _start_counts_by_database.setdefault(identity, StartCounts(_START_COUNT_TTL_S))


def _reset_storages_after_fork() -> None:
    global _start_counts_lock
    _start_counts_lock = threading.Lock()
    _start_counts_by_database.clear()
    for storage in list(_live_storages):
        storage._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_storages_after_fork)


# ---------------------------------------------------------------------------------------------
# The storage
# ---------------------------------------------------------------------------------------------
class RDBStorage(BaseStorage):
    """A storage in an SQL database given by an SQLAlchemy URL, e.g. ``sqlite:///study.db``.

    ``engine_kwargs`` go to :func:`sqlalchemy.create_engine` and override the defaults.
    ``retry_timeout`` bounds, in seconds, how long an operation retries transient failures (the
    server restarting, a dropped connection, an SQLite file locked too long) before it raises
    :class:`parzen.exceptions.StorageError`. Instances can be pickled: the copy opens its own
    connections to the same URL.

    An SQLite file is opened only if it is empty or already parzen's, and is created only by
    ``create_study``: reading from a file that does not exist finds no study and leaves no file.
    """

    starts_trials_beating = True

    def __init__(self, url: str, engine_kwargs: dict[str, Any] | None = None,
                 retry_timeout: float = DEFAULT_RETRY_TIMEOUT_S) -> None:
        self.url = url
        self._retry_timeout = check_retry_timeout(retry_timeout)
        self._engine_kwargs = dict(engine_kwargs or {})
        parsed = check_sql_url(url)  # a string that names no SQL database: one ValueError, before any work
        is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if is_sqlite:
            _check_sqlite_url(parsed, url)
            # One pool shared by all threads: a connection moves between threads but is never
            # used by two at once. Pooling is about 4x faster than reconnecting (NullPool).
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_S}
            if "poolclass" not in self._engine_kwargs:
                kwargs.update(poolclass=sa.pool.QueuePool, pool_size=8, max_overflow=32)
        # On PostgreSQL, connections run autocommit unless engine_kwargs choose an isolation level: under
        # READ COMMITTED (its default) each statement of a transaction takes a snapshot of its own, so a
        # read in a transaction buys no consistency over autocommit, only the BEGIN and COMMIT round
        # trips; and the writes of a running trial are one statement each (see _PgWrites). Writes of
        # several statements switch their connection to READ COMMITTED (``_write_engine``).
        autocommit = parsed.get_backend_name() == "postgresql" and "isolation_level" not in self._engine_kwargs
        if autocommit:
            kwargs["isolation_level"] = "AUTOCOMMIT"
        connect_args = {**kwargs.get("connect_args", {}), **self._engine_kwargs.get("connect_args", {})}
        kwargs.update(self._engine_kwargs)
        if connect_args:
            kwargs["connect_args"] = connect_args
        self._engine = sa.create_engine(url, **kwargs)
        self._identity = _database_identity(parsed)
        self._start_counts = _start_counts_of(self._identity)
        self._backend = parsed.get_backend_name()
        self._sqlite_path = os.path.abspath(parsed.database or "") if is_sqlite else None
        clock = _server_clock(self._backend)
        self._beat_update = sa.update(_trial_heartbeats).where(
            _trial_heartbeats.c.trial_id == sa.bindparam("tid")).values(heartbeat=clock)
        self._beat_insert = sa.insert(_trial_heartbeats).values(trial_id=sa.bindparam("tid"), heartbeat=clock)
        self._beat_fresh = sa.select(_trial_heartbeats.c.trial_id).where(
            _trial_heartbeats.c.trial_id == sa.bindparam("tid"),
            _trial_heartbeats.c.heartbeat >= clock - sa.bindparam("grace", type_=sa.Double))
        self._insert_request = sa.insert(_request_results).values(
            token=sa.bindparam("token"), result_json=sa.bindparam("result"), created=clock)
        self._forget_requests = sa.delete(_request_results).where(
            _request_results.c.created < clock - sa.bindparam("age", type_=sa.Double))
        self._once_writes = 0
        self._stale = (
            sa.select(_trials.c.trial_id)
            .join(_trial_heartbeats, _trial_heartbeats.c.trial_id == _trials.c.trial_id)
            .where(_trials.c.study_id == sa.bindparam("study_id"),
                   _trials.c.state == int(TrialState.RUNNING),
                   _trial_heartbeats.c.heartbeat < clock - sa.bindparam("grace", type_=sa.Double))
            .order_by(_trials.c.number)
        )
        if is_sqlite:
            sa.event.listen(self._engine, "connect", _on_sqlite_connect)
            sa.event.listen(self._engine, "begin", _on_sqlite_begin)
        self._write_engine = self._engine.execution_options(
            **{_WRITE_OPTION: True}, **({"isolation_level": "READ COMMITTED"} if autocommit else {}))
        self._pg = _pg_writes() if autocommit else None
        # SQLite admits one writer at a time and a blocked writer sleeps in the busy handler
        # for milliseconds; queueing this object's writers on a lock wakes them at once.
        self._is_sqlite = is_sqlite
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if is_sqlite else contextlib.nullcontext())

        self._cache_lock = threading.Lock()
        self._caches: dict[int, _StudyCache] = {}
        self._reads = _READS
        self._unversioned_reads = itertools.count(1)
        # trial_id -> (study_id, trial) for every finished trial this object has seen.
        self._finished: dict[int, tuple[int, FrozenTrial]] = {}

        # False while an SQLite file does not exist or is empty: nothing is created until create_study.
        self._ready = False
        retry_transient(lambda: self._open(create=not is_sqlite), self._is_transient, self._retry_timeout,
                        url, "opening the database", opening=type(self).__name__)
        _live_storages.add(self)

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "engine_kwargs": self._engine_kwargs, "retry_timeout": self._retry_timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["url"], state["engine_kwargs"], state.get("retry_timeout",  # type: ignore[misc]
                                                                      DEFAULT_RETRY_TIMEOUT_S))

    def __repr__(self) -> str:
        return f"RDBStorage({hide_password(self.url)!r})"

    def same_backend(self, other: BaseStorage) -> bool:
        """Whether ``other`` is this storage or another RDBStorage on the same database."""
        return other is self or (isinstance(other, RDBStorage) and other._identity == self._identity)

    # --- connections and schema ----------------------------------------------------------
    def _reset_after_fork(self) -> None:
        """In a forked child: drop the parent's connections and locks, which the child cannot use."""
        self._engine.dispose(close=False)
        self._write_lock = threading.Lock() if self._is_sqlite else contextlib.nullcontext()
        self._cache_lock = threading.Lock()
        self._start_counts = _start_counts_of(self._identity)

    def _is_transient(self, exc: BaseException) -> bool:
        """Whether ``exc`` is a passing condition worth retrying (see parzen.storages._retry)."""
        if not isinstance(exc, sa.exc.DBAPIError):
            return False
        if exc.connection_invalidated or isinstance(exc, sa.exc.InterfaceError):
            return True
        if not isinstance(exc, sa.exc.OperationalError):
            return False
        message = str(exc.orig).lower()
        if self._is_sqlite:  # SQLite also reports missing tables and unreadable files this way
            return "locked" in message or "busy" in message
        # A server that answers "no such database/role" or refuses the credentials will not change its mind.
        return not any(lasting in message for lasting in _LASTING_ERRORS)

    def _require_ready(self) -> None:
        """Raise StudyNotFoundError while an SQLite file has no parzen tables (nothing to read)."""
        if not self._ready and not self._open(create=False):
            raise StudyNotFoundError(
                f"no study: the SQLite file {self._sqlite_path!r} does not exist or is empty "
                "(it is created by create_study)")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        """A connection for reading: one consistent snapshot on SQLite; on PostgreSQL, autocommit (each
        statement its own snapshot, as under READ COMMITTED, without BEGIN and COMMIT)."""
        self._require_ready()
        with self._engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _write(self, one_statement: bool = False) -> Iterator[sa.Connection]:
        """A write transaction, committed on success and rolled back on any exception. With
        ``one_statement`` (the caller writes in a single statement), PostgreSQL runs it autocommit."""
        self._require_ready()
        engine = self._engine if one_statement and self._pg is not None else self._write_engine
        with self._write_lock, engine.begin() as conn:
            yield conn

    def _write_once(self, operation: str, body: Callable[[sa.Connection], Any]) -> Any:
        """``body(conn)`` in a write transaction, retried through transient failures, taking effect once.

        Over a network a commit can land while its acknowledgement is lost, and the retry would write
        again: an orphan trial, a claim lost to oneself, a waiting trial taken and never run. So on a
        server database the transaction also records ``body``'s (JSON) result under a token of this
        request, and a retry that finds the token returns that result instead. An SQLite file is
        local: no acknowledgement is lost there, and nothing is recorded.
        """
        token = None if self._is_sqlite else uuid.uuid4().hex
        attempts = 0

        def attempt() -> Any:
            nonlocal attempts
            attempts += 1
            with self._write() as conn:
                if token is not None and attempts > 1:
                    kept = conn.execute(_SELECT_REQUEST, {"token": token}).scalar()
                    if kept is not None:
                        return json.loads(kept)
                result = body(conn)
                if token is not None:
                    conn.execute(self._insert_request, {"token": token, "result": json.dumps(result)})
                    self._note_once_write(conn)
                return result

        return retry_transient(attempt, self._is_transient, self._retry_timeout, self.url, operation)

    def _note_once_write(self, conn: sa.Connection) -> None:
        """Count a recorded request; every so many, delete those too old to be asked for again."""
        self._once_writes += 1
        if self._once_writes % _FORGET_REQUESTS_EVERY == 0:
            conn.execute(self._forget_requests, {"age": self._retry_timeout + _REQUEST_MARGIN_S})

    def _open(self, create: bool) -> bool:
        """Check the tables (with ``create``, make or upgrade them first); return whether they are ready.

        An SQLite file is first looked at read-only: a file that is not a database, or a database
        of another application, is refused before anything is written to it. Creation happens in
        one transaction, so processes opening a new database at the same time cannot both create
        it (PostgreSQL also serializes them on an advisory lock); where a database lets them race,
        the loser's error is answered by reading what the winner wrote.
        """
        if self._ready:
            return True
        if self._sqlite_path is not None:
            tables = _sqlite_tables(self._sqlite_path)
            if not tables and not create:
                return False
            if tables and _version_info.name not in tables:
                raise StorageError(
                    f"the SQLite file {self._sqlite_path!r} is not a parzen database (it holds the tables "
                    f"{', '.join(sorted(tables))}); parzen opens only an empty file or one it created")
        with self._engine.begin() as conn:
            found = self._read_version(conn)
        failures = 0
        while found is None:
            try:
                with self._write_lock, self._write_engine.begin() as conn:
                    self._lock_schema(conn)
                    found = self._read_version(conn)
                    if found is None:
                        _metadata.create_all(conn)
                        conn.execute(sa.insert(_version_info).values(
                            version_info_id=1, schema_version=SCHEMA_VERSION,
                            library_version=_library_version()))
                        found = (SCHEMA_VERSION, _library_version())
            except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
                failures += 1
                if failures == 3:
                    raise
        schema_version, library_version = found
        if schema_version in _MIGRATIONS:
            try:
                self._migrate()
            except sa.exc.DBAPIError as exc:
                if not _is_read_only_error(exc):
                    raise
                # A read-only connection (the dashboard's, the command's) reads the old layout as it is.
                self._reads = _OLD_READS[schema_version]
        elif schema_version != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"the storage {hide_password(self.url)!r} uses schema version {schema_version} (written by "
                f"library version {library_version}), but this parzen uses schema version "
                f"{SCHEMA_VERSION}; use a matching parzen version or a new database (it was not modified)"
            )
        self._ready = True
        return True

    def _lock_schema(self, conn: sa.Connection) -> None:
        """Serialize schema changes between processes (SQLite's BEGIN IMMEDIATE already does)."""
        if self._backend == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})

    def _migrate(self) -> None:
        """Upgrade an older schema step by step, each step in the transaction that records it."""
        while True:
            with self._write_lock, self._write_engine.begin() as conn:
                self._lock_schema(conn)
                found = self._read_version(conn)
                assert found is not None, "the version_info table vanished during a migration"
                if found[0] not in _MIGRATIONS:
                    return
                _MIGRATIONS[found[0]](conn)
                conn.execute(sa.update(_version_info).values(
                    schema_version=found[0] + 1, library_version=_library_version()))

    def _read_version(self, conn: sa.Connection) -> tuple[int, str] | None:
        """(schema_version, library_version) of the database, None when it has no tables yet."""
        if not sa.inspect(conn).has_table(_version_info.name):
            return None
        where = f"the storage {hide_password(self.url)!r}"
        try:
            row = conn.execute(sa.text("SELECT schema_version, library_version FROM version_info")).first()
        except sa.exc.DBAPIError as exc:
            if self._is_transient(exc):
                raise
            raise SchemaVersionError(f"{where} has an unreadable version_info table: {exc.orig}") from exc
        if row is None:
            raise SchemaVersionError(
                f"{where} has a version_info table without a schema version; "
                f"this parzen uses schema version {SCHEMA_VERSION}"
            )
        try:
            return int(row[0]), str(row[1])
        except (TypeError, ValueError):
            raise SchemaVersionError(
                f"{where} has a corrupt schema version {row[0]!r} in its version_info table; "
                f"this parzen uses schema version {SCHEMA_VERSION}") from None

    # --- helpers -------------------------------------------------------------------------
    @staticmethod
    def _require_study(conn: sa.Connection, study_id: int) -> None:
        if conn.execute(_SELECT_STUDY, {"study_id": study_id}).first() is None:
            raise StudyNotFoundError(f"no study with id {study_id}")

    @staticmethod
    def _lock_open_trial(conn: sa.Connection, trial_id: int) -> int:
        """Lock a trial that may still change and return its study id; a WAITING one counts as changed.

        Raises KeyError for an unknown trial and TrialFinishedError for a finished one.
        """
        row = conn.execute(_LOCK_TRIAL, {"trial_id": trial_id}).first()
        if row is None:
            raise KeyError(f"no trial with id {trial_id}")
        study_id, state, number = row
        state = TrialState(state)
        if state.is_finished():
            raise TrialFinishedError(f"trial {number} is already {state.name} and cannot change")
        if state == TrialState.WAITING:
            conn.execute(_BUMP_WAITING_VERSION, {"sid": study_id})
        return study_id

    def _put_trial_rows(self, rows_of: _KeyedRows, trial_id: int, rows: list[dict[str, Any]]) -> None:
        if rows and self._pg is not None:
            with self._write(one_statement=True) as conn:
                put = self._pg.put_running[id(rows_of)]
                if conn.execute(put, {"tid": trial_id, **_pg_arrays(rows_of, rows)}).rowcount == len(rows):
                    return
        with self._write() as conn:
            self._lock_open_trial(conn, trial_id)
            if self._pg is not None:  # a trial taken from the queue meanwhile: a finish must see this write
                conn.execute(_TOUCH_TRIAL, {"tid": trial_id})
            rows_of.put(conn, trial_id, rows)

    # --- studies -------------------------------------------------------------------------
    def create_study(self, study_name: str, directions: Sequence[str]) -> int:
        retry_transient(lambda: self._open(create=True), self._is_transient, self._retry_timeout, self.url,
                        "opening the database", opening=type(self).__name__)
        insert = sa.insert(_studies).values(study_name=study_name, directions=json.dumps(list(directions)))
        try:
            return int(self._write_once("create_study", lambda conn: _inserted_id(conn.execute(insert))))
        except sa.exc.IntegrityError:
            raise DuplicatedStudyError(f"a study named {study_name!r} already exists") from None

    def delete_study(self, study_id: int) -> None:
        def delete(conn: sa.Connection) -> None:
            self._require_study(conn, study_id)
            trial_ids = sa.select(_trials.c.trial_id).where(_trials.c.study_id == study_id)
            for table in _TRIAL_CHILD_TABLES:
                conn.execute(sa.delete(table).where(table.c.trial_id.in_(trial_ids)))
            for table in (_trials, _study_user_attrs, _study_system_attrs, _claims):
                conn.execute(sa.delete(table).where(table.c.study_id == study_id))
            conn.execute(sa.delete(_studies).where(_studies.c.study_id == study_id))

        self._write_once("delete_study", delete)
        self._start_counts.stale(study_id)
        with self._cache_lock:
            self._caches.pop(study_id, None)
            self._finished = {tid: entry for tid, entry in self._finished.items() if entry[0] != study_id}

    @retried
    def get_study_id(self, study_name: str) -> int:
        with self._read() as conn:
            row = conn.execute(
                sa.select(_studies.c.study_id).where(_studies.c.study_name == study_name)).first()
        if row is None:
            raise StudyNotFoundError(f"no study named {study_name!r}")
        return int(row[0])

    def _study_row(self, study_id: int) -> tuple[str, str]:
        with self._read() as conn:
            row = conn.execute(
                sa.select(_studies.c.study_name, _studies.c.directions).where(_studies.c.study_id == study_id)
            ).first()
        if row is None:
            raise StudyNotFoundError(f"no study with id {study_id}")
        return row[0], row[1]

    @retried
    def get_study_name(self, study_id: int) -> str:
        return self._study_row(study_id)[0]

    @retried
    def get_study_directions(self, study_id: int) -> tuple[str, ...]:
        return tuple(json.loads(self._study_row(study_id)[1]))

    @retried
    def get_all_studies(self) -> list[StudySummary]:
        if not self._open(create=False):
            return []
        t = _trials.c
        n_trials = sa.select(sa.func.count()).where(t.study_id == _studies.c.study_id).scalar_subquery()
        start = (sa.select(t.datetime_start)
                 .where(t.study_id == _studies.c.study_id, t.number == 0).scalar_subquery())
        with self._read() as conn:
            rows = conn.execute(
                sa.select(_studies.c.study_id, _studies.c.study_name, _studies.c.directions, n_trials, start)
                .order_by(_studies.c.study_id)
            ).all()
        return [StudySummary(sid, name, tuple(json.loads(directions)), n, started)
                for sid, name, directions, n, started in rows]

    def _set_study_attr(self, rows_of: _KeyedRows, study_id: int, key: str, value: Any) -> None:
        rows = _attr_rows({key: value})
        with self._write() as conn:
            self._require_study(conn, study_id)
            rows_of.put(conn, study_id, rows)

    def _get_study_attrs(self, table: sa.Table, study_id: int) -> dict[str, Any]:
        with self._read() as conn:
            self._require_study(conn, study_id)
            rows = conn.execute(
                sa.select(table.c.attr_key, table.c.value_json)
                .where(table.c.study_id == study_id).order_by(table.c.attr_id)
            ).all()
        return {key: json.loads(value) for key, value in rows}

    @retried
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(_STUDY_USER_ATTRS, study_id, key, value)

    @retried
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(_study_user_attrs, study_id)

    @retried
    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(_STUDY_SYSTEM_ATTRS, study_id, key, value)

    @retried
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(_study_system_attrs, study_id)

    def claim(self, study_id: int, key: str) -> bool:
        def take(conn: sa.Connection) -> bool:
            self._require_study(conn, study_id)
            conn.execute(sa.insert(_claims).values(study_id=study_id, claim_key=key))
            return True

        try:
            return bool(self._write_once("claim", take))
        except sa.exc.IntegrityError:
            return False

    # --- trials --------------------------------------------------------------------------
    def create_trial(self, study_id: int, template: TrialTemplate | None = None) -> tuple[int, int]:
        template = template or TrialTemplate()
        state = TrialState(template.state)
        system_attrs = dict(template.system_attrs or {})
        if template.fixed_params:
            system_attrs["fixed_params"] = dict(template.fixed_params)
        # Encode before the transaction so that bad input fails without touching the database.
        param_rows = _param_rows(template.params or {}, template.distributions or {})
        user_rows = _attr_rows(template.user_attrs or {})
        system_rows = _attr_rows(system_attrs)
        beat = template.heartbeat and state == TrialState.RUNNING  # the first heartbeat, in the same write

        def insert(conn: sa.Connection) -> list[int]:
            if conn.execute(_RAISE_NEXT_NUMBER, {"sid": study_id}).rowcount != 1:
                raise StudyNotFoundError(f"no study with id {study_id}")
            number = int(conn.execute(_SELECT_TAKEN_NUMBER, {"sid": study_id}).scalar_one())
            trial_id = _inserted_id(conn.execute(_INSERT_TRIAL, {
                "study_id": study_id, "number": number, "state": int(state),
                "datetime_start": _now() if state == TrialState.RUNNING else None,
            }))
            _PARAMS.add(conn, trial_id, param_rows)
            _TRIAL_USER_ATTRS.add(conn, trial_id, user_rows)
            _TRIAL_SYSTEM_ATTRS.add(conn, trial_id, system_rows)
            if beat:
                conn.execute(self._beat_insert, {"tid": trial_id})
            return [trial_id, number]

        if self._pg is not None:
            epoch = self._start_counts.epoch(study_id)
            created = self._insert_trial_at_once({
                "sid": study_id, "state": int(state), "start": _now() if state == TrialState.RUNNING else None,
                "beat": beat,
                **_pg_arrays(_PARAMS, param_rows, "p_"), **_pg_arrays(_TRIAL_USER_ATTRS, user_rows, "u_"),
                **_pg_arrays(_TRIAL_SYSTEM_ATTRS, system_rows, "s_")})
            if created is not None:
                trial_id, number, n_finished = created
                if n_finished is not None:
                    self._start_counts.keep(study_id, n_finished, epoch)
                return trial_id, number
        conflicts = 0
        while True:
            try:
                trial_id, number = self._write_once("create_trial", insert)
                return trial_id, number
            except sa.exc.IntegrityError:
                # Another transaction took the same number (only where rows cannot be locked).
                conflicts += 1
                if conflicts == _MAX_NUMBER_RETRIES:
                    raise

    def _insert_trial_at_once(self, params: dict[str, Any]) -> tuple[int, int, int | None] | None:
        """``(trial_id, number, finished)`` of a trial made by one statement (PostgreSQL), retried through
        transient failures, taking effect once; None when the study is unknown or its counter lags.
        ``finished`` counts the study's finished trials as the statement saw them (None when a retry found
        the trial made by an attempt whose answer was lost)."""
        assert self._pg is not None
        insert = self._pg.insert_trial
        token = uuid.uuid4().hex
        attempts = 0

        def attempt() -> tuple[int, int, int | None] | None:
            nonlocal attempts
            attempts += 1
            with self._write(one_statement=True) as conn:
                if attempts > 1:
                    kept = conn.execute(_SELECT_REQUEST, {"token": token}).scalar()
                    if kept is not None:
                        trial_id, number = json.loads(kept)
                        return int(trial_id), int(number), None
                row = conn.execute(insert, {**params, "token": token}).first()
                if row is not None:
                    self._note_once_write(conn)
            return None if row is None else (int(row[0]), int(row[1]), int(row[2]))

        try:
            return retry_transient(attempt, self._is_transient, self._retry_timeout, self.url, "create_trial")
        except sa.exc.IntegrityError:  # the counter lags a trial numbered without it: the other path repairs it
            return None

    def pop_waiting_trial(self, study_id: int) -> int | None:
        return self._pop_waiting(study_id, beat=False)

    def pop_waiting_trial_beating(self, study_id: int) -> int | None:
        return self._pop_waiting(study_id, beat=True)

    def _pop_waiting(self, study_id: int, beat: bool) -> int | None:
        if self._pg is not None:
            return self._take_waiting_at_once(study_id, beat)
        while True:
            candidate = self._oldest_waiting(study_id)
            if candidate is None:
                return None
            take = functools.partial(_take_waiting, study_id, candidate, self._beat_insert if beat else None)
            if self._write_once("pop_waiting_trial", take):
                return candidate

    def _take_waiting_at_once(self, study_id: int, beat: bool) -> int | None:
        """pop_waiting_trial in one statement (PostgreSQL) while nothing stands in its way; it also keeps the
        count of finished trials it read for this thread (see _start_counts)."""
        skip_locked = True
        while True:
            epoch = self._start_counts.epoch(study_id)
            taken, seen_waiting, n_finished = self._take_waiting_once(study_id, skip_locked, beat)
            if n_finished is not None:
                self._start_counts.keep(study_id, n_finished, epoch)
            if taken is not None or not seen_waiting:
                return taken
            # Each WAITING trial the statement saw was locked by another statement (most likely a worker
            # taking it) or taken meanwhile: wait for the lock of the oldest, then pass over locks again.
            skip_locked = not skip_locked

    def _take_waiting_once(self, study_id: int, skip_locked: bool,
                           beat: bool) -> tuple[int | None, bool, int | None]:
        """One run of the statement that takes a WAITING trial, retried through transient failures, taking
        effect once: ``(taken trial id or None, whether it saw a WAITING trial, finished count)``; the count
        is None when a retry found the trial taken by an attempt whose answer was lost."""
        assert self._pg is not None
        take = self._pg.take_waiting[skip_locked]
        token = uuid.uuid4().hex
        attempts = 0

        def attempt() -> tuple[int | None, bool, int | None]:
            nonlocal attempts
            attempts += 1
            with self._write(one_statement=True) as conn:
                if attempts > 1:
                    kept = conn.execute(_SELECT_REQUEST, {"token": token}).scalar()
                    if kept is not None:
                        return int(json.loads(kept)), True, None
                row = conn.execute(take, {"sid": study_id, "now": _now(), "token": token, "beat": beat}).first()
                if row is None:
                    raise StudyNotFoundError(f"no study with id {study_id}")
                if row[0] is not None:
                    self._note_once_write(conn)
            return (None if row[0] is None else int(row[0])), bool(row[1]), int(row[2])

        return retry_transient(attempt, self._is_transient, self._retry_timeout, self.url, "pop_waiting_trial")

    @retried
    def _oldest_waiting(self, study_id: int) -> int | None:
        """The oldest WAITING trial's id, read without the write lock: most calls find nothing waiting."""
        with self._read() as conn:
            row = conn.execute(_SELECT_OLDEST_WAITING, {"study_id": study_id}).first()
        if row is None:
            raise StudyNotFoundError(f"no study with id {study_id}")
        return None if row[1] is None else int(row[1])

    @retried
    def set_trial_params(self, trial_id: int, params: Mapping[str, Any],
                         distributions: Mapping[str, Distribution]) -> None:
        self._put_trial_rows(_PARAMS, trial_id, _param_rows(params, distributions))

    def finish_trial(self, trial_id: int, state: TrialState, values: Sequence[float] | None,
                     system_attrs: Mapping[str, Any] | None = None) -> FrozenTrial:
        state = TrialState(state)
        if not state.is_finished():
            raise ValueError(f"a trial can only be finished as COMPLETE, PRUNED or FAIL, not {state.name}")
        value_rows = [{"objective": i, "value": float(v)} for i, v in enumerate(values or ())]
        system_rows = _attr_rows(system_attrs or {})

        def finish() -> FrozenTrial:
            if self._pg is not None:
                final = self._finish_running(trial_id, state, value_rows, system_rows)
                if final is not None:
                    return final
            with self._write() as conn:
                finished = conn.execute(_FINISH_TRIAL, {"tid": trial_id, "old_state": int(TrialState.RUNNING),
                                                        "new_state": int(state), "now": _now()})
                if finished.rowcount != 1:  # WAITING (raises the version), finished or unknown (raises)
                    self._lock_open_trial(conn, trial_id)
                    finished = conn.execute(_FINISH_TRIAL, {"tid": trial_id, "old_state": int(TrialState.WAITING),
                                                            "new_state": int(state), "now": _now()})
                    assert finished.rowcount == 1, f"trial {trial_id} is open but could not be finished"
                study_id, final = self._finish_rows(conn, trial_id, value_rows, system_rows)
            self._remember_finished(study_id, final)
            return final

        return retry_transient(finish_idempotently(finish, lambda: self.get_trial(trial_id), state, values),
                               self._is_transient, self._retry_timeout, self.url, "finish_trial")

    def _finish_running(self, trial_id: int, state: TrialState, value_rows: list[dict[str, Any]],
                        system_rows: list[dict[str, Any]]) -> FrozenTrial | None:
        """Finish a RUNNING trial in one statement (PostgreSQL); None when it is not RUNNING."""
        assert self._pg is not None
        with self._write(one_statement=True) as conn:
            rows = conn.execute(self._pg.finish_running, {
                "tid": trial_id, "new_state": int(state), "now": _now(), **_pg_arrays(_VALUES, value_rows),
                **_pg_arrays(_TRIAL_SYSTEM_ATTRS, system_rows)}).all()
        if not rows:
            return None
        ((study_id, before),) = _assemble_trials([rows[0][:6]], [row[6:] for row in rows if row[7] is not None])
        final = dataclasses.replace(
            before, values=tuple(row["value"] for row in value_rows) if value_rows else None,
            system_attrs={**before.system_attrs, **{row["attr_key"]: json.loads(row["value_json"]) for row in system_rows}})
        self._remember_finished(study_id, final)
        return final

    def _finish_rows(self, conn: sa.Connection, trial_id: int, value_rows: list[dict[str, Any]],
                     system_rows: list[dict[str, Any]]) -> tuple[int, FrozenTrial]:
        """Write what a trial ends with, in the transaction that finished it; return its final record."""
        _VALUES.add(conn, trial_id, value_rows)
        _TRIAL_SYSTEM_ATTRS.put(conn, trial_id, system_rows)
        conn.execute(_DELETE_HEARTBEAT, {"tid": trial_id})
        ((study_id, final),) = self._reads.load_trial.load(conn, {"trial_id": trial_id})
        return study_id, final

    def _remember_finished(self, study_id: int, final: FrozenTrial) -> None:
        """Cache a finished trial once its transaction has committed."""
        with self._cache_lock:
            self._finished[final.trial_id] = (study_id, final)
            cache = self._caches.get(study_id)
            if cache is not None:
                cache.merge([final])
        self._start_counts.stale(study_id)

    # --- heartbeats ----------------------------------------------------------------------
    @retried
    def record_heartbeat(self, trial_id: int) -> bool:
        if self._pg is not None:
            with self._write(one_statement=True) as conn:
                if conn.execute(self._pg.beat_running, {"tid": trial_id}).rowcount == 1:
                    return True
        with self._write() as conn:
            row = conn.execute(_LOCK_TRIAL, {"trial_id": trial_id}).first()
            if row is None:
                raise KeyError(f"no trial with id {trial_id}")
            if row[1] != int(TrialState.RUNNING):
                return False
            if conn.execute(self._beat_update, {"tid": trial_id}).rowcount == 0:
                conn.execute(self._beat_insert, {"tid": trial_id})
        return True

    @retried
    def get_stale_trial_ids(self, study_id: int, grace_period: float) -> list[int]:
        with self._read() as conn:
            self._require_study(conn, study_id)
            return [int(tid) for (tid,) in conn.execute(self._stale, {"study_id": study_id,
                                                                      "grace": float(grace_period)})]

    def fail_stale_trial(self, trial_id: int, reason: str, grace_period: float | None = None) -> bool:
        system_rows = _attr_rows({FAIL_REASON_ATTR: reason})
        finished: list[tuple[int, FrozenTrial]] = []

        def fail(conn: sa.Connection) -> bool:
            row = conn.execute(_LOCK_TRIAL, {"trial_id": trial_id}).first()
            if row is None:
                raise KeyError(f"no trial with id {trial_id}")
            if row[1] != int(TrialState.RUNNING):
                return False
            if grace_period is not None and conn.execute(
                    self._beat_fresh, {"tid": trial_id, "grace": float(grace_period)}).first() is not None:
                return False
            conn.execute(_FINISH_TRIAL, {"tid": trial_id, "old_state": int(TrialState.RUNNING),
                                         "new_state": int(TrialState.FAIL), "now": _now()})
            finished[:] = [self._finish_rows(conn, trial_id, [], system_rows)]
            return True

        failed = bool(self._write_once("fail_stale_trial", fail))
        if failed and finished:
            self._remember_finished(*finished[0])
        return failed

    @retried
    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        self._put_trial_rows(_INTERMEDIATE, trial_id, [{"step": int(step), "value": float(value)}])

    @retried
    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._put_trial_rows(_TRIAL_USER_ATTRS, trial_id, _attr_rows({key: value}))

    @retried
    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._put_trial_rows(_TRIAL_SYSTEM_ATTRS, trial_id, _attr_rows({key: value}))

    @retried
    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._cache_lock:
            entry = self._finished.get(trial_id)
        if entry is not None:
            return entry[1]
        with self._read() as conn:
            found = self._reads.load_trial.load(conn, {"trial_id": trial_id})
        if not found:
            raise KeyError(f"no trial with id {trial_id}")
        return found[0][1]

    @retried
    def get_all_trials(self, study_id: int, states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        """Trials of a study by number: new ones and those unfinished at the last read are read again.

        A read for states without WAITING (the samplers' reads of finished or running trials) does not
        read a changed queue of WAITING trials again, only those that left it since (one indexed query).
        """
        waiting_wanted = states is None or TrialState.WAITING in states
        with self._cache_lock:
            cache = self._caches.get(study_id)
            known = len(cache.trials) if cache is not None else 0
        with self._read() as conn:
            # The version with the new trials, before the open ones: a change to a WAITING trial after this
            # read shows next time.
            by_number = {"study_id": study_id, "number": known}
            with_children = self._pg is not None  # a round trip saved where each costs one
            head = conn.execute(self._reads.version_new_and_children if with_children else self._reads.version_and_new,
                                by_number).all()
            if not head:
                raise StudyNotFoundError(f"no study with id {study_id}")
            waiting_version = head[0][0]
            if not self._reads.versioned:  # an old schema read as it is: a new version each time
                waiting_version = next(self._unversioned_reads)
            with self._cache_lock:
                open_numbers, read_all_waiting = (cache.to_read_again(waiting_version, waiting_wanted)
                                                  if cache is not None else ([], True))
                span = (cache.waiting_span() if cache is not None and not waiting_wanted
                        and waiting_version != cache.waiting_version else None)
            if span is not None and cache is not None:
                moved = conn.execute(_SELECT_NOT_WAITING, {"study_id": study_id, "low": span[0], "high": span[1]})
                with self._cache_lock:
                    open_numbers = sorted({*open_numbers, *cache.left_waiting([n for (n,) in moved])})
            if with_children:  # the trials' rows come first (no child kind), then their children's
                fresh = _assemble_trials([row[1:7] for row in head if row[2] is not None and row[8] is None],
                                         [row[7:] for row in head if row[8] is not None])
            else:
                fresh = self._reads.load_from_number.complete(conn, [row[1:] for row in head if row[2] is not None],
                                                              by_number)
            for i in range(0, len(open_numbers), _IN_CHUNK):
                fresh += self._reads.load_numbers.load(
                    conn, {"study_id": study_id, "numbers": open_numbers[i:i + _IN_CHUNK]})
        with self._cache_lock:
            cache = self._caches.setdefault(study_id, _StudyCache())
            cache.merge([trial for _, trial in fresh])
            cache.note_read(waiting_version, read_all_waiting)
            for _, trial in fresh:
                if trial.state.is_finished():
                    self._finished[trial.trial_id] = (study_id, trial)
            return cache.select(states)

    @retried
    def get_n_trials(self, study_id: int, states: Container[TrialState] | None = None) -> int:
        """The number of the study's trials in ``states``. On PostgreSQL, the count of the finished states
        that this thread's latest start of a trial read answers for a short while (see _start_counts)."""
        unwanted = tuple(int(s) for s in TrialState if states is not None and s not in states)
        if self._pg is not None and unwanted == _OPEN_STATES:
            kept = self._start_counts.finished(study_id)
            if kept is not None:
                return kept
        with self._read() as conn:
            row = conn.execute(_count_statement(unwanted), {"study_id": study_id}).first()
        if row is None:
            raise StudyNotFoundError(f"no study with id {study_id}")
        return int(row[1])

    @retried
    def get_trial_id_from_number(self, study_id: int, number: int) -> int:
        t = _trials.c
        with self._read() as conn:
            self._require_study(conn, study_id)
            row = conn.execute(sa.select(t.trial_id).where(t.study_id == study_id, t.number == number)).first()
        if row is None:
            raise KeyError(f"the study has no trial number {number}")
        return int(row[0])
