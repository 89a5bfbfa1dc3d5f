"""Constraint values of trials: where they are stored and how feasible a trial is.

A study's ``constraints_func`` gives each COMPLETE trial a sequence of floats, stored as the system
attribute ``"constraints"``; the trial is feasible when all of them are <= 0. Samplers rank infeasible
trials by their total violation, sum(max(c, 0)) (Deb 2002, constrained domination).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

from parzen.trial import FrozenTrial

CONSTRAINTS_ATTR = "constraints"


def check_constraint_values(values: Any) -> tuple[float, ...]:
    """The floats a constraints function returned; raises ValueError/TypeError on anything else."""
    if isinstance(values, (str, bytes)) or not (isinstance(values, Sequence) or hasattr(values, "tolist")):
        raise TypeError(f"the constraints function must return a sequence of floats, got {values!r}")
    seq = values.tolist() if hasattr(values, "tolist") else list(values)
    out = []
    for v in seq:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"the constraints function returned {v!r}, which is not a number")
        if math.isnan(float(v)):
            raise ValueError("the constraints function returned NaN")
        out.append(float(v))
    return tuple(out)


def violation(trial: FrozenTrial) -> float:
    """Total violation sum(max(c, 0)) of a trial's constraints; 0 when it has none (feasible)."""
    return sum(max(float(c), 0.0) for c in trial.system_attrs.get(CONSTRAINTS_ATTR, ()))


def is_feasible(trial: FrozenTrial) -> bool:
    return violation(trial) <= 0.0
