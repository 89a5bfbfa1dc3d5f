"""The GP's shortcuts give, bit for bit, what the plain formulas give.

L-BFGS-B hands scipy the gradient of the last evaluation itself, the posterior scales its training points once, the Matern value and gradient share their terms, arrays are
updated in place, the Cholesky factor is taken from LAPACK directly, logEI skips the branches no point falls
in, and excluded points are found by a search on their first entry: each is checked here against the plain
computation with ``np.array_equal`` (not a tolerance), since any last-bit change would change suggestions.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize

from parzen.samplers.gp import lbfgsb
from parzen.samplers.gp.acquisition import Acquisition, _rounded_rows, log_h
from parzen.samplers.gp.fit import GPPosterior, ThetaLayout, _inverse_from_cholesky, log_marginal_likelihood
from parzen.samplers.gp.kernel import KernelParams, kernel_matrix, matern52, matern52_and_grad, matern52_grad


def _data(seed: int, n: int, d_num: int, n_choices: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x_num = rng.random((n, d_num))
    x_cat = np.array([rng.integers(c, size=n) for c in n_choices], dtype=int).T.reshape(n, len(n_choices))
    y = np.sin(4 * x_num.sum(1)) + 0.3 * x_cat.sum(1)
    return x_num, x_cat, (y - y.mean()) / y.std()


def _params(d_num: int, d_cat: int, warped: bool) -> KernelParams:
    return KernelParams(np.linspace(0.15, 0.9, d_num), np.linspace(0.5, 1.5, d_cat), 1.7,
                        np.linspace(0.6, 1.8, d_num) if warped else None,
                        np.linspace(1.4, 0.7, d_num) if warped else None)


def test_matern_value_and_gradient_together_equal_the_separate_formulas() -> None:
    d2 = np.random.default_rng(0).random((40, 70)) * 30.0
    d2[0, :5] = 0.0
    value, grad = matern52_and_grad(d2)
    r = np.sqrt(d2)
    assert np.array_equal(value, (1.0 + np.sqrt(5.0) * r + (5.0 / 3.0) * d2) * np.exp(-np.sqrt(5.0) * r))
    assert np.array_equal(value, matern52(d2))
    assert np.array_equal(grad, matern52_grad(d2))


def test_inverse_from_the_cholesky_factor_is_the_symmetric_inverse_the_two_triangles_make() -> None:
    rng = np.random.default_rng(1)
    for n in (1, 7, 60):
        a = rng.standard_normal((n, n))
        chol = scipy.linalg.cho_factor(a @ a.T + n * np.eye(n), lower=True)[0]
        inv, _ = scipy.linalg.lapack.dpotri(chol, lower=True)
        expected = np.tril(inv) + np.tril(inv, -1).T
        got = _inverse_from_cholesky(chol)
        assert np.array_equal(got, expected) and np.array_equal(np.signbit(got), np.signbit(expected))
        assert np.array_equal(got, got.T)


@pytest.mark.parametrize(("d_num", "n_choices", "warped"), [(2, (), False), (5, (), False), (3, (3, 2), True)])
def test_posterior_equals_the_plain_formulas(d_num: int, n_choices: tuple[int, ...], warped: bool) -> None:
    """Mean, variance and the Cholesky solve equal scipy's cho_factor/cho_solve and a fresh kernel matrix; without
    a warp, the mean and variance of predict_with_grad equal those of predict."""
    x_num, x_cat, y = _data(2, 40, d_num, n_choices)
    params, noise = _params(d_num, len(n_choices), warped), 1e-3
    post = GPPosterior(params, noise, x_num, x_cat, y)
    k = kernel_matrix(x_num, x_cat, x_num, x_cat, params)
    k[np.diag_indices(len(y))] += noise + 1e-8
    chol = scipy.linalg.cho_factor(k, lower=True, check_finite=False)
    alpha = scipy.linalg.cho_solve(chol, y, check_finite=False)
    assert np.array_equal(post.alpha, alpha)
    kinv, _ = scipy.linalg.lapack.dpotri(chol[0], lower=True)
    kinv = np.tril(kinv) + np.tril(kinv, -1).T
    q_num, q_cat, _ = _data(3, 300, d_num, n_choices)
    k_star = kernel_matrix(q_num, q_cat, x_num, x_cat, params)
    mean, var = post.predict(q_num, q_cat)
    assert np.array_equal(mean, k_star @ alpha)
    assert np.array_equal(var, np.maximum(params.amplitude - np.sum((k_star @ kinv) * k_star, axis=1), 1e-12))
    if not warped:  # with a warp, predict_with_grad takes w = 1 - s * s^(b-1) from the warp's gradients
        g_mean, g_var, _, _ = post.predict_with_grad(q_num[:5], q_cat[:5])
        assert np.array_equal(g_mean, mean[:5]) and np.array_equal(g_var, var[:5])


def test_log_marginal_likelihood_uses_the_solve_scipy_gives() -> None:
    """The value equals the textbook expression built on scipy's cho_factor/cho_solve."""
    x_num, x_cat, y = _data(4, 30, 3, (3,))
    layout = ThetaLayout(3, 1, False)
    theta = np.array([-1.0, -0.5, 0.2, 0.3, 0.1, -5.0])
    params, noise = layout.unpack(theta)
    k = kernel_matrix(x_num, x_cat, x_num, x_cat, params)
    np.fill_diagonal(k, params.amplitude)
    k[np.diag_indices(len(y))] += noise + 1e-8
    chol = scipy.linalg.cho_factor(k, lower=True, check_finite=False)
    alpha = scipy.linalg.cho_solve(chol, y, check_finite=False)
    expected = (-0.5 * float(y @ alpha) - float(np.sum(np.log(np.diag(chol[0]))))
                - 0.5 * len(y) * np.log(2.0 * np.pi))
    assert log_marginal_likelihood(theta, layout, x_num, x_cat, y)[0] == expected


