"""SystemIdentifier: recovers a linear system from noisy data; trains NNX modules and plain functions."""

from __future__ import annotations

import jax
import jax.numpy as jnp  # noqa: E402
import numpy as np
import pytest

from parzen.scientific.control import LinearDynamics, SystemIdentifier  # noqa: E402
from parzen.scientific.control.system_id import _transitions  # noqa: E402


def linear_system(seed: int = 0, n: int = 3, m: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    return 0.9 * a / np.max(np.abs(np.linalg.eigvals(a))), rng.normal(size=(n, m))


def trajectories(a: np.ndarray, b: np.ndarray, batch: int, steps: int, noise: float, seed: int = 1) -> tuple:
    rng = np.random.default_rng(seed)
    n, m = b.shape
    xs = np.zeros((batch, steps + 1, n))
    xs[:, 0] = rng.normal(size=(batch, n))
    us = rng.normal(size=(batch, steps, m))
    for t in range(steps):
        xs[:, t + 1] = xs[:, t] @ a.T + us[:, t] @ b.T + noise * rng.normal(size=(batch, n))
    return xs, us


def test_recovers_a_and_b_from_noisy_trajectories() -> None:
    a, b = linear_system()
    xs, us = trajectories(a, b, batch=4, steps=50, noise=0.02)
    start = LinearDynamics(3, 2)
    identifier = SystemIdentifier(model=start)
    model = identifier.fit(xs, us)
    np.testing.assert_allclose(model.A[...], a, atol=0.02)
    np.testing.assert_allclose(model.B[...], b, atol=0.02)
    assert identifier.converged_ and identifier.iterations_ < 500
    assert identifier.loss_ == pytest.approx(3 * 0.02**2, rel=0.3)  # the noise floor
    np.testing.assert_array_equal(start.A[...], np.eye(3))  # the given module is left as it was
    # explicit (x, u, x') pairs, and one trajectory, are accepted too
    pairs = SystemIdentifier(model=LinearDynamics(3, 2)).fit(xs[:, :-1].reshape(-1, 3), us.reshape(-1, 2),
                                                                xs[:, 1:].reshape(-1, 3))
    np.testing.assert_allclose(pairs.A[...], model.A[...], atol=1e-3)
    x, u, nxt = _transitions(xs[0], us[0], None)  # one trajectory: its 50 transitions, in order
    np.testing.assert_allclose(x, xs[0, :-1], rtol=1e-6)
    np.testing.assert_allclose(u, us[0], rtol=1e-6)
    np.testing.assert_allclose(nxt, xs[0, 1:], rtol=1e-6)


def test_a_plain_function_with_adam_and_its_stopping_rules() -> None:
    a, b = linear_system(seed=2, n=2, m=1)
    xs, us = trajectories(a, b, batch=2, steps=40, noise=0.0)

    def affine(p: dict[str, jax.Array], x: jax.Array, u: jax.Array) -> jax.Array:
        return p["A"] @ x + p["B"] @ u + p["c"]

    params = {"A": jnp.zeros((2, 2)), "B": jnp.zeros((2, 1)), "c": jnp.zeros(2)}
    capped = SystemIdentifier(model=affine, params=params, optimizer="adam", learning_rate=0.05,
                              max_iterations=300, tolerance=0.0)
    trained = capped.fit(xs, us)
    assert capped.iterations_ == 300 and not capped.converged_  # tolerance 0 cannot be met: the cap stops it
    x, u = jnp.asarray(xs[0, 3]), jnp.asarray(us[0, 3])
    np.testing.assert_allclose(trained(x, u), xs[0, 4], atol=0.05)
    loose = SystemIdentifier(model=affine, params=params, optimizer="adam", learning_rate=0.05,
                             max_iterations=300, tolerance=0.5)
    loose.fit(xs, us)
    assert loose.converged_ and loose.iterations_ < 300
    slow = SystemIdentifier(model=affine, params=params, optimizer="adam", learning_rate=1e-3,
                            max_iterations=300, tolerance=0.0)
    slow.fit(xs, us)
    assert slow.loss_ is not None and capped.loss_ is not None and slow.loss_ > 10 * capped.loss_


def test_bad_arguments_name_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="model"):
        SystemIdentifier(model=3)
    with pytest.raises(ValueError, match="params"):
        SystemIdentifier(model=lambda p, x, u: x)
    with pytest.raises(ValueError, match="optimizer"):
        SystemIdentifier(model=LinearDynamics(2, 1), optimizer="sgd")
    with pytest.raises(ValueError, match="max_iterations"):
        SystemIdentifier(model=LinearDynamics(2, 1), max_iterations=0)
    with pytest.raises(ValueError, match="state_data"):
        SystemIdentifier(model=LinearDynamics(2, 1)).fit(np.zeros((10, 2)), np.zeros((10, 1)))
