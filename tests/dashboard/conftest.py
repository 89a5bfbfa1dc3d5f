"""Fixtures of the dashboard tests: a sample SQLite storage and a dashboard served by uvicorn in a thread."""

from __future__ import annotations

import threading
import time
from typing import Iterator

import httpx
import pytest
import uvicorn
from _dashboard_serving import START_TIMEOUT_S, free_port

from _sample_studies import make_storage
from parzen.cli._common import open_storage
from parzen.dashboard import create_app


@pytest.fixture
def url(tmp_path) -> str:
    """The SQLite storage of tests/_sample_studies.py (studies "quad" and "front")."""
    return make_storage(tmp_path / "studies.db")


@pytest.fixture
def client(url) -> Iterator[httpx.Client]:
    """An HTTP client of the dashboard of ``url``, served by uvicorn in a thread of this process."""
    server = uvicorn.Server(uvicorn.Config(create_app(open_storage(url)), host="127.0.0.1", port=free_port(),
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{server.config.port}", timeout=60) as http:
        yield http
    server.should_exit = True
    thread.join(timeout=30)
