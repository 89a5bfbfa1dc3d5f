"""``AdaptiveDeploymentSystem``: a canary release that decides by a sequential test, on its own.

``deploy(incumbent, candidate)`` starts a canary: each ``route()`` sends an evaluation to the
candidate with probability ``share`` (``canary_percentage / 100`` at first) and to the incumbent
otherwise; ``record(arm, metric)`` stores the metric the evaluation produced (lower is better with
``direction="minimize"``). ``run(evaluate)`` does both until the canary ends.

After every record, once each arm has ``min_samples`` metrics, a mixture sequential probability ratio
test (mSPRT; Johari, Pekelis & Walsh 2017, "Always valid inference") compares the means:
with ``d`` the candidate's mean minus the incumbent's and ``V = s_c^2 / n_c + s_i^2 / n_i``,
``Lambda = sqrt(V / (V + tau^2)) * exp(tau^2 d^2 / (2 V (V + tau^2)))`` with
``tau = effect_size * s``, where ``s`` is the pooled standard deviation when the test first runs. When
``Lambda >= 1 / alpha`` the canary ends: the candidate is **promoted** (it becomes the incumbent) if
it is better, **rolled back** if worse. The test may be checked after every observation at
significance ``alpha`` (the always-valid property), under a normal approximation of the means. With no
decision after ``max_evaluations`` evaluations, the candidate is rolled back (status reason
``"inconclusive"``).

``ai_driven_strategies=True`` adapts the candidate's share while the test runs: with
``P = Phi(-d / sqrt(V))`` for minimizing (``Phi(d / sqrt(V))`` for maximizing), the normal-approximation
posterior probability under a flat prior that the candidate is better, the share becomes
``clip(2 * P * canary, canary / 4, 0.5)``: a candidate that looks worse gets fewer evaluations (less
exposure) and one that looks better gets up to half (an earlier decision). ``False`` keeps the share
at ``canary_percentage / 100``. Only the routing changes; the test is the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from parzen._checks import check_bool, check_int, check_real

ARMS = ("incumbent", "candidate")


@dataclass
class CanaryRecord:
    """The state of the current (or last) canary."""

    metrics: dict[str, list[float]] = field(default_factory=lambda: {arm: [] for arm in ARMS})
    shares: list[float] = field(default_factory=list)  # the candidate's share at each route
    status: str = "running"  # running | promoted | rolled_back
    reason: str = ""
    likelihood_ratio: float = 1.0
    # running count, mean and sum of squared deviations per arm (Welford), so a test costs O(1)
    moments: dict[str, list[float]] = field(default_factory=lambda: {arm: [0, 0.0, 0.0] for arm in ARMS})

    def add(self, arm: str, value: float) -> None:
        self.metrics[arm].append(value)
        m = self.moments[arm]
        m[0] += 1
        delta = value - m[1]
        m[1] += delta / m[0]
        m[2] += delta * (value - m[1])


class AdaptiveDeploymentSystem:
    """The seed's ``AdaptiveDeploymentSystem(canary_percentage=10, ai_driven_strategies=True)``."""

    def __init__(self, canary_percentage: float = 10, ai_driven_strategies: bool = True, *,
                 direction: str = "minimize", alpha: float = 0.05, effect_size: float = 0.5, min_samples: int = 10,
                 max_evaluations: int = 10_000, seed: int | None = None) -> None:
        self.canary_percentage = check_real("canary_percentage", canary_percentage, 0.0, 100.0)
        if not 0.0 < self.canary_percentage < 100.0:
            raise ValueError(f"`canary_percentage` must be in (0, 100), got {canary_percentage!r}")
        self.ai_driven_strategies = check_bool("ai_driven_strategies", ai_driven_strategies)
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"`direction` must be 'minimize' or 'maximize', got {direction!r}")
        self.direction = direction
        self.alpha = check_real("alpha", alpha, 0.0, 1.0)
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"`alpha` must be in (0, 1), got {alpha!r}")
        self.effect_size = check_real("effect_size", effect_size, 0.0)
        if self.effect_size == 0.0:
            raise ValueError("`effect_size` must be > 0")
        self.min_samples = check_int("min_samples", min_samples, 2)
        self.max_evaluations = check_int("max_evaluations", max_evaluations, 2)
        self._rng = np.random.default_rng(seed)
        self.incumbent: Any = None
        self.candidate: Any = None
        self.canary: CanaryRecord | None = None
        self.share = self.canary_percentage / 100.0
        self._tau: float | None = None

    # --- the canary ---------------------------------------------------------------------------------
    def deploy(self, incumbent: Any, candidate: Any) -> None:
        """Start a canary of ``candidate`` against ``incumbent`` (any objects, e.g. parameter pytrees)."""
        if self.canary is not None and self.canary.status == "running":
            raise RuntimeError("a canary is already running; wait for it to be promoted or rolled back")
        self.incumbent, self.candidate = incumbent, candidate
        self.canary = CanaryRecord()
        self.share = self.canary_percentage / 100.0
        self._tau = None

    @property
    def status(self) -> str:
        return "idle" if self.canary is None else self.canary.status

    def route(self) -> tuple[str, Any]:
        """Which arm serves the next evaluation, and its parameters."""
        canary = self._running()
        canary.shares.append(self.share)
        arm = "candidate" if self._rng.random() < self.share else "incumbent"
        return arm, self.candidate if arm == "candidate" else self.incumbent

    def record(self, arm: str, metric: float) -> str:
        """Store one evaluation's metric, run the test, and return the canary's status."""
        canary = self._running()
        if arm not in ARMS:
            raise ValueError(f"`arm` must be one of {ARMS}, got {arm!r}")
        canary.add(arm, check_real("metric", metric))
        self._decide(canary)
        return canary.status

    def run(self, evaluate: Callable[[Any], float]) -> CanaryRecord:
        """Route, evaluate and record until the canary is promoted or rolled back."""
        if not callable(evaluate):
            raise TypeError(f"`evaluate` must be callable as evaluate(params) -> float, got {evaluate!r}")
        canary = self._running()
        while canary.status == "running":
            arm, params = self.route()
            self.record(arm, float(evaluate(params)))
        return canary

    # --- the test -----------------------------------------------------------------------------------
    def _running(self) -> CanaryRecord:
        if self.canary is None or self.canary.status != "running":
            raise RuntimeError("no canary is running; call deploy(incumbent, candidate) first")
        return self.canary

    def _decide(self, canary: CanaryRecord) -> None:
        (n_i, mean_i, ss_i), (n_c, mean_c, ss_c) = (canary.moments[arm] for arm in ARMS)
        n_total = int(n_i + n_c)
        if min(n_i, n_c) >= self.min_samples:
            var = ss_i / (n_i - 1) / n_i + ss_c / (n_c - 1) / n_c
            if self._tau is None:
                self._tau = self.effect_size * math.sqrt(max((ss_i + ss_c) / (n_total - 2), 1e-300))
            d = mean_c - mean_i
            better = d < 0 if self.direction == "minimize" else d > 0
            if var <= 0.0:
                lam = math.inf if d != 0.0 else 1.0
            else:
                tau2 = self._tau**2
                log_lam = 0.5 * math.log(var / (var + tau2)) + tau2 * d * d / (2 * var * (var + tau2))
                lam = math.exp(min(log_lam, 700.0))
            canary.likelihood_ratio = lam
            if lam >= 1.0 / self.alpha:
                self._finish(canary, "promoted" if better else "rolled_back",
                             "candidate better" if better else "candidate worse")
                return
            if self.ai_driven_strategies and var > 0.0:
                z = d / math.sqrt(var) * (-1.0 if self.direction == "minimize" else 1.0)
                p_better = 0.5 * math.erfc(-z / math.sqrt(2.0))
                base = self.canary_percentage / 100.0
                self.share = min(0.5, max(base / 4.0, 2.0 * p_better * base))
        if n_total >= self.max_evaluations:
            self._finish(canary, "rolled_back", "inconclusive")

    def _finish(self, canary: CanaryRecord, status: str, reason: str) -> None:
        canary.status, canary.reason = status, reason
        if status == "promoted":
            self.incumbent = self.candidate
        self.candidate = None
