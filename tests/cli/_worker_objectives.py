"""Objectives for ``parzen worker`` in the tests, loaded by the command as ``_worker_objectives.py:NAME``."""

from __future__ import annotations

import os
import pathlib
import time
from typing import Any

MARK_ENV = "PARZEN_TEST_MARK"


def quick(trial: Any) -> float:
    """x in [0, 1], returned as it is."""
    return trial.suggest_float("x", 0.0, 1.0)


def take_50_ms(trial: Any) -> float:
    """x in [0, 1] after 50 ms of work."""
    time.sleep(0.05)
    return trial.suggest_float("x", 0.0, 1.0)


def hang_in_trial_one(trial: Any) -> float:
    """Each trial takes 0.1 s; trial 1 marks $PARZEN_TEST_MARK and hangs (to be killed); its retry has another number."""
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.report(x, 0)
    if trial.number == 1:
        pathlib.Path(os.environ[MARK_ENV]).touch()
        time.sleep(120)
    time.sleep(0.1)
    trial.set_user_attr("pid", os.getpid())
    return x


def raise_value_error(trial: Any) -> float:
    """Always fails."""
    trial.suggest_float("x", 0.0, 1.0)
    raise ValueError("always broken")
