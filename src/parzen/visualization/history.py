"""Optimization history: every COMPLETE trial's value by trial number, and the best value so far."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from parzen._checks import check_bool
from parzen.importance._table import Target
from parzen.visualization import _backend as bk
from parzen.visualization._common import Objective, hover_texts, objective, require_trials

if TYPE_CHECKING:
    from parzen.study import Study

LOG_SPAN = 1e3
"""With ``log_y=None`` the value axis is logarithmic when all values are positive and span this ratio."""


def plot_optimization_history(study: "Study", *, backend: str = "matplotlib", target: int | Target | None = None,
                              target_name: str | None = None, log_y: bool | None = None) -> Any:
    """Values of the COMPLETE trials in order, with the best-so-far line (feasible trials only).

    ``log_y`` forces a logarithmic value axis (True) or a linear one (False); None chooses a log axis
    when every value is positive and they span three orders of magnitude, where a linear axis would
    flatten the best-so-far line against the bottom. Infeasible trials are drawn grey.
    """
    backend = bk.check_backend(backend)
    if log_y is not None:
        log_y = check_bool("log_y", log_y)
    obj = objective(study, target, target_name)
    require_trials(obj, "plot_optimization_history")
    if log_y is None:
        v = obj.values
        log_y = bool(np.all(v > 0) and v.max() / v.min() >= LOG_SPAN)
    elif log_y and not np.all(obj.values > 0):
        raise ValueError("`log_y=True` needs positive values; this target has values <= 0")
    draw = _matplotlib if backend == "matplotlib" else _plotly
    return draw(obj, log_y)


def _matplotlib(obj: Objective, log_y: bool) -> Any:
    fig = bk.matplotlib_figure(8, 4.8)
    ax = fig.add_subplot()
    numbers = np.array([t.number for t in obj.trials])
    ok = obj.feasible
    size = 12 if len(numbers) <= 1000 else 4
    ax.scatter(numbers[ok], obj.values[ok], s=size, color=bk.STATE_COLORS["COMPLETE"], alpha=0.6,
               label="trial", rasterized=len(numbers) > 2000, linewidths=0)
    if (~ok).any():
        ax.scatter(numbers[~ok], obj.values[~ok], s=size, color=bk.STATE_COLORS["INFEASIBLE"], alpha=0.6,
                   label="infeasible trial", rasterized=len(numbers) > 2000, linewidths=0)
    ax.step(numbers, obj.best_so_far(), where="post", color=bk.BEST_COLOR, linewidth=2, label="best so far")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("Trial")
    ax.set_ylabel(obj.name + (" (log)" if log_y else ""))
    ax.set_title(f"Optimization history of {obj.name} ({obj.direction})")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", frameon=True, framealpha=0.9)
    return fig


def _plotly(obj: Objective, log_y: bool) -> Any:
    go = bk.plotly_go()
    numbers = [t.number for t in obj.trials]
    ok = obj.feasible
    fig = go.Figure(layout=bk.plotly_layout(
        f"Optimization history of {obj.name} ({obj.direction})", xaxis={"title": {"text": "Trial"}},
        yaxis={"title": {"text": obj.name}, "type": "log" if log_y else "linear"}))
    idx = np.flatnonzero(ok)
    fig.add_trace(go.Scatter(x=[numbers[i] for i in idx], y=obj.values[idx], mode="markers", name=obj.name,
                             marker={"color": bk.STATE_COLORS["COMPLETE"], "size": 6, "opacity": 0.7},
                             hovertext=hover_texts([obj.trials[i] for i in idx], obj.values[idx]),
                             hoverinfo="text" if len(idx) <= 2000 else "x+y"))
    if (~ok).any():
        bad = np.flatnonzero(~ok)
        fig.add_trace(go.Scatter(x=[numbers[i] for i in bad], y=obj.values[bad], mode="markers", name="infeasible",
                                 marker={"color": bk.STATE_COLORS["INFEASIBLE"], "size": 6}))
    fig.add_trace(go.Scatter(x=numbers, y=obj.best_so_far(), mode="lines", name="best so far",
                             line={"color": bk.BEST_COLOR, "width": 2, "shape": "hv"}))
    return fig
