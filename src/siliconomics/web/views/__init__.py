"""The dashboard's views: one module each, registered in :data:`VIEWS`.

A view names the inputs it reads (keys of :data:`siliconomics.web.params.FIELDS`) and a
``build`` function that calls ``siliconomics.api`` and arranges the answer into charts.
Each :class:`Chart` holds the plotly figure and the rows it plots, so the page's table and
CSV download are exactly what the chart shows. Adding a view (training, market) is one
module here with a ``VIEW`` and one line in ``_MODULES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from siliconomics.catalog.loader import Catalog


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a chart's table and CSV: the api key, its label with the unit, a format."""

    key: str
    label: str
    fmt: str = "{}"


@dataclass(frozen=True, slots=True)
class Chart:
    """One figure, the rows it plots (api values, unconverted) and the columns shown."""

    id: str
    title: str
    figure: go.Figure
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    charts: list[Chart]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class View:
    name: str
    title: str
    inputs: tuple[str, ...]
    build: Callable[[Mapping[str, Any], Catalog], Result]
    #: The view's own defaults where they differ from the field's (the chips it compares).
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: True when a first answer may take seconds (an operating-point search).
    heavy: bool = True


def gpu_asic_colour(kind: str) -> str:
    """One colour per chip kind in every view (GPU green, ASIC blue, other grey)."""
    return {"gpu": "#2e7d32", "asic": "#1565c0"}.get(kind, "#757575")


def chip_label(row: Mapping[str, Any], key: str = "accelerator") -> str:
    """The chip's id, marked when no validation data backs its predictions."""
    return str(row[key]) + ("" if row.get("validated", True) else " (unvalidated)")


def error_bars(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """A plotly ``error_y`` spanning each row's ``key_low`` to ``key_high`` interval."""
    return {
        "type": "data",
        "symmetric": False,
        "array": [r[f"{key}_high"] - r[key] for r in rows],
        "arrayminus": [r[key] - r[f"{key}_low"] for r in rows],
    }


def layout(fig: go.Figure, *, x: str, y: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        xaxis_title=x,
        yaxis_title=y,
        height=height,
        margin={"l": 60, "r": 20, "t": 30, "b": 90},
        template="plotly_white",
        legend={"orientation": "h", "y": 1.08},
    )
    return fig


def deployment(row: Mapping[str, Any]) -> str:
    """'tp2 dp4', or 'prefill tp1 + decode tp1 dp5' for disaggregated pools (display)."""

    def par(p: Mapping[str, int]) -> str:
        return " ".join(
            f"{k}{p[k]}" for k in ("tp", "pp", "ep", "dp") if k == "tp" or p.get(k, 1) != 1
        )

    if row.get("parallelism"):
        return par(row["parallelism"])
    if row.get("prefill_parallelism"):
        prefill, decode = par(row["prefill_parallelism"]), par(row["decode_parallelism"])
        return f"prefill {prefill} + decode {decode}"
    return ""


def formats(value: str | None) -> list[str] | None:
    """One format choice as the one-element list the api's search takes."""
    return [value] if value else None


# The registry last: each view module imports the helpers above.
_MODULES = (
    "cost",
    "frontier",
    "tco",
    "reasoning",
    "train",
    "datacenter",
    "neocloud",
    "market",
)
VIEWS: dict[str, View] = {
    v.name: v
    for v in (importlib.import_module(f"siliconomics.web.views.{m}").VIEW for m in _MODULES)
}
MAIN = "cost"
