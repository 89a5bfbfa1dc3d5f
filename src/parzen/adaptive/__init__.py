"""Front door: seed 003's ``AdaptiveHyperparameterOptimizer`` over parzen's core.

    from parzen.adaptive import AdaptiveHyperparameterOptimizer

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=100)
    best_params, best_score, history = optimizer.optimize(objective, search_space, direction="maximize")

Back ends ("parzen", "optuna", "hyperopt", "skopt") are samplers of :mod:`parzen.backends`; the rest
(storage, pruning, retries, timeouts, plots) is the core's.
"""

from parzen.adaptive.config import OptimizationConfig
from parzen.adaptive.optimizer import AdaptiveHyperparameterOptimizer

__all__ = ["AdaptiveHyperparameterOptimizer", "OptimizationConfig"]
