"""Parameter kinds, conditions, and the internal encoding shared by every sampler.

Numbers encode to the unit interval (log-scaled when ``log=True``; integer and stepped
parameters own equal-width cells so that a uniform draw gives every grid value the same
chance), categories encode to their index. Samplers work only in this encoding and call
``to_external`` to turn a point back into values a user sees.

A bad definition names its parameter. ``Float(1, 0)`` cannot know that it will be called ``x``, so
constructing a distribution never raises for the values or types of its arguments (bounds, ``log``,
``step``, ``choices``, ``when``): it records what is wrong, and :meth:`Distribution.check` raises it,
as the TypeError or ValueError it is, with ``parameter 'x': `` in front. Every place that learns a
parameter's name calls that check before any work starts (``validate_space`` for a whole space,
``trial.suggest``, the grid sampler, ``draw_space``, the front doors' parsers). Any other use of an
invalid distribution (``contains``, the encoding, ``n_cells``, storing it) raises the same error
without a name, so it never gives a wrong answer; ``repr``, ``describe``, ``==`` and ``hash`` still
work on it (two invalid distributions are equal when their arguments print the same). Wrong types
are deferred like wrong values: the object keeps the arguments as given, every method that would
need them refuses, so deferring is sound; only a call Python itself rejects (a missing argument)
raises at once.
"""

from __future__ import annotations

import abc
import math
import numbers
import warnings
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Iterator, Mapping, MutableMapping, Sequence, cast

CategoricalChoice = None | bool | int | float | str

_ALLOWED_CHOICE_TYPES = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class Condition:
    """The parameter exists only when ``parent`` took one of ``values``."""

    parent: str
    values: tuple[Any, ...]

    def is_met(self, params: Mapping[str, Any]) -> bool:
        if self.parent not in params:
            return False
        value = params[self.parent]
        return any(_same_choice(value, v) for v in self.values)


def _make_condition(when: Any, owner: str) -> Condition | None:
    if when is None or isinstance(when, Condition):
        return when
    if isinstance(when, Mapping):
        if len(when) != 1:
            raise ValueError(f"{owner}: `when` must name exactly one parent parameter, got {dict(when)!r}")
        ((parent, values),) = when.items()
    elif isinstance(when, tuple) and len(when) == 2:
        parent, values = when
    else:
        raise TypeError(
            f"{owner}: `when` must be a Condition, a (parent, value-or-values) tuple or a "
            f"{{parent: values}} mapping, got {when!r}"
        )
    if not isinstance(parent, str):
        raise TypeError(f"{owner}: the parent in `when` must be a parameter name (str), got {parent!r}")
    if isinstance(values, (list, tuple, set, frozenset)):
        values = tuple(values)
    else:
        values = (values,)
    if not values:
        raise ValueError(f"{owner}: `when` for parent {parent!r} lists no values")
    return Condition(parent, values)


def _same_choice(a: Any, b: Any) -> bool:
    """Equality that keeps 1, 1.0 and True apart and treats NaN as equal to NaN."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _check_number(value: Any, name: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: `{name}` must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: `{name}` must be finite, got {value!r}")
    return value


def _stable_repr(value: Any) -> str:
    """``repr(value)``, with a set's members sorted: two equal sets may iterate in different orders."""
    if isinstance(value, (set, frozenset)):
        members = "{" + ", ".join(sorted(repr(v) for v in value)) + "}"
        return members if type(value) is set else f"{type(value).__name__}({members})"
    return repr(value)


