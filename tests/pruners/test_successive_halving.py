"""SuccessiveHalvingPruner (ASHA): rungs, promotion of the top 1/eta, and rung values in storage."""

from __future__ import annotations

import math

import pytest
from _pruning_helpers import drive

import parzen
from parzen.pruners import SuccessiveHalvingPruner
from parzen.pruners.successive_halving import RUNG_ATTR_PREFIX, is_promotable

STEPS = 10  # reports at steps 0..9; with min_resource=1 and eta=3 the rungs are at steps 1, 3, 9


def _study(pruner, direction: str = "minimize", **kwargs) -> parzen.Study:
    return parzen.create_study(direction=direction, pruner=pruner, sampler=parzen.RandomSampler(seed=0), **kwargs)


# value of a flat curve -> the step it is pruned at (None: runs to the end), in this order
FLAT_CASES = [
    (5.0, None),  # the first trial at every rung goes on
    (6.0, 1),  # 2 at rung 0: only the best goes on
    (4.0, None),  # best at every rung
    (4.5, 1),  # 4 at rung 0: top 1
    (7.0, 1),
    (8.0, 1),
    (4.8, 1),  # 7 at rung 0: top 2 are 4.0 and 4.5
    (4.2, 3),  # 8 at rung 0: second, so promoted; 3 at rung 1 (5.0, 4.0, 4.2): top 1 is 4.0
]


@pytest.mark.parametrize("direction, sign", [("minimize", 1.0), ("maximize", -1.0)])
def test_each_rung_keeps_the_top_third(direction, sign) -> None:
    study = _study(SuccessiveHalvingPruner(), direction)
    got = [drive(study, [sign * value] * STEPS) for value, _ in FLAT_CASES]
    assert got == [pruned_at for _, pruned_at in FLAT_CASES]


def test_rung_values_are_stored_as_system_attrs() -> None:
    study = _study(SuccessiveHalvingPruner())
    for value, _ in FLAT_CASES:
        drive(study, [value] * STEPS)
    rungs = [sorted(k for k in t.system_attrs if k.startswith(RUNG_ATTR_PREFIX)) for t in study.trials]
    assert rungs[0] == [f"{RUNG_ATTR_PREFIX}{k}" for k in range(3)]
    assert rungs[1] == [f"{RUNG_ATTR_PREFIX}0"]
    assert rungs[7] == [f"{RUNG_ATTR_PREFIX}0", f"{RUNG_ATTR_PREFIX}1"]
    assert study.trials[7].system_attrs[f"{RUNG_ATTR_PREFIX}1"] == 4.2


def test_the_value_at_a_rung_is_the_first_report_at_or_past_it() -> None:
    study = _study(SuccessiveHalvingPruner())
    drive(study, [5.0] * STEPS)
    # Reports at steps 0 and 5 only: rungs 0 (step 1) and 1 (step 3) are both judged at step 5.
    assert drive(study, {0: 9.0, 5: 4.0, 7: 9.0}) is None
    assert drive(study, {0: 1.0, 5: 6.0}) == 5
    trial = study.trials[1]
    assert trial.system_attrs[f"{RUNG_ATTR_PREFIX}0"] == trial.system_attrs[f"{RUNG_ATTR_PREFIX}1"] == 4.0


def test_max_resource_leaves_the_full_budget_unjudged() -> None:
    late_loser = [1.0] * 9 + [9.0]  # best until step 8, worst at the rung at step 9
    study = _study(SuccessiveHalvingPruner())
    drive(study, [5.0] * STEPS)
    assert drive(study, late_loser) == 9
    study = _study(SuccessiveHalvingPruner(max_resource=9))
    drive(study, [5.0] * STEPS)
    assert drive(study, late_loser) is None


def test_min_early_stopping_rate_raises_the_first_rung() -> None:
    study = _study(SuccessiveHalvingPruner(min_early_stopping_rate=1))
    drive(study, [5.0] * STEPS)
    assert drive(study, [6.0] * STEPS) == 3


def test_min_resource_and_reduction_factor_place_the_rungs() -> None:
    study = _study(SuccessiveHalvingPruner(min_resource=2, reduction_factor=2))  # rungs at 2, 4, 8
    assert drive(study, [5.0] * STEPS) is None
    assert drive(study, [9.0, 9.0, 4.0, 4.0, 6.0] + [6.0] * 5) == 4
    assert drive(study, [9.0] * 2 + [3.5] * 6 + [7.0] * 2) == 8


def test_nan_at_a_rung_is_pruned() -> None:
    study = _study(SuccessiveHalvingPruner())
    assert drive(study, [1.0, math.nan, 1.0]) == 1


def test_workers_with_their_own_pruners_share_the_rungs_through_storage(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'asha.db'}"
    first = _study(SuccessiveHalvingPruner(), storage=url, study_name="shared")
    second = parzen.load_study("shared", url, pruner=SuccessiveHalvingPruner())
    a, b = first.ask(), second.ask()
    a.report(1.0, 0)
    a.report(1.0, 1)
    assert not a.should_prune()  # first at rung 0
    b.report(2.0, 0)
    b.report(2.0, 1)
    assert b.should_prune()  # sees a's rung value written by the other worker


@pytest.mark.parametrize("value, rivals, eta, direction, expected", [
    (1.0, [], 3, "minimize", True),
    (2.0, [1.0], 3, "minimize", False),
    (1.0, [1.0], 3, "minimize", True),  # ties go on together
    (2.0, [1.0, 3.0, 4.0, 5.0, 6.0], 3, "minimize", True),  # 6 at the rung: top 2
    (2.0, [1.0, 3.0, 4.0, 5.0, 6.0], 2, "minimize", True),
    (4.0, [1.0, 3.0, 2.0, 5.0, 6.0], 2, "minimize", False),  # top 3 are 1, 2, 3
    (5.0, [1.0, 3.0, 4.0, 6.0, 2.0], 2, "maximize", True),
])
def test_is_promotable(value, rivals, eta, direction, expected) -> None:
    assert is_promotable(value, rivals, eta, direction) is expected


@pytest.mark.parametrize("kwargs, name, error", [
    ({"min_resource": 0}, "min_resource", ValueError), ({"reduction_factor": 1}, "reduction_factor", ValueError),
    ({"reduction_factor": 2.5}, "reduction_factor", TypeError),
    ({"min_early_stopping_rate": -1}, "min_early_stopping_rate", ValueError),
    ({"max_resource": 0}, "max_resource", ValueError), ({"max_resource": "9"}, "max_resource", TypeError),
])
def test_bad_arguments_name_the_parameter(kwargs, name, error) -> None:
    with pytest.raises(error, match=f"`{name}`"):
        SuccessiveHalvingPruner(**kwargs)
