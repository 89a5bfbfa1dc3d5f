"""`parzen studies|trials|best|export|delete`: tables, exports, confirmation, errors and exit codes."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import parzen
from _sample_studies import N_QUAD_COMPLETE, make_storage
from parzen.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def url(tmp_path) -> str:
    return make_storage(tmp_path / "studies.db")


def _lines(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def test_studies_lists_every_study_with_counts_and_best(url, capsys) -> None:
    assert main(["studies", "--storage", url]) == 0
    header, rule, *rows = _lines(capsys.readouterr().out)
    assert header == ["study", "directions", "trials", "complete", "pruned", "fail", "running", "waiting", "best"]
    by_name = {row[0]: row for row in rows}
    best = parzen.load_study("quad", storage=url).best_value
    assert by_name["quad"][1:9] == ["minimize", str(N_QUAD_COMPLETE + 3), str(N_QUAD_COMPLETE), "1", "1", "1", "0",
                                    f"{best:.6g}"]
    assert by_name["front"][1:4] == ["minimize,minimize", "8", "8"] and "Pareto" in " ".join(by_name["front"])


def test_studies_of_an_empty_storage(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    parzen.create_study(storage=url, study_name="gone")
    parzen.delete_study("gone", storage=url)  # a parzen database without studies
    assert main(["studies", "--storage", url]) == 0
    assert capsys.readouterr().out.strip() == f"no studies in {url}"


def test_tables_are_aligned_plain_text(url, capsys) -> None:
    main(["trials", "--storage", url, "--study", "quad"])
    lines = capsys.readouterr().out.splitlines()
    rule = lines[1]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    assert len(starts) == len(lines[0].split())
    assert all(line.isascii() and "\x1b" not in line for line in lines)
    # right-aligned numbers: every row's number column ends where the header's "number" ends
    assert all(line[:6].strip().isdigit() for line in lines[2:])


def test_trials_table_and_state_filter(url, capsys) -> None:
    assert main(["trials", "--storage", url, "--study", "quad"]) == 0
    header, _, *rows = _lines(capsys.readouterr().out)
    assert header == ["number", "state", "value", "duration_s", "x", "n", "lr", "kind", "fold"]
    assert [int(r[0]) for r in rows] == list(range(N_QUAD_COMPLETE + 3))
    assert main(["trials", "--storage", url, "--study", "quad", "--state", "fail", "--state", "pruned"]) == 0
    _, _, *rows = _lines(capsys.readouterr().out)
    assert sorted(r[1] for r in rows) == ["FAIL", "PRUNED"]
    assert main(["trials", "--storage", url, "--study", "quad", "--state", "waiting"]) == 0
    assert "has no trials in that state" in capsys.readouterr().out


def test_study_may_be_left_out_only_when_there_is_one(url, tmp_path, capsys) -> None:
    assert main(["trials", "--storage", url]) == 1
    assert "give --study: " in capsys.readouterr().err
    parzen.delete_study("front", storage=url)
    assert main(["best", "--storage", url]) == 0
    assert "study:  quad" in capsys.readouterr().out


def test_best_single_and_multi_objective(url, capsys) -> None:
    best = parzen.load_study("quad", storage=url).best_trial
    assert main(["best", "--storage", url, "--study", "quad"]) == 0
    out = capsys.readouterr().out
    assert f"trial:  {best.number}\n" in out and f"value:  {best.values[0]!r}\n" in out
    assert f"kind   {best.params['kind']}" in out and "fold" in out
    front = parzen.load_study("front", storage=url).best_trials
    assert main(["best", "--storage", url, "--study", "front"]) == 0
    out = capsys.readouterr().out
    assert f"{len(front)} trial(s) on the Pareto front" in out
    assert len(_lines(out)) == 3 + len(front)


def test_best_without_a_complete_trial_fails(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    study = parzen.create_study(storage=url, study_name="none")
    study.tell(study.ask(), state=parzen.TrialState.FAIL)
    assert main(["best", "--storage", url]) == 1
    assert "has no COMPLETE trial yet" in capsys.readouterr().err


def test_export_csv_to_a_file_and_json_to_stdout(url, tmp_path, capsys) -> None:
    out = tmp_path / "quad.csv"
    assert main(["export", "--storage", url, "--study", "quad", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == N_QUAD_COMPLETE + 3 and rows[0]["params_kind"] in ("adam", "sgd")
    assert "wrote 15 trial(s)" in capsys.readouterr().err
    assert main(["export", "--storage", url, "--study", "quad", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["study_name"] == "quad" and len(data["trials"]) == N_QUAD_COMPLETE + 3
    assert main(["export", "--storage", url, "--study", "front", "--format", "csv"]) == 0
    header = next(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert header[:3] == ["number", "values_0", "values_1"]


def test_export_to_an_unwritable_place_fails(url, tmp_path, capsys) -> None:
    assert main(["export", "--storage", url, "--study", "quad", "--out", str(tmp_path / "no" / "x.csv")]) == 1
    assert "cannot write --out" in capsys.readouterr().err


def test_delete_asks_first(url, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["delete", "--storage", url, "--study", "quad"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # the question goes to the terminal (stderr), not into redirected output
    assert captured.err.startswith("delete study 'quad' and its 15 trial(s)")
    assert captured.err.endswith("[y/N] not deleted (--yes deletes without asking)\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # nobody to answer: declined, on a line of its own
    assert main(["delete", "--storage", url, "--study", "quad"]) == 1
    assert capsys.readouterr().err.endswith("[y/N] \nnot deleted (--yes deletes without asking)\n")
    assert "quad" in parzen.get_all_study_names(url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    assert main(["delete", "--storage", url, "--study", "quad"]) == 0
    assert parzen.get_all_study_names(url) == ["front"]


def test_delete_yes_skips_the_question(url, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # nothing to read: a question would be declined
    assert main(["delete", "--storage", url, "--study", "front", "--yes"]) == 0
    assert capsys.readouterr().out.strip() == "deleted study 'front'"
    assert parzen.get_all_study_names(url) == ["quad"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", ["studies", "trials", "best", "export"])
def test_bad_storage_urls_are_clear_errors(tmp_path, capsys, command) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE experiments (id INTEGER)")
    before = _digest(other)
    cases = [
        (f"sqlite:///{tmp_path / 'absent.db'}", "no such file"),
        (f"sqlite:///{other}", "is not a parzen storage: it has no 'version_info' table (tables: experiments)"),
    ]
    for url, message in cases:
        assert main([command, "--storage", url]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"parzen {command}: error: ") and message in err
    assert not (tmp_path / "absent.db").exists() and _digest(other) == before


@pytest.mark.parametrize("command", ["studies", "trials", "best", "export", "delete", "plot", "dashboard", "worker"])
@pytest.mark.parametrize("url, message", [
    ("mp.db", "--storage 'mp.db' is not a storage URL (for the SQLite file 'mp.db', write 'sqlite:///mp.db')"),
    ("nosuchdb://u:pw@host/x", "--storage 'nosuchdb://u:***@host/x' names an unknown kind of database"),
    ("sqlite://parzen.db", "--storage 'sqlite://parzen.db' names no SQLite file"),
])
def test_a_string_that_is_no_storage_url_is_a_usage_error(command, url, message, tmp_path, monkeypatch,
                                                          capsys) -> None:
    """The same check and message as the Python API's ValueError, with exit status 2 and the usage."""
    monkeypatch.chdir(tmp_path)
    extra = {"plot": ["--out", "plots"], "delete": ["--study", "s"],
             "worker": ["--study", "s", "--objective", "m:f"]}.get(command, [])
    with pytest.raises(SystemExit) as exc:
        main([command, "--storage", url, *extra])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith(f"usage: parzen {command}")
    assert message in err and "expected sqlite:///path/to/file.db, postgresql+psycopg://" in err
    assert "pw@" not in err and os.listdir(tmp_path) == []


