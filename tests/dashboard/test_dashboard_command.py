"""`parzen dashboard`: where it listens, and the errors it gives before serving anything."""

from __future__ import annotations

import socket

import httpx
import pytest
from _dashboard_serving import free_port, start_dashboard, stop

from parzen.cli import main


def test_listens_on_127_0_0_1_by_default_and_says_where(url) -> None:
    proc, base = start_dashboard(url)
    try:
        assert httpx.get(base + "/api/studies", timeout=30).status_code == 200
    finally:
        printed = stop(proc)
    assert f"parzen dashboard of {url} (read-only) at {base}/" in printed


def test_host_chooses_the_address(url) -> None:
    proc, base = start_dashboard(url, "--host", "127.0.0.2", host="127.0.0.2")
    try:
        assert httpx.get(base + "/api/studies", timeout=30).status_code == 200
        with pytest.raises(httpx.ConnectError):  # nothing listens on 127.0.0.1 at that port
            httpx.get(base.replace("127.0.0.2", "127.0.0.1") + "/api/studies", timeout=5)
    finally:
        stop(proc)


def test_a_port_in_use_is_an_error(url, capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--storage", url, "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "70000"])
def test_port_out_of_range_is_a_usage_error(url, capsys, port) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "--storage", url, "--port", port])
    assert exc.value.code == 2 and "--port must be in [1, 65535]" in capsys.readouterr().err


def test_a_wrong_storage_fails_before_serving(tmp_path, capsys) -> None:
    port = free_port()
    assert main(["dashboard", "--storage", f"sqlite:///{tmp_path / 'absent.db'}", "--port", str(port)]) == 1
    assert "no such file" in capsys.readouterr().err
