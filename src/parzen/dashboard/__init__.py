"""The local web dashboard: ``parzen dashboard --storage URL`` (the optional extra ``parzen[dashboard]``).

A page that lists the studies of a storage and shows each one: its trials (a sortable, filterable
table paged by the server), and its history, importance, parallel-coordinate, slice,
intermediate-value and Pareto plots, updated live while the study runs. It only reads the storage
(SQLite files are opened read-only), so it is safe beside running workers, and it listens on
127.0.0.1 unless told otherwise.

Built on Starlette and uvicorn: a small, well-kept ASGI stack that installs from PyPI alone; the
page is plain HTML, CSS and JavaScript shipped in this package, with plotly.js taken from the
installed ``plotly`` package, so nothing is built and nothing is fetched from the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from parzen.storages import BaseStorage

__all__ = ["create_app", "serve"]


def create_app(storage: "BaseStorage") -> "Starlette":
    """The dashboard's ASGI application over ``storage`` (see :mod:`parzen.dashboard.app`)."""
    from parzen.dashboard.app import create_app as _create_app

    return _create_app(storage)


def serve(storage: "BaseStorage", host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve the dashboard of ``storage`` at ``http://host:port/`` until interrupted."""
    import uvicorn

    uvicorn.run(create_app(storage), host=host, port=port, log_level="warning")
