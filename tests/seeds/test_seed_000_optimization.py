"""Every code example of seed 000 (mtaio's optimization API reference) runs against parzen.optimization.

The seed's ``from mtaio.optimization import ...`` becomes ``from parzen.optimization import ...``.
Helpers the seed calls without defining (``run_benchmark``, ``evaluate``, ``measure_latency``, ...)
are small async functions with a known optimum, and each test checks that the optimizer gets near
it; ``mtaio.core.TaskExecutor`` and ``mtaio.monitoring.ResourceMonitor`` are small stand-ins.
The seed's examples build unseeded optimizers, so thresholds leave a wide margin (the chance that
random search misses them in 100 draws is below 1e-4).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import statistics
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Awaitable, Callable

import pytest

from parzen.optimization import (
    BayesianStrategy,
    GridSearchStrategy,
    OptimizationResult,
    OptimizationStrategy,
    Optimizer,
    Parameter,
    ParameterType,
    RandomSearchStrategy,
)

logger = logging.getLogger("seed000")

STRATEGY_PENALTY = {"fast": 0.05, "balanced": 0.0, "thorough": 0.1}


async def run_benchmark(batch_size: int, workers: int, strategy: str) -> SimpleNamespace:
    """A benchmark whose execution time is smallest (0.0) at batch_size=64, workers=8, "balanced"."""
    await asyncio.sleep(0)
    execution_time = ((batch_size - 64) / 100) ** 2 + ((workers - 8) / 10) ** 2 + STRATEGY_PENALTY[strategy]
    return SimpleNamespace(execution_time=execution_time)


def basic_usage_setup() -> tuple[list[Parameter], Callable[[dict], Awaitable[float]]]:
    """The parameters and objective of the seed's "Basic Usage" example, verbatim."""
    # Define parameters to optimize
    parameters = [
        Parameter(
            name="batch_size",
            type=ParameterType.INTEGER,
            min_value=1,
            max_value=100
        ),
        Parameter(
            name="workers",
            type=ParameterType.INTEGER,
            min_value=1,
            max_value=10
        ),
        Parameter(
            name="strategy",
            type=ParameterType.CATEGORICAL,
            choices=["fast", "balanced", "thorough"]
        )
    ]

    # Define objective function
    async def objective(params: dict) -> float:
        # Run benchmark with parameters
        result = await run_benchmark(
            batch_size=params["batch_size"],
            workers=params["workers"],
            strategy=params["strategy"]
        )
        return result.execution_time

    return parameters, objective


def check_result(result: OptimizationResult, iterations: int = 100) -> None:
    """Every field of the seed's OptimizationResult is filled and consistent."""
    scores = [h["score"] for h in result.history]
    assert result.iterations == len(result.history) == iterations
    assert result.score == min(scores)
    assert {"parameters": result.parameters, "score": result.score} in result.history
    first = next(s for s in scores if s != float("inf"))  # improvement counts from the first finite score
    assert result.improvement == pytest.approx(first - result.score)
    assert result.elapsed_time is not None and result.elapsed_time > 0


def test_basic_usage() -> None:
    parameters, objective = basic_usage_setup()

    async def main() -> OptimizationResult:
        # Optimize parameters
        optimizer = Optimizer()
        result = await optimizer.optimize(parameters, objective)
        print(f"Best parameters: {result.parameters}")
        return result

    result = asyncio.run(main())
    check_result(result)
    assert result.score <= 0.1
    for h in result.history:
        p = h["parameters"]
        assert 1 <= p["batch_size"] <= 100 and 1 <= p["workers"] <= 10 and p["strategy"] in STRATEGY_PENALTY
        assert isinstance(p["batch_size"], int) and isinstance(p["workers"], int)


def test_class_reference() -> None:
    """The "Class Reference" block: the signatures and the default strategy."""
    init = inspect.signature(Optimizer.__init__).parameters
    assert init["strategy"].default is None
    assert isinstance(Optimizer().strategy, RandomSearchStrategy)
    optimize = inspect.signature(Optimizer.optimize).parameters
    assert list(optimize)[:5] == ["self", "parameters", "objective", "iterations", "timeout"]
    assert optimize["iterations"].default == 100 and optimize["timeout"].default is None
    assert inspect.iscoroutinefunction(Optimizer.optimize)


def test_parameter_definition() -> None:
    """The "Parameter Definition" block: the dataclass fields and the enum members."""
    fields = [(f.name, f.default) for f in dataclasses.fields(Parameter)]
    assert fields == [("name", dataclasses.MISSING), ("type", dataclasses.MISSING), ("min_value", None),
                      ("max_value", None), ("choices", None), ("step", None)]
    assert [t.name for t in ParameterType] == ["INTEGER", "FLOAT", "CATEGORICAL"]


