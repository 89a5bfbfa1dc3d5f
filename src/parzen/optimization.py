"""mtaio-style async optimization: ``Optimizer``, ``Parameter`` and search strategies over parzen's core.

This module is a front door (see DESIGN.md): it translates the API of mtaio's ``optimization``
module into core calls and back, and holds no sampling or scheduling of its own. Each built-in
strategy runs one in-memory :class:`parzen.Study` through :meth:`parzen.Study.optimize_async`
(so ``iterations``, ``timeout`` and ``concurrency`` are the core's ``n_trials``, ``timeout`` and
``concurrency``) with the sampler that the strategy names:

* :class:`RandomSearchStrategy` -> :class:`parzen.RandomSampler`;
* :class:`GridSearchStrategy` -> :class:`parzen.GridSampler`, which stops the study when every
  grid point has run;
* :class:`BayesianStrategy` -> :class:`parzen.samplers.TPESampler` inside a
  :class:`parzen.samplers.ExplorationSampler`, which draws a trial uniformly at random instead with
  probability ``exploration_rate``.

Scores are minimized. A score of ``inf`` or NaN, which the seed's best practice returns for a
failed evaluation, marks the trial failed: it stays in ``history`` but is never the best and the
model does not learn from it. An exception raised by the objective stops the run (running
evaluations finish) and surfaces as :class:`OptimizationError`, whose ``result`` holds every
evaluation that finished.
"""

from __future__ import annotations

import abc
import dataclasses
import inspect
import math
import numbers
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, auto
from typing import Any

import numpy as np

from parzen.exceptions import ParzenError
from parzen.execution.async_optimize import check_concurrency
from parzen.execution.budget import check_budget
from parzen.samplers import ExplorationSampler, GridSampler, RandomSampler, Sampler
from parzen.samplers._base import make_rng
from parzen.samplers.random import draw_space
from parzen.space import Categorical, Distribution, Float, Int
from parzen.study import Study, create_study
from parzen.trial import Trial, TrialState

__all__ = [
    "BayesianStrategy", "GridSearchStrategy", "OptimizationError", "OptimizationResult", "OptimizationStrategy",
    "Optimizer", "Parameter", "ParameterType", "RandomSearchStrategy",
]

Objective = Callable[[dict[str, Any]], Awaitable[float]]


class ParameterType(Enum):
    """The kind of values a :class:`Parameter` takes."""

    INTEGER = auto()
    FLOAT = auto()
    CATEGORICAL = auto()


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass
class Parameter:
    """One parameter to optimize: a numeric range ``[min_value, max_value]`` or a list of ``choices``.

    ``step`` puts a numeric parameter on the grid ``min_value + k * step`` (the largest such value
    not above ``max_value`` is the top); an INTEGER parameter without a step takes every integer
    of its range. A definition that cannot work raises at construction, naming the parameter.
    """

    name: str
    type: ParameterType
    min_value: int | float | None = None
    max_value: int | float | None = None
    choices: list[Any] | None = None
    step: int | float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Parameter: `name` must be a non-empty str, got {self.name!r}")
        if not isinstance(self.type, ParameterType):
            raise TypeError(f"Parameter {self.name!r}: `type` must be a ParameterType, got {self.type!r}")
        if self.type is ParameterType.CATEGORICAL:
            self._check_categorical()
        else:
            self._check_numeric()

    def _fail(self, message: str) -> ValueError:
        return ValueError(f"Parameter {self.name!r} ({self.type.name}): {message}")

    def _check_categorical(self) -> None:
        for field_name in ("min_value", "max_value", "step"):
            if getattr(self, field_name) is not None:
                raise self._fail(f"`{field_name}` applies to numeric parameters only; give `choices`")
        if isinstance(self.choices, (str, bytes)) or not isinstance(self.choices, Sequence):
            raise self._fail(f"`choices` must be a non-empty list, got {self.choices!r}")
        if not self.choices:
            raise self._fail("`choices` must not be empty")

    def _check_numeric(self) -> None:
        if self.choices is not None:
            raise self._fail("`choices` applies to CATEGORICAL parameters only")
        integer = self.type is ParameterType.INTEGER
        for field_name in ("min_value", "max_value", "step"):
            value = getattr(self, field_name)
            if value is None:
                if field_name != "step":
                    raise self._fail(f"`{field_name}` is required")
                continue
            if not _is_real(value) or not math.isfinite(value):
                raise self._fail(f"`{field_name}` must be a finite number, got {value!r}")
            if integer and not float(value).is_integer():
                raise self._fail(f"`{field_name}` must be an integer, got {value!r}")
        assert self.min_value is not None and self.max_value is not None  # required, checked above
        if self.min_value > self.max_value:
            raise self._fail(f"`min_value` ({self.min_value}) must be <= `max_value` ({self.max_value})")
        if self.step is not None and not self.step > 0:
            raise self._fail(f"`step` must be > 0, got {self.step!r}")
        if self.step is not None and self.step > self.max_value - self.min_value > 0:
            raise self._fail(f"`step` ({self.step}) exceeds the range [{self.min_value}, {self.max_value}], "
                             "which would leave one value; use a smaller step or equal bounds")


