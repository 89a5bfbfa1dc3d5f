"""Seed 003's worst score (-inf when maximizing, inf when minimizing) fails its trial without a warning."""

from __future__ import annotations

import math
import warnings

import pytest

from parzen.adaptive import AdaptiveHyperparameterOptimizer

SPACE = {"x": ("float", 0.0, 5.0)}


def run(value_above_2: float, direction: str, n_trials: int = 10) -> tuple[AdaptiveHyperparameterOptimizer,
                                                                          tuple, list[warnings.WarningMessage]]:
    """An optimizer whose objective returns ``value_above_2`` for x > 2 and x (or -x) below; the warnings shown."""
    sign = 1.0 if direction == "maximize" else -1.0
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=n_trials, random_state=0)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        result = optimizer.optimize(lambda p: value_above_2 if p["x"] > 2 else sign * p["x"], SPACE,
                                    direction=direction)
    return optimizer, result, shown


@pytest.mark.parametrize(("worst", "direction"), [(-math.inf, "maximize"), (math.inf, "minimize")])
def test_the_worst_infinity_fails_its_trial_quietly_and_never_is_the_best(worst: float, direction: str) -> None:
    optimizer, (best_params, best_score, history), shown = run(worst, direction)
    assert not [w for w in shown if "failed" in str(w.message)]
    failed = [t for t in optimizer.study.trials if t.state.name == "FAIL"]
    assert failed and all(t.params["x"] > 2 and "inf" in (t.fail_reason or "") for t in failed)
    completed = [h for h in history if h["state"] == "COMPLETE"]
    best = max if direction == "maximize" else min
    assert math.isfinite(best_score) and best_score == best(h["value"] for h in completed) == optimizer.best_score
    assert best_params["x"] <= 2


def test_the_other_infinity_and_nan_still_warn() -> None:
    for value in (math.inf, math.nan):
        optimizer, _, shown = run(value, "maximize", n_trials=6)
        failed = [t for t in optimizer.study.trials if t.state.name == "FAIL"]
        assert failed and len([w for w in shown if "failed: the value is" in str(w.message)]) == len(failed)


def test_a_run_where_every_trial_scores_the_worst_has_no_best() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=3, random_state=0)
    best_params, best_score, history = optimizer.optimize(lambda p: -math.inf, SPACE, direction="maximize")
    assert best_params == {} and math.isnan(best_score)
    assert [h["state"] for h in history] == ["FAIL"] * 3


def test_the_quiet_rule_ends_with_the_run() -> None:
    before = list(warnings.filters)
    run(-math.inf, "maximize", n_trials=3)
    assert warnings.filters == before
