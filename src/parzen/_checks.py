"""Argument checks shared by the samplers and pruners: a bad value fails at construction, naming the argument.

One rule everywhere: a value of the wrong type (a bool, a float where an int is wanted, a string
where a number is wanted) raises TypeError; a value of the right type outside the allowed range
raises ValueError.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int no smaller than ``minimum``: TypeError for a non-int, ValueError below it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value!r}")
    return int(value)


def check_real(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite float in ``[low, high]``: TypeError for a non-number, ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"`{name}` must be a finite number in [{low}, {high}], got {value!r}")
    return number


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a bool (numpy's included): TypeError for anything else, 0 and 1 too."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a bool, got {value!r}")
    return bool(value)


def check_name(name: str, value: Any) -> str:
    """``value`` as a non-empty str: TypeError for a non-str, ValueError for ``""``."""
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a str, got {value!r}")
    if not value:
        raise ValueError(f"`{name}` must be a non-empty str, got ''")
    return value
