"""A reader that goes away (``parzen trials ... | head``) ends every subcommand quietly: no traceback, exit
status 141 as for a command ended by SIGPIPE. Real processes on a real pipe whose reading end is closed
before the command writes, so the write fails every time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from _sample_studies import make_storage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_storage(tmp_path_factory.mktemp("pipes") / "studies.db")


@pytest.mark.parametrize("argv", [["trials", "--study", "quad"], ["studies"], ["best", "--study", "front"],
                                  ["export", "--study", "quad", "--format", "csv"]])
def test_a_closed_pipe_ends_the_command_quietly(url: str, argv: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "parzen.cli", argv[0], "--storage", url, *argv[1:]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == ""


def test_a_reader_that_stays_gets_everything(url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "parzen.cli", "trials", "--storage", url, "--study", "quad"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    assert len(proc.stdout.splitlines()) == 2 + 15  # header, rule, one line per trial
