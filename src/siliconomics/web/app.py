"""The web server: routes, the result cache and the run loop (FastAPI on uvicorn).

Routes: ``/`` (the main view), ``/view/{name}?inputs`` (a page), ``/csv/{name}/{chart}?inputs``
(the rows a chart plots), ``/static/plotly.min.js`` (plotly's own bundle, served from the
installed plotly package so the page works offline). Nothing else is served; no route reads
or writes a file other than that bundle and the catalog overlay given at start.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError
from siliconomics.web import page
from siliconomics.web.params import Choices, cache_key, parse
from siliconomics.web.views import MAIN, VIEWS, Result, View

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Answers:
    """The views' answers by parsed inputs, least recently used dropped past ``size``.

    One lock serialises the api calls: the dashboard is one analyst's local tool, and two
    searches at once would only halve each other's speed on the same cores.
    """

    def __init__(self, catalog: Catalog, size: int = 256) -> None:
        self.catalog = catalog
        self.size = size
        self.choices = Choices.of(catalog)
        self._cache: OrderedDict[tuple[Any, ...], Result | str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, view: View, query: dict[str, list[str]]) -> Result | str:
        """The view's result for ``query``, or the one-line error the api raised."""
        try:
            values = parse(query, view.inputs, self.choices, view.defaults)
        except SiliconomicsError as exc:
            return " ".join(str(exc).split())
        key = (view.name, cache_key(values))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            try:
                answer: Result | str = view.build(values, self.catalog)
            except SiliconomicsError as exc:
                answer = " ".join(str(exc).split())
            self._cache[key] = answer
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
            return answer


def _query(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, []).append(v)
    return out


def _view(name: str) -> View:
    if name not in VIEWS:
        raise HTTPException(404, f"no view {name!r}; views: {', '.join(VIEWS)}")
    return VIEWS[name]


def create_app(catalog: Catalog | None = None) -> FastAPI:
    """The dashboard for ``catalog`` (the built-in one, or with the user's overlay)."""
    answers = Answers(catalog or api.get_catalog())
    economic = api.economic_inputs()
    defaults = {
        "hw": "ticked: the chips shown (none: the view's defaults)",
        "systems": "none ticked: every system with a rack design",
    }
    app = FastAPI(title="siliconomics", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.answers = answers

    @app.get("/")
    def index() -> RedirectResponse:
        return RedirectResponse(f"/view/{MAIN}", status_code=307)

    @app.get("/view/{name}", response_class=HTMLResponse)
    def view_page(name: str, request: Request) -> HTMLResponse:
        view = _view(name)
        query = _query(request)
        answer = answers.get(view, query)
        result, error = (None, answer) if isinstance(answer, str) else (answer, None)
        html = page.render(view, query, answers.choices, economic, defaults, result, error)
        return HTMLResponse(html, status_code=200 if error is None else 422)

    @app.get("/csv/{name}/{chart}")
    def view_csv(name: str, chart: str, request: Request) -> Response:
        view = _view(name)
        answer = answers.get(view, _query(request))
        if isinstance(answer, str):
            return Response(f"error: {answer}\n", status_code=422, media_type="text/plain")
        for c in answer.charts:
            if c.id == chart:
                return Response(
                    page.csv_text(c),
                    media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{chart}.csv"'},
                )
        raise HTTPException(404, f"no chart {chart!r} in view {name!r}")

    @app.get("/static/plotly.min.js")
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, headers={"Cache-Control": "public, max-age=86400"})

    return app


def warm(app: FastAPI) -> float:
    """Compute the main view's default answer now (seconds taken), so the first page is fast."""
    start = time.perf_counter()
    app.state.answers.get(VIEWS[MAIN], {})
    return time.perf_counter() - start


def check_port(host: str, port: int) -> None:
    """One clear line when the port cannot be bound, before the server starts."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise SiliconomicsError(
                f"--port: cannot listen on {host}:{port} ({exc.strerror}); choose another port"
            ) from None


def server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    )


@contextlib.contextmanager
def running(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a background thread (tests, benchmarks, notebooks); yields the base
    URL and stops the server on exit. Port 0 takes a free port."""
    if port == 0:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    srv = server(app, host, port)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the dashboard did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
