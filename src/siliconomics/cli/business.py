"""The business of compute: rental price paths, neocloud cluster returns, API gross margins."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from siliconomics import api
from siliconomics.cli.common import (
    CatalogOpt,
    JsonOpt,
    KvOpt,
    PrecisionOpt,
    SetOpt,
    TpotOpt,
    TtftOpt,
    WeightsOpt,
    app,
    emit_json,
    interval_text,
    out,
    overrides,
    user_errors,
    validated_mark,
)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def _usd(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


@app.command()
@user_errors
def rental(
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    start: Annotated[
        str | None, typer.Option(help="Forecast start, YYYY-MM (default: the defaults' as-of)")
    ] = None,
    months: Annotated[int, typer.Option(help="Months to forecast")] = 36,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Dated rental quotes, the fitted price path and its forecast with p10/p90."""
    r = api.rental(hardware, start=start, months=months, catalog=api.get_catalog(catalog))
    if as_json:
        emit_json(r)
        return
    t = Table(title=f"rental quotes: {r['accelerator']}", title_justify="left")
    for c in ("date", "USD/h", "commitment", "class", "provider", "source"):
        t.add_column(c)
    for q in r["quotes"]:
        t.add_row(
            q["date"],
            _usd(q["usd_per_hour"]),
            q["commitment"],
            q["provider_class"],
            q["provider"],
            q["source"],
        )
    out.print(t)
    f = r["fit"]
    out.print(
        f"fit ({f['kind']} pool, {f['quotes_fitted']} quotes): price falls "
        f"{f['decline_per_year']:.0%}/year, {f['decline_per_year_after_next_generation']:.0%}"
        f"/year once the next generation ships ({r['next_generation'] or 'none in catalog'}); "
        f"path = {r['path_commitment']} {r['path_provider_class']}; p10/p90 x"
        f"{f['p10_multiplier']:.2f}/x{f['p90_multiplier']:.2f}",
        markup=False,
        highlight=False,
    )
    p = Table(title="forecast (USD per chip-hour)", title_justify="left")
    for c in ("month", "median", "p10", "p90"):
        p.add_column(c)
    for row in r["forecast"]:
        p.add_row(
            row["date"],
            _usd(row["usd_per_hour"]),
            _usd(row["usd_per_hour_p10"]),
            _usd(row["usd_per_hour_p90"]),
        )
    out.print(p)
    if r["backtest"]:
        err = r["backtest_median_abs_error"]
        out.print(
            f"backtest: {len(r['backtest'])} quarters, median |error| {_pct(err)}, "
            f"{r['backtest_within_15pct']} within 15%",
            markup=False,
            highlight=False,
        )


