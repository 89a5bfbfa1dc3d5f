"""Multi-objective tools: Pareto fronts, non-dominated sorting and the hypervolume indicator."""

from parzen.multi_objective.hypervolume import hypervolume, hypervolume_contributions
from parzen.multi_objective.pareto import (
    crowding_distance,
    fast_non_dominated_sort,
    non_dominated_mask,
    pareto_front_trials,
    to_minimization,
)

__all__ = ["crowding_distance", "fast_non_dominated_sort", "hypervolume", "hypervolume_contributions", "non_dominated_mask",
           "pareto_front_trials", "to_minimization"]
