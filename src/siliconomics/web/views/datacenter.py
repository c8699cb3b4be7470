"""The power-limited datacenter comparison: what a site's megawatts buy per system, capex by
line and, for a model, output tokens per year (api.datacenter_compare)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.web.params import OVERRIDES, SLA
from siliconomics.web.views import Chart, Column, Result, View, error_bars, formats, layout

CAPEX_COLUMNS = (
    Column("system", "system"),
    Column("line", "capex line"),
    Column("usd", "USD", "{:,.0f}"),
)
TOKEN_COLUMNS = (
    Column("system", "system"),
    Column("chips", "chips", "{:,}"),
    Column("output_tokens_per_year", "output tokens per year", "{:.4g}"),
    Column("output_tokens_per_year_low", "low (tokens/year)", "{:.4g}"),
    Column("output_tokens_per_year_high", "high (tokens/year)", "{:.4g}"),
    Column("usd_per_million_output_tokens", "USD per M output tokens", "{:.4f}"),
)


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    r = api.datacenter_compare(
        v["power_mw"],
        systems=list(v["systems"]) if v["systems"] else None,
        model=v["model"],
        input_len=v["input_len"],
        output_len=v["output_len"],
        precision=v["precision"],
        ttft_p99_s=v["ttft_p99"],
        tpot_p99_s=v["tpot_p99"],
        overrides=v["overrides"],
        catalog=cat,
        weights=formats(v["weights"]),
        kv=formats(v["kv"]),
    )
    capex = [
        {"system": row["system"], "line": line, "usd": usd}
        for row in r["rows"]
        for line, usd in row["capex_by_line_usd"].items()
    ]
    cfig = go.Figure()
    for line in dict.fromkeys(c["line"] for c in capex):
        these = [c for c in capex if c["line"] == line]
        cfig.add_trace(
            go.Bar(
                x=[c["system"] for c in these],
                y=[c["usd"] for c in these],
                name=line,
                hovertemplate="%{x}: " + line + " %{y:,.0f} USD<extra></extra>",
            )
        )
    layout(cfig, x="system", y="capex (USD)")
    cfig.update_layout(barmode="stack")
    tokens = [row for row in r["rows"] if row.get("output_tokens_per_year") is not None]
    tfig = go.Figure(
        go.Bar(
            x=[row["system"] for row in tokens],
            y=[row["output_tokens_per_year"] for row in tokens],
            error_y=error_bars(tokens, "output_tokens_per_year"),
            customdata=[[row["chips"]] for row in tokens],
            hovertemplate="%{x}: %{y:.4g} output tokens per year on %{customdata[0]:,} chips"
            "<extra></extra>",
        )
    )
    layout(tfig, x="system", y="output tokens per year")
    site = f"{r['power_w'] / 1e6:,.0f} MW ({r['power_basis']})"
    notes = [f"skipped {s['system']}: {s['reason']}" for s in r["skipped"]]
    return Result(
        [
            Chart("capex", f"Capex of a {site} site", cfig, CAPEX_COLUMNS, capex),
            Chart("tokens", f"{r['model']} tokens per year, {site}", tfig, TOKEN_COLUMNS, tokens),
        ],
        notes,
    )


VIEW = View(
    "datacenter",
    "Datacenter",
    (
        "power_mw",
        "systems",
        "model",
        "input_len",
        "output_len",
        "precision",
        "weights",
        "kv",
        *SLA,
        *OVERRIDES,
    ),
    build,
)
