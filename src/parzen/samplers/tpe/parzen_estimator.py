"""Parzen estimators on the internal encoding: weighted mixtures of product kernels.

TPE models the parameters of good trials and of bad trials with two such densities, l(x) and g(x)
(Bergstra et al. 2011, Sec. 4). Every kernel sits on one observation and is a product over the
dimensions of the space (Watanabe 2023, Sec. 3, the multivariate kernel; a univariate TPE simply fits
one-dimensional estimators). Its factors are

- a Gaussian truncated to [0, 1] on a numeric dimension: log scales are already linear in the encoding,
  so one kernel serves every numeric kind. On a dimension that encodes a linear grid (Int, stepped Float,
  whose values own ``n_cells`` equal cells of [0, 1]) the factor is the kernel's probability mass on the
  cell a point falls in, so every point of a cell has the probability of its grid value;
- an Aitchison-Aitken kernel (Aitchison and Aitken 1976) on a categorical dimension: probability
  ``1 - b`` on the observed category and ``b / (C - 1)`` on each of the ``C - 1`` others
  (Watanabe 2023, Sec. 3, categorical kernel), with ``b`` fixed or shrinking as observations accrue.

One more kernel, the prior (a Gaussian at 0.5 with sigma 1 on numbers, uniform on categories), keeps
both densities positive everywhere, so the ratio l/g is defined on the whole space (Watanabe 2023,
"prior"). Everything here works on plain numpy arrays and knows nothing of studies or trials.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
from scipy.special import ndtr, ndtri

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_PRIOR_MU = 0.5
_MAX_SIGMA = 1.0  # the width of the unit interval: a kernel never gets wider than the domain
_BANDWIDTHS = ("scott", "hyperopt")
_MAX_TABLE_CELLS = 64  # grids with more cells are fine enough for the midpoint rule (see ParzenEstimator)


@dataclasses.dataclass(frozen=True)
class EstimatorConfig:
    """How observations become kernels.

    ``prior_weight``: weight of the prior kernel relative to an observation of average weight.
    ``bandwidth``: ``"scott"`` gives all kernels of a dimension Scott's rule of thumb
    1.059 * min(std, IQR / 1.34) * n^(-1/5); ``"hyperopt"`` gives each kernel the larger distance to its
    neighbours (Bergstra et al. 2011's heuristic). ``consider_endpoints`` lets 0 and 1 count as
    neighbours in the ``"hyperopt"`` rule. ``min_bandwidth_factor`` is the smallest bandwidth (the
    paper's Delta); ``magic_clip`` raises that floor to 1 / (n + 1) while observations are few
    (Watanabe 2023, "magic clipping"). ``categorical_bandwidth`` is the Aitchison-Aitken ``b``; None
    makes it shrink with the number of observations n, b = (C - 1) / (n + C), so that the kernel keeps
    (n + 1) / (n + C) on its own category (the adaptive rule of Optuna that Watanabe 2023 compares
    against a fixed b). A shrinking ``b`` makes g(x) sharp where many bad trials sit, which leaves
    rarely tried categories a ratio l/g above 1, so TPE keeps visiting them.
    ``max_kernels`` caps the observation kernels of one estimator (None: no cap), so that the cost of a
    density stops growing with the study (see :func:`thin_observations`).
    """

    prior_weight: float = 1.0
    bandwidth: str = "scott"
    consider_endpoints: bool = True
    min_bandwidth_factor: float = 0.03
    magic_clip: bool = True
    categorical_bandwidth: float | None = None
    max_kernels: int | None = 1000

    def __post_init__(self) -> None:
        _check_positive("prior_weight", self.prior_weight)
        if self.bandwidth not in _BANDWIDTHS:
            raise ValueError(f"`bandwidth` must be one of {list(_BANDWIDTHS)}, got {self.bandwidth!r}")
        if not isinstance(self.consider_endpoints, bool):
            raise TypeError(f"`consider_endpoints` must be a bool, got {self.consider_endpoints!r}")
        if not isinstance(self.magic_clip, bool):
            raise TypeError(f"`magic_clip` must be a bool, got {self.magic_clip!r}")
        _check_positive("min_bandwidth_factor", self.min_bandwidth_factor)
        if self.min_bandwidth_factor > 1:
            raise ValueError(f"`min_bandwidth_factor` must be <= 1, got {self.min_bandwidth_factor!r}")
        if self.max_kernels is not None and (isinstance(self.max_kernels, bool)
                                             or not isinstance(self.max_kernels, (int, np.integer))):
            raise TypeError(f"`max_kernels` must be an int or None, got {self.max_kernels!r}")
        if self.max_kernels is not None and self.max_kernels < 2:
            raise ValueError(f"`max_kernels` must be >= 2, got {self.max_kernels!r}")
        if self.categorical_bandwidth is None:
            return
        _check_positive("categorical_bandwidth", self.categorical_bandwidth)
        if self.categorical_bandwidth >= 1:
            raise ValueError(f"`categorical_bandwidth` must be < 1, got {self.categorical_bandwidth!r}")


def _check_positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be a finite number > 0, got {value!r}")


def normal_mass(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Phi(upper) - Phi(lower) for lower <= upper, with relative accuracy in both tails.

    Above the mean both values of Phi are close to 1 and their difference would cancel, so it is
    taken as Phi(-lower) - Phi(-upper) there.
    """
    flip = lower > 0
    return np.where(flip, ndtr(-lower) - ndtr(-upper), ndtr(upper) - ndtr(lower))


def scott_bandwidth(mus: np.ndarray) -> np.ndarray:
    """Scott's rule per column of ``mus`` (n, d): 1.059 * min(std, IQR / 1.34) * n^(-1/5).

    The IQR term makes the rule robust to outliers; when the IQR is zero (most points equal) the
    standard deviation alone is used so that a few distinct points still get some width.
    """
    n = mus.shape[0]
    if n < 2:
        return np.zeros(mus.shape[1])
    centred = mus - mus.mean(axis=0)
    std = np.sqrt((centred * centred).sum(axis=0) / (n - 1))
    q1, q3 = _quantiles(mus, (0.25, 0.75))
    iqr = (q3 - q1) / 1.34
    spread = np.where(iqr > 0, np.minimum(std, iqr), std)
    return 1.059 * spread * n ** -0.2


def _quantiles(x: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Column quantiles of ``x`` with linear interpolation (numpy's default), from one partial sort."""
    positions = [q * (x.shape[0] - 1) for q in qs]
    ranks = sorted({r for pos in positions for r in (math.floor(pos), math.ceil(pos))})
    part = np.partition(x, ranks, axis=0)
    out = []
    for pos in positions:
        lo, hi = math.floor(pos), math.ceil(pos)
        out.append(part[lo] + (pos - lo) * (part[hi] - part[lo]))
    return out


def hyperopt_bandwidth(mus: np.ndarray, consider_endpoints: bool) -> np.ndarray:
    """Per-kernel bandwidth (n, d): the larger distance to a neighbouring observation in each column.

    With ``consider_endpoints`` the ends 0 and 1 of the interval count as neighbours; without, an
    outermost observation takes the distance to its only neighbour, and a lone one gets the full width.
    """
    n, d = mus.shape
    order = np.argsort(mus, axis=0, kind="stable")
    ordered = np.take_along_axis(mus, order, axis=0)
    pad = 0.0 if consider_endpoints else np.nan
    padded = np.vstack([np.full((1, d), pad), ordered, np.full((1, d), 1.0 if consider_endpoints else np.nan)])
    left = padded[1:-1] - padded[:-2]
    right = padded[2:] - padded[1:-1]
    both = np.fmax(left, right)  # fmax ignores the NaN of a missing neighbour
    both = np.where(np.isnan(both), _MAX_SIGMA, both)
    sigmas = np.empty_like(both)
    np.put_along_axis(sigmas, order, both, axis=0)
    return sigmas


class ParzenEstimator:
    """A weighted mixture of product kernels over numeric dimensions in [0, 1] and categorical indices.

    Build one with :func:`fit_parzen_estimator`; this constructor takes the kernels as they are.

    ``weights`` (K,) sum to 1. ``mus`` and ``sigmas`` (K, Dn) place the truncated Gaussians.
    ``n_cells`` (Dn,) is 0 for a continuous dimension and the number of grid cells otherwise.
    ``categories`` (K, Dc) holds each kernel's category index, -1 for a uniform (prior) kernel.
    ``n_choices`` (Dc,) counts the categories of each categorical dimension.
    """

    def __init__(self, weights: np.ndarray, mus: np.ndarray, sigmas: np.ndarray, n_cells: np.ndarray,
                 categories: np.ndarray, n_choices: Sequence[int], categorical_bandwidths: Sequence[float]) -> None:
        k = weights.shape[0]
        assert mus.shape == sigmas.shape == (k, len(n_cells)), "mus/sigmas must be (n_kernels, n_numeric)"
        assert categories.shape == (k, len(n_choices)), "categories must be (n_kernels, n_categorical)"
        assert not sigmas.size or sigmas.min() > 0 and sigmas.max() <= _MAX_SIGMA, "every bandwidth must lie in (0, 1]"
        self.weights = weights
        self.mus = mus
        self.sigmas = sigmas
        self.n_cells = np.asarray(n_cells, dtype=int)
        self.categories = categories
        self.n_choices = [int(c) for c in n_choices]
        with np.errstate(divide="ignore"):  # a zero-weight kernel is never drawn and adds nothing
            self._log_weights = np.log(weights)
        assert not mus.size or mus.min() >= 0 and mus.max() <= 1, "kernel means must lie in [0, 1]"
        # A coarse grid gets exact cell masses from a table; a fine grid (cells narrow next to any
        # bandwidth) uses the midpoint rule, density at the cell's centre times its width, and joins the
        # continuous dimensions, whose log densities are a sum of squares done as matrix products.
        self._table_dims = np.flatnonzero((self.n_cells > 0) & (self.n_cells <= _MAX_TABLE_CELLS))
        point = np.ones(len(self.n_cells), dtype=bool)
        point[self._table_dims] = False
        self._point_dims = np.flatnonzero(point)
        self._fine_cells = np.where(self.n_cells > _MAX_TABLE_CELLS, self.n_cells, 0)[self._point_dims]
        mu, sigma = mus[:, point], sigmas[:, point]
        # log N(x; mu, s) - log Z = -(x - mu)^2 / (2 s^2) - log s - log sqrt(2 pi) - log Z, plus log(width).
        self._const = (self._log_weights - (np.log(sigma) + _LOG_SQRT_2PI + _log_mass(mu, sigma)).sum(axis=1)
                       - np.log(self._fine_cells[self._fine_cells > 0]).sum())
        self._precision = 1.0 / sigma**2
        self._mu_precision = mu * self._precision
        self._mu2_precision = (mu * self._mu_precision).sum(axis=1)
        self._cell_tables = [self._cell_masses(mus[:, d], sigmas[:, d], int(self.n_cells[d]))
                             for d in self._table_dims]
        self._log_tables = [self._aitchison_aitken(categories[:, j], c, b)
                            for j, (c, b) in enumerate(zip(self.n_choices, categorical_bandwidths))]

    @staticmethod
    def _cell_masses(mu: np.ndarray, sigma: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """log P(cell | kernel) on a coarse grid, as (distinct kernels, n_cells) and a kernel -> row index.

        Kernels of a grid dimension sit on cell centres and mostly share a bandwidth, so only the few
        distinct (cell centre, bandwidth) pairs need a row of masses, in the order of the centre, then the
        bandwidth; each row is normalized by the truncation mass of the first kernel of its pair.
        """
        centres = np.round(mu * 2 * n_cells)  # twice the cell index plus one, as a float
        order = np.lexsort((sigma, centres))  # stable: the first kernel of each pair comes first
        centre, width = centres[order], sigma[order]
        starts = np.ones(len(order), dtype=bool)
        starts[1:] = (centre[1:] != centre[:-1]) | (width[1:] != width[:-1])
        first = order[starts]
        row = np.empty(len(order), dtype=np.int64)
        row[order] = np.cumsum(starts) - 1
        u_mu, u_sigma = centres[first][:, None] / (2 * n_cells), sigma[first][:, None]
        edges = np.arange(n_cells + 1) / n_cells
        t = (edges - u_mu) / u_sigma
        with np.errstate(divide="ignore"):  # a cell beyond ~37 sigma has mass 0
            table = np.log(normal_mass(t[:, :-1], t[:, 1:]))
        return table - _log_mass(mu[first], sigma[first])[:, None], row

    @staticmethod
    def _aitchison_aitken(observed: np.ndarray, n_choices: int, bandwidth: float) -> np.ndarray:
        """log P(category | kernel), (K, C): 1 - b on the kernel's category, b / (C - 1) elsewhere."""
        if n_choices == 1:
            return np.zeros((observed.shape[0], 1))
        b = min(bandwidth, (n_choices - 1) / n_choices)  # never favour the other categories over the observed one
        table = np.full((observed.shape[0], n_choices), math.log(b / (n_choices - 1)))
        own = observed >= 0
        table[np.flatnonzero(own), observed[own]] = math.log1p(-b)
        table[~own] = -math.log(n_choices)
        return table

    @property
    def n_kernels(self) -> int:
        return int(self.weights.shape[0])

    def sample(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` draws: numeric points (size, Dn) in [0, 1] and category indices (size, Dc)."""
        k = rng.choice(self.n_kernels, size=size, p=self.weights)
        # Inverse-CDF draw of each truncated Gaussian: z = Phi^-1(Phi(a) + u (Phi(b) - Phi(a))).
        mus, sigmas = self.mus[k], self.sigmas[k]
        pa, pb = ndtr(-mus / sigmas), ndtr((1.0 - mus) / sigmas)
        u = rng.random(pa.shape)
        numeric = np.clip(self.mus[k] + self.sigmas[k] * ndtri(pa + u * (pb - pa)), 0.0, 1.0)
        categorical = np.empty((size, len(self.n_choices)), dtype=int)
        for j, table in enumerate(self._log_tables):
            cdf = np.cumsum(np.exp(table[k]), axis=1)
            draw = rng.random(size)[:, None] * cdf[:, -1:]
            categorical[:, j] = np.minimum((draw >= cdf).sum(axis=1), self.n_choices[j] - 1)
        return numeric, categorical

    def log_pdf(self, numeric: np.ndarray, categorical: np.ndarray) -> np.ndarray:
        """Log density (N,) of points: numeric (N, Dn) in [0, 1], category indices (N, Dc).

        On a grid dimension the factor is the mass of the cell the point falls in, so the result is a
        density in the continuous dimensions and a probability in the grid and categorical ones.
        """
        out = np.broadcast_to(self._const, (numeric.shape[0], self.n_kernels)).copy()
        if self._point_dims.size:
            x = numeric[:, self._point_dims]
            fine = self._fine_cells > 0
            if fine.any():
                n = self._fine_cells[fine]
                x[:, fine] = (np.minimum(np.floor(x[:, fine] * n), n - 1) + 0.5) / n
            # sum_d (x_d - mu_kd)^2 / s_kd^2, expanded so that it is two matrix products (in place:
            # sq = x^2 P - 2 (x M) + m2, then out -= max(sq, 0) / 2).
            sq = (x * x) @ self._precision.T
            cross = x @ self._mu_precision.T
            cross *= 2.0
            sq -= cross
            sq += self._mu2_precision
            np.maximum(sq, 0.0, out=sq)
            sq *= 0.5
            out -= sq
        for d, (table, row) in zip(self._table_dims, self._cell_tables):
            n = self.n_cells[d]
            cell = np.minimum((numeric[:, d] * n).astype(int), n - 1)
            out += table.T[cell][:, row]
        for j, table in enumerate(self._log_tables):
            out += table.T[categorical[:, j]]
        return _logsumexp_rows(out)


def _log_mass(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """log Z: the log mass a Gaussian kernel at ``mu`` with bandwidth ``sigma`` keeps on [0, 1].

    Z = Phi(b) - Phi(a) with a = -mu / sigma, b = (1 - mu) / sigma. Every mean lies in [0, 1] and
    sigma <= 1, so a <= 0 <= b and Z >= Phi(1) - Phi(0) > 1/3: the plain difference is accurate.
    """
    return np.log(ndtr((1.0 - mu) / sigma) - ndtr(-mu / sigma))


def _logsumexp_rows(x: np.ndarray) -> np.ndarray:
    """log(sum(exp(x), axis=1)) for a 2-D array whose rows hold at least one finite value; ``x`` is overwritten."""
    m = x.max(axis=1, keepdims=True)
    x -= m
    np.exp(x, out=x)
    return (m + np.log(x.sum(axis=1, keepdims=True)))[:, 0]


def thin_observations(n: int, max_kernels: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows to keep of ``n`` observations in trial order, and how many observations each one stands for.

    The most recent half of ``max_kernels`` is kept whole (where the search is now); the older rows
    are represented by evenly spaced ones, each standing for its share of them, so the mixture keeps
    the mass of every period of the study. With ``n <= max_kernels`` every row is kept, counting one.
    """
    if n <= max_kernels:
        return np.arange(n), np.ones(n)
    recent = max_kernels // 2
    n_old, n_strided = n - recent, max_kernels - recent
    strided = (np.arange(n_strided) * n_old) // n_strided
    rows = np.concatenate([strided, np.arange(n_old, n)])
    counts = np.concatenate([np.full(n_strided, n_old / n_strided), np.ones(recent)])
    return rows, counts


def fit_parzen_estimator(numeric: np.ndarray, categorical: np.ndarray, weights: np.ndarray,
                         n_cells: np.ndarray, n_choices: Sequence[int],
                         config: EstimatorConfig) -> ParzenEstimator:
    """One kernel per observation plus the prior kernel.

    ``numeric`` (n, Dn) holds encoded numbers in [0, 1]; ``categorical`` (n, Dc) category indices;
    ``weights`` (n,) the non-negative observation weights (scaled here to mean 1, so ``prior_weight``
    is relative to an average observation). With no observation the result is the prior alone.
    Past ``config.max_kernels`` observations, only the rows :func:`thin_observations` keeps get a
    kernel, weighted by the observations they stand for; bandwidths are those of a sample of that size
    (wider than for all observations), so the thinned density has no holes where rows were left out.
    """
    n_cells = np.asarray(n_cells, dtype=int)
    if config.max_kernels is not None and numeric.shape[0] > config.max_kernels:
        rows, counts = thin_observations(numeric.shape[0], config.max_kernels)
        numeric, categorical, weights = numeric[rows], categorical[rows], weights[rows] * counts
    n, d = numeric.shape
    if n:
        total = float(weights.sum())
        obs_w = weights * (n / total) if total > 0 and math.isfinite(total) else np.ones(n)
    else:
        obs_w = np.empty(0)
    all_w = np.append(obs_w, config.prior_weight)
    all_w = all_w / all_w.sum()
    floor = config.min_bandwidth_factor
    if config.magic_clip:
        floor = max(floor, 1.0 / (n + 1))
    # A grid kernel narrower than half a cell would put nearly all its mass on one grid value.
    floors = np.maximum(floor, np.where(n_cells > 0, 0.5 / np.maximum(n_cells, 1), 0.0))
    if config.bandwidth == "scott":  # one bandwidth per dimension: clipped once, shared by every kernel
        sigmas = np.broadcast_to(np.clip(scott_bandwidth(numeric), floors, _MAX_SIGMA), (n, d))
    else:
        sigmas = np.clip(hyperopt_bandwidth(numeric, config.consider_endpoints), floors, _MAX_SIGMA)
    mus = np.vstack([numeric, np.full((1, d), _PRIOR_MU)])
    sigmas = np.vstack([sigmas, np.full((1, d), _MAX_SIGMA)])
    categories = np.vstack([categorical.astype(int), np.full((1, categorical.shape[1]), -1)])
    if config.categorical_bandwidth is None:
        cat_b = [(c - 1) / (n + c) for c in n_choices]
    else:
        cat_b = [config.categorical_bandwidth] * len(n_choices)
    return ParzenEstimator(all_w, mus, sigmas, n_cells, categories, n_choices, cat_b)
