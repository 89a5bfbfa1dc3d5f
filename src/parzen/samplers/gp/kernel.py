"""The GP covariance: a Matern-5/2 ARD kernel on warped numeric inputs and Hamming-distance categories.

Numeric inputs live in the unit interval and are first warped per dimension by a Kumaraswamy CDF
(Snoek et al. 2014, "Input Warping for Bayesian Optimization of Non-Stationary Functions", eq. 4;
Balandat et al. 2020 use the same warp in BoTorch). Categories enter the same scaled distance as a
Hamming term with their own lengthscale, so that one Matern correlation covers the mixed space.
"""

from __future__ import annotations

import dataclasses

import numpy as np

_SQRT5 = np.sqrt(5.0)
_WARP_EPS = 1e-6  # keeps x^a and log(x) finite at the ends of the unit interval


@dataclasses.dataclass(frozen=True)
class KernelParams:
    """Kernel hyperparameters (all positive).

    ``warp_a``/``warp_b`` are the Kumaraswamy concentrations per numeric dimension, or None for no warping.
    """

    lengthscales: np.ndarray  # (d_num,)
    cat_lengthscales: np.ndarray  # (d_cat,)
    amplitude: float
    warp_a: np.ndarray | None = None
    warp_b: np.ndarray | None = None


def kumaraswamy_cdf(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """w = 1 - (1 - x^a)^b, the Kumaraswamy CDF applied elementwise per column (Snoek et al. 2014, eq. 4)."""
    x = np.clip(x, _WARP_EPS, 1.0 - _WARP_EPS)
    return 1.0 - (1.0 - x**a) ** b


def kumaraswamy_grads(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """(w, dw/dlog a, dw/dlog b, dw/dx) of :func:`kumaraswamy_cdf`, elementwise.

    With s = 1 - x^a: dw/da = b s^(b-1) x^a ln x, dw/db = -s^b ln s, dw/dx = a b x^(a-1) s^(b-1).
    """
    x = np.clip(x, _WARP_EPS, 1.0 - _WARP_EPS)
    xa = x**a
    s = np.maximum(1.0 - xa, 1e-300)
    sb1 = s ** (b - 1.0)
    w = 1.0 - s * sb1
    dlog_a = a * b * sb1 * xa * np.log(x)
    dlog_b = -b * s * sb1 * np.log(s)
    dx = a * b * xa / x * sb1
    return w, dlog_a, dlog_b, dx


def warp(x_num: np.ndarray, params: KernelParams) -> np.ndarray:
    """Numeric inputs after the input warp (unchanged when the kernel has none)."""
    if params.warp_a is None or params.warp_b is None or x_num.shape[1] == 0:
        return x_num
    return kumaraswamy_cdf(x_num, params.warp_a, params.warp_b)


def scaled_sq_dist(w1: np.ndarray, c1: np.ndarray, w2: np.ndarray, c2: np.ndarray,
                   params: KernelParams) -> np.ndarray:
    """d2_ij = sum_k ((w1_ik - w2_jk) / l_k)^2 + sum_c [c1_ic != c2_jc] / l_c^2, shape (n1, n2).

    ``w`` are warped numeric inputs, ``c`` category indices.
    """
    a = w1 / params.lengthscales
    b = w2 / params.lengthscales
    return _sq_dist_from_scaled(a, (a * a).sum(1), c1, b, (b * b).sum(1), c2, params)


def _sq_dist_from_scaled(a: np.ndarray, a2: np.ndarray, c1: np.ndarray, b: np.ndarray, b2: np.ndarray,
                         c2: np.ndarray, params: KernelParams) -> np.ndarray:
    """:func:`scaled_sq_dist` from inputs already divided by the lengthscales (``a``, ``b``) and their squared
    row norms (``a2``, ``b2``), so that a side that does not change between calls is scaled once.

    The (n1, n2) arrays are updated in place (here and in the Matern functions): the sweep of the acquisition
    scores about a thousand points at once, and a fresh array per operation costs more than the arithmetic.
    """
    cross = a @ b.T
    cross *= 2.0
    d2 = a2[:, None] + b2[None, :]
    d2 -= cross
    np.maximum(d2, 0.0, out=d2)
    for k, ls in enumerate(params.cat_lengthscales):
        d2 += (c1[:, k, None] != c2[None, :, k]) / ls**2
    return d2


class ScaledPoints:
    """Fixed points (the training inputs of a posterior) warped and divided by the lengthscales once, for the
    many :func:`scaled_sq_dist` calls against them."""

    def __init__(self, x_num: np.ndarray, x_cat: np.ndarray, params: KernelParams) -> None:
        self.params = params
        self.w = warp(x_num, params)
        self.scaled = self.w / params.lengthscales
        self.sq_norms = (self.scaled * self.scaled).sum(1)
        self.x_cat = x_cat

    def sq_dist(self, w: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        """``scaled_sq_dist(w, x_cat, self.w, self.x_cat, params)`` (``w`` already warped)."""
        a = w / self.params.lengthscales
        return _sq_dist_from_scaled(a, (a * a).sum(1), x_cat, self.scaled, self.sq_norms, self.x_cat, self.params)


def matern52(d2: np.ndarray) -> np.ndarray:
    """Matern-5/2 correlation of the squared scaled distance: (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r).

    Rasmussen & Williams 2006, eq. 4.17 with nu = 5/2.
    """
    return _matern52_value(d2, *_sqrt5_terms(d2))


def matern52_grad(d2: np.ndarray) -> np.ndarray:
    """d matern52 / d(d2) = -5/6 (1 + sqrt5 r) exp(-sqrt5 r), finite at r = 0."""
    r = np.sqrt(d2)
    return -(5.0 / 6.0) * (1.0 + _SQRT5 * r) * np.exp(-_SQRT5 * r)


def matern52_and_grad(d2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`matern52` and :func:`matern52_grad` together, sharing r, 1 + sqrt5 r and the exponential."""
    one_sr, e = _sqrt5_terms(d2)
    grad = -(5.0 / 6.0) * one_sr
    grad *= e
    return _matern52_value(d2, one_sr, e), grad


def _sqrt5_terms(d2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1 + sqrt5 r and exp(-sqrt5 r) for r = sqrt(d2), as new arrays."""
    one_sr = np.sqrt(d2)
    e = -_SQRT5 * one_sr
    np.exp(e, out=e)
    one_sr *= _SQRT5
    one_sr += 1.0
    return one_sr, e


def _matern52_value(d2: np.ndarray, one_sr: np.ndarray, e: np.ndarray) -> np.ndarray:
    """(1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r) from the terms of :func:`_sqrt5_terms`."""
    value = (5.0 / 3.0) * d2
    value += one_sr
    value *= e
    return value


def kernel_matrix(x1_num: np.ndarray, x1_cat: np.ndarray, x2_num: np.ndarray, x2_cat: np.ndarray,
                  params: KernelParams) -> np.ndarray:
    """Covariance k(x1_i, x2_j) = amplitude * matern52(d2_ij) between two sets of encoded points."""
    d2 = scaled_sq_dist(warp(x1_num, params), x1_cat, warp(x2_num, params), x2_cat, params)
    return params.amplitude * matern52(d2)
