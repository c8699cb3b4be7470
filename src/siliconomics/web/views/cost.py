"""The main view: GPU vs ASIC cost per token and tokens/s per chip for one model (api.cost)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.web.params import OVERRIDES, SLA, WORKLOAD
from siliconomics.web.views import (
    Chart,
    Column,
    Result,
    View,
    chip_label,
    deployment,
    error_bars,
    formats,
    gpu_asic_colour,
    layout,
)

#: The default comparison: eight chips, GPUs and ASICs of four vendors.
DEFAULT_HARDWARE = (
    "nvidia-h100-sxm",
    "nvidia-h200-sxm",
    "nvidia-b200",
    "amd-mi300x",
    "amd-mi355x",
    "google-tpu-v6e",
    "aws-trainium2",
    "intel-gaudi3",
)

COST_COLUMNS = (
    Column("rank", "rank"),
    Column("accelerator", "chip"),
    Column("chip_kind", "kind"),
    Column("validated", "validated"),
    Column("chips", "chips"),
    Column("config", "config"),
    Column("usd_per_million_output_tokens", "USD per M output tokens", "{:.4f}"),
    Column("usd_per_million_output_tokens_low", "low (USD/M)", "{:.4f}"),
    Column("usd_per_million_output_tokens_high", "high (USD/M)", "{:.4f}"),
    Column("usd_per_request", "USD per request", "{:.3g}"),
    Column("usd_per_chip_hour", "USD per chip-hour", "{:.3f}"),
)
PERF_COLUMNS = (
    Column("accelerator", "chip"),
    Column("chip_kind", "kind"),
    Column("validated", "validated"),
    Column("config", "config"),
    Column("output_tokens_per_s_per_chip", "output tokens/s per chip", "{:,.1f}"),
    Column("output_tokens_per_s_per_chip_low", "low (tokens/s)", "{:,.1f}"),
    Column("output_tokens_per_s_per_chip_high", "high (tokens/s)", "{:,.1f}"),
    Column("output_tokens_per_joule", "output tokens per J (IT)", "{:.3f}"),
)


def bars(rows: list[dict[str, Any]], key: str, unit: str) -> go.Figure:
    """One bar per chip with its interval, coloured by chip kind, hover with the unit."""
    return go.Figure(
        go.Bar(
            x=[chip_label(r) for r in rows],
            y=[r[key] for r in rows],
            error_y=error_bars(rows, key),
            marker_color=[gpu_asic_colour(r["chip_kind"]) for r in rows],
            marker_opacity=[1.0 if r["validated"] else 0.5 for r in rows],
            customdata=[[r[f"{key}_low"], r[f"{key}_high"], r["chip_kind"]] for r in rows],
            hovertemplate="%{x} (%{customdata[2]})<br>%{y:.4g} "
            + unit
            + " (80%: %{customdata[0]:.4g} to %{customdata[1]:.4g})<extra></extra>",
        )
    )


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    r = api.cost(
        v["model"],
        hardware=list(v["hw"]),
        input_len=v["input_len"],
        output_len=v["output_len"],
        precision=v["precision"],
        ttft_p99_s=v["ttft_p99"],
        tpot_p99_s=v["tpot_p99"],
        chips=v["chips"],
        rental=v["basis"] == "rental",
        overrides=v["overrides"],
        catalog=cat,
        weights=formats(v["weights"]),
        kv=formats(v["kv"]),
    )
    perf = api.performance_of(r)
    for row in (*r["rows"], *perf["rows"]):
        row["config"] = f"{deployment(row)} {row['weights']}/{row['kv']}"
    q = r["question"]
    what = f"{r['model']}, {q['input_len']} in / {q['output_len']} out, {q['sla']}"
    cost_fig = layout(
        bars(r["rows"], "usd_per_million_output_tokens", "USD/M output tokens"),
        x="chip (green GPU, blue ASIC; faded = unvalidated)",
        y="USD per million output tokens",
    )
    perf_fig = layout(
        bars(perf["rows"], "output_tokens_per_s_per_chip", "tokens/s per chip"),
        x="chip (green GPU, blue ASIC; faded = unvalidated)",
        y="output tokens/s per chip",
    )
    notes = [
        f"ranked by USD per request at the {r['basis']} price; error bars are 80% intervals "
        "from the validation residuals"
    ]
    notes += [f"skipped {s['accelerator']}: {s['status']} ({s['reason']})" for s in r["skipped"]]
    return Result(
        [
            Chart("cost", f"Cost per token: {what}", cost_fig, COST_COLUMNS, r["rows"]),
            Chart("perf", f"Throughput per chip: {what}", perf_fig, PERF_COLUMNS, perf["rows"]),
        ],
        notes,
    )


VIEW = View(
    "cost",
    "GPU vs ASIC cost",
    ("hw", *WORKLOAD, *SLA, "basis", *OVERRIDES),
    build,
    {"hw": DEFAULT_HARDWARE},
)
