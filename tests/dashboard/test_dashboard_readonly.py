"""The dashboard only reads: the file never changes, a writer never waits for it, it cannot write at all."""

from __future__ import annotations

import gc
import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from _dashboard_serving import start_dashboard, stop

import parzen
from parzen.cli._common import open_storage

ENDPOINTS = ["/", "/api/studies", "/api/studies/quad", "/api/studies/quad/trials?sort=value:0",
             "/api/studies/quad/revision", "/api/studies/quad/plots", "/api/studies/quad/plots/history",
             "/api/studies/quad/plots/importance", "/api/studies/front/plots/pareto_front"]


def _settled(url: str) -> Path:
    """The SQLite file of ``url`` once the writers of this process are gone."""
    gc.collect()
    return Path(url.removeprefix("sqlite:///"))


def _digest(path: Path) -> str:
    """The database's content: the file and its write-ahead log, where committed writes wait for a checkpoint."""
    wal = path.with_name(path.name + "-wal")
    return hashlib.sha256(path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).hexdigest()


def test_serving_every_page_leaves_the_file_unchanged(url, client) -> None:
    path = _settled(url)
    before, mtime = _digest(path), path.stat().st_mtime_ns
    for endpoint in ENDPOINTS:
        assert client.get(endpoint).status_code == 200, endpoint
    assert _digest(path) == before and path.stat().st_mtime_ns == mtime


def test_its_storage_cannot_write(url) -> None:
    path = _settled(url)
    before = _digest(path)
    storage = open_storage(url)
    with pytest.raises(Exception, match="readonly|read-only|read only"):
        storage.create_study("new", ["minimize"])
    with pytest.raises(Exception, match="readonly|read-only|read only"):
        parzen.load_study("quad", storage=storage).set_user_attr("k", 1)
    assert parzen.get_all_study_names(url) == ["quad", "front"] and _digest(path) == before


# A writer that refuses to wait: with SQLite's busy timeout at 0, any lock held by a reader makes
# its BEGIN IMMEDIATE or COMMIT fail at once with "database is locked". It writes until told to stop
# (a stop file), and at least 150 times, so it is still writing whatever the machine's speed.
_IMPATIENT_WRITER = textwrap.dedent("""
    import os, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
    study_id = conn.execute("SELECT study_id FROM studies WHERE study_name = 'quad'").fetchone()[0]
    i = 0
    while i < 150 or not os.path.exists(sys.argv[2]):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO study_user_attrs (study_id, attr_key, value_json) VALUES (?, ?, ?)",
                     (study_id, f"note{i}", str(i)))
        conn.execute("COMMIT")
        i += 1
    print("wrote", i)
""")


def test_a_running_writer_never_waits_for_the_dashboard(url, tmp_path) -> None:
    path = _settled(url)
    stop_file = tmp_path / "stop"
    proc, base = start_dashboard(url)
    try:
        writer = subprocess.Popen([sys.executable, "-c", _IMPATIENT_WRITER, str(path), str(stop_file)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        served_while_writing = 0
        with httpx.Client(base_url=base, timeout=60) as http:
            while served_while_writing < 5 and writer.poll() is None:
                for endpoint in ENDPOINTS[1:6]:
                    assert http.get(endpoint).status_code == 200
                served_while_writing += 1
        stop_file.touch()
        out, err = writer.communicate(timeout=60)
    finally:
        stop(proc)
    assert writer.returncode == 0, err  # never "database is locked"
    written = int(out.split()[-1])
    assert served_while_writing == 5 and written >= 150
    assert parzen.load_study("quad", storage=url).user_attrs[f"note{written - 1}"] == written - 1


def test_postgresql_is_opened_read_only(postgres_url) -> None:
    parzen.create_study(storage=postgres_url, study_name="pg").optimize(lambda t: t.suggest_float("x", 0, 1),
                                                                        n_trials=3)
    storage = open_storage(postgres_url)
    assert len(parzen.load_study("pg", storage=storage).trials) == 3
    with pytest.raises(Exception, match="read-only transaction"):
        storage.create_study("new", ["minimize"])
    assert parzen.get_all_study_names(postgres_url) == ["pg"]


def test_a_missing_sqlite_file_is_not_created(tmp_path) -> None:
    from parzen.cli._common import CLIError

    with pytest.raises(CLIError, match="no such file"):
        open_storage(f"sqlite:///{tmp_path / 'absent.db'}")
    assert list(tmp_path.iterdir()) == []

