"""Second-order optimization on JAX: L-BFGS, Gauss-Newton, Levenberg-Marquardt, and Adam-then-L-BFGS.

- Configurations (frozen, validated): :class:`LBFGSConfig`, :class:`GaussNewtonConfig`,
  :class:`LevenbergMarquardtConfig`, :class:`HybridOptimizerConfig`.
- One step at a time: :func:`create_lbfgs_optimizer` (an optax transformation), :class:`HybridOptimizer`.
- To convergence under ``jax.jit``: :func:`minimize`, :func:`least_squares`, and the solvers of
  :func:`create_gauss_newton_solver` / :func:`create_levenberg_marquardt_solver`.
- Flax NNX models updated in place: :class:`NNXLBFGSWrapper`, :class:`NNXHybridOptimizer`.
"""

from .config import (
    GaussNewtonConfig,
    HybridOptimizerConfig,
    LBFGSConfig,
    LevenbergMarquardtConfig,
    LineSearch,
    SwitchCriterion,
)
from .hybrid_optimizer import HybridOptimizer, HybridState
from .least_squares import LeastSquaresResult
from .nnx_integration import (
    NNXHybridOptimizer,
    NNXLBFGSWrapper,
    create_nnx_hybrid_optimizer,
    create_nnx_lbfgs_optimizer,
)
from .solve import MinimizeResult, least_squares, minimize
from .wrappers import (
    LeastSquaresSolver,
    create_gauss_newton_solver,
    create_lbfgs_optimizer,
    create_levenberg_marquardt_solver,
)

__all__ = [
    "GaussNewtonConfig",
    "HybridOptimizer",
    "HybridOptimizerConfig",
    "HybridState",
    "LBFGSConfig",
    "LeastSquaresResult",
    "LeastSquaresSolver",
    "LevenbergMarquardtConfig",
    "LineSearch",
    "MinimizeResult",
    "NNXHybridOptimizer",
    "NNXLBFGSWrapper",
    "SwitchCriterion",
    "create_gauss_newton_solver",
    "create_lbfgs_optimizer",
    "create_levenberg_marquardt_solver",
    "create_nnx_hybrid_optimizer",
    "create_nnx_lbfgs_optimizer",
    "least_squares",
    "minimize",
]
