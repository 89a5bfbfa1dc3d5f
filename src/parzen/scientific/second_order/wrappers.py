"""Factories that turn a configuration into an optimizer or a solver.

``create_lbfgs_optimizer`` builds optax's L-BFGS with the configured memory, initial scaling and line
search. The least-squares solvers are this package's own (:mod:`.least_squares`), so that every
damping field of :class:`LevenbergMarquardtConfig` acts on the damping, which optimistix's trust
region solvers do not expose.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax

from .config import GaussNewtonConfig, LBFGSConfig, LevenbergMarquardtConfig, LineSearch
from .least_squares import LeastSquaresResult, run_least_squares


def create_lbfgs_optimizer(config: LBFGSConfig | None = None) -> optax.GradientTransformationExtraArgs:
    """One L-BFGS step per ``update`` call, as an optax transformation.

    ``update(grads, state, params, value=..., grad=..., value_fn=...)`` needs the loss at ``params``
    (``value``), its gradient (``grad``, the same as ``grads``) and the loss function (``value_fn``)
    that the line search evaluates. The line search stores the value and gradient at the new point
    in the state, where ``optax.value_and_grad_from_state`` finds them.
    """
    config = LBFGSConfig() if config is None else config
    if not isinstance(config, LBFGSConfig):
        raise TypeError(f"`config` must be an LBFGSConfig, got {config!r}")
    if config.linesearch == LineSearch.ZOOM:
        # a quasi-Newton direction is scaled for a unit step: every search starts from 1
        linesearch = optax.scale_by_zoom_linesearch(
            max_linesearch_steps=config.max_linesearch_steps, initial_guess_strategy="one"
        )
    else:
        linesearch = optax.scale_by_backtracking_linesearch(
            max_backtracking_steps=config.max_linesearch_steps, store_grad=True
        )
    optimizer = optax.lbfgs(
        memory_size=config.memory_size, scale_init_precond=config.scale_init_precond, linesearch=linesearch
    )

    def init(params: Any) -> Any:
        # optax leaves some scalars of the line-search state weakly typed, and the first update makes
        # them strong: strong types from the start spare the caller's jitted step a second compilation
        return jax.tree_util.tree_map(lambda leaf: jnp.asarray(leaf, dtype=leaf.dtype), optimizer.init(params))

    return optax.GradientTransformationExtraArgs(init, optimizer.update)


@dataclasses.dataclass(frozen=True)
class LeastSquaresSolver:
    """A Gauss-Newton or Levenberg-Marquardt solver, chosen by the type of its configuration.

    ``solve(residual_fn, x0, args=())`` minimizes ``0.5 * |residual_fn(x, *args)|^2`` from ``x0`` (any
    pytree of float arrays) under ``jax.jit`` and returns a :class:`LeastSquaresResult`.
    """

    config: GaussNewtonConfig | LevenbergMarquardtConfig

    def __post_init__(self) -> None:
        if not isinstance(self.config, (GaussNewtonConfig, LevenbergMarquardtConfig)):
            raise TypeError(f"`config` must be a GaussNewtonConfig or a LevenbergMarquardtConfig, got {self.config!r}")

    def solve(self, residual_fn: Callable[..., Any], x0: Any, args: tuple = ()) -> LeastSquaresResult:
        return run_least_squares(residual_fn, x0, self.config, args)


def create_gauss_newton_solver(config: GaussNewtonConfig | None = None) -> LeastSquaresSolver:
    """A Gauss-Newton :class:`LeastSquaresSolver`."""
    config = GaussNewtonConfig() if config is None else config
    if not isinstance(config, GaussNewtonConfig):
        raise TypeError(f"`config` must be a GaussNewtonConfig, got {config!r}")
    return LeastSquaresSolver(config)


def create_levenberg_marquardt_solver(config: LevenbergMarquardtConfig | None = None) -> LeastSquaresSolver:
    """A Levenberg-Marquardt :class:`LeastSquaresSolver`."""
    config = LevenbergMarquardtConfig() if config is None else config
    if not isinstance(config, LevenbergMarquardtConfig):
        raise TypeError(f"`config` must be a LevenbergMarquardtConfig, got {config!r}")
    return LeastSquaresSolver(config)
