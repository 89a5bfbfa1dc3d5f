"""PatiencePruner: a trial is pruned when its last ``patience`` reports did not improve on its best."""

from __future__ import annotations

import math

import pytest
from _pruning_helpers import drive

import parzen
from parzen.pruners import PatiencePruner


def _study(pruner, direction: str = "minimize") -> parzen.Study:
    return parzen.create_study(direction=direction, pruner=pruner, sampler=parzen.RandomSampler(seed=0))


@pytest.mark.parametrize("direction, sign", [("minimize", 1.0), ("maximize", -1.0)])
@pytest.mark.parametrize("curve, patience, pruned_at", [
    ([5, 4, 4, 4, 3], 2, 3),  # steps 2 and 3 did not beat 4
    ([5, 4, 4, 3, 3, 3], 2, 5),
    ([5, 4, 3, 2, 1], 1, None),  # improves at every report
    ([5, 6, 7, 4, 8], 3, None),  # 4 at step 3 beats 5 just in time
    ([5, 6, 7, 8, 4], 3, 3),
    ([1, 1, 1, 1], 3, 3),
])
def test_prunes_after_patience_reports_without_improvement(direction, sign, curve, patience, pruned_at) -> None:
    study = _study(PatiencePruner(patience), direction)
    assert drive(study, [sign * v for v in curve]) == pruned_at


def test_min_delta_is_the_smallest_improvement_that_counts() -> None:
    curve = [5.0, 4.8, 4.6, 4.4, 4.2]
    assert drive(_study(PatiencePruner(1)), curve) is None
    assert drive(_study(PatiencePruner(1, min_delta=0.5)), curve) == 1
    assert drive(_study(PatiencePruner(2, min_delta=0.5)), curve) == 2  # 4.6 is not below 5.0 - 0.5
    assert drive(_study(PatiencePruner(2, min_delta=0.3)), curve) is None  # 0.4 gained per two reports


def test_warmup_steps_delay_the_decision() -> None:
    assert drive(_study(PatiencePruner(1, n_warmup_steps=3)), [5.0] * 6) == 3


def test_patience_counts_reports_not_steps() -> None:
    curve = {0: 5.0, 10: 5.0, 20: 5.0, 30: 4.0}
    assert drive(_study(PatiencePruner(2)), curve) == 20


def test_nan_is_the_worst_value() -> None:
    assert drive(_study(PatiencePruner(2)), [1.0, math.nan, math.nan, 0.0]) == 2
    assert drive(_study(PatiencePruner(1)), [math.nan, 3.0, 2.0]) is None


def test_other_trials_do_not_matter() -> None:
    study = _study(PatiencePruner(2))
    assert drive(study, [0.1, 0.1, 0.1]) == 2
    assert drive(study, [9.0, 8.0, 7.0, 6.0]) is None


@pytest.mark.parametrize("kwargs, name, error", [
    ({"patience": 0}, "patience", ValueError), ({"patience": 2.0}, "patience", TypeError),
    ({"patience": True}, "patience", TypeError),
    ({"patience": 1, "min_delta": -0.1}, "min_delta", ValueError),
    ({"patience": 1, "min_delta": math.inf}, "min_delta", ValueError),
    ({"patience": 1, "min_delta": "0.1"}, "min_delta", TypeError),
    ({"patience": 1, "n_warmup_steps": -1}, "n_warmup_steps", ValueError),
])
def test_bad_arguments_name_the_parameter(kwargs, name, error) -> None:
    with pytest.raises(error, match=f"`{name}`"):
        PatiencePruner(**kwargs)
