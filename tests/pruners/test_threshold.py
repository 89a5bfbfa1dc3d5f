"""ThresholdPruner: a trial is pruned when its latest report leaves [lower, upper] or is NaN."""

from __future__ import annotations

import math

import pytest
from _pruning_helpers import drive

import parzen
from parzen.pruners import ThresholdPruner


def _study(pruner, direction: str = "minimize") -> parzen.Study:
    return parzen.create_study(direction=direction, pruner=pruner, sampler=parzen.RandomSampler(seed=0))


def test_upper_bound_prunes_a_diverging_loss() -> None:
    study = _study(ThresholdPruner(upper=10.0))
    assert drive(study, [1.0, 5.0, 11.0, 3.0]) == 2
    assert drive(study, [1.0, 10.0, 3.0]) is None  # the bound itself is inside


def test_lower_bound_guards_a_maximized_accuracy() -> None:
    study = _study(ThresholdPruner(lower=0.5), direction="maximize")
    assert drive(study, [0.6, 0.7, 0.4, 0.9]) == 2
    assert drive(study, [0.5, 0.9]) is None


def test_both_bounds() -> None:
    study = _study(ThresholdPruner(lower=0.0, upper=1.0))
    assert drive(study, [0.5, -0.1]) == 1
    assert drive(study, [0.5, 1.1]) == 1
    assert drive(study, [0.0, 1.0]) is None


def test_nan_is_pruned() -> None:
    assert drive(_study(ThresholdPruner(upper=1.0)), [0.5, math.nan]) == 1


def test_warmup_and_interval_steps() -> None:
    assert drive(_study(ThresholdPruner(upper=1.0, n_warmup_steps=2)), [5.0] * 4) == 2
    assert drive(_study(ThresholdPruner(upper=1.0, interval_steps=3)), [0.0, 5.0, 5.0, 5.0]) == 3


@pytest.mark.parametrize("kwargs, name, error", [
    ({"lower": "0"}, "lower", TypeError), ({"upper": math.nan}, "upper", ValueError),
    ({"upper": True}, "upper", TypeError),
    ({"lower": 2.0, "upper": 1.0}, "lower", ValueError),
    ({"upper": 1.0, "n_warmup_steps": -1}, "n_warmup_steps", ValueError),
    ({"upper": 1.0, "n_warmup_steps": 1.0}, "n_warmup_steps", TypeError),
    ({"upper": 1.0, "interval_steps": 0}, "interval_steps", ValueError),
])
def test_bad_arguments_name_the_parameter(kwargs, name, error) -> None:
    with pytest.raises(error, match=f"`{name}`"):
        ThresholdPruner(**kwargs)


def test_a_bound_is_required() -> None:
    with pytest.raises(ValueError, match="`lower`, `upper`"):
        ThresholdPruner()
