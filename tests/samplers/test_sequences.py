"""Every sampler suggests exactly what it suggested when ``sequences.json`` was recorded (floats by repr).

The fixture pins the behaviour of the samplers through refactors of their shared plumbing; see
``_sequences.py`` for the spaces and how to re-record after a deliberate change.
"""

from __future__ import annotations

import json
import warnings

import pytest
from _sequences import FIXTURE, SAMPLERS, SPACES, run

RECORDED = json.loads(FIXTURE.read_text())


@pytest.mark.parametrize("space", list(SPACES))
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_replays_the_recorded_suggestions(sampler: str, space: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = run(sampler, space)
    expected = RECORDED[sampler][space]
    assert len(got) == len(expected)
    for number, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"{sampler} on {space}: trial {number} suggested {g}, recorded {e}"
