"""Pruners and samplers check their arguments with one helper: the same error type and message."""

from __future__ import annotations

import numpy as np
import pytest

import parzen
from parzen.pruners import MedianPruner, PatiencePruner, PercentilePruner


@pytest.mark.parametrize("bad, error", [(2.0, TypeError), (True, TypeError), ("2", TypeError), (None, TypeError),
                                        (-1, ValueError)])
def test_a_bad_int_fails_alike_in_a_pruner_and_a_sampler(bad, error) -> None:
    with pytest.raises(error) as from_sampler:
        parzen.TPESampler(n_startup_trials=bad)
    with pytest.raises(error) as from_pruner:
        MedianPruner(n_startup_trials=bad)
    assert str(from_pruner.value) == str(from_sampler.value)
    assert "`n_startup_trials`" in str(from_pruner.value)


def test_numpy_numbers_are_taken_as_python_ones() -> None:
    pruner = PatiencePruner(np.int64(3), min_delta=np.float32(0.5))
    assert pruner._patience == 3 and type(pruner._patience) is int
    assert pruner._min_delta == 0.5 and type(pruner._min_delta) is float


@pytest.mark.parametrize("bad, error", [("50", TypeError), (False, TypeError), (None, TypeError),
                                        (float("inf"), ValueError), (100.5, ValueError)])
def test_a_bad_real_is_a_type_or_a_range_error(bad, error) -> None:
    with pytest.raises(error, match="`percentile`"):
        PercentilePruner(bad)
