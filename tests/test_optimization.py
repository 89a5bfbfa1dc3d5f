"""parzen.optimization, the mtaio-style front door: validation, strategies, result fields, failures."""

from __future__ import annotations

import asyncio
import math
import statistics
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from parzen.optimization import (
    BayesianStrategy,
    GridSearchStrategy,
    OptimizationError,
    OptimizationResult,
    OptimizationStrategy,
    Optimizer,
    Parameter,
    ParameterType,
    RandomSearchStrategy,
)
from parzen.study import Study

INT, FLOAT, CAT = ParameterType.INTEGER, ParameterType.FLOAT, ParameterType.CATEGORICAL


def run(strategy: Any, parameters: list[Parameter], objective: Callable[[dict], Awaitable[float]],
        **kwargs: Any) -> OptimizationResult:
    return asyncio.run(Optimizer(strategy).optimize(parameters, objective, **kwargs))


async def quadratic(params: dict) -> float:
    """Smallest (0.0) at x = 0.3."""
    return (params["x"] - 0.3) ** 2


async def n_score(params: dict) -> float:
    """Smallest at the lowest n."""
    return float(params["n"])


X = [Parameter("x", FLOAT, 0.0, 1.0)]


# --- Parameter ---------------------------------------------------------------------------------
def test_parameter_positional_form() -> None:
    p = Parameter("concurrency", INT, 1, 20)
    assert (p.name, p.type, p.min_value, p.max_value, p.choices, p.step) == ("concurrency", INT, 1, 20, None, None)


@pytest.mark.parametrize("kwargs, message", [
    ({"type": INT, "max_value": 3}, "`min_value` is required"),
    ({"type": FLOAT, "min_value": 1.0}, "`max_value` is required"),
    ({"type": INT, "min_value": 5, "max_value": 1}, r"`min_value` \(5\) must be <= `max_value` \(1\)"),
    ({"type": FLOAT, "min_value": 0.0, "max_value": 1.0, "step": 0}, "`step` must be > 0"),
    ({"type": INT, "min_value": 0, "max_value": 10, "step": -2}, "`step` must be > 0"),
    ({"type": INT, "min_value": 0.5, "max_value": 10}, "`min_value` must be an integer"),
    ({"type": INT, "min_value": 0, "max_value": 10, "step": 1.5}, "`step` must be an integer"),
    ({"type": FLOAT, "min_value": 0.0, "max_value": math.inf}, "`max_value` must be a finite number"),
    ({"type": FLOAT, "min_value": "0", "max_value": 1.0}, "`min_value` must be a finite number"),
    ({"type": FLOAT, "min_value": 0.0, "max_value": 1.0, "choices": [1, 2]}, "`choices` applies to CATEGORICAL"),
    ({"type": CAT}, "`choices` must be a non-empty list"),
    ({"type": CAT, "choices": []}, "`choices` must not be empty"),
    ({"type": CAT, "choices": "abc"}, "`choices` must be a non-empty list"),
    ({"type": CAT, "choices": ["a"], "min_value": 0}, "`min_value` applies to numeric parameters only"),
    ({"type": FLOAT, "min_value": 0.0, "max_value": 1.0, "step": 2.0}, r"`step` \(2.0\) exceeds the range"),
    ({"type": INT, "min_value": 0, "max_value": 5, "step": 10}, r"`step` \(10\) exceeds the range"),
])
def test_invalid_parameter_raises_naming_it(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        Parameter(name="knob", **kwargs)
    assert "'knob'" in str(info.value)


def test_parameter_type_and_name_are_checked() -> None:
    with pytest.raises(TypeError, match="'knob': `type` must be a ParameterType"):
        Parameter("knob", "integer", 1, 2)
    with pytest.raises(TypeError, match="`name` must be a non-empty str"):
        Parameter("", INT, 1, 2)


def test_integer_bounds_may_be_integral_floats() -> None:
    result = run(RandomSearchStrategy(seed=0), [Parameter("n", INT, 1.0, 3.0)], n_score, iterations=10)
    assert {type(h["parameters"]["n"]) for h in result.history} == {int}


# --- Optimizer arguments -----------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, message", [
    ({"iterations": 0}, ValueError, "`iterations` must be a positive int"),
    ({"iterations": True}, ValueError, "`iterations` must be a positive int"),
    ({"iterations": 2.5}, ValueError, "`iterations` must be a positive int"),
    ({"timeout": -1}, ValueError, "`timeout` must be >= 0"),
    ({"timeout": "1"}, TypeError, "`timeout` must be a number"),
    ({"concurrency": 0}, ValueError, "`concurrency` must be a positive int"),
])
def test_bad_run_arguments_are_rejected_before_any_evaluation(kwargs: dict, error: type, message: str) -> None:
    calls = []

    async def objective(params: dict) -> float:
        calls.append(params)
        return 0.0

    with pytest.raises(error, match=message):
        run(None, X, objective, **kwargs)
    assert calls == []


