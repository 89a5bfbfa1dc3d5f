"""Trial timeline: one bar per trial from its start to its end, coloured by state.

Trials do not record which worker ran them, so parallel workers are shown the way their records
allow: when trials overlapped in time, each is placed in a lane by greedy interval partitioning (in
order of start, into the lane that came free first), which needs exactly as many lanes as the most
trials that ever ran at once, so each lane reads as one worker's sequence of trials. A study whose
trials never overlapped is drawn with one row per trial number instead.

Failed trials are red, pruned ones orange, and are drawn over completed ones. A trial still running
reaches to the moment of the plot, but the time axis is scaled to the trials that ended (and the
starts of the running ones): an old running trial, or one whose worker died, would otherwise squash
the whole study into a corner.
"""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.visualization import _backend as bk

if TYPE_CHECKING:
    from parzen.study import Study

BARS_UP_TO = 300  # one row per trial: beyond this many trials, thin lines replace bars
DRAW_ORDER = ("COMPLETE", "WAITING", "PRUNED", "FAIL", "RUNNING")  # later states are drawn on top
MARGIN = 0.03  # share of the time axis left blank at its right end


@dataclass(frozen=True)
class _Bars:
    """Every started trial as a bar: seconds from the first start, its row, and the axes' extent."""

    start: np.ndarray
    end: np.ndarray
    number: np.ndarray
    states: np.ndarray
    row: np.ndarray  # the lane (when trials overlapped) or the trial number
    lanes: int  # how many lanes (the most trials at once); rows are trial numbers when it is 1
    x_end: float  # right end of the time axis
    title: str
    xlabel: str

    @property
    def ylabel(self) -> str:
        return "Worker lane (packed by time)" if self.lanes > 1 else "Trial"


def plot_timeline(study: "Study", *, backend: str = "matplotlib") -> Any:
    """Start-to-end bars of every trial that has started, times in seconds from the first start."""
    backend = bk.check_backend(backend)
    trials = sorted((t for t in study.get_trials() if t.datetime_start is not None), key=lambda t: t.number)
    if not trials:
        raise ValueError(f"study {study.study_name!r} has no started trial to place on a timeline")
    begun = [t.datetime_start for t in trials if t.datetime_start is not None]
    origin = min(begun)
    now = datetime.datetime.now(origin.tzinfo)
    start = np.array([(b - origin).total_seconds() for b in begun])
    ended = np.array([t.datetime_complete is not None for t in trials])
    end = np.array([((t.datetime_complete or now) - origin).total_seconds() for t in trials])
    end = np.maximum(end, start)
    overlap = _most_at_once(start, end) > 1
    row = _lanes(start, end) if overlap else np.array([t.number for t in trials])
    lanes = int(row.max()) + 1 if overlap else 1
    scale = np.concatenate([end[ended], start[~ended]]) if ended.any() else end
    x_end = max(float(scale.max()), 1e-3) * (1 + MARGIN)
    title = f"Trial timeline ({len(trials)} trials, up to {lanes} at once)"
    bars = _Bars(start, end, np.array([t.number for t in trials]), np.array([t.state.name for t in trials]), row,
                 lanes, x_end, title, f"Seconds since {origin:%Y-%m-%d %H:%M:%S}")
    return _matplotlib(bars) if backend == "matplotlib" else _plotly(bars)


def _most_at_once(start: np.ndarray, end: np.ndarray) -> int:
    """The largest number of overlapping [start, end) intervals (a sweep over sorted events)."""
    events = np.concatenate([np.column_stack([start, np.ones_like(start)]),
                             np.column_stack([end, -np.ones_like(end)])])
    events = events[np.lexsort((events[:, 1], events[:, 0]))]  # an end before a start at the same time
    return int(np.cumsum(events[:, 1]).max())


def _lanes(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Lane of each [start, end) interval by greedy interval partitioning: in order of start, the lane
    that came free first if it is free by then, else a new one. Uses :func:`_most_at_once` lanes."""
    lane = np.zeros(len(start), dtype=int)
    free: list[tuple[float, int]] = []  # (time the lane comes free, lane)
    n_lanes = 0
    for i in np.lexsort((end, start)):
        if free and free[0][0] <= start[i]:
            _, lane[i] = heapq.heappop(free)
        else:
            lane[i], n_lanes = n_lanes, n_lanes + 1
        heapq.heappush(free, (float(end[i]), int(lane[i])))
    return lane


def _label(bars: _Bars, state: str, rows: np.ndarray) -> str:
    return f"{state.lower()} ({int(rows.sum())}" + (", to now)" if state == "RUNNING" else ")")


def _matplotlib(bars: _Bars) -> Any:
    from matplotlib.collections import PolyCollection

    n_rows = bars.lanes if bars.lanes > 1 else len(bars.number)
    fig = bk.matplotlib_figure(9, min(3.0 + 0.12 * (n_rows if bars.lanes > 1 else min(n_rows, 40)), 7.0))
    ax = fig.add_subplot()
    thin = bars.lanes == 1 and n_rows > BARS_UP_TO
    min_width = 2e-3 * bars.x_end  # a trial of a few milliseconds still shows
    for state in DRAW_ORDER:
        rows = bars.states == state
        if not rows.any():
            continue
        left, y = bars.start[rows], bars.row[rows].astype(float)
        right = np.maximum(bars.end[rows], left + min_width)
        if thin:
            ax.hlines(y, left, right, colors=bk.STATE_COLORS[state], linewidth=1.0, label=_label(bars, state, rows),
                      rasterized=True)
            continue
        boxes = np.stack([np.column_stack([left, y - 0.4]), np.column_stack([left, y + 0.4]),
                          np.column_stack([right, y + 0.4]), np.column_stack([right, y - 0.4])], axis=1)
        ax.add_collection(PolyCollection(list(boxes), facecolors=bk.STATE_COLORS[state], edgecolors="white",
                                         linewidths=0.3 if len(boxes) < 2000 else 0.0,
                                         label=_label(bars, state, rows), rasterized=len(boxes) > 2000))
    ax.set_xlim(0, bars.x_end)
    ax.set_ylim(float(bars.row.min()) - 0.7, float(bars.row.max()) + 0.7)
    if bars.lanes > 1 and bars.lanes <= 20:
        ax.set_yticks(range(bars.lanes), [str(k + 1) for k in range(bars.lanes)])
    ax.set_xlabel(bars.xlabel)
    ax.set_ylabel(bars.ylabel)
    ax.set_title(bars.title)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def _plotly(bars: _Bars) -> Any:
    go = bk.plotly_go()
    yaxis: dict[str, Any] = {"title": {"text": bars.ylabel}}
    if bars.lanes > 1:
        yaxis.update(tickmode="array", tickvals=list(range(bars.lanes)),
                     ticktext=[str(k + 1) for k in range(bars.lanes)])
    fig = go.Figure(layout=bk.plotly_layout(bars.title, xaxis={"title": {"text": bars.xlabel},
                                                                "range": [0, bars.x_end]},
                                            yaxis=yaxis, barmode="overlay"))
    for state in DRAW_ORDER:
        rows = bars.states == state
        if not rows.any():
            continue
        fig.add_trace(go.Bar(x=bars.end[rows] - bars.start[rows], base=bars.start[rows], y=bars.row[rows],
                             orientation="h", name=_label(bars, state, rows), customdata=bars.number[rows],
                             marker={"color": bk.STATE_COLORS[state]},
                             hovertemplate="trial %{customdata}<br>start %{base:.3f} s<br>duration %{x:.3f} s"))
    return fig
