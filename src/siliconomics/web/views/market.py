"""Market: vendor revenue per quarter as a fan chart (p10-p90 band around the median) and
NVIDIA's share of accelerator revenue, under a scenario (api.market)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.web.views import Chart, Column, Result, View, layout

REVENUE_COLUMNS = (
    Column("quarter", "quarter"),
    Column("vendor", "vendor"),
    Column("revenue_usd_p50", "revenue (USD, median)", "{:,.0f}"),
    Column("revenue_usd_p10", "p10 (USD)", "{:,.0f}"),
    Column("revenue_usd_p90", "p90 (USD)", "{:,.0f}"),
    Column("reported", "capex reported"),
)
SHARE_COLUMNS = (
    Column("quarter", "quarter"),
    Column("nvidia_share_p50", "NVIDIA share of revenue (median)", "{:.3f}"),
    Column("nvidia_share_p10", "p10", "{:.3f}"),
    Column("nvidia_share_p90", "p90", "{:.3f}"),
)
COLOURS = ("#2e7d32", "#c62828", "#1565c0", "#ef6c00", "#6a1b9a", "#546e7a")


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    r = api.market(v["scenario"], through=v["through"], draws=v["draws"], catalog=cat)
    rows: list[dict[str, Any]] = []
    shares: list[dict[str, Any]] = []
    for q in r["quarters"]:
        for vendor, s in q["revenue_usd"].items():
            rows.append(
                {
                    "quarter": q["quarter"],
                    "vendor": vendor,
                    "revenue_usd_p50": s["p50"],
                    "revenue_usd_p10": s["p10"],
                    "revenue_usd_p90": s["p90"],
                    "reported": q["capex_reported"],
                }
            )
        nv = q["share_by_revenue"].get("NVIDIA")
        if nv is not None:
            shares.append(
                {
                    "quarter": q["quarter"],
                    "nvidia_share_p50": nv["p50"],
                    "nvidia_share_p10": nv["p10"],
                    "nvidia_share_p90": nv["p90"],
                }
            )
    fig = go.Figure()
    for i, vendor in enumerate(dict.fromkeys(row["vendor"] for row in rows)):
        these = [row for row in rows if row["vendor"] == vendor]
        x = [row["quarter"] for row in these]
        colour = COLOURS[i % len(COLOURS)]
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=[row["revenue_usd_p90"] / 1e9 for row in these]
                + [row["revenue_usd_p10"] / 1e9 for row in these][::-1],
                fill="toself",
                fillcolor=colour,
                opacity=0.2,
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[row["revenue_usd_p50"] / 1e9 for row in these],
                name=vendor,
                line={"color": colour},
                hovertemplate=vendor + " %{x}: %{y:,.1f} B USD (median)<extra></extra>",
            )
        )
    layout(fig, x="calendar quarter", y="accelerator revenue (billion USD per quarter)")
    sfig = go.Figure(
        go.Scatter(
            x=[s["quarter"] for s in shares],
            y=[s["nvidia_share_p50"] for s in shares],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [s["nvidia_share_p90"] - s["nvidia_share_p50"] for s in shares],
                "arrayminus": [s["nvidia_share_p50"] - s["nvidia_share_p10"] for s in shares],
            },
            hovertemplate="%{x}: NVIDIA %{y:.1%} of accelerator revenue<extra></extra>",
        )
    )
    layout(sfig, x="calendar quarter", y="NVIDIA share of accelerator revenue (fraction)")
    what = f"scenario {r['scenario']}, {r['draws']} draws, through {r['through']}"
    return Result(
        [
            Chart("revenue", f"Accelerator revenue by vendor: {what}", fig, REVENUE_COLUMNS, rows),
            Chart(
                "share",
                f"NVIDIA's share of accelerator revenue: {what}",
                sfig,
                SHARE_COLUMNS,
                shares,
            ),
        ],
        [
            "bands: p10-p90 over the Monte Carlo draws; reported quarters reproduce the "
            "vendors' filings (docs/market.md)",
            r["description"],
        ],
    )


VIEW = View("market", "Market", ("scenario", "through", "draws"), build)
