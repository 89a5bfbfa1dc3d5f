"""The dashboard's plots: the plotly figures of :mod:`parzen.visualization`, as JSON for plotly.js.

The dashboard draws nothing itself. ``parzen.visualization.applicable_plots`` decides which plots
apply to a study (a history once a trial completed, a Pareto front with 2 or 3 objectives, the
per-objective plots once per objective), and ``plotly_json`` draws each, so the page, ``parzen plot``
and a user's own script show the same figures. This module only orders them for the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parzen.study import Study

ORDER = ("pareto_front", "history", "importance", "parallel_coordinate", "slice", "intermediate_values",
         "edf", "timeline", "contour")
"""Plot kinds in the order the study page shows them: the ones a person looks at first come first, the
slowest to draw (the contour, which fits a surface) last."""


def plot_id(kind: str, target: int | None) -> str:
    """The name of one plot on the page and in the API: the kind, with ``-{objective}`` per objective."""
    return kind if target is None else f"{kind}-{target}"


def parse_plot_id(plot: str) -> tuple[str, int | None]:
    """``(kind, target)`` of a :func:`plot_id`; ValueError for a name that is not one."""
    kind, sep, target = plot.rpartition("-")
    kind, target_index = (kind, int(target)) if sep and target.isdigit() else (plot, None)
    if kind not in ORDER:
        raise ValueError(f"unknown plot {plot!r}; plot kinds: {', '.join(ORDER)}")
    return kind, target_index


def available(study: "Study") -> list[dict[str, Any]]:
    """The plots that apply to ``study`` now, in page order: ``{"id", "kind", "target"}`` each."""
    from parzen.visualization import applicable_plots

    found = applicable_plots(study)
    found.sort(key=lambda kt: (ORDER.index(kt[0]) if kt[0] in ORDER else len(ORDER), kt[1] or 0))
    return [{"id": plot_id(kind, target), "kind": kind, "target": target} for kind, target in found]


def figure(study: "Study", kind: str, target: int | None) -> dict[str, Any]:
    """Plot ``kind`` of objective ``target`` as plotly JSON (``{"data": [...], "layout": {...}}``)."""
    from parzen.visualization import plotly_json

    return plotly_json(study, kind, target=target)
