"""Render a :class:`ReportData` as one self-contained HTML file (plotly charts, the plotly
library inlined once, no CDN) plus one CSV file per table. Formatting only.

The tables (sortable headers, intervals, source links, badges) are drawn by
:mod:`siliconomics.report.tables`; this module lays out the page: the provenance stamp from
``settings["stamp"]`` at the top, the sections, the charts and the one inline sort script.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from siliconomics.errors import SiliconomicsError
from siliconomics.outputs import check_file, check_folder, write_files
from siliconomics.report.gather import ReportData, models
from siliconomics.report.tables import (
    SORT_SCRIPT,
    TABLE_CSS,
    collapsed_table_html,
    csv_text,
    safe_url,
    table_html,
    write_csv,
)

__all__ = ["SECTIONS", "output_files", "prepare_output", "render_html", "table_html", "write_csv"]

HTML_NAME = "report.html"

#: (anchor, heading) of every section, in order; the tests check each heading is present.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("findings", "Key findings"),
    ("gpu-vs-asic", "GPU vs ASIC: cost, throughput and energy per chip"),
    ("specs", "Which specs decide it"),
    ("reasoning", "Reasoning: cost per query"),
    ("small-vs-large", "Small vs large model"),
    ("tco", "TCO per chip-hour vs market rental"),
    ("datacenter", "A power-limited site: what each system delivers"),
    ("business", "The business of compute: rental paths, cluster returns, API margins"),
    ("frontier", "Throughput vs interactivity: the Pareto frontier"),
    ("market", "Market: capex to accelerators, vendor revenue and share"),
    ("training", "Training: a frontier run per cluster, and the inference share of an RL loop"),
    ("accuracy", "How accurate is this"),
    ("assumptions", "Assumptions and sources"),
)

#: Every table name gather produces (hence every CSV file), known before gathering so the
#: command can refuse to overwrite before it spends any time.
FIXED_TABLES: tuple[str, ...] = (
    "skipped",
    "chip_specs",
    "spec_drivers",
    "reasoning",
    "small_vs_large",
    "tco",
    "rentals",
    "tco_skipped",
    "datacenter",
    "rental_costs",
    "frontier_best",
    "frontier",
    "market",
    "accuracy",
    "assumptions",
    "sources",
    "api_prices",
    "rental_quotes",
    "rental_path",
    "neocloud_irr",
    "margins",
    "training_run",
    "rl_stages",
    "rl_sensitivity",
)


def table_names(model_ids: Sequence[str]) -> tuple[str, ...]:
    """Every table the report writes for these models (one chip table per model)."""
    return (*(f"chips_{m}" for m in model_ids), *FIXED_TABLES)


KIND_COLOURS = {"gpu": "#2f6db5", "asic": "#e07b1a"}
MODE_COLOURS = {"offline": "#6a51a3", "sla": "#31a354"}
PALETTE = ("#2f6db5", "#e07b1a", "#3a9a4a", "#c0392b", "#8e44ad", "#7f6a00", "#16a2b8", "#555")
LAYOUT = {
    "template": "plotly_white",
    "font": {"size": 13},
    "margin": {"l": 70, "r": 30, "t": 60, "b": 60},
}


def output_files(model_ids: Sequence[str]) -> list[str]:
    """The names the report writes in its folder."""
    return [HTML_NAME, *(f"{n}.csv" for n in table_names(model_ids))]


def prepare_output(out: Path, *, force: bool, model_ids: Sequence[str]) -> None:
    """Check ``out`` can take the report before any work: a writable folder (created if
    missing) in which no report file exists yet, unless ``force``; no report file may be a
    symbolic link or a folder. ``force`` replaces only the report's own files
    (:func:`output_files`); other files in the folder are never touched."""
    check_folder(out, "out", create=True)
    names = output_files(model_ids)
    existing = [n for n in names if (out / n).exists() or (out / n).is_symlink()]
    if existing and not force:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise SiliconomicsError(
            f"out: {out / existing[0]}{more} already exist; not overwriting "
            "(use --force, or another --out folder)"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SiliconomicsError(f"out: cannot create folder {out}: {exc.strerror}") from None
    for name in names:
        check_file(out / name, "out", force=True)


# --------------------------------------------------------------------------- formatting


def source_urls(d: ReportData) -> dict[str, str]:
    """Source id -> url, from the catalog the report was gathered with and from its sources
    table (which wins: it is what the page lists)."""
    urls: dict[str, str] = {}
    cat = d.raw.get("catalog")
    for sid, src in getattr(cat, "sources", {}).items():
        if safe_url(getattr(src, "url", None)):
            urls[str(sid)] = src.url
    sources = d.tables.get("sources")
    for row in sources.rows if sources else ():
        url = safe_url(row.get("url"))
        if url and row.get("id"):
            urls[str(row["id"])] = url
    return urls


def stamp_html(stamp: Mapping[str, Any] | None) -> str:
    """One line naming the code and data that made the page: version, git commit, the
    first 12 hex digits of the catalog hash (all 64 on hover) and the date."""
    if not stamp:
        return ""
    parts = [f"siliconomics {html.escape(str(stamp.get('version') or 'unknown'))}"]
    commit = stamp.get("git_commit")
    parts.append(f"commit {html.escape(str(commit))}" if commit else "commit unknown")
    digest = str(stamp.get("catalog_sha256") or "")
    if digest:
        parts.append(
            f"catalog sha256 <span title='{html.escape(digest, quote=True)}'>"
            f"{html.escape(digest[:12])}</span>"
        )
    if stamp.get("made_utc"):
        parts.append(f"stamped {html.escape(str(stamp['made_utc']))}")
    return f"<p class='stamp' id='stamp'>{' &middot; '.join(parts)}</p>"


class _Figures:
    """Turns plotly figures into HTML: the library inlined with the first, not again."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, fig: go.Figure) -> str:
        fig.update_layout(**LAYOUT)
        out = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=self.first,
            config={"displaylogo": False, "responsive": True},
        )
        self.first = False
        return f"<div class='fig'>{out}</div>"


