"""Learning-rate schedules with warmup, and a reduction on plateau; all jittable.

Every schedule is a function of the step (an optax ``Schedule``). With ``warmup_steps = w > 0`` it rises
linearly from ``warmup_init_value`` to ``init_value``, reaching it exactly at step ``w`` and never
above it (``warmup_init_value`` may not exceed ``init_value``); the decay then starts at once, from
``init_value`` at step ``w``, towards ``floor`` over ``decay_steps`` steps:

- cosine: ``floor + (init - floor) * (1 + cos(pi * s / decay_steps)) / 2`` for ``s = step - w``;
- linear: ``init + (floor - init) * s / decay_steps``;
- exponential: ``max(floor, init * decay_rate ** (s / decay_steps))`` (it keeps decaying past
  ``decay_steps``; the other two stay at ``floor``).

:class:`ReduceOnPlateau` multiplies the rate by ``factor`` when the monitored value has not improved
by more than ``threshold`` (relative) for ``patience`` consecutive updates, never below ``min_value``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

from parzen._checks import check_int, check_real

Schedule = Callable[[jax.Array | int], jax.Array]


def _warmup_then(decay: Callable[[jax.Array], jax.Array], init_value: float, warmup_steps: int,
                 warmup_init_value: float) -> Schedule:
    def schedule(step: jax.Array | int) -> jax.Array:
        step = jnp.asarray(step, jnp.float32)
        if warmup_steps == 0:
            return decay(step)
        frac = jnp.clip(step / warmup_steps, 0.0, 1.0)
        warm = warmup_init_value + (init_value - warmup_init_value) * frac
        return jnp.where(step < warmup_steps, warm, decay(step - warmup_steps))

    return schedule


def _check_common(init_value: float, decay_steps: int, warmup_steps: int, warmup_init_value: float,
                  floor: float) -> None:
    check_real("init_value", init_value, 0.0)
    check_int("decay_steps", decay_steps, 1)
    check_int("warmup_steps", warmup_steps, 0)
    check_real("warmup_init_value", warmup_init_value, 0.0, init_value)
    check_real("floor", floor, 0.0, init_value)


def cosine_schedule(init_value: float, decay_steps: int, *, warmup_steps: int = 0, warmup_init_value: float = 0.0,
                    floor: float = 0.0) -> Schedule:
    """Warmup, then cosine decay from ``init_value`` to ``floor`` over ``decay_steps``."""
    _check_common(init_value, decay_steps, warmup_steps, warmup_init_value, floor)

    def decay(s: jax.Array) -> jax.Array:
        frac = jnp.clip(s / decay_steps, 0.0, 1.0)
        return floor + (init_value - floor) * 0.5 * (1.0 + jnp.cos(jnp.pi * frac))

    return _warmup_then(decay, init_value, warmup_steps, warmup_init_value)


def linear_schedule(init_value: float, decay_steps: int, *, warmup_steps: int = 0, warmup_init_value: float = 0.0,
                    floor: float = 0.0) -> Schedule:
    """Warmup, then linear decay from ``init_value`` to ``floor`` over ``decay_steps``."""
    _check_common(init_value, decay_steps, warmup_steps, warmup_init_value, floor)

    def decay(s: jax.Array) -> jax.Array:
        return init_value + (floor - init_value) * jnp.clip(s / decay_steps, 0.0, 1.0)

    return _warmup_then(decay, init_value, warmup_steps, warmup_init_value)


def exponential_schedule(init_value: float, decay_steps: int, *, decay_rate: float = 0.1, warmup_steps: int = 0,
                         warmup_init_value: float = 0.0, floor: float = 0.0) -> Schedule:
    """Warmup, then ``init_value * decay_rate ** (s / decay_steps)``, floored at ``floor``."""
    _check_common(init_value, decay_steps, warmup_steps, warmup_init_value, floor)
    if not 0.0 < check_real("decay_rate", decay_rate, 0.0, 1.0) < 1.0:
        raise ValueError(f"`decay_rate` must be in (0, 1), got {decay_rate!r}")

    def decay(s: jax.Array) -> jax.Array:
        return jnp.maximum(floor, init_value * decay_rate ** (s / decay_steps))

    return _warmup_then(decay, init_value, warmup_steps, warmup_init_value)


class PlateauState(NamedTuple):
    learning_rate: jax.Array
    best: jax.Array
    bad_updates: jax.Array


class ReduceOnPlateau:
    """Reduce the learning rate by ``factor`` after ``patience`` updates without improvement (minimizing).

    A value improves when it is below ``best * (1 - threshold)`` (for a positive best; the margin is
    ``threshold * |best|`` in general). ``init``/``update`` are pure functions, usable under ``jit``.
    """

    def __init__(self, *, factor: float = 0.5, patience: int = 10, threshold: float = 1e-4,
                 min_value: float = 0.0) -> None:
        self.factor = check_real("factor", factor, 0.0, 1.0)
        if not 0.0 < self.factor < 1.0:
            raise ValueError(f"`factor` must be in (0, 1), got {factor!r}")
        self.patience = check_int("patience", patience, 1)
        self.threshold = check_real("threshold", threshold, 0.0)
        self.min_value = check_real("min_value", min_value, 0.0)

    def init(self, learning_rate: float) -> PlateauState:
        check_real("learning_rate", learning_rate, 0.0)
        return PlateauState(jnp.asarray(learning_rate, jnp.float32), jnp.asarray(jnp.inf, jnp.float32),
                            jnp.zeros((), jnp.int32))

    def update(self, state: PlateauState, value: jax.Array | float) -> PlateauState:
        value = jnp.asarray(value, jnp.float32)
        improved = value < state.best - self.threshold * jnp.abs(jnp.where(jnp.isinf(state.best), 0.0, state.best))
        bad = jnp.where(improved, 0, state.bad_updates + 1)
        reduce = bad >= self.patience
        lr = jnp.where(reduce, jnp.maximum(self.min_value, state.learning_rate * self.factor), state.learning_rate)
        return PlateauState(lr, jnp.where(improved, value, state.best), jnp.where(reduce, 0, bad))
