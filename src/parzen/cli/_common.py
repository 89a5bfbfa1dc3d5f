"""What every subcommand shares: its two errors, opening a storage by URL, and plain-text tables.

Errors: :class:`CLIError` is a runtime failure (a study not found, a storage that cannot be opened),
exit status 1; :class:`UsageError` is a wrong combination of options that argparse cannot see, exit
status 2 with the subcommand's usage, as argparse's own errors.

Opening a storage for reading never creates or changes anything: a URL to an SQLite file that does
not exist, or to a database without parzen's tables, is an error instead of a new empty storage
(opening a storage for writing would create the tables). SQLite files are opened read-only
(``mode=ro``), so a reader can never take the write lock that a running study needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import sqlite3
import sys
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Sequence

from parzen.storages._retry import hide_password
from parzen.storages._urls import check_storage_url

if TYPE_CHECKING:
    import sqlalchemy as sa

    from parzen.storages import BaseStorage
    from parzen.study import Study

EXIT_OK = 0
EXIT_FAILURE = 1
# The reader of standard output went away (``| head``): the shell's status of a command ended by SIGPIPE.
EXIT_BROKEN_PIPE = 141
# A usage error exits with status 2, through argparse's own ``parser.error``.

# The table that marks a database as parzen's (see parzen.storages.sql).
_MARKER_TABLE = "version_info"
# How long a command waits for a storage server that does not answer before it gives up.
_OPEN_RETRY_TIMEOUT_S = 5.0


class CLIError(Exception):
    """A runtime failure, reported as ``parzen COMMAND: error: ...`` with exit status 1."""


class UsageError(Exception):
    """A wrong use of the command's options, reported with the subcommand's usage and exit status 2."""


def add_storage_argument(parser: Any) -> None:
    """The ``--storage URL`` option every study subcommand takes."""
    parser.add_argument("--storage", required=True, metavar="URL",
                        help="database URL of the studies, e.g. sqlite:///parzen.db or "
                             "postgresql+psycopg://user@host/db")


def _sqlite_read_only_creator(path: str) -> Any:
    """A connection factory for SQLAlchemy that opens ``path`` read-only (SQLite's ``mode=ro``)."""
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=60.0)

    return connect


