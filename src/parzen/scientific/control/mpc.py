"""``DifferentiableMPC``: finite-horizon model predictive control by a projected (Gauss-)Newton solver.

The plan is the control sequence ``U = (u_0, ..., u_{H-1})`` that minimizes, for the rollout
``x_{t+1} = f(x_t, u_t)`` from the current state ``x_0``,

    J(U) = w_state * sum_{t=1}^{H-1} |x_t - r_t|^2 + w_terminal * |x_H - r_H|^2 + w_control * sum_t |u_t|^2
           + constraint_weight * sum_{t=1}^{H} |violation of the state bounds at x_t|^2

(the weights may be scalars or per-dimension vectors; ``r`` is the reference trajectory, or one
target state for every step). Control bounds hold exactly: every iterate is projected onto the box
(clipped). State bounds are soft: a quadratic penalty; the largest violation of the plan is reported.

Solvers (``MPCConfig.solver``):

- ``"newton"`` (default): projected Gauss-Newton (Bertsekas 1982, "Projected Newton methods for
  optimization problems with simple constraints"). ``J`` is a sum of squares ``|res(U)|^2``; the
  step solves ``2 J^T J d = -grad`` on the free coordinates (not at a bound with the gradient
  pushing outwards) and scales the gradient by the diagonal on the others, then backtracks along
  the projection arc ``clip(U + a d)`` over ``a = 1, 1/2, ..., 1/512`` (Armijo). For linear dynamics
  and no state bounds the Gauss-Newton matrix is the exact Hessian, so one step reaches the optimum.
- ``"gradient"``: projected gradient descent, ``U <- clip(U - learning_rate * grad)``.

Both stop when the projected gradient ``max |U - clip(U - grad)|`` falls to ``tolerance``, or after
the iteration budget. The loop is a fixed-length ``lax.scan`` whose iterations after convergence
leave ``U`` unchanged, so ``solve`` runs under ``jax.jit`` and ``jax.grad`` (differentiating through
the iterations; after a converged Newton solve this is the derivative of the optimum).

``time_limit`` (seconds, or None): turned into that iteration budget once, at the first ``solve``,
by timing the compiled solver on this machine (``block_until_ready``):
``budget = clamp(floor(time_limit / seconds_per_iteration), 1, max_iterations)``; ``iteration_budget_``
holds it. A wall-clock check cannot live inside a compiled, differentiable loop; this budget is the
jittable equivalent, not a hard real-time guarantee. With None the budget is ``max_iterations``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from parzen._checks import check_int, check_real

_WEIGHT_KEYS = ("state", "control", "terminal")
_STEPS = 0.5 ** np.arange(10)
_ARMIJO = 1e-4


def _check_bounds(name: str, bounds: Any, dim: int) -> tuple[np.ndarray, np.ndarray] | None:
    if bounds is None:
        return None
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise TypeError(f"`{name}` must be a (lower, upper) pair of numbers or length-{dim} arrays, got {bounds!r}")
    low, high = (np.broadcast_to(np.asarray(b, np.float64), (dim,)).copy() for b in bounds)
    if np.any(np.isnan(low)) or np.any(np.isnan(high)) or np.any(low > high):
        raise ValueError(f"`{name}` must have lower <= upper everywhere, got {bounds!r}")
    return low, high


@dataclass(frozen=True)
class MPCConfig:
    """Settings of :class:`DifferentiableMPC` (names and defaults of the seed's library where it had them).

    ``objective_weights``: ``{"state", "control", "terminal"}`` to a scalar or a per-dimension vector.
    ``control_bounds``/``state_bounds``: ``(lower, upper)``, scalars or vectors (``±inf`` for none).
    """

    horizon: int = 10
    control_dim: int = 2
    state_dim: int = 4
    objective_weights: Mapping[str, Any] = field(
        default_factory=lambda: {"state": 1.0, "control": 0.1, "terminal": 10.0})
    max_iterations: int = 50
    tolerance: float = 1e-4
    time_limit: float | None = None
    learning_rate: float = 0.01
    solver: str = "newton"
    control_bounds: tuple[Any, Any] | None = None
    state_bounds: tuple[Any, Any] | None = None
    constraint_weight: float = 1e3

    def __post_init__(self) -> None:
        check_int("horizon", self.horizon, 1)
        check_int("control_dim", self.control_dim, 1)
        check_int("state_dim", self.state_dim, 1)
        if not isinstance(self.objective_weights, Mapping) or set(self.objective_weights) != set(_WEIGHT_KEYS):
            raise ValueError(f"`objective_weights` must map exactly {_WEIGHT_KEYS} to weights, "
                             f"got {self.objective_weights!r}")
        for key, dim in zip(_WEIGHT_KEYS, (self.state_dim, self.control_dim, self.state_dim)):
            w = np.asarray(self.objective_weights[key], np.float64)
            if w.ndim > 1 or (w.ndim == 1 and w.shape != (dim,)) or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError(f"`objective_weights[{key!r}]` must be a non-negative scalar or length-{dim} "
                                 f"vector, got {self.objective_weights[key]!r}")
        check_int("max_iterations", self.max_iterations, 1)
        check_real("tolerance", self.tolerance, 0.0)
        if self.time_limit is not None and check_real("time_limit", self.time_limit, 0.0) == 0.0:
            raise ValueError("`time_limit` must be > 0 seconds or None")
        check_real("learning_rate", self.learning_rate, 0.0)
        if self.solver not in ("newton", "gradient"):
            raise ValueError(f"`solver` must be 'newton' or 'gradient', got {self.solver!r}")
        _check_bounds("control_bounds", self.control_bounds, self.control_dim)
        _check_bounds("state_bounds", self.state_bounds, self.state_dim)
        check_real("constraint_weight", self.constraint_weight, 0.0)


class MPCResult(NamedTuple):
    """One ``solve``: a pytree, so it can leave ``jit`` and be differentiated."""

    control: jax.Array  # u_0, the action to apply now
    controls: jax.Array  # (H, m) the planned controls
    states: jax.Array  # (H + 1, n) the planned states, x_0 first
    cost: jax.Array  # J without the constraint penalty
    constraint_violation: jax.Array  # the largest state-bound violation along the plan (0 if none)
    iterations: jax.Array  # solver iterations used
    converged: jax.Array  # projected gradient <= tolerance


class DifferentiableMPC:
    """Plans with a dynamics model ``f(state, control) -> next state`` (a function or an NNX module)."""

    def __init__(self, system_model: Any, config: MPCConfig | None = None) -> None:
        if config is None:
            config = MPCConfig()
        if not isinstance(config, MPCConfig):
            raise TypeError(f"`config` must be an MPCConfig, got {config!r}")
        if isinstance(system_model, nnx.Module):
            graphdef, model_state = nnx.split(system_model)
            self._model_state: Any = model_state

            def dynamics(state: Any, x: jax.Array, u: jax.Array) -> jax.Array:
                return nnx.merge(graphdef, state)(x, u)
        elif callable(system_model):
            self._model_state = None

            def dynamics(state: Any, x: jax.Array, u: jax.Array) -> jax.Array:
                return system_model(x, u)
        else:
            raise TypeError(f"`system_model` must be callable as model(state, control), got {system_model!r}")
        self.system_model = system_model
        self.config = config
        self._dynamics = dynamics
        bounds = _check_bounds("control_bounds", config.control_bounds, config.control_dim)
        inf = np.full(config.control_dim, np.inf)
        self._u_low, self._u_high = bounds if bounds is not None else (-inf, inf)
        self._x_bounds = _check_bounds("state_bounds", config.state_bounds, config.state_dim)
        self.iteration_budget_: int | None = None if config.time_limit is not None else config.max_iterations
        self._solvers: dict[int, Callable[..., MPCResult]] = {}

    # --- the optimization problem ------------------------------------------------------------------
    def _rollout(self, model_state: Any, x0: jax.Array, controls: jax.Array) -> jax.Array:
        def step(x: jax.Array, u: jax.Array) -> tuple[jax.Array, jax.Array]:
            nxt = self._dynamics(model_state, x, u)
            return nxt, nxt

        _, xs = jax.lax.scan(step, x0, controls)
        return xs  # x_1 .. x_H

    def _violation(self, xs: jax.Array) -> jax.Array:
        if self._x_bounds is None:
            return jnp.zeros_like(xs)
        low, high = self._x_bounds
        return jnp.maximum(xs - high, 0.0) + jnp.maximum(low - xs, 0.0)

    def _residuals(self, model_state: Any, x0: jax.Array, ref: jax.Array, flat_u: jax.Array) -> jax.Array:
        c = self.config
        w = {k: jnp.sqrt(jnp.asarray(c.objective_weights[k], jnp.float32)) for k in _WEIGHT_KEYS}
        controls = flat_u.reshape(c.horizon, c.control_dim)
        xs = self._rollout(model_state, x0, controls)
        parts = [(w["state"] * (xs[:-1] - ref[:-1])).ravel(), w["terminal"] * (xs[-1] - ref[-1]),
                 (w["control"] * controls).ravel()]
        if self._x_bounds is not None:
            parts.append(jnp.sqrt(c.constraint_weight) * self._violation(xs).ravel())
        return jnp.concatenate(parts)

    # --- the solver --------------------------------------------------------------------------------
    def _make_solver(self, budget: int) -> Callable[..., MPCResult]:
        c = self.config
        n_u = c.horizon * c.control_dim
        low = jnp.asarray(np.tile(self._u_low, c.horizon), jnp.float32)
        high = jnp.asarray(np.tile(self._u_high, c.horizon), jnp.float32)
        steps = jnp.asarray(_STEPS, jnp.float32)

        def project(u: jax.Array) -> jax.Array:
            return jnp.clip(u, low, high)

        def solve(model_state: Any, x0: jax.Array, ref: jax.Array) -> MPCResult:
            def residuals(u: jax.Array) -> jax.Array:
                return self._residuals(model_state, x0, ref, u)

            def objective(u: jax.Array) -> jax.Array:
                return jnp.sum(residuals(u) ** 2)

            def iterate(carry: tuple[jax.Array, jax.Array, jax.Array], _: None) -> tuple[Any, None]:
                u, iterations, _previous = carry
                if c.solver == "gradient":
                    grad = jax.grad(objective)(u)
                    converged = jnp.max(jnp.abs(u - project(u - grad))) <= c.tolerance
                    candidate = project(u - c.learning_rate * grad)
                else:
                    res = residuals(u)
                    jac = jax.jacfwd(residuals)(u)
                    grad = 2.0 * jac.T @ res
                    converged = jnp.max(jnp.abs(u - project(u - grad))) <= c.tolerance
                    hess = 2.0 * jac.T @ jac + 1e-9 * jnp.eye(n_u)
                    active = ((u <= low) & (grad > 0)) | ((u >= high) & (grad < 0))
                    free = ~active
                    diag = jnp.diag(hess)
                    reduced = jnp.where(free[:, None] & free[None, :], hess, 0.0) + jnp.diag(jnp.where(free, 0.0, diag))
                    direction = -jnp.linalg.solve(reduced, grad)
                    trials = jax.vmap(lambda a: project(u + a * direction))(steps)
                    values = jax.vmap(objective)(trials)
                    ok = values <= jnp.sum(res**2) + _ARMIJO * (trials - u) @ grad
                    candidate = jnp.where(jnp.any(ok), trials[jnp.argmax(ok)], u)
                u = jnp.where(converged, u, candidate)
                return (u, iterations + (~converged).astype(jnp.int32), converged), None

            start = project(jnp.zeros(n_u, jnp.float32))
            (u, iterations, _), _ = jax.lax.scan(iterate, (start, jnp.zeros((), jnp.int32), jnp.asarray(False)),
                                                 None, length=budget)
            grad = jax.grad(objective)(u)
            converged = jnp.max(jnp.abs(u - project(u - grad))) <= c.tolerance
            controls = u.reshape(c.horizon, c.control_dim)
            xs = self._rollout(model_state, x0, controls)
            res = residuals(u)
            n_penalty = c.horizon * c.state_dim if self._x_bounds is not None else 0
            cost = jnp.sum(res[: res.shape[0] - n_penalty] ** 2)
            violation = jnp.max(self._violation(xs)) if self._x_bounds is not None else jnp.zeros(())
            return MPCResult(controls[0], controls, jnp.concatenate([x0[None], xs]), cost, violation, iterations,
                             converged)

        return jax.jit(solve)

    def _solver(self, budget: int) -> Callable[..., MPCResult]:
        if budget not in self._solvers:
            self._solvers[budget] = self._make_solver(budget)
        return self._solvers[budget]

    def _calibrate(self) -> int:
        """Iterations that fit in ``time_limit``, from timing the compiled full-length solver once."""
        c = self.config
        assert c.time_limit is not None
        solver = self._solver(c.max_iterations)
        x0, ref = jnp.zeros(c.state_dim, jnp.float32), jnp.zeros((c.horizon, c.state_dim), jnp.float32)
        jax.block_until_ready(solver(self._model_state, x0, ref))  # compile
        began = time.perf_counter()
        jax.block_until_ready(solver(self._model_state, x0, ref))
        per_iteration = (time.perf_counter() - began) / c.max_iterations
        return max(1, min(c.max_iterations, math.floor(c.time_limit / per_iteration)))

    def solve(self, current_state: Any, reference_trajectory: Any) -> MPCResult:
        """Plan from ``current_state`` (n,) to follow ``reference_trajectory`` ((H, n) for x_1..x_H, or (n,))."""
        c = self.config
        x0 = jnp.asarray(current_state, jnp.float32)
        if x0.shape != (c.state_dim,):
            raise ValueError(f"`current_state` must have shape ({c.state_dim},), got {x0.shape}")
        ref = jnp.asarray(reference_trajectory, jnp.float32)
        if ref.shape == (c.state_dim,):
            ref = jnp.broadcast_to(ref, (c.horizon, c.state_dim))
        if ref.shape != (c.horizon, c.state_dim):
            raise ValueError(f"`reference_trajectory` must have shape ({c.horizon}, {c.state_dim}) or "
                             f"({c.state_dim},), got {ref.shape}")
        if self.iteration_budget_ is None:
            self.iteration_budget_ = self._calibrate()
        return self._solver(self.iteration_budget_)(self._model_state, x0, ref)
