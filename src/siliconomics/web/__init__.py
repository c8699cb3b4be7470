"""The ``serve`` dashboard: a thin web shell over :mod:`siliconomics.api`.

It parses a query string, calls the api through one view module per question and renders
plotly charts, tables and CSVs; it computes nothing. The server (FastAPI on uvicorn) is the
optional ``web`` extra: :data:`MISSING` names the missing module when it is not installed.

The server modules load on first use of :func:`create_app` and friends (PEP 562), not when
the command line starts: FastAPI and uvicorn add half a second that no other command needs.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

#: The first module of the ``web`` extra that is not installed, or None.
MISSING: str | None = next(
    (m for m in ("fastapi", "uvicorn") if importlib.util.find_spec(m) is None), None
)
INSTALL_HINT = 'the dashboard needs the web extra: pip install "siliconomics[web]"'
_SERVER = ("create_app", "running", "server", "warm", "check_port", "LOOPBACK")

__all__ = ["INSTALL_HINT", "MISSING", *_SERVER]


def __getattr__(name: str) -> Any:
    if name in _SERVER:
        return getattr(importlib.import_module("siliconomics.web.app"), name)
    raise AttributeError(f"module 'siliconomics.web' has no attribute {name!r}")
