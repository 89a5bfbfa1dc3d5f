"""The two drawing back ends, imported only when a plot is drawn (both are optional extras).

matplotlib figures are built as ``matplotlib.figure.Figure`` objects, never through ``pyplot``: no
global state, no GUI back end chosen behind the user's back, and figures are freed like any object.
plotly figures are ``plotly.graph_objects.Figure``; their HTML carries plotly.js from the installed
package (inline, or one copy beside the files), never a link to a CDN.
"""

from __future__ import annotations

import base64
import json
import math
import pathlib
from typing import Any

import numpy as np

BACKENDS = ("matplotlib", "plotly")
FORMATS = {"matplotlib": ("png", "svg", "pdf"), "plotly": ("html", "json")}

STATE_COLORS = {"COMPLETE": "#1f77b4", "PRUNED": "#ff7f0e", "FAIL": "#d62728", "RUNNING": "#7f7f7f",
                "WAITING": "#bcbd22", "INFEASIBLE": "#b0b0b0"}
BEST_COLOR = "#d62728"
COLORMAP = "viridis"
"""Colour scale for objective values; reversed for a minimized objective so that good is always bright."""


def check_backend(backend: Any) -> str:
    if not isinstance(backend, str):
        raise TypeError(f"`backend` must be one of {BACKENDS}, got {backend!r}")
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {BACKENDS}, got {backend!r}")
    return backend


def matplotlib_figure(width: float = 8.0, height: float = 5.0) -> Any:
    """A new, unmanaged matplotlib Figure with a constrained layout (labels never overlap the axes)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("backend='matplotlib' needs matplotlib: pip install 'parzen[plot]'") from exc
    return Figure(figsize=(width, height), layout="constrained", dpi=100)


def plotly_go() -> Any:
    """``plotly.graph_objects``, with an error that says how to install it."""
    try:
        import plotly.graph_objects as go
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("backend='plotly' needs plotly: pip install 'parzen[plot]'") from exc
    return go


def plotly_layout(title: str, **extra: Any) -> dict[str, Any]:
    """The layout every plotly figure starts from: a white template and a title."""
    return {"title": {"text": title}, "template": "plotly_white", **extra}


def colorscale(direction: str) -> str:
    """Plotly's name of :data:`COLORMAP`, reversed for minimization (bright = good)."""
    return "Viridis_r" if direction == "minimize" else "Viridis"


def cmap(direction: str) -> str:
    return COLORMAP + "_r" if direction == "minimize" else COLORMAP


def save_figure(fig: Any, path: pathlib.Path, *, inline_js: bool = False) -> pathlib.Path:
    """Write a figure of either back end; the format follows the file's suffix.

    A plotly ``.html`` file carries plotly.js inline with ``inline_js``, or else refers to one
    ``plotly.min.js`` copied from the installed package into the same folder.
    """
    suffix = path.suffix.lstrip(".")
    if hasattr(fig, "savefig"):
        fig.savefig(path, format=suffix)
    elif suffix == "html":
        fig.write_html(path, include_plotlyjs=True if inline_js else "directory", full_html=True)
    else:
        path.write_text(json.dumps(plain_json(fig.to_plotly_json())), encoding="utf-8")
    return path


def plain_json(obj: Any) -> Any:
    """``obj`` (a plotly figure's ``to_plotly_json()``) in plain JSON types: lists instead of numpy
    arrays and of the base64 typed arrays plotly packs them into (which a reader would have to decode
    to count points), and None for NaN and infinities (which JSON cannot hold; plotly.js draws gaps)."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:  # plotly's typed-array form of a numpy array
            array = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"])
            if "shape" in obj:
                array = array.reshape([int(n) for n in str(obj["shape"]).split(",")])
            return plain_json(array)
        return {k: plain_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain_json(obj.tolist())
    if isinstance(obj, np.generic):
        return plain_json(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