def _check_parzen_tables(url: str, engine_kwargs: dict[str, Any]) -> None:
    """Raise CLIError unless the database at ``url`` can be reached and holds parzen's tables."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, **engine_kwargs)
    try:
        with engine.connect() as conn:
            tables = sorted(sa.inspect(conn).get_table_names())
    except sa.exc.DBAPIError as exc:
        raise CLIError(f"cannot open the storage {hide_password(url)!r}: {exc.orig}") from None
    finally:
        engine.dispose()
    if _MARKER_TABLE not in tables:
        found = ", ".join(tables[:10]) + (", ..." if len(tables) > 10 else "") if tables else "none"
        raise CLIError(f"{hide_password(url)!r} is not a parzen storage: it has no {_MARKER_TABLE!r} table "
                       f"(tables: {found})")


def _open_redis(url: str) -> "BaseStorage":
    """The Redis storage at ``url``; CLIError when the server cannot be reached soon."""
    from parzen.exceptions import ParzenError
    from parzen.storages.redis import RedisStorage

    try:
        return RedisStorage(url, retry_timeout=_OPEN_RETRY_TIMEOUT_S)
    except (ParzenError, ValueError) as exc:
        raise CLIError(f"cannot open the storage {hide_password(url)!r}: {exc}") from None


def check_storage_option(url: str) -> "sa.engine.URL | None":
    """``--storage URL`` checked before any work (:func:`parzen.storages._urls.check_storage_url`): the parsed
    SQLAlchemy URL, or None for Redis; UsageError for a string that is no storage URL, CLIError for a URL
    whose extra is not installed."""
    try:
        return check_storage_url(url, "--storage")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except ImportError as exc:
        raise CLIError(str(exc)) from None


def open_storage(url: str, *, writable: bool = False) -> "BaseStorage":
    """The storage at ``url``, read-only unless ``writable``.

    A string that is no storage URL is a UsageError, as :func:`parzen.storages.get_storage` would
    raise a ValueError for it (the same check, :func:`parzen.storages._urls.check_storage_url`); a
    storage that cannot be opened or is not parzen's is a CLIError. Redis URLs (``redis://``,
    ``rediss://``, ``unix://``) open a Redis storage, which the reading commands only read from; any
    other URL is an SQLAlchemy database URL.
    """
    import sqlalchemy as sa

    from parzen.exceptions import ParzenError
    from parzen.storages.sql import RDBStorage

    parsed = check_storage_option(url)
    if parsed is None:
        return _open_redis(url)
    engine_kwargs: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if not os.path.isfile(database):
            raise CLIError(f"--storage {url!r}: no such file {database!r}")
        if not writable:
            engine_kwargs["creator"] = _sqlite_read_only_creator(database)
    elif not writable and backend == "postgresql":
        engine_kwargs["execution_options"] = {"postgresql_readonly": True}
    _check_parzen_tables(url, engine_kwargs)
    try:
        return RDBStorage(url, engine_kwargs=engine_kwargs, retry_timeout=_OPEN_RETRY_TIMEOUT_S)
    except (ParzenError, sa.exc.DBAPIError, OSError, ValueError) as exc:
        raise CLIError(f"cannot open the storage {hide_password(url)!r}: {exc}") from None


def add_study_argument(parser: Any) -> None:
    """The ``--study NAME`` option of the subcommands that act on one study."""
    parser.add_argument("--study", metavar="NAME",
                        help="name of the study (may be left out when the storage holds only one)")


def load_study(storage: "BaseStorage", name: str | None, url: str) -> "Study":
    """The study ``name`` (the only study of the storage when None); CLIError naming the studies otherwise."""
    import parzen
    from parzen.exceptions import StudyNotFoundError

    names = parzen.get_all_study_names(storage)
    known = ", ".join(repr(n) for n in names) if names else "none"
    if name is None:
        if len(names) != 1:
            raise CLIError(f"give --study: {hide_password(url)} holds {len(names)} studies: {known}")
        name = names[0]
    try:
        return parzen.load_study(name, storage=storage)
    except StudyNotFoundError:
        raise CLIError(f"no study named {name!r} in {hide_password(url)}; studies there: {known}") from None


def study_from_args(args: Any, *, writable: bool = False) -> "Study":
    """The study named by ``--storage`` and ``--study``."""
    return load_study(open_storage(args.storage, writable=writable), args.study, args.storage)


def format_value(value: Any) -> str:
    """A cell of a plain-text table: floats with 6 significant digits, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) or math.isnan(value) else str(value)
    return str(value)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] | None = None) -> None:
    """Print ``rows`` under ``headers`` as aligned plain-text columns (numeric columns right-aligned)."""
    cells = [[format_value(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    right = list(numeric) if numeric is not None else [False] * len(headers)

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)).rstrip()

    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def load_objective(spec: str) -> Callable[..., Any]:
    """The function named by ``module:function`` (importable from the current directory) or
    ``file.py:function``; CLIError saying what is wrong otherwise."""
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise CLIError(f"--objective must be module:function or file.py:function, got {spec!r}")
    try:
        if target.endswith(".py"):
            module_spec = importlib.util.spec_from_file_location(os.path.basename(target)[:-3], target)
            if module_spec is None or module_spec.loader is None or not os.path.isfile(target):
                raise CLIError(f"--objective: no such file {target!r}")
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path:  # as `python -m` would: modules next to the user are importable
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(target)
    except ImportError as exc:
        raise CLIError(f"--objective: cannot import {target!r}: {exc}") from None
    func = getattr(module, name, None)
    if not callable(func):
        raise CLIError(f"--objective: {target!r} has no function {name!r}")
    return func
