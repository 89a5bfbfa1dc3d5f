"""Several objectives turned into one for the GP: ParEGO's random augmented Chebyshev scalarization.

Knowles 2006 ("ParEGO: a hybrid algorithm with on-line landscape approximation for expensive
multiobjective optimization problems"): each suggestion draws fresh weights on the simplex and
models the scalarization max_j(w_j f_j) + rho sum_j(w_j f_j) of the objectives, each normalized so
that the non-dominated observations span [0, 1] (from the ideal to the nadir point). The paper
normalizes over all observations; then one very bad value (a diverging learning rate's log loss)
squeezes the whole front into a sliver of its objective, and the max term ignores that objective.
Minimizing it for some weights reaches a Pareto-optimal point, even on a non-convex front (the max
term), and drawing the weights anew each time spreads the suggestions along the front. rho = 0.05
as in the paper; the weights are uniform on the simplex instead of the paper's fixed grid, so that
any number of objectives works.
"""

from __future__ import annotations

import numpy as np

from parzen.multi_objective.pareto import non_dominated_mask

RHO = 0.05


def chebyshev_losses(losses: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scalarized losses (n,) of ``losses`` (n, m) to minimize, with weights drawn from ``rng``."""
    low = losses.min(axis=0)
    high = losses[non_dominated_mask(losses)].max(axis=0)
    high = np.where(high > low, high, losses.max(axis=0))
    span = np.where(high > low, high - low, 1.0)
    scaled = (losses - low) / span
    weights = rng.dirichlet(np.ones(losses.shape[1]))
    weighted = scaled * weights
    return weighted.max(axis=1) + RHO * weighted.sum(axis=1)
