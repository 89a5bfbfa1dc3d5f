"""L-BFGS-B (``scipy.optimize.minimize``) on a function that returns its value and its gradient together.

``minimize(..., jac=True)`` wraps such a function in a cache that compares the point element by element twice
per evaluation; the GP's fits and acquisition climbs evaluate small functions thousands of times per trial,
where that bookkeeping is a noticeable share. :class:`_ValueThenGradient` hands scipy the value and then the
gradient of the same evaluation, comparing the point's bytes once: the same evaluations at the same points,
so the same iterates and result.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import scipy.optimize

ValueAndGradient = Callable[[np.ndarray], tuple[float, np.ndarray]]


class _ValueThenGradient:
    """``value(x)`` evaluates ``fun`` and keeps its gradient; ``gradient(x)`` returns it when ``x`` is that point
    (scipy asks for the gradient right after the value, at the same point) and evaluates again otherwise."""

    def __init__(self, fun: ValueAndGradient) -> None:
        self._fun = fun
        self._point = b""
        self._gradient: np.ndarray | None = None

    def value(self, x: np.ndarray) -> float:
        value, self._gradient = self._fun(x)
        self._point = x.tobytes()
        return value

    def gradient(self, x: np.ndarray) -> np.ndarray:
        if self._gradient is None or x.tobytes() != self._point:
            self.value(x)
        assert self._gradient is not None
        return self._gradient


def minimize(fun: ValueAndGradient, x0: np.ndarray, bounds: Sequence[tuple[float, float]], maxiter: int,
             ftol: float | None = None) -> scipy.optimize.OptimizeResult:
    """L-BFGS-B from ``x0`` within ``bounds``, at most ``maxiter`` iterations (``ftol``: scipy's default if None)."""
    options: dict[str, float] = {"maxiter": maxiter}
    if ftol is not None:
        options["ftol"] = ftol
    fg = _ValueThenGradient(fun)
    return scipy.optimize.minimize(fg.value, x0, jac=fg.gradient, method="L-BFGS-B", bounds=bounds, options=options)
