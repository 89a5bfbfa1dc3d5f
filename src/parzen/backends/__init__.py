"""Other libraries' search algorithms behind parzen's :class:`parzen.samplers.Sampler` interface.

A back end proposes parameters with the real package (an optional extra) while parzen keeps
everything else: the study, its storage, pruning, callbacks, history, plots. Each module imports
its package only when a sampler is built, so ``import parzen`` never pays for them.

- :class:`parzen.backends.optuna.OptunaSampler`: any optuna sampler (TPE by default).
- :class:`parzen.backends.hyperopt.HyperoptSampler`: hyperopt's TPE or random search.
- :class:`parzen.backends.skopt.SkoptSampler`: scikit-optimize's ``Optimizer`` (GP, forests, boosting).
"""

from __future__ import annotations

from parzen._lazy import lazy_exports

_EXPORTS = {
    "HyperoptSampler": ".hyperopt",
    "OptunaSampler": ".optuna",
    "SkoptSampler": ".skopt",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
