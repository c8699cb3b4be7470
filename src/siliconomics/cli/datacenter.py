"""Datacenter commands: datacenter (plan one site), datacenter-compare (power-limited)."""

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
    si,
    user_errors,
)

FabricOpt = Annotated[
    str | None,
    typer.Option(help="Scale-out fabric: infiniband or ethernet (default: the design's)"),
]
PueOpt = Annotated[
    float | None, typer.Option(help="Power usage effectiveness (default: econ defaults)")
]


def _usd(v: float | None) -> str:
    return "not sourced" if v is None else si(v, "$")


@app.command()
@user_errors
def datacenter(
    system: Annotated[str, typer.Option(help="System id with a rack definition")],
    chips: Annotated[int | None, typer.Option(help="Chips to install")] = None,
    power_mw: Annotated[
        float | None, typer.Option(help="Power budget in MW (critical IT unless --facility)")
    ] = None,
    facility: Annotated[
        bool, typer.Option(help="--power-mw is facility power (IT = facility / PUE)")
    ] = False,
    fabric: FabricOpt = None,
    oversubscription: Annotated[
        float, typer.Option(help="Leaf downlink:uplink ratio (1 = non-blocking)")
    ] = 1.0,
    rail_optimized: Annotated[
        bool | None,
        typer.Option(
            "--rail-optimized/--no-rail-optimized", help="Rail-optimised leaves (default: design)"
        ),
    ] = None,
    link_gbps: Annotated[
        int | None, typer.Option(help="Scale-out link speed: 400, 800 or 1600 Gb/s")
    ] = None,
    rack_power_kw: Annotated[
        float | None, typer.Option(help="Rack power limit in kW (re-lays out the racks)")
    ] = None,
    pue: PueOpt = None,
    chip_price_usd: Annotated[
        float | None, typer.Option(help="Chip price to use instead of the catalog's")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Model id: tokens per year at the operating point")
    ] = None,
    input_len: Annotated[int, typer.Option(help="Prompt tokens per request")] = 1024,
    output_len: Annotated[int, typer.Option(help="Output tokens per request")] = 1024,
    weights: WeightsOpt = None,
    kv: KvOpt = None,
    precision: PrecisionOpt = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Plan a site: racks, fabric tiers, optics, capex and opex (and tokens with --model)."""
    r = api.datacenter(
        system,
        chips=chips,
        power_mw=power_mw,
        facility=facility,
        fabric=fabric,
        oversubscription=oversubscription,
        rail_optimized=rail_optimized,
        link_gbps=link_gbps,
        rack_power_kw=rack_power_kw,
        pue=pue,
        chip_price_usd=chip_price_usd,
        model=model,
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99,
        tpot_p99_s=tpot_p99,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    _render_site(r)


def _render_site(r: dict[str, Any]) -> None:
    t = Table(title=f"{r['system_name']} site ({r['reference_design']})", title_justify="left")
    t.add_column("item")
    t.add_column("value")
    t.add_column("how")
    t.add_row("chips", f"{r['chips']:,}", f"{r['nodes']:,} nodes x {r['chips_per_node']}")
    t.add_row(
        "racks",
        f"{r['racks']:,}",
        f"{r['rack_layout_rule']}; {si(r['rack_power_w'], 'W')} per rack, {r['cooling']}",
    )
    t.add_row("IT power", si(r["it_power_w"], "W"), r["node_power_basis"])
    t.add_row("facility power", si(r["facility_power_w"], "W"), f"PUE {r['pue']:g}")
    t.add_row(
        "scale-out fabric",
        f"{r['fabric']}, {r['tiers']} tiers",
        f"{r['switch_name']}, radix {r['switch_radix']} x {r['link_gbps']}G, "
        f"{r['planes']} plane(s), {r['scalable_units']} SU of {r['scalable_unit_nodes']} "
        f"nodes, oversubscription {r['oversubscription']:g}"
        + (", rail-optimised" if r["rail_optimized"] else ""),
    )
    for tier, n in r["switches_by_tier"].items():
        t.add_row(f"  {tier} switches", f"{n:,}", "")
    for tier, n in r["cables_by_tier"].items():
        t.add_row(f"  {tier} cables", f"{n:,}", "")
    for speed, n in r["transceivers_by_speed"].items():
        t.add_row(f"  {speed} transceivers", f"{n:,}", "")
    for item, n in r["scale_up"]["counts"].items():
        t.add_row(f"  scale-up {item}", f"{n:,.0f}", "priced in the servers")
    for line, v in r["capex_usd"].items():
        t.add_row(f"capex {line}", _usd(v), "")
    t.add_row(
        "network share of capex",
        "-" if r["network_share_of_capex"] is None else f"{r['network_share_of_capex']:.1%}",
        "NICs + switches + optics",
    )
    for line, v in r["opex_usd_per_year"].items():
        t.add_row(f"opex {line} / year", _usd(v), "")
    t.add_row("annual cost", _usd(r["annual_cost_usd_per_year"]), "capex levelled + opex")
    tok = r.get("tokens")
    if tok:
        t.add_row(
            "output tokens / year",
            interval_text(
                tok["output_tokens_per_year"],
                tok["output_tokens_per_year_low"],
                tok["output_tokens_per_year_high"],
                "{:.3g}",
            ),
            f"{tok['replicas']:,} replicas of {tok['replica_chips']} chips"
            + ("" if tok["validated"] else " (unvalidated)"),
        )
        t.add_row(
            "$/M output tokens",
            interval_text(
                tok["usd_per_million_output_tokens"],
                tok["usd_per_million_output_tokens_low"],
                tok["usd_per_million_output_tokens_high"],
                "{:.3g}",
            ),
            "site annual cost / output tokens",
        )
        t.add_row("output tokens / MW-year", f"{tok['output_tokens_per_mw_year']:.3g}", "")
    out.print(t)
    out.print("Not costed: " + "; ".join(r["not_costed"]))
    for note in r["notes"]:
        out.print(f"Note: {note}")


@app.command("datacenter-compare")
@user_errors
def datacenter_compare(
    power_mw: Annotated[
        float, typer.Option(help="Site power in MW (facility unless --it)")
    ] = 100.0,
    it: Annotated[bool, typer.Option("--it", help="--power-mw is critical IT power")] = False,
    system: Annotated[
        list[str] | None, typer.Option(help="Systems (repeat); default all with a design")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model id for tokens per year")] = None,
    input_len: Annotated[int, typer.Option(help="Prompt tokens per request")] = 1024,
    output_len: Annotated[int, typer.Option(help="Output tokens per request")] = 1024,
    weights: WeightsOpt = None,
    kv: KvOpt = None,
    precision: PrecisionOpt = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    fabric: FabricOpt = None,
    pue: PueOpt = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """What a fixed site delivers on each system: chips, capex, network share, tokens."""
    r = api.datacenter_compare(
        power_mw,
        facility=not it,
        systems=system,
        model=model,
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99,
        tpot_p99_s=tpot_p99,
        fabric=fabric,
        pue=pue,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    t = Table(
        title=f"{si(r['power_w'], 'W')} {r['power_basis']} site"
        + (f", {r['model']}" if r["model"] else ""),
        title_justify="left",
    )
    t.add_column("system", no_wrap=True)
    for c in ("chips", "racks", "capex", "network share", "tokens/yr", "$/M out"):
        t.add_column(c)
    for row in r["rows"]:
        share = row["network_share_of_capex"]
        t.add_row(
            row["system"],
            f"{row['chips']:,}",
            f"{row['racks']:,}",
            _usd(row["capex_usd"]),
            "-" if share is None else f"{share:.1%}",
            interval_text(
                row.get("output_tokens_per_year"),
                row.get("output_tokens_per_year_low"),
                row.get("output_tokens_per_year_high"),
                "{:.3g}",
            ),
            interval_text(
                row.get("usd_per_million_output_tokens"),
                row.get("usd_per_million_output_tokens_low"),
                row.get("usd_per_million_output_tokens_high"),
                "{:.3g}",
            ),
        )
    out.print(t)
    if r["skipped"]:
        out.print(
            "Skipped: " + ", ".join(s["system"] for s in r["skipped"]) + " (see --json for why)"
        )
