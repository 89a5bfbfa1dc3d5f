"""Acquisition functions on the GP posterior: log expected improvement and the upper confidence bound.

Both are maximized. logEI follows Ament et al. 2023, "Unexpected Improvements to Expected Improvement
for Bayesian Optimization" (eq. 9): EI = sigma h(z), h(z) = phi(z) + z Phi(z), z = (mu - best) / sigma,
with log h computed so that it stays finite and smooth where EI underflows to zero.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

_C1 = 0.5 * math.log(2.0 * math.pi)
_C2 = 0.5 * math.log(math.pi / 2.0)
_Z_ASYMPTOTIC = -1.0 / math.sqrt(np.finfo(float).eps)  # below it, log h uses its asymptote
_MIN_FEASIBLE = 1e-6  # the smallest probability that the objective works at a point (a floor for the log)


class Posterior(Protocol):
    def predict(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def predict_with_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, ...]: ...


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x < 0, accurate at both ends (Maechler 2012)."""
    return np.where(x > -math.log(2.0), np.log(-np.expm1(np.minimum(x, -1e-300))), np.log1p(-np.exp(x)))


def _log_h_upper(z: np.ndarray) -> np.ndarray:
    return np.log(np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) + z * ndtr(z))


def _log_h_middle(z: np.ndarray) -> np.ndarray:
    return -0.5 * z * z - _C1 + _log1mexp(np.log(erfcx(-z / math.sqrt(2.0)) * np.abs(z)) + _C2)


def log_h(z: np.ndarray) -> np.ndarray:
    """log(phi(z) + z Phi(z)), Ament et al. 2023, eq. 9 (three branches by z; a branch no z falls in is skipped)."""
    z = np.asarray(z, dtype=float)
    upper = z > -1.0
    any_upper = upper.any()
    whole = z.ndim > 0 and z.flags.c_contiguous  # a branch taking every point may take the array as it is
    if whole and any_upper and upper.all():
        return _log_h_upper(z)
    middle = (~upper) & (z > _Z_ASYMPTOTIC)
    if whole and not any_upper and middle.all():
        return _log_h_middle(z)
    out = np.empty_like(z)
    if any_upper:
        out[upper] = _log_h_upper(z[upper])
    if middle.any():
        out[middle] = _log_h_middle(z[middle])
    lower = z <= _Z_ASYMPTOTIC
    if lower.any():
        zl = z[lower]
        out[lower] = -0.5 * zl * zl - _C1 - 2.0 * np.log(np.abs(zl))
    return out


