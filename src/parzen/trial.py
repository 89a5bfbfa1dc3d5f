"""Trials: the live handle an objective receives, and the immutable record a storage keeps."""

from __future__ import annotations

import datetime
import enum
import math
import numbers
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from parzen._checks import check_int
from parzen.exceptions import FixedValueError, TrialPruned
from parzen.space import Categorical, Distribution, Float, Int, check_distribution

if TYPE_CHECKING:
    from parzen.study import Study


class TrialState(enum.IntEnum):
    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

    def __str__(self) -> str:
        """The state's name (``COMPLETE``), in ``str()`` and f-strings alike, not its number."""
        return self.name

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)


FAIL_REASON_ATTR = "fail_reason"
MAX_STEP = 2**63 - 1
"""The largest step ``Trial.report`` takes: what a 64-bit database integer holds."""


@dataclass(frozen=True)
class FrozenTrial:
    """What a storage holds for one trial. A finished trial never changes again.

    Treat the dict fields as read-only: storages share these records between readers.
    """

    number: int
    trial_id: int
    state: TrialState
    values: tuple[float, ...] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    distributions: dict[str, Distribution] = field(default_factory=dict)
    intermediate_values: dict[int, float] = field(default_factory=dict)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    datetime_start: datetime.datetime | None = None
    datetime_complete: datetime.datetime | None = None

    @property
    def value(self) -> float | None:
        """The objective value of a single-objective trial."""
        if self.values is None:
            return None
        if len(self.values) != 1:
            raise RuntimeError(f"trial {self.number} has {len(self.values)} objective values; use `values`")
        return self.values[0]

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    @property
    def fail_reason(self) -> str | None:
        """Why a FAIL trial failed (exception text or rejected return value)."""
        return self.system_attrs.get(FAIL_REASON_ATTR)

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate_values) if self.intermediate_values else None


def check_objective_values(values: Any, n_objectives: int) -> tuple[tuple[float, ...] | None, str | None]:
    """Turn an objective's result, as told to the study, into floats, or explain why it cannot count.

    Returns ``(values, None)`` on success and ``(None, reason)`` otherwise. The reason describes the
    value itself, so it reads right whether an objective returned it or a caller told it.
    """
    if isinstance(values, (Sequence,)) and not isinstance(values, (str, bytes)):
        seq = list(values)
    elif hasattr(values, "tolist") and getattr(values, "ndim", 0) > 0:
        seq = list(values.tolist())
    else:
        seq = [values]
    if len(seq) != n_objectives:
        return None, f"got {len(seq)} value(s) but the study has {n_objectives} objective(s)"
    out = []
    for v in seq:
        if v is None:
            return None, "the value is None instead of a number"
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
                v = v.item()
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                return None, f"the value {v!r} ({type(v).__name__}) is not a number"
        try:
            f = float(v)
        except OverflowError:
            return None, f"the value {v!r} is too large for a float"
        if math.isnan(f):
            return None, "the value is NaN"
        if math.isinf(f):
            return None, f"the value is {f}, not a finite number"
        out.append(f)
    return tuple(out), None


def _report_value(value: Any) -> float:
    """An intermediate value as a float: TypeError naming ``value`` unless it is a real number.

    A bool is refused as an accident; a 0-d array or a numpy scalar is taken by its ``item()``.
    """
    if not isinstance(value, bool) and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`value` must be a real number, got {value!r} ({type(value).__name__})")
    return float(value)


def fixed_value(name: str, value: Any, distribution: Distribution) -> Any:
    """An enqueued value as ``distribution`` hands values out.

    A value of the wrong kind (not a choice, not a finite number, a fraction for an Int) or
    outside the distribution (its range, its step grid) is a :class:`~parzen.exceptions.FixedValueError`
    (a ValueError) naming the parameter; an invalid ``distribution`` raises its own error (see
    :meth:`parzen.space.Distribution.check`).
    """
    distribution.check(name)
    if isinstance(distribution, Categorical):
        if not distribution.contains(value):
            raise FixedValueError(
                f"parameter {name!r}: the fixed value {value!r} is not one of {list(distribution.choices)!r}"
            )
        return distribution.choices[distribution.index(value)]
    wanted = "an integer" if isinstance(distribution, Int) else "a finite number"
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
            or (isinstance(distribution, Int) and not float(value).is_integer())):
        raise FixedValueError(f"parameter {name!r}: the fixed value {value!r} is not {wanted}")
    if not distribution.contains(value):
        raise FixedValueError(
            f"parameter {name!r}: the fixed value {value!r} lies outside {distribution.describe()}")
    return math.floor(value) if isinstance(distribution, Int) else float(value)


