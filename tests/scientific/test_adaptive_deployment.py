"""AdaptiveDeploymentSystem: canary routing, promotion or rollback by a sequential test, adaptive shares."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from parzen.scientific.adaptive_deployment import AdaptiveDeploymentSystem


def latency(seed: int) -> Callable[[dict[str, float]], float]:
    """A noisy metric: the parameter set's mean plus standard normal noise."""
    rng = np.random.default_rng(seed)
    return lambda params: params["mean"] + rng.normal()


def test_fixed_canary_share_routes_that_fraction() -> None:
    system = AdaptiveDeploymentSystem(canary_percentage=10, ai_driven_strategies=False, seed=0)
    system.deploy({"mean": 1.0}, {"mean": 1.0})
    arms = [system.route()[0] for _ in range(5000)]
    share = arms.count("candidate") / 5000
    assert 0.08 < share < 0.12  # 10%, binomial sd 0.4%


@pytest.mark.parametrize("ai", [True, False])
def test_a_better_candidate_is_promoted_and_a_worse_one_rolled_back(ai: bool) -> None:
    better = AdaptiveDeploymentSystem(canary_percentage=10, ai_driven_strategies=ai, seed=1)
    better.deploy({"mean": 1.0}, {"mean": 0.5})
    record = better.run(latency(2))
    assert record.status == "promoted" and better.status == "promoted" and better.incumbent == {"mean": 0.5}
    assert record.likelihood_ratio >= 1 / better.alpha
    worse = AdaptiveDeploymentSystem(canary_percentage=10, ai_driven_strategies=ai, seed=1)
    worse.deploy({"mean": 1.0}, {"mean": 1.5})
    record = worse.run(latency(3))
    assert record.status == "rolled_back" and record.reason == "candidate worse"
    assert worse.incumbent == {"mean": 1.0}


def test_equal_arms_end_inconclusive_and_maximize_direction() -> None:
    system = AdaptiveDeploymentSystem(canary_percentage=20, ai_driven_strategies=False, max_evaluations=300, seed=4)
    system.deploy({"mean": 1.0}, {"mean": 1.0})
    record = system.run(latency(5))
    assert record.status == "rolled_back" and record.reason == "inconclusive"
    assert sum(len(v) for v in record.metrics.values()) == 300
    accuracy = AdaptiveDeploymentSystem(direction="maximize", ai_driven_strategies=False, seed=6)
    accuracy.deploy({"mean": 1.0}, {"mean": 0.5})
    assert accuracy.run(latency(7)).status == "rolled_back"  # lower is worse when maximizing


def test_ai_driven_shares_follow_the_posterior() -> None:
    exposure = {}
    for ai in (True, False):
        worse_on = []
        for seed in range(5):
            system = AdaptiveDeploymentSystem(canary_percentage=20, ai_driven_strategies=ai, seed=seed)
            system.deploy({"mean": 1.0}, {"mean": 1.4})
            record = system.run(latency(100 + seed))
            assert record.status == "rolled_back"
            worse_on.append(len(record.metrics["candidate"]) / sum(len(v) for v in record.metrics.values()))
        exposure[ai] = np.mean(worse_on)
    assert exposure[True] < 0.75 * exposure[False]  # a worse-looking candidate gets fewer evaluations
    system = AdaptiveDeploymentSystem(canary_percentage=20, ai_driven_strategies=True, seed=0)
    system.deploy({"mean": 1.0}, {"mean": 0.6})
    record = system.run(latency(9))
    assert record.status == "promoted" and max(record.shares) > 0.2  # a better-looking one gets more
    assert min(record.shares) >= 0.05 and max(record.shares) <= 0.5


def test_bad_arguments_and_states() -> None:
    with pytest.raises(ValueError, match="canary_percentage"):
        AdaptiveDeploymentSystem(canary_percentage=0)
    with pytest.raises(TypeError, match="ai_driven_strategies"):
        AdaptiveDeploymentSystem(ai_driven_strategies=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="direction"):
        AdaptiveDeploymentSystem(direction="up")
    system = AdaptiveDeploymentSystem()
    assert system.status == "idle"
    with pytest.raises(RuntimeError, match="deploy"):
        system.route()
    system.deploy(1, 2)
    with pytest.raises(ValueError, match="arm"):
        system.record("canary", 1.0)
    with pytest.raises(RuntimeError, match="already running"):
        system.deploy(1, 3)