def test_parameter_examples() -> None:
    # Numeric parameters
    batch_size = Parameter(
        name="batch_size",
        type=ParameterType.INTEGER,
        min_value=1,
        max_value=1000,
        step=10  # Optional step size
    )

    learning_rate = Parameter(
        name="learning_rate",
        type=ParameterType.FLOAT,
        min_value=0.0001,
        max_value=0.1
    )

    # Categorical parameters
    algorithm = Parameter(
        name="algorithm",
        type=ParameterType.CATEGORICAL,
        choices=["sgd", "adam", "rmsprop"]
    )

    async def objective(params: dict) -> float:  # best at batch_size 501, learning_rate 0.01, "adam"
        return abs(params["batch_size"] - 501) / 1000 + abs(params["learning_rate"] - 0.01) * 10 + (
            params["algorithm"] != "adam")

    result = asyncio.run(Optimizer().optimize([batch_size, learning_rate, algorithm], objective))
    check_result(result)
    for h in result.history:
        p = h["parameters"]
        assert (p["batch_size"] - 1) % 10 == 0 and 1 <= p["batch_size"] <= 991  # the step grid below 1000
        assert 0.0001 <= p["learning_rate"] <= 0.1
        assert p["algorithm"] in ("sgd", "adam", "rmsprop")
    assert result.parameters["algorithm"] == "adam" and result.score < 0.5


def test_grid_search_strategy() -> None:
    parameters, objective = basic_usage_setup()

    async def main() -> OptimizationResult:
        optimizer = Optimizer(strategy=GridSearchStrategy())
        result = await optimizer.optimize(parameters, objective)
        return result

    # The 100 x 10 x 3 grid has 3,000 points and the default budget is 100 evaluations: the strategy
    # says so and spreads the 100 over the whole grid (row-major order would stay at batch_size <= 4).
    with pytest.warns(UserWarning, match="the grid has 3000 points but `iterations` is 100"):
        result = asyncio.run(main())
    check_result(result)
    points = [h["parameters"] for h in result.history]
    assert len({tuple(p.values()) for p in points}) == 100  # each grid point at most once
    assert min(p["batch_size"] for p in points) < 20 and max(p["batch_size"] for p in points) > 80
    assert result.score < 0.05  # the optimum is 0.0 at batch_size=64, workers=8, "balanced"


def test_random_search_strategy() -> None:
    parameters, objective = basic_usage_setup()

    async def main() -> OptimizationResult:
        optimizer = Optimizer(strategy=RandomSearchStrategy())
        result = await optimizer.optimize(parameters, objective)
        return result

    result = asyncio.run(main())
    check_result(result)
    assert result.score <= 0.1
    assert len({tuple(h["parameters"].values()) for h in result.history}) > 50  # independent draws


def test_bayesian_strategy() -> None:
    parameters, objective = basic_usage_setup()

    async def main() -> OptimizationResult:
        optimizer = Optimizer(
            strategy=BayesianStrategy(
                exploration_rate=0.1
            )
        )
        result = await optimizer.optimize(parameters, objective)
        return result

    result = asyncio.run(main())
    check_result(result)
    assert result.parameters["strategy"] == "balanced"
    assert result.score <= 0.01  # within ~10 of the best batch size and 1 of the best worker count
    late = [h["score"] for h in result.history[50:]]
    early = [h["score"] for h in result.history[:20]]
    assert statistics.median(late) < statistics.median(early)  # the model concentrates on good points


class CustomStrategy(OptimizationStrategy):
    async def optimize(
        self,
        parameters: list[Parameter],
        objective: Callable[[dict[str, Any]], Awaitable[float]],
        iterations: int,
    ) -> OptimizationResult:
        best_params = None
        best_score = float("inf")
        history = []

        for _ in range(iterations):
            # Generate parameters
            params = self.generate_params(parameters)

            # Evaluate objective
            score = await objective(params)
            history.append({"parameters": params, "score": score})

            # Update best result
            if score < best_score:
                best_score = score
                best_params = params

        return OptimizationResult(
            parameters=best_params,
            score=best_score,
            history=history,
            iterations=iterations
        )


def test_custom_strategy() -> None:
    parameters, objective = basic_usage_setup()
    result = asyncio.run(Optimizer(strategy=CustomStrategy()).optimize(parameters, objective))
    check_result(result)
    assert result.score <= 0.1
    values = {h["parameters"]["strategy"] for h in result.history}
    assert values == {"fast", "balanced", "thorough"}


