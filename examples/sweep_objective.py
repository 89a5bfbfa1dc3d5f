"""An objective for `parzen sweep`: a smooth stand-in for a model's validation accuracy.

    parzen sweep --trials 50 --space examples/search_space.yaml \
        --objective examples/sweep_objective.py:accuracy --direction maximize

The optimum is known, so a sweep can be checked: accuracy 0.95 at learning_rate=1e-3,
batch_size=32, hidden_dim=256, dropout=0.2, activation="gelu", num_layers=4.
"""

from __future__ import annotations

import math
from typing import Any

BEST_ACCURACY = 0.95
_ACTIVATION_PENALTY = {"relu": 0.01, "gelu": 0.0, "swish": 0.005}


def accuracy(params: dict[str, Any]) -> float:
    """Accuracy in [0, 0.95]; each parameter away from its optimum costs a smooth penalty."""
    penalty = (
        0.02 * (math.log10(params["learning_rate"]) + 3.0) ** 2
        + 0.01 * (math.log2(params["batch_size"]) - 5.0) ** 2
        + 0.1 * ((params["hidden_dim"] - 256.0) / 448.0) ** 2
        + 0.4 * (params["dropout"] - 0.2) ** 2
        + _ACTIVATION_PENALTY[params["activation"]]
        + 0.002 * (params["num_layers"] - 4) ** 2
    )
    return max(BEST_ACCURACY - penalty, 0.0)
