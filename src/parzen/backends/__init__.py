"""Other libraries' search algorithms behind parzen's :class:`parzen.samplers.Sampler` interface.

A back end proposes parameters with the real package (an optional extra) while parzen keeps
everything else: the study, its storage, pruning, callbacks, history, plots. Each module imports
its package only when a sampler is built, so ``import parzen`` never pays for them.

- :class:`parzen.backends.optuna.OptunaSampler`: any optuna sampler (TPE by default).
- :class:`parzen.backends.hyperopt.HyperoptSampler`: hyperopt's TPE or random search.
- :class:`parzen.backends.skopt.SkoptSampler`: scikit-optimize's ``Optimizer`` (GP, forests, boosting).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "HyperoptSampler": "hyperopt",
    "OptunaSampler": "optuna",
    "SkoptSampler": "skopt",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'parzen.backends' has no attribute {name!r}")
    return getattr(importlib.import_module(f"parzen.backends.{module}"), name)
