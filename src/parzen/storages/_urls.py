"""Storage URLs: which storage a URL names, checked before anything connects.

A URL is read once, here, by :func:`parzen.storages.get_storage` and the ``parzen`` command alike, so
that a string that names no usable storage fails with one ValueError naming the argument, the URL (any
password hidden) and the forms that work, instead of an error from SQLAlchemy or a database driver
raised mid-way through opening it. Redis URLs (``redis://``, ``rediss://``, ``unix://``) open a Redis
storage; any other URL must be an SQLAlchemy database URL whose dialect and driver are installed.

A URL of an accepted form whose optional package is missing (psycopg for ``postgresql+psycopg://``)
is an ImportError that says which extra to install: the URL is right, the installation is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parzen.storages._retry import hide_password

if TYPE_CHECKING:
    import sqlalchemy as sa

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

ACCEPTED_FORMS = ("sqlite:///path/to/file.db, postgresql+psycopg://user:password@host:5432/db "
                  "or redis://host:6379/0")

# The PyPI extra that brings the driver of each accepted database, by the driver's module name.
_EXTRA_OF_DRIVER = {"psycopg": "postgres", "redis": "redis"}


def is_redis_url(url: str) -> bool:
    """Whether ``url`` names a Redis storage (by its scheme)."""
    return url.lower().startswith(REDIS_SCHEMES)


def _wrong(name: str, url: str, why: str) -> ValueError:
    return ValueError(f"{name} {hide_password(url)!r} {why}; expected {ACCEPTED_FORMS}")


def _check_sqlite_file(parsed: sa.engine.URL, url: str, name: str) -> None:
    """ValueError unless an SQLite URL names a file: a study in memory is ``storage=None``."""
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        file = parsed.host or "parzen.db"  # sqlite://parzen.db puts the file name where a host goes
        raise _wrong(name, url, f"names no SQLite file (a file {file!r} in this folder is 'sqlite:///{file}'; "
                                "a study in memory is storage=None)")


def check_storage_url(url: str, name: str = "`storage`") -> sa.engine.URL | None:
    """Check that ``url`` names a storage parzen can open; the parsed SQLAlchemy URL, or None for Redis.

    ``name`` is how the caller's user wrote the argument (``storage`` for the Python API, ``--storage``
    for the command). Raises ValueError naming it for a string that is not a storage URL, a URL of an
    unknown database, an SQLite URL without a file (``sqlite://``, ``sqlite:///:memory:``), or a URL whose
    driver is not installed or is asynchronous; ImportError for an accepted form whose extra is not
    installed. Nothing connects.
    """
    if is_redis_url(url):
        import importlib.util

        if importlib.util.find_spec("redis") is None:
            raise ImportError(f"{name} {hide_password(url)!r} needs the redis client: pip install 'parzen[redis]'")
        return None
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        hint = f" (for the SQLite file {url!r}, write 'sqlite:///{url}')" if "://" not in url and url else ""
        raise _wrong(name, url, "is not a storage URL" + hint) from None
    try:
        dialect = parsed.get_dialect()
    except sa.exc.NoSuchModuleError:
        raise _wrong(name, url, f"names an unknown kind of database, {parsed.drivername!r}") from None
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(parsed, url, name)
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        missing = exc.name or str(exc)
        extra = _EXTRA_OF_DRIVER.get(missing)
        if extra is not None:
            raise ImportError(f"{name} {hide_password(url)!r} needs the driver {missing!r}: pip install "
                              f"'parzen[{extra}]'") from None
        raise _wrong(name, url, f"needs the driver module {missing!r}, which is not installed") from None
    if getattr(dialect, "is_async", False):
        raise _wrong(name, url, f"uses the asynchronous driver {parsed.get_driver_name()!r}; parzen's storage "
                                "needs a synchronous one")
    return parsed


def check_sql_url(url: str, name: str = "`url`") -> sa.engine.URL:
    """:func:`check_storage_url` for a storage that takes only SQL databases (RDBStorage): a Redis URL is a
    ValueError too."""
    parsed = check_storage_url(url, name)
    if parsed is None:
        raise ValueError(f"{name} {hide_password(url)!r} names a Redis storage, not an SQL database: open it with "
                         "RedisStorage, or pass the URL itself as storage=")
    return parsed
