"""Reasoning cost per query: the reasoning answer vs a direct one (and a smaller model), and
the factors between them (api.reasoning)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError
from siliconomics.web.params import OVERRIDES, SLA
from siliconomics.web.views import Chart, Column, Result, View, error_bars, formats, layout

DEFAULT_HARDWARE = ("nvidia-h100-sxm",)
CASES = ("direct", "reasoning", "small_model")

QUERY_COLUMNS = (
    Column("label", "case"),
    Column("model", "model"),
    Column("hidden_tokens", "hidden tokens"),
    Column("visible_tokens", "visible tokens"),
    Column("usd_per_query", "USD per query", "{:.3g}"),
    Column("usd_per_query_low", "low (USD)", "{:.3g}"),
    Column("usd_per_query_high", "high (USD)", "{:.3g}"),
    Column("batch", "sequences decoding at once", "{:,.0f}"),
    Column("latency_s", "latency (s)", "{:.2f}"),
)
FACTOR_COLUMNS = (Column("factor", "factor"), Column("ratio", "reasoning / direct", "{:.3f}"))


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    hw = v["hw"]
    if len(hw) > 1:
        raise SiliconomicsError(f"hw: the reasoning view takes one chip, got {len(hw)}")
    r = api.reasoning(
        v["model"],
        hw[0],
        hidden_tokens=v["hidden_tokens"],
        visible_tokens=v["visible_tokens"],
        input_len=v["input_len"],
        samples=v["samples"],
        chips=v["chips"],
        small_model=v["small_model"],
        precision=v["precision"],
        ttft_p99_s=v["ttft_p99"],
        tpot_p99_s=v["tpot_p99"],
        overrides=v["overrides"],
        catalog=cat,
        weights=formats(v["weights"]),
        kv=formats(v["kv"]),
    )
    rows = [r[c] for c in CASES if r.get(c)]
    fig = go.Figure(
        go.Bar(
            x=[f"{x['label']} ({x['model']})" for x in rows],
            y=[x["usd_per_query"] for x in rows],
            error_y=error_bars(rows, "usd_per_query"),
            customdata=[[x["hidden_tokens"], x["visible_tokens"], x["batch"]] for x in rows],
            hovertemplate="%{x}<br>%{y:.3g} USD per query<br>%{customdata[0]} hidden + "
            "%{customdata[1]} visible tokens; %{customdata[2]:.0f} sequences at once"
            "<extra></extra>",
            marker_color=["#757575", "#6a1b9a", "#00838f"][: len(rows)],
        )
    )
    layout(fig, x="case", y="USD per query")
    factors = [{"factor": k, "ratio": f} for k, f in r["factor_over_direct"].items()]
    ffig = go.Figure(
        go.Bar(
            x=[f["factor"] for f in factors],
            y=[f["ratio"] for f in factors],
            hovertemplate="%{x}: x%{y:.3f} (reasoning / direct)<extra></extra>",
            marker_color="#6a1b9a",
        )
    )
    layout(ffig, x="factor (their product is the total)", y="reasoning / direct (ratio, log)")
    ffig.update_yaxes(type="log")
    title = f"{v['model']} on {r['accelerator']}"
    return Result(
        [
            Chart("queries", f"Cost per query: {title}", fig, QUERY_COLUMNS, rows),
            Chart("factors", f"Why reasoning costs more: {title}", ffig, FACTOR_COLUMNS, factors),
        ],
        [r["explanation"]],
    )


VIEW = View(
    "reasoning",
    "Reasoning cost",
    (
        "hw",
        "model",
        "small_model",
        "hidden_tokens",
        "visible_tokens",
        "samples",
        "input_len",
        "chips",
        "precision",
        "weights",
        "kv",
        *SLA,
        *OVERRIDES,
    ),
    build,
    {"hw": DEFAULT_HARDWARE},
)