def test_log_h_gives_each_point_the_value_of_its_branch_whatever_the_other_points() -> None:
    upper = np.array([-0.9, 0.0, 0.3, 2.0, 7.5])
    middle = np.array([-1.5, -4.0, -30.0, -300.0])
    lower = np.array([-1e9])
    mixed = log_h(np.concatenate([upper, middle, lower]))
    assert np.array_equal(mixed[:5], log_h(upper))
    assert np.array_equal(mixed[5:9], log_h(middle))
    assert np.array_equal(mixed[9:], log_h(lower))
    strided = np.repeat(upper, 2)[::2]  # not contiguous: takes the general path, same values
    assert np.array_equal(log_h(strided), log_h(upper))


class _FlatPosterior:
    def predict(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(len(x_num)), np.ones(len(x_num))

    def predict_with_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, ...]:
        raise AssertionError("not used")


@pytest.mark.parametrize(("d_num", "n_choices", "on_grid"),
                         [(2, (), False), (3, (), True), (0, (3, 2), False), (2, (4,), True), (1, (), True)])
def test_excluded_points_are_exactly_those_whose_rounded_rows_were_listed(
        d_num: int, n_choices: tuple[int, ...], on_grid: bool) -> None:
    """The search on the first entry finds what comparing every row whole finds: copies of the listed points,
    points within the rounding (1e-14), a negative zero; not points 1e-9 away."""
    rng = np.random.default_rng(d_num * 10 + len(n_choices))
    ex_num, ex_cat, _ = _data(5, 25, d_num, n_choices)
    q_num, q_cat, _ = _data(6, 400, d_num, n_choices)
    if on_grid:
        ex_num, q_num = np.round(ex_num * 4) / 4, np.round(q_num * 4) / 4
    pick = rng.integers(25, size=120)
    q_num[:120] = ex_num[pick] + rng.choice([0.0, 1e-14, 1e-9], size=(120, d_num))
    q_cat[:120] = ex_cat[pick]
    if d_num:
        ex_num[0, 0], q_num[200, 0] = 0.0, -0.0
        q_num[200, 1:], q_cat[200] = ex_num[0, 1:], ex_cat[0]
    acqf = Acquisition(_FlatPosterior(), "logei", best=0.0, beta=1.0, exclude=(ex_num, ex_cat))
    listed = {row.tobytes() for row in _rounded_rows(ex_num, ex_cat)}
    expected = np.array([row.tobytes() in listed for row in _rounded_rows(q_num, q_cat)])
    assert 0 < expected.sum() < len(expected)
    values = acqf(q_num, q_cat)
    assert np.array_equal(values == -np.inf, expected)


@pytest.mark.parametrize(("maxiter", "ftol"), [(200, None), (200, 1e-6), (3, None)])
def test_lbfgsb_takes_the_steps_scipy_takes_evaluating_each_point_once(maxiter: int, ftol: float | None) -> None:
    """Same iterates, value and counts as ``minimize(jac=True)`` on a bounded problem (some bounds active at the
    optimum; maxiter=3 stops early), with one call of the function per evaluation scipy counts."""
    target = np.array([0.3, -0.2, 1.4, 0.9, -1.0])
    calls = []

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        calls.append(x.copy())
        r = x - target
        return float(np.sum(r**2) + 0.3 * np.sum(np.cos(3 * x))), 2 * r - 0.9 * np.sin(3 * x)

    x0, bounds = np.full(5, 0.5), [(-0.5, 1.0)] * 5
    options = {"maxiter": maxiter} | ({"ftol": ftol} if ftol is not None else {})
    expected = scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
    calls.clear()
    got = lbfgsb.minimize(fun, x0, bounds, maxiter, ftol)
    assert np.array_equal(got.x, expected.x) and got.fun == expected.fun
    assert (got.nit, got.nfev) == (expected.nit, expected.nfev)
    assert len(calls) == got.nfev
