"""PED-ANOVA: importance from how the good trials' values of a parameter differ from all trials'.

Watanabe, Bansal and Hutter (2023), "PED-ANOVA: Efficiently quantifying hyperparameter importance in
arbitrary subspaces". Take the trials of a region (the best ``region_quantile`` of them; all trials by
default) and, inside it, the best ``top_quantile`` of all trials. For a parameter ``x_d``, let ``q`` be
the marginal density of ``x_d`` over the region and ``p`` its density over the top trials. The
variance, over the region, of the indicator "this trial is among the top" explained by ``x_d`` alone
is (Theorem 1 of the paper)

    v_d = (gamma' / gamma)^2 * D_PE(p || q),    D_PE(p || q) = integral q (p / q - 1)^2 = integral p^2 / q - 1,

with ``gamma'`` and ``gamma`` the two quantiles. A parameter whose good values look like all its values
scores 0; one whose good values sit in a narrow part of its range scores high. Densities are Parzen
estimators (Gaussian kernels, Scott's bandwidth) on a grid of the unit encoding, so log-scaled
parameters are measured in log space; categories use smoothed frequencies. The cost is linear in the
number of trials and needs nothing beyond numpy.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from parzen._checks import check_int, check_real
from parzen.importance._base import ImportanceEvaluator

_SCOTT = 1.059  # Scott's rule: h = 1.059 * sigma * n^(-1/5)


def _scott(u: np.ndarray) -> float:
    """Scott's bandwidth of a sample on the unit interval (0 for fewer than two points)."""
    return _SCOTT * float(np.std(u)) * len(u) ** -0.2 if len(u) > 1 else 0.0


class PedAnovaImportanceEvaluator(ImportanceEvaluator):
    """The default evaluator: PED-ANOVA (see the module docstring), deterministic and dependency-free.

    ``top_quantile`` is the share of trials counted as good (``gamma'``); ``region_quantile`` the
    share that forms the region compared against (``gamma``, 1.0 = every trial; a smaller value asks
    what matters among the already good trials). ``min_top`` is the least number of good trials.
    ``n_grid`` is the number of grid points on which a continuous density is integrated.

    ``null_draws`` debiases the score: a handful of good trials always look concentrated somewhere, so
    the divergence of that many trials drawn from the region at random (the mean over ``null_draws``
    draws, from a generator seeded with ``seed``) is subtracted, and a parameter whose good trials look
    no more special than random ones scores 0. It helps short random searches; it is off by default
    because in a study the sampler has concentrated (every late trial near one value of a parameter),
    random draws from the region look as concentrated as the good trials and the parameter drops to 0.
    """

    name = "PED-ANOVA"

    def __init__(self, *, top_quantile: float = 0.1, region_quantile: float = 1.0, min_top: int = 2,
                 n_grid: int = 64, null_draws: int = 0, seed: int = 0) -> None:
        self.top_quantile = check_real("top_quantile", top_quantile, 0.0, 1.0)
        self.region_quantile = check_real("region_quantile", region_quantile, 0.0, 1.0)
        if self.top_quantile <= 0.0:
            raise ValueError(f"`top_quantile` must be > 0, got {top_quantile!r}")
        if self.region_quantile <= self.top_quantile:
            raise ValueError(
                f"`region_quantile` ({region_quantile!r}) must be larger than `top_quantile` ({top_quantile!r})"
            )
        self.min_top = check_int("min_top", min_top, 1)
        self.n_grid = check_int("n_grid", n_grid, 4)
        self.null_draws = check_int("null_draws", null_draws, 0)
        self.seed = check_int("seed", seed, 0)

    def evaluate(self, x: np.ndarray, n_cells: Sequence[int], categorical: Sequence[bool], loss: np.ndarray,
                 columns: Sequence[int]) -> np.ndarray:
        n = len(loss)
        order = np.argsort(loss, kind="stable")
        n_region = max(math.ceil(self.region_quantile * n), 1)
        n_top = min(max(math.ceil(self.top_quantile * n), self.min_top), n_region)
        scores = np.zeros(len(columns))
        if n_top >= n_region:
            return scores  # the top is the whole region: nothing to tell apart
        top, region = x[order[:n_top]], x[order[:n_region]]
        rng = np.random.default_rng(self.seed)
        nulls = [rng.choice(n_region, n_top, replace=False) for _ in range(self.null_draws)]
        for k, j in enumerate(columns):
            q = self._density(region[:, j], n_cells[j], categorical[j])
            divergence = self._divergence(top[:, j], q, n_cells[j], categorical[j])
            if nulls:
                divergence -= float(np.mean([self._divergence(region[rows, j], q, n_cells[j], categorical[j])
                                             for rows in nulls]))
            scores[k] = (n_top / n_region) ** 2 * max(divergence, 0.0)
        return scores

    def _divergence(self, u: np.ndarray, q: np.ndarray, n_cells: int, categorical: bool) -> float:
        """Pearson divergence D_PE(p || q) of the density ``p`` of ``u`` from the region's ``q``."""
        p = self._density(u, n_cells, categorical)
        return float(np.sum(p * p / q) - 1.0)

    def _density(self, u: np.ndarray, n_cells: int, categorical: bool) -> np.ndarray:
        """Probabilities of the grid points (the cells of a gridded column) that sum to 1.

        Choices get their frequencies plus one pseudo-observation spread evenly; numbers get a
        Parzen estimator with Scott's bandwidth, widened to one grid step if narrower.
        """
        if categorical:
            index = np.clip(np.floor(u * n_cells), 0, n_cells - 1).astype(int)
            counts = np.bincount(index, minlength=n_cells).astype(float)
            return (counts + 1.0 / n_cells) / (len(u) + 1.0)
        n_grid = n_cells or self.n_grid
        grid = (np.arange(n_grid) + 0.5) / n_grid
        h = max(_scott(u), 1.0 / n_grid)
        dens = np.exp(-0.5 * ((grid[None, :] - u[:, None]) / h) ** 2).sum(axis=0)
        dens += 1e-12
        return dens / dens.sum()
