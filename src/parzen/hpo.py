"""Front door: entrenar-style hyperparameter optimization (``SearchSpace``, ``BayesianOptimizer``, ...).

This module translates the API of entrenar's ``optim::hpo`` into calls on parzen's core and back;
it samples, stores and schedules nothing itself:

* ``ParameterDef`` kinds become :class:`parzen.Float` / :class:`parzen.Int` / :class:`parzen.Categorical`.
* ``BayesianOptimizer`` is a :class:`parzen.Study` with a :class:`parzen.samplers.TPESampler`; its trial
  budget is the core's :class:`parzen.execution.budget.Budget`; a trial id is the core trial number.
* ``MultiObjectiveOptimizer`` is a study with several directions; its Pareto front is ``study.best_trials``.
* ``GridSearch`` lists the points of a :class:`parzen.GridSampler`; ``RandomSearch`` draws points as
  :class:`parzen.RandomSampler` does (:func:`parzen.samplers.random.draw_space`), without a study.
* ``MedianPruner`` builds the core :class:`parzen.pruners.MedianPruner`.
* A checkpoint is the core's study file (:mod:`parzen.export`): every finished trial, with the space
  and the optimizer's settings in its metadata. Resuming creates a new study and adds the saved
  trials to it (:func:`parzen.export.add_trials`), so params, values, states and intermediate values
  come back exactly, and so do ids when no trial was running at save time (trials are numbered in
  order; a running trial is not saved, so later ids close the gap it leaves).

Optimizers are safe to share between threads without a lock of your own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import math
import numbers
import os
import threading
from typing import Any, Iterator, Mapping, Sequence

from parzen._checks import check_int
from parzen.exceptions import TrialFinishedError
from parzen.space import Categorical as _Categorical
from parzen.space import Distribution, check_distribution
from parzen.space import Float as _Float
from parzen.space import Int as _Int

__all__ = [
    "BayesianOptimizer", "GridSearch", "MedianPruner", "MultiObjectiveOptimizer", "ParameterDef",
    "RandomSearch", "SearchSpace", "Trial", "TrialState",
]

_CHECKPOINT_KEY = "parzen.hpo"  # the study file's metadata entry that holds an optimizer's settings


class TrialState(enum.Enum):
    """State of a trial, as entrenar names them (the core's RUNNING, COMPLETE, PRUNED, FAIL)."""

    Running = "Running"
    Complete = "Complete"
    Pruned = "Pruned"
    Failed = "Failed"

    def _core(self) -> Any:
        from parzen.trial import TrialState as CoreState

        return {"Running": CoreState.RUNNING, "Complete": CoreState.COMPLETE,
                "Pruned": CoreState.PRUNED, "Failed": CoreState.FAIL}[self.value]

    @classmethod
    def _from_core(cls, state: Any) -> "TrialState":
        return {0: cls.Running, 1: cls.Complete, 2: cls.Pruned, 3: cls.Failed, 4: cls.Running}[int(state)]


# --- search space ----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ParameterDef:
    """How one hyperparameter is sampled. Build it with the constructors named after entrenar's variants.

    Definitions are checked when added to a :class:`SearchSpace`, where the error can name the parameter.
    """

    kind: str
    low: Any = None
    high: Any = None
    values: tuple[Any, ...] | None = None

    _KINDS = ("uniform", "log_uniform", "int_uniform", "discrete", "categorical")

    @classmethod
    def Uniform(cls, low: float, high: float) -> "ParameterDef":  # noqa: N802 - entrenar's variant name
        """A real number drawn uniformly from [low, high]."""
        return cls("uniform", low, high)

    @classmethod
    def LogUniform(cls, low: float, high: float) -> "ParameterDef":  # noqa: N802
        """A real number in [low, high] drawn uniformly in log space (learning rates); needs low > 0."""
        return cls("log_uniform", low, high)

    @classmethod
    def IntUniform(cls, low: int, high: int) -> "ParameterDef":  # noqa: N802
        """An integer in [low, high], both ends included."""
        return cls("int_uniform", low, high)

    @classmethod
    def Discrete(cls, values: Sequence[float]) -> "ParameterDef":  # noqa: N802
        """One of a list of numbers (e.g. batch sizes)."""
        return cls("discrete", values=_as_tuple(values))

    @classmethod
    def Categorical(cls, values: Sequence[Any]) -> "ParameterDef":  # noqa: N802
        """One of a list of choices, usually strings (e.g. activation functions)."""
        return cls("categorical", values=_as_tuple(values))

    def to_distribution(self, name: str) -> Distribution:
        """The core distribution of parameter ``name``; a bad definition raises an error naming it."""
        dist: Distribution
        if self.kind in ("uniform", "log_uniform"):
            dist = _Float(self.low, self.high, log=self.kind == "log_uniform")
        elif self.kind == "int_uniform":
            dist = _Int(self.low, self.high)
        elif self.kind in ("discrete", "categorical"):
            numbers_only = self.kind == "discrete"
            for v in self.values or ():
                if numbers_only and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
                    raise TypeError(f"parameter {name!r}: Discrete values must be numbers, got {v!r}; "
                                    "use Categorical for other values")
            dist = _Categorical(self.values or ())
        else:
            raise ValueError(f"parameter {name!r}: unknown kind {self.kind!r}; expected one of {list(self._KINDS)}")
        return check_distribution(name, dist)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the same as one entry of a sweep's search-space YAML file."""
        if self.values is not None:
            return {"type": self.kind, "values": list(self.values)}
        return {"type": self.kind, "low": self.low, "high": self.high}

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> "ParameterDef":
        """Read ``{"type": "log_uniform", "low": 1e-5, "high": 0.1}`` or ``{"type": "discrete", "values": [...]}``."""
        if not isinstance(data, Mapping) or "type" not in data:
            raise ValueError(f"parameter {name!r}: expected a mapping with a `type`, got {data!r}")
        kind = data["type"]
        if kind not in cls._KINDS:
            raise ValueError(f"parameter {name!r}: unknown type {kind!r}; expected one of {list(cls._KINDS)}")
        wanted = {"values"} if kind in ("discrete", "categorical") else {"low", "high"}
        given = set(data) - {"type"}
        if given != wanted:
            raise ValueError(f"parameter {name!r}: type {kind!r} takes {sorted(wanted)}, got {sorted(given)}")
        if kind in ("discrete", "categorical"):
            try:
                return cls(kind, values=_as_tuple(data["values"]))
            except TypeError as exc:
                raise TypeError(f"parameter {name!r}: {exc}") from None
        return cls(kind, _yaml_number(name, "low", data["low"]), _yaml_number(name, "high", data["high"]))


def _as_tuple(values: Any) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"`values` must be a list, got {values!r}")
    return tuple(values)


