"""The dashboard's web application (Starlette): a static page, plotly.js, and a small read-only JSON API.

Routes:

* ``/`` the page (``static/index.html``; it routes between the study list and a study by the URL's
  fragment, ``#/study/NAME``), ``/static/...`` its script and style sheet, ``/static/plotly.min.js``
  the copy of plotly.js inside the installed ``plotly`` package (no CDN, works offline).
* ``GET /api/studies``: a summary of every study.
* ``GET /api/studies/{name}``: one study's summary, the columns of its trials table, its revision.
* ``GET /api/studies/{name}/revision``: the revision alone, polled by the page for live updates.
* ``GET /api/studies/{name}/trials?offset=&limit=&sort=&order=asc|desc&state=&q=``: one page of trials.
* ``GET /api/studies/{name}/plots``: the plots that apply to the study, in page order.
* ``GET /api/studies/{name}/plots/{plot}``: one of them as a plotly figure (see :mod:`parzen.dashboard.plots`).

Every route only reads; the storage is opened read-only by :func:`create_app`'s caller. Endpoints
are plain functions, which Starlette runs in its thread pool, so a slow read never stalls the server.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from typing import TYPE_CHECKING, Any, AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from parzen.dashboard import plots
from parzen.dashboard.data import BadQuery, DashboardData, UnknownStudy

if TYPE_CHECKING:
    from parzen.storages import BaseStorage

STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")


def plotly_js_path() -> str:
    """The path of ``plotly.min.js`` in the installed plotly package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the dashboard needs plotly: pip install 'parzen[dashboard]'")
    path = os.path.join(list(spec.submodule_search_locations)[0], "package_data", "plotly.min.js")
    if not os.path.isfile(path):
        raise ImportError(f"the installed plotly package has no {path}")
    return path


def _int_query(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be an integer, got {raw!r}") from None


def create_app(storage: "BaseStorage") -> Starlette:
    """The dashboard application over ``storage``, which it only reads."""
    data = DashboardData(storage)
    plotly_js = plotly_js_path()

    def index(request: Request) -> Response:
        return FileResponse(os.path.join(STATIC_DIR, "index.html"), headers={"Cache-Control": "no-cache"})

    def plotly(request: Request) -> Response:
        return FileResponse(plotly_js, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    def studies(request: Request) -> Response:
        return JSONResponse({"studies": data.studies()})

    def study(request: Request) -> Response:
        return JSONResponse(data.study(request.path_params["name"]))

    def revision(request: Request) -> Response:
        return JSONResponse({"revision": data.revision(request.path_params["name"])})

    def trials(request: Request) -> Response:
        q = request.query_params
        order = q.get("order", "asc")
        if order not in ("asc", "desc"):
            raise BadQuery(f"order must be asc or desc, got {order!r}")
        page = data.trials_page(request.path_params["name"], offset=_int_query(request, "offset", 0),
                                limit=_int_query(request, "limit", 50), sort=q.get("sort", "number"),
                                descending=order == "desc", state=q.get("state") or None, text=q.get("q", ""))
        return JSONResponse(page)

    def plot_list(request: Request) -> Response:
        name = request.path_params["name"]
        return JSONResponse({"plots": data.computed(name, "plots", plots.available)})

    def plot(request: Request) -> Response:
        name, plot_id = request.path_params["name"], request.path_params["plot"]
        try:
            kind, target = plots.parse_plot_id(plot_id)
            figure = data.computed(name, f"plot:{plot_id}", lambda study: plots.figure(study, kind, target))
        except ValueError as exc:  # an unknown kind, or a plot that does not apply to this study
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse({"id": plot_id, "figure": figure})

    async def unknown_study(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": f"no study named {str(exc.args[0])!r}"}, status_code=404)

    async def bad_query(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=400)

    routes: list[Any] = [
        Route("/", index),
        Route("/favicon.ico", no_icon),
        Route("/static/plotly.min.js", plotly),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        Route("/api/studies", studies),
        Route("/api/studies/{name:path}/revision", revision),
        Route("/api/studies/{name:path}/trials", trials),
        Route("/api/studies/{name:path}/plots", plot_list),
        Route("/api/studies/{name:path}/plots/{plot}", plot),
        Route("/api/studies/{name:path}", study),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Read every study and import plotly now, aside: the first page would otherwise wait for both.
        threading.Thread(target=_warm_up, args=(data,), name="parzen-dashboard-warmup", daemon=True).start()
        yield

    return Starlette(routes=routes, exception_handlers={UnknownStudy: unknown_study, BadQuery: bad_query},
                     lifespan=lifespan)


def _warm_up(data: DashboardData) -> None:
    """Read every study once and import what drawing a plot needs, before the first page asks.

    A failure here is left for the page's own requests to report, with their error responses.
    """
    with contextlib.suppress(Exception):
        data.studies()
    try:
        import plotly.graph_objects  # noqa: F401

        import parzen.visualization  # noqa: F401
    except ImportError:  # the plot requests will answer with the reason
        pass