class Distribution(abc.ABC):
    """Base of the parameter kinds (Float, Int, Categorical). Subclasses are frozen dataclasses.

    It holds what every sampler needs: the encoding (``to_internal`` / ``to_external``), the safe
    ``encode`` of a value that may not belong to the distribution (NaN when it does not), and the
    number of equal cells a value owns in the encoding (``n_cells``). Each public method first
    raises the problem recorded at construction, if any (see the module docstring); subclasses
    implement the private method of the same name.
    """

    when: Condition | None
    _problem: tuple[type[Exception], str] | None = None  # (TypeError or ValueError, message) of a bad definition

    def __post_init__(self) -> None:
        try:
            self._normalize()
        except (TypeError, ValueError) as exc:
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            object.__setattr__(self, "_problem", (kind, str(exc)))

    @abc.abstractmethod
    def _normalize(self) -> None:
        """Convert the arguments to their canonical types; raise TypeError/ValueError for a bad definition."""

    def check(self, name: str | None = None) -> None:
        """Raise what is wrong with this definition, as TypeError or ValueError; nothing if it is valid.

        With ``name`` the message starts with ``parameter 'name': ``. Every entry point that knows the
        parameter's name calls this before it does any work.
        """
        if self._problem is not None:
            kind, message = self._problem
            raise kind(message if name is None else f"parameter {name!r}: {message}")

    # --- equality: by definition, conditions aside; never raises, even for an invalid definition ---
    @abc.abstractmethod
    def _key(self) -> tuple[Any, ...]:
        """The arguments that define the values (the condition aside), for ``==`` and ``hash``."""

    def _safe_key(self) -> tuple[Any, ...]:
        key = self._key()
        return key if self._problem is None else tuple(_stable_repr(v) for v in key)  # may be unhashable

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Distribution)
        if self._problem is None and other._problem is None:
            return self._key() == other._key()
        return self._problem == other._problem and self._safe_key() == other._safe_key()

    def __hash__(self) -> int:
        return hash(self._key()) if self._problem is None else hash((self._problem, self._safe_key()))

    # --- the interface every sampler uses ---
    def to_internal(self, value: Any) -> float:
        """Encode a value of this distribution: a unit-interval number, or a category's index."""
        self.check()
        return self._to_internal(value)

    def to_external(self, internal: float) -> Any:
        """Decode an internal point into a valid user-facing value."""
        self.check()
        return self._to_external(internal)

    def contains(self, value: Any) -> bool:
        """Whether ``value`` is one this distribution can take."""
        self.check()
        return self._contains(value)

    def is_single(self) -> bool:
        """True when the parameter can take only one value."""
        self.check()
        return self._is_single()

    def same_range(self, other: "Distribution") -> bool:
        """Whether two definitions describe the same values (conditions aside)."""
        self.check()
        other.check()
        return type(other) is type(self) and self._key() == other._key()

    def to_storage(self, value: Any) -> float:
        """The float stored for ``value``: the number itself, or a category's index."""
        self.check()
        return self._to_storage(value)

    def from_storage(self, stored: float) -> Any:
        """The value whose ``to_storage`` is ``stored``."""
        self.check()
        return self._from_storage(stored)

    def n_cells(self) -> int:
        """Equal cells of the encoding, one per value: the number of grid values of an Int or a stepped
        Float on a linear scale, the number of choices of a Categorical; 0 for a continuous encoding
        (a Float without step, or a log scale, whose values own cells of unequal widths)."""
        self.check()
        return self._n_cells()

    @abc.abstractmethod
    def describe(self) -> str:
        """A short text that names the kind and the range, for messages (works on an invalid definition too)."""

    @abc.abstractmethod
    def _to_internal(self, value: Any) -> float: ...

    @abc.abstractmethod
    def _to_external(self, internal: float) -> Any: ...

    @abc.abstractmethod
    def _contains(self, value: Any) -> bool: ...

    @abc.abstractmethod
    def _is_single(self) -> bool: ...

    @abc.abstractmethod
    def _to_storage(self, value: Any) -> float: ...

    @abc.abstractmethod
    def _from_storage(self, stored: float) -> Any: ...

    @abc.abstractmethod
    def _n_cells(self) -> int: ...

    def with_condition(self, when: Condition | None) -> "Distribution":
        """The same distribution with condition ``when`` (None: unconditional)."""
        return replace(cast(Any, self), when=when)

    def encode(self, value: Any) -> float:
        """The internal value of ``value``, or NaN when this distribution cannot take it.

        Samplers read earlier trials through this: a value recorded under another range (a study
        whose space changed) counts where it lies inside this one and is ignored where it does not.
        """
        self.check()
        if not self._contains(value):
            return math.nan
        try:
            u = float(self._to_internal(value))
        except (TypeError, ValueError, OverflowError):
            return math.nan
        if not math.isfinite(u):
            return math.nan
        return u if isinstance(self, Categorical) else min(max(u, 0.0), 1.0)


