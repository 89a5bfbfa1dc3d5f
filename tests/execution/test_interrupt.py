"""Ctrl-C during ``optimize``: the running trial becomes FAIL, finished trials stay, the interrupt goes on."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Iterator

import pytest

import parzen
from parzen import TrialState
from parzen.storages import InMemoryStorage, TrialTemplate

HELPER = pathlib.Path(__file__).with_name("_exec_objectives.py")


def _interrupt_at_trial_five(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    time.sleep(0.03)
    if trial.number == 5:
        raise KeyboardInterrupt
    return x


def _assert_interrupted_at(study: parzen.Study, numbers: set[int]) -> None:
    """Trials ``numbers`` FAIL by the interrupt, every other one COMPLETE with its value, numbers contiguous."""
    assert sorted(t.number for t in study.trials) == list(range(len(study.trials)))
    for t in study.trials:
        if t.number in numbers:
            assert t.state == TrialState.FAIL
            assert "KeyboardInterrupt" in t.fail_reason
        else:
            assert t.state == TrialState.COMPLETE, t
            assert t.value == t.params["x"]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_keyboard_interrupt_in_the_objective(n_jobs: int) -> None:
    study = parzen.create_study()
    with pytest.raises(KeyboardInterrupt):
        study.optimize(_interrupt_at_trial_five, n_trials=100, n_jobs=n_jobs)
    _assert_interrupted_at(study, {5})
    assert 6 <= len(study.trials) <= 5 + n_jobs


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """Python's own SIGINT handler, as at a terminal (a job started in the background inherits SIG_IGN)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class _SigintAfterCreatingTrial(InMemoryStorage):
    """Sends this process a SIGINT right after the storage created trial ``number``."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self._number = number

    def create_trial(self, study_id: int, template: TrialTemplate | None = None) -> tuple[int, int]:
        trial_id, number = super().create_trial(study_id, template)
        if number == self._number:
            os.kill(os.getpid(), signal.SIGINT)
        return trial_id, number


@pytest.mark.usefixtures("default_sigint")
def test_sigint_while_a_trial_is_created_does_not_leave_it_running() -> None:
    study = parzen.create_study(storage=_SigintAfterCreatingTrial(3))
    with pytest.raises(KeyboardInterrupt):
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=10)
    _assert_interrupted_at(study, {3})
    assert len(study.trials) == 4
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_sigint_handler_of_the_user_is_left_alone() -> None:
    def handler(signum: int, frame: object) -> None:
        """The user's own Ctrl-C handling."""

    previous = signal.signal(signal.SIGINT, handler)
    try:
        seen: list[object] = []
        parzen.create_study().optimize(lambda t: seen.append(signal.getsignal(signal.SIGINT)) or 0.0, n_trials=2)
        assert seen == [handler, handler]
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_for(condition: object, proc: subprocess.Popen, what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if proc.poll() is not None:
            raise AssertionError(f"the worker exited ({proc.returncode}) before {what}: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize("mode", ["serial", "thread", "process"])
def test_real_sigint_to_a_program_using_sqlite(tmp_path: pathlib.Path, mode: str) -> None:
    """SIGINT while trial 3 sleeps: 0-2 kept, 3 FAIL, with 2 workers one more trial may fail too."""
    url = f"sqlite:///{tmp_path / 'interrupt.db'}"
    marks = tmp_path / "marks"
    marks.mkdir()
    parzen.create_study(storage=url, study_name="interrupted")
    proc = subprocess.Popen([sys.executable, str(HELPER), "sigint", url, "interrupted", str(marks), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: (marks / "3").exists(), proc, "trial 3 started")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    study = parzen.load_study("interrupted", storage=url)
    failed = {t.number for t in study.trials if t.state != TrialState.COMPLETE}
    assert 3 in failed
    assert len(failed) <= (1 if mode == "serial" else 2)
    _assert_interrupted_at(study, failed)