def test_bad_parameters_and_objective_are_rejected() -> None:
    with pytest.raises(ValueError, match="non-empty list of Parameter"):
        run(None, [], quadratic)
    with pytest.raises(TypeError, match="must hold Parameter objects"):
        run(None, [{"name": "x"}], quadratic)
    with pytest.raises(ValueError, match="the name 'x' is used twice"):
        run(None, X + X, quadratic)
    with pytest.raises(TypeError, match="`objective` must be an async function"):
        run(None, X, "not callable")
    with pytest.raises(TypeError, match="`strategy` must have an async `optimize` method"):
        Optimizer(strategy=object())


def test_default_strategy_is_random_search() -> None:
    assert isinstance(Optimizer().strategy, RandomSearchStrategy)


# --- result fields -----------------------------------------------------------------------------
def test_result_fields() -> None:
    result = run(RandomSearchStrategy(seed=1), X, quadratic, iterations=30)
    scores = [h["score"] for h in result.history]
    assert result.iterations == len(result.history) == 30
    assert result.score == min(scores) < 0.01
    assert result.parameters == result.history[scores.index(result.score)]["parameters"]
    assert result.improvement == pytest.approx(scores[0] - result.score)
    assert 0 < result.elapsed_time < 5
    assert all(set(h) == {"parameters", "score"} for h in result.history)


def test_improvement_is_computed_from_the_first_finite_score() -> None:
    history = [{"parameters": {}, "score": math.inf}, {"parameters": {}, "score": 4.0},
               {"parameters": {}, "score": 1.5}]
    assert OptimizationResult({}, 1.5, history, 3).improvement == 2.5
    assert OptimizationResult({}, math.inf, history[:1], 1).improvement == 0.0
    assert OptimizationResult({}, 1.5, history, 3, improvement=7.0).improvement == 7.0


def test_categorical_choices_may_be_any_objects() -> None:
    small, large = {"size": "small"}, ("large", 2)
    parameters = [Parameter("shape", CAT, choices=[small, large, None])]

    async def objective(params: dict) -> float:
        return 0.0 if params["shape"] is large else 1.0

    result = run(RandomSearchStrategy(seed=3), parameters, objective, iterations=20)
    assert result.parameters["shape"] is large
    assert {id(h["parameters"]["shape"]) for h in result.history} == {id(small), id(large), id(None)}


# --- failures ----------------------------------------------------------------------------------
def test_infinite_and_nan_scores_are_failed_evaluations_kept_in_history() -> None:
    async def objective(params: dict) -> float:
        if params["x"] < 0.5:
            return math.inf
        if params["x"] < 0.6:
            return math.nan
        return params["x"]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(RandomSearchStrategy(seed=0), X, objective, iterations=40)
    scores = [h["score"] for h in result.history]
    assert len(scores) == 40 and math.inf in scores and any(math.isnan(s) for s in scores)
    assert 0.6 <= result.score == result.parameters["x"] == min(s for s in scores if math.isfinite(s))


