"""The GP numerics on their own: kernel, marginal likelihood, logEI and the acquisition optimizer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from parzen.samplers.gp.acquisition import Acquisition, log_ei, log_h, ucb
from parzen.samplers.gp.fit import (
    GPPosterior,
    ThetaLayout,
    fit_theta,
    log_marginal_likelihood,
    standardize,
    warp_outputs,
)
from parzen.samplers.gp.kernel import (
    KernelParams,
    kernel_matrix,
    kumaraswamy_cdf,
    kumaraswamy_grads,
    matern52,
    matern52_grad,
)
from parzen.samplers.gp.optimize_acqf import SearchDims, optimize_acqf


def _data(seed: int, n: int = 12, d_num: int = 3, n_choices: tuple[int, ...] = (3, 2)):
    rng = np.random.default_rng(seed)
    x_num = rng.random((n, d_num))
    x_cat = np.stack([rng.integers(c, size=n) for c in n_choices], axis=1).reshape(n, len(n_choices))
    y = standardize(np.sin(5 * x_num[:, 0]) + x_num[:, 1] ** 2 + 0.3 * x_cat[:, 0])
    return x_num, x_cat, y


def _params(d_num: int = 3, d_cat: int = 2, warped: bool = True) -> KernelParams:
    return KernelParams(np.linspace(0.2, 0.7, d_num), np.linspace(0.5, 1.5, d_cat), 1.3,
                        np.linspace(0.6, 1.8, d_num) if warped else None,
                        np.linspace(1.4, 0.7, d_num) if warped else None)


# --- kernel --------------------------------------------------------------------------------------------
def test_matern52_matches_its_formula_at_known_distances() -> None:
    r = np.array([0.0, 0.5, 1.0, 2.0])
    expected = (1 + math.sqrt(5) * r + 5 / 3 * r**2) * np.exp(-math.sqrt(5) * r)
    np.testing.assert_allclose(matern52(r**2), expected, rtol=1e-12)
    assert matern52(np.array([0.0]))[0] == 1.0
    h = 1e-6
    d2 = np.array([0.1, 0.7, 3.0])
    np.testing.assert_allclose(matern52_grad(d2), (matern52(d2 + h) - matern52(d2 - h)) / (2 * h), rtol=1e-6)


def test_kernel_is_symmetric_positive_semidefinite_with_the_amplitude_on_its_diagonal() -> None:
    x_num, x_cat, _ = _data(0, n=30)
    params = _params()
    k = kernel_matrix(x_num, x_cat, x_num, x_cat, params)
    np.testing.assert_allclose(k, k.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(k), 1.3, rtol=1e-9)
    assert np.linalg.eigvalsh(k).min() > -1e-9


def test_a_category_change_costs_a_distance_set_by_its_own_lengthscale() -> None:
    params = KernelParams(np.array([1.0]), np.array([0.5]), 1.0)
    x_num = np.array([[0.2], [0.2]])
    k = kernel_matrix(x_num, np.array([[0], [1]]), x_num, np.array([[0], [1]]), params)
    assert k[0, 1] == pytest.approx(matern52(np.array([1 / 0.5**2]))[0])


def test_kumaraswamy_warp_is_a_monotone_cdf_and_its_gradients_match_finite_differences() -> None:
    x = np.linspace(0.01, 0.99, 50)[:, None]
    a, b = np.array([0.7]), np.array([2.5])
    w = kumaraswamy_cdf(x, a, b)[:, 0]
    assert np.all(np.diff(w) > 0) and 0 < w[0] and w[-1] < 1
    _, dla, dlb, dx = kumaraswamy_grads(x, a, b)
    h = 1e-6
    np.testing.assert_allclose(dla, (kumaraswamy_cdf(x, a * np.exp(h), b) - kumaraswamy_cdf(x, a * np.exp(-h), b))
                               / (2 * h), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(dlb, (kumaraswamy_cdf(x, a, b * np.exp(h)) - kumaraswamy_cdf(x, a, b * np.exp(-h)))
                               / (2 * h), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(dx, (kumaraswamy_cdf(x + h, a, b) - kumaraswamy_cdf(x - h, a, b)) / (2 * h), rtol=1e-5)


# --- marginal likelihood -------------------------------------------------------------------------------
@pytest.mark.parametrize("warping", [True, False])
def test_log_marginal_likelihood_gradient_matches_finite_differences(warping: bool) -> None:
    x_num, x_cat, y = _data(1)
    layout = ThetaLayout(3, 2, warping)
    theta = np.random.default_rng(2).normal(0.0, 0.5, layout.size)
    theta[layout.d_num + layout.d_cat + 1] = np.log(0.05)
    _, grad = log_marginal_likelihood(theta, layout, x_num, x_cat, y)
    h = 1e-6
    for i in range(layout.size):
        e = np.zeros(layout.size)
        e[i] = h
        fd = (log_marginal_likelihood(theta + e, layout, x_num, x_cat, y)[0]
              - log_marginal_likelihood(theta - e, layout, x_num, x_cat, y)[0]) / (2 * h)
        assert grad[i] == pytest.approx(fd, rel=1e-4, abs=1e-6), i


def test_log_marginal_likelihood_matches_the_gaussian_density() -> None:
    x_num, x_cat, y = _data(3, n=8)
    layout = ThetaLayout(3, 2, True)
    theta = np.zeros(layout.size)
    params, noise = layout.unpack(theta)
    cov = kernel_matrix(x_num, x_cat, x_num, x_cat, params) + (noise + 1e-8) * np.eye(8)
    expected = multivariate_normal(np.zeros(8), cov).logpdf(y)
    assert log_marginal_likelihood(theta, layout, x_num, x_cat, y)[0] == pytest.approx(expected, rel=1e-9)


def test_fit_finds_a_short_lengthscale_for_a_relevant_dimension_and_a_long_one_for_an_irrelevant_one() -> None:
    rng = np.random.default_rng(0)
    x_num = rng.random((40, 2))
    y = standardize(np.sin(8 * x_num[:, 0]))
    layout = ThetaLayout(2, 0, False)
    theta = fit_theta(layout, x_num, np.zeros((40, 0), dtype=int), y, layout.starts(rng, 2))
    params, noise = layout.unpack(theta)
    assert params.lengthscales[0] < 1.0 and params.lengthscales[1] > 5 * params.lengthscales[0]
    assert noise < 1e-2


def test_input_warping_learns_a_stretch_near_the_edge_where_the_function_changes_fast() -> None:
    rng = np.random.default_rng(0)
    x_num, x_cat = rng.random((40, 1)), np.zeros((40, 0), dtype=int)
    y = standardize(np.sin(12 * np.pi * x_num[:, 0] ** 4))  # a sine in x^4: fast near 1, flat near 0
    fits = {}
    for warping in (True, False):
        layout = ThetaLayout(1, 0, warping)
        theta = fit_theta(layout, x_num, x_cat, y, layout.starts(np.random.default_rng(1), 2))
        fits[warping] = (layout.unpack(theta)[0], log_marginal_likelihood(theta, layout, x_num, x_cat, y)[0])
    warped, lml_warped = fits[True]
    assert warped.warp_a[0] > 2  # w = 1 - (1 - x^a)^b with a > 1 spreads the points near 1 apart
    assert lml_warped > fits[False][1] + 20


def test_posterior_interpolates_noise_free_data_and_its_gradients_match_finite_differences() -> None:
    x_num, x_cat, y = _data(4)
    params = _params()
    post = GPPosterior(params, 1e-6, x_num, x_cat, y)
    mean, var = post.predict(x_num, x_cat)
    np.testing.assert_allclose(mean, y, atol=1e-3)
    assert np.all(var < 1e-3)
    q_num, q_cat = np.random.default_rng(5).random((4, 3)), x_cat[:4]
    m0, v0, dm, dv = post.predict_with_grad(q_num, q_cat)
    np.testing.assert_allclose((m0, v0), post.predict(q_num, q_cat), rtol=1e-10)
    h = 1e-6
    for d in range(3):
        e = np.zeros(3)
        e[d] = h
        mp, vp = post.predict(q_num + e, q_cat)
        mm, vm = post.predict(q_num - e, q_cat)
        np.testing.assert_allclose(dm[:, d], (mp - mm) / (2 * h), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(dv[:, d], (vp - vm) / (2 * h), rtol=1e-4, atol=1e-6)


def _skew(v: np.ndarray) -> float:
    return float(np.mean(((v - v.mean()) / v.std()) ** 3))


def test_output_warping_removes_skew_and_keeps_the_order() -> None:
    y = np.exp(np.random.default_rng(0).normal(0, 2, 200))
    warped = warp_outputs(y)
    assert abs(_skew(warped)) < 1 and _skew(y) > 3
    assert np.array_equal(np.argsort(warped), np.argsort(y))
    np.testing.assert_allclose([warped.mean(), warped.std()], [0, 1], atol=1e-9)
    assert not np.any(warp_outputs(np.full(5, 3.0)))


# --- acquisition ---------------------------------------------------------------------------------------
def test_log_ei_matches_log_of_the_closed_form_ei_where_ei_is_not_tiny() -> None:
    mean = np.array([0.0, 1.0, -1.0, 0.3, 2.0, -3.0])
    var = np.array([1.0, 0.25, 4.0, 0.01, 1.0, 1.0])
    best = 0.5
    sigma = np.sqrt(var)
    z = (mean - best) / sigma
    ei = sigma * (norm.pdf(z) + z * norm.cdf(z))
    np.testing.assert_allclose(log_ei(mean, var, best)[0], np.log(ei), rtol=1e-9)


def test_log_ei_stays_finite_and_monotone_where_ei_underflows() -> None:
    z = -np.logspace(0, 12, 200)
    lh = log_h(z)
    assert np.all(np.isfinite(lh))
    assert np.all(np.diff(lh) < 0)
    assert lh[-1] < -1e20
    z_mid = np.array([-1.0 - 1e-9, -1.0 + 1e-9, -5.0, -30.0])  # continuity at the branch point, and asymptotes
    assert log_h(z_mid[:1])[0] == pytest.approx(log_h(z_mid[1:2])[0], abs=1e-7)
    assert log_h(np.array([-30.0]))[0] == pytest.approx(-450 - 0.5 * math.log(2 * math.pi) - 2 * math.log(30),
                                                        rel=1e-3)


def test_log_ei_and_ucb_derivatives_match_finite_differences() -> None:
    mean, var, h = np.array([-40.0, -3.0, 0.2, 2.0]), np.array([0.5, 1.0, 2.0, 0.3]), 1e-6
    for fn, arg in ((log_ei, 0.4), (ucb, 3.0)):
        _, d_mean, d_var = fn(mean, var, arg)
        np.testing.assert_allclose(d_mean, (fn(mean + h, var, arg)[0] - fn(mean - h, var, arg)[0]) / (2 * h),
                                   rtol=1e-5)
        np.testing.assert_allclose(d_var, (fn(mean, var + h, arg)[0] - fn(mean, var - h, arg)[0]) / (2 * h),
                                   rtol=1e-5)


def test_ucb_trades_mean_for_uncertainty_more_than_logei() -> None:
    post = GPPosterior(_params(1, 0, False), 1e-6, np.array([[0.1], [0.5], [0.9]]), np.zeros((3, 0), dtype=int),
                       np.array([0.0, 2.0, 0.0]))
    x = np.linspace(0, 1, 101)[:, None]
    no_cat = np.zeros((101, 0), dtype=int)
    ei_pick = x[[np.argmax(Acquisition(post, "logei", 2.0, 0.0)(x, no_cat))]]
    ucb_pick = x[[np.argmax(Acquisition(post, "ucb", 2.0, 100.0)(x, no_cat))]]
    (ei_mean, ucb_mean), (ei_var, ucb_var) = post.predict(np.vstack([ei_pick, ucb_pick]), no_cat[:2])
    assert ei_mean > ucb_mean and ucb_var > 2 * ei_var


# --- acquisition optimizer -----------------------------------------------------------------------------
class _Known:
    """A known smooth function of mixed inputs with its gradient, maximized at x = (0.73, 0.21), c = 2."""

    target = np.array([0.73, 0.21])

    def value_and_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        diff = x_num - self.target
        return -np.sum(diff**2, axis=1) + (x_cat[:, 0] == 2) * 0.5, -2 * diff

    def __call__(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        return self.value_and_grad(x_num, x_cat)[0]


def test_optimizer_finds_the_maximum_of_a_known_function() -> None:
    dims = SearchDims(grids=(None, None), snap=lambda x: x, n_choices=(4,))
    x_num, x_cat, value = optimize_acqf(_Known(), dims, np.random.default_rng(0), n_sweep=256)
    np.testing.assert_allclose(x_num, _Known.target, atol=1e-5)
    assert x_cat[0] == 2 and value == pytest.approx(0.5, abs=1e-9)


def test_optimizer_keeps_grid_dimensions_on_their_cell_centres() -> None:
    centres = (np.arange(5) + 0.5) / 5
    dims = SearchDims(grids=(None, centres), snap=lambda x: np.column_stack([x[:, 0], centres[np.clip(
        (x[:, 1] * 5).astype(int), 0, 4)]]), n_choices=(4,))
    x_num, x_cat, _ = optimize_acqf(_Known(), dims, np.random.default_rng(1), n_sweep=64, n_local=3)
    assert x_num[1] == pytest.approx(0.3) and x_num[0] == pytest.approx(0.73, abs=1e-5) and x_cat[0] == 2