# --------------------------------------------------------------------------- charts


def _chip_label(row: dict[str, Any], *, kind: bool = True) -> str:
    star = "" if row.get("validated", True) else " *"
    return (
        f"{row['accelerator']} ({row['chip_kind'].upper()}){star}"
        if kind
        else (f"{row['accelerator']}{star}")
    )


def _error_bars(rows: Sequence[dict[str, Any] | None], key: str) -> dict[str, Any]:
    """Asymmetric plotly error bars from the rows' ``key_low``/``key_high`` (the interval)."""
    plus: list[float | None] = []
    minus: list[float | None] = []
    for r in rows:
        if r is None or r.get(f"{key}_low") is None:
            plus.append(None)
            minus.append(None)
            continue
        plus.append(r[f"{key}_high"] - r[key])
        minus.append(r[key] - r[f"{key}_low"])
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus}


def _cost_figure(d: ReportData) -> go.Figure:
    fig = make_subplots(
        rows=1,
        cols=len(d.scenario.models),
        subplot_titles=[n for _, n in models(d)],
        horizontal_spacing=0.12,
    )
    for i, (model, _) in enumerate(models(d), start=1):
        for mode, label in (("offline", "offline"), ("sla", "interactive SLA")):
            rows = list(reversed(d.raw[f"cost/{model}/offline"]["rows"]))
            by = {r["accelerator"]: r for r in d.raw[f"cost/{model}/{mode}"]["rows"]}
            got = [by.get(r["accelerator"]) for r in rows]
            fig.add_trace(
                go.Bar(
                    y=[_chip_label(r) for r in rows],
                    x=[g["usd_per_million_output_tokens"] if g else None for g in got],
                    error_x=_error_bars(got, "usd_per_million_output_tokens"),
                    orientation="h",
                    name=label,
                    legendgroup=mode,
                    showlegend=i == 1,
                    marker_color=MODE_COLOURS[mode],
                    hovertemplate="%{y}: %{x:.3f} USD / M output tokens<extra>"
                    + label
                    + "</extra>",
                ),
                row=1,
                col=i,
            )
        fig.update_xaxes(title_text="USD per million output tokens", row=1, col=i)
    fig.update_layout(
        title="Cost per million output tokens, priced chips (cheapest at the top; bars: 80% "
        "interval; * unvalidated)",
        barmode="group",
        height=460,
        legend={"orientation": "h", "y": -0.18},
    )
    return fig


def _throughput_figure(d: ReportData) -> go.Figure:
    fig = make_subplots(
        rows=1,
        cols=len(d.scenario.models),
        subplot_titles=[n for _, n in models(d)],
        horizontal_spacing=0.13,
    )
    for i, (model, _) in enumerate(models(d), start=1):
        rows = list(reversed(d.raw[f"perf/{model}/offline"]["rows"]))
        for kind in ("gpu", "asic"):
            ks = [r for r in rows if r["chip_kind"] == kind]
            fig.add_trace(
                go.Bar(
                    y=[_chip_label(r, kind=False) for r in ks],
                    x=[r["output_tokens_per_s_per_chip"] for r in ks],
                    error_x=_error_bars(ks, "output_tokens_per_s_per_chip"),
                    orientation="h",
                    name=kind.upper(),
                    legendgroup=kind,
                    showlegend=i == 1,
                    marker_color=KIND_COLOURS[kind],
                    hovertemplate="%{y}: %{x:,.0f} output tok/s per chip<extra></extra>",
                ),
                row=1,
                col=i,
            )
        fig.update_yaxes(
            categoryorder="array",
            categoryarray=[_chip_label(r, kind=False) for r in rows],
            row=1,
            col=i,
        )
        fig.update_xaxes(title_text="output tokens/s per chip", row=1, col=i)
    fig.update_layout(
        title="Sustained output tokens/s per chip, offline, every chip that runs the model "
        "(priced or not; bars: 80% interval; * unvalidated)",
        height=640,
        legend={"orientation": "h", "y": -0.12},
    )
    return fig