def _distribution(p: Parameter) -> Distribution:
    """The core distribution of ``p``; categories are encoded as their index, so any object can be a choice."""
    if p.type is ParameterType.CATEGORICAL:
        assert p.choices is not None
        return Categorical(tuple(range(len(p.choices))))
    assert p.min_value is not None and p.max_value is not None  # a numeric Parameter has both
    if p.type is ParameterType.INTEGER:
        low, high, step = int(p.min_value), int(p.max_value), int(p.step or 1)
        return Int(low, low + (high - low) // step * step, step=step)
    if p.step is None:
        return Float(p.min_value, p.max_value)
    n_steps = math.floor((p.max_value - p.min_value) / p.step + 1e-9)
    top = float(Decimal(repr(float(p.min_value))) + n_steps * Decimal(repr(float(p.step))))
    return Float(p.min_value, top, step=p.step)


class _Space:
    """A list of Parameters as a core search space, and core values back as the user's values."""

    def __init__(self, parameters: Sequence[Parameter]) -> None:
        self.parameters = list(parameters)
        self.distributions = {p.name: _distribution(p) for p in self.parameters}

    def decode(self, core_params: dict[str, Any]) -> dict[str, Any]:
        return {p.name: p.choices[core_params[p.name]] if p.choices is not None else core_params[p.name]
                for p in self.parameters}

    def random_core_params(self, seed: int) -> dict[str, Any]:
        """A uniform random point, drawn as the core's RandomSampler draws it."""
        return draw_space(self.distributions, make_rng(seed))


def _check_parameters(parameters: Any) -> None:
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence) or not parameters:
        raise ValueError(f"`parameters` must be a non-empty list of Parameter, got {parameters!r}")
    seen = set()
    for p in parameters:
        if not isinstance(p, Parameter):
            raise TypeError(f"`parameters` must hold Parameter objects, got {p!r}")
        if p.name in seen:
            raise ValueError(f"`parameters`: the name {p.name!r} is used twice")
        seen.add(p.name)


def _check_run(parameters: Any, objective: Any, iterations: Any, timeout: Any, concurrency: Any) -> None:
    """Reject bad arguments of an optimize call before any evaluation starts."""
    _check_parameters(parameters)
    if not callable(objective):
        raise TypeError(f"`objective` must be an async function of a params dict, got {objective!r}")
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) or iterations < 1:
        raise ValueError(f"`iterations` must be a positive int, got {iterations!r}")
    check_budget(None, timeout)
    check_concurrency(concurrency)


@dataclass
class OptimizationResult:
    """What an optimization found.

    ``history`` lists every finished evaluation as ``{"parameters": ..., "score": ...}`` in the order
    the evaluations started; ``iterations`` is how many ran. ``improvement`` is the first finite
    score minus the best score (computed from ``history`` when not given). ``elapsed_time`` is in
    seconds; :class:`Optimizer` fills it for a strategy that leaves it None. When no evaluation
    succeeded, ``parameters`` is empty and ``score`` is ``inf``.
    """

    parameters: dict[str, Any]
    score: float
    history: list[dict[str, Any]]
    iterations: int
    elapsed_time: float | None = None
    improvement: float | None = None

    def __post_init__(self) -> None:
        if self.improvement is None:
            first = next((h["score"] for h in self.history if math.isfinite(h["score"])), None)
            self.improvement = 0.0 if first is None or not math.isfinite(self.score) else first - self.score


class OptimizationError(ParzenError):
    """The objective raised; ``result`` holds the evaluations that finished, ``__cause__`` the exception."""

    def __init__(self, message: str, result: OptimizationResult) -> None:
        super().__init__(message)
        self.result = result


class _NotFinite(Exception):
    """The objective returned inf or NaN: a failed evaluation by the seed's convention (in ``catch``)."""