def log_ei(mean: np.ndarray, var: np.ndarray, best: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log EI of improving on ``best`` (maximization), and its derivatives in mean and variance.

    h'(z) = Phi(z), so d log h / dz = exp(log Phi(z) - log h(z)) = r; then d/dmean = r / sigma and
    d/dvar = (1 - z r) / (2 var).
    """
    sigma = np.sqrt(var)
    z = (mean - best) / sigma
    lh = log_h(z)
    ratio = np.exp(log_ndtr(z) - lh)
    return lh + np.log(sigma), ratio / sigma, (1.0 - z * ratio) / (2.0 * var)


def ucb(mean: np.ndarray, var: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean + sqrt(beta) sigma (Srinivas et al. 2010), and its derivatives in mean and variance."""
    sigma = np.sqrt(var)
    root = math.sqrt(beta)
    return mean + root * sigma, np.ones_like(mean), root / (2.0 * sigma)


def ucb_beta(n_dims: int, n_observations: int) -> float:
    """beta_t = 0.2 d log(2 t), the scaled-down schedule of Kandasamy et al. 2015 (Sec. 5)."""
    return 0.2 * max(n_dims, 1) * math.log(2.0 * max(n_observations, 1))


def _rounded_rows(x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
    """Points as compared against the excluded ones: numbers rounded to 12 decimals, then category indices."""
    return np.hstack([np.round(x_num, 12), x_cat.astype(float)])


class Acquisition:
    """An acquisition function bound to a posterior: ``kind`` is ``"logei"`` or ``"ucb"``.

    ``best`` is the incumbent for logEI; ``beta`` the exploration weight for UCB. Points listed in
    ``exclude`` (observed or pending, as (x_num, x_cat)) score -inf: with a noise term the GP would
    otherwise propose an observed grid point again, which a deterministic objective answers the same.

    ``feasibility``, when trials failed, gives the probability that the objective works at a point; its
    log is added to the acquisition (for logEI: EI times that probability, as in constrained BO,
    Gardner et al. 2014, eq. 5), so that the acquisition falls off towards the failed points.
    """

    def __init__(self, posterior: Posterior, kind: str, best: float, beta: float,
                 exclude: tuple[np.ndarray, np.ndarray] | None = None,
                 feasibility: "Feasibility | None" = None) -> None:
        if kind not in ("logei", "ucb"):
            raise ValueError(f"`acquisition` must be 'logei' or 'ucb', got {kind!r}")
        self.posterior = posterior
        self.kind = kind
        self.best = best
        self.beta = beta
        rows = _rounded_rows(*exclude) if exclude is not None else np.empty((0, 0))
        self._excluded = {row.tobytes() for row in rows}
        # Equal rows have equal first entries: a point is compared whole only if its first entry is among these.
        self._excluded_first = np.sort(rows[:, 0]) if rows.shape[1] and len(rows) else None
        self.feasibility = feasibility

    def _is_excluded(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        """Which rows are excluded points."""
        if self._excluded_first is None or not x_num.shape[1] + x_cat.shape[1]:
            return np.array([row.tobytes() in self._excluded for row in _rounded_rows(x_num, x_cat)], dtype=bool)
        first = np.round(x_num[:, 0], 12) if x_num.shape[1] else x_cat[:, 0].astype(float)
        known = self._excluded_first
        at = np.minimum(np.searchsorted(known, first), len(known) - 1)
        candidates = np.flatnonzero((known[at] == first) | np.isnan(first))
        excluded = np.zeros(len(first), dtype=bool)
        for i, row in zip(candidates, _rounded_rows(x_num[candidates], x_cat[candidates])):
            excluded[i] = row.tobytes() in self._excluded
        return excluded

    def _combine(self, mean: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.kind == "logei":
            return log_ei(mean, var, self.best)
        return ucb(mean, var, self.beta)

    def __call__(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        """Values at each row of the encoded points."""
        mean, var = self.posterior.predict(x_num, x_cat)
        values = self._combine(mean, var)[0]
        if self.feasibility is not None:
            values = values + self.feasibility.log_p(x_num, x_cat)
        if self._excluded:
            values[self._is_excluded(x_num, x_cat)] = -np.inf
        return values

    def value_and_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and their gradients in the numeric inputs, (m,) and (m, d_num)."""
        mean, var, dmean, dvar = self.posterior.predict_with_grad(x_num, x_cat)
        value, d_mean, d_var = self._combine(mean, var)
        grad = d_mean[:, None] * dmean + d_var[:, None] * dvar
        if self.feasibility is not None:
            log_p, d_log_p = self.feasibility.log_p_and_grad(x_num, x_cat)
            value, grad = value + log_p, grad + d_log_p
        return value, grad


class Feasibility:
    """The probability that the objective works at a point: 1 + the mean of a GP fitted to 0 where trials
    completed and -1 where they failed, clipped to [1e-6, 1].

    A regression on the labels is the least-squares classifier of Rasmussen & Williams 2006 (Sec. 6.5);
    with a prior mean of 0 it takes a point far from every trial to work.
    """

    def __init__(self, posterior: Posterior) -> None:
        self.posterior = posterior

    def log_p(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        mean, _ = self.posterior.predict(x_num, x_cat)
        return np.log(np.clip(1.0 + mean, _MIN_FEASIBLE, 1.0))

    def log_p_and_grad(self, x_num: np.ndarray, x_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log p and its gradient in the numeric inputs (0 where p is clipped)."""
        mean, _, dmean, _ = self.posterior.predict_with_grad(x_num, x_cat)
        p = 1.0 + mean
        inside = (p > _MIN_FEASIBLE) & (p < 1.0)
        d_log_p = np.where(inside, 1.0 / np.where(inside, p, 1.0), 0.0)[:, None] * dmean
        return np.log(np.clip(p, _MIN_FEASIBLE, 1.0)), d_log_p
