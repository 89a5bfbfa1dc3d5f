"""The progress bar of ``optimize``: written to stderr, with the best value so far."""

from __future__ import annotations

import asyncio
import sys

import pytest

import parzen

_VALUES = [3.5, 0.25, 2.0, 7.0]


def _listed(trial: parzen.Trial) -> float:
    return _VALUES[trial.number % len(_VALUES)]


def test_bar_shows_the_best_value(capsys: pytest.CaptureFixture[str]) -> None:
    study = parzen.create_study()
    study.optimize(_listed, n_trials=4, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "best=0.25" in err
    assert "4/4" in err


def test_bar_of_a_maximized_study(capsys: pytest.CaptureFixture[str]) -> None:
    study = parzen.create_study(direction="maximize")
    study.optimize(_listed, n_trials=4, show_progress_bar=True, n_jobs=2)
    assert "best=7" in capsys.readouterr().err


def test_bar_starts_from_the_studys_earlier_best(capsys: pytest.CaptureFixture[str]) -> None:
    study = parzen.create_study()
    study.optimize(_listed, n_trials=2)
    study.optimize(lambda t: 5.0, n_trials=2, show_progress_bar=True)
    assert "best=0.25" in capsys.readouterr().err


def test_async_bar(capsys: pytest.CaptureFixture[str]) -> None:
    async def objective(trial: parzen.Trial) -> float:
        return _listed(trial)

    study = parzen.create_study()
    asyncio.run(study.optimize_async(objective, n_trials=4, concurrency=2, show_progress_bar=True))
    assert "best=0.25" in capsys.readouterr().err


def test_plain_text_without_tqdm(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    study = parzen.create_study()
    study.optimize(_listed, n_trials=4, show_progress_bar=True)
    assert "parzen: 4/4 trials, best=0.25" in capsys.readouterr().err


def test_no_bar_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    parzen.create_study().optimize(_listed, n_trials=4)
    assert capsys.readouterr().err == ""


def test_multi_objective_study_has_no_single_best(capsys: pytest.CaptureFixture[str]) -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    study.optimize(lambda t: (1.0, 2.0), n_trials=2, show_progress_bar=True)
    assert "best=n/a" in capsys.readouterr().err