class _Evaluations:
    """The core objective: turns each trial into the user's params dict, awaits the user's objective,
    and keeps the user-facing record the result is built from."""

    def __init__(self, space: _Space, objective: Objective) -> None:
        self.space = space
        self.objective = objective
        self.records: dict[int, dict[str, Any]] = {}
        self.failure: tuple[dict[str, Any], Exception] | None = None

    async def __call__(self, trial: Trial) -> float:
        core = {name: trial.suggest(name, dist) for name, dist in self.space.distributions.items()}
        params = self.space.decode(core)
        try:
            outcome = self.objective(dict(params))
            if not inspect.isawaitable(outcome):
                raise TypeError(f"the objective must be async; it returned {type(outcome).__name__}")
            score = await outcome
            if not _is_real(score):
                raise TypeError(f"the objective must return a number (the score to minimize), got {score!r}")
        except Exception as exc:
            if self.failure is None:
                self.failure = (params, exc)
            raise
        self.records[trial.number] = {"parameters": params, "score": float(score)}
        if not math.isfinite(score):
            raise _NotFinite(f"the objective returned {score}")
        return float(score)

    def result(self, study: Study, started: float) -> OptimizationResult:
        history = [dict(self.records[n]) for n in sorted(self.records)]
        if study.get_trials((TrialState.COMPLETE,)):
            best = study.best_trial
            parameters, score = dict(self.records[best.number]["parameters"]), float(study.best_value)
        else:
            parameters, score = {}, math.inf
        return OptimizationResult(parameters=parameters, score=score, history=history,
                                  iterations=len(history), elapsed_time=time.monotonic() - started)