def test_missing_study_lists_the_names(url, capsys) -> None:
    for command in ("trials", "best", "export", "delete", "plot"):
        extra = ["--out", "x"] if command == "plot" else []
        assert main([command, "--storage", url, "--study", "nope", *extra]) == 1
        assert "no study named 'nope'" in capsys.readouterr().err and "studies there: 'quad', 'front'"


def test_reading_commands_leave_the_file_unchanged(url, tmp_path, capsys) -> None:
    path = Path(url.removeprefix("sqlite:///"))
    # The writers that made the file close now, not whenever the collector finds them during the test: the
    # last connection of a writer checkpoints the WAL into the file, a change that is not the readers'.
    gc.collect()
    before = _digest(path)
    for argv in (["studies"], ["trials", "--study", "quad"], ["best", "--study", "quad"],
                 ["export", "--study", "quad", "--format", "json"]):
        assert main([argv[0], "--storage", url, *argv[1:]]) == 0
    assert _digest(path) == before


@pytest.mark.parametrize("argv", [["studies"], ["trials", "--storage", "sqlite:///x.db", "--state", "done"],
                                  ["export", "--storage", "sqlite:///x.db", "--format", "xml"], ["nosuchcommand"]])
def test_usage_errors_exit_2(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and "usage: parzen" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["studies", "trials", "best", "export", "delete", "plot", "dashboard", "worker",
                                     "sweep"])
def test_help_is_plain_text(command, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "--storage" in out or command == "sweep"
    for markup in ("``", "**", ":class:", ":func:", "\x1b["):
        assert markup not in out


def test_a_subcommand_module_that_is_absent_is_left_out(monkeypatch, capsys) -> None:
    import parzen.cli as cli

    monkeypatch.setattr(cli, "SUBCOMMANDS", (*cli.SUBCOMMANDS, "no_such_subcommand"))
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "studies" in out and "no_such_subcommand" not in out


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "parzen.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_real_command_in_its_own_process(url, tmp_path) -> None:
    ok = _run("studies", "--storage", url, cwd=tmp_path)
    assert ok.returncode == 0 and "quad" in ok.stdout and ok.stderr == ""
    missing = _run("best", "--storage", url, "--study", "nope", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"parzen best: error: no study named 'nope' in {url}; studies there: 'quad', 'front'"
    usage = _run("best", cwd=tmp_path)
    assert usage.returncode == 2 and "the following arguments are required: --storage" in usage.stderr
