"""TCO per chip-hour, line by line, stacked against dated rental quotes (api.tco)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError
from siliconomics.web.params import OVERRIDES
from siliconomics.web.views import Chart, Column, Result, View, layout

#: The chips with a sourced purchase price (the others need ``chip_price_usd``).
DEFAULT_HARDWARE = (
    "nvidia-a100-sxm",
    "nvidia-h100-sxm",
    "nvidia-h200-sxm",
    "nvidia-b200",
    "nvidia-gb200",
    "amd-mi300x",
    "intel-gaudi3",
    "google-tpu7x",
)

COLUMNS = (
    Column("accelerator", "chip"),
    Column("item", "item"),
    Column("kind", "kind"),
    Column("usd_per_hour", "USD per chip-hour", "{:.3f}"),
    Column("date", "date"),
    Column("source", "source"),
)


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    chips = v["hw"]
    price = v["chip_price_usd"]
    if price is not None and len(chips) != 1:
        raise SiliconomicsError(
            f"chip_price_usd: applies to one chip; tick one chip under hw, got {len(chips)}"
        )
    results = [
        api.tco(hw, overrides=v["overrides"], chip_price_usd=price, catalog=cat) for hw in chips
    ]
    rows: list[dict[str, Any]] = []
    for r in results:
        for line, value in r["lines_usd_per_hour"].items():
            rows.append(
                {
                    "accelerator": r["accelerator"],
                    "item": line,
                    "kind": "tco line",
                    "usd_per_hour": value,
                    "date": r["chip_price"]["date"] if line == "chip" else "",
                    "source": r["chip_price"]["source"] if line == "chip" else "",
                }
            )
        for q in r["market"]["latest"]:
            rows.append(
                {
                    "accelerator": r["accelerator"],
                    "item": f"rental: {q['provider']} ({q['commitment']})",
                    "kind": "rental quote",
                    "usd_per_hour": q["value_usd_per_hour"],
                    "date": q["date"],
                    "source": q["source"],
                }
            )
    fig = go.Figure()
    for line in results[0]["lines_usd_per_hour"] if results else ():
        these = [x for x in rows if x["kind"] == "tco line" and x["item"] == line]
        fig.add_trace(
            go.Bar(
                x=[x["accelerator"] for x in these],
                y=[x["usd_per_hour"] for x in these],
                name=line,
                hovertemplate="%{x}: " + line + " %{y:.3f} USD/chip-hour<extra></extra>",
            )
        )
    quotes = [x for x in rows if x["kind"] == "rental quote"]
    fig.add_trace(
        go.Scatter(
            x=[x["accelerator"] for x in quotes],
            y=[x["usd_per_hour"] for x in quotes],
            mode="markers",
            name="rental quotes",
            marker={"symbol": "diamond", "size": 9, "color": "#c62828"},
            text=[f"{x['item']}, {x['date']} [{x['source']}]" for x in quotes],
            hovertemplate="%{x}: %{y:.2f} USD/chip-hour<br>%{text}<extra></extra>",
        )
    )
    layout(fig, x="chip", y="USD per chip-hour")
    fig.update_layout(barmode="stack")
    notes = [
        f"{r['accelerator']}: TCO {r['total_usd_per_hour']:.3f} USD/chip-hour; chip price "
        f"{r['chip_price']['value_usd']:,.0f} USD ({r['chip_price']['source']})"
        for r in results
    ]
    return Result([Chart("tco", "TCO per chip-hour vs rental quotes", fig, COLUMNS, rows)], notes)


VIEW = View(
    "tco",
    "TCO vs rental",
    ("hw", "chip_price_usd", *OVERRIDES),
    build,
    {"hw": DEFAULT_HARDWARE},
    heavy=False,
)