def test_optimization_result() -> None:
    @dataclass
    class SeedOptimizationResult:
        parameters: dict[str, Any]  # Best parameters found
        score: float                # Best objective score
        history: list[dict[str, Any]]  # Optimization history
        iterations: int             # Total iterations performed
        elapsed_time: float        # Total time taken
        improvement: float         # Improvement from initial score

    seed_fields = [(f.name, f.type) for f in dataclasses.fields(SeedOptimizationResult)]
    assert [name for name, _ in seed_fields] == [f.name for f in dataclasses.fields(OptimizationResult)]
    result = OptimizationResult(parameters={"x": 1}, score=2.0, history=[
        {"parameters": {"x": 3}, "score": 5.0}, {"parameters": {"x": 1}, "score": 2.0}], iterations=2,
        elapsed_time=0.5, improvement=3.0)
    assert (result.parameters, result.score, result.iterations, result.elapsed_time, result.improvement) == (
        {"x": 1}, 2.0, 2, 0.5, 3.0)


def test_parameter_space_constraints() -> None:
    uses: list[tuple[bool, int]] = []

    # Define dependent parameters
    async def objective(params: dict) -> float:
        score = 1.0
        if params["use_feature"] and params["feature_count"] > 0:
            # Use feature with specified count
            uses.append((params["use_feature"], params["feature_count"]))
            score = abs(params["feature_count"] - 7) / 10  # best: the feature with 7 items
        return score

    parameters = [
        Parameter(
            name="use_feature",
            type=ParameterType.CATEGORICAL,
            choices=[True, False]
        ),
        Parameter(
            name="feature_count",
            type=ParameterType.INTEGER,
            min_value=0,
            max_value=10
        )
    ]

    result = asyncio.run(Optimizer().optimize(parameters, objective))
    check_result(result)
    # 5 of the 22 points score <= 0.2; 100 random draws miss them all with chance 1e-11.
    assert result.parameters["use_feature"] is True and abs(result.parameters["feature_count"] - 7) <= 2
    assert result.score <= 0.2
    assert all(use is True for use, _ in uses)


def test_multi_objective_optimization() -> None:
    async def measure_latency(params: dict) -> float:  # falls with more workers
        await asyncio.sleep(0)
        return 10.0 / params["workers"]

    async def measure_memory(params: dict) -> float:  # grows with more workers
        await asyncio.sleep(0)
        return 2.0 * params["workers"]

    async def multi_objective(params: dict) -> float:
        # Calculate multiple metrics
        latency = await measure_latency(params)
        memory = await measure_memory(params)

        # Combine metrics with weights
        return 0.7 * latency + 0.3 * memory

    parameters = [Parameter("workers", ParameterType.INTEGER, 1, 10)]
    result = asyncio.run(Optimizer().optimize(parameters, multi_objective))
    check_result(result)
    # 7 / w + 0.6 w is smallest at w = 3 (3.93; w = 4 gives 4.15).
    assert result.parameters == {"workers": 3}
    assert result.score == pytest.approx(7 / 3 + 1.8)


class TaskExecutor:
    """Stand-in for ``mtaio.core.TaskExecutor``: ``gather`` runs task factories at most ``limit`` at once."""

    def __init__(self) -> None:
        self.entered = 0

    async def __aenter__(self) -> "TaskExecutor":
        self.entered += 1
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def gather(self, *tasks: Callable[[], Awaitable[Any]], limit: int) -> list[Any]:
        semaphore = asyncio.Semaphore(limit)

        async def run(task: Callable[[], Awaitable[Any]]) -> Any:
            async with semaphore:
                return await task()

        return await asyncio.gather(*(run(t) for t in tasks))


TASK_SECONDS = 0.002


async def _io_task() -> None:
    await asyncio.sleep(TASK_SECONDS)


tasks = [_io_task] * 20


def test_performance_optimization() -> None:
    class PerformanceOptimizer:
        def __init__(self):
            self.optimizer = Optimizer()
            self.executor = TaskExecutor()

        async def optimize_performance(self):
            parameters = [
                Parameter("concurrency", ParameterType.INTEGER, 1, 20),
                Parameter("batch_size", ParameterType.INTEGER, 1, 1000)
            ]

            async def objective(params):
                async with self.executor:
                    start_time = time.time()
                    await self.executor.gather(
                        *tasks,
                        limit=params["concurrency"]
                    )
                    return time.time() - start_time

            return await self.optimizer.optimize(parameters, objective)

    performance = PerformanceOptimizer()
    result = asyncio.run(performance.optimize_performance())
    check_result(result)
    assert performance.executor.entered == 100
    # 20 tasks of 2 ms take ceil(20 / concurrency) rounds: one or two rounds need concurrency >= 10.
    assert result.parameters["concurrency"] >= 10
    assert result.score < 20 * TASK_SECONDS


