"""The configurations refuse bad values at construction, naming the field; they are frozen and hashable."""

from __future__ import annotations

import dataclasses

import pytest

from parzen.scientific.second_order import (
    GaussNewtonConfig,
    HybridOptimizerConfig,
    LBFGSConfig,
    LevenbergMarquardtConfig,
    LineSearch,
    SwitchCriterion,
)


def test_defaults_are_the_documented_ones() -> None:
    lbfgs = LBFGSConfig()
    assert (lbfgs.memory_size, lbfgs.scale_init_precond, lbfgs.linesearch) == (10, True, LineSearch.ZOOM)
    assert (lbfgs.max_linesearch_steps, lbfgs.max_iterations, lbfgs.tolerance) == (20, 100, 1e-6)
    lm = LevenbergMarquardtConfig()
    assert (lm.damping_factor, lm.damping_increase_factor, lm.damping_decrease_factor) == (1e-3, 10.0, 0.1)
    assert (lm.min_damping, lm.max_damping, lm.max_iterations, lm.rtol, lm.atol) == (1e-10, 1e10, 100, 1e-6, 1e-6)
    gn = GaussNewtonConfig()
    assert (gn.max_iterations, gn.rtol, gn.atol) == (100, 1e-6, 1e-6)
    hybrid = HybridOptimizerConfig()
    assert hybrid.switch_criterion == SwitchCriterion.LOSS_VARIANCE
    assert (hybrid.first_order_steps, hybrid.loss_history_window) == (1000, 50)
    assert hybrid.lbfgs_config == LBFGSConfig()


def test_strings_become_enum_members() -> None:
    assert LBFGSConfig(linesearch="backtracking").linesearch is LineSearch.BACKTRACKING
    assert HybridOptimizerConfig(switch_criterion="epoch").switch_criterion is SwitchCriterion.EPOCH
    assert LBFGSConfig(linesearch=LineSearch.ZOOM) == LBFGSConfig(linesearch="zoom")


def test_frozen_and_hashable() -> None:
    config = LevenbergMarquardtConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.damping_factor = 1.0  # type: ignore[misc]
    assert hash(config) == hash(LevenbergMarquardtConfig())


@pytest.mark.parametrize(
    ("cls", "field", "value", "error"),
    [
        (LBFGSConfig, "memory_size", 0, ValueError),
        (LBFGSConfig, "memory_size", 2.0, TypeError),
        (LBFGSConfig, "scale_init_precond", 1, TypeError),
        (LBFGSConfig, "linesearch", "wolfe", ValueError),
        (LBFGSConfig, "linesearch", 3, TypeError),
        (LBFGSConfig, "max_linesearch_steps", 0, ValueError),
        (LBFGSConfig, "max_iterations", 0, ValueError),
        (LBFGSConfig, "tolerance", -1.0, ValueError),
        (LBFGSConfig, "tolerance", "small", TypeError),
        (GaussNewtonConfig, "max_iterations", True, TypeError),
        (GaussNewtonConfig, "rtol", float("nan"), ValueError),
        (GaussNewtonConfig, "atol", -1e-3, ValueError),
        (LevenbergMarquardtConfig, "damping_factor", 0.0, ValueError),
        (LevenbergMarquardtConfig, "damping_increase_factor", 1.0, ValueError),
        (LevenbergMarquardtConfig, "damping_decrease_factor", 1.0, ValueError),
        (LevenbergMarquardtConfig, "damping_decrease_factor", 0.0, ValueError),
        (LevenbergMarquardtConfig, "min_damping", -1.0, ValueError),
        (LevenbergMarquardtConfig, "max_damping", "big", TypeError),
        (LevenbergMarquardtConfig, "rtol", -1.0, ValueError),
        (HybridOptimizerConfig, "first_order_steps", -1, ValueError),
        (HybridOptimizerConfig, "switch_criterion", "plateau", ValueError),
        (HybridOptimizerConfig, "loss_variance_threshold", -1.0, ValueError),
        (HybridOptimizerConfig, "loss_history_window", 1, ValueError),
        (HybridOptimizerConfig, "gradient_norm_threshold", float("inf"), ValueError),
        (HybridOptimizerConfig, "relative_improvement_threshold", None, TypeError),
        (HybridOptimizerConfig, "adam_learning_rate", 0.0, ValueError),
        (HybridOptimizerConfig, "adam_b1", 1.0, ValueError),
        (HybridOptimizerConfig, "adam_b2", -0.1, ValueError),
        (HybridOptimizerConfig, "lbfgs_config", {"memory_size": 5}, TypeError),
    ],
)
def test_bad_field_is_refused_with_its_name(cls: type, field: str, value: object, error: type) -> None:
    with pytest.raises(error, match=field):
        cls(**{field: value})


def test_damping_bounds_are_consistent() -> None:
    with pytest.raises(ValueError, match="min_damping"):
        LevenbergMarquardtConfig(min_damping=1.0, max_damping=0.1)
    with pytest.raises(ValueError, match="damping_factor"):
        LevenbergMarquardtConfig(damping_factor=1e-12)
