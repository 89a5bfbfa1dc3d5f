"""Intermediate values: each trial's learning curve (``trial.report``), coloured by how it ended."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial, TrialState
from parzen.visualization import _backend as bk

if TYPE_CHECKING:
    from parzen.study import Study

STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)


def plot_intermediate_values(study: "Study", *, backend: str = "matplotlib") -> Any:
    """One line per trial that reported values, by step; pruned trials stand out from completed ones.

    Non-finite reports (a diverged run) are left out of the line. Raises ValueError when no trial
    reported anything.
    """
    backend = bk.check_backend(backend)
    curves: dict[TrialState, list[tuple[np.ndarray, np.ndarray]]] = {s: [] for s in STATES}
    for t in study.get_trials(states=STATES):
        curve = _curve(t)
        if curve is not None:
            curves[t.state].append(curve)
    if not any(curves.values()):
        raise ValueError(f"study {study.study_name!r} has no intermediate values: no trial called trial.report")
    draw = _matplotlib if backend == "matplotlib" else _plotly
    return draw(curves)


def _curve(t: FrozenTrial) -> tuple[np.ndarray, np.ndarray] | None:
    if not t.intermediate_values:
        return None
    steps = np.array(sorted(t.intermediate_values), dtype=float)
    values = np.array([t.intermediate_values[int(s)] for s in steps], dtype=float)
    ok = np.isfinite(values)
    return (steps[ok], values[ok]) if ok.any() else None


def _matplotlib(curves: dict[TrialState, list[tuple[np.ndarray, np.ndarray]]]) -> Any:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    fig = bk.matplotlib_figure(8, 4.8)
    ax = fig.add_subplot()
    total = sum(len(c) for c in curves.values())
    handles = []
    for state, items in curves.items():
        if not items:
            continue
        color = bk.STATE_COLORS[state.name]
        # fainter as the lines get more, so that a thousand curves show their density, not a solid block
        alpha = float(np.clip(30.0 / len(items), 0.05, 0.9))
        ax.add_collection(LineCollection([np.column_stack(c) for c in items], colors=color, alpha=alpha,
                                         linewidths=1.2 if total <= 200 else 0.6, rasterized=total > 1000))
        singles = [c for c in items if len(c[0]) == 1]  # one report is a point, not a line
        if singles:
            ax.scatter([c[0][0] for c in singles], [c[1][0] for c in singles], s=10, color=color, alpha=alpha)
        handles.append(Line2D([], [], color=color, linewidth=2, label=f"{state.name.lower()} ({len(items)})"))
    ax.autoscale_view()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Step")
    ax.set_ylabel("Intermediate value")
    ax.set_title(f"Intermediate values ({total} trials)")
    ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, loc="upper right", frameon=True, framealpha=0.9)
    return fig


def _plotly(curves: dict[TrialState, list[tuple[np.ndarray, np.ndarray]]]) -> Any:
    go = bk.plotly_go()
    total = sum(len(c) for c in curves.values())
    fig = go.Figure(layout=bk.plotly_layout(f"Intermediate values ({total} trials)",
                                            xaxis={"title": {"text": "Step"}},
                                            yaxis={"title": {"text": "Intermediate value"}}))
    for state, items in curves.items():
        if not items:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for steps, values in items:  # one trace per state; None breaks the line between trials
            xs.extend(steps.tolist() + [None])
            ys.extend(values.tolist() + [None])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers" if total <= 50 else "lines",
                                 name=f"{state.name.lower()} ({len(items)})",
                                 line={"color": bk.STATE_COLORS[state.name], "width": 1.2},
                                 marker={"size": 4}, opacity=0.8))
    return fig
