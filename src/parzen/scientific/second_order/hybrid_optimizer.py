"""Adam, then L-BFGS: the usual recipe for physics-informed networks, as one jittable optimizer.

Adam moves quickly from a random start where curvature information is poor; L-BFGS then converges
much faster near a minimum. :class:`HybridOptimizer` decides at every step, from its state alone and
without any Python branch on traced values, whether to leave Adam (see
:class:`HybridOptimizerConfig` for the criteria). The switch happens once: L-BFGS starts from an
empty memory at the switch step and Adam's state is kept but no longer advanced. So ``update`` may
run inside ``jax.jit``, ``lax.scan`` or ``vmap``.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .config import HybridOptimizerConfig, SwitchCriterion
from .wrappers import create_lbfgs_optimizer


class HybridState(NamedTuple):
    """The hybrid optimizer's state: both inner states and what the switch decision needs."""

    adam_state: Any
    lbfgs_state: Any
    step: jax.Array
    """``update`` calls so far."""
    loss_window: jax.Array
    """The last ``loss_history_window`` losses, oldest first (NaN until filled)."""
    switched: jax.Array
    """Whether L-BFGS is in use."""
    switch_step: jax.Array
    """The step at which L-BFGS took over (its first L-BFGS update), -1 before."""


class HybridOptimizer:
    """Adam then L-BFGS, with ``init(params)`` and ``update(grads, state, params, *, loss, value_fn)``.

    ``update`` needs ``value_fn`` (the loss as a function of the parameters alone, evaluated by the
    L-BFGS line search) and takes ``loss`` (the loss at ``params``; computed with ``value_fn`` when
    omitted). ``grads`` must be the gradient of ``value_fn`` at ``params``. In the L-BFGS phase the
    updates are zero once the gradient's norm is at most ``lbfgs_config.tolerance`` or after
    ``lbfgs_config.max_iterations`` L-BFGS steps.
    """

    def __init__(self, config: HybridOptimizerConfig | None = None) -> None:
        config = HybridOptimizerConfig() if config is None else config
        if not isinstance(config, HybridOptimizerConfig):
            raise TypeError(f"`config` must be a HybridOptimizerConfig, got {config!r}")
        self.config = config
        self._adam = optax.adam(config.adam_learning_rate, b1=config.adam_b1, b2=config.adam_b2)
        self._lbfgs = create_lbfgs_optimizer(config.lbfgs_config)

    def init(self, params: Any) -> HybridState:
        """The state before the first step: Adam in use, an empty loss window."""
        leaves = jax.tree_util.tree_leaves(params)
        dtype = jnp.result_type(*leaves) if leaves else jnp.float32
        return HybridState(
            adam_state=self._adam.init(params),
            lbfgs_state=self._lbfgs.init(params),
            step=jnp.asarray(0, dtype=jnp.int32),
            loss_window=jnp.full((self.config.loss_history_window,), jnp.nan, dtype=dtype),
            switched=jnp.asarray(False),
            switch_step=jnp.asarray(-1, dtype=jnp.int32),
        )

    @staticmethod
    def is_using_lbfgs(state: HybridState) -> jax.Array:
        """Whether the next update of ``state`` is an L-BFGS step (a boolean array)."""
        return state.switched

    def update(
        self,
        grads: Any,
        state: HybridState,
        params: Any,
        *,
        loss: jax.Array | None = None,
        value_fn: Callable[[Any], jax.Array] | None = None,
    ) -> tuple[Any, HybridState]:
        """The updates to add to ``params`` (``optax.apply_updates``) and the next state."""
        if value_fn is None or not callable(value_fn):
            raise ValueError("`value_fn` is required: the L-BFGS line search evaluates the loss at trial points")
        if not isinstance(state, HybridState):
            raise TypeError(f"`state` must be a HybridState from HybridOptimizer.init, got {type(state).__name__}")
        config = self.config
        if loss is None:
            loss = value_fn(params)
        loss = jnp.asarray(loss, dtype=state.loss_window.dtype)
        window = jnp.concatenate([state.loss_window[1:], loss[None]])
        grad_norm = optax.tree.norm(grads)
        switch_now = ~state.switched & (
            self._criterion(window, state.step, grad_norm) | (state.step >= config.first_order_steps)
        )
        switched = state.switched | switch_now
        switch_step = jnp.where(switch_now, state.step, state.switch_step)
        fresh = self._lbfgs.init(params)
        lbfgs_state = jax.tree_util.tree_map(lambda new, old: jnp.where(switch_now, new, old), fresh, state.lbfgs_state)

        def adam_step(_: None) -> tuple[Any, Any, Any]:
            updates, adam_state = self._adam.update(grads, state.adam_state, params)
            return updates, adam_state, lbfgs_state

        def lbfgs_step(_: None) -> tuple[Any, Any, Any]:
            updates, new_lbfgs_state = self._lbfgs.update(
                grads, lbfgs_state, params, value=loss, grad=grads, value_fn=value_fn
            )
            return updates, state.adam_state, new_lbfgs_state

        def halted(_: None) -> tuple[Any, Any, Any]:
            return jax.tree_util.tree_map(jnp.zeros_like, params), state.adam_state, lbfgs_state

        lbfgs_config = config.lbfgs_config
        done = (grad_norm <= lbfgs_config.tolerance) | (state.step - switch_step >= lbfgs_config.max_iterations)
        branch = jnp.where(switched, jnp.where(done, 2, 1), 0)
        updates, adam_state, lbfgs_state = jax.lax.switch(branch, [adam_step, lbfgs_step, halted], None)
        return updates, HybridState(
            adam_state=adam_state,
            lbfgs_state=lbfgs_state,
            step=state.step + 1,
            loss_window=window,
            switched=switched,
            switch_step=switch_step,
        )

    def _criterion(self, window: jax.Array, step: jax.Array, grad_norm: jax.Array) -> jax.Array:
        """Whether the configured criterion holds, given the loss window that ends at this step."""
        config = self.config
        criterion = config.switch_criterion
        full = step + 1 >= config.loss_history_window
        if criterion == SwitchCriterion.EPOCH:
            return jnp.asarray(False)
        if criterion == SwitchCriterion.LOSS_VARIANCE:
            return full & (jnp.var(window) < config.loss_variance_threshold)
        if criterion == SwitchCriterion.GRADIENT_NORM:
            return grad_norm < config.gradient_norm_threshold
        oldest, newest = window[0], window[-1]
        scale = jnp.maximum(jnp.abs(oldest), jnp.finfo(window.dtype).tiny)
        return full & ((oldest - newest) / scale < config.relative_improvement_threshold)
