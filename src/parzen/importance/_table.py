"""Finished trials as columns: one per parameter, plus the objective to explain.

Shared by :mod:`parzen.importance` and :mod:`parzen.visualization`, so that both read a study the
same way: only through its public surface (``get_trials``, ``directions``, each trial's ``params``,
``distributions`` and ``values``).

A parameter may be absent from some trials (a conditional parameter) and its definition may change
during a study (a widened range); a column keeps a presence mask and describes the parameter by the
union of the ranges it was drawn from. The *unit* encoding puts every parameter on [0, 1]: numbers
linearly, in log space when the parameter is log-scaled; integers on a step grid and categories own
equal cells, value ``k`` of ``n`` at the cell centre ``(k + 0.5) / n``, so that a uniform measure on
[0, 1] weighs every grid value and every choice the same.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from parzen.space import Categorical, Distribution, Float, Int
from parzen.trial import FrozenTrial

Target = Callable[[FrozenTrial], float]
MAX_GRID_CELLS = 64
"""An integer parameter with more values than this is treated as continuous."""


@dataclass(frozen=True)
class ParamColumn:
    """One parameter across a list of trials.

    ``values`` holds the raw value of each trial (the choice index for a categorical parameter),
    NaN where the trial lacks the parameter; ``present`` says which trials hold it.
    """

    name: str
    kind: str  # "float", "int" or "categorical"
    log: bool
    low: float
    high: float
    step: float | None
    choices: tuple[Any, ...]
    values: np.ndarray
    present: np.ndarray

    @property
    def is_categorical(self) -> bool:
        return self.kind == "categorical"

    @property
    def n_cells(self) -> int:
        """How many equal cells the unit encoding has (0 for a continuous parameter)."""
        if self.is_categorical:
            return len(self.choices)
        if self.step is not None and not self.log:
            n = int(round((self.high - self.low) / self.step)) + 1
            return n if n <= MAX_GRID_CELLS else 0
        return 0

    def labels(self) -> list[str]:
        """Display names of the choices of a categorical parameter."""
        return [str(c) for c in self.choices]

    def unit(self) -> np.ndarray:
        """Each trial's value on [0, 1] (see the module docstring); NaN where absent."""
        v = self.values
        n = self.n_cells
        if n:
            index = v if self.is_categorical else np.round((v - self.low) / (self.step or 1.0))
            return (index + 0.5) / n
        lo, hi = (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)
        if hi <= lo:
            return np.where(self.present, 0.5, np.nan)
        x = np.log(np.where(self.present, v, self.low)) if self.log else v
        return np.where(self.present, (x - lo) / (hi - lo), np.nan)


def param_names(trials: Sequence[FrozenTrial]) -> list[str]:
    """Every parameter name of ``trials``, in order of first appearance."""
    seen: dict[str, None] = {}
    for t in trials:
        for name in t.params:
            seen.setdefault(name)
    return list(seen)


def param_column(trials: Sequence[FrozenTrial], name: str) -> ParamColumn:
    """The column of parameter ``name`` over ``trials`` (it must appear in at least one)."""
    return param_columns(trials, [name])[name]


def param_columns(trials: Sequence[FrozenTrial], names: Sequence[str]) -> dict[str, ParamColumn]:
    """The columns of ``names`` over ``trials``, read in one pass over the trials."""
    found: dict[str, tuple[list[int], list[Any], dict[int, Distribution]]] = {n: ([], [], {}) for n in names}
    last: dict[str, Distribution] = {}
    for row, t in enumerate(trials):
        dists = t.distributions
        for name, value in t.params.items():
            entry = found.get(name)
            if entry is None:
                continue
            entry[0].append(row)
            entry[1].append(value)
            d = dists.get(name)
            if d is not None:
                entry[2][id(d)] = d  # distinct objects (storages often share one) are few
                last[name] = d
    out = {}
    for name, (rows, values, by_id) in found.items():
        if name not in last:
            raise ValueError(f"`params`: no trial holds the parameter {name!r}")
        present = np.zeros(len(trials), dtype=bool)
        present[rows] = True
        distinct = list({d.describe(): d for d in by_id.values()}.values())
        out[name] = _column(name, last[name], distinct, np.array(rows, dtype=int), values, present)
    return out


