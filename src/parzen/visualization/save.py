"""Every plot that applies to a study, by name: for ``save_plots``, the ``parzen plot`` command and the dashboard.

A plot applies when the study holds what it shows: a history needs a COMPLETE trial, a contour two
parameters, intermediate values a trial that reported, a Pareto front two or three objectives. In a
study with several objectives, the plots of one objective are made once per objective.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Any, Callable

from parzen.importance import ImportanceEvaluator
from parzen.importance._table import param_names
from parzen.trial import TrialState
from parzen.visualization import _backend as bk
from parzen.visualization.contour import plot_contour
from parzen.visualization.edf import plot_edf
from parzen.visualization.history import plot_optimization_history
from parzen.visualization.importance import plot_param_importances
from parzen.visualization.intermediate import plot_intermediate_values
from parzen.visualization.parallel_coordinate import plot_parallel_coordinate
from parzen.visualization.pareto import plot_pareto_front
from parzen.visualization.slice import plot_slice
from parzen.visualization.timeline import plot_timeline

if TYPE_CHECKING:
    from parzen.study import Study

PLOT_KINDS: dict[str, Callable[..., Any]] = {
    "history": plot_optimization_history,
    "importance": plot_param_importances,
    "parallel_coordinate": plot_parallel_coordinate,
    "slice": plot_slice,
    "contour": plot_contour,
    "edf": plot_edf,
    "intermediate_values": plot_intermediate_values,
    "timeline": plot_timeline,
    "pareto_front": plot_pareto_front,
}
"""Plot kinds by name; each takes the study first and ``backend=`` (and ``target=`` for the per-objective ones)."""

PER_OBJECTIVE = ("history", "importance", "parallel_coordinate", "slice", "contour", "edf")
MIN_TRIALS = {"history": 1, "edf": 1, "slice": 1, "parallel_coordinate": 1, "importance": 2, "contour": 3}
MIN_PARAMS = {"history": 0, "edf": 0, "slice": 1, "parallel_coordinate": 1, "importance": 1, "contour": 2}


def applicable_plots(study: "Study") -> list[tuple[str, int | None]]:
    """``(kind, objective index)`` of every plot that applies to ``study`` (index None: not per objective)."""
    trials = study.get_trials()
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    n_params = len(param_names(complete))
    kinds = [k for k in PER_OBJECTIVE if len(complete) >= MIN_TRIALS[k] and n_params >= MIN_PARAMS[k]]
    if "contour" in kinds and not _has_pair(complete):
        kinds.remove("contour")
    m = study.n_objectives
    out: list[tuple[str, int | None]] = [(k, None if m == 1 else i) for i in range(m) for k in kinds]
    if any(t.intermediate_values for t in trials):
        out.append(("intermediate_values", None))
    if any(t.datetime_start is not None for t in trials):
        out.append(("timeline", None))
    if m in (2, 3) and complete:
        out.append(("pareto_front", None))
    return out


def _has_pair(complete: list) -> bool:
    """Whether two parameters share at least three COMPLETE trials (what a contour needs)."""
    names = param_names(complete)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if sum(1 for t in complete if a in t.params and b in t.params) >= 3:
                return True
    return False


def make_plot(study: "Study", kind: str, *, backend: str = "matplotlib", target: int | None = None,
              evaluator: ImportanceEvaluator | None = None) -> Any:
    """The figure of plot ``kind`` (a key of :data:`PLOT_KINDS`) for objective ``target``; ``evaluator``
    ranks the parameters of the importance plot and picks the pair of the contour."""
    if kind not in PLOT_KINDS:
        raise ValueError(f"`kind` must be one of {sorted(PLOT_KINDS)}, got {kind!r}")
    if kind in ("importance", "contour"):
        return PLOT_KINDS[kind](study, backend=backend, target=target, evaluator=evaluator)
    if kind in PER_OBJECTIVE:
        return PLOT_KINDS[kind](study, backend=backend, target=target)
    return PLOT_KINDS[kind](study, backend=backend)


def plotly_json(study: "Study", kind: str, *, target: int | None = None) -> dict[str, Any]:
    """Plot ``kind`` as a plotly figure in plain JSON types (``{"data": [...], "layout": {...}}``, arrays
    as lists, NaN as null), ready for ``json.dumps`` and ``Plotly.newPlot(div, fig.data, fig.layout)``."""
    return bk.plain_json(make_plot(study, kind, backend="plotly", target=target).to_plotly_json())


def save_plots(study: "Study", out_dir: str | pathlib.Path, *, backend: str = "matplotlib",
               fmt: str | None = None, inline_js: bool = False,
               evaluator: ImportanceEvaluator | None = None) -> list[pathlib.Path]:
    """Write every plot that applies to ``study`` into ``out_dir`` (created if missing); returns the files.

    ``fmt`` is png (default), svg or pdf for matplotlib and html (default) or json for plotly. HTML
    files work offline: plotly.js is copied once into ``out_dir`` from the installed plotly package,
    or embedded in each file with ``inline_js=True``. Files are named after the plot kind, with
    ``_objective{i}`` for the per-objective plots of a study with several objectives. ``evaluator``
    is the importance evaluator of the importance and contour plots (PED-ANOVA if None).
    """
    backend = bk.check_backend(backend)
    formats = bk.FORMATS[backend]
    fmt = formats[0] if fmt is None else fmt
    if fmt not in formats:
        raise ValueError(f"`fmt` must be one of {formats} with backend={backend!r}, got {fmt!r}")
    if not isinstance(out_dir, (str, pathlib.Path)):
        raise TypeError(f"`out_dir` must be a path, got {out_dir!r}")
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, target in applicable_plots(study):
        fig = make_plot(study, kind, backend=backend, target=target, evaluator=evaluator)
        name = kind if target is None else f"{kind}_objective{target}"
        written.append(bk.save_figure(fig, out / f"{name}.{fmt}", inline_js=inline_js))
        _close(fig)
    return written


def _close(fig: Any) -> None:
    """Drop a matplotlib figure's drawing buffers at once (it was never registered with pyplot)."""
    if hasattr(fig, "savefig"):
        fig.clear()
