"""Throughput vs interactivity: each chip's frontier of output tokens/s per chip against
tokens/s per user (api.throughput)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.web.params import SLA, WORKLOAD
from siliconomics.web.views import (
    Chart,
    Column,
    Result,
    View,
    chip_label,
    deployment,
    formats,
    layout,
)

DEFAULT_HARDWARE = ("nvidia-h100-sxm", "nvidia-b200", "amd-mi355x", "google-tpu-v6e")

COLUMNS = (
    Column("accelerator", "chip"),
    Column("validated", "validated"),
    Column("config", "config"),
    Column("output_tokens_per_s_per_user", "tokens/s per user", "{:,.1f}"),
    Column("output_tokens_per_s_per_chip", "output tokens/s per chip", "{:,.1f}"),
    Column("output_tokens_per_s_per_chip_low", "low (tokens/s per chip)", "{:,.1f}"),
    Column("output_tokens_per_s_per_chip_high", "high (tokens/s per chip)", "{:,.1f}"),
    Column("tpot_p99_s", "p99 TPOT (s)", "{:.4f}"),
    Column("ttft_p99_s", "p99 TTFT (s)", "{:.3f}"),
)


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    rows: list[dict[str, Any]] = []
    fig = go.Figure()
    for hw in v["hw"]:
        r = api.throughput(
            v["model"],
            hw,
            v["chips"],
            input_len=v["input_len"],
            output_len=v["output_len"],
            precision=v["precision"],
            ttft_p99_s=v["ttft_p99"],
            tpot_p99_s=v["tpot_p99"],
            catalog=cat,
            weights=formats(v["weights"]),
            kv=formats(v["kv"]),
        )
        points = sorted(r["frontier"], key=lambda p: p["output_tokens_per_s_per_user"])
        for p in points:
            p["config"] = f"{deployment(p)} {p['weights']}/{p['kv']}"
        rows += points
        key = "output_tokens_per_s_per_chip"
        fig.add_trace(
            go.Scatter(
                x=[p["output_tokens_per_s_per_user"] for p in points],
                y=[p[key] for p in points],
                mode="lines+markers",
                name=chip_label(r["best"]),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [p[f"{key}_high"] - p[key] for p in points],
                    "arrayminus": [p[key] - p[f"{key}_low"] for p in points],
                    "thickness": 1,
                },
                text=[p["config"] for p in points],
                hovertemplate="%{fullData.name}: %{text}<br>%{x:,.1f} tokens/s per user<br>"
                "%{y:,.1f} tokens/s per chip<extra></extra>",
            )
        )
    layout(fig, x="interactivity: output tokens/s per user", y="output tokens/s per chip")
    fig.update_xaxes(type="log")
    title = f"Frontier: {v['model']} on {v['chips']} chips"
    return Result(
        [Chart("frontier", title, fig, COLUMNS, rows)],
        ["each point is the engine's best configuration at that interactivity; 80% intervals"],
    )


VIEW = View(
    "frontier", "Throughput frontier", ("hw", *WORKLOAD, *SLA), build, {"hw": DEFAULT_HARDWARE}
)