def _column(name: str, last: Distribution, distinct: list[Distribution], rows: np.ndarray, raw: list[Any],
            present: np.ndarray) -> ParamColumn:
    values = np.full(len(present), np.nan)
    if isinstance(last, Categorical):
        merged = _merged_choices(last, [d for d in distinct if isinstance(d, Categorical)])
        lookup = {(type(c), c): i for i, c in enumerate(merged.choices)}
        index = [lookup.get((type(v), v)) for v in raw]
        values[rows] = [merged.index(v) if i is None else i for v, i in zip(raw, index)]  # NaN misses the dict
        n = len(merged.choices)
        return ParamColumn(name, "categorical", False, 0.0, n - 1.0, 1.0, tuple(merged.choices), values, present)
    numeric = [d for d in distinct if isinstance(d, (Float, Int))]
    low = min(float(d.low) for d in numeric)
    high = max(float(d.high) for d in numeric)
    steps = {d.step for d in numeric}
    step = steps.pop() if len(steps) == 1 else None
    if step is not None and abs((high - low) / step - round((high - low) / step)) > 1e-8:
        step = None
    values[rows] = np.asarray(raw, dtype=float)
    if len(rows):  # a value outside every recorded range (an enqueued one) widens the column
        low, high = min(low, float(values[rows].min())), max(high, float(values[rows].max()))
    kind = "int" if isinstance(last, Int) else "float"
    return ParamColumn(name, kind, bool(last.log), low, high, step, (), values, present)  # type: ignore[attr-defined]


def _merged_choices(last: Categorical, dists: Sequence[Categorical]) -> Categorical:
    """The latest definition's choices, then any older choice it no longer offers."""
    merged = last
    for d in dists:
        extra = [c for c in d.choices if not merged.contains(c)]
        if extra:
            merged = Categorical((*merged.choices, *extra))
    return merged


def check_params(trials: Sequence[FrozenTrial], params: Sequence[str] | None) -> list[str]:
    """The parameter names to look at: ``params`` checked against ``trials``, or all of them."""
    known = param_names(trials)
    if params is None:
        return known
    if isinstance(params, str) or not isinstance(params, Sequence):
        raise TypeError(f"`params` must be a list of parameter names, got {params!r}")
    for p in params:
        if not isinstance(p, str):
            raise TypeError(f"`params` must hold parameter names (str), got {p!r}")
        if p not in known:
            raise ValueError(f"`params`: unknown parameter {p!r}; the finished trials have {known!r}")
    return list(dict.fromkeys(params))


def check_target(directions: Sequence[str], target: int | Target | None,
                 target_name: str | None = None) -> tuple[Target, str, str]:
    """``(function of a trial, its name, its direction)`` for the value to explain or plot.

    ``target`` is an objective's index, a function of a FrozenTrial, or None (the only objective of a
    single-objective study; a study with several objectives must say which). A function's direction
    is the study's when it has one objective and "minimize" otherwise.
    """
    if target_name is not None and not isinstance(target_name, str):
        raise TypeError(f"`target_name` must be a str, got {target_name!r}")
    if target is None:
        if len(directions) != 1:
            raise ValueError(
                f"`target`: the study has {len(directions)} objectives; pass an objective index "
                f"(0..{len(directions) - 1}) or a function of a trial"
            )
        target = 0
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        index = int(target)
        if not 0 <= index < len(directions):
            raise ValueError(f"`target` must be an objective index in 0..{len(directions) - 1}, got {index}")
        name = target_name or ("Objective value" if len(directions) == 1 else f"Objective {index}")
        return (lambda t: t.values[index]), name, directions[index]
    if not callable(target):
        raise TypeError(f"`target` must be an objective index, a function of a trial or None, got {target!r}")
    direction = directions[0] if len(directions) == 1 else "minimize"
    return target, target_name or "Target value", direction


def target_values(trials: Sequence[FrozenTrial], target: Target) -> np.ndarray:
    """``target`` of each trial as floats (NaN where it gives None or something not finite)."""
    out = np.empty(len(trials))
    for i, t in enumerate(trials):
        v = target(t)
        try:
            out[i] = math.nan if isinstance(v, (bool, str, bytes)) else float(v)
        except (TypeError, ValueError):
            out[i] = math.nan
    out[~np.isfinite(out)] = math.nan
    return out

