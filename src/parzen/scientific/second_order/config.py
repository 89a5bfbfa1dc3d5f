"""Frozen, validated configurations of the second-order solvers and of the hybrid optimizer.

Every field is checked when the configuration is built (a wrong type raises TypeError, a value out
of range ValueError, and the message names the field), and every field is read by the code that the
configuration drives; the docstring of each class says where.

The configurations are plain frozen dataclasses: hashable, so that the jitted solvers can take them
as static arguments, and free of JAX, so that building one does not import JAX.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from parzen._checks import check_bool, check_int, check_real


class LineSearch(str, enum.Enum):
    """Line searches of the L-BFGS optimizer (optax's zoom and backtracking searches)."""

    ZOOM = "zoom"
    BACKTRACKING = "backtracking"


class SwitchCriterion(str, enum.Enum):
    """When the hybrid optimizer leaves Adam for L-BFGS."""

    EPOCH = "epoch"
    LOSS_VARIANCE = "loss_variance"
    GRADIENT_NORM = "gradient_norm"
    RELATIVE_IMPROVEMENT = "relative_improvement"


def _check_choice(name: str, value: Any, kind: type[enum.Enum]) -> Any:
    """``value`` as a member of the string enum ``kind``; a member or its string value is accepted."""
    if isinstance(value, kind):
        return value
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a str, got {value!r}")
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(repr(member.value) for member in kind)
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}") from None


def _check_positive(name: str, value: Any) -> float:
    number = check_real(name, value, low=0.0)
    if number <= 0.0:
        raise ValueError(f"`{name}` must be > 0, got {value!r}")
    return number


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclasses.dataclass(frozen=True)
class LBFGSConfig:
    """L-BFGS with a line search (optax's ``lbfgs``).

    ``memory_size``, ``scale_init_precond``, ``linesearch`` and ``max_linesearch_steps`` shape each
    step of :func:`create_lbfgs_optimizer`. ``max_iterations`` and ``tolerance`` (on the gradient's
    L2 norm) end a run: :func:`minimize` and ``NNXLBFGSWrapper.minimize`` stop at either, and so does
    the L-BFGS phase of the hybrid optimizer (its updates are zero afterwards).
    """

    memory_size: int = 10
    scale_init_precond: bool = True
    linesearch: LineSearch | str = LineSearch.ZOOM
    max_linesearch_steps: int = 20
    max_iterations: int = 100
    tolerance: float = 1e-6

    def __post_init__(self) -> None:
        _set(self, "memory_size", check_int("memory_size", self.memory_size, 1))
        _set(self, "scale_init_precond", check_bool("scale_init_precond", self.scale_init_precond))
        _set(self, "linesearch", _check_choice("linesearch", self.linesearch, LineSearch))
        _set(self, "max_linesearch_steps", check_int("max_linesearch_steps", self.max_linesearch_steps, 1))
        _set(self, "max_iterations", check_int("max_iterations", self.max_iterations, 1))
        _set(self, "tolerance", check_real("tolerance", self.tolerance, low=0.0))


def _check_tolerances(config: Any) -> None:
    _set(config, "max_iterations", check_int("max_iterations", config.max_iterations, 1))
    _set(config, "rtol", check_real("rtol", config.rtol, low=0.0))
    _set(config, "atol", check_real("atol", config.atol, low=0.0))


@dataclasses.dataclass(frozen=True)
class GaussNewtonConfig:
    """Gauss-Newton on a residual function: each step solves the linearized least-squares problem.

    A run ends after ``max_iterations`` steps, or once a step changes the cost ``0.5 * |r|^2`` by at
    most ``atol + rtol * cost`` and every parameter by at most ``atol + rtol * max|x|``, or once the
    gradient's largest entry is at most ``atol``.
    """

    max_iterations: int = 100
    rtol: float = 1e-6
    atol: float = 1e-6

    def __post_init__(self) -> None:
        _check_tolerances(self)