@dataclass(frozen=True, eq=False)
class _Numeric(Distribution):
    low: float
    high: float
    log: bool = False
    step: float | None = None
    when: Condition | None = field(default=None, compare=False)

    def _key(self) -> tuple[Any, ...]:
        return (self.low, self.high, self.log, self.step)

    def _validate(self) -> None:
        owner = type(self).__name__
        if self.low > self.high:
            raise ValueError(f"{owner}: `low` ({self.low}) must be <= `high` ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"{owner}: `low` must be > 0 when log=True, got low={self.low}")
        if self.step is not None:
            if self.step <= 0:
                raise ValueError(f"{owner}: `step` must be > 0, got {self.step}")
            if self.log and self.step != 1:
                raise ValueError(f"{owner}: `step` cannot be combined with log=True (got step={self.step})")
            if not self._step_fits():
                last = self._grid_value(self._steps_below_high())
                warnings.warn(f"{owner}: `high` ({self.high}) is not `low` ({self.low}) plus a multiple of `step` "
                              f"({self.step}); the range is [{self.low}, {last}]", UserWarning, stacklevel=5)
                object.__setattr__(self, "high", last)

    def _step_fits(self) -> bool:
        assert self.step is not None, "only a stepped range has a grid"
        span = (self.high - self.low) / self.step
        return abs(span - round(span)) <= 1e-8 * max(1.0, abs(span))

    def _n_steps(self) -> int:
        """How many steps lie between ``low`` and ``high``."""
        assert self.step is not None, "only a stepped range has a grid"
        return round((self.high - self.low) / self.step)

    def _steps_below_high(self) -> int:
        """How many whole steps fit between ``low`` and ``high`` (a range whose high is off the grid)."""
        assert self.step is not None, "only a stepped range has a grid"
        span = (self.high - self.low) / self.step
        return math.floor(span + 1e-8 * max(1.0, abs(span)))

    def grid_value(self, k: int) -> float | int:
        """The ``k``-th value of the step grid, ``low + k * step``."""
        self.check()
        return self._grid_value(k)

    @abc.abstractmethod
    def _grid_value(self, k: int) -> float | int: ...

    def _n_cells(self) -> int:
        return self._n_steps() + 1 if self._is_linear_grid() else 0

    # Linear grids encode through the grid index: value k owns the cell [k, k + 1) / (n_steps + 1),
    # which stays exact however far ``low`` is from zero. Log scales and continuous ranges map
    # [low, high] (for Int log: [low - 1/2, high + 1/2]) linearly onto [0, 1] in (log) space.
    def _is_linear_grid(self) -> bool:
        return self.step is not None and not self.log

    def encoding_bounds(self) -> tuple[float, float]:
        """The (log-)values that encode to 0 and 1; the encoding is linear in the (log-)value in between
        (for a linear grid too: value k's cell centre is where its value falls)."""
        self.check()
        return self._bounds()

    def _bounds(self) -> tuple[float, float]:
        half = 0.5 * self.step if self.step is not None else 0.0
        low, high = self.low - half, self.high + half
        if self.log:
            return math.log(low), math.log(high)
        return low, high

    def _warp(self, value: float) -> float:
        return math.log(value) if self.log else value

    def _to_internal(self, value: Any) -> float:
        if self._is_linear_grid():
            return ((value - self.low) / self.step + 0.5) / (self._n_steps() + 1)
        lo, hi = self._bounds()
        if hi == lo:
            return 0.5
        x = self._warp(float(value))
        if math.isinf(hi - lo):  # a range wider than the largest float: halve everything first
            return (x / 2 - lo / 2) / (hi / 2 - lo / 2)
        return (x - lo) / (hi - lo)

    def _decode(self, internal: float) -> float | int:
        u = min(max(float(internal), 0.0), 1.0)
        if self._is_linear_grid():
            n_cells = self._n_cells()
            return self._grid_value(min(int(u * n_cells), n_cells - 1))
        if u in (0.0, 1.0):  # exp(log(low)) may miss low by an ulp; the ends decode to the bounds as given
            return self.high if u else self.low
        lo, hi = self._bounds()
        x = (1.0 - u) * lo + u * hi  # exact at both ends and free of overflow, unlike lo + u * (hi - lo)
        if self.log:
            x = math.exp(x)
        return self._snap(x)

    def _snap(self, x: float) -> float | int:
        if self.step is None:
            return min(max(x, self.low), self.high)
        k = min(max(round((x - self.low) / self.step), 0), self._n_steps())
        return self._grid_value(k)

    def _contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        value = float(value)
        if not (self.low <= value <= self.high):
            return False
        if self.step is None:
            return True
        k = (value - self.low) / self.step
        return abs(k - round(k)) < 1e-8 * max(1.0, abs(k))

    def _is_single(self) -> bool:
        return self.low == self.high

    def _to_storage(self, value: Any) -> float:
        return float(value)


@dataclass(frozen=True, eq=False)
class Float(_Numeric):
    """A real number in [low, high]; ``log=True`` samples evenly in log space, ``step`` makes a grid.

    ``low <= high``, both finite; ``log=True`` needs ``low > 0`` and no ``step``; a ``step`` is > 0, and
    ``high`` becomes the last value of the grid ``low + k * step`` (snapped to its decimal value; a
    ``high`` off the grid moves down to it with a warning, as Optuna does). A definition
    that breaks these rules (a bound that is not a real number included) does not raise here: its
    first use raises the TypeError or ValueError, naming the parameter where the name is known.
    """

    def _normalize(self) -> None:
        object.__setattr__(self, "when", _make_condition(self.when, "Float"))
        object.__setattr__(self, "low", _check_number(self.low, "low", "Float"))
        object.__setattr__(self, "high", _check_number(self.high, "high", "Float"))
        if self.step is not None:
            object.__setattr__(self, "step", _check_number(self.step, "step", "Float"))
        object.__setattr__(self, "log", bool(self.log))
        if self.log and self.step is not None:
            raise ValueError(f"Float: `step` cannot be combined with log=True (got step={self.step})")
        self._validate()
        if self.step is not None:
            object.__setattr__(self, "high", self._grid_value(self._n_steps()))

    def _grid_value(self, k: int) -> float:
        """``low + k * step`` summed in decimal, so that Float(0, 1, step=0.1) has 0.3 and not 0.1 + 0.2."""
        exact = Decimal(repr(self.low)) + k * Decimal(repr(self.step))
        return float(exact)

    def _to_external(self, internal: float) -> float:
        return float(self._decode(internal))

    def _from_storage(self, stored: float) -> float:
        return float(stored)

    def describe(self) -> str:
        extra = ", log=True" if self.log else (f", step={self.step}" if self.step is not None else "")
        return f"Float({self.low}, {self.high}{extra})"


@dataclass(frozen=True, eq=False)
class Int(_Numeric):
    """An integer in [low, high] on the grid ``low + k * step``; ``log=True`` favours small values.

    Bounds and step are integers (an integral float such as 2.0 counts); ``low <= high``, ``step > 0``
    (a ``high`` off the grid moves down to its last value, with a warning, as Optuna does);
    ``log=True`` needs ``low > 0`` and ``step == 1``. As for
    :class:`Float`, a definition that breaks these rules raises at its first use, not here.
    """

    step: int = 1

    def _normalize(self) -> None:
        object.__setattr__(self, "when", _make_condition(self.when, "Int"))
        for name in ("low", "high", "step"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                if isinstance(value, numbers.Real) and float(value).is_integer():
                    value = int(float(value))
                else:
                    raise TypeError(f"Int: `{name}` must be an integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        object.__setattr__(self, "log", bool(self.log))
        self._validate()

    def _step_fits(self) -> bool:
        return (self.high - self.low) % self.step == 0

    def _steps_below_high(self) -> int:
        return int((self.high - self.low) // self.step)

    def _n_steps(self) -> int:
        return int((self.high - self.low) // self.step)

    def _grid_value(self, k: int) -> int:
        return int(self.low + k * self.step)

    def _to_external(self, internal: float) -> int:
        return int(self._decode(internal))

    def _to_internal(self, value: Any) -> float:
        return super()._to_internal(int(value))

    def _contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value).is_integer():
            return False
        value = int(value) if isinstance(value, numbers.Integral) else int(float(value))
        return self.low <= value <= self.high and (value - self.low) % self.step == 0

    def _from_storage(self, stored: float) -> int:
        return int(round(stored))

    def describe(self) -> str:
        extra = ", log=True" if self.log else (f", step={self.step}" if self.step != 1 else "")
        return f"Int({self.low}, {self.high}{extra})"


@dataclass(frozen=True, eq=False)
class Categorical(Distribution):
    """One of ``choices`` (None, bool, int, float or str values), encoded as its index.

    ``choices`` is a non-empty list, tuple or other ordered collection (a str is one value, not a list
    of letters; a set has no fixed order) without repeats (1, 1.0 and True are three choices). As for
    :class:`Float`, a definition that breaks these rules raises at its first use, not here.
    """

    choices: Sequence[CategoricalChoice]  # stored as a tuple
    when: Condition | None = field(default=None, compare=False)

    def _normalize(self) -> None:
        object.__setattr__(self, "when", _make_condition(self.when, "Categorical"))
        ordered = hasattr(self.choices, "__len__") and hasattr(self.choices, "__getitem__")  # list, tuple, array
        if isinstance(self.choices, (str, bytes, set, frozenset, Mapping)) or not ordered:
            raise TypeError(
                f"Categorical: `choices` must be a list or tuple of values, got {_stable_repr(self.choices)} (a str is one "
                f"value, not a list of letters; a set has no fixed order)"
            )
        choices = tuple(
            c.item() if hasattr(c, "item") and not isinstance(c, _ALLOWED_CHOICE_TYPES) else c  # numpy scalars
            for c in self.choices
        )
        object.__setattr__(self, "choices", choices)
        for i, c in enumerate(choices):
            if not isinstance(c, _ALLOWED_CHOICE_TYPES):
                raise TypeError(
                    f"Categorical: every choice must be None, bool, int, float or str; got {c!r} "
                    f"of type {type(c).__name__}"
                )
            if any(_same_choice(c, seen) for seen in choices[:i]):
                raise ValueError(f"Categorical: `choices` contains {c!r} twice")
        if not choices:
            raise ValueError("Categorical: `choices` must not be empty")

    def _key(self) -> tuple[Any, ...]:
        return (self.choices,)

    def index(self, value: Any) -> int:
        """The position of ``value`` among the choices; ValueError if it is not one."""
        self.check()
        return self._index(value)

    def _index(self, value: Any) -> int:
        for i, c in enumerate(self.choices):
            if _same_choice(c, value):
                return i
        raise ValueError(f"{value!r} is not one of the choices {list(self.choices)!r}")

    def _to_internal(self, value: Any) -> float:
        return float(self._index(value))

    def _to_external(self, internal: float) -> CategoricalChoice:
        i = int(round(internal))
        if not 0 <= i < len(self.choices):
            raise ValueError(f"category index {internal} is outside 0..{len(self.choices) - 1}")
        return self.choices[i]

    def _contains(self, value: Any) -> bool:
        return any(_same_choice(c, value) for c in self.choices)

    def _is_single(self) -> bool:
        return len(self.choices) == 1

    def _n_cells(self) -> int:
        return len(self.choices)

    def same_range(self, other: Distribution) -> bool:
        self.check()
        other.check()
        return (
            isinstance(other, Categorical)
            and len(other.choices) == len(self.choices)
            and all(_same_choice(a, b) for a, b in zip(self.choices, other.choices))
        )

    def describe(self) -> str:
        shown = list(self.choices) if isinstance(self.choices, tuple) else self.choices
        return f"Categorical({shown!r})"

    def _to_storage(self, value: Any) -> float:
        return float(self._index(value))

    def _from_storage(self, stored: float) -> CategoricalChoice:
        return self.choices[int(stored)]


SearchSpace = Mapping[str, Distribution]


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"a parameter name must be a non-empty str, got {name!r}")
    return name


def check_distribution(name: Any, dist: Any) -> Distribution:
    """``dist`` as the definition of parameter ``name``, checked before any work starts.

    The one check of every entry point that learns a parameter's name: the name must be a non-empty
    str and ``dist`` a Float, Int or Categorical (TypeError otherwise), and a definition that was
    recorded as invalid at construction raises its error now, naming the parameter.
    """
    check_name(name)
    if not isinstance(dist, Distribution):
        raise TypeError(f"parameter {name!r}: expected parzen.Float, parzen.Int or parzen.Categorical, got {dist!r}")
    dist.check(name)
    return dist


def validate_space(space: Mapping[str, Any]) -> dict[str, Distribution]:
    """Check a whole search space before any work starts; returns it in sampling order.

    Sampling order puts every parent before the parameters that depend on it, and rejects
    conditions on unknown parameters and cycles. A bad definition raises its error naming the
    parameter (:meth:`Distribution.check`), before any condition is looked at.
    """
    if not isinstance(space, Mapping):
        raise TypeError(f"the search space must be a mapping of names to Float/Int/Categorical, got {space!r}")
    for name, dist in space.items():
        check_distribution(name, dist)
    space = {name: _check_condition(name, dist, space) for name, dist in space.items()}
    ordered: dict[str, Distribution] = {}
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in ordered:
            return
        if n in visiting:
            raise ValueError(f"the conditions of parameter {n!r} form a cycle")
        visiting.add(n)
        cond = space[n].when
        if cond is not None:
            visit(cond.parent)
        visiting.discard(n)
        ordered[n] = space[n]

    for n in space:
        visit(n)
    return ordered


def _check_condition(name: str, dist: Distribution, space: Mapping[str, Distribution]) -> Distribution:
    """``dist`` with its condition's values in the parent's own types (1 becomes 1.0 for a Float parent).

    A condition is met only by a value of the same type, so without this ``when=("x", 1)`` on a
    Float ``x`` could never hold.
    """
    if dist.when is None:
        return dist
    parent = dist.when.parent
    if parent not in space:
        raise ValueError(f"parameter {name!r} is conditioned on {parent!r}, which is not in the space")
    if parent == name:
        raise ValueError(f"parameter {name!r} cannot be conditioned on itself")
    pdist = space[parent]
    for v in dist.when.values:
        if not pdist.contains(v):
            raise ValueError(
                f"parameter {name!r} is conditioned on {parent!r} = {v!r}, which {pdist.describe()} can never take"
            )
    if isinstance(pdist, Categorical):
        return dist
    as_parent = int if isinstance(pdist, Int) else float
    return dist.with_condition(Condition(parent, tuple(as_parent(v) for v in dist.when.values)))


def walk_active(space: Mapping[str, Distribution],
                params: MutableMapping[str, Any]) -> Iterator[tuple[str, Distribution]]:
    """The parameters of ``space`` whose conditions hold, as ``params`` fills up.

    ``space`` is ordered parents first (as :func:`validate_space` returns it). The caller puts the
    value of each parameter it is given into ``params`` before asking for the next one, so a
    parameter conditioned on an earlier one is yielded exactly when the chosen value enables it.
    """
    for name, dist in space.items():
        if dist.when is None or dist.when.is_met(params):
            yield name, dist


def active_names(space: Mapping[str, Distribution], params: Mapping[str, Any]) -> list[str]:
    """Names in ``space`` whose conditions hold for the complete ``params`` (ordered like ``space``)."""
    return [name for name, _ in walk_active(space, dict(params))]


def distribution_to_dict(dist: Distribution) -> dict[str, Any]:
    """JSON-ready form of a distribution, used by storages; an invalid definition raises its error."""
    dist.check()
    if isinstance(dist, Categorical):
        data: dict[str, Any] = {"kind": "categorical", "choices": list(dist.choices)}
    elif isinstance(dist, Int):
        data = {"kind": "int", "low": dist.low, "high": dist.high, "log": dist.log, "step": dist.step}
    elif isinstance(dist, Float):
        data = {"kind": "float", "low": dist.low, "high": dist.high, "log": dist.log, "step": dist.step}
    else:
        raise TypeError(f"cannot serialize distribution {dist!r}")
    if dist.when is not None:
        data["when"] = [dist.when.parent, list(dist.when.values)]
    return data


def distribution_from_dict(data: Mapping[str, Any]) -> Distribution:
    """The distribution of a :func:`distribution_to_dict` form; a corrupt form raises at once."""
    when = data.get("when")
    cond = Condition(when[0], tuple(when[1])) if when else None
    kind = data["kind"]
    dist: Distribution
    if kind == "categorical":
        dist = Categorical(tuple(data["choices"]), when=cond)
    elif kind == "int":
        dist = Int(data["low"], data["high"], log=data["log"], step=data["step"], when=cond)
    elif kind == "float":
        dist = Float(data["low"], data["high"], log=data["log"], step=data["step"], when=cond)
    else:
        raise ValueError(f"unknown distribution kind {kind!r}")
    dist.check()
    return dist


def intersect_spaces(known: Mapping[str, Distribution] | None,
                     new: Mapping[str, Distribution]) -> dict[str, Distribution]:
    """The parameters ``known`` and ``new`` share as the same kind, defined as in ``new`` (all of ``new``
    if ``known`` is None).

    Model-based samplers fold each finished trial's distributions into this to find the space that
    every trial sampled, which they can then model jointly. A parameter whose range changed between
    trials stays in it with its latest definition; the samplers read earlier values in that one.
    """
    if known is None:
        return dict(new)
    return {name: new[name] for name, d in known.items() if name in new and type(new[name]) is type(d)}
