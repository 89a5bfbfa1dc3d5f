"""The dashboard's plots: plotly figures from :mod:`parzen.visualization`, as JSON for plotly.js.

The dashboard draws nothing itself: each plot kind names the function of ``parzen.visualization``
that draws it with the plotly back end, so the page, ``parzen plot`` and a user's own script show the
same figures. A plot that does not apply to a study (a Pareto front with one objective, intermediate
values nobody reported) is answered with the reason instead of a figure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study


@dataclass(frozen=True)
class PlotKind:
    """One plot of the study page: its title, the drawing function and when it applies."""

    title: str
    function: str
    applies: Callable[["Study", list[FrozenTrial]], str | None]  # None when it applies, else why not


def _needs_complete(study: "Study", trials: list[FrozenTrial]) -> str | None:
    if not any(t.state == TrialState.COMPLETE for t in trials):
        return "no trial has completed yet"
    return None


def _needs_params(study: "Study", trials: list[FrozenTrial]) -> str | None:
    missing = _needs_complete(study, trials)
    if missing is None and not any(t.params for t in trials if t.state == TrialState.COMPLETE):
        return "the completed trials have no parameters"
    return missing


def _needs_single_objective(study: "Study", trials: list[FrozenTrial]) -> str | None:
    if study.n_objectives != 1:
        return "the study has several objectives: see the Pareto front"
    return _needs_params(study, trials)


def _needs_intermediate(study: "Study", trials: list[FrozenTrial]) -> str | None:
    if not any(t.intermediate_values for t in trials):
        return "no trial has reported intermediate values"
    return None


def _needs_several_objectives(study: "Study", trials: list[FrozenTrial]) -> str | None:
    if study.n_objectives not in (2, 3):
        return "a Pareto front needs 2 or 3 objectives"
    return _needs_complete(study, trials)


KINDS: dict[str, PlotKind] = {
    "history": PlotKind("Optimization history", "plot_optimization_history", _needs_complete),
    "importance": PlotKind("Parameter importance", "plot_param_importances", _needs_single_objective),
    "parallel": PlotKind("Parallel coordinates", "plot_parallel_coordinate", _needs_params),
    "slice": PlotKind("Slice", "plot_slice", _needs_params),
    "intermediate": PlotKind("Intermediate values", "plot_intermediate_values", _needs_intermediate),
    "pareto": PlotKind("Pareto front", "plot_pareto_front", _needs_several_objectives),
}


def build(kind: str, study: "Study", trials: list[FrozenTrial]) -> dict[str, Any]:
    """``{"figure": <plotly figure as JSON data>}``, or ``{"reason": why}`` when the plot does not apply."""
    spec = KINDS[kind]
    reason = spec.applies(study, trials)
    if reason is not None:
        return {"reason": reason}
    try:
        import parzen.visualization as visualization
    except ImportError as exc:
        return {"reason": f"plots need parzen.visualization and plotly: {exc}"}
    draw = getattr(visualization, spec.function, None)
    if draw is None:
        return {"reason": f"this parzen.visualization has no {spec.function}"}
    try:
        figure = draw(study, backend="plotly")
    except (ValueError, RuntimeError) as exc:  # the plot's own check that the study does not suit it
        return {"reason": str(exc)}
    # plotly's own encoder turns numpy arrays and dates into JSON; the page parses this text.
    return {"figure": json.loads(figure.to_json())}
