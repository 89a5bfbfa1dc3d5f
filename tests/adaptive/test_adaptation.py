"""The adaptive search space: narrowing around the best trials, widening at a bound, freezing, custom rules."""

from __future__ import annotations

import parzen
from parzen.adaptive import AdaptiveHyperparameterOptimizer, adaptation
from parzen.trial import FrozenTrial, TrialState


def _trials(xs: list[float], values: list[float]) -> list[FrozenTrial]:
    dist = parzen.Float(0.0, 10.0)
    return [FrozenTrial(number=i, trial_id=i, state=TrialState.COMPLETE, values=(v,), params={"x": x},
                        distributions={"x": dist}) for i, (x, v) in enumerate(zip(xs, values))]


def test_narrowing_follows_the_study_direction() -> None:
    space = {"x": parzen.Float(0.0, 10.0)}
    xs = [1.0, 1.5, 2.0, 8.0, 8.5, 9.0, 5.0, 5.5, 4.5, 6.0]
    values = [x for x in xs]  # larger x, larger value
    top_max = adaptation.narrow(space, _trials(xs, values), "maximize")["x"]
    top_min = adaptation.narrow(space, _trials(xs, values), "minimize")["x"]
    assert 5.0 <= top_max.low and top_max.high == 10.0  # around the highest values when maximizing
    assert top_min.low == 0.0 and top_min.high <= 5.0  # around the lowest when minimizing
    assert top_max.high - top_max.low >= 5.0  # never below half the old width


def test_widening_at_a_bound_keeps_the_first_sign_and_the_kind() -> None:
    space = {"x": parzen.Float(0.0, 10.0), "n": parzen.Int(1, 5), "lr": parzen.Float(1e-3, 1e-1, log=True)}
    trial = FrozenTrial(number=0, trial_id=0, state=TrialState.COMPLETE, values=(1.0,),
                        params={"x": 0.0, "n": 5, "lr": 0.1}, distributions=space)
    wide = adaptation.expand(space, [trial] * 3, "maximize")
    assert wide["x"] == parzen.Float(0.0, 10.0)  # at 0, which it started from: no negative x
    assert wide["n"].low == 1 and wide["n"].high == 7 and isinstance(wide["n"], parzen.Int)
    assert wide["lr"].log and wide["lr"].low == 1e-3 and wide["lr"].high > 0.9  # half the log width further


def test_adaptation_finds_an_optimum_outside_the_first_range() -> None:
    def objective(params: dict) -> float:
        return -(params["x"] - 8.0) ** 2  # best at x = 8; the first range stops at 5

    fixed = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=60, random_state=0, adaptation_interval=60)
    _, fixed_best, _ = fixed.optimize(objective, {"x": ("float", 0.0, 5.0)}, direction="maximize")
    adaptive = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=60, random_state=0, adaptation_interval=10,
                                               min_improvement_threshold=0.5)
    best_params, best, history = adaptive.optimize(objective, {"x": ("float", 0.0, 5.0)}, direction="maximize")
    assert fixed_best <= -9.0 + 1e-6  # stuck at the bound x = 5
    assert best > -0.5 and abs(best_params["x"] - 8.0) < 0.75
    assert adaptive.adaptations and adaptive.search_space["x"][2] > 8.0
    # Each trial keeps the space it was drawn from.
    assert history[0]["search_space"]["x"] == ("float", 0.0, 5.0) and history[-1]["search_space"]["x"][2] > 8.0


def test_unimportant_parameters_are_frozen_and_come_back_when_freezing_does_not_pay() -> None:
    def objective(params: dict) -> float:
        return -(params["x"] - 0.3) ** 2  # "noise" does nothing

    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=80, random_state=2, adaptation_interval=10,
                                                min_improvement_threshold=10.0)  # always "stalled"
    _, _, history = optimizer.optimize(objective, {"x": ("float", 0.0, 1.0), "noise": ("float", 0.0, 1.0)},
                                       direction="maximize")
    spaces = [a["search_space"] for a in optimizer.adaptations]
    frozen = [i for i, space in enumerate(spaces) if space["noise"][1] == space["noise"][2]]
    assert len(frozen) == 1  # frozen once, for one round ...
    first = frozen[0]
    after_trial = optimizer.adaptations[first]["after_trial"]
    value = spaces[first]["noise"][1]
    best_then = max(history[: after_trial + 1], key=lambda h: h["value"])
    assert value == best_then["params"]["noise"]  # ... at its value in the best trial so far ...
    assert {h["params"]["noise"] for h in history[after_trial + 1: after_trial + 11]} == {value}
    assert spaces[first + 1]["noise"][1:3] == (0.0, 1.0)  # ... and back when that round stalled too
    assert optimizer.search_space["x"][1] < optimizer.search_space["x"][2]


def test_the_default_sampler_plans_its_strategy_for_the_whole_run() -> None:
    """Rounds of 10 trials, yet the sampler sees the run's budget of 80: it moves from the GP to CMA-ES
    after 30 trials (``late_cmaes_trials``), where planning one round at a time kept the GP to the end."""
    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=80, random_state=0, adaptation_interval=10,
                                                sampler_config={"late_cmaes_trials": 30})
    optimizer.optimize(lambda p: (p["x"] - 1) ** 2 + (p["y"] + 2) ** 2,
                       {"x": ("float", -5.0, 5.0), "y": ("float", -5.0, 5.0)}, direction="minimize")
    chosen = [t.system_attrs.get("auto:sampler") for t in optimizer.study.trials]
    assert chosen[:30] == ["gp"] * 30 and set(chosen[30:]) == {"cmaes-late"}


def test_a_custom_strategy_decides_the_next_space() -> None:
    seen = []

    def strategy(optimizer, trial_history):
        seen.append(len(trial_history))
        return optimizer._narrow_search_space() if len(trial_history) >= 20 else optimizer.search_space

    optimizer = AdaptiveHyperparameterOptimizer(backend="parzen", n_trials=30, random_state=0, adaptation_interval=10)
    optimizer.set_adaptation_strategy(strategy)
    optimizer.optimize(lambda p: -abs(p["x"] - 2), {"x": ("float", 0.0, 10.0)}, direction="maximize")
    assert seen == [10, 20]
    low, high = optimizer.search_space["x"][1:3]
    assert 0.0 < low or high < 10.0
