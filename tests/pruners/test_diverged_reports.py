"""Diverged reports (NaN, +inf, -inf) across every pruner: the worst value, never an error.

A training loss that diverges reports NaN or an infinity. Each pruner must take such a report as the
worst possible value in either direction: the diverged trial is pruned once its pruner judges it, and
it never makes another trial look worse than it would without it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import pytest
from _pruning_helpers import drive
from hypothesis import given, settings
from hypothesis import strategies as st

import parzen
from parzen import TrialState
from parzen.pruners import (
    HyperbandPruner,
    MedianPruner,
    PatiencePruner,
    PercentilePruner,
    Pruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
)
from parzen.pruners.successive_halving import RUNG_ATTR_PREFIX

DIVERGED = [math.nan, math.inf, -math.inf]
DIRECTIONS = ["minimize", "maximize"]

PRUNERS: dict[str, Callable[[], Pruner]] = {
    "median": lambda: MedianPruner(n_startup_trials=2),
    "percentile": lambda: PercentilePruner(25.0, n_startup_trials=1, interval_steps=2),
    "patience": lambda: PatiencePruner(2),
    "threshold": lambda: ThresholdPruner(lower=-15.0, upper=15.0),
    "successive_halving": lambda: SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
    "hyperband": lambda: HyperbandPruner(min_resource=1, max_resource=8, reduction_factor=2),
}


def _study(pruner: Pruner, direction: str = "minimize") -> parzen.Study:
    """A study in memory under a fixed name, so that Hyperband puts trial ``n`` in the same bracket every run."""
    return parzen.create_study(study_name="diverged", direction=direction, pruner=pruner,
                               sampler=parzen.RandomSampler(seed=0))


def _drive_quietly(study: parzen.Study, curve: Sequence[float]) -> int | None:
    """:func:`drive`, without the warning of a trial that ends on a diverged value and so FAILs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return drive(study, curve)


def _healthy_outcomes(pruner: Callable[[], Pruner], direction: str,
                      trials: Sequence[tuple[bool, list[float]]], replace_diverged: bool) -> list[int | None]:
    """Run ``trials`` in order, each ``(diverged, curve)``; the pruning step of every healthy one.

    With ``replace_diverged`` each diverged trial is replaced by a trial that fails at once without a
    report, which keeps the trial numbers (and so Hyperband's brackets) of the real run.
    """
    study = _study(pruner(), direction)
    outcomes = []
    for diverged, curve in trials:
        if diverged and replace_diverged:
            study.tell(study.ask(), state=TrialState.FAIL)
        elif diverged:
            _drive_quietly(study, curve)
        else:
            outcomes.append(drive(study, curve))
    return outcomes


_curve = st.lists(st.integers(-20, 20).map(float), min_size=1, max_size=9)
_diverged_curve = st.lists(st.sampled_from(DIVERGED), min_size=1, max_size=9)


@pytest.mark.parametrize("name", sorted(PRUNERS))
@pytest.mark.parametrize("direction", DIRECTIONS)
@settings(max_examples=25, deadline=None)
@given(trials=st.lists(st.one_of(st.tuples(st.just(False), _curve), st.tuples(st.just(True), _diverged_curve)),
                       min_size=1, max_size=10))
def test_a_diverged_trial_changes_no_other_decision(name, direction, trials) -> None:
    """Healthy trials are pruned exactly where they would be had the diverged ones failed at once."""
    with_diverged = _healthy_outcomes(PRUNERS[name], direction, trials, replace_diverged=False)
    assert with_diverged == _healthy_outcomes(PRUNERS[name], direction, trials, replace_diverged=True)


@pytest.mark.parametrize("name", sorted(PRUNERS))
@pytest.mark.parametrize("direction", DIRECTIONS)
@settings(max_examples=25, deadline=None)
@given(curves=st.lists(st.lists(st.one_of(st.integers(-20, 20).map(float), st.sampled_from(DIVERGED)),
                                min_size=1, max_size=9), min_size=1, max_size=8))
def test_reports_that_diverge_and_recover_never_raise(name, direction, curves) -> None:
    """Any mix of finite and diverged reports is judged without error, and the study stays whole."""
    study = _study(PRUNERS[name](), direction)
    for curve in curves:
        _drive_quietly(study, curve)
    assert [t.number for t in study.trials] == list(range(len(curves)))
    assert all(t.state.is_finished() for t in study.trials)