def _spec_figure(d: ReportData) -> go.Figure:
    specs = {r["accelerator"]: r for r in d.tables["chip_specs"].rows}
    fig = go.Figure()
    for i, (model, name) in enumerate(models(d)):
        rows = d.raw[f"cost/{model}/offline"]["rows"]
        fig.add_trace(
            go.Scatter(
                x=[
                    (specs[r["accelerator"]]["hbm_bandwidth_per_usd_hour"] or 0) / 1e12
                    for r in rows
                ],
                y=[r["usd_per_million_output_tokens"] for r in rows],
                mode="markers+text",
                text=[r["accelerator"] for r in rows],
                textposition="top center",
                textfont={"size": 10},
                marker={"size": 10, "color": PALETTE[i]},
                name=name,
            )
        )
    fig.update_layout(
        title="Cost per million output tokens vs HBM bandwidth per TCO dollar (offline)",
        xaxis_title="HBM bandwidth per TCO dollar (TB/s per USD/chip-hour)",
        yaxis_title="USD per million output tokens (log scale)",
        yaxis={"type": "log", "tickformat": ".2g", "dtick": "D2"},
        height=480,
    )
    return fig


def _reasoning_figures(d: ReportData) -> tuple[go.Figure, go.Figure]:
    """USD per query (direct, reasoning, best-of-K) and the factor decomposition."""
    rows = [r for r in d.raw["reasoning_rows"] if r["samples"] == 1]
    best_k = {
        (r["model"], r["accelerator"]): r for r in d.raw["reasoning_rows"] if r["samples"] > 1
    }
    x = [[r["model"] for r in rows], [r["accelerator"] for r in rows]]
    cost = go.Figure()
    for label, ys, colour in (
        ("direct answer", [r["direct_usd_per_query"] for r in rows], PALETTE[0]),
        ("reasoning", [r["reasoning_usd_per_query"] for r in rows], PALETTE[1]),
        (
            f"reasoning, best-of-{d.scenario.best_of_k}",
            [
                best_k[(r["model"], r["accelerator"])]["reasoning_usd_per_query"]
                if (r["model"], r["accelerator"]) in best_k
                else None
                for r in rows
            ],
            PALETTE[3],
        ),
    ):
        cost.add_trace(
            go.Bar(
                x=x,
                y=ys,
                name=label,
                marker_color=colour,
                hovertemplate="%{y:.5f} USD / query<extra>" + label + "</extra>",
            )
        )
    cost.update_layout(
        title=f"USD per query: reasoning ({d.scenario.hidden_tokens:,} hidden + "
        f"{d.scenario.visible_tokens} visible tokens) vs a direct "
        f"{d.scenario.visible_tokens}-token answer",
        yaxis={"type": "log", "tickformat": ".1e", "dtick": 1, "title": "USD per query (log)"},
        barmode="group",
        height=460,
    )
    factors = go.Figure()
    for i, (key, label) in enumerate(
        (
            ("factor_more_tokens", "more tokens (x)"),
            ("factor_lost_batch", "lost batch (x)"),
            ("factor_step_time", "step time (x)"),
            ("factor_total", "total = product (x)"),
        )
    ):
        factors.add_trace(
            go.Bar(
                x=x,
                y=[r[key] for r in rows],
                name=label,
                marker_color=PALETTE[4 + i],
                hovertemplate="%{y:.2f}x<extra>" + label + "</extra>",
            )
        )
    factors.update_layout(
        title="Why reasoning costs more than its tokens: cost ratio to the direct answer, "
        "factor by factor",
        yaxis={"type": "log", "tickformat": "~g", "dtick": 1, "title": "factor (x, log)"},
        barmode="group",
        height=460,
    )
    return cost, factors


def _small_large_figure(d: ReportData) -> go.Figure:
    rows = d.tables["small_vs_large"].rows
    fig = go.Figure()
    for i, (model, name) in enumerate(models(d)):
        for j, (kind, label) in enumerate((("direct", "direct"), ("reasoning", "reasoning"))):
            fig.add_trace(
                go.Bar(
                    x=[r["accelerator"] for r in rows],
                    y=[r.get(f"{model}_{kind}_usd_per_query") for r in rows],
                    name=f"{name}, {label}",
                    marker_color=PALETTE[i],
                    marker_pattern_shape="" if j == 0 else "/",
                    hovertemplate="%{y:.5f} USD / query<extra>" + f"{name}, {label}</extra>",
                )
            )
    fig.update_layout(
        title="Cost per query by model size on the same chip (direct and reasoning answers)",
        yaxis_title="USD per query (log scale)",
        yaxis={"type": "log", "tickformat": ".1e", "dtick": 1},
        barmode="group",
        height=460,
    )
    return fig


