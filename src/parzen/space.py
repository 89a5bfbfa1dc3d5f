"""Parameter kinds, conditions, and the internal encoding shared by every sampler.

Numbers encode to the unit interval (log-scaled when ``log=True``; integer and stepped
parameters own equal-width cells so that a uniform draw gives every grid value the same
chance), categories encode to their index. Samplers work only in this encoding and call
``to_external`` to turn a point back into values a user sees.
"""

from __future__ import annotations

import abc
import math
import numbers
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


class Distribution(abc.ABC):
    """Base of the parameter kinds (Float, Int, Categorical). Subclasses are frozen dataclasses.

    It holds what every sampler needs: the encoding (``to_internal`` / ``to_external``), the safe
    ``encode`` of a value that may not belong to the distribution (NaN when it does not), and the
    number of equal cells a value owns in the encoding (``n_cells``).
    """

    when: Condition | None

    @abc.abstractmethod
    def to_internal(self, value: Any) -> float:
        """Encode a value of this distribution: a unit-interval number, or a category's index."""

    @abc.abstractmethod
    def to_external(self, internal: float) -> Any:
        """Decode an internal point into a valid user-facing value."""

    @abc.abstractmethod
    def contains(self, value: Any) -> bool:
        """Whether ``value`` is one this distribution can take."""

    @abc.abstractmethod
    def is_single(self) -> bool:
        """True when the parameter can take only one value."""

    @abc.abstractmethod
    def same_range(self, other: "Distribution") -> bool:
        """Whether two definitions describe the same values (conditions aside)."""

    @abc.abstractmethod
    def describe(self) -> str:
        """A short text that names the kind and the range, for messages."""

    @abc.abstractmethod
    def to_storage(self, value: Any) -> float:
        """The float stored for ``value``: the number itself, or a category's index."""

    @abc.abstractmethod
    def from_storage(self, stored: float) -> Any:
        """The value whose ``to_storage`` is ``stored``."""

    @abc.abstractmethod
    def n_cells(self) -> int:
        """Equal cells of the encoding, one per value: the number of grid values of an Int or a stepped
        Float on a linear scale, the number of choices of a Categorical; 0 for a continuous encoding
        (a Float without step, or a log scale, whose values own cells of unequal widths)."""

    def with_condition(self, when: Condition | None) -> "Distribution":
        """The same distribution with condition ``when`` (None: unconditional)."""
        return replace(cast(Any, self), when=when)

    def encode(self, value: Any) -> float:
        """The internal value of ``value``, or NaN when this distribution cannot take it.

        Samplers read earlier trials through this: a value recorded under another range (a study
        whose space changed) counts where it lies inside this one and is ignored where it does not.
        """
        if not self.contains(value):
            return math.nan
        try:
            u = float(self.to_internal(value))
        except (TypeError, ValueError, OverflowError):
            return math.nan
        if not math.isfinite(u):
            return math.nan
        return u if isinstance(self, Categorical) else min(max(u, 0.0), 1.0)


