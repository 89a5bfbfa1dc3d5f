"""Slice plot: the objective against each parameter on its own, one panel per parameter.

Points are coloured by trial number (dark = early, bright = late), which shows where the search
went as it learned; log parameters get log axes and categorical ones their labels.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from parzen.importance._table import ParamColumn, Target
from parzen.visualization import _backend as bk
from parzen.visualization._common import (
    Objective,
    columns,
    coords,
    hover_texts,
    mpl_param_axis,
    objective,
    plotly_param_axis,
    require_trials,
)

if TYPE_CHECKING:
    from parzen.study import Study

MAX_COLUMNS = 4  # panels per row


def plot_slice(study: "Study", *, backend: str = "matplotlib", params: Sequence[str] | None = None,
               target: int | Target | None = None, target_name: str | None = None) -> Any:
    """One scatter panel per parameter in ``params`` (all by default) of the COMPLETE trials holding it."""
    backend = bk.check_backend(backend)
    obj = objective(study, target, target_name)
    require_trials(obj, "plot_slice")
    cols = columns(obj.trials, params)
    if not cols:
        raise ValueError("plot_slice needs at least one parameter")
    draw = _matplotlib if backend == "matplotlib" else _plotly
    return draw(obj, cols)


def _matplotlib(obj: Objective, cols: list[ParamColumn]) -> Any:
    from matplotlib.colors import Normalize

    n_cols = min(len(cols), MAX_COLUMNS)
    n_rows = math.ceil(len(cols) / n_cols)
    fig = bk.matplotlib_figure(max(5.0, 3.6 * n_cols + 1.2), 3.3 * n_rows + 0.6)
    axes = fig.subplots(n_rows, n_cols, sharey=True, squeeze=False)
    numbers = np.array([t.number for t in obj.trials])
    norm = Normalize(float(numbers.min()), float(max(numbers.max(), numbers.min() + 1)))
    points = None
    for k, column in enumerate(cols):
        ax = axes[k // n_cols][k % n_cols]
        has = column.present
        points = ax.scatter(coords(column, jitter=True, seed=k)[has], obj.values[has], c=numbers[has], s=10,
                            cmap="viridis", norm=norm, alpha=0.7, linewidths=0, rasterized=has.sum() > 2000)
        mpl_param_axis(ax, column, "x", max_log_ticks=3)
        ax.grid(True, alpha=0.3)
        if k % n_cols == 0:
            ax.set_ylabel(obj.name)
    for k in range(len(cols), n_rows * n_cols):
        axes[k // n_cols][k % n_cols].set_visible(False)
    fig.suptitle(f"Slice plot ({len(obj.trials)} trials)")
    fig.colorbar(points, ax=axes, label="Trial number", shrink=0.9)
    return fig


def _plotly(obj: Objective, cols: list[ParamColumn]) -> Any:
    go = bk.plotly_go()
    from plotly.subplots import make_subplots

    n_cols = min(len(cols), MAX_COLUMNS)
    n_rows = math.ceil(len(cols) / n_cols)
    fig = make_subplots(rows=n_rows, cols=n_cols, shared_yaxes=True, horizontal_spacing=0.04,
                        vertical_spacing=0.12 if n_rows > 1 else 0.0)
    numbers = np.array([t.number for t in obj.trials])
    for k, column in enumerate(cols):
        has = np.flatnonzero(column.present)
        x = coords(column, jitter=True, seed=k)[has]
        fig.add_trace(go.Scatter(
            x=x, y=obj.values[has], mode="markers", name=column.name, showlegend=False,
            hovertext=hover_texts([obj.trials[i] for i in has], obj.values[has]),
            marker={"color": numbers[has], "colorscale": "Viridis", "size": 6, "opacity": 0.7,
                    "cmin": int(numbers.min()), "cmax": int(numbers.max()), "showscale": k == 0,
                    "colorbar": {"title": {"text": "Trial"}}}), row=k // n_cols + 1, col=k % n_cols + 1)
        fig.update_xaxes(plotly_param_axis(column, max_log_ticks=3), row=k // n_cols + 1, col=k % n_cols + 1)
    fig.update_yaxes(title_text=obj.name, col=1)
    fig.update_layout(bk.plotly_layout(f"Slice plot ({len(obj.trials)} trials)",
                                       height=max(380, 320 * n_rows)))
    return fig