def test_all_evaluations_failing_gives_no_parameters() -> None:
    async def objective(params: dict) -> float:
        return math.inf

    result = run(RandomSearchStrategy(seed=0), X, objective, iterations=5)
    assert (result.parameters, result.score, result.iterations, result.improvement) == ({}, math.inf, 5, 0.0)


def test_an_exception_stops_the_run_and_keeps_the_finished_evaluations() -> None:
    calls = []

    async def objective(params: dict) -> float:
        calls.append(params)
        if len(calls) == 5:
            raise ConnectionError("service down")
        return params["x"]

    with pytest.raises(OptimizationError, match="objective raised ConnectionError: service down") as info:
        run(RandomSearchStrategy(seed=0), X, objective, iterations=50)
    partial = info.value.result
    assert isinstance(info.value.__cause__, ConnectionError)
    assert repr(calls[4]["x"]) in str(info.value)
    assert len(calls) == 5 and partial.iterations == 4
    assert [h["parameters"] for h in partial.history] == calls[:4]
    assert partial.score == min(c["x"] for c in calls[:4]) and partial.elapsed_time > 0


def test_a_sync_objective_or_a_non_number_is_reported_clearly() -> None:
    def sync_objective(params: dict) -> float:
        return 1.0

    with pytest.raises(OptimizationError, match="the objective must be async; it returned float") as info:
        run(None, X, sync_objective, iterations=3)
    assert info.value.result.iterations == 0

    async def returns_text(params: dict) -> Any:
        return "fast"

    with pytest.raises(OptimizationError, match="must return a number .* got 'fast'"):
        run(None, X, returns_text, iterations=3)


# --- timeout and concurrency -------------------------------------------------------------------
def test_timeout_stops_between_evaluations_and_returns_the_best_so_far() -> None:
    async def slow(params: dict) -> float:
        await asyncio.sleep(0.01)
        return params["x"]

    result = run(RandomSearchStrategy(seed=0), X, slow, iterations=10_000, timeout=0.1)
    assert 3 <= result.iterations < 100
    assert result.score == min(h["score"] for h in result.history)
    assert result.elapsed_time < 2


def test_timeout_zero_runs_nothing() -> None:
    result = run(None, X, quadratic, timeout=0)
    assert (result.iterations, result.parameters, result.score) == (0, {}, math.inf)


class _Peak:
    """An objective that counts how many evaluations run at once."""

    def __init__(self) -> None:
        self.running = self.peak = 0

    async def __call__(self, params: dict) -> float:
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(0.01)
        self.running -= 1
        return params["x"]


@pytest.mark.parametrize("strategy", [RandomSearchStrategy(), BayesianStrategy(), GridSearchStrategy()])
def test_concurrency_evaluates_several_at_once(strategy: OptimizationStrategy) -> None:
    parameters = [Parameter("x", FLOAT, 0.0, 1.0, step=0.1)]
    peak = _Peak()
    result = run(strategy, parameters, peak, iterations=8, concurrency=4)
    assert peak.peak == 4 and result.iterations == 8
    serial = _Peak()
    run(strategy, parameters, serial, iterations=4)
    assert serial.peak == 1


# --- strategies --------------------------------------------------------------------------------
def test_grid_search_visits_every_point_once_and_stops_when_exhausted() -> None:
    parameters = [Parameter("n", INT, 1, 10, step=3), Parameter("mode", CAT, choices=["a", "b"]),
                  Parameter("rate", FLOAT, 0.0, 1.0, step=0.3)]
    seen = []

    async def objective(params: dict) -> float:
        seen.append(params)
        return abs(params["n"] - 7) + abs(params["rate"] - 0.6) + (params["mode"] == "a")

    result = run(GridSearchStrategy(), parameters, objective, iterations=1000)
    expected = [{"n": n, "mode": m, "rate": r} for n in (1, 4, 7, 10) for m in ("a", "b")
                for r in (0.0, 0.3, 0.6, 0.9)]
    assert seen == expected and result.iterations == 32
    assert result.parameters == {"n": 7, "mode": "b", "rate": 0.6} and result.score == pytest.approx(0.0)


