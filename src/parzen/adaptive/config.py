"""``OptimizationConfig``: the settings of seed 003's optimizer as one dataclass."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "KIB": 2**10, "M": 10**6, "MB": 10**6, "MIB": 2**20,
          "G": 10**9, "GB": 10**9, "GIB": 2**30, "T": 10**12, "TB": 10**12, "TIB": 2**40}


@dataclasses.dataclass
class OptimizationConfig:
    """Every field of seed 003's ``OptimizationConfig``; build an optimizer from it with
    :meth:`parzen.adaptive.AdaptiveHyperparameterOptimizer.from_config`.

    ``study_direction`` is the direction ``optimize`` uses when it is not given one.
    ``pruning_patience`` is how many steps a trial reports before the default pruner judges it.
    """

    backend: str = "optuna"
    n_trials: int = 100
    timeout: float | None = None
    n_jobs: int = 1
    random_state: int | None = None
    enable_pruning: bool = True
    pruning_patience: int = 5
    adaptation_interval: int = 20
    min_improvement_threshold: float = 0.001
    sampler_config: dict[str, Any] | None = None
    study_direction: str = "maximize"


def parse_memory(name: str, value: Any) -> int | None:
    """A memory size such as ``"4GB"``, ``"512MiB"`` or a number of bytes, as bytes (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"`{name}` must be a size such as '4GB' or a number of bytes, got {value!r}")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (match := _SIZE.match(value)):
        size = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    else:
        raise ValueError(f"`{name}` must be a size such as '4GB' or a number of bytes, got {value!r}")
    if size <= 0:
        raise ValueError(f"`{name}` must be positive, got {value!r}")
    return size
