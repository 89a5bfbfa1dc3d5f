"""PercentilePruner and MedianPruner: which trial is pruned at which step, in both directions."""

from __future__ import annotations

import math

import pytest
from _pruning_helpers import drive
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
from parzen import TrialState
from parzen.pruners import MedianPruner, PercentilePruner

STEPS = 6


def _study(pruner, direction: str = "minimize") -> parzen.Study:
    return parzen.create_study(direction=direction, pruner=pruner, sampler=parzen.RandomSampler(seed=0))


def _sloped(study, sign: float = 1.0) -> None:
    """Four complete trials ``k - 0.5 * step`` for k = 1..4: their median at step s is 2.5 - 0.5 s."""
    for k in (1, 2, 3, 4):
        assert drive(study, [sign * (k - 0.5 * s) for s in range(STEPS)]) is None


@pytest.mark.parametrize("direction, sign", [("minimize", 1.0), ("maximize", -1.0)])
def test_median_prunes_at_the_first_step_the_trial_falls_behind(direction, sign) -> None:
    study = _study(MedianPruner(n_startup_trials=4), direction)
    _sloped(study, sign)
    # Its best so far counts, not its latest value: a dip to -0.5 at step 1 then a rise to 9 keeps it.
    assert drive(study, [sign * v for v in (2.4, -0.5, 9.0, 9.0, 9.0, 9.0)]) is None
    # Flat at 2.2: ahead of the median 2.4 at step 0, behind the median 1.5 at step 1.
    assert drive(study, [sign * 2.2] * STEPS) == 1
    # Pruned trials stay in the pool: the median at step 0 is now 2.3.
    assert drive(study, [sign * 2.35] * STEPS) == 0


@pytest.mark.parametrize("interval, pruned_at", [(1, 1), (2, 2), (3, 3)])
def test_interval_steps_judges_once_per_interval(interval, pruned_at) -> None:
    study = _study(MedianPruner(n_startup_trials=4, interval_steps=interval))
    _sloped(study)
    assert drive(study, [2.2] * STEPS) == pruned_at


def test_interval_steps_with_sparse_reports_judges_the_first_report_of_each_window() -> None:
    study = _study(MedianPruner(n_startup_trials=4, interval_steps=2))
    _sloped(study)
    # Reports at odd steps only: windows [0, 1], [2, 3], [4, 5] are judged at steps 1, 3, 5.
    assert drive(study, {1: 1.9, 3: 1.9}) == 3


def test_warmup_steps_delay_the_first_decision() -> None:
    study = _study(MedianPruner(n_startup_trials=4, n_warmup_steps=3))
    _sloped(study)
    assert drive(study, [9.0] * STEPS) == 3


def test_no_pruning_before_n_startup_trials_are_complete() -> None:
    study = _study(MedianPruner(n_startup_trials=2))
    assert drive(study, [1.0] * STEPS) is None
    told_pruned = study.ask()
    told_pruned.report(0.5, 0)
    study.tell(told_pruned, state=TrialState.PRUNED)
    assert drive(study, [9.0] * STEPS) is None  # a PRUNED trial is no startup trial
    assert drive(study, [9.5] * STEPS) == 0  # two COMPLETE trials now


def test_n_min_trials_needs_that_many_trials_at_the_step() -> None:
    study = _study(MedianPruner(n_startup_trials=0, n_min_trials=5))
    _sloped(study)
    assert drive(study, [9.0] * STEPS) is None  # only 4 other trials have reached each step
    assert drive(study, [9.0] * STEPS) == 0  # now the first 9.0 trial is the fifth


def test_only_trials_that_reached_the_step_are_compared() -> None:
    study = _study(MedianPruner(n_startup_trials=4))
    for k in (1, 2, 3, 4):
        drive(study, [float(k), float(k)])  # steps 0 and 1 only
    assert drive(study, [2.0, 2.0, 100.0, 100.0]) is None


def test_running_trials_are_not_compared() -> None:
    study = _study(MedianPruner(n_startup_trials=4))
    _sloped(study)
    running = [study.ask() for _ in range(5)]
    for trial in running:
        trial.report(-100.0, 0)
    assert drive(study, [2.4] * STEPS) == 1  # against the 4 finished trials only, as without them


