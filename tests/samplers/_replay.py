"""Replay of suggestion sequences recorded with earlier code, for the tests that hold a speed-up to the
same suggestions (the same seed and the same tells give the same suggestions).

A test module defines ``SCENARIOS`` (name -> a function that runs a study and returns its suggestions,
each a dict of parameter names to their repr) and a JSON ``FIXTURE``; :func:`write`
re-records the fixture (run the test module as a script), only for a deliberate change of suggestions.
"""

from __future__ import annotations

import json
import pathlib
import sys
import warnings
from typing import Callable

Suggestions = list[dict[str, str]]
Scenarios = dict[str, Callable[[], Suggestions]]


def _run_quietly(scenario: Callable[[], Suggestions]) -> Suggestions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return scenario()


def load(fixture: pathlib.Path) -> dict[str, Suggestions]:
    """The recorded suggestions, or nothing before the first recording."""
    return json.loads(fixture.read_text()) if fixture.exists() else {}


def check(scenarios: Scenarios, recorded: dict[str, Suggestions], scenario: str, n_trials: int | None = None) -> None:
    """Run ``scenario`` now and compare every suggestion with the recorded one."""
    got = _run_quietly(scenarios[scenario])
    expected = recorded[scenario]
    assert len(got) == len(expected)
    if n_trials is not None:
        assert len(got) == n_trials
    for number, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"{scenario}: trial {number} suggested {g}, recorded {e}"


def write(fixture: pathlib.Path, scenarios: Scenarios) -> None:
    """Record every scenario into ``fixture``."""
    fixture.write_text(json.dumps({name: _run_quietly(run) for name, run in scenarios.items()},
                                  indent=1, sort_keys=True) + "\n")
    print(f"wrote {fixture}", file=sys.stderr)
