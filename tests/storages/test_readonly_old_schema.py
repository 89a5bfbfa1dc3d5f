"""An SQLite file of an older (still supported) schema opened read-only is read as it is, not upgraded.

The dashboard and the ``parzen`` command open SQLite files with ``mode=ro``; the storage used to
upgrade an old schema on open and failed with "attempt to write a readonly database". The fixture is
a schema 1 file written by an earlier parzen (rollback journal, not WAL).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from parzen.cli import main
from parzen.cli._common import _sqlite_read_only_creator
from parzen.storages.sql import SCHEMA_VERSION, RDBStorage
from parzen.trial import TrialState

_FIXTURE = Path(__file__).parent / "data" / "schema_v1.db"


@pytest.fixture
def v1_file(tmp_path: Path) -> Path:
    path = tmp_path / "v1.db"
    shutil.copy(_FIXTURE, path)
    return path


def _schema_version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT schema_version FROM version_info").fetchone()[0])
    finally:
        conn.close()


def test_read_only_storage_reads_schema_1_without_changing_the_file(v1_file: Path) -> None:
    assert SCHEMA_VERSION > 1 and _schema_version(v1_file) == 1
    before = v1_file.read_bytes()
    storage = RDBStorage(f"sqlite:///{v1_file}", engine_kwargs={"creator": _sqlite_read_only_creator(str(v1_file))})
    sid = storage.get_study_id("written by schema 1")
    trials = storage.get_all_trials(sid)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3 + [TrialState.RUNNING]
    assert [t.params for t in trials[:3]] == [{"x": i / 4, "n": i, "c": "ab"[i % 2]} for i in range(3)]
    assert [t.values for t in trials[:3]] == [(float(i),) for i in range(3)]
    assert [t.intermediate_values for t in trials[:3]] == [{1: float(i)} for i in range(3)]
    assert storage.get_trial(trials[1].trial_id).params == trials[1].params
    assert storage.get_all_trials(sid, (TrialState.COMPLETE,)) == trials[:3]
    assert storage.get_study_user_attrs(sid) == {"note": "kept"}
    assert [s.study_name for s in storage.get_all_studies()] == ["written by schema 1"]
    assert v1_file.read_bytes() == before
    assert sorted(p.name for p in v1_file.parent.iterdir()) == ["v1.db"]  # no journal or WAL file left


def test_the_command_shows_a_schema_1_file_and_leaves_it_as_it_was(v1_file: Path, capsys) -> None:
    before = v1_file.read_bytes()
    assert main(["trials", "--storage", f"sqlite:///{v1_file}", "--study", "written by schema 1"]) == 0
    out = capsys.readouterr().out
    assert "COMPLETE" in out and "RUNNING" in out and "0.25" in out
    assert main(["studies", "--storage", f"sqlite:///{v1_file}"]) == 0
    assert "written by schema 1" in capsys.readouterr().out
    assert v1_file.read_bytes() == before


def test_a_writable_open_still_upgrades_it(v1_file: Path) -> None:
    read_only = RDBStorage(f"sqlite:///{v1_file}",
                           engine_kwargs={"creator": _sqlite_read_only_creator(str(v1_file))})
    assert len(read_only.get_all_trials(read_only.get_study_id("written by schema 1"))) == 4
    writer = RDBStorage(f"sqlite:///{v1_file}")
    sid = writer.get_study_id("written by schema 1")
    assert _schema_version(v1_file) == SCHEMA_VERSION
    writer.create_trial(sid)
    assert len(writer.get_all_trials(sid)) == 5
