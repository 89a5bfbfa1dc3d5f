"""Contour of the objective over a pair of parameters (seed 003's "relationships"), with the trials on top.

The surface interpolates the trials linearly (Delaunay triangles, ``scipy.interpolate.griddata``) in
the unit encoding, so a log parameter is interpolated in log space and shown on a log axis, and a
categorical one sits on labelled slots. Outside the trials' convex hull the surface is left blank
rather than extrapolated.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from parzen.importance import ImportanceEvaluator, get_param_importances
from parzen.importance._table import ParamColumn, Target
from parzen.visualization import _backend as bk
from parzen.visualization._common import (
    Objective,
    columns,
    mpl_param_axis,
    objective,
    plotly_param_axis,
    require_trials,
)

if TYPE_CHECKING:
    from parzen.study import Study

GRID = 100  # interpolation points per axis
MAX_NODES = 2000  # beyond this many trials, the surface goes through cell means (see _nodes)
CELLS = 40  # cells per axis of that averaging


def plot_contour(study: "Study", *, backend: str = "matplotlib", params: Sequence[str] | None = None,
                 target: int | Target | None = None, target_name: str | None = None,
                 evaluator: ImportanceEvaluator | None = None) -> Any:
    """The objective over the two parameters ``params`` (by default the two that ``evaluator``, the
    default importance evaluator if None, ranks highest).

    Uses the COMPLETE trials that hold both parameters; needs at least three of them.
    """
    backend = bk.check_backend(backend)
    obj = objective(study, target, target_name)
    require_trials(obj, "plot_contour")
    if params is None:
        params = _default_pair(study, obj, target, evaluator)
    if isinstance(params, str) or len(params) != 2:
        raise ValueError(f"`params` must name exactly two parameters, got {params!r}")
    cx, cy = columns(obj.trials, params)
    both = cx.present & cy.present
    if both.sum() < 3:
        raise ValueError(f"plot_contour needs three trials holding both {cx.name!r} and {cy.name!r}")
    surface = _surface(cx, cy, obj.values, both)
    draw = _matplotlib if backend == "matplotlib" else _plotly
    return draw(obj, cx, cy, both, surface)


def _default_pair(study: "Study", obj: Objective, target: int | Target | None,
                  evaluator: ImportanceEvaluator | None) -> list[str]:
    """The two most important parameters that at least three trials hold together."""
    ranked = list(get_param_importances(study, target=target, evaluator=evaluator))
    for i, a in enumerate(ranked):
        for b in ranked[i + 1:]:
            if sum(1 for t in obj.trials if a in t.params and b in t.params) >= 3:
                return [a, b]
    raise ValueError("plot_contour needs two parameters that at least three COMPLETE trials hold together")


def _surface(cx: ParamColumn, cy: ParamColumn, values: np.ndarray,
             rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid coordinates (in plot coordinates) and the interpolated values (GRID x GRID, NaN outside)."""
    from scipy.interpolate import griddata
    from scipy.spatial import Delaunay, QhullError

    points, z_points = _nodes(np.column_stack([cx.unit()[rows], cy.unit()[rows]]), values[rows])
    gu = np.linspace(0.0, 1.0, GRID)
    try:
        z = _linear(Delaunay(points), z_points, gu)
    except QhullError:  # all points on one line (e.g. two-choice categories): nearest neighbour instead
        z = griddata(points, z_points, tuple(np.meshgrid(gu, gu)), method="nearest")
    return _from_unit(cx, gu), _from_unit(cy, gu), z