@dataclass(frozen=True)
class _Numeric(Distribution):
    low: float
    high: float
    log: bool = False
    step: float | None = None
    when: Condition | None = field(default=None, compare=False)

    _kind = "numeric"

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
                raise ValueError(
                    f"{owner}: `step` ({self.step}) does not fit the range [{self.low}, {self.high}]: "
                    f"high - low must be a multiple of step"
                )

    def _step_fits(self) -> bool:
        assert self.step is not None, "only a stepped range has a grid"
        span = (self.high - self.low) / self.step
        return abs(span - round(span)) <= 1e-8 * max(1.0, abs(span))

    def _n_steps(self) -> int:
        """How many steps lie between ``low`` and ``high``."""
        assert self.step is not None, "only a stepped range has a grid"
        return round((self.high - self.low) / self.step)

    @abc.abstractmethod
    def grid_value(self, k: int) -> float | int:
        """The ``k``-th value of the step grid, ``low + k * step``."""

    def n_cells(self) -> int:
        return self._n_steps() + 1 if self._is_linear_grid() else 0

    # Linear grids encode through the grid index: value k owns the cell [k, k + 1) / (n_steps + 1),
    # which stays exact however far ``low`` is from zero. Log scales and continuous ranges map
    # [low, high] (for Int log: [low - 1/2, high + 1/2]) linearly onto [0, 1] in (log) space.
    def _is_linear_grid(self) -> bool:
        return self.step is not None and not self.log

    def encoding_bounds(self) -> tuple[float, float]:
        """The (log-)values that encode to 0 and 1; the encoding is linear in the (log-)value in between
        (for a linear grid too: value k's cell centre is where its value falls)."""
        return self._bounds()

    def _bounds(self) -> tuple[float, float]:
        half = 0.5 * self.step if self.step is not None else 0.0
        low, high = self.low - half, self.high + half
        if self.log:
            return math.log(low), math.log(high)
        return low, high

    def _warp(self, value: float) -> float:
        return math.log(value) if self.log else value

    def to_internal(self, value: Any) -> float:
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
            n_cells = self.n_cells()
            return self.grid_value(min(int(u * n_cells), n_cells - 1))
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
        return self.grid_value(k)

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        value = float(value)
        if not (self.low <= value <= self.high):
            return False
        if self.step is None:
            return True
        k = (value - self.low) / self.step
        return abs(k - round(k)) < 1e-8 * max(1.0, abs(k))

    def is_single(self) -> bool:
        return self.low == self.high

    def same_range(self, other: Distribution) -> bool:
        return type(self) is type(other) and self == other

    def to_storage(self, value: Any) -> float:
        return float(value)


