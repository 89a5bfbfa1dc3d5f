"""Pareto front of a study with two or three objectives: every COMPLETE trial, the front highlighted.

The front is recomputed on the objectives shown, among the feasible trials; infeasible trials are
drawn grey and never belong to it. In two dimensions the front is joined by a line in the order of
the first objective.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from parzen.multi_objective.constraints import is_feasible
from parzen.multi_objective.pareto import non_dominated_mask, to_minimization
from parzen.trial import TrialState
from parzen.visualization import _backend as bk

if TYPE_CHECKING:
    from parzen.study import Study

FRONT_COLOR = "#d62728"
OTHER_COLOR = "#1f77b4"
CAMERA_EYE = {"x": 1.7, "y": 1.7, "z": 1.1}  # plotly 3-D view: far enough back that the axis titles stay in the frame


def plot_pareto_front(study: "Study", *, backend: str = "matplotlib", objectives: Sequence[int] | None = None,
                      target_names: Sequence[str] | None = None) -> Any:
    """Scatter of the objectives ``objectives`` (two or three indices; all of a 2- or 3-objective study
    by default), named ``target_names`` (``Objective i`` by default)."""
    backend = bk.check_backend(backend)
    m = study.n_objectives
    if objectives is None:
        if m not in (2, 3):
            raise ValueError(f"`objectives`: the study has {m} objective(s); name two or three objective indices")
        objectives = list(range(m))
    objectives = list(objectives)
    if len(objectives) not in (2, 3) or len(set(objectives)) != len(objectives):
        raise ValueError(f"`objectives` must list two or three distinct objective indices, got {objectives!r}")
    for i in objectives:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < m:
            raise ValueError(f"`objectives`: {i!r} is not an objective index in 0..{m - 1}")
    names = [f"Objective {i}" for i in objectives] if target_names is None else list(target_names)
    if len(names) != len(objectives) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"`target_names` must give one name (str) per objective shown, got {target_names!r}")
    trials = sorted(study.get_trials(states=(TrialState.COMPLETE,)), key=lambda t: t.number)
    if not trials:
        raise ValueError(f"study {study.study_name!r} has no COMPLETE trial to place on a Pareto front")
    values = np.array([[(t.values or ())[i] for i in objectives] for t in trials], dtype=float)
    feasible = np.array([is_feasible(t) for t in trials], dtype=bool)
    directions = [study.directions[i] for i in objectives]
    front = np.zeros(len(trials), dtype=bool)
    front[feasible] = non_dominated_mask(to_minimization(values[feasible], directions))
    numbers = np.array([t.number for t in trials])
    title = f"Pareto front ({int(front.sum())} of {len(trials)} trials)"
    labels = [f"{n} ({d})" for n, d in zip(names, directions)]
    groups = [("Pareto front", front, FRONT_COLOR), ("dominated", feasible & ~front, OTHER_COLOR),
              ("infeasible", ~feasible, bk.STATE_COLORS["INFEASIBLE"])]
    if backend == "matplotlib":
        return _matplotlib(values, groups, labels, title)
    return _plotly(values, numbers, groups, labels, title)


def _matplotlib(values: np.ndarray, groups: list, labels: list[str], title: str) -> Any:
    three = values.shape[1] == 3
    fig = bk.matplotlib_figure(7.5, 6)
    ax = fig.add_subplot(projection="3d") if three else fig.add_subplot()
    for name, rows, color in groups[::-1]:  # the front last, on top
        if not rows.any():
            continue
        on_front = name == "Pareto front"
        style = {"depthshade": False} if three else {"zorder": 3 if on_front else 2}
        ax.scatter(*values[rows].T, s=28 if on_front else 12, color=color, alpha=1.0 if on_front else 0.5,
                   label=f"{name} ({int(rows.sum())})", rasterized=rows.sum() > 2000, **style)
    front = values[groups[0][1]]
    if not three and len(front) > 1:
        line = front[np.argsort(front[:, 0])]
        ax.plot(line[:, 0], line[:, 1], color=FRONT_COLOR, linewidth=1, alpha=0.7, zorder=2)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if three:
        ax.set_zlabel(labels[2])
    else:
        ax.grid(True, alpha=0.3)
    ax.set_title(title)
    ax.legend(loc="best", frameon=True, framealpha=0.8)
    return fig


def _plotly(values: np.ndarray, numbers: np.ndarray, groups: list, labels: list[str], title: str) -> Any:
    go = bk.plotly_go()
    three = values.shape[1] == 3
    if three:
        layout = bk.plotly_layout(title, scene={"xaxis": {"title": {"text": labels[0]}},
                                                "yaxis": {"title": {"text": labels[1]}},
                                                "zaxis": {"title": {"text": labels[2]}},
                                                "camera": {"eye": CAMERA_EYE}},
                                  margin={"l": 10, "r": 10, "b": 10, "t": 60})
    else:
        layout = bk.plotly_layout(title, xaxis={"title": {"text": labels[0]}}, yaxis={"title": {"text": labels[1]}})
    fig = go.Figure(layout=layout)
    for name, rows, color in groups[::-1]:
        if not rows.any():
            continue
        pts = values[rows]
        on_front = name == "Pareto front"
        marker = {"color": color, "size": (4 if on_front else 3) if three else (7 if on_front else 5)}
        common = {"mode": "markers", "name": f"{name} ({int(rows.sum())})", "marker": marker,
                  "text": [f"trial {n}" for n in numbers[rows]]}
        if three:
            fig.add_trace(go.Scatter3d(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], **common))
        else:
            fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], **common))
    return fig
