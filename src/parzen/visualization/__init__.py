"""Plots of a study, drawn with matplotlib (PNG, SVG, PDF) or plotly (interactive HTML that works offline).

Every ``plot_*`` function takes the study first and ``backend="matplotlib"`` or ``"plotly"``, and
returns that library's figure: ``fig.savefig(path)`` for matplotlib, ``fig.write_html(path)`` or
``fig.to_json()`` for plotly. Both libraries are optional extras (``pip install 'parzen[plot]'``),
imported only when a plot is drawn. ``save_plots(study, out_dir)`` writes every plot that applies.
"""

from parzen.visualization.contour import plot_contour
from parzen.visualization.edf import plot_edf
from parzen.visualization.history import plot_optimization_history
from parzen.visualization.importance import plot_param_importances
from parzen.visualization.intermediate import plot_intermediate_values
from parzen.visualization.parallel_coordinate import plot_parallel_coordinate
from parzen.visualization.pareto import plot_pareto_front
from parzen.visualization.save import PLOT_KINDS, applicable_plots, make_plot, plotly_json, save_plots
from parzen.visualization.slice import plot_slice
from parzen.visualization.timeline import plot_timeline

__all__ = ["PLOT_KINDS", "applicable_plots", "make_plot", "plot_contour", "plot_edf", "plot_intermediate_values",
           "plot_optimization_history", "plot_parallel_coordinate", "plot_param_importances", "plot_pareto_front",
           "plot_slice", "plot_timeline", "plotly_json", "save_plots"]