@dataclass
class _Memory:
    used: float
    total: float


class ResourceMonitor:
    """Stand-in for ``mtaio.monitoring.ResourceMonitor``: reports the memory of the simulated workload."""

    def __init__(self) -> None:
        self.memory = _Memory(used=0.0, total=1.0)

    async def get_current_stats(self) -> SimpleNamespace:
        await asyncio.sleep(0)
        return SimpleNamespace(memory=_Memory(self.memory.used, self.memory.total))


class ResourceOptimizer:
    def __init__(self):
        self.optimizer = Optimizer()
        self.monitor = ResourceMonitor()

    async def optimize_resources(self):
        parameters = [
            Parameter("memory_limit", ParameterType.INTEGER, 100, 1000),
            Parameter("cpu_limit", ParameterType.INTEGER, 1, 8)
        ]

        async def objective(params):
            # Configure resources
            await self.configure_limits(params)

            # Run workload
            await self.run_workload()

            # Get resource metrics
            stats = await self.monitor.get_current_stats()
            return stats.memory.used / stats.memory.total

        return await self.optimizer.optimize(parameters, objective)


class SimulatedResourceOptimizer(ResourceOptimizer):
    """The two methods the seed's ResourceOptimizer calls but does not define.

    The workload needs 90 MB plus 10 MB per CPU; the share of the memory limit it uses is
    smallest, 0.1, at memory_limit=1000 and cpu_limit=1.
    """

    async def configure_limits(self, params: dict) -> None:
        self.limits = dict(params)

    async def run_workload(self) -> None:
        await asyncio.sleep(0)
        self.monitor.memory = _Memory(used=90.0 + 10.0 * self.limits["cpu_limit"], total=self.limits["memory_limit"])


def test_resource_optimization() -> None:
    result = asyncio.run(SimulatedResourceOptimizer().optimize_resources())
    check_result(result)
    assert 0.1 <= result.score <= 0.2
    assert result.parameters["memory_limit"] >= 500


def test_parameter_configuration() -> None:
    # Define reasonable parameter ranges
    parameters = [
        Parameter(
            name="timeout",
            type=ParameterType.FLOAT,
            min_value=0.1,
            max_value=10.0,
            step=0.1  # Avoid too fine granularity
        )
    ]

    # Use appropriate parameter types
    categorical_param = Parameter(
        name="strategy",
        type=ParameterType.CATEGORICAL,
        choices=["fast", "balanced"]  # Limited choices
    )

    async def objective(params: dict) -> float:
        return abs(params["timeout"] - 2.5) + (params["strategy"] == "fast")

    result = asyncio.run(Optimizer(GridSearchStrategy()).optimize(parameters + [categorical_param], objective,
                                                                   iterations=1000))
    # The grid is 100 timeouts (0.1, 0.2, ..., 10.0) times 2 strategies; it stops when exhausted.
    assert result.iterations == 200
    timeouts = sorted({h["parameters"]["timeout"] for h in result.history})
    assert timeouts == [round(0.1 * k, 1) for k in range(1, 101)]
    assert result.parameters == {"timeout": 2.5, "strategy": "balanced"} and result.score == 0.0


def test_objective_function_design() -> None:
    evaluations: list[float] = []

    async def evaluate(params: dict) -> float:
        """Fails for timeouts under 1 s; otherwise a noisy measurement that is best at 3 s."""
        await asyncio.sleep(0)
        if params["timeout"] < 1.0:
            raise ConnectionError("the service timed out")
        evaluations.append(params["timeout"])
        return abs(params["timeout"] - 3.0) + 0.01 * (len(evaluations) % 3)

    async def robust_objective(params: dict) -> float:
        try:
            # Multiple evaluation runs
            scores = []
            for _ in range(3):
                score = await evaluate(params)
                scores.append(score)

            # Return average score
            return statistics.mean(scores)
        except Exception as e:
            # Handle failures gracefully
            logger.error(f"Evaluation failed: {e}")
            return float("inf")

    parameters = [Parameter("timeout", ParameterType.FLOAT, 0.1, 10.0, step=0.1)]
    result = asyncio.run(Optimizer().optimize(parameters, robust_objective))
    check_result(result)
    failed = [h for h in result.history if h["score"] == float("inf")]
    assert all(h["parameters"]["timeout"] < 1.0 for h in failed)
    assert len(failed) > 0  # 9 of the 100 grid values fail; 100 draws miss them all with chance 1e-4
    assert result.score != float("inf") and abs(result.parameters["timeout"] - 3.0) <= 0.5