# --- each pruner prunes a diverged trial once it judges it ---------------------------------------------
@pytest.mark.parametrize("bad", DIVERGED)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_median_prunes_at_the_first_diverged_judged_step(bad, direction) -> None:
    study = _study(MedianPruner(n_startup_trials=2, n_warmup_steps=2), direction)
    for _ in range(2):
        assert drive(study, [1.0] * 5) is None
    # Its first value, ahead of the others' 1.0, does not save it once it diverged.
    good = 0.5 if direction == "minimize" else 1.5
    assert _drive_quietly(study, [good, bad, bad, bad, bad]) == 2


@pytest.mark.parametrize("bad", DIVERGED)
def test_percentile_prunes_a_diverged_trial_however_few_others_reached_the_step(bad) -> None:
    study = _study(PercentilePruner(50.0, n_startup_trials=1, n_min_trials=5))
    assert drive(study, [1.0, 1.0]) is None
    # One finished trial is below n_min_trials: a finite value is not compared, a diverged one is pruned.
    assert drive(study, [9.0, 9.0]) is None
    assert _drive_quietly(study, [0.0, bad]) == 1


def test_no_diverged_trial_is_pruned_before_the_startup_trials_are_complete() -> None:
    study = _study(MedianPruner(n_startup_trials=1))
    assert _drive_quietly(study, [math.nan, math.nan]) is None
    assert study.trials[0].state == TrialState.FAIL


@pytest.mark.parametrize("bad", DIVERGED)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_a_best_looking_infinity_does_not_move_the_median(bad, direction) -> None:
    sign = 1.0 if direction == "minimize" else -1.0
    study = _study(MedianPruner(n_startup_trials=2), direction)
    drive(study, [sign * 1.0, sign * 1.0])
    drive(study, [sign * 2.0, sign * 2.0])
    _drive_quietly(study, [bad, bad])
    # The median of 1 and 2 is 1.5: a trial at 1.5 is not behind it. Taken as a value, -inf (in a
    # minimized study) would have lowered the median to 1 and pruned it.
    assert drive(study, [sign * 1.5, sign * 1.5]) is None


@pytest.mark.parametrize("bad", DIVERGED)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_patience_counts_a_diverged_report_as_no_improvement(bad, direction) -> None:
    good = 1.0 if direction == "minimize" else -1.0
    assert _drive_quietly(_study(PatiencePruner(2), direction), [good, bad, bad, good]) == 2


@pytest.mark.parametrize("bad", DIVERGED)
@pytest.mark.parametrize("bounds", [{"upper": 10.0}, {"lower": -10.0}, {"lower": -10.0, "upper": 10.0}])
def test_threshold_prunes_a_diverged_report_whatever_the_bounds(bad, bounds) -> None:
    assert _drive_quietly(_study(ThresholdPruner(**bounds)), [0.5, bad]) == 1


@pytest.mark.parametrize("bad", DIVERGED)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_successive_halving_prunes_a_diverged_rung_value_without_recording_it(bad, direction) -> None:
    study = _study(SuccessiveHalvingPruner(min_resource=2, reduction_factor=2), direction)
    # Rungs at steps 2, 4, ...: the report at step 1 is not judged, the one at step 2 is.
    assert _drive_quietly(study, [1.0, bad, bad, bad]) == 2
    assert not any(key.startswith(RUNG_ATTR_PREFIX) for key in study.trials[0].system_attrs)
    # The next trial is the first real value at rung 0, so it goes on.
    worse = 5.0 if direction == "minimize" else -5.0
    assert drive(study, [worse] * 4) is None


@pytest.mark.parametrize("bad", DIVERGED)
def test_hyperband_prunes_a_diverged_trial_at_its_first_rung_except_in_the_last_bracket(bad) -> None:
    pruner = HyperbandPruner(min_resource=1, max_resource=8, reduction_factor=2)
    study = _study(pruner)
    brackets = [pruner.bracket(study, number) for number in range(25)]
    assert {0, pruner.n_brackets - 1} <= set(brackets)
    for bracket in brackets:
        first_rung = 2**bracket
        expected = first_rung if first_rung < 8 else None  # the last bracket trains every trial fully
        assert _drive_quietly(study, [bad] * 8) == expected