class Trial:
    """A running trial: suggests parameters, reports progress, decides on pruning.

    Parameters already fixed for this trial (from ``study.ask(space)``, an enqueued trial or
    the sampler's joint plan) are returned as they are; new ones come from the study's sampler.
    """

    def __init__(self, study: "Study", trial_id: int, number: int, params: Mapping[str, Any] | None = None,
                 distributions: Mapping[str, Distribution] | None = None,
                 fixed_params: Mapping[str, Any] | None = None,
                 system_attrs: Mapping[str, Any] | None = None) -> None:
        self._study = study
        self._trial_id = trial_id
        self.number = number
        self._params: dict[str, Any] = dict(params or {})
        self._distributions: dict[str, Distribution] = dict(distributions or {})
        self._fixed = dict(fixed_params or {})
        self._system_attrs = dict(system_attrs or {})
        self._user_attrs: dict[str, Any] = {}
        self._intermediate: dict[int, float] = {}
        self._relative: dict[str, Any] | None = None
        self._relative_space: dict[str, Distribution] = {}
        self._relative_error: Exception | None = None

    @property
    def trial_id(self) -> int:
        return self._trial_id

    @property
    def study(self) -> "Study":
        return self._study

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    @property
    def distributions(self) -> dict[str, Distribution]:
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._system_attrs)

    @property
    def intermediate_values(self) -> dict[int, float]:
        return dict(self._intermediate)

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False,
                      step: float | None = None) -> float:
        """A float in [low, high] (log-uniform with ``log``, on the grid ``low + k * step`` with ``step``)."""
        return self.suggest(name, Float(low, high, log=log, step=step))

    def suggest_int(self, name: str, low: int, high: int, *, log: bool = False, step: int = 1) -> int:
        """An int in [low, high] on the grid ``low + k * step``."""
        return self.suggest(name, Int(low, high, log=log, step=step))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """One of ``choices``, a list or tuple (a str is refused: it is one value, not a list of letters;
        a set too: its order, which the encoding depends on, changes from one process to another)."""
        return self.suggest(name, Categorical(choices))

    def suggest(self, name: str, distribution: Distribution) -> Any:
        """Value of parameter ``name`` drawn from ``distribution`` (the same value if asked twice).

        An invalid ``distribution`` (``Float(1, 0)``) raises its TypeError or ValueError naming ``name``.
        """
        check_distribution(name, distribution)
        self._study._check_distribution(name, distribution)
        if name in self._params:
            known = self._distributions[name]
            if not known.same_range(distribution):
                raise ValueError(
                    f"parameter {name!r} was already suggested in trial {self.number} as {known.describe()}; "
                    f"it cannot be redefined as {distribution.describe()}"
                )
            return self._params[name]
        value = self._choose(name, distribution)
        self._study._record_param(self, name, value, distribution)
        return value

    def _choose(self, name: str, distribution: Distribution) -> Any:
        if name in self._fixed:
            return fixed_value(name, self._fixed[name], distribution)
        if distribution.is_single():
            return distribution.to_external(0.5)
        self._sample_relative()
        if self._relative_error is not None:
            raise self._relative_error
        assert self._relative is not None
        if name in self._relative and self._relative_space[name].same_range(distribution):
            return self._relative[name]
        return self._study._sampler.sample_independent(self._study, self, name, distribution)

    def _sample_relative(self) -> None:
        """The sampler's joint sample of this trial, drawn once, before the first parameter that needs it.

        ``optimize_async`` calls it in its sampler thread right after the ask, so that a model fit
        never runs on the event loop. An error is kept and raised by the suggestion that needs the
        sample, inside the objective, as it would be without the early call.
        """
        if self._relative is not None or self._relative_error is not None:
            return
        sampler = self._study._sampler
        try:
            space = sampler.infer_relative_space(self._study, self)
            self._relative = sampler.sample(self._study, self, space) if space else {}
            self._relative_space = space
        except Exception as exc:
            self._relative_error = exc

    def report(self, value: float, step: int) -> None:
        """Record an intermediate objective value at ``step`` (used by pruners).

        ``value`` is a real number (a numpy scalar or a 0-d array counts); ``step`` an int from 0
        to ``2**63 - 1``. Steps need not be consecutive nor come in order. NaN and infinities are
        recorded as given: they stand for a diverged run, and every pruner takes them as the worst
        possible value, so such a trial is pruned once its pruner judges it and never makes another
        trial look worse. Reporting a step twice keeps the first value and warns. A wrong type
        raises TypeError and a step out of range ValueError, before anything is stored.
        """
        step = check_int("step", step, 0)
        if step > MAX_STEP:
            raise ValueError(f"`step` must be <= {MAX_STEP}, got {step!r}")
        value = _report_value(value)
        if self._study.n_objectives > 1:
            raise NotImplementedError("report() is for single-objective studies; prune on one objective instead")
        if step in self._intermediate:
            warnings.warn(f"trial {self.number} already reported step {step}; keeping the first value", stacklevel=2)
            return
        self._study.storage.set_trial_intermediate_value(self._trial_id, step, value)
        self._intermediate[step] = value

    def should_prune(self) -> bool:
        """Whether the study's pruner says this trial should stop now."""
        return self._study.pruner.prune(self._study, self.freeze())

    def prune(self) -> None:
        """Shorthand for ``raise parzen.TrialPruned()``."""
        raise TrialPruned()

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a (JSON-serializable) value to this trial; a finished trial refuses it."""
        self._study.storage.set_trial_user_attr(self._trial_id, key, value)
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self._study.storage.set_trial_system_attr(self._trial_id, key, value)
        self._system_attrs[key] = value

    def freeze(self) -> FrozenTrial:
        """A snapshot of this trial as the storage holds it."""
        return self._study.storage.get_trial(self._trial_id)

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self._params!r})"
