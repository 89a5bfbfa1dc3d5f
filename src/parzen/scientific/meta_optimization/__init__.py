"""Learned optimizers, meta-learned initializations and learning-rate schedules (seed 002, part 4).

- :class:`MetaOptimizerConfig`, :class:`LearnToOptimize`: run and meta-train update rules
  (``l2o``: a learned per-coordinate rule; ``adaptive_lr``: hypergradient step sizes;
  ``warm_start``: a fixed rule from a warm start).
- :class:`QuadraticTaskFamily`, :class:`RegressionTaskFamily`: task families to meta-train on.
- :func:`maml`, :func:`reptile`: meta-learned initializations.
- :func:`cosine_schedule`, :func:`linear_schedule`, :func:`exponential_schedule`,
  :class:`ReduceOnPlateau`: learning-rate schedules.
"""

from parzen.scientific.meta_optimization.config import MetaOptimizerConfig
from parzen.scientific.meta_optimization.l2o import LearnToOptimize, OptimizationHistory
from parzen.scientific.meta_optimization.meta_learning import MetaInitResult, maml, reptile
from parzen.scientific.meta_optimization.schedulers import (
    PlateauState,
    ReduceOnPlateau,
    cosine_schedule,
    exponential_schedule,
    linear_schedule,
)
from parzen.scientific.meta_optimization.tasks import QuadraticTaskFamily, RegressionTaskFamily, TaskFamily

__all__ = [
    "LearnToOptimize",
    "MetaInitResult",
    "MetaOptimizerConfig",
    "OptimizationHistory",
    "PlateauState",
    "QuadraticTaskFamily",
    "ReduceOnPlateau",
    "RegressionTaskFamily",
    "TaskFamily",
    "cosine_schedule",
    "exponential_schedule",
    "linear_schedule",
    "maml",
    "reptile",
]