@dataclasses.dataclass(frozen=True)
class LevenbergMarquardtConfig:
    """Levenberg-Marquardt: Gauss-Newton steps damped by ``lambda * I``, with ``lambda`` adapted.

    The first step uses ``lambda = damping_factor``. A step that lowers the cost is taken and
    ``lambda`` is multiplied by ``damping_decrease_factor``; a step that does not is refused and
    ``lambda`` is multiplied by ``damping_increase_factor``; ``lambda`` is kept within
    ``[min_damping, max_damping]``. ``max_iterations`` (refused steps count), ``rtol`` and ``atol``
    end a run as in :class:`GaussNewtonConfig`.
    """

    damping_factor: float = 1e-3
    damping_increase_factor: float = 10.0
    damping_decrease_factor: float = 0.1
    min_damping: float = 1e-10
    max_damping: float = 1e10
    max_iterations: int = 100
    rtol: float = 1e-6
    atol: float = 1e-6

    def __post_init__(self) -> None:
        _set(self, "damping_factor", _check_positive("damping_factor", self.damping_factor))
        increase = check_real("damping_increase_factor", self.damping_increase_factor)
        if increase <= 1.0:
            raise ValueError(f"`damping_increase_factor` must be > 1, got {self.damping_increase_factor!r}")
        _set(self, "damping_increase_factor", increase)
        decrease = check_real("damping_decrease_factor", self.damping_decrease_factor)
        if not 0.0 < decrease < 1.0:
            raise ValueError(f"`damping_decrease_factor` must be in (0, 1), got {self.damping_decrease_factor!r}")
        _set(self, "damping_decrease_factor", decrease)
        _set(self, "min_damping", _check_positive("min_damping", self.min_damping))
        _set(self, "max_damping", _check_positive("max_damping", self.max_damping))
        if self.min_damping > self.max_damping:
            raise ValueError(f"`min_damping` ({self.min_damping!r}) must be <= `max_damping` ({self.max_damping!r})")
        if not self.min_damping <= self.damping_factor <= self.max_damping:
            raise ValueError(
                f"`damping_factor` must lie in [min_damping, max_damping] = [{self.min_damping!r}, "
                f"{self.max_damping!r}], got {self.damping_factor!r}"
            )
        _check_tolerances(self)


@dataclasses.dataclass(frozen=True)
class HybridOptimizerConfig:
    """Adam, then L-BFGS: the switch happens once, at the first step where the criterion holds.

    - ``"epoch"``: after ``first_order_steps`` Adam steps.
    - ``"loss_variance"``: once the last ``loss_history_window`` losses have a variance below
      ``loss_variance_threshold``.
    - ``"gradient_norm"``: once the gradient's L2 norm is below ``gradient_norm_threshold``.
    - ``"relative_improvement"``: once the loss fell by less than ``relative_improvement_threshold``
      (relative to the oldest) over the last ``loss_history_window`` losses.

    Whatever the criterion, the switch happens at the latest after ``first_order_steps`` Adam steps.
    Adam runs with ``adam_learning_rate``, ``adam_b1``, ``adam_b2``; L-BFGS with ``lbfgs_config``.
    """

    first_order_steps: int = 1000
    switch_criterion: SwitchCriterion | str = SwitchCriterion.LOSS_VARIANCE
    loss_variance_threshold: float = 1e-4
    loss_history_window: int = 50
    gradient_norm_threshold: float = 1e-3
    relative_improvement_threshold: float = 1e-4
    adam_learning_rate: float = 1e-3
    adam_b1: float = 0.9
    adam_b2: float = 0.999
    lbfgs_config: LBFGSConfig = dataclasses.field(default_factory=LBFGSConfig)

    def __post_init__(self) -> None:
        _set(self, "first_order_steps", check_int("first_order_steps", self.first_order_steps, 0))
        _set(self, "switch_criterion", _check_choice("switch_criterion", self.switch_criterion, SwitchCriterion))
        _set(self, "loss_variance_threshold", check_real("loss_variance_threshold", self.loss_variance_threshold, 0.0))
        _set(self, "loss_history_window", check_int("loss_history_window", self.loss_history_window, 2))
        _set(self, "gradient_norm_threshold", check_real("gradient_norm_threshold", self.gradient_norm_threshold, 0.0))
        _set(
            self,
            "relative_improvement_threshold",
            check_real("relative_improvement_threshold", self.relative_improvement_threshold),
        )
        _set(self, "adam_learning_rate", _check_positive("adam_learning_rate", self.adam_learning_rate))
        b1 = check_real("adam_b1", self.adam_b1, 0.0, 1.0)
        if b1 >= 1.0:
            raise ValueError(f"`adam_b1` must be in [0, 1), got {self.adam_b1!r}")
        _set(self, "adam_b1", b1)
        b2 = check_real("adam_b2", self.adam_b2, 0.0, 1.0)
        if b2 >= 1.0:
            raise ValueError(f"`adam_b2` must be in [0, 1), got {self.adam_b2!r}")
        _set(self, "adam_b2", b2)
        if not isinstance(self.lbfgs_config, LBFGSConfig):
            raise TypeError(f"`lbfgs_config` must be an LBFGSConfig, got {self.lbfgs_config!r}")