def test_grid_search_seed_shuffles_the_order() -> None:
    parameters = [Parameter("n", INT, 0, 19)]

    def order(seed: Any) -> list[int]:
        result = run(GridSearchStrategy(seed=seed), parameters, n_score, iterations=20)
        return [h["parameters"]["n"] for h in result.history]

    assert order(None) == list(range(20))
    shuffled = order(7)
    assert shuffled != list(range(20)) and sorted(shuffled) == list(range(20)) and order(7) == shuffled


def test_a_grid_larger_than_the_budget_is_sampled_over_its_whole_extent() -> None:
    # 30 x 100 = 3,000 points, 100 evaluations: row-major order would only see x = 0.
    parameters = [Parameter("x", INT, 0, 29), Parameter("y", INT, 0, 99)]

    async def bowl(params: dict) -> float:
        return 1.0 + (params["x"] - 15) ** 2 + (params["y"] - 50) ** 2 / 10

    with pytest.warns(UserWarning, match="the grid has 3000 points but `iterations` is 100"):
        result = run(GridSearchStrategy(), parameters, bowl, iterations=100)
    xs = {h["parameters"]["x"] for h in result.history}
    assert result.iterations == 100 and min(xs) < 5 and max(xs) > 24  # spread over the whole grid
    assert result.score < 12.0  # the optimum is 1.0; row-major order reaches only 1 + 225 + 0 = 226


def test_grid_search_needs_a_step_for_floats() -> None:
    with pytest.raises(ValueError, match="FLOAT parameter 'x' needs a `step`"):
        run(GridSearchStrategy(), X, quadratic)
    result = run(GridSearchStrategy(), [Parameter("x", FLOAT, 0.5, 0.5)], quadratic)
    assert result.iterations == 1 and result.parameters == {"x": 0.5}


def test_random_search_is_reproducible_with_a_seed() -> None:
    def history(seed: int) -> list[dict]:
        return [h["parameters"] for h in run(RandomSearchStrategy(seed=seed), X, quadratic, iterations=10).history]

    assert history(5) == history(5) != history(6)


def test_bayesian_strategy_beats_random_search_on_a_smooth_problem() -> None:
    parameters = [Parameter("x", FLOAT, -5.0, 5.0), Parameter("y", FLOAT, -5.0, 5.0)]

    async def bowl(params: dict) -> float:
        return (params["x"] - 1.0) ** 2 + (params["y"] + 2.0) ** 2

    bayes = [run(BayesianStrategy(seed=s), parameters, bowl, iterations=60).score for s in range(3)]
    random = [run(RandomSearchStrategy(seed=s), parameters, bowl, iterations=60).score for s in range(3)]
    assert statistics.median(bayes) < statistics.median(random) and max(bayes) < 0.1


def test_bayesian_strategy_is_reproducible_with_a_seed() -> None:
    def history(seed: int) -> list[dict]:
        return [h["parameters"] for h in run(BayesianStrategy(seed=seed), X, quadratic, iterations=25).history]

    assert history(2) == history(2) != history(3)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.1", None])
def test_exploration_rate_must_lie_in_zero_one(rate: Any) -> None:
    with pytest.raises(ValueError, match="`exploration_rate` must be a number in \\[0, 1\\]"):
        BayesianStrategy(exploration_rate=rate)


@pytest.mark.parametrize("rate, low, high", [(0.0, 0, 0), (0.3, 40, 80), (1.0, 200, 200)])
def test_exploration_rate_is_the_share_of_random_trials(monkeypatch: pytest.MonkeyPatch, rate: float, low: int,
                                                        high: int) -> None:
    studies: list[Study] = []
    original = Study.optimize_async

    async def spy(self: Study, *args: Any, **kwargs: Any) -> None:
        studies.append(self)
        await original(self, *args, **kwargs)

    monkeypatch.setattr(Study, "optimize_async", spy)
    result = run(BayesianStrategy(exploration_rate=rate, seed=0), X, quadratic, iterations=200)
    explored = [t for t in studies[0].trials if t.system_attrs["explore"]]
    assert low <= len(explored) <= high and result.iterations == 200