def _linear(tri: Any, values: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``values`` (at ``tri``'s points) on the square grid ``g`` x ``g``; NaN
    outside the triangulation.

    Each triangle fills the grid points inside its bounding box, by barycentric weights computed here
    in one vectorized pass. scipy's own lookup (``griddata``) instead inverts one tiny matrix per
    triangle through BLAS, whose thread pool on a busy machine turns milliseconds into seconds.
    """
    pts, tris = tri.points, tri.simplices
    a, b, c = pts[tris[:, 0]], pts[tris[:, 1]], pts[tris[:, 2]]
    det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    ok = np.abs(det) > 1e-14
    a, b, c, tris, det = a[ok], b[ok], c[ok], tris[ok], det[ok]
    n, step = len(g), g[1] - g[0]
    corners = np.stack([a, b, c])
    lo = np.clip(np.ceil(corners.min(axis=0) / step - 1e-9), 0, n - 1).astype(int)
    hi = np.clip(np.floor(corners.max(axis=0) / step + 1e-9), 0, n - 1).astype(int)
    nx, ny = np.maximum(hi[:, 0] - lo[:, 0] + 1, 0), np.maximum(hi[:, 1] - lo[:, 1] + 1, 0)
    which = np.repeat(np.arange(len(tris)), nx * ny)  # one row per (triangle, grid point in its box)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(nx * ny) - nx * ny, nx * ny)
    ix, iy = lo[which, 0] + offset % nx[which], lo[which, 1] + offset // nx[which]
    px, py = g[ix] - a[which, 0], g[iy] - a[which, 1]
    bx, by = b[which, 0] - a[which, 0], b[which, 1] - a[which, 1]
    ex, ey = c[which, 0] - a[which, 0], c[which, 1] - a[which, 1]
    wb = (px * ey - py * ex) / det[which]
    wc = (bx * py - by * px) / det[which]
    inside = (wb >= -1e-9) & (wc >= -1e-9) & (wb + wc <= 1 + 1e-9)
    v = values[tris[which]]
    z = np.full((n, n), np.nan)
    z[iy[inside], ix[inside]] = ((1 - wb - wc) * v[:, 0] + wb * v[:, 1] + wc * v[:, 2])[inside]
    return z


def _nodes(points: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points the surface interpolates: the trials themselves, or for a long study the mean point
    and mean value of the trials in each occupied cell of a CELLS x CELLS grid (a triangulation of
    thousands of nearby trials costs seconds and draws noise rather than shape)."""
    if len(points) <= MAX_NODES:
        return points, values
    cell = np.minimum((points * CELLS).astype(int), CELLS - 1)
    key = cell[:, 0] * CELLS + cell[:, 1]
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    mean = [np.bincount(inverse, weights=w) / counts for w in (points[:, 0], points[:, 1], values)]
    return np.column_stack(mean[:2]), mean[2]


def _from_unit(column: ParamColumn, u: np.ndarray) -> np.ndarray:
    """Plot coordinates of unit-encoded points: raw numbers, or category indices."""
    if column.n_cells:
        slot = u * column.n_cells - 0.5
        return slot if column.is_categorical else column.low + slot * column.step  # type: ignore[operator]
    if column.log:
        return np.exp(math.log(column.low) + u * (math.log(column.high) - math.log(column.low)))
    return column.low + u * (column.high - column.low)


def _matplotlib(obj: Objective, cx: ParamColumn, cy: ParamColumn, rows: np.ndarray,
                surface: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Any:
    gx, gy, z = surface
    fig = bk.matplotlib_figure(7.5, 6)
    ax = fig.add_subplot()
    filled = None
    if np.isfinite(z).any() and np.nanmax(z) > np.nanmin(z):
        filled = ax.contourf(gx, gy, z, levels=14, cmap=bk.cmap(obj.direction), alpha=0.85)
    many = rows.sum() > 1000  # thousands of dots would hide the surface they sit on
    ax.scatter(cx.values[rows], cy.values[rows], s=2 if many else 10, c="black", alpha=0.2 if many else 0.5,
               linewidths=0, label=f"trials ({int(rows.sum())})", rasterized=many)
    mpl_param_axis(ax, cx, "x")
    mpl_param_axis(ax, cy, "y")
    ax.set_title(f"{obj.name} over {cx.name} and {cy.name}")
    ax.legend(loc="upper right", frameon=True, framealpha=0.8)
    if filled is not None:
        fig.colorbar(filled, ax=ax, label=f"{obj.name} ({obj.direction})")
    return fig


def _plotly(obj: Objective, cx: ParamColumn, cy: ParamColumn, rows: np.ndarray,
            surface: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Any:
    go = bk.plotly_go()
    gx, gy, z = surface
    fig = go.Figure(layout=bk.plotly_layout(f"{obj.name} over {cx.name} and {cy.name}",
                                            xaxis=plotly_param_axis(cx), yaxis=plotly_param_axis(cy)))
    fig.add_trace(go.Contour(x=gx, y=gy, z=z, colorscale=bk.colorscale(obj.direction), ncontours=14,
                             colorbar={"title": {"text": obj.name}}, connectgaps=False, name=obj.name))
    fig.add_trace(go.Scatter(x=cx.values[rows], y=cy.values[rows], mode="markers", name="trials",
                             marker={"color": "black", "size": 5, "opacity": 0.6}))
    return fig
