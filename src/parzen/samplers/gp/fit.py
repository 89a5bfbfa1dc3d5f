"""Fitting the GP: output transforms, the log marginal likelihood with its gradient, MAP hyperparameters,
and the posterior conditioned on the data (one Cholesky per fit).

Hyperparameters are optimized in log space as one vector theta (see :class:`ThetaLayout`), maximizing
log p(y | X, theta) + log p(theta) with L-BFGS-B and the analytic gradient
d log p(y | X, theta) / d theta_k = 1/2 tr((alpha alpha^T - K^-1) dK/d theta_k)
(Rasmussen & Williams 2006, eq. 5.9).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

import numpy as np
import scipy.linalg

from parzen.samplers.gp import lbfgsb
from parzen.samplers.gp.kernel import (
    KernelParams,
    ScaledPoints,
    kumaraswamy_grads,
    matern52,
    matern52_and_grad,
    scaled_sq_dist,
    warp,
)

_LOG_2PI = np.log(2.0 * np.pi)
_JITTER = 1e-8
# Priors in log space. Lengthscales: LogNormal(0, sqrt3), the wide prior of Hvarfner et al. 2024,
# "Vanilla Bayesian Optimization Performs Great in High Dimensions" (Sec. 4), centred on 1 instead of
# their sqrt2 + log(D)/2: at the modest dimensions this sampler targets, their longer median let a
# dimension seen only in the startup trials look irrelevant for good (a 5-D mixed space in
# tests/samplers/test_gp.py stalled at 3x the best value). Warping concentrations: LogNormal(0, 0.75^2)
# as in BoTorch's input warping.
_LS_MU, _LS_SIGMA = 0.0, np.sqrt(3.0)
_AMP_MU, _AMP_SIGMA = 0.0, 1.0
_NOISE_MU, _NOISE_SIGMA = -4.0, 1.0
_WARP_SIGMA = 0.75
_LOG_LS_BOUNDS = (np.log(1e-2), np.log(1e3))
_LOG_AMP_BOUNDS = (np.log(0.05), np.log(20.0))
_LOG_NOISE_BOUNDS = (np.log(1e-6), np.log(1.0))
_LOG_WARP_BOUNDS = (-2.0, 2.0)
_FTOL = 1e-6
_YJ_LAMBDAS = np.linspace(-2.0, 4.0, 61) + 1e-3  # offset keeps 0 and 2 off the grid


# --- output transforms ---------------------------------------------------------------------------------
def standardize(y: np.ndarray) -> np.ndarray:
    """(y - mean) / std, or zeros when every value is the same."""
    std = float(np.std(y))
    if not np.isfinite(std) or std < 1e-12 * max(1.0, float(np.max(np.abs(y)))):
        return np.zeros_like(y)
    return (y - np.mean(y)) / std


def warp_outputs(y: np.ndarray) -> np.ndarray:
    """Yeo-Johnson transform with its maximum-likelihood lambda, between two standardizations.

    Skewed objectives (a few very bad values, or values spanning decades) otherwise let the outliers set
    the GP's scale; the transform is monotone, so the order of the observations is kept.
    """
    z = standardize(y)
    if len(z) < 3 or not np.any(z):
        return z
    lambdas = _YJ_LAMBDAS[:, None]
    pos = z >= 0
    with np.errstate(all="ignore"):
        # Yeo & Johnson 2000, eq. 2.1, for every candidate lambda at once (lambda = 0 and 2 are not on the grid)
        warped = np.where(pos, (np.power(1.0 + np.abs(z), lambdas) - 1.0) / lambdas,
                          -(np.power(1.0 + np.abs(z), 2.0 - lambdas) - 1.0) / (2.0 - lambdas))
        # profile log-likelihood of lambda (Yeo & Johnson 2000, Sec. 3)
        llf = -0.5 * len(z) * np.log(np.var(warped, axis=1)) + (_YJ_LAMBDAS - 1.0) * np.sum(
            np.sign(z) * np.log1p(np.abs(z)))
    llf[~np.all(np.isfinite(warped), axis=1)] = -np.inf
    if not np.any(np.isfinite(llf)):
        return z
    return standardize(warped[int(np.argmax(llf))])


# --- hyperparameter vector -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ThetaLayout:
    """Where each hyperparameter sits in theta: [log l (d_num), log l_cat (d_cat), log amplitude,
    log noise, log warp a (d_num), log warp b (d_num)], the last two only with ``warping``."""

    d_num: int
    d_cat: int
    warping: bool

    @property
    def n_warp(self) -> int:
        return self.d_num if self.warping else 0

    @property
    def size(self) -> int:
        return self.d_num + self.d_cat + 2 + 2 * self.n_warp

    def unpack(self, theta: np.ndarray) -> tuple[KernelParams, float]:
        """The kernel parameters and the noise variance of ``theta``."""
        e = np.exp(theta)
        d, c, w = self.d_num, self.d_cat, self.n_warp
        params = KernelParams(
            lengthscales=e[:d], cat_lengthscales=e[d:d + c], amplitude=float(e[d + c]),
            warp_a=e[d + c + 2:d + c + 2 + w] if w else None, warp_b=e[d + c + 2 + w:] if w else None,
        )
        return params, float(e[d + c + 1])

    def bounds(self) -> list[tuple[float, float]]:
        return ([_LOG_LS_BOUNDS] * (self.d_num + self.d_cat) + [_LOG_AMP_BOUNDS, _LOG_NOISE_BOUNDS]
                + [_LOG_WARP_BOUNDS] * (2 * self.n_warp))

    def prior_mean_sd(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the independent normal prior on each entry of theta (read-only arrays,
        built once per layout: the fit reads them at every step)."""
        return _prior_mean_sd(self)

    def clip(self, theta: np.ndarray) -> np.ndarray:
        lo, hi = np.array(self.bounds()).T
        return np.clip(theta, lo, hi)

    def starts(self, rng: np.random.Generator, n_random: int) -> list[np.ndarray]:
        """The prior mode followed by ``n_random`` draws from the prior, clipped to the bounds."""
        mu, sd = self.prior_mean_sd()
        draws = [self.clip(mu + sd * rng.standard_normal(self.size)) for _ in range(n_random)]
        return [self.clip(mu)] + draws


