"""``SystemIdentifier``: fit a discrete-time dynamics model ``x_{t+1} = f(x_t, u_t)`` to recorded data.

The model is either a Flax NNX module called as ``model(state, input)`` on one sample (its
``nnx.Param`` variables are trained; other state, such as BatchNorm statistics, is held fixed), or a
plain function ``model(params, state, input)`` with initial ``params`` given to the identifier (a
Flax Linen module goes this way: ``model=module.apply, params=variables``).

``fit`` minimizes the mean squared one-step prediction error over every recorded transition, full
batch, with L-BFGS (optax's, zoom line search; the default: the problem is small and smooth) or Adam,
under one ``jax.jit`` ``lax.while_loop`` that stops after ``max_iterations`` or when the gradient's
norm falls below ``tolerance`` (checked at the start of each step). It returns the trained model: a
new module (the given one is left as it was), or ``functools.partial(model, trained_params)`` for a
function; in both cases a callable of ``(state, input)`` that :class:`DifferentiableMPC` accepts.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax
import optax.tree
from flax import nnx

from parzen._checks import check_int, check_real


class LinearDynamics(nnx.Module):
    """``x' = A x + B u``; ``A`` starts at the identity and ``B`` at zero."""

    def __init__(self, state_dim: int, input_dim: int) -> None:
        self.A = nnx.Param(jnp.eye(check_int("state_dim", state_dim, 1)))
        self.B = nnx.Param(jnp.zeros((state_dim, check_int("input_dim", input_dim, 1))))

    def __call__(self, x: jax.Array, u: jax.Array) -> jax.Array:
        return self.A[...] @ x + self.B[...] @ u


def _transitions(state_data: Any, input_data: Any, next_state_data: Any) -> tuple[jax.Array, ...]:
    """``(x_t, u_t, x_{t+1})`` as three 2-D arrays, from trajectories or from explicit pairs."""
    states = jnp.asarray(state_data, jnp.float32)
    inputs = jnp.asarray(input_data, jnp.float32)
    if next_state_data is not None:
        nxt = jnp.asarray(next_state_data, jnp.float32)
        if states.ndim != 2 or inputs.ndim != 2 or nxt.shape != states.shape or inputs.shape[0] != states.shape[0]:
            raise ValueError("with `next_state_data`, `state_data`, `input_data` and `next_state_data` must be "
                             f"(N, n), (N, m), (N, n); got {states.shape}, {inputs.shape}, {nxt.shape}")
        return states, inputs, nxt
    if states.ndim == 2:
        states, inputs = states[None], inputs[None] if inputs.ndim == 2 else inputs
    if states.ndim != 3 or inputs.ndim != 3 or inputs.shape[:2] != (states.shape[0], states.shape[1] - 1):
        raise ValueError("`state_data` must be a trajectory (T + 1, n) or a batch (B, T + 1, n), and `input_data` "
                         f"(T, m) or (B, T, m) to match; got {states.shape} and {inputs.shape}")
    n, m = states.shape[-1], inputs.shape[-1]
    return states[:, :-1].reshape(-1, n), inputs.reshape(-1, m), states[:, 1:].reshape(-1, n)


class SystemIdentifier:
    """Fits a dynamics model to data; see the module docstring.

    After ``fit``: ``params_`` (the trained parameters), ``loss_`` (final mean squared error),
    ``iterations_``, ``converged_`` (the gradient norm fell below ``tolerance``).
    """

    def __init__(self, model: Any, *, params: Any = None, optimizer: str = "lbfgs", learning_rate: float = 1e-2,
                 max_iterations: int = 500, tolerance: float = 1e-6) -> None:
        if isinstance(model, nnx.Module):
            if params is not None:
                raise ValueError("`params` is only for a plain-function model; an nnx.Module holds its own")
        elif callable(model):
            if params is None:
                raise ValueError("a plain-function `model(params, state, input)` needs initial `params`")
        else:
            raise TypeError(f"`model` must be a flax.nnx.Module or a function (params, state, input), got {model!r}")
        if optimizer not in ("lbfgs", "adam"):
            raise ValueError(f"`optimizer` must be 'lbfgs' or 'adam', got {optimizer!r}")
        self.model = model
        self.params = params
        self.optimizer = optimizer
        self.learning_rate = check_real("learning_rate", learning_rate, 0.0)
        self.max_iterations = check_int("max_iterations", max_iterations, 1)
        self.tolerance = check_real("tolerance", tolerance, 0.0)
        self.params_: Any = None
        self.loss_: float | None = None
        self.iterations_: int | None = None
        self.converged_: bool | None = None

    def _split(self) -> tuple[Callable[[Any, jax.Array, jax.Array], jax.Array], Any, Callable[[Any], Any]]:
        """A per-sample predictor ``f(params, x, u)``, the initial params and a builder of the trained model."""
        if isinstance(self.model, nnx.Module):
            graphdef, params, rest = nnx.split(self.model, nnx.Param, ...)  # type: ignore[misc]

            def predict(p: Any, x: jax.Array, u: jax.Array) -> jax.Array:
                return nnx.merge(graphdef, p, rest)(x, u)

            return predict, params, lambda p: nnx.merge(graphdef, p, rest)
        fn = self.model
        return fn, self.params, lambda p: functools.partial(fn, p)

    def fit(self, state_data: Any, input_data: Any, next_state_data: Any = None) -> Any:
        """Train on recorded transitions; return the trained model, a callable of ``(state, input)``."""
        x, u, y = _transitions(state_data, input_data, next_state_data)
        predict, params, build = self._split()

        lbfgs = self.optimizer == "lbfgs"
        opt = optax.lbfgs() if lbfgs else optax.adam(self.learning_rate)
        max_iterations, tolerance = self.max_iterations, self.tolerance

        @jax.jit
        def run(p: Any, x: jax.Array, u: jax.Array, y: jax.Array) -> tuple[Any, jax.Array, jax.Array, jax.Array]:
            # the data are arguments, not constants folded into the compiled program
            def loss_fn(p: Any) -> jax.Array:
                pred = jax.vmap(predict, in_axes=(None, 0, 0))(p, x, u)
                return jnp.mean(jnp.sum((pred - y) ** 2, axis=-1))

            value_and_grad = optax.value_and_grad_from_state(loss_fn)

            def step(carry: tuple[Any, Any, jax.Array, jax.Array]) -> tuple[Any, Any, jax.Array, jax.Array]:
                p, state, i, _ = carry
                if lbfgs:
                    value, grad = value_and_grad(p, state=state)
                    updates, state = opt.update(grad, state, p, value=value, grad=grad, value_fn=loss_fn)
                else:
                    grad = jax.grad(loss_fn)(p)
                    updates, state = opt.update(grad, state, p)
                # the norm is that of the gradient at the point before this step
                return optax.apply_updates(p, updates), state, i + 1, optax.tree.norm(grad)

            def keep_going(carry: tuple[Any, Any, jax.Array, jax.Array]) -> jax.Array:
                _, _, i, grad_norm = carry
                return (i < max_iterations) & (grad_norm > tolerance)

            init = (p, opt.init(p), jnp.zeros((), jnp.int32), jnp.asarray(jnp.inf))
            p, _, i, grad_norm = jax.lax.while_loop(keep_going, step, init)
            return p, loss_fn(p), i, grad_norm

        trained, loss, iterations, grad_norm = run(params, x, u, y)
        self.params_ = trained
        self.loss_ = float(loss)
        self.iterations_ = int(iterations)
        self.converged_ = bool(grad_norm <= tolerance)
        return build(trained)
