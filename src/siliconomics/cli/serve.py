"""The ``serve`` command: the interactive dashboard in the browser (siliconomics.web)."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from siliconomics import api, web
from siliconomics.cli.common import CatalogOpt, app, err, out, user_errors
from siliconomics.errors import SiliconomicsError


@app.command()
@user_errors
def serve(
    port: Annotated[int, typer.Option(help="TCP port to listen on")] = 8050,
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; anything but 127.0.0.1 exposes the dashboard"),
    ] = "127.0.0.1",
    catalog: CatalogOpt = None,
) -> None:
    """Start the interactive dashboard on 127.0.0.1 and print its URL; Ctrl-C stops it."""
    if web.MISSING:
        raise SiliconomicsError(f"{web.INSTALL_HINT} ({web.MISSING} is not installed)")
    if not 0 < port < 65536:
        raise SiliconomicsError(f"--port: must be between 1 and 65535, got {port}")
    cat = api.get_catalog(catalog)
    if host not in web.LOOPBACK:
        err.print(
            f"warning: --host {host} exposes the dashboard to every machine that can reach "
            "this one; it has no authentication",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    web.check_port(host, port)
    application = web.create_app(cat)
    out.print("preparing the main view (the first operating-point search takes seconds)...")
    seconds = web.warm(application)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    out.print(
        f"siliconomics dashboard: {url} (ready in {seconds:.1f} s; Ctrl-C stops it)",
        soft_wrap=True,
    )
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal it handled
    with contextlib.suppress(KeyboardInterrupt):
        web.server(application, host, port).run()
    out.print("stopped")