@dataclass(frozen=True)
class Float(_Numeric):
    """A real number in [low, high]; ``log=True`` samples evenly in log space, ``step`` makes a grid."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _check_number(self.low, "low", "Float"))
        object.__setattr__(self, "high", _check_number(self.high, "high", "Float"))
        if self.step is not None:
            object.__setattr__(self, "step", _check_number(self.step, "step", "Float"))
        object.__setattr__(self, "log", bool(self.log))
        if self.log and self.step is not None:
            raise ValueError(f"Float: `step` cannot be combined with log=True (got step={self.step})")
        object.__setattr__(self, "when", _make_condition(self.when, "Float"))
        self._validate()
        if self.step is not None:
            object.__setattr__(self, "high", self.grid_value(self._n_steps()))

    def grid_value(self, k: int) -> float:
        """``low + k * step`` summed in decimal, so that Float(0, 1, step=0.1) has 0.3 and not 0.1 + 0.2."""
        exact = Decimal(repr(self.low)) + k * Decimal(repr(self.step))
        return float(exact)

    def to_external(self, internal: float) -> float:
        return float(self._decode(internal))

    def from_storage(self, stored: float) -> float:
        return float(stored)

    def describe(self) -> str:
        extra = ", log=True" if self.log else (f", step={self.step}" if self.step is not None else "")
        return f"Float({self.low}, {self.high}{extra})"


@dataclass(frozen=True)
class Int(_Numeric):
    """An integer in [low, high] on the grid ``low + k * step``; ``log=True`` favours small values."""

    step: int = 1

    def __post_init__(self) -> None:
        for name in ("low", "high", "step"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                if isinstance(value, numbers.Real) and float(value).is_integer():
                    value = int(float(value))
                else:
                    raise TypeError(f"Int: `{name}` must be an integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        object.__setattr__(self, "log", bool(self.log))
        object.__setattr__(self, "when", _make_condition(self.when, "Int"))
        self._validate()

    def _step_fits(self) -> bool:
        return (self.high - self.low) % self.step == 0

    def _n_steps(self) -> int:
        return int((self.high - self.low) // self.step)

    def grid_value(self, k: int) -> int:
        return int(self.low + k * self.step)

    def to_external(self, internal: float) -> int:
        return int(self._decode(internal))

    def to_internal(self, value: Any) -> float:
        return super().to_internal(int(value))

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value).is_integer():
            return False
        value = int(value) if isinstance(value, numbers.Integral) else int(float(value))
        return self.low <= value <= self.high and (value - self.low) % self.step == 0

    def from_storage(self, stored: float) -> int:
        return int(round(stored))

    def describe(self) -> str:
        extra = ", log=True" if self.log else (f", step={self.step}" if self.step != 1 else "")
        return f"Int({self.low}, {self.high}{extra})"


@dataclass(frozen=True)
class Categorical(Distribution):
    """One of ``choices`` (None, bool, int, float or str values), encoded as its index."""

    choices: Sequence[CategoricalChoice]  # stored as a tuple
    when: Condition | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        ordered = hasattr(self.choices, "__len__") and hasattr(self.choices, "__getitem__")  # list, tuple, array
        if isinstance(self.choices, (str, bytes, set, frozenset, Mapping)) or not ordered:
            raise TypeError(
                f"Categorical: `choices` must be a list or tuple of values, got {self.choices!r} (a str is one "
                f"value, not a list of letters; a set has no fixed order)"
            )
        choices: list[CategoricalChoice] = []
        for c in self.choices:
            if hasattr(c, "item") and not isinstance(c, _ALLOWED_CHOICE_TYPES):
                c = c.item()  # numpy scalars
            if not isinstance(c, _ALLOWED_CHOICE_TYPES):
                raise TypeError(
                    f"Categorical: every choice must be None, bool, int, float or str; got {c!r} "
                    f"of type {type(c).__name__}"
                )
            if any(_same_choice(c, seen) for seen in choices):
                raise ValueError(f"Categorical: `choices` contains {c!r} twice")
            choices.append(c)
        if not choices:
            raise ValueError("Categorical: `choices` must not be empty")
        object.__setattr__(self, "choices", tuple(choices))
        object.__setattr__(self, "when", _make_condition(self.when, "Categorical"))

    def index(self, value: Any) -> int:
        for i, c in enumerate(self.choices):
            if _same_choice(c, value):
                return i
        raise ValueError(f"{value!r} is not one of the choices {list(self.choices)!r}")

    def to_internal(self, value: Any) -> float:
        return float(self.index(value))

    def to_external(self, internal: float) -> CategoricalChoice:
        i = int(round(internal))
        if not 0 <= i < len(self.choices):
            raise ValueError(f"category index {internal} is outside 0..{len(self.choices) - 1}")
        return self.choices[i]

    def contains(self, value: Any) -> bool:
        return any(_same_choice(c, value) for c in self.choices)

    def is_single(self) -> bool:
        return len(self.choices) == 1

    def n_cells(self) -> int:
        return len(self.choices)

    def same_range(self, other: Distribution) -> bool:
        return (
            isinstance(other, Categorical)
            and len(other.choices) == len(self.choices)
            and all(_same_choice(a, b) for a, b in zip(self.choices, other.choices))
        )

    def describe(self) -> str:
        return f"Categorical({list(self.choices)!r})"

    def to_storage(self, value: Any) -> float:
        return float(self.index(value))

    def from_storage(self, stored: float) -> CategoricalChoice:
        return self.choices[int(stored)]


SearchSpace = Mapping[str, Distribution]


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"a parameter name must be a non-empty str, got {name!r}")
    return name


def validate_space(space: Mapping[str, Any]) -> dict[str, Distribution]:
    """Check a whole search space before any work starts; returns it in sampling order.

    Sampling order puts every parent before the parameters that depend on it, and rejects
    conditions on unknown parameters and cycles.
    """
    if not isinstance(space, Mapping):
        raise TypeError(f"the search space must be a mapping of names to Float/Int/Categorical, got {space!r}")
    for name, dist in space.items():
        check_name(name)
        if not isinstance(dist, Distribution):
            raise TypeError(
                f"parameter {name!r}: expected parzen.Float, parzen.Int or parzen.Categorical, got {dist!r}"
            )
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
    """JSON-ready form of a distribution, used by storages."""
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
    when = data.get("when")
    cond = Condition(when[0], tuple(when[1])) if when else None
    kind = data["kind"]
    if kind == "categorical":
        return Categorical(tuple(data["choices"]), when=cond)
    if kind == "int":
        return Int(data["low"], data["high"], log=data["log"], step=data["step"], when=cond)
    if kind == "float":
        return Float(data["low"], data["high"], log=data["log"], step=data["step"], when=cond)
    raise ValueError(f"unknown distribution kind {kind!r}")


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
