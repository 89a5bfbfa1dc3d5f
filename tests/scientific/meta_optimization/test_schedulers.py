"""Schedules: warmup rises monotonically to the initial rate without overshoot, decay starts at once;
ReduceOnPlateau cuts the rate after `patience` updates without improvement."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from parzen.scientific.meta_optimization import (  # noqa: E402
    ReduceOnPlateau,
    cosine_schedule,
    exponential_schedule,
    linear_schedule,
)

INIT, WARMUP, DECAY, FLOOR = 1e-3, 20, 100, 1e-5
KINDS = {
    "cosine": lambda **kw: cosine_schedule(INIT, DECAY, **kw),
    "linear": lambda **kw: linear_schedule(INIT, DECAY, **kw),
    "exponential": lambda **kw: exponential_schedule(INIT, DECAY, decay_rate=0.1, **kw),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_warmup_rises_to_the_initial_rate_and_never_overshoots(kind: str) -> None:
    schedule = jax.jit(KINDS[kind](warmup_steps=WARMUP, warmup_init_value=1e-5, floor=FLOOR))
    values = np.array([float(schedule(s)) for s in range(WARMUP + DECAY + 50)])
    warm = values[: WARMUP + 1]
    assert np.all(np.diff(warm) > 0)
    assert values[0] == pytest.approx(1e-5)
    assert values[WARMUP] == pytest.approx(INIT, rel=1e-6)
    assert values.max() <= INIT * (1 + 1e-6)
    assert np.all(np.diff(values[WARMUP:]) <= 1e-12)  # the decay starts right after warmup
    assert values[WARMUP + 1] < INIT
    assert values.min() >= FLOOR * (1 - 1e-6)


def test_decay_shapes() -> None:
    cos, lin = cosine_schedule(1.0, 10), linear_schedule(1.0, 10, floor=0.2)
    exp = exponential_schedule(1.0, 10, decay_rate=0.5)
    assert float(cos(5)) == pytest.approx(0.5) and float(cos(10)) == pytest.approx(0.0, abs=1e-7)
    assert float(lin(5)) == pytest.approx(0.6) and float(lin(50)) == pytest.approx(0.2)
    assert float(exp(10)) == pytest.approx(0.5) and float(exp(20)) == pytest.approx(0.25)


def test_schedule_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="warmup_init_value"):
        cosine_schedule(1e-3, 10, warmup_steps=5, warmup_init_value=2e-3)
    with pytest.raises(ValueError, match="decay_rate"):
        exponential_schedule(1e-3, 10, decay_rate=1.0)
    with pytest.raises(TypeError, match="decay_steps"):
        linear_schedule(1e-3, 10.0)  # type: ignore[arg-type]


def test_reduce_on_plateau_waits_patience_then_cuts_by_factor() -> None:
    plateau = ReduceOnPlateau(factor=0.5, patience=3, threshold=0.01, min_value=0.2)
    update = jax.jit(plateau.update)
    state = plateau.init(1.0)
    rates = []
    for value in [10.0, 9.0, 8.995, 8.99, 8.99, 8.99, 8.99, 8.99, 8.99, 5.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]:
        state = update(state, value)
        rates.append(float(state.learning_rate))
    # 9.0 is the best; 8.995 and 8.99 are within 1% of it, so they count as no improvement
    assert rates[:4] == [1.0, 1.0, 1.0, 1.0]
    assert rates[4] == 0.5  # third update without improvement
    assert rates[7] == 0.25 and rates[8] == 0.25
    assert rates[9] == 0.25  # 5.0 improves: counter resets
    assert rates[12] == pytest.approx(0.2)  # 0.125 floored at min_value
    with pytest.raises(ValueError, match="factor"):
        ReduceOnPlateau(factor=1.0)
