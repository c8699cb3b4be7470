"""`data query`, `data show` and `market` (with `market backtest`): the market model's shell."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from siliconomics import api
from siliconomics.cli.common import CatalogOpt, JsonOpt, app, emit_json, out, si, user_errors

data_app = typer.Typer(
    help="Query the sourced market dataset (embedded DuckDB).", no_args_is_help=True
)
app.add_typer(data_app, name="data")
market_app = typer.Typer(
    help="Capex -> accelerator spend -> units -> power -> tokens -> vendor revenue and share.",
    invoke_without_command=True,
)
app.add_typer(market_app, name="market")


def _render(result: dict[str, Any], title: str) -> None:
    table = Table(title=title, title_justify="left")
    for c in result["columns"]:
        table.add_column(str(c))
    for row in result["rows"]:
        table.add_row(
            *["" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v)) for v in row]
        )
    out.print(table)


@data_app.command("query")
@user_errors
def data_query(
    sql: Annotated[str, typer.Argument(help="One read-only SELECT (tables: see `data show`)")],
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Run one read-only SQL SELECT on the market dataset."""
    r = api.market_query(sql, api.get_catalog(catalog))
    if as_json:
        emit_json(r)
        return
    _render(r, f"{len(r['rows'])} rows")


@data_app.command("show")
@user_errors
def data_show(
    table: Annotated[
        str,
        typer.Argument(
            help="market | capex | revenue | units | share | asp | "
            "market_size | capex_split | pue | power | calendars | sources"
        ),
    ],
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Show every row of one market table."""
    r = api.market_show(table, api.get_catalog(catalog))
    if as_json:
        emit_json(r)
        return
    _render(r, f"{table} ({len(r['rows'])} rows)")


def _p(d: dict[str, float], unit: str) -> str:
    """p50 (p10-p90) in billions of USD (the table's unit; JSON keeps SI USD)."""
    del unit
    return f"{d['p50'] / 1e9:,.0f} ({d['p10'] / 1e9:,.0f}-{d['p90'] / 1e9:,.0f})"


@market_app.callback()
@user_errors
def market(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Option(help="Scenario name or YAML file")] = "base",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use only rows out by this date (YYYY-MM-DD)")
    ] = None,
    through: Annotated[int, typer.Option(help="Last calendar year to model")] = 2028,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws (1: central values)")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    ray: Annotated[
        str | None,
        typer.Option("--ray", help="Run the draws on a Ray cluster (ADDRESS, or 'local')"),
    ] = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Model the accelerator market under a scenario (p10/p50/p90 per year and quarter)."""
    if ctx.invoked_subcommand is not None:
        return
    r = api.market(
        scenario,
        as_of=as_of,
        through=through,
        draws=draws,
        seed=seed,
        ray_address=ray,
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    out.print(f"scenario {r['scenario']}: {r['description']}")
    out.print(
        f"as of {r['as_of'] or 'all data'}; "
        f"capex reported through {r['capex_last_reported_quarter']}; "
        f"anchored on {r['anchors']}; {r['draws']} draws; p50 (p10-p90)"
    )
    table = Table(title="by calendar year", title_justify="left")
    for c in (
        "year",
        "capex B$",
        "NVIDIA B$",
        "Broadcom B$",
        "AMD B$",
        "ASIC share",
        "power",
        "tokens/yr",
    ):
        table.add_column(c)
    share = {s["year"]: s["asic_share_of_spend"] for s in r["checks"]["nvidia_share"]["by_year"]}
    for y in r["years"]:
        rev = y["revenue_usd"]
        table.add_row(
            str(y["year"]),
            _p(next(iter(y["capex_usd"].values())), "USD"),
            _p(rev["NVIDIA"], "USD"),
            _p(rev["Broadcom"], "USD") if "Broadcom" in rev else "-",
            _p(rev["AMD"], "USD") if "AMD" in rev else "-",
            f"{share[y['year']]['p50']:.0%}",
            si(y["installed_power_w"]["p50"], "W"),
            si(y["tokens_per_year"]["p50"], "tok"),
        )
    out.print(table)
    half = r["checks"]["asic_share_reaches_half"]["year"]
    out.print(f"ASIC share of spend reaches 50%: {half or 'not by ' + str(r['through'])}")
    if r["sensitivity_nvidia_revenue_2027"]:
        top = r["sensitivity_nvidia_revenue_2027"][:4]
        out.print(
            "moves NVIDIA 2027 revenue most: "
            + ", ".join(f"{t['input']} (rho {t['spearman_rho']:+.2f})" for t in top)
        )


@market_app.command("backtest")
@user_errors
def market_backtest(
    scenario: Annotated[str, typer.Option(help="Scenario name or YAML file")] = "base",
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Run the model as of each past quarter end and score it on what followed."""
    r = api.market_backtest(scenario, catalog=api.get_catalog(catalog))
    if as_json:
        emit_json(r)
        return
    table = Table(
        title=f"backtest ({r['scenario']}): error of forecasts h quarters ahead",
        title_justify="left",
    )
    for c in ("series", "h", "n", "median", "worst"):
        table.add_column(c)
    for s in r["summary"]:
        table.add_row(
            s["series"],
            str(s["horizon_quarters"]),
            str(s["n"]),
            f"{s['median_error']:.1%}",
            f"{s['worst_error']:.1%}",
        )
    out.print(table)
