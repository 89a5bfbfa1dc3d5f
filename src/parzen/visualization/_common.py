"""What every plot reads from a study, and how a parameter becomes an axis.

Plots read a study only through its public surface (``get_trials``, ``directions``, the trials'
fields) via :mod:`parzen.importance._table`, the same columns the importance evaluators use. An axis
follows its parameter: a log-scaled parameter gets a log axis, a categorical one is labelled with its
choices (plotted at their indices, with a little jitter so that points do not hide each other).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from parzen.importance._table import ParamColumn, Target, check_params, check_target, param_columns, target_values
from parzen.multi_objective.constraints import is_feasible
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

JITTER = 0.08  # half-width of the spread of points over a category, in category units
MAX_TICK_LABEL = 14  # characters of a category label shown on an axis


@dataclass(frozen=True)
class Objective:
    """The COMPLETE trials of a study and the value a plot shows for each."""

    trials: list[FrozenTrial]
    values: np.ndarray
    name: str
    direction: str
    feasible: np.ndarray

    def best_so_far(self) -> np.ndarray:
        """Best feasible value up to each trial (NaN before the first feasible one)."""
        v = np.where(self.feasible & np.isfinite(self.values), self.values, np.nan)
        if self.direction == "maximize":
            v = -v
        filled = np.where(np.isnan(v), np.inf, v)
        best = np.minimum.accumulate(filled) if len(filled) else filled
        best = np.where(np.isinf(best), np.nan, best)
        return -best if self.direction == "maximize" else best


def objective(study: "Study", target: int | Target | None, target_name: str | None) -> Objective:
    """The COMPLETE trials in trial-number order with their ``target`` values (finite ones only)."""
    fn, name, direction = check_target(study.directions, target, target_name)
    trials = sorted(study.get_trials(states=(TrialState.COMPLETE,)), key=lambda t: t.number)
    values = target_values(trials, fn)
    keep = np.isfinite(values)
    trials = [t for t, k in zip(trials, keep) if k]
    feasible = np.array([is_feasible(t) for t in trials], dtype=bool)
    return Objective(trials, values[keep], name, direction, feasible)


def columns(trials: Sequence[FrozenTrial], params: Sequence[str] | None) -> list[ParamColumn]:
    """One column per parameter asked for (all of them by default), checked against ``trials``."""
    return list(param_columns(trials, check_params(trials, params)).values())


def require_trials(obj: Objective, what: str) -> None:
    if not obj.trials:
        raise ValueError(f"{what} needs at least one COMPLETE trial with a finite value")


def coords(column: ParamColumn, jitter: bool = False, seed: int = 0) -> np.ndarray:
    """Plot coordinates of a column: raw numbers, or choice indices (optionally jittered)."""
    if not column.is_categorical:
        return column.values
    if not jitter:
        return column.values
    rng = np.random.default_rng(seed)
    return column.values + rng.uniform(-JITTER, JITTER, len(column.values))


def short(label: str) -> str:
    return label if len(label) <= MAX_TICK_LABEL else label[: MAX_TICK_LABEL - 1] + "…"


def log_ticks(low: float, high: float, max_ticks: int) -> tuple[list[float], list[int | None]]:
    """Labelled ticks of a log axis over [low, high]: powers of ten (every second or third one when more
    than ``max_ticks`` fit), or, where fewer than two powers fit, both ends and a point between,
    rounded to two digits. Returns the values and each one's power of ten (None: not a power)."""
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    if last - first + 1 >= 2:
        step = math.ceil((last - first + 1) / max_ticks)
        powers = list(range(first, last + 1, step))
        return [10.0 ** e for e in powers], list(powers)
    values = sorted({float(f"{v:.2g}") for v in np.geomspace(low, high, 3)})
    return values, [None] * len(values)


def mpl_param_axis(ax: Any, column: ParamColumn, which: str = "x", max_log_ticks: int = 6) -> None:
    """Scale and ticks of a matplotlib axis that shows ``column``; its label is the parameter name.

    A log axis is labelled only at the ticks of :func:`log_ticks` (at most ``max_log_ticks``), so that
    labels never run into each other in a narrow panel."""
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_label(column.name + (" (log)" if column.log else ""))
    if column.is_categorical:
        n = len(column.choices)
        labels = [short(c) for c in column.labels()]
        if which == "x":
            rotate = n > 6 or max(map(len, labels)) > 6
            ax.set_xticks(range(n), labels, rotation=30 if rotate else 0, ha="right" if rotate else "center")
            ax.set_xlim(-0.5, n - 0.5)
        else:
            ax.set_yticks(range(n), labels)
            ax.set_ylim(-0.5, n - 0.5)
    elif column.log and column.high > column.low > 0:
        from matplotlib.ticker import NullFormatter

        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        values, powers = log_ticks(column.low, column.high, max_log_ticks)
        labels = [f"{v:.3g}" if e is None else f"$10^{{{e}}}$" for v, e in zip(values, powers)]
        axis = ax.xaxis if which == "x" else ax.yaxis
        axis.set_ticks(values, labels)
        axis.set_minor_formatter(NullFormatter())


def plotly_param_axis(column: ParamColumn, max_log_ticks: int = 6) -> dict[str, Any]:
    """Layout of a plotly axis that shows ``column``; a log axis is labelled as by :func:`mpl_param_axis`."""
    axis: dict[str, Any] = {"title": {"text": column.name}}
    if column.is_categorical:
        axis.update(tickmode="array", tickvals=list(range(len(column.choices))),
                    ticktext=[short(c) for c in column.labels()], range=[-0.5, len(column.choices) - 0.5])
    elif column.log and column.high > column.low > 0:
        values, powers = log_ticks(column.low, column.high, max_log_ticks)
        axis.update(type="log", tickmode="array", tickvals=values,
                    ticktext=[f"{v:.3g}" if e is None else f"10<sup>{e}</sup>" for v, e in zip(values, powers)])
    return axis


def hover_texts(trials: Sequence[FrozenTrial], values: np.ndarray, limit: int = 2000) -> list[str] | None:
    """Per-point hover text (trial number, value, parameters) for plotly; None beyond ``limit`` points,
    where the text would cost more than the plot."""
    if len(trials) > limit:
        return None
    return [f"trial {t.number}<br>value {v:.6g}<br>" + "<br>".join(f"{k}={p!r}" for k, p in t.params.items())
            for t, v in zip(trials, values)]
