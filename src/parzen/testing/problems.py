"""Problems whose objective fails in one region: how a sampler learns from failed trials.

An objective that crashes in one corner of its space is common (out of memory at the largest batch
size, a learning rate that diverges). Each problem here minimizes a smooth function whose optimum lies
in the part of the space that works, and raises :class:`RegionFailure` in a region next to it. A
sampler that ignores failures keeps proposing points there; one that learns from them does not.
``value`` is the function without failures, for comparing with the same problem where nothing fails.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from parzen.space import Distribution, Float

__all__ = ["FAILING_PROBLEMS", "FailingProblem", "RegionFailure"]


class RegionFailure(RuntimeError):
    """Raised by a failing-region problem for a point in its failing region."""


@dataclasses.dataclass(frozen=True)
class FailingProblem:
    """Minimize ``value`` over ``space``; the objective raises :class:`RegionFailure` where ``fails`` holds."""

    name: str
    space: dict[str, Distribution]
    value: Callable[[Mapping[str, Any]], float]
    fails: Callable[[Mapping[str, Any]], bool]
    optimum: float

    def __call__(self, params: Mapping[str, Any]) -> float:
        """The objective on a point: its value, or RegionFailure in the failing region."""
        if self.fails(params):
            raise RegionFailure(f"{self.name}: the objective fails at {dict(params)}")
        return self.value(params)

    def objective(self, trial: Any) -> float:
        """The objective of a define-by-run trial (``study.optimize(problem.objective, catch=RegionFailure)``)."""
        return self({name: trial.suggest(name, dist) for name, dist in self.space.items()})


_CENTRE_5D = (1.0, 1.5, 0.5, 0.0, -0.5)


def _box(names: str) -> dict[str, Distribution]:
    return {name: Float(-5.0, 5.0) for name in names}


FAILING_PROBLEMS: dict[str, FailingProblem] = {
    # x^2 on [-5, 5], failing for x > 3: a crash at one end of the range.
    "failing-1d": FailingProblem("failing-1d", _box("x"), lambda p: p["x"] ** 2, lambda p: p["x"] > 3.0, 0.0),
    # A quadratic bowl whose corner x + y > 4 fails (18% of the box); the optimum (1, 1.5) works.
    "failing-2d": FailingProblem(
        "failing-2d", _box("xy"), lambda p: (p["x"] - 1.0) ** 2 + (p["y"] - 1.5) ** 2,
        lambda p: p["x"] + p["y"] > 4.0, 0.0),
    # The same in five dimensions: the corner where the coordinates sum past 6 fails (about 18% of the box);
    # the optimum (1, 1.5, 0.5, 0, -0.5), which sums to 2.5, works.
    "failing-5d": FailingProblem(
        "failing-5d", _box("abcde"), lambda p: sum((p[n] - c) ** 2 for n, c in zip("abcde", _CENTRE_5D)),
        lambda p: sum(p.values()) > 6.0, 0.0),
}
