"""Multi-objective tools: Pareto fronts."""

from parzen.multi_objective.pareto import non_dominated_mask, pareto_front_trials

__all__ = ["non_dominated_mask", "pareto_front_trials"]
