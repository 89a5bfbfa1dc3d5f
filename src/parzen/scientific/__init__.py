"""Gradient-based and second-order optimization of differentiable models, on JAX (seed 002).

An optional extra: ``pip install 'parzen[scientific]'`` (JAX, optax, optimistix, flax). Importing
:mod:`parzen` never imports JAX; the names below load their module on first use.

- :mod:`parzen.scientific.second_order`: L-BFGS, Gauss-Newton, Levenberg-Marquardt, the hybrid
  Adam-then-L-BFGS optimizer and their Flax NNX wrappers.
- :mod:`parzen.scientific.meta_optimization`: learned optimizers, MAML/Reptile, schedulers.
- :mod:`parzen.scientific.control`: system identification and differentiable MPC.
- :mod:`parzen.scientific.production`, :mod:`parzen.scientific.adaptive_deployment`: the seed's
  production example, with measured behaviour only.
"""

from __future__ import annotations

from parzen._lazy import lazy_exports

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    "LBFGSConfig": ".second_order",
    "GaussNewtonConfig": ".second_order",
    "LevenbergMarquardtConfig": ".second_order",
    "HybridOptimizerConfig": ".second_order",
    "create_lbfgs_optimizer": ".second_order",
    "create_gauss_newton_solver": ".second_order",
    "create_levenberg_marquardt_solver": ".second_order",
    "minimize": ".second_order",
    "least_squares": ".second_order",
    "HybridOptimizer": ".second_order",
    "NNXLBFGSWrapper": ".second_order",
    "create_nnx_lbfgs_optimizer": ".second_order",
    "NNXHybridOptimizer": ".second_order",
    "create_nnx_hybrid_optimizer": ".second_order",
    "MetaOptimizerConfig": ".meta_optimization",
    "LearnToOptimize": ".meta_optimization",
    "QuadraticTaskFamily": ".meta_optimization",
    "RegressionTaskFamily": ".meta_optimization",
    "maml": ".meta_optimization",
    "reptile": ".meta_optimization",
    "cosine_schedule": ".meta_optimization",
    "linear_schedule": ".meta_optimization",
    "exponential_schedule": ".meta_optimization",
    "ReduceOnPlateau": ".meta_optimization",
    "SystemIdentifier": ".control",
    "DifferentiableMPC": ".control",
    "MPCConfig": ".control",
    "MPCResult": ".control",
    "LinearDynamics": ".control",
    "HybridPerformancePlatform": ".production",
    "AdaptiveDeploymentSystem": ".adaptive_deployment",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
