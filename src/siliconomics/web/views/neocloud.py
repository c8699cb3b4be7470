"""Neocloud returns: buy chips to rent out; cumulative cash flow, IRR, NPV and payback with
intervals, and the IRR tornado (api.neocloud)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import accumulate
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError
from siliconomics.web.params import OVERRIDES
from siliconomics.web.views import Chart, Column, Result, View, layout

DEFAULT_HARDWARE = ("nvidia-h100-sxm",)

CASH_COLUMNS = (
    Column("month", "month"),
    Column("price_usd_per_hour", "rental price (USD/chip-hour)", "{:.3f}"),
    Column("revenue_usd", "revenue (USD)", "{:,.0f}"),
    Column("project_cash_flow_usd", "project cash flow (USD)", "{:,.0f}"),
    Column("cumulative_project_cash_usd", "cumulative (USD)", "{:,.0f}"),
)
TORNADO_COLUMNS = (
    Column("input", "input"),
    Column("low", "low case"),
    Column("high", "high case"),
    Column("project_irr_per_year_low", "project IRR at low (per year)", "{:.4f}"),
    Column("project_irr_per_year_high", "project IRR at high (per year)", "{:.4f}"),
)


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    hw = v["hw"]
    if len(hw) > 1:
        raise SiliconomicsError(f"hw: the neocloud view takes one chip, got {len(hw)}")
    r = api.neocloud(
        hw[0],
        v["fleet_chips"],
        years=v["years"],
        debt_share=v["debt_share"],
        price_usd_per_hour=v["rent_usd_per_hour"],
        flat_price=v["rent_usd_per_hour"] is not None,
        overrides=v["overrides"],
        catalog=cat,
    )
    months = r["monthly"]
    # a running sum for the chart (display only; every term is the api's own cash flow)
    cumulative = list(accumulate(m["project_cash_flow_usd"] for m in months))
    rows = [
        {**m, "cumulative_project_cash_usd": c} for m, c in zip(months, cumulative, strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=[m["month"] for m in rows],
            y=cumulative,
            mode="lines",
            name="cumulative project cash",
            hovertemplate="month %{x}: %{y:,.0f} USD cumulative<extra></extra>",
        )
    )
    layout(fig, x="month", y="cumulative project cash flow (USD)")
    tornado = r["tornado"]
    tfig = go.Figure(
        [
            go.Bar(
                y=[t["input"] for t in tornado],
                x=[t[f"project_irr_per_year_{side}"] for t in tornado],
                orientation="h",
                name=f"{side} case",
                hovertemplate="%{y} " + side + ": IRR %{x:.2%} per year<extra></extra>",
            )
            for side in ("low", "high")
        ]
    )
    layout(tfig, x="project IRR (per year)", y="input")
    tfig.update_layout(barmode="overlay")

    def interval(key: str, fmt: str) -> str:
        low, high = r.get(f"{key}_low"), r.get(f"{key}_high")
        if r.get(key) is None:
            return "none"
        if low is None or high is None:
            return fmt.format(r[key])
        return f"{fmt.format(r[key])} ({fmt.format(low)} to {fmt.format(high)})"

    notes = [
        f"project IRR {interval('project_irr_per_year', '{:.1%}')} per year; project NPV "
        f"{interval('project_npv_usd', '{:,.0f}')} USD; payback month "
        f"{interval('payback_month', '{}')}; {r['price_path_basis']}"
    ]
    title = f"{r['chips']:,} x {r['accelerator']} over {r['months']} months"
    return Result(
        [
            Chart("cash", f"Cash flow: {title}", fig, CASH_COLUMNS, rows),
            Chart("tornado", f"IRR sensitivity: {title}", tfig, TORNADO_COLUMNS, tornado),
        ],
        notes,
    )


VIEW = View(
    "neocloud",
    "Neocloud returns",
    ("hw", "fleet_chips", "years", "debt_share", "rent_usd_per_hour", *OVERRIDES),
    build,
    {"hw": DEFAULT_HARDWARE},
    heavy=False,
)
