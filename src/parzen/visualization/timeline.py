"""Trial timeline: one bar per trial from its start to its end, coloured by state.

Overlapping bars are trials that ran at the same time on parallel workers; the title states the most
that ever ran at once. Failed trials are red, pruned ones orange, and a trial still running reaches
to the moment of the plot.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import TrialState
from parzen.visualization import _backend as bk

if TYPE_CHECKING:
    from parzen.study import Study

BARS_UP_TO = 300  # beyond this many trials, thin lines replace bars (cheaper and still readable)


def plot_timeline(study: "Study", *, backend: str = "matplotlib") -> Any:
    """Start-to-end bars of every trial that has started, by trial number, times in seconds from the first start."""
    backend = bk.check_backend(backend)
    trials = sorted((t for t in study.get_trials() if t.datetime_start is not None), key=lambda t: t.number)
    if not trials:
        raise ValueError(f"study {study.study_name!r} has no started trial to place on a timeline")
    begun = [t.datetime_start for t in trials if t.datetime_start is not None]
    origin = min(begun)
    now = datetime.datetime.now(origin.tzinfo)
    start = np.array([(b - origin).total_seconds() for b in begun])
    end = np.array([((t.datetime_complete or now) - origin).total_seconds() for t in trials])
    number = np.array([t.number for t in trials])
    states = np.array([t.state.name for t in trials])
    title = f"Trial timeline ({len(trials)} trials, up to {_most_at_once(start, end)} at once)"
    xlabel = f"Seconds since {origin:%Y-%m-%d %H:%M:%S}"
    if backend == "matplotlib":
        return _matplotlib(start, end, number, states, title, xlabel)
    return _plotly(start, end, number, states, title, xlabel)


def _most_at_once(start: np.ndarray, end: np.ndarray) -> int:
    """The largest number of overlapping [start, end) intervals (a sweep over sorted events)."""
    events = np.concatenate([np.column_stack([start, np.ones_like(start)]),
                             np.column_stack([end, -np.ones_like(end)])])
    events = events[np.lexsort((events[:, 1], events[:, 0]))]  # an end before a start at the same time
    return int(np.cumsum(events[:, 1]).max())


def _matplotlib(start: np.ndarray, end: np.ndarray, number: np.ndarray, states: np.ndarray, title: str,
                xlabel: str) -> Any:
    n = len(number)
    fig = bk.matplotlib_figure(9, min(3.0 + 0.12 * n, 7.0))
    ax = fig.add_subplot()
    for state in [s.name for s in TrialState]:
        rows = states == state
        if not rows.any():
            continue
        color = bk.STATE_COLORS[state]
        label = f"{state.lower()} ({int(rows.sum())})"
        if n <= BARS_UP_TO:
            width = np.maximum(end[rows] - start[rows], 1e-3 * max(float(end.max() - start.min()), 1e-9))
            ax.barh(number[rows], width, left=start[rows], height=0.8, color=color, label=label)
        else:
            ax.hlines(number[rows], start[rows], end[rows], colors=color, linewidth=1.0, label=label,
                      rasterized=True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Trial")
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", frameon=True, framealpha=0.8)
    return fig


def _plotly(start: np.ndarray, end: np.ndarray, number: np.ndarray, states: np.ndarray, title: str,
            xlabel: str) -> Any:
    go = bk.plotly_go()
    fig = go.Figure(layout=bk.plotly_layout(title, xaxis={"title": {"text": xlabel}},
                                            yaxis={"title": {"text": "Trial"}}, barmode="overlay"))
    for state in [s.name for s in TrialState]:
        rows = states == state
        if not rows.any():
            continue
        fig.add_trace(go.Bar(x=end[rows] - start[rows], base=start[rows], y=number[rows], orientation="h",
                             name=f"{state.lower()} ({int(rows.sum())})",
                             marker={"color": bk.STATE_COLORS[state]},
                             hovertemplate="trial %{y}<br>start %{base:.3f} s<br>duration %{x:.3f} s"))
    return fig