def _tco_figure(d: ReportData) -> go.Figure:
    rows = d.tables["tco"].rows
    fig = go.Figure()
    x = [r["accelerator"] for r in rows]
    for i, line in enumerate(("chip", "server", "network", "facility", "power", "maintenance")):
        fig.add_trace(
            go.Bar(
                x=x,
                y=[r[f"{line}_usd_per_hour"] for r in rows],
                name=line,
                marker_color=PALETTE[i],
                hovertemplate="%{y:.3f} USD/h<extra>" + line + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[r["market_median_usd_per_hour"] for r in rows],
            mode="markers",
            marker={"symbol": "diamond", "size": 14, "color": "black"},
            name="market rental median",
            hovertemplate="%{y:.2f} USD/h<extra>market rental median</extra>",
        )
    )
    fig.update_layout(
        title="TCO per chip-hour, line by line, vs the market rental median",
        yaxis_title="USD per chip-hour",
        barmode="stack",
        height=460,
    )
    return fig


def _datacenter_figure(d: ReportData) -> go.Figure:
    """Capex by line (stacked) and output tokens per year (with the interval), per system."""
    rows = d.raw["datacenter"]["rows"]
    x = [r["system"] for r in rows]
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("capex by line (M USD)", "output tokens per year (80% interval)"),
    )
    lines = ("accelerators", "servers", "nics", "scale_out_switches", "optics", "facility")
    caps = [r["capex_by_line_usd"] for r in rows]
    for i, line in enumerate(lines):
        fig.add_trace(
            go.Bar(
                x=x,
                y=[None if c.get(line) is None else c[line] / 1e6 for c in caps],
                name=line,
                marker_color=PALETTE[i],
                hovertemplate="%{y:,.0f} M USD<extra>" + line + "</extra>",
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Bar(
            x=x,
            y=[r.get("output_tokens_per_year") for r in rows],
            error_y=_error_bars(rows, "output_tokens_per_year"),
            marker_color="#555",
            name="output tokens / year",
            showlegend=False,
            hovertemplate="%{y:.3g} tokens/year<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_layout(
        title=f"A {d.scenario.site_mw:g} MW site, system by system", barmode="stack", height=460
    )
    return fig


CLASS_COLOURS = {
    "hyperscaler": "#c0392b",
    "neocloud": "#2f6db5",
    "marketplace": "#3a9a4a",
    "index": "#7f6a00",
}


def _rental_figure(d: ReportData) -> go.Figure:
    r, n = d.raw["rental"], d.raw["neocloud"]
    rows = d.tables["rental_path"].rows
    x = [p["date"] for p in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x + x[::-1],
            y=[p["usd_per_hour_p90"] for p in rows] + [p["usd_per_hour_p10"] for p in rows][::-1],
            fill="toself",
            fillcolor="rgba(47,109,181,0.15)",
            line={"width": 0},
            name="p10-p90",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[p["usd_per_hour"] for p in rows],
            mode="lines",
            line={"color": "#2f6db5"},
            name=f"fitted path ({r['path_commitment']}, {r['path_provider_class']})",
        )
    )
    for cls, colour in CLASS_COLOURS.items():
        qs = [q for q in r["quotes"] if q["provider_class"] == cls]
        if qs:
            fig.add_trace(
                go.Scatter(
                    x=[q["date"] for q in qs],
                    y=[q["usd_per_hour"] for q in qs],
                    mode="markers",
                    marker={"color": colour, "size": 8},
                    name=f"quotes: {cls}",
                    text=[f"{q['provider']} ({q['commitment']}, {q['source']})" for q in qs],
                    hovertemplate="%{y:.2f} USD/h %{text}<extra></extra>",
                )
            )
    be = n["breakeven_usd_per_hour"]
    if be is not None:
        fig.add_hline(
            y=be,
            line_dash="dash",
            annotation_text=f"break-even {be:.2f} USD/h (1,024 chips, 5 years)",
        )
    fig.update_layout(
        title=f"{r['accelerator']} rental price: quotes, fitted path and forecast",
        yaxis_title="USD per chip-hour",
        height=480,
    )
    return fig


def _irr_figure(d: ReportData) -> go.Figure:
    rows = d.tables["neocloud_irr"].rows
    fig = go.Figure()
    for i, chip in enumerate(dict.fromkeys(r["accelerator"] for r in rows)):
        pts = [r for r in rows if r["accelerator"] == chip]
        fig.add_trace(
            go.Scatter(
                x=[p["usd_per_hour"] for p in pts],
                y=[p["project_irr_per_year"] for p in pts],
                mode="lines+markers",
                name=chip,
                marker_color=PALETTE[i % len(PALETTE)],
            )
        )
    fig.add_hline(
        y=float(d.raw["neocloud"]["inputs"]["cost_of_capital_per_year"]),
        line_dash="dot",
        annotation_text="cost of capital",
    )
    fig.update_layout(
        title="Cluster IRR vs flat rental price",
        xaxis_title="rental price, USD per chip-hour",
        yaxis_title="project IRR per year",
        yaxis_tickformat=".0%",
        height=460,
    )
    return fig


def _frontier_figure(d: ReportData) -> go.Figure:
    fig = go.Figure()
    for i, hw in enumerate(d.scenario.frontier_hardware):
        r = d.raw[f"frontier/{hw}"]
        if "error" in r:
            continue
        pts = sorted(r["frontier"], key=lambda p: p["output_tokens_per_s_per_user"])
        fig.add_trace(
            go.Scatter(
                x=[p["output_tokens_per_s_per_user"] for p in pts],
                y=[p["output_tokens_per_s_per_chip"] for p in pts],
                mode="lines+markers",
                name=hw,
                line={"color": PALETTE[i % len(PALETTE)]},
                hovertemplate=(
                    "%{x:.1f} tok/s per user, %{y:,.0f} tok/s per chip<extra>" + hw + "</extra>"
                ),
            )
        )
    fig.add_vline(
        x=1.0 / d.scenario.tpot_p99_s,
        line_dash="dash",
        line_color="grey",
        annotation_text=f"TPOT {d.scenario.tpot_p99_s * 1e3:g} ms",
        annotation_position="top right",
    )
    fig.update_layout(
        title=f"{d.scenario.frontier_model} on {d.scenario.frontier_chips} chips: "
        "throughput vs interactivity "
        f"({d.scenario.input_len} in / {d.scenario.output_len} out tokens)",
        xaxis_title="output tokens/s per user (interactivity)",
        yaxis_title="output tokens/s per chip (throughput)",
        height=540,
    )
    return fig


def _training_figure(d: ReportData) -> go.Figure:
    """Days and cost of the frontier run per cluster, with their intervals (timed-only
    clusters have no cost bar; clusters that could not be run are left out)."""
    rows = [r for r in d.tables["training_run"].rows if r.get("wall_clock_days") is not None]
    labels = [
        f"{r['hardware']}{'' if not str(r['validation']).startswith('unvalidated') else ' *'}"
        for r in rows
    ]
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["wall clock (days)", "cost (million USD, TCO)"],
        horizontal_spacing=0.22,
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[r["wall_clock_days"] for r in rows],
            error_x=_error_bars(rows, "wall_clock_days"),
            orientation="h",
            marker_color=PALETTE[0],
            showlegend=False,
            hovertemplate="%{y}: %{x:,.0f} days<extra></extra>",
        ),
        row=1,
        col=1,
    )
    scaled: list[dict[str, Any] | None] = [
        None
        if r.get("cost_usd") is None
        else {k: r[k] / 1e6 for k in ("cost_usd", "cost_usd_low", "cost_usd_high") if k in r}
        for r in rows
    ]
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[c["cost_usd"] if c else None for c in scaled],
            error_x=_error_bars(scaled, "cost_usd"),
            orientation="h",
            marker_color=PALETTE[1],
            showlegend=False,
            hovertemplate="%{y}: %{x:,.1f} M USD<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="days", row=1, col=1)
    fig.update_xaxes(title_text="million USD", row=1, col=2)
    fig.update_yaxes(autorange="reversed")
    sc = d.scenario
    fig.update_layout(
        title=f"{sc.training_model} on {sc.training_tokens / 1e12:g}T tokens, "
        f"{sc.training_chips:,} chips per cluster (bars: 80% interval; * unvalidated; "
        "no cost bar: no sourced price or power)",
        height=120 + 48 * max(len(rows), 1),
    )
    return fig


