"""Serving the dashboard for the tests, and reading plotly figures back."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from _servers import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def n_points(trace: dict[str, Any], axis: str = "x") -> int:
    """Number of points of a plotly trace, whether the axis is a list or plotly's base64 typed array."""
    values = trace[axis]
    if isinstance(values, dict):
        return len(base64.b64decode(values["bdata"])) // int(values["dtype"][1:])
    return len(values)


def start_dashboard(url: str, *args: str, host: str = "127.0.0.1") -> tuple[subprocess.Popen[str], str]:
    """``python -m parzen.cli dashboard --storage url`` in its own process; returns it and its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "parzen.cli", "dashboard", "--storage", url, "--port", str(port),
                             *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if httpx.get(base + "/api/studies", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the dashboard did not start: {proc.communicate()[0]}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen[str]) -> str:
    """Stop a dashboard process as Ctrl-C would and return what it printed."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]
