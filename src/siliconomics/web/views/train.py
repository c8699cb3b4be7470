"""Training: the fastest layout of a pretraining run per chip, its wall clock and cost with
intervals, and where each step's time goes (api.train)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.web.params import OVERRIDES
from siliconomics.web.views import (
    Chart,
    Column,
    Result,
    View,
    chip_label,
    error_bars,
    layout,
)

DEFAULT_HARDWARE = ("nvidia-h100-sxm", "nvidia-b200", "google-tpu-v6e")

RUN_COLUMNS = (
    Column("accelerator", "chip"),
    Column("validated", "validated"),
    Column("layout_text", "layout"),
    Column("mfu", "MFU", "{:.3f}"),
    Column("wall_clock_days", "wall clock (days)", "{:,.1f}"),
    Column("wall_clock_days_low", "low (days)", "{:,.1f}"),
    Column("wall_clock_days_high", "high (days)", "{:,.1f}"),
    Column("chip_hours", "chip-hours", "{:,.0f}"),
    Column("cost_usd", "cost (USD)", "{:,.0f}"),
)
STEP_COLUMNS = (
    Column("accelerator", "chip"),
    Column("part", "part of the step"),
    Column("seconds", "time per step (s)", "{:.4f}"),
)


def build(v: Mapping[str, Any], cat: Catalog) -> Result:
    runs: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for hw in v["hw"]:
        r = api.train(
            v["model"],
            hw,
            chips=v["train_chips"],
            seq_len=v["seq_len"],
            global_batch_tokens=v["global_batch_tokens"],
            precision=v["train_precision"],
            tokens=v["train_tokens"],
            overrides=v["overrides"],
            catalog=cat,
        )
        runs.append(
            {
                **r["run"],
                "validated": r["validated"],
                "layout_text": r["layout_text"],
            }
        )
        steps += [
            {"accelerator": r["accelerator"], "part": part.removesuffix("_s"), "seconds": s}
            for part, s in r["step_breakdown_s"].items()
        ]
    fig = go.Figure(
        go.Bar(
            x=[chip_label(r) for r in runs],
            y=[r["wall_clock_days"] for r in runs],
            error_y=error_bars(runs, "wall_clock_days"),
            marker_opacity=[1.0 if r["validated"] else 0.5 for r in runs],
            customdata=[[r["layout_text"], r["mfu"]] for r in runs],
            hovertemplate="%{x}: %{y:,.1f} days<br>%{customdata[0]}, MFU %{customdata[1]:.2f}"
            "<extra></extra>",
        )
    )
    layout(fig, x="chip", y="wall clock of the run (days)")
    sfig = go.Figure()
    for part in dict.fromkeys(s["part"] for s in steps):
        these = [s for s in steps if s["part"] == part]
        sfig.add_trace(
            go.Bar(
                x=[s["accelerator"] for s in these],
                y=[s["seconds"] for s in these],
                name=part,
                hovertemplate="%{x}: " + part + " %{y:.3f} s per step<extra></extra>",
            )
        )
    layout(sfig, x="chip", y="time per step (s)")
    sfig.update_layout(barmode="stack")
    what = (
        f"{v['model']}, {v['train_tokens']:.3g} tokens on {v['train_chips']:,} chips, "
        f"{v['train_precision']}"
    )
    notes = [f"{r['accelerator']}: {r['price_basis']}" for r in runs if r["cost_usd"] is None]
    return Result(
        [
            Chart("run", f"Training run: {what}", fig, RUN_COLUMNS, runs),
            Chart("step", f"Where a step's time goes: {what}", sfig, STEP_COLUMNS, steps),
        ],
        ["the fastest layout that fits on each chip; 80% intervals from published runs", *notes],
    )


VIEW = View(
    "train",
    "Training",
    (
        "hw",
        "model",
        "train_chips",
        "seq_len",
        "global_batch_tokens",
        "train_tokens",
        "train_precision",
        *OVERRIDES,
    ),
    build,
    {"hw": DEFAULT_HARDWARE},
)