@functools.lru_cache(maxsize=32)
def _prior_mean_sd(layout: ThetaLayout) -> tuple[np.ndarray, np.ndarray]:
    n_ls = layout.d_num + layout.d_cat
    mu = np.concatenate([np.full(n_ls, _LS_MU), [_AMP_MU, _NOISE_MU], np.zeros(2 * layout.n_warp)])
    sd = np.concatenate([np.full(n_ls, _LS_SIGMA), [_AMP_SIGMA, _NOISE_SIGMA],
                         np.full(2 * layout.n_warp, _WARP_SIGMA)])
    mu.setflags(write=False)
    sd.setflags(write=False)
    return mu, sd


def _cholesky(k: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor of K (LAPACK potrf; the strict upper triangle holds leftovers, unused)."""
    lower, info = scipy.linalg.lapack.dpotrf(k, lower=1, clean=0)
    if info > 0:
        raise np.linalg.LinAlgError(f"the {info}-th leading minor of the kernel matrix is not positive definite")
    if info < 0:
        raise ValueError(f"potrf rejected argument {-info}")
    return lower


def _cho_solve(lower: np.ndarray, y: np.ndarray) -> np.ndarray:
    """K^-1 y from the lower Cholesky factor of K (LAPACK potrs)."""
    x, info = scipy.linalg.lapack.dpotrs(lower, y, lower=1)
    if info != 0:
        raise ValueError(f"potrs rejected argument {-info}")
    return x


def _inverse_from_cholesky(lower: np.ndarray) -> np.ndarray:
    """K^-1 from the lower Cholesky factor of K (LAPACK potri: a third of the work of solving with I)."""
    inv, info = scipy.linalg.lapack.dpotri(lower, lower=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri failed with info={info}")
    full = np.where(_lower_mask(len(inv)), inv, inv.T)  # the lower triangle, mirrored
    full += 0.0  # -0.0 becomes 0.0, bit for bit what tril(inv) + tril(inv, -1).T gives
    return full


@functools.lru_cache(maxsize=8)
def _lower_mask(n: int) -> np.ndarray:
    """Where the lower triangle (diagonal included) of an n x n matrix lies (shared, so read-only)."""
    mask = np.tri(n, dtype=bool)
    mask.setflags(write=False)
    return mask


def log_prior(theta: np.ndarray, layout: ThetaLayout) -> tuple[float, np.ndarray]:
    """log p(theta) up to a constant, and its gradient."""
    mu, sd = layout.prior_mean_sd()
    z = (theta - mu) / sd
    return float(-0.5 * (z * z).sum()), -z / sd


def log_marginal_likelihood(theta: np.ndarray, layout: ThetaLayout, x_num: np.ndarray, x_cat: np.ndarray,
                            y: np.ndarray) -> tuple[float, np.ndarray]:
    """log p(y | X, theta) (Rasmussen & Williams 2006, eq. 2.30) and its gradient in theta (eq. 5.9)."""
    params, noise = layout.unpack(theta)
    n, d, c, w_n = len(y), layout.d_num, layout.d_cat, layout.n_warp
    if w_n and params.warp_a is not None and params.warp_b is not None:
        w, dw_la, dw_lb, _ = kumaraswamy_grads(x_num, params.warp_a, params.warp_b)
    else:
        w = x_num
    d2 = scaled_sq_dist(w, x_cat, w, x_cat, params)
    np.fill_diagonal(d2, 0.0)
    corr, corr_grad = matern52_and_grad(d2)
    corr *= params.amplitude
    kf = corr
    k = kf.copy()
    k[np.diag_indices(n)] += noise + _JITTER
    lower = _cholesky(k)
    alpha = _cho_solve(lower, y)
    value = -0.5 * float(y @ alpha) - float(np.log(np.diag(lower)).sum()) - 0.5 * n * _LOG_2PI
    kinv = _inverse_from_cholesky(lower)
    big_w = np.outer(alpha, alpha) - kinv
    corr_grad *= params.amplitude
    g = 0.5 * big_w
    g *= corr_grad
    g_rows = g.sum(1)
    grad = np.empty(layout.size)
    ls2 = params.lengthscales**2
    # d d2_ij / d log l_k = -2 (w_ik - w_jk)^2 / l_k^2, and sum_ij G_ij (w_i - w_j)^2 = 2 (g . w^2 - w^T G w)
    spread = 2.0 * (g_rows @ (w * w) - ((g @ w) * w).sum(0))
    grad[:d] = -2.0 * spread / ls2
    for j, ls in enumerate(params.cat_lengthscales):
        differ = x_cat[:, j, None] != x_cat[None, :, j]
        grad[d + j] = -2.0 * float((g * differ).sum()) / ls**2
    grad[d + c] = 0.5 * float((big_w * kf).sum())
    grad[d + c + 1] = 0.5 * noise * float(np.trace(big_w))
    if w_n:
        # d d2_ij / d theta = 2 (w_ik - w_jk)(v_ik - v_jk) / l_k^2 with v = dw/d theta, summed against G:
        # sum_ij G_ij (w_i - w_j)(v_i - v_j) = 2 (g . (w v) - (G v) . w)
        for offset, dv in ((d + c + 2, dw_la), (d + c + 2 + w_n, dw_lb)):
            cross = g_rows @ (w * dv) - ((g @ dv) * w).sum(0)
            grad[offset:offset + w_n] = 4.0 * cross / ls2
    return value, grad


def fit_theta(layout: ThetaLayout, x_num: np.ndarray, x_cat: np.ndarray, y: np.ndarray,
              starts: Sequence[np.ndarray], maxiter: int = 200) -> np.ndarray:
    """The MAP theta: L-BFGS-B on -(log likelihood + log prior) from each start, best result kept.

    It stops once an iteration gains less than 1e-6 of the objective: hyperparameters need no more
    precision than that, and it is what keeps warm-started refits to a few iterations.
    """

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        try:
            lml, g_lml = log_marginal_likelihood(theta, layout, x_num, x_cat, y)
        except (np.linalg.LinAlgError, ValueError):
            return 1e25, np.zeros_like(theta)
        lp, g_lp = log_prior(theta, layout)
        return -(lml + lp), -(g_lml + g_lp)

    best_theta, best_loss = layout.clip(np.asarray(starts[0], dtype=float)), np.inf
    for start in starts:
        res = lbfgsb.minimize(loss, layout.clip(np.asarray(start, dtype=float)), layout.bounds(), maxiter, _FTOL)
        if np.isfinite(res.fun) and res.fun < best_loss:
            best_theta, best_loss = res.x, float(res.fun)
    return best_theta


# --- posterior -----------------------------------------------------------------------------------------
class GPPosterior:
    """The GP conditioned on (X, y) with fixed hyperparameters.

    The Cholesky factorization, K^-1 and the training points scaled by the lengthscales are computed once at
    construction; each prediction then only scales its own points.
    """

    def __init__(self, params: KernelParams, noise: float, x_num: np.ndarray, x_cat: np.ndarray,
                 y: np.ndarray) -> None:
        self.params = params
        self.noise = noise
        self.x_num = x_num
        self.x_cat = x_cat
        self._train = ScaledPoints(x_num, x_cat, params)
        self._w = self._train.w
        k = matern52(self._train.sq_dist(self._w, x_cat))
        k *= params.amplitude
        k[np.diag_indices(len(y))] += noise + _JITTER
        lower = _cholesky(k)
        self.alpha = _cho_solve(lower, y)
        self._kinv = _inverse_from_cholesky(lower)
        self._alpha_w = self.alpha[:, None] * self._w
        # d d2 / d x = 2 (x - x') / l^2 without a warp (dw/dx = 1)
        self._scale = 2.0 / params.lengthscales**2

    def predict(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of the latent function at each row (R&W 2006, eqs. 2.25-2.26)."""
        k_star = matern52(self._train.sq_dist(warp(x_num, self.params), x_cat))
        k_star *= self.params.amplitude
        mean = k_star @ self.alpha
        spread = k_star @ self._kinv
        spread *= k_star
        var = self.params.amplitude - spread.sum(1)
        return mean, np.maximum(var, 1e-12)

    def predict_with_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, ...]:
        """Mean, variance and their gradients in the numeric inputs, each (m,) or (m, d_num).

        With M_ij = amplitude * matern52'(d2_ij) and dk_ij/dx_id = 2 M_ij (w_id - W_jd) w'_id / l_d^2:
        dmean = 2 w'/l^2 (w (M alpha) - M (alpha W)) and dvar = -4 w'/l^2 (w (M o B) 1 - (M o B) W),
        B = k_* K^-1.
        """
        params = self.params
        if params.warp_a is not None and params.warp_b is not None and x_num.shape[1]:
            w, _, _, dwdx = kumaraswamy_grads(x_num, params.warp_a, params.warp_b)
            scale = 2.0 * dwdx / params.lengthscales**2
        else:
            w, scale = x_num, self._scale
        k_star, m = matern52_and_grad(self._train.sq_dist(w, x_cat))
        k_star *= params.amplitude
        m *= params.amplitude
        beta = k_star @ self._kinv
        mean = k_star @ self.alpha
        var = np.maximum(params.amplitude - (beta * k_star).sum(1), 1e-12)
        dmean = scale * (w * (m @ self.alpha)[:, None] - m @ self._alpha_w)
        beta *= m
        dvar = (-2.0 * scale) * (w * beta.sum(1)[:, None] - beta @ self._w)
        return mean, var, dmean, dvar