def test_exploration_rate_changes_where_late_trials_go() -> None:
    def late_spread(rate: float) -> float:
        result = run(BayesianStrategy(exploration_rate=rate, seed=4), X, quadratic, iterations=60)
        return statistics.median(abs(h["parameters"]["x"] - 0.3) for h in result.history[30:])

    assert late_spread(0.0) < 0.05
    assert late_spread(1.0) > 0.15


# --- custom strategies -------------------------------------------------------------------------
class FirstOfEach(OptimizationStrategy):
    """Evaluates ``iterations`` random points; accepts no timeout or concurrency."""

    async def optimize(self, parameters: list[Parameter], objective: Callable[[dict[str, Any]], Awaitable[float]],
                       iterations: int) -> OptimizationResult:
        history = []
        for _ in range(iterations):
            params = self.generate_params(parameters)
            history.append({"parameters": params, "score": await objective(params)})
        best = min(history, key=lambda h: h["score"])
        return OptimizationResult(best["parameters"], best["score"], history, iterations)


def test_custom_strategy_gets_elapsed_time_and_improvement() -> None:
    result = run(FirstOfEach(seed=0), X, quadratic, iterations=10)
    assert result.elapsed_time > 0 and result.improvement == result.history[0]["score"] - result.score


def test_custom_strategy_without_timeout_is_refused_a_timeout() -> None:
    with pytest.raises(TypeError, match="FirstOfEach.optimize takes no `timeout` argument"):
        run(FirstOfEach(), X, quadratic, timeout=1.0)
    with pytest.raises(TypeError, match="FirstOfEach.optimize takes no `concurrency` argument"):
        run(FirstOfEach(), X, quadratic, concurrency=2)


def test_custom_strategy_that_takes_keywords_receives_them() -> None:
    received = {}

    class Recording(FirstOfEach):
        async def optimize(self, parameters: Any, objective: Any, iterations: int, **options: Any) -> Any:
            received.update(options)
            return await super().optimize(parameters, objective, iterations)

    run(Recording(), X, quadratic, iterations=2, timeout=5.0, concurrency=3)
    assert received == {"timeout": 5.0, "concurrency": 3}


def test_custom_strategy_must_return_a_result() -> None:
    class Broken(OptimizationStrategy):
        async def optimize(self, parameters: Any, objective: Any, iterations: int) -> Any:
            return {"score": 1.0}

    with pytest.raises(TypeError, match="Broken.optimize must return an OptimizationResult"):
        run(Broken(), X, quadratic)


def test_generate_params_draws_valid_points_reproducibly() -> None:
    parameters = [Parameter("n", INT, 1, 1000, step=10), Parameter("rate", FLOAT, 0.1, 10.0, step=0.1),
                  Parameter("mode", CAT, choices=["a", "b", "c"]), Parameter("x", FLOAT, -1.0, 1.0)]
    points = [FirstOfEach(seed=9).generate_params(parameters) for _ in range(2)]
    assert points[0] == points[1]
    strategy = FirstOfEach(seed=1)
    for _ in range(50):
        p = strategy.generate_params(parameters)
        assert list(p) == ["n", "rate", "mode", "x"]
        assert isinstance(p["n"], int) and (p["n"] - 1) % 10 == 0 and 1 <= p["n"] <= 991
        assert 0.1 <= p["rate"] <= 10.0 and round(p["rate"], 1) == p["rate"]
        assert p["mode"] in ("a", "b", "c") and -1.0 <= p["x"] <= 1.0
    with pytest.raises(ValueError, match="non-empty list of Parameter"):
        strategy.generate_params([])