@app.command()
@user_errors
def neocloud(
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    chips: Annotated[int, typer.Option(help="Chips bought")],
    years: Annotated[
        float | None, typer.Option(help="Horizon in years (default: depreciation life)")
    ] = None,
    utilisation: Annotated[float, typer.Option(help="Share of on-demand hours sold, 0-1")] = 1.0,
    ramp_months: Annotated[int, typer.Option(help="Months to ramp utilisation from 0")] = 0,
    reserved_share: Annotated[
        float, typer.Option(help="Share of hours under a take-or-pay contract, 0-1")
    ] = 0.0,
    reserved_price: Annotated[
        float | None, typer.Option(help="Contract price USD per chip-hour")
    ] = None,
    price: Annotated[
        float | None,
        typer.Option(help="First-month on-demand price USD per chip-hour (path shape kept)"),
    ] = None,
    flat: Annotated[
        bool, typer.Option(help="Hold --price flat instead of the fitted path")
    ] = False,
    facility: Annotated[str, typer.Option(help="own | colo")] = "own",
    colo_usd_per_kw_month: Annotated[
        float | None, typer.Option(help="Colocation fee, USD per kW of IT power per month")
    ] = None,
    resale: Annotated[float, typer.Option(help="Resale value, fraction of IT capex")] = 0.0,
    depreciation_years: Annotated[
        float | None, typer.Option(help="Depreciation life, years (accounting only)")
    ] = None,
    depreciation: Annotated[str, typer.Option(help="straight-line | declining")] = (
        "straight-line"
    ),
    debt_share: Annotated[float, typer.Option(help="Share of capex borrowed, 0-1")] = 0.0,
    interest_rate: Annotated[
        float | None, typer.Option(help="Loan rate per year (default: cost of capital)")
    ] = None,
    debt_term: Annotated[float | None, typer.Option(help="Loan term, years")] = None,
    cost_of_equity: Annotated[
        float | None, typer.Option(help="Equity discount rate per year")
    ] = None,
    start: Annotated[str | None, typer.Option(help="Purchase month, YYYY-MM")] = None,
    chip_price_usd: Annotated[
        float | None, typer.Option(help="Chip price to use instead of the catalog's")
    ] = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Buy a cluster to rent out: cash flows, IRR, NPV, payback, break-even price, tornado."""
    r = api.neocloud(
        hardware,
        chips,
        years=years,
        utilisation=utilisation,
        ramp_months=ramp_months,
        reserved_share=reserved_share,
        reserved_usd_per_hour=reserved_price,
        price_usd_per_hour=price,
        flat_price=flat,
        facility=facility,
        colo_usd_per_kw_month=colo_usd_per_kw_month,
        resale_fraction=resale,
        depreciation_years=depreciation_years,
        depreciation_method=depreciation,
        debt_share=debt_share,
        interest_rate_per_year=interest_rate,
        debt_term_years=debt_term,
        cost_of_equity_per_year=cost_of_equity,
        start=start,
        chip_price_usd=chip_price_usd,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    _render_neocloud(r)


def _render_neocloud(r: dict[str, Any]) -> None:
    t = Table(
        title=f"{r['chips']} x {r['accelerator']} over {r['months']} months from {r['start']} "
        "(p10-p90 price path)",
        title_justify="left",
    )
    t.add_column("measure")
    t.add_column("value (p10 path - p90 path)", justify="right")

    def iv(key: str, fmt: str) -> str:
        v, lo, hi = r[key], r[f"{key}_low"], r[f"{key}_high"]
        show = lambda x: "-" if x is None else fmt.format(x)  # noqa: E731
        return f"{show(v)} ({show(lo)} - {show(hi)})"

    t.add_row("project IRR / year", iv("project_irr_per_year", "{:.1%}"))
    t.add_row("project NPV (USD)", iv("project_npv_usd", "{:,.0f}"))
    t.add_row("equity IRR / year", iv("equity_irr_per_year", "{:.1%}"))
    t.add_row("equity multiple", iv("equity_multiple", "{:.2f}x"))
    t.add_row("payback month", iv("payback_month", "{}"))
    t.add_row("break-even USD/chip-hour", _usd(r["breakeven_usd_per_hour"]))
    t.add_row("  at zero cost of capital", _usd(r["breakeven_zero_cost_of_capital_usd_per_hour"]))
    t.add_row("TCO USD/chip-hour", _usd(r["tco_usd_per_hour"]))
    out.print(t)
    out.print(f"price path: {r['price_path_basis']}", markup=False, highlight=False)
    tor = Table(title="tornado: project IRR / year", title_justify="left")
    for c in ("input", "low case", "IRR", "high case", "IRR"):
        tor.add_column(c)
    for row in r["tornado"]:
        tor.add_row(
            row["input"],
            row["low"],
            _pct(row["project_irr_per_year_low"]),
            row["high"],
            _pct(row["project_irr_per_year_high"]),
        )
    out.print(tor)


@app.command()
@user_errors
def margin(
    model: Annotated[str, typer.Option(help="Catalog model id with API list prices")],
    provider: Annotated[str | None, typer.Option(help="One provider (default: all)")] = None,
    hardware: Annotated[
        str, typer.Option(help="Chip for providers whose chip is not sourced")
    ] = "nvidia-h100-sxm",
    input_len: Annotated[int, typer.Option(help="Prompt tokens per request")] = 1024,
    output_len: Annotated[int, typer.Option(help="Visible output tokens per request")] = 1024,
    hidden_tokens: Annotated[
        int, typer.Option(help="Unbilled reasoning tokens per request (0: none)")
    ] = 0,
    chips: Annotated[
        int | None, typer.Option(help="Chips per deployment (default: the cheapest count)")
    ] = None,
    weights: WeightsOpt = None,
    kv: KvOpt = None,
    precision: PrecisionOpt = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    rental: Annotated[
        bool, typer.Option(help="Price chip-hours at the rental median, not the TCO")
    ] = False,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Gross margin of API list prices against our serving cost, provider by provider."""
    r = api.margin(
        model,
        provider=provider,
        hardware=hardware,
        input_len=input_len,
        output_len=output_len,
        hidden_tokens=hidden_tokens,
        chips=chips,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99,
        tpot_p99_s=tpot_p99,
        rental=rental,
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    t = Table(
        title=f"{r['model']}: {input_len} in / {output_len} out, {r['question']['sla']}, "
        f"cost at {r['basis']}",
        title_justify="left",
    )
    cols = ["provider", "chip", "list $/M in", "list $/M out", "cost $/M out", "gross margin"]
    if hidden_tokens:
        cols.append(f"margin +{hidden_tokens} hidden")
    for c in cols:
        t.add_column(c)
    for row in r["rows"]:
        if row["status"] != "ok":
            cells = [row["provider"], row["hardware"], "", "", row["status"], "-"]
            t.add_row(*cells, *(["-"] if hidden_tokens else []))
            continue
        cells = [
            row["provider"],
            row["hardware"] + validated_mark(row),
            f"{row['list_usd_per_million_input_tokens']:.3g}",
            f"{row['list_usd_per_million_output_tokens']:.3g}",
            f"{row['cost_usd_per_million_output_tokens']:.3g}",
            interval_text(
                row["gross_margin"], row["gross_margin_low"], row["gross_margin_high"], "{:.0%}"
            ),
        ]
        if hidden_tokens:
            cells.append(
                interval_text(
                    row.get("reasoning_gross_margin"),
                    row.get("reasoning_gross_margin_low"),
                    row.get("reasoning_gross_margin_high"),
                    "{:.0%}",
                )
            )
        t.add_row(*cells)
    out.print(t)
    for row in r["rows"]:
        if row["status"] != "ok":
            out.print(
                f"{row['provider']}: {row['status']} ({row['reason']})",
                markup=False,
                highlight=False,
            )
