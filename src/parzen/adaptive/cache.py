"""A persistent cache of objective values, keyed by what the objective is and by the parameters.

The key of an objective is a hash of its qualified name, its code (bytecode, constants and names,
nested functions included), its default arguments and the values its closure holds (arrays by
their bytes), together with the search space it is optimized over and the number of objectives.
Change any of these and the cached values no longer apply: a changed objective or space never gets
a stale result. The same objective over the same space in a new process finds its values again,
so a new optimizer starts warm. Values are stored as JSON in an SQLite file (no pickle).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import threading
import types
from typing import Any, Callable, Mapping

import sqlalchemy as sa

CACHE_FILE = "parzen_cache.db"

_metadata = sa.MetaData()
_results = sa.Table(
    "results", _metadata,
    sa.Column("objective", sa.Text, primary_key=True),
    sa.Column("params", sa.Text, primary_key=True),
    sa.Column("values", sa.Text, nullable=False))


def _feed(h: Any, value: Any, depth: int = 0) -> None:
    """Add a stable description of ``value`` to the hash ``h``."""
    if depth > 8:
        h.update(b"<deep>")
        return
    if isinstance(value, types.CodeType):
        h.update(value.co_code)
        h.update(repr(value.co_names).encode())
        for const in value.co_consts:
            _feed(h, const, depth + 1)
        return
    if isinstance(value, types.FunctionType):
        h.update(f"{value.__module__}.{value.__qualname__}".encode())
        _feed(h, value.__code__, depth + 1)
        _feed(h, value.__defaults__, depth + 1)
        for cell in value.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell
                contents = None
            _feed(h, contents, depth + 1)
        return
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        h.update(repr(value).encode())
        return
    if isinstance(value, (tuple, list)):
        h.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _feed(h, item, depth + 1)
        return
    if hasattr(value, "tobytes") and hasattr(value, "dtype"):  # numpy arrays
        h.update(f"{value.dtype}{getattr(value, 'shape', '')}".encode())
        h.update(value.tobytes())
        return
    try:
        h.update(pickle.dumps(value, protocol=4))
    except Exception:  # an unpicklable object: its type is all that can be said of it
        h.update(f"{type(value).__module__}.{type(value).__qualname__}".encode())


def objective_key(objective: Callable[..., Any], space: Mapping[str, Any], n_objectives: int) -> str:
    """The cache key of ``objective`` optimized over ``space`` (tuple form) with ``n_objectives``."""
    h = hashlib.sha256()
    target: Any = objective
    if not isinstance(objective, (types.FunctionType, types.MethodType)):
        target = type(objective).__call__  # a callable object: its class's code, and its state below
        _feed(h, objective)
    if isinstance(target, types.MethodType):
        _feed(h, target.__self__)
        target = target.__func__
    _feed(h, target)
    h.update(json.dumps({k: list(v) for k, v in space.items()}, sort_keys=True, default=repr).encode())
    h.update(str(n_objectives).encode())
    return h.hexdigest()


def params_key(params: Mapping[str, Any]) -> str:
    return json.dumps(dict(params), sort_keys=True)


class ResultCache:
    """Objective values on disk under ``cache_dir``, safe to share between threads and processes."""

    def __init__(self, cache_dir: str | os.PathLike[str]) -> None:
        os.makedirs(cache_dir, exist_ok=True)
        path = os.path.join(os.fspath(cache_dir), CACHE_FILE)
        self._engine = sa.create_engine(sa.engine.URL.create("sqlite", database=path),
                                        connect_args={"timeout": 30})
        self._lock = threading.Lock()
        with self._engine.begin() as conn:
            _metadata.create_all(conn)

    def get(self, key: str, params: Mapping[str, Any]) -> tuple[float, ...] | None:
        """The values stored for these parameters, or None."""
        with self._lock, self._engine.connect() as conn:
            row = conn.execute(sa.select(_results.c["values"]).where(
                _results.c.objective == key, _results.c.params == params_key(params))).first()
        return None if row is None else tuple(json.loads(row[0]))

    def put(self, key: str, params: Mapping[str, Any], values: tuple[float, ...]) -> None:
        """Store finite ``values``; the first value stored for a parameter set stays."""
        if not all(math.isfinite(v) for v in values):
            return
        with self._lock, self._engine.begin() as conn:
            conn.execute(sa.insert(_results).prefix_with("OR IGNORE").values(
                objective=key, params=params_key(params), values=json.dumps(list(values))))

    def entries(self, key: str) -> list[tuple[dict[str, Any], tuple[float, ...]]]:
        """Every parameter set stored for ``key``, with its values."""
        with self._lock, self._engine.connect() as conn:
            rows = conn.execute(sa.select(_results.c.params, _results.c["values"])
                                .where(_results.c.objective == key)).all()
        return [(json.loads(p), tuple(json.loads(v))) for p, v in rows]

    def close(self) -> None:
        self._engine.dispose()