class OptimizationStrategy(abc.ABC):
    """Base of the search strategies; subclass it and implement :meth:`optimize` for your own.

    ``seed`` makes :meth:`generate_params` (and a built-in strategy's choices) reproducible.
    """

    seed: int | None = None
    _rng: np.random.Generator | None = None

    def __init__(self, seed: int | None = None) -> None:
        make_rng(seed)  # rejects a bad seed now
        self.seed = seed

    def _random_state(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = make_rng(self.seed)
        return self._rng

    def _next_seed(self) -> int:
        return int(self._random_state().integers(2**31))

    @abc.abstractmethod
    async def optimize(self, parameters: list[Parameter], objective: Objective,
                       iterations: int) -> OptimizationResult:
        """Minimize ``objective`` over ``parameters`` in at most ``iterations`` evaluations."""

    def generate_params(self, parameters: list[Parameter]) -> dict[str, Any]:
        """A uniform random point of ``parameters``, drawn by parzen's RandomSampler."""
        _check_parameters(parameters)
        space = _Space(parameters)
        return space.decode(space.random_core_params(self._next_seed()))


class _StudyStrategy(OptimizationStrategy):
    """A strategy that is one core sampler driven by ``Study.optimize_async``."""

    @abc.abstractmethod
    def _sampler(self, space: _Space, iterations: int) -> Sampler:
        """The core sampler of a run of at most ``iterations`` evaluations."""

    async def optimize(self, parameters: list[Parameter], objective: Objective, iterations: int,
                       timeout: float | None = None, concurrency: int = 1) -> OptimizationResult:
        """Minimize ``objective`` in at most ``iterations`` evaluations, ``concurrency`` of them at once.

        Past ``timeout`` seconds no new evaluation starts; the running ones finish and the best so far
        is returned. Raises :class:`OptimizationError` (with the partial result) if the objective raises.
        """
        _check_run(parameters, objective, iterations, timeout, concurrency)
        started = time.monotonic()
        space = _Space(parameters)
        study = create_study(sampler=self._sampler(space, iterations))
        evaluations = _Evaluations(space, objective)
        try:
            await study.optimize_async(evaluations, n_trials=iterations, timeout=timeout, concurrency=concurrency,
                                       catch=(_NotFinite,))
        except Exception:
            if evaluations.failure is None:
                raise
            params, error = evaluations.failure
            result = evaluations.result(study, started)
            raise OptimizationError(
                f"the objective raised {type(error).__name__}: {error} (parameters {params}); "
                f"{result.iterations} evaluation(s) finished before the run stopped, best score {result.score} "
                "(the partial result is in `.result`)",
                result,
            ) from error
        return evaluations.result(study, started)


class RandomSearchStrategy(_StudyStrategy):
    """Independent uniform draws from the whole space (parzen's RandomSampler)."""

    def _sampler(self, space: _Space, iterations: int) -> Sampler:
        return RandomSampler(seed=self._next_seed())


class GridSearchStrategy(_StudyStrategy):
    """Every combination of the parameters' values once (parzen's GridSampler), stopping early when
    the grid is exhausted.

    INTEGER parameters take every ``step``-th integer (``step`` 1 by default), FLOAT parameters need a
    ``step``, CATEGORICAL ones take each choice. Points run in row-major order over the parameters
    as listed (the last varies fastest), or in an order shuffled by ``seed`` when one is given.
    When the grid has more points than ``iterations``, row-major order would explore one corner, so
    the points are shuffled (by ``seed``, or by a fixed seed without one) to spread the evaluated
    subset over the whole grid, with a warning that gives the grid's size.
    """

    def _sampler(self, space: _Space, iterations: int) -> Sampler:
        for p in space.parameters:
            if p.type is ParameterType.FLOAT and p.step is None and p.min_value != p.max_value:
                raise ValueError(f"GridSearchStrategy: FLOAT parameter {p.name!r} needs a `step` to make a grid")
        seed = None if self.seed is None else self._next_seed()
        n_points = GridSampler(space.distributions).n_points
        if n_points > iterations:
            warnings.warn(f"GridSearchStrategy: the grid has {n_points} points but `iterations` is {iterations}; "
                          f"evaluating {iterations} of them spread at random over the whole grid", stacklevel=4)
            seed = 0 if seed is None else seed
        return GridSampler(space.distributions, seed=seed)


class BayesianStrategy(_StudyStrategy):
    """Model-based search: parzen's TPE sampler proposes each point from the scores seen so far.

    With probability ``exploration_rate`` a trial is drawn uniformly at random instead (the core's
    :class:`parzen.samplers.ExplorationSampler` around TPE): 0 trusts the model fully, 1 is random
    search. TPE keeps its cost per trial in milliseconds, which suits the many cheap evaluations of
    tuning async code.
    """

    def __init__(self, exploration_rate: float = 0.1, seed: int | None = None) -> None:
        super().__init__(seed)
        if not _is_real(exploration_rate) or not 0.0 <= exploration_rate <= 1.0:
            raise ValueError(
                f"BayesianStrategy: `exploration_rate` must be a number in [0, 1], got {exploration_rate!r}"
            )
        self.exploration_rate = float(exploration_rate)

    def _sampler(self, space: _Space, iterations: int) -> Sampler:
        from parzen.samplers.tpe import TPESampler

        return ExplorationSampler(TPESampler(seed=self._next_seed()), self.exploration_rate, seed=self._next_seed())


class Optimizer:
    """Finds the parameters that minimize an async objective, with the given strategy.

    ``strategy`` defaults to :class:`RandomSearchStrategy`. Any object with an async
    ``optimize(parameters, objective, iterations)`` works as a strategy.
    """

    def __init__(self, strategy: OptimizationStrategy | None = None) -> None:
        if strategy is None:
            strategy = RandomSearchStrategy()
        elif not callable(getattr(strategy, "optimize", None)):
            raise TypeError(f"`strategy` must have an async `optimize` method, got {strategy!r}")
        self.strategy = strategy

    async def optimize(self, parameters: list[Parameter], objective: Objective, iterations: int = 100,
                       timeout: float | None = None, concurrency: int = 1) -> OptimizationResult:
        """Minimize ``objective`` over ``parameters`` in at most ``iterations`` evaluations.

        ``timeout`` (seconds) starts no evaluation after it has passed and returns the best so far;
        ``concurrency`` evaluates that many at once on the running event loop. A strategy whose
        ``optimize`` takes no ``timeout`` or ``concurrency`` argument is refused when one is given,
        rather than silently ignoring it. Raises :class:`OptimizationError` if the objective raises.
        """
        _check_run(parameters, objective, iterations, timeout, concurrency)
        options: dict[str, Any] = {}
        if timeout is not None:
            options["timeout"] = timeout
        if concurrency != 1:
            options["concurrency"] = concurrency
        accepted = inspect.signature(self.strategy.optimize).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
        for name in options:
            if name not in accepted and not takes_any:
                raise TypeError(f"{type(self.strategy).__name__}.optimize takes no `{name}` argument; "
                                f"run it without `{name}` or implement it in the strategy")
        started = time.monotonic()
        result = await self.strategy.optimize(parameters, objective, iterations, **options)
        if not isinstance(result, OptimizationResult):
            raise TypeError(
                f"{type(self.strategy).__name__}.optimize must return an OptimizationResult, got {result!r}"
            )
        if result.elapsed_time is None:
            result = dataclasses.replace(result, elapsed_time=time.monotonic() - started)
        return result
