"""Parallel coordinates: one vertical axis per parameter plus the objective, one line per trial.

Each axis spans its parameter's range in the unit encoding (log space for a log parameter, one equal
slot per choice for a categorical one) and is labelled in the parameter's own values. Lines are
coloured by the objective, bright for good values, and the best trials are drawn last, on top.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from parzen.importance._table import ParamColumn, Target
from parzen.visualization import _backend as bk
from parzen.visualization._common import Objective, columns, objective, require_trials, short

if TYPE_CHECKING:
    from parzen.study import Study

N_TICKS = 5
MAX_LINES = 1000  # lines drawn by matplotlib: rasterizing ten thousand full-width lines takes seconds
COLOR_LEVELS = 48  # distinct line colours (each a single path), finer than the eye tells apart
NOT_SET = -0.12  # plotly: where a trial lacking a parameter crosses its axis, below the range
LABEL_PX, PLOTLY_WIDTH, SLANT = 7, 850, 30  # plotly: pixels per label character, width of the axes, label angle


def plot_parallel_coordinate(study: "Study", *, backend: str = "matplotlib", params: Sequence[str] | None = None,
                             target: int | Target | None = None, target_name: str | None = None) -> Any:
    """One line per COMPLETE trial across the axes of ``params`` (all by default) and the objective.

    A trial without one of the parameters (a conditional one) is drawn across the axes it has
    (matplotlib), or crosses that axis at a "not set" mark below its range (plotly, whose lines cannot break).
    """
    backend = bk.check_backend(backend)
    obj = objective(study, target, target_name)
    require_trials(obj, "plot_parallel_coordinate")
    cols = columns(obj.trials, params)
    order = np.argsort(-obj.values if obj.direction == "minimize" else obj.values, kind="stable")  # best last
    draw = _matplotlib if backend == "matplotlib" else _plotly
    return draw(obj, cols, order)


def _ticks(column: ParamColumn) -> tuple[list[float], list[str]]:
    """Positions on [0, 1] and labels of an axis' ticks, in the parameter's own values."""
    if column.is_categorical:
        n = len(column.choices)
        return [(i + 0.5) / n for i in range(n)], [short(c) for c in column.labels()]
    lo, hi = column.low, column.high
    step = column.step or 1.0
    raw: np.ndarray
    if column.log:
        raw = _log_ticks(lo, hi, column.kind == "int")
        pos = (np.log(raw) - math.log(lo)) / (math.log(hi) - math.log(lo)) if hi > lo else np.full(len(raw), 0.5)
    else:
        raw = np.linspace(lo, hi, N_TICKS)
        pos = (raw - lo) / (hi - lo) if hi > lo else np.full(N_TICKS, 0.5)
    if 0 < column.n_cells <= 2 * N_TICKS:  # a short grid: a tick for every value
        raw = lo + np.arange(column.n_cells) * step
        pos = (np.arange(column.n_cells) + 0.5) / column.n_cells
    elif column.n_cells:  # a long grid: tick at the cell centres of the values shown
        raw = np.unique(np.round((raw - lo) / step) * step + lo)
        pos = (np.round((raw - lo) / step) + 0.5) / column.n_cells
    return list(pos), [f"{v:.3g}" for v in raw]


def _log_ticks(lo: float, hi: float, integer: bool) -> np.ndarray:
    """Ticks of a log axis: its ends and the powers of ten between them (two significant digits of an even
    spread when fewer than two powers fit), never two ticks closer than a tenth of the axis."""
    if hi <= lo:
        return np.array([lo])
    span = math.log(hi) - math.log(lo)
    powers = 10.0 ** np.arange(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1)
    inner = list(powers) if len(powers) >= 2 else [float(f"{v:.2g}") for v in np.geomspace(lo, hi, N_TICKS)[1:-1]]
    if integer:
        inner = [float(round(v)) for v in inner]
    ticks = [lo]
    for v in inner + [hi]:
        if math.log(v / ticks[-1]) >= 0.1 * span:
            ticks.append(v)
        elif v == hi:
            ticks[-1] = hi
    return np.array(ticks)


def _objective_axis(obj: Objective) -> tuple[np.ndarray, list[float], list[str]]:
    lo, hi = float(obj.values.min()), float(obj.values.max())
    unit = (obj.values - lo) / (hi - lo) if hi > lo else np.full(len(obj.values), 0.5)
    raw = np.linspace(lo, hi, N_TICKS)
    pos = (raw - lo) / (hi - lo) if hi > lo else np.full(N_TICKS, 0.5)
    return unit, list(pos), [f"{v:.3g}" for v in raw]


def _matplotlib(obj: Objective, cols: list[ParamColumn], order: np.ndarray) -> Any:
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    n_axes = len(cols) + 1
    fig = bk.matplotlib_figure(min(max(6.0, 1.5 * n_axes + 2), 15.0), 5.2)
    ax = fig.add_subplot()
    target_unit, obj_pos, obj_labels = _objective_axis(obj)
    shown = _thin(order)
    ys = np.column_stack([target_unit] + [c.unit() for c in cols])[shown]
    values = obj.values[shown]
    cmap, norm = colormaps[bk.cmap(obj.direction)], Normalize(float(values.min()), float(values.max()))
    level = np.minimum((np.nan_to_num(norm(values), nan=0.5) * COLOR_LEVELS).astype(int), COLOR_LEVELS - 1)
    # one Line2D per colour level, its trials' polylines separated by NaN (as is a parameter a trial
    # lacks): a few dozen paths draw far faster than one per trial; worse levels first, the best on top
    worst_first = range(COLOR_LEVELS - 1, -1, -1) if obj.direction == "minimize" else range(COLOR_LEVELS)
    xs = np.append(np.arange(n_axes, dtype=float), np.nan)
    for k in worst_first:
        rows = ys[level == k]
        if not len(rows):
            continue
        ax.plot(np.tile(xs, len(rows)), np.column_stack([rows, np.full(len(rows), np.nan)]).ravel(),
                color=cmap((k + 0.5) / COLOR_LEVELS), linewidth=1.0, alpha=0.5 if len(values) > 200 else 0.8,
                rasterized=len(values) > 1000, gid="trials")
    ticks = [(obj_pos, obj_labels)] + [_ticks(c) for c in cols]
    for j, (pos, labels) in enumerate(ticks):
        ax.axvline(j, color="black", linewidth=1)
        for p, label in zip(pos, labels):
            ax.text(j - 0.03, p, label, ha="right", va="center", fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})
    ax.set_xticks(range(n_axes), [obj.name] + [c.name + (" (log)" if c.log else "") for c in cols],
                  rotation=20 if n_axes > 5 else 0, ha="right" if n_axes > 5 else "center")
    ax.set_xlim(-0.45, n_axes - 0.8)
    ax.set_ylim(-0.03, 1.03)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Parallel coordinates ({len(order)} trials)" if len(shown) == len(order) else
                 f"Parallel coordinates ({len(shown)} of {len(order)} trials: the best and a sample of the rest)")
    fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label=f"{obj.name} ({obj.direction})", pad=0.01)
    return fig


def _thin(order: np.ndarray) -> np.ndarray:
    """``order`` (best last) cut to MAX_LINES trials: the best tenth (at most half the lines) and an even
    sample of the rest, in order."""
    if len(order) <= MAX_LINES:
        return order
    n_best = min(len(order) // 10, MAX_LINES // 2)
    rest = order[: len(order) - n_best]
    pick = np.linspace(0, len(rest) - 1, MAX_LINES - n_best).round().astype(int)
    return np.concatenate([rest[pick], order[len(order) - n_best:]])


def _plotly(obj: Objective, cols: list[ParamColumn], order: np.ndarray) -> Any:
    go = bk.plotly_go()
    dims = [{"label": obj.name, "values": obj.values[order]}]
    for c in cols:
        pos, labels = _ticks(c)
        dim = {"label": c.name + (" (log)" if c.log else ""), "values": c.unit()[order], "range": [0, 1],
               "tickvals": pos, "ticktext": labels}
        if not c.present.all():  # plotly's lines cannot break: a trial lacking the parameter passes "not set"
            dim.update(values=np.where(c.present[order], c.unit()[order], NOT_SET), range=[NOT_SET - 0.03, 1],
                       tickvals=[NOT_SET, *pos], ticktext=["not set", *labels])
        dims.append(dim)
    title = f"Parallel coordinates ({len(order)} trials)"
    line = {"color": obj.values[order], "colorscale": bk.colorscale(obj.direction), "showscale": True,
            "colorbar": {"title": {"text": obj.name}}}
    longest = max(len(d["label"]) for d in dims)
    if longest * LABEL_PX <= PLOTLY_WIDTH / len(dims):
        return go.Figure(go.Parcoords(dimensions=dims, line=line), layout=bk.plotly_layout(title))
    # names wider than their axes' spacing would run into each other above the plot: slanted below it
    return go.Figure(go.Parcoords(dimensions=dims, line=line, labelside="bottom", labelangle=SLANT),
                     layout=bk.plotly_layout(title, margin={"b": 40 + int(longest * LABEL_PX * 0.5)}))