@pytest.mark.parametrize("direction, sign", [("minimize", 1.0), ("maximize", -1.0)])
def test_percentile_keeps_the_best_quarter_in_either_direction(direction, sign) -> None:
    study = _study(PercentilePruner(25.0, n_startup_trials=4), direction)
    for k in (1, 2, 3, 4):
        drive(study, [sign * k] * 3)
    # The 25th percentile of 1, 2, 3, 4 (of -1..-4 in the maximized study: the 75th) is 1.75.
    assert drive(study, [sign * 1.7] * 3) is None
    assert drive(study, [sign * 1.8] * 3) == 0


def test_nan_reports_are_pruned_and_ignored_in_others() -> None:
    study = _study(MedianPruner(n_startup_trials=2))
    drive(study, [1.0, 1.0])
    drive(study, [math.nan, 3.0])
    assert drive(study, [math.nan, 0.0]) == 0
    # NaN-only trials leave the pool (a NaN percentile would never prune): 5.0 is compared with 1.0.
    assert drive(study, [5.0, 5.0]) == 0


def test_a_pruned_trial_keeps_its_last_value_and_step() -> None:
    study = _study(MedianPruner(n_startup_trials=4))
    _sloped(study)
    assert drive(study, [2.2, 2.3, 2.4]) == 1
    pruned = study.trials[-1]
    assert pruned.state == TrialState.PRUNED
    assert pruned.value == 2.3 and pruned.last_step == 1
    assert pruned.intermediate_values == {0: 2.2, 1: 2.3}


@pytest.mark.parametrize("kwargs, name, error", [
    ({"percentile": 101}, "percentile", ValueError), ({"percentile": -1}, "percentile", ValueError),
    ({"percentile": math.nan}, "percentile", ValueError), ({"percentile": "50"}, "percentile", TypeError),
    ({"percentile": True}, "percentile", TypeError),
    ({"percentile": 50, "n_startup_trials": -1}, "n_startup_trials", ValueError),
    ({"percentile": 50, "n_warmup_steps": 1.5}, "n_warmup_steps", TypeError),
    ({"percentile": 50, "interval_steps": 0}, "interval_steps", ValueError),
    ({"percentile": 50, "n_min_trials": 0}, "n_min_trials", ValueError),
    ({"percentile": 50, "n_startup_trials": True}, "n_startup_trials", TypeError),
])
def test_bad_arguments_name_the_parameter(kwargs, name, error) -> None:
    with pytest.raises(error, match=f"`{name}`"):
        PercentilePruner(**kwargs)


def test_median_validates_too() -> None:
    with pytest.raises(ValueError, match="`interval_steps`"):
        MedianPruner(interval_steps=0)


@settings(max_examples=40, deadline=None)
@given(curves=st.lists(st.lists(st.integers(-20, 20), min_size=1, max_size=5), min_size=1, max_size=9),
       percentile=st.sampled_from([25.0, 50.0, 75.0]))
def test_maximizing_negated_curves_prunes_the_same_steps(curves, percentile) -> None:
    outcomes = []
    for direction, sign in (("minimize", 1), ("maximize", -1)):
        study = _study(PercentilePruner(percentile, n_startup_trials=1), direction)
        outcomes.append([drive(study, [float(sign * v) for v in c]) for c in curves])
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("study_direction", ["minimize", "maximize"])
def test_direction_judges_reports_as_losses_whatever_the_study_direction(study_direction) -> None:
    # A maximized accuracy whose trials report a loss per epoch: lower reports are better.
    study = _study(MedianPruner(n_startup_trials=4, direction="minimize"), study_direction)
    _sloped(study)
    assert drive(study, [2.2] * STEPS) == 1  # behind the losses' median at step 1
    assert drive(study, [-5.0] * STEPS) is None  # the lowest loss is never pruned


def test_without_direction_a_maximized_study_reads_low_reports_as_bad() -> None:
    study = _study(MedianPruner(n_startup_trials=4), "maximize")
    _sloped(study)
    assert drive(study, [-5.0] * STEPS) == 0


@pytest.mark.parametrize("bad, error", [("up", ValueError), (1, TypeError)])
def test_direction_is_checked(bad, error) -> None:
    with pytest.raises(error, match="direction"):
        MedianPruner(direction=bad)
