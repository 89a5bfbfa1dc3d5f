"""Parameter importance as horizontal bars, the most important parameter on top."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from parzen.importance import ImportanceEvaluator, PedAnovaImportanceEvaluator, get_param_importances
from parzen.importance._table import Target, check_target
from parzen.visualization import _backend as bk

if TYPE_CHECKING:
    from parzen.study import Study


def plot_param_importances(study: "Study", *, backend: str = "matplotlib",
                           evaluator: ImportanceEvaluator | None = None, params: Sequence[str] | None = None,
                           target: int | Target | None = None, target_name: str | None = None) -> Any:
    """Bars of :func:`parzen.importance.get_param_importances` (normalized: the bars sum to 1).

    The title names the evaluator and the value explained, so two such plots are never confused.
    """
    backend = bk.check_backend(backend)
    _, name, _ = check_target(study.directions, target, target_name)
    evaluator = evaluator if evaluator is not None else PedAnovaImportanceEvaluator()
    importances = get_param_importances(study, evaluator=evaluator, params=params, target=target)
    title = f"Parameter importance for {name} ({evaluator.name})"
    names = list(importances)[::-1]  # bars are drawn bottom-up
    values = [importances[n] for n in names]
    if backend == "matplotlib":
        fig = bk.matplotlib_figure(8, max(2.5, 0.45 * len(names) + 1.2))
        ax = fig.add_subplot()
        bars = ax.barh(names, values, color=bk.STATE_COLORS["COMPLETE"])
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3)
        ax.set_xlim(0, _axis_end(values))
        ax.set_xlabel("Importance (share of the total)")
        ax.set_title(title)
        ax.grid(True, axis="x", alpha=0.3)
        return fig
    go = bk.plotly_go()
    return go.Figure(
        go.Bar(x=values, y=names, orientation="h", text=[f"{v:.2f}" for v in values], textposition="outside",
               cliponaxis=False, marker={"color": bk.STATE_COLORS["COMPLETE"]}),
        layout=bk.plotly_layout(title, xaxis={"title": {"text": "Importance (share of the total)"},
                                              "range": [0, _axis_end(values)]},
                                height=max(300, 40 * len(names) + 150)))


def _axis_end(values: list[float]) -> float:
    """The right end of the value axis: a quarter beyond the longest bar, room for its label."""
    return max(max(values, default=0.0) * 1.25, 0.05)