def _yaml_number(name: str, field: str, value: Any) -> Any:
    """``value`` as a number: YAML 1.1 reads ``1e-5`` (no dot) as a string, so numeric strings are accepted."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"parameter {name!r}: `{field}` must be a number, got {value!r}") from None
    return value


class SearchSpace:
    """Named hyperparameters. ``add`` returns a new space, so spaces can be chained and shared safely."""

    def __init__(self) -> None:
        self._defs: dict[str, ParameterDef] = {}
        self._dists: dict[str, Distribution] = {}

    def add(self, name: str, definition: ParameterDef) -> "SearchSpace":
        """A copy of this space with parameter ``name`` added (checked now; a repeated name is an error)."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"a parameter name must be a non-empty str, got {name!r}")
        if name in self._defs:
            raise ValueError(f"parameter {name!r} is already in the search space")
        if not isinstance(definition, ParameterDef):
            raise TypeError(f"parameter {name!r}: expected a ParameterDef, got {definition!r}")
        dist = definition.to_distribution(name)
        out = SearchSpace()
        out._defs = {**self._defs, name: definition}
        out._dists = {**self._dists, name: dist}
        return out

    @property
    def distributions(self) -> dict[str, Distribution]:
        """The space in the core's terms (name -> Float / Int / Categorical)."""
        return dict(self._dists)

    @property
    def names(self) -> list[str]:
        return list(self._defs)

    def __len__(self) -> int:
        return len(self._defs)

    def __contains__(self, name: object) -> bool:
        return name in self._defs

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """JSON/YAML-ready form: ``{name: {"type": ..., ...}}``."""
        return {name: d.to_dict() for name, d in self._defs.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SearchSpace":
        """The space written by :meth:`to_dict` (also the format of a sweep's YAML file)."""
        if not isinstance(data, Mapping) or not data:
            raise ValueError(
                f"a search space must be a non-empty mapping of parameter names to definitions, got {data!r}")
        space = cls()
        for name, spec in data.items():
            space = space.add(name, ParameterDef.from_dict(name, spec))
        return space

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self._defs == other._defs

    def __repr__(self) -> str:
        return f"SearchSpace({self.to_dict()!r})"


# --- trials ----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Trial:
    """One trial as the user sees it: ``id``, ``params`` (plain values) and, once told, its outcome.

    ``value`` is the objective of a single-objective trial; ``values`` holds every objective.
    """

    id: int
    params: dict[str, Any]
    state: TrialState = TrialState.Running
    values: tuple[float, ...] | None = None
    intermediate_values: dict[int, float] = dataclasses.field(default_factory=dict)

    @property
    def value(self) -> float | None:
        if self.values is None:
            return None
        if len(self.values) != 1:
            raise RuntimeError(f"trial {self.id} has {len(self.values)} objective values; use `values`")
        return self.values[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (intermediate steps become string keys, as JSON requires)."""
        return {
            "id": self.id,
            "state": self.state.value,
            "params": dict(self.params),
            "values": None if self.values is None else list(self.values),
            "intermediate_values": {str(k): v for k, v in sorted(self.intermediate_values.items())},
        }

    @classmethod
    def _from_core(cls, frozen: Any) -> "Trial":
        return cls(frozen.number, dict(frozen.params), TrialState._from_core(frozen.state),
                   None if frozen.values is None else tuple(frozen.values), dict(frozen.intermediate_values))


# --- pruning ---------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class MedianPruner:
    """Stop a trial whose best intermediate value is worse than the median of finished trials at that step.

    Builder for the core :class:`parzen.pruners.MedianPruner`: no pruning until ``n_startup_trials``
    trials completed, nor at steps below ``n_warmup_steps``; after that, judge every ``interval_steps``.

    Intermediate values are read as losses (lower is better) by default, whatever the optimizer's
    direction, because that is what a training loop reports per epoch (the early-stopping example);
    ``with_direction("maximize")`` judges them as scores instead.
    """

    n_startup_trials: int = 5
    n_warmup_steps: int = 0
    interval_steps: int = 1
    direction: str = "minimize"

    def __post_init__(self) -> None:
        self._core()

    def with_n_startup_trials(self, n: int) -> "MedianPruner":
        return dataclasses.replace(self, n_startup_trials=n)

    def with_n_warmup_steps(self, n: int) -> "MedianPruner":
        return dataclasses.replace(self, n_warmup_steps=n)

    def with_interval_steps(self, n: int) -> "MedianPruner":
        return dataclasses.replace(self, interval_steps=n)

    def with_direction(self, direction: str) -> "MedianPruner":
        """How intermediate values improve: ``"minimize"`` (losses, the default) or ``"maximize"``."""
        return dataclasses.replace(self, direction=direction)

    def _core(self) -> Any:
        from parzen.pruners import MedianPruner as CoreMedianPruner

        return CoreMedianPruner(self.n_startup_trials, self.n_warmup_steps, self.interval_steps,
                                direction=self.direction)


# --- ask / tell optimizers -------------------------------------------------------------------
def _check_seed(seed: Any) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"`seed` must be an int or None, got {seed!r}")
    return None if seed is None else int(seed)


def _check_space(space: Any) -> "SearchSpace":
    if not isinstance(space, SearchSpace):
        raise TypeError(f"`space` must be a parzen.hpo.SearchSpace, got {space!r}")
    if not len(space):
        raise ValueError("`space` is empty: add at least one parameter")
    return space


@contextlib.contextmanager
def _naming_checkpoint(path: str | os.PathLike[str]) -> Iterator[None]:
    """Re-raise a malformed checkpoint's KeyError, TypeError or ValueError with the file's name."""
    try:
        yield
    except KeyError as exc:
        raise ValueError(f"{os.fspath(path)!r} is not a complete parzen.hpo checkpoint: no {exc}") from None
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{os.fspath(path)!r}: {exc}") from None


class _AskTellOptimizer:
    """What both optimizers share: a core study created on first use, its budget, and the live trials.

    Settings (pruner, objectives) can change only until the study exists, i.e. until the first ``ask``.
    """

    _kind = ""

    def __init__(self, space: SearchSpace, n_trials: int, seed: int | None) -> None:
        self._space = _check_space(space)
        self._n_trials = check_int("n_trials", n_trials, 1)
        self._seed = _check_seed(seed)
        self._pruner: MedianPruner | None = None
        self._lock = threading.RLock()
        self._study: Any = None
        self._budget: Any = None
        self._running: dict[int, Any] = {}
        self._metadata: dict[str, Any] = {}

    @property
    def space(self) -> SearchSpace:
        return self._space

    @property
    def n_trials(self) -> int:
        """The total budget of trials, those replayed from a checkpoint included."""
        return self._n_trials

    @property
    def metadata(self) -> dict[str, Any]:
        """Free-form JSON-ready notes saved with the checkpoint and restored by ``resume``.

        ``parzen sweep`` keeps its ``--objective`` here, so ``--resume`` alone can continue a sweep.
        """
        return self._metadata

    def _directions(self) -> list[str]:
        raise NotImplementedError

    def _settings(self) -> dict[str, Any]:
        raise NotImplementedError

    def _check_configurable(self, what: str) -> None:
        if self._study is not None:
            raise RuntimeError(f"{what} must be set before the first ask()")

    def _core_study(self, n_done: int = 0) -> Any:
        """The core study, created with this optimizer's settings on first use."""
        with self._lock:
            if self._study is None:
                from parzen.execution.budget import Budget
                from parzen.samplers import TPESampler
                from parzen.study import create_study

                self._study = create_study(directions=self._directions(), sampler=TPESampler(seed=self._seed),
                                           pruner=None if self._pruner is None else self._pruner._core())
                self._budget = Budget(self._study, max(self._n_trials - n_done, 0), None)
            return self._study

    def ask(self) -> Trial | None:
        """The next trial to evaluate, or None once ``n_trials`` trials have been asked."""
        study = self._core_study()
        if not self._budget.take():
            return None
        core_trial = study.ask(self._space.distributions)
        with self._lock:
            self._running[core_trial.number] = core_trial
        return Trial(core_trial.number, core_trial.params)

    def _live(self, trial_id: Any, pop: bool) -> Any:
        """The running core trial with number ``trial_id``; a clear error when it is unknown or finished."""
        if isinstance(trial_id, Trial):
            trial_id = trial_id.id
        if isinstance(trial_id, bool) or not isinstance(trial_id, numbers.Integral):
            raise TypeError(f"`trial_id` must be an int (Trial.id), got {trial_id!r}")
        trial_id = int(trial_id)
        with self._lock:
            live = self._running.pop(trial_id, None) if pop else self._running.get(trial_id)
        if live is not None:
            return live
        for t in self._core_study().trials:
            if t.number == trial_id and t.state.is_finished():
                raise TrialFinishedError(
                    f"trial {trial_id} was already told ({TrialState._from_core(t.state).value}); a trial is told once"
                )
            if t.number == trial_id:
                raise TrialFinishedError(f"trial {trial_id} is being told by another call; a trial is told once")
        raise ValueError(f"`trial_id`: unknown trial id {trial_id}; use the id of a trial returned by ask()")

    def _tell(self, trial_id: Any, values: Any, state: TrialState) -> Trial:
        if not isinstance(state, TrialState) or state == TrialState.Running:
            raise ValueError(f"`state` must be TrialState.Complete, Pruned or Failed, got {state!r}")
        live = self._live(trial_id, pop=True)
        if state == TrialState.Failed:
            values = None
        return Trial._from_core(self._core_study().tell(live, values, state._core()))

    def history(self) -> list[dict[str, Any]]:
        """Every trial so far, oldest first, as JSON-ready dicts (``json.dumps(history)`` works)."""
        return [Trial._from_core(t).to_dict() for t in self._core_study().trials]

    def trials(self) -> list[Trial]:
        """Every trial so far, oldest first."""
        return [Trial._from_core(t) for t in self._core_study().trials]

    # --- checkpoint / resume ---------------------------------------------------------------
    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Write every finished trial, the space and the settings to ``path``, atomically.

        The file is the core's study file (:func:`parzen.export.save_study_file`), with this
        optimizer's settings in its metadata. Trials still running are not saved; after a resume
        their budget is free again.
        """
        from parzen.export import save_study_file

        settings = {"optimizer": self._kind, "space": self._space.to_dict(), "n_trials": self._n_trials,
                    "seed": self._seed, **self._settings(), "notes": self._metadata}
        save_study_file(self._core_study(), path, metadata={_CHECKPOINT_KEY: settings})

    @staticmethod
    def _read_checkpoint(path: str | os.PathLike[str], kind: str) -> tuple[dict[str, Any], Any]:
        """The optimizer settings and the study file saved at ``path``; ValueError naming it otherwise."""
        from parzen.export import read_study_file

        saved = read_study_file(path)
        settings = saved.metadata.get(_CHECKPOINT_KEY)
        if not isinstance(settings, dict):
            raise ValueError(f"{os.fspath(path)!r} is a study file but not a parzen.hpo checkpoint")
        if settings.get("optimizer") != kind:
            raise ValueError(f"{os.fspath(path)!r} holds a {settings.get('optimizer')!r} optimizer, not {kind!r}")
        return settings, saved

    def _restore(self, settings: Mapping[str, Any], saved: Any) -> None:
        """Take the checkpoint's notes, then add its finished trials to a fresh core study, in order."""
        from parzen.export import add_trials

        notes = settings.get("notes", {})
        if not isinstance(notes, dict):
            raise ValueError(f"`notes` must be a JSON object, got {notes!r}")
        self._metadata.update(notes)
        add_trials(self._core_study(n_done=len(saved.trials)), saved.trials)


class BayesianOptimizer(_AskTellOptimizer):
    """Ask/tell optimization of one objective with TPE, for at most ``n_trials`` trials.

    ``direction`` is ``"maximize"`` by default, because the objective told is usually a score such
    as an accuracy (the quick start), and ``"minimize"`` for a loss. ``seed`` makes the suggestions
    reproducible. A pruner judges intermediate values by its own direction (losses by default).
    """

    _kind = "bayesian"

    def __init__(self, space: SearchSpace, n_trials: int, direction: str = "maximize",
                 seed: int | None = None) -> None:
        super().__init__(space, n_trials, seed)
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"`direction` must be 'minimize' or 'maximize', got {direction!r}")
        self._direction = direction

    @property
    def direction(self) -> str:
        return self._direction

    def _directions(self) -> list[str]:
        return [self._direction]

    def _settings(self) -> dict[str, Any]:
        pruner = None if self._pruner is None else dataclasses.asdict(self._pruner)
        return {"pruner": pruner}

    def with_pruner(self, pruner: MedianPruner) -> "BayesianOptimizer":
        """Use ``pruner`` in :meth:`should_prune` (before the first ask); returns this optimizer."""
        if not isinstance(pruner, MedianPruner):
            raise TypeError(f"`pruner` must be a parzen.hpo.MedianPruner, got {pruner!r}")
        with self._lock:
            self._check_configurable("the pruner")
            self._pruner = pruner
        return self

    def tell(self, trial_id: int, value: float | None, state: TrialState = TrialState.Complete) -> Trial:
        """Finish trial ``trial_id``: Complete with its value, Pruned (value = last reported), or Failed.

        A Complete value that is NaN, infinite or not a number makes the trial Failed, with a warning.
        """
        return self._tell(trial_id, value, state)

    def should_prune(self, trial_id: int, step: int, value: float) -> bool:
        """Report ``value`` at ``step`` for a running trial; True when the pruner says to stop it.

        Without a pruner this only records the value and returns False.
        """
        live = self._live(trial_id, pop=False)
        live.report(value, step)
        return live.should_prune()

    def best_trial(self) -> Trial:
        """The completed trial with the best value in this optimizer's direction."""
        study = self._core_study()
        if not study.get_trials((TrialState.Complete._core(),)):
            raise ValueError("no trial has completed yet: tell() a trial with TrialState.Complete first")
        return Trial._from_core(study.best_trial)

    @classmethod
    def resume(cls, path: str | os.PathLike[str], n_trials: int | None = None) -> "BayesianOptimizer":
        """The optimizer saved by :meth:`save_checkpoint`, continuing the same run.

        ``n_trials`` changes the total budget (e.g. to extend a finished sweep).
        """
        settings, saved = cls._read_checkpoint(path, cls._kind)
        with _naming_checkpoint(path):
            opt = cls(SearchSpace.from_dict(settings["space"]),
                      settings["n_trials"] if n_trials is None else n_trials,
                      direction=saved.directions[0], seed=settings["seed"])
            if settings["pruner"] is not None:
                opt.with_pruner(MedianPruner(**settings["pruner"]))
            opt._restore(settings, saved)
        return opt


class MultiObjectiveOptimizer(_AskTellOptimizer):
    """Ask/tell optimization of several objectives at once (multi-objective TPE).

    Name each objective and its direction with :meth:`add_objective` before the first ask;
    tell a list of values in that order. ``n_trials`` (default 100) bounds the number of trials.
    """

    _kind = "multi_objective"

    def __init__(self, space: SearchSpace, n_trials: int = 100, seed: int | None = None) -> None:
        super().__init__(space, n_trials, seed)
        self._objectives: dict[str, bool] = {}

    def add_objective(self, name: str, maximize: bool) -> "MultiObjectiveOptimizer":
        """Add objective ``name``, maximized when ``maximize`` is True; returns this optimizer."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"an objective name must be a non-empty str, got {name!r}")
        if not isinstance(maximize, bool):
            raise TypeError(f"objective {name!r}: `maximize` must be True or False, got {maximize!r}")
        with self._lock:
            self._check_configurable("objectives")
            if name in self._objectives:
                raise ValueError(f"objective {name!r} was already added")
            self._objectives[name] = maximize
        return self

    @property
    def objectives(self) -> dict[str, bool]:
        """Objective names mapped to True when maximized, in the order values are told."""
        return dict(self._objectives)

    def _directions(self) -> list[str]:
        if not self._objectives:
            raise ValueError("no objective: call add_objective(name, maximize) before ask()")
        return ["maximize" if m else "minimize" for m in self._objectives.values()]

    def _settings(self) -> dict[str, Any]:
        return {"objectives": [[n, m] for n, m in self._objectives.items()]}

    def tell(self, trial_id: int, values: Sequence[float] | None,
             state: TrialState = TrialState.Complete) -> Trial:
        """Finish trial ``trial_id`` with one value per objective (in :meth:`add_objective` order)."""
        if state == TrialState.Complete:
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise TypeError(f"`values` must be a list with one value per objective, got {values!r}")
            if len(values) != len(self._objectives):
                raise ValueError(f"`values` has {len(values)} value(s) but there are {len(self._objectives)} "
                                 f"objectives {list(self._objectives)}")
        return self._tell(trial_id, values, state)

    def pareto_front(self) -> list[Trial]:
        """Completed trials that no other completed trial dominates in the objectives' directions."""
        return [Trial._from_core(t) for t in self._core_study().best_trials]

    @classmethod
    def resume(cls, path: str | os.PathLike[str], n_trials: int | None = None) -> "MultiObjectiveOptimizer":
        """The optimizer saved by :meth:`save_checkpoint`, continuing the same run."""
        settings, saved = cls._read_checkpoint(path, cls._kind)
        with _naming_checkpoint(path):
            opt = cls(SearchSpace.from_dict(settings["space"]),
                      settings["n_trials"] if n_trials is None else n_trials, seed=settings["seed"])
            for name, maximize in settings["objectives"]:
                opt.add_objective(name, maximize)
            opt._restore(settings, saved)
        return opt


# --- grid and random search ------------------------------------------------------------------
class GridSearch:
    """Every combination of listed values, each exactly once (row-major, first parameter slowest)."""

    def __init__(self) -> None:
        self._grid: dict[str, list[Any]] = {}

    def add(self, name: str, values: Sequence[Any]) -> "GridSearch":
        """A copy of this grid with parameter ``name`` taking each of ``values``."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"a parameter name must be a non-empty str, got {name!r}")
        if name in self._grid:
            raise ValueError(f"parameter {name!r} is already in the grid")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"parameter {name!r}: `values` must be a list, got {values!r}")
        if not values:
            raise ValueError(f"parameter {name!r}: `values` is empty")
        out = GridSearch()
        out._grid = {**self._grid, name: list(values)}
        return out

    def __len__(self) -> int:
        return math.prod(len(v) for v in self._grid.values()) if self._grid else 0

    def iter(self) -> Iterator[dict[str, Any]]:
        """Each configuration (name -> value) of the grid, from the core's GridSampler."""
        if not self._grid:
            return iter(())
        from parzen.samplers import GridSampler

        return iter(GridSampler(self._grid).points())

    __iter__ = iter


class RandomSearch:
    """``n_trials`` configurations drawn independently and uniformly (per parameter kind) from ``space``."""

    def __init__(self, space: SearchSpace, n_trials: int, seed: int | None = None) -> None:
        self._space = _check_space(space)
        self._n_trials = check_int("n_trials", n_trials, 1)
        self._seed = _check_seed(seed)

    def iter(self) -> Iterator[Trial]:
        """The trials, ids 0 to n_trials - 1, drawn as the core's RandomSampler draws (same seed, same trials)."""
        from parzen.samplers._base import make_rng
        from parzen.samplers.random import draw_space

        rng = make_rng(self._seed)
        for number in range(self._n_trials):
            yield Trial(number, draw_space(self._space.distributions, rng))

    __iter__ = iter