# --------------------------------------------------------------------------- the page

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:1320px;margin:0 auto;padding:24px 32px 60px;background:#fff}
h1{font-size:28px;margin:0 0 4px} h2{font-size:22px;border-bottom:2px solid #2f6db5;
padding-bottom:4px;margin-top:40px} h3{font-size:16px;margin:22px 0 6px}
.meta{color:#555;font-size:14px} nav{font-size:14px;margin:12px 0 4px}
nav a{margin-right:14px;color:#2f6db5;text-decoration:none}
.scroll{overflow-x:auto} table{border-collapse:collapse;font-size:12.5px;margin:4px 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#eef3fa;text-align:center;white-space:normal;vertical-align:bottom}
td:first-child,th:first-child{text-align:left} tbody tr:nth-child(even){background:#f7f7f7}
.note,.csv{font-size:12.5px;color:#555;margin:2px 0 8px}
.findings li{margin:6px 0} .box{background:#f3f7fc;border-left:4px solid #2f6db5;
padding:10px 16px;margin:12px 0} .warn{background:#fff6ea;border-left:4px solid #e07b1a}
td.t{text-align:left} td.long{white-space:normal;min-width:180px;max-width:420px}
"""


def _fan(
    fig: go.Figure,
    x: list[str],
    p: list[dict[str, float]],
    name: str,
    colour: str,
    scale: float,
    row: int,
    dash: str = "solid",
) -> None:
    """A p10-p90 band and the p50 line of one series (a fan chart)."""
    lo = [v["p10"] / scale for v in p]
    hi = [v["p90"] / scale for v in p]
    mid = [v["p50"] / scale for v in p]
    fig.add_trace(
        go.Scatter(
            x=x + x[::-1],
            y=hi + lo[::-1],
            fill="toself",
            fillcolor=colour,
            opacity=0.18,
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
        ),
        row=row,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=x, y=mid, name=name, mode="lines", line={"color": colour, "dash": dash}),
        row=row,
        col=1,
    )


def _market_figure(d: ReportData) -> go.Figure:
    """Fan charts per calendar quarter: vendor revenue, and NVIDIA's share of revenue."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(
            "Vendor revenue per quarter (B USD), p50 and p10-p90",
            "NVIDIA share of modelled vendor revenue",
        ),
    )
    for k, (name, r) in enumerate(d.raw.get("market", {}).items()):
        dash = "solid" if k == 0 else "dash"
        x = [q["quarter"] for q in r["quarters"]]
        for j, vendor in enumerate(("NVIDIA", "Broadcom")):
            p = [q["revenue_usd"][vendor] for q in r["quarters"]]
            _fan(fig, x, p, f"{vendor} ({name})", PALETTE[j], 1e9, 1, dash)
        share = [q["share_by_revenue"]["NVIDIA"] for q in r["quarters"]]
        _fan(fig, x, share, f"NVIDIA share ({name})", PALETTE[2 + k], 1.0, 2, dash)
    fig.update_layout(height=640, title="Market model: base vs custom-ASIC shift")
    fig.update_yaxes(tickformat=".0%", row=2, col=1)
    return fig


def _section(anchor: str, body: str) -> str:
    heading = dict(SECTIONS)[anchor]
    return f"<section id='{anchor}'><h2>{html.escape(heading)}</h2>{body}</section>"


def render_html(d: ReportData) -> str:
    fig = _Figures()
    t = d.tables
    urls = source_urls(d)

    def table(name: str, max_rows: int | None = None) -> str:
        return table_html(t[name], max_rows=max_rows, urls=urls)

    sla = (
        "interactive SLA, simulated under load: p99 time to first token (TTFT) &le; "
        f"{d.scenario.ttft_p99_s:g} s and p99 time per output token (TPOT) &le; "
        f"{d.scenario.tpot_p99_s * 1e3:g} ms (&ge; {1 / d.scenario.tpot_p99_s:g} tokens/s "
        "per user)"
    )
    parts: list[str] = []
    parts.append(
        _section(
            "findings",
            "<div class='box'><ul class='findings'>"
            + "".join(f"<li>{f}</li>" for f in d.findings)
            + "</ul></div>"
            + f"<p class='note'>Workload: {d.scenario.input_len}-token prompts, "
            f"{d.scenario.output_len}-token answers. "
            f"Offline = the most output tokens/s per chip with no latency limit; {sla}. Costs "
            "are the owner's TCO per chip-hour (econ defaults below) divided by sustained "
            "tokens. Every operating point comes from the one engine every command uses: the "
            "calibrated analytic model prunes, the request-level simulator confirms. Figures "
            "in brackets and error bars are 80% intervals from held-out validation errors; "
            "* and the red badge mark chips with no published measurements (prior "
            "efficiencies, widest interval).</p>",
        )
    )
    chips = "".join(table(f"chips_{m}") for m, _ in models(d))
    parts.append(
        _section(
            "gpu-vs-asic",
            fig(_cost_figure(d))
            + fig(_throughput_figure(d))
            + chips
            + collapsed_table_html(
                t["skipped"],
                f"{t['skipped'].title}: {len(t['skipped'].rows)} entries (click to show)",
                urls=urls,
            ),
        )
    )
    parts.append(
        _section(
            "specs",
            "<div class='box'>"
            + "".join(f"<p>{p}</p>" for p in d.drivers_text)
            + "<p class='note'>Derived in this report from catalog numbers: spec per TCO "
            "dollar = catalog spec / TCO USD per chip-hour (api.cost); rho = Spearman rank "
            "correlation over the chips listed. Few chips, so a tendency, not a law.</p></div>"
            + fig(_spec_figure(d))
            + table("spec_drivers")
            + table("chip_specs"),
        )
    )
    skipped = d.raw.get("reasoning_skipped", [])
    skipped_html = (
        "<p class='note'>Not costed: "
        + "; ".join(
            html.escape(f"{s['model']} on {s['accelerator']}: {s['reason']}") for s in skipped
        )
        + "</p>"
        if skipped
        else ""
    )
    parts.append(
        _section(
            "reasoning",
            f"<p>A reasoning answer writes {d.scenario.hidden_tokens:,} hidden tokens before "
            f"{d.scenario.visible_tokens} visible ones; a direct answer writes the "
            f"{d.scenario.visible_tokens} only. "
            "Its cost per query grows by more tokens &times; lost batch (the longer KV cache "
            "leaves room for fewer sequences) &times; step time (shorter steps over fewer "
            f"sequences), on {', '.join(d.scenario.query_chips)} (priced chips).</p>"
            + "".join(fig(f) for f in _reasoning_figures(d))
            + table("reasoning")
            + skipped_html,
        )
    )
    parts.append(_section("small-vs-large", fig(_small_large_figure(d)) + table("small_vs_large")))
    parts.append(
        _section(
            "tco",
            fig(_tco_figure(d))
            + table("tco")
            + table("rentals")
            + table("tco_skipped")
            + "<p>Chips without a sourced purchase price or power have no TCO, but several have "
            "dated on-demand rental quotes. Priced as a renter pays, they sit beside the GPUs "
            "here:</p>" + table("rental_costs"),
        )
    )
    parts.append(
        _section(
            "business",
            "<p>Rental quotes are dated and sourced by provider class; the path is fitted to "
            "all GPU quotes (api.rental, see docs/business.md). Buying a cluster pays back "
            "where the rental price stays above the break-even line; the IRR chart holds the "
            "price flat for the depreciation life.</p>"
            + fig(_rental_figure(d))
            + collapsed_table_html(
                t["rental_quotes"],
                f"{t['rental_quotes'].title}: {len(t['rental_quotes'].rows)} quotes "
                "(click to show)",
                urls=urls,
            )
            + fig(_irr_figure(d))
            + table("neocloud_irr")
            + table("margins"),
        )
    )
    parts.append(
        _section(
            "datacenter",
            f"<p>Power, not chips, limits a site. Each system with a rack definition is "
            f"planned on the same {d.scenario.site_mw:g} MW of facility power "
            "(siliconomics datacenter-compare): the most nodes whose IT power (facility / PUE) "
            "fits, racks by the reference design's layout, the scale-out fat-tree derived from "
            "the switch radix (the rules reproduce NVIDIA's DGX SuperPOD switch and cable "
            "tables), optics and itemised capex. Tokens come from the same operating point "
            "as the tables above. Systems without a rack definition, sourced power or price "
            "(the TPU, Trainium, AMD and Gaudi systems today) are listed, not guessed.</p>"
            + fig(_datacenter_figure(d))
            + table("datacenter"),
        )
    )
    parts.append(
        _section(
            "frontier",
            "<p>Each point is a serving configuration (parallelism, batch cap, aggregated or "
            "disaggregated prefill/decode) found by the SLA search and checked in the "
            "request-level serving simulator; the frontier keeps those no other beats on both "
            "axes. Right of the dashed line the mean time per output token is within the "
            f"{d.scenario.tpot_p99_s * 1e3:g} ms limit; the SLA also needs p99 TTFT &le; "
            f"{d.scenario.ttft_p99_s:g} "
            "s and p99 TPOT within the limit (the best SLA point of each system is in the "
            "table).</p>"
            + fig(_frontier_figure(d))
            + table("frontier_best")
            + table("frontier", 40),
        )
    )
    if "market" in t:
        checks = {n: r["checks"] for n, r in d.raw.get("market", {}).items()}
        half = ", ".join(
            f"{n}: {c['asic_share_reaches_half']['year'] or 'not by the horizon'}"
            for n, c in checks.items()
        )
        parts.append(
            _section(
                "market",
                "<p>Big-four capex &rarr; accelerator spend by vendor family &rarr; units "
                "(&divide; sourced ASPs) &rarr; installed base &rarr; power and token capacity "
                "(the engine's tokens/s per chip) &rarr; vendor revenue and share, quarter by "
                "quarter, from the sourced market dataset (<code>siliconomics data show "
                "market</code>). Bands are p10-p90 over Monte Carlo draws of the scenario "
                "files' stated distributions. The year custom ASICs reach half of accelerator "
                f"spend: {html.escape(half)}. Backtest and method: "
                "<code>siliconomics market backtest</code>, <code>docs/market.md</code>.</p>"
                + fig(_market_figure(d))
                + table("market"),
            )
        )
    parts.append(_section("training", _training_html(d, fig, table)))
    n = d.raw.get("validation_points", 0)
    validated = d.raw.get("validated_vendors", [])
    shown = {p["accelerator"] for m, _ in models(d) for p in d.raw[f"perf/{m}/offline"]["rows"]}
    vendors = d.raw["accelerators"]
    unvalidated = sorted({vendors[a]["vendor"] for a in shown} - set(validated))
    parts.append(
        _section(
            "accuracy",
            f"<p>The analytic model is checked against {n} published measurements (MLPerf "
            "Inference, TensorRT-LLM, AMD and Intel performance tables; median errors over "
            "the throughput points below); error = predicted / measured &minus; 1 "
            "(api.validate, analytic). The serving simulator's errors on the MLPerf rows, "
            "every point, and the held-out errors of the fitted calibration are in "
            "<code>docs/accuracy.md</code> of the siliconomics source tree (regenerate with "
            "<code>siliconomics validate --write docs/accuracy.md</code>).</p>"
            + (
                "<div class='box warn'><p>Vendors with measurements in the set: "
                f"{', '.join(validated)}. No measurement yet for the chips of "
                f"{', '.join(unvalidated)}: their figures above are predictions from datasheet "
                "specs and a family calibration, not checked against a benchmark.</p></div>"
                if unvalidated
                else ""
            )
            + table("accuracy"),
        )
    )
    parts.append(
        _section(
            "assumptions",
            table("assumptions") + table("sources"),
        )
    )
    nav = "".join(f"<a href='#{a}'>{html.escape(h)}</a>" for a, h in SECTIONS)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>siliconomics report: GPU vs ASIC</title>"
        f"<style>{CSS}{TABLE_CSS}</style></head><body><main>"
        "<h1>GPU vs ASIC: what LLM tokens cost, chip by chip</h1>"
        + stamp_html(d.settings.get("stamp"))
        + f"<p class='meta'>siliconomics report &middot; made {html.escape(d.made_utc)} &middot; "
        f"economic defaults as of {html.escape(str(d.settings['econ_as_of']))} &middot; "
        f"models: {', '.join(n for _, n in models(d))} &middot; "
        f"{html.escape(_catalog_label(d))}</p>"
        f"<nav>{nav}</nav>" + "".join(parts) + "</main>"
        f"<script>{SORT_SCRIPT}</script></body></html>"
    )


def _training_html(d: ReportData, fig: _Figures, table: Any) -> str:
    sc = d.scenario
    rl = d.raw.get("rl", {})
    if "error" in rl:
        split = f"<p>RL loop not computed: {html.escape(rl['error'])}</p>"
    else:
        cost = (
            f", {rl['cost_usd']:,.0f} USD ({rl['cost_usd_low']:,.0f}&ndash;"
            f"{rl['cost_usd_high']:,.0f}) for {rl['steps']} steps at the TCO"
            if rl.get("cost_usd") is not None
            else ""
        )
        split = (
            f"<div class='box'><p>RL loop ({html.escape(sc.rl_model)} on {rl['chips']} "
            f"{html.escape(sc.rl_hardware)}, {rl['mode']} cluster): "
            f"<b>{rl['inference_share']:.0%} of chip time is inference</b> (rollouts, reward "
            f"and log-prob passes), {rl['training_share']:.0%} training (the policy update); a "
            f"step takes {rl['step_s']:,.0f} s ({rl['step_s_low']:,.0f}&ndash;"
            f"{rl['step_s_high']:,.0f}){cost}."
            + ("" if rl["validated"] else " <span class='badge'>unvalidated</span>")
            + "</p></div>"
        )
    return (
        "<p>Training a frontier model: the same run on clusters of GPUs and ASICs, each "
        "with the fastest parallel layout that fits (tensor, pipeline, data, context, expert "
        "parallelism, micro-batch, recomputation, searched by the training step model; "
        "siliconomics train). MFU counts model FLOPs (6N plus causal attention).</p>"
        + fig(_training_figure(d))
        + table("training_run")
        + "<h3>Post-training: how much of an RL run is inference</h3>"
        + split
        + table("rl_stages")
        + table("rl_sensitivity")
        + "<p class='note'>No published RL run states per-stage times with a layout, so "
        "the loop is not validated as a whole; its parts carry the serving engine's and the "
        "training model's intervals (see docs/training.md).</p>"
    )


def _catalog_label(d: ReportData) -> str:
    overlay = d.settings.get("catalog_overlay")
    return f"catalog overlay {overlay}" if overlay else "built-in catalog"


def write_report(d: ReportData, out: Path, *, force: bool = False) -> list[Path]:
    """Write report.html and one CSV per table into ``out`` (see :func:`prepare_output`)."""
    prepare_output(out, force=force, model_ids=d.scenario.models)
    contents = {HTML_NAME: render_html(d)}
    for name in table_names(d.scenario.models):
        contents[f"{name}.csv"] = csv_text(d.tables[name])
    write_files(out, contents, "out", force=force)  # all files or none
    return [out / name for name in contents]
