"""Run a solver to convergence: ``minimize`` (L-BFGS) and ``least_squares`` (Gauss-Newton, Levenberg-Marquardt).

Both compile once per function and configuration (they are static arguments of ``jax.jit``; pass the
same function object and per-call data through ``args`` to reuse the compiled code) and loop in
``lax.while_loop``, so they may also be called inside the caller's own ``jax.jit``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .config import GaussNewtonConfig, LBFGSConfig, LevenbergMarquardtConfig
from .least_squares import LeastSquaresResult, run_least_squares
from .wrappers import create_lbfgs_optimizer


class MinimizeResult(NamedTuple):
    """The outcome of :func:`minimize` (a pytree, so it may leave a jitted function)."""

    solution: Any
    """The parameters at the end, with the structure of ``x0``."""
    value: jax.Array
    """The objective at ``solution``."""
    iterations: jax.Array
    """L-BFGS steps taken."""
    converged: jax.Array
    """Whether the gradient's L2 norm reached ``tolerance``."""
    gradient_norm: jax.Array
    """The gradient's L2 norm at ``solution``."""


def minimize(
    fun: Callable[..., jax.Array], x0: Any, config: LBFGSConfig | None = None, args: tuple = ()
) -> MinimizeResult:
    """Minimize the scalar ``fun(x, *args)`` from ``x0`` (a pytree of float arrays) with L-BFGS.

    Stops once the gradient's L2 norm is at most ``config.tolerance``, after ``config.max_iterations``
    steps, or when the objective stops being finite.
    """
    config = LBFGSConfig() if config is None else config
    if not isinstance(config, LBFGSConfig):
        raise TypeError(f"`config` must be an LBFGSConfig, got {config!r}")
    if not callable(fun):
        raise TypeError(f"`fun` must be callable, got {fun!r}")
    if not isinstance(args, tuple):
        raise TypeError(f"`args` must be a tuple, got {args!r}")
    # the limits are traced, so that changing them does not compile again
    structure = dataclasses.replace(config, max_iterations=1, tolerance=0.0)
    return _minimize(fun, structure, x0, args, config.max_iterations, config.tolerance)


def least_squares(
    residual_fn: Callable[..., Any],
    x0: Any,
    config: GaussNewtonConfig | LevenbergMarquardtConfig | None = None,
    args: tuple = (),
) -> LeastSquaresResult:
    """Minimize ``0.5 * |residual_fn(x, *args)|^2`` from ``x0``.

    The type of ``config`` picks the method: :class:`LevenbergMarquardtConfig` (the default) or
    :class:`GaussNewtonConfig`. See :mod:`parzen.scientific.second_order.least_squares` for the
    algorithm and its stopping rules.
    """
    config = LevenbergMarquardtConfig() if config is None else config
    if not isinstance(config, (GaussNewtonConfig, LevenbergMarquardtConfig)):
        raise TypeError(f"`config` must be a GaussNewtonConfig or a LevenbergMarquardtConfig, got {config!r}")
    return run_least_squares(residual_fn, x0, config, args)


class _Carry(NamedTuple):
    x: Any
    state: Any
    iteration: jax.Array
    value: jax.Array
    grad: Any


@functools.partial(jax.jit, static_argnums=(0, 1))
def _minimize(
    fun: Callable[..., jax.Array],
    config: LBFGSConfig,
    x0: Any,
    args: tuple,
    max_iterations: jax.Array,
    tolerance: jax.Array,
) -> MinimizeResult:
    optimizer = create_lbfgs_optimizer(config)

    def objective(x: Any) -> jax.Array:
        return fun(x, *args)

    def keep_going(carry: _Carry) -> jax.Array:
        return (
            (carry.iteration < max_iterations) & (optax.tree.norm(carry.grad) > tolerance) & jnp.isfinite(carry.value)
        )

    def body(carry: _Carry) -> _Carry:
        updates, state = optimizer.update(
            carry.grad, carry.state, carry.x, value=carry.value, grad=carry.grad, value_fn=objective
        )
        # the line search leaves the value and the gradient at the new point in its state
        return _Carry(
            x=optax.apply_updates(carry.x, updates),
            state=state,
            iteration=carry.iteration + 1,
            value=optax.tree_utils.tree_get(state, "value"),
            grad=optax.tree_utils.tree_get(state, "grad"),
        )

    value, grad = jax.value_and_grad(objective)(x0)
    final = jax.lax.while_loop(
        keep_going, body, _Carry(x0, optimizer.init(x0), jnp.asarray(0, dtype=jnp.int32), value, grad)
    )
    gradient_norm = optax.tree.norm(final.grad)
    return MinimizeResult(
        solution=final.x,
        value=final.value,
        iterations=final.iteration,
        converged=gradient_norm <= tolerance,
        gradient_norm=gradient_norm,
    )
