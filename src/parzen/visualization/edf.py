"""Empirical distribution function of the objective: the share of trials at or below each value.

Several studies of one problem (two samplers, two search spaces) on one plot show which one puts
more of its trials at good values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from parzen.importance._table import Target
from parzen.visualization import _backend as bk
from parzen.visualization._common import objective

if TYPE_CHECKING:
    from parzen.study import Study


def plot_edf(study: "Study | Sequence[Study]", *, backend: str = "matplotlib", target: int | Target | None = None,
             target_name: str | None = None) -> Any:
    """One step curve per study (a study or a list of them) over the values of its COMPLETE trials."""
    backend = bk.check_backend(backend)
    studies = list(study) if isinstance(study, Sequence) else [study]
    if not studies:
        raise ValueError("`study`: give a study or a non-empty list of studies")
    objs = [(s.study_name, objective(s, target, target_name)) for s in studies]
    curves = [(name, np.sort(o.values)) for name, o in objs if len(o.values)]
    if not curves:
        raise ValueError("plot_edf needs at least one COMPLETE trial with a finite value")
    value_name = objs[0][1].name
    title = f"Empirical distribution of {value_name}"
    if backend == "matplotlib":
        fig = bk.matplotlib_figure(8, 4.8)
        ax = fig.add_subplot()
        for name, v in curves:
            ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", linewidth=2, label=f"{name} ({len(v)})")
        ax.set_xlabel(value_name)
        ax.set_ylabel("Share of trials with a value <= x")
        ax.set_ylim(0, 1.02)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", frameon=False)
        return fig
    go = bk.plotly_go()
    fig = go.Figure(layout=bk.plotly_layout(title,
                                            xaxis={"title": {"text": value_name}},
                                            yaxis={"title": {"text": "Share of trials with a value <= x"},
                                                   "range": [0, 1.02]}))
    for name, v in curves:
        fig.add_trace(go.Scatter(x=v, y=np.arange(1, len(v) + 1) / len(v), mode="lines", line={"shape": "hv"},
                                 name=f"{name} ({len(v)})"))
    return fig
