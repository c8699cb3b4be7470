"""Command line: parse, call one ``api`` function, render a table or ``--json``.

Nothing is computed here. User errors print one line (``error: ...``) and exit with 2.
Each module of this package registers its commands on the one ``app`` when imported;
``COMMAND_MODULES`` is that list, in the order ``--help`` shows the commands.
"""

from __future__ import annotations

import importlib

from siliconomics.cli.common import app

COMMAND_MODULES = (
    "catalog",
    "perf",
    "calibrate",
    "econ",
    "business",
    "datacenter",
    "train",
    "market",
    "report",
    "serve",
)
for _module in COMMAND_MODULES:
    importlib.import_module(f"siliconomics.cli.{_module}")

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover
    app()
