"""Seed 003's tuple form of a search space, to and from the core's distributions.

    {"n_estimators": ("int", 10, 200),
     "learning_rate": ("float", 1e-3, 0.1, "log"),
     "max_features": ("categorical", ["sqrt", "log2", None]),
     "C": ("float", 0.1, 10.0, "when", "algorithm", "svm")}

A tuple is its kind, its bounds or choices, an optional ``"log"``, and an optional condition
``"when", parent, value`` (the value may be a list of values). Every malformed tuple is an error
that names its parameter; nothing is dropped silently. Names pass through unchanged, so scikit-learn
pipeline names (``classifier__max_depth``) work.
"""

from __future__ import annotations

import numbers
from typing import Any, Mapping, Sequence

from parzen.space import Categorical, Condition, Distribution, Float, Int, validate_space

KINDS = ("int", "float", "categorical")


def _fail(name: str, spec: Any, message: str) -> ValueError:
    return ValueError(f"search_space[{name!r}] = {spec!r}: {message}")


def _number(name: str, spec: Any, what: str, value: Any, integer: bool) -> Any:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(name, spec, f"the {what} bound must be a number, got {value!r}")
    if integer and not float(value).is_integer():
        raise _fail(name, spec, f"the {what} bound of an 'int' must be an integer, got {value!r}")
    return int(float(value)) if integer else float(value)


def parse_parameter(name: str, spec: Any) -> Distribution:
    """The core distribution of one tuple-form parameter; ValueError naming ``name`` if malformed."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"search_space: parameter names must be non-empty strings, got {name!r}")
    dist = spec if isinstance(spec, Distribution) else _from_tuple(name, spec)
    try:
        dist.check()
    except (TypeError, ValueError) as exc:
        raise _fail(name, spec, str(exc)) from None
    return dist


def _from_tuple(name: str, spec: Any) -> Distribution:
    """The distribution a tuple spells, unchecked; ValueError naming ``name`` if the tuple is malformed."""
    if not isinstance(spec, (tuple, list)) or not spec:
        raise _fail(name, spec, f"expected a tuple such as ('float', low, high) with a kind from {KINDS}")
    kind, rest = spec[0], list(spec[1:])
    if kind not in KINDS:
        raise _fail(name, spec, f"unknown kind {kind!r}; expected one of {KINDS}")
    when: Condition | None = None
    if "when" in rest:
        at = rest.index("when")
        condition = rest[at + 1:]
        if len(condition) != 2:
            raise _fail(name, spec, "a condition is written 'when', parent, value")
        parent, values = condition
        when = Condition(parent, tuple(values) if isinstance(values, (list, tuple)) else (values,))
        rest = rest[:at]
    if kind == "categorical":
        if len(rest) != 1 or isinstance(rest[0], (str, bytes)) or not isinstance(rest[0], Sequence):
            raise _fail(name, spec, "expected ('categorical', [choice, ...])")
        return Categorical(list(rest[0]), when=when)
    log = False
    if rest and rest[-1] == "log":
        log, rest = True, rest[:-1]
    if len(rest) != 2:
        raise _fail(name, spec, f"expected ('{kind}', low, high) or ('{kind}', low, high, 'log')")
    integer = kind == "int"
    low = _number(name, spec, "low", rest[0], integer)
    high = _number(name, spec, "high", rest[1], integer)
    return (Int if integer else Float)(low, high, log=log, when=when)


def parse_space(search_space: Any) -> dict[str, Distribution]:
    """The core space of a tuple-form ``search_space``, ordered parents first and checked whole."""
    if not isinstance(search_space, Mapping) or not search_space:
        raise ValueError(f"`search_space` must be a non-empty dict of parameter tuples, got {search_space!r}")
    space = {name: parse_parameter(name, spec) for name, spec in search_space.items()}
    try:
        return dict(validate_space(space))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`search_space`: {exc}") from None


def to_tuple(dist: Distribution) -> tuple[Any, ...]:
    """The tuple form of a core distribution (the inverse of :func:`parse_parameter`)."""
    if isinstance(dist, Categorical):
        out: tuple[Any, ...] = ("categorical", list(dist.choices))
    else:
        assert isinstance(dist, (Float, Int)), dist
        out = ("int" if isinstance(dist, Int) else "float", dist.low, dist.high)
        if dist.log:
            out += ("log",)
    if dist.when is not None:
        values = dist.when.values
        out += ("when", dist.when.parent, values[0] if len(values) == 1 else list(values))
    return out


def to_tuple_space(space: Mapping[str, Distribution]) -> dict[str, tuple[Any, ...]]:
    return {name: to_tuple(dist) for name, dist in space.items()}
