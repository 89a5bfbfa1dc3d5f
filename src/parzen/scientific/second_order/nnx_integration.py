"""L-BFGS and the hybrid optimizer on Flax NNX models, updating the model in place.

A step splits the model into the variables it optimizes (``wrt``, ``nnx.Param`` by default) and the
rest of its state (BatchNorm statistics, Dropout random streams, any other variable), runs one jitted
pure step, and writes both back into the model:

- the loss and its gradient come from one call of ``loss_fn(model, *args)``, and the rest of the state
  after that call (updated batch statistics, advanced random counters) is what the model keeps;
- the L-BFGS line search evaluates the loss at trial parameters with the rest of the state as it was
  before the step, so within a step every evaluation sees the same dropout masks and the same inputs
  to the batch statistics: the objective the line search probes is the one the gradient belongs to.

Compiled code is reused while the model's structure (``nnx.split``'s graph definition), ``loss_fn``
(pass the same function object; per-step data goes in ``*args``) and the shapes of ``args`` stay the same.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from .config import HybridOptimizerConfig, LBFGSConfig
from .hybrid_optimizer import HybridOptimizer, HybridState
from .solve import MinimizeResult
from .wrappers import create_lbfgs_optimizer

LossFn = Callable[..., jax.Array]


def _split(model: nnx.Module, wrt: Any) -> tuple[Any, Any, Any]:
    """The graph definition, the ``wrt`` variables and everything else of ``model``."""
    graphdef, params, *rest = nnx.split(model, wrt, ...)
    return graphdef, params, rest[0]


def _objective(graphdef: Any, rest: Any, wrt: Any, loss_fn: LossFn, args: tuple) -> Callable[[Any], tuple]:
    """``params -> (loss, rest after the call)`` for the model that ``graphdef`` and ``rest`` describe."""

    def value_and_rest(params: Any) -> tuple[jax.Array, Any]:
        model = nnx.merge(graphdef, params, rest, copy=True)
        loss = loss_fn(model, *args)
        return loss, _split(model, wrt)[2]

    return value_and_rest


def _lbfgs_update(
    optimizer: optax.GradientTransformationExtraArgs,
    graphdef: Any,
    wrt: Any,
    loss_fn: LossFn,
    params: Any,
    rest: Any,
    opt_state: Any,
    args: tuple,
) -> tuple[jax.Array, jax.Array, Any, Any, Any]:
    """One L-BFGS step: the loss and gradient norm before it, the new parameters, rest and state."""
    objective = _objective(graphdef, rest, wrt, loss_fn, args)
    (loss, new_rest), grads = jax.value_and_grad(objective, has_aux=True)(params)
    updates, opt_state = optimizer.update(
        grads, opt_state, params, value=loss, grad=grads, value_fn=lambda p: objective(p)[0]
    )
    return loss, optax.tree.norm(grads), optax.apply_updates(params, updates), new_rest, opt_state


_lbfgs_step = jax.jit(_lbfgs_update, static_argnums=(0, 1, 2, 3))


class _RunCarry(NamedTuple):
    params: Any
    rest: Any
    opt_state: Any
    iteration: jax.Array
    loss: jax.Array
    gradient_norm: jax.Array
    converged: jax.Array


@functools.partial(jax.jit, static_argnums=(0, 1, 2, 3))
def _lbfgs_run(
    optimizer: optax.GradientTransformationExtraArgs,
    graphdef: Any,
    wrt: Any,
    loss_fn: LossFn,
    params: Any,
    rest: Any,
    opt_state: Any,
    args: tuple,
    max_iterations: jax.Array,
    tolerance: jax.Array,
) -> _RunCarry:
    def body(carry: _RunCarry) -> _RunCarry:
        loss, gradient_norm, *new = _lbfgs_update(
            optimizer, graphdef, wrt, loss_fn, carry.params, carry.rest, carry.opt_state, args
        )
        # at a point whose gradient meets the tolerance nothing moves, the rest of the state included
        converged = gradient_norm <= tolerance
        params, rest, opt_state = jax.tree_util.tree_map(
            lambda old, updated: jnp.where(converged, old, updated),
            (carry.params, carry.rest, carry.opt_state),
            tuple(new),
        )
        iteration = carry.iteration + jnp.where(converged, 0, 1)
        return _RunCarry(params, rest, opt_state, iteration, loss, gradient_norm, converged)

    def keep_going(carry: _RunCarry) -> jax.Array:
        return ~carry.converged & (carry.iteration < max_iterations) & jnp.isfinite(carry.loss)

    loss_shape, norm_shape, *_ = jax.eval_shape(
        functools.partial(_lbfgs_update, optimizer, graphdef, wrt, loss_fn), params, rest, opt_state, args
    )
    start = _RunCarry(
        params=params,
        rest=rest,
        opt_state=opt_state,
        iteration=jnp.asarray(0, dtype=jnp.int32),
        loss=jnp.zeros((), loss_shape.dtype),
        gradient_norm=jnp.full((), jnp.inf, norm_shape.dtype),
        converged=jnp.asarray(False),
    )
    return jax.lax.while_loop(keep_going, body, start)


@functools.partial(jax.jit, static_argnums=(0, 1, 2, 3))
def _hybrid_step(
    optimizer: HybridOptimizer,
    graphdef: Any,
    wrt: Any,
    loss_fn: LossFn,
    params: Any,
    rest: Any,
    opt_state: HybridState,
    args: tuple,
) -> tuple[jax.Array, Any, Any, HybridState]:
    objective = _objective(graphdef, rest, wrt, loss_fn, args)
    (loss, new_rest), grads = jax.value_and_grad(objective, has_aux=True)(params)
    updates, opt_state = optimizer.update(grads, opt_state, params, loss=loss, value_fn=lambda p: objective(p)[0])
    return loss, optax.apply_updates(params, updates), new_rest, opt_state


class _NNXOptimizer:
    """What both wrappers share: the model, the filter of optimized variables, the step counter."""

    def __init__(self, model: nnx.Module, wrt: Any) -> None:
        if not isinstance(model, nnx.Module):
            raise TypeError(f"`model` must be a flax.nnx.Module, got {type(model).__name__}")
        self.model = model
        self.wrt = wrt
        _, params, _ = _split(model, wrt)
        if not jax.tree_util.tree_leaves(params):
            raise ValueError(f"`wrt` ({wrt!r}) selects no variable of the model")

    def _split(self, loss_fn: LossFn) -> tuple[Any, Any, Any]:
        if not callable(loss_fn):
            raise TypeError(f"`loss_fn` must be callable, got {loss_fn!r}")
        return _split(self.model, self.wrt)


class NNXLBFGSWrapper(_NNXOptimizer):
    """L-BFGS on the ``wrt`` variables of an NNX model: ``step(loss_fn, *args) -> loss``.

    ``loss_fn(model, *args)`` returns the scalar loss; each ``step`` is one L-BFGS iteration (with
    its line search) and updates the model in place; the returned loss is the one before the step.
    ``minimize`` runs steps to ``config.tolerance`` or ``config.max_iterations`` in one jitted loop.
    """

    def __init__(self, model: nnx.Module, config: LBFGSConfig | None = None, wrt: Any = nnx.Param) -> None:
        super().__init__(model, wrt)
        self.config = LBFGSConfig() if config is None else config
        self._optimizer = create_lbfgs_optimizer(self.config)
        self._opt_state = self._optimizer.init(_split(model, wrt)[1])
        self._step_count = 0

    @property
    def step_count(self) -> int:
        """Steps taken so far."""
        return self._step_count

    @property
    def is_using_lbfgs(self) -> bool:
        """Always True: every step of this wrapper is an L-BFGS step."""
        return True

    def step(self, loss_fn: LossFn, *args: Any) -> jax.Array:
        graphdef, params, rest = self._split(loss_fn)
        loss, _, params, rest, self._opt_state = _lbfgs_step(
            self._optimizer, graphdef, self.wrt, loss_fn, params, rest, self._opt_state, args
        )
        nnx.update(self.model, params, rest)
        self._step_count += 1
        return loss

    def minimize(self, loss_fn: LossFn, *args: Any) -> MinimizeResult:
        """Steps in one jitted loop until the gradient's norm is at most ``config.tolerance``, or
        ``config.max_iterations`` steps were taken, or the loss is not finite.

        The model is updated in place. The result's ``value`` and ``gradient_norm`` are those of the
        last evaluation (at the final parameters when converged, else before the last step);
        ``solution`` is the optimized variables' ``nnx.State``.
        """
        graphdef, params, rest = self._split(loss_fn)
        final = _lbfgs_run(
            self._optimizer,
            graphdef,
            self.wrt,
            loss_fn,
            params,
            rest,
            self._opt_state,
            args,
            self.config.max_iterations,
            self.config.tolerance,
        )
        self._opt_state = final.opt_state
        nnx.update(self.model, final.params, final.rest)
        self._step_count += int(final.iteration)
        return MinimizeResult(
            solution=final.params,
            value=final.loss,
            iterations=final.iteration,
            converged=final.converged,
            gradient_norm=final.gradient_norm,
        )


class NNXHybridOptimizer(_NNXOptimizer):
    """Adam then L-BFGS (:class:`HybridOptimizer`) on the ``wrt`` variables of an NNX model.

    ``step(loss_fn, *args) -> loss`` as in :class:`NNXLBFGSWrapper`; ``is_using_lbfgs`` says whether
    the switch has happened, ``switch_step`` when, and ``step_count`` counts the steps.
    """

    def __init__(self, model: nnx.Module, config: HybridOptimizerConfig | None = None, wrt: Any = nnx.Param) -> None:
        super().__init__(model, wrt)
        self._optimizer = HybridOptimizer(config)
        self.config = self._optimizer.config
        self._opt_state = self._optimizer.init(_split(model, wrt)[1])

    @property
    def state(self) -> HybridState:
        """The inner :class:`HybridState` (step count, loss window, switch flag and step)."""
        return self._opt_state

    @property
    def step_count(self) -> int:
        return int(self._opt_state.step)

    @property
    def is_using_lbfgs(self) -> bool:
        return bool(self._opt_state.switched)

    @property
    def switch_step(self) -> int | None:
        """The step at which L-BFGS took over, None before the switch."""
        step = int(self._opt_state.switch_step)
        return None if step < 0 else step

    def step(self, loss_fn: LossFn, *args: Any) -> jax.Array:
        graphdef, params, rest = self._split(loss_fn)
        loss, params, rest, self._opt_state = _hybrid_step(
            self._optimizer, graphdef, self.wrt, loss_fn, params, rest, self._opt_state, args
        )
        nnx.update(self.model, params, rest)
        return loss


def create_nnx_lbfgs_optimizer(
    model: nnx.Module, config: LBFGSConfig | None = None, wrt: Any = nnx.Param
) -> NNXLBFGSWrapper:
    """An :class:`NNXLBFGSWrapper` over ``model``."""
    return NNXLBFGSWrapper(model, config, wrt)


def create_nnx_hybrid_optimizer(
    model: nnx.Module, config: HybridOptimizerConfig | None = None, wrt: Any = nnx.Param
) -> NNXHybridOptimizer:
    """An :class:`NNXHybridOptimizer` over ``model``."""
    return NNXHybridOptimizer(model, config, wrt)
