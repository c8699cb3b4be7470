"""`catalog list` and `catalog show`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from siliconomics import api
from siliconomics.cli.common import (
    CatalogOpt,
    JsonOpt,
    catalog_app,
    emit_json,
    out,
    si,
    user_errors,
)


@catalog_app.command("list")
@user_errors
def catalog_list(
    kind: Annotated[str | None, typer.Option(help="accelerator | system | model | price")] = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """List catalog entries, optionally of one kind."""
    rows = api.catalog_list(kind, api.get_catalog(catalog))
    if as_json:
        emit_json(rows)
        return
    kinds = [kind] if kind else list(api.KINDS)
    for k in kinds:
        sub = [r for r in rows if r["kind"] == k]
        if not sub:
            continue
        table = Table(title=f"{k}s ({len(sub)})", title_justify="left")
        if k == "accelerator":
            for c in ("id", "vendor", "kind", "bf16 dense", "HBM", "HBM BW", "TDP", "year"):
                table.add_column(c)
            for r in sub:
                table.add_row(
                    r["id"],
                    r["vendor"],
                    r["chip_kind"],
                    si(r["bf16_flop_per_s"], "FLOP/s"),
                    si(r["hbm_bytes"], "B"),
                    si(r["hbm_bandwidth_bytes_per_s"], "B/s"),
                    si(r["tdp_w"], "W"),
                    str(r["launch_year"] or "-"),
                )
        elif k == "system":
            for c in ("id", "accelerator", "chips", "scale-up domain", "topology", "power"):
                table.add_column(c)
            for r in sub:
                table.add_row(
                    r["id"],
                    r["accelerator"],
                    str(r["chips"]),
                    str(r["scale_up_domain_chips"]),
                    r["scale_up_topology"],
                    si(r["power_w"], "W"),
                )
        elif k == "model":
            for c in ("id", "attention", "MoE", "layers", "params", "active/token", "checkpoint"):
                table.add_column(c)
            for r in sub:
                table.add_row(
                    r["id"],
                    r["attention"],
                    "yes" if r["moe"] else "no",
                    str(r["layers"]),
                    si(r["parameters_total"], ""),
                    si(r["parameters_active_per_token"], ""),
                    r["checkpoint_dtype"],
                )
        else:
            for c in ("accelerator", "price", "date", "kind", "terms", "source"):
                table.add_column(c)
            for r in sub:
                unit = "/chip" if r["unit"] == "usd_per_chip" else "/chip-hour"
                table.add_row(
                    r["accelerator"],
                    f"${r['value_usd']:,.2f}{unit}",
                    r["date"],
                    r["price_kind"],
                    r["commitment"] or "-",
                    r["source"],
                )
        out.print(table)


@catalog_app.command("show")
@user_errors
def catalog_show(
    id_: Annotated[str, typer.Argument(metavar="ID", help="accelerator, system or model id")],
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Show one entry with every number's source and date."""
    data = api.catalog_show(id_, api.get_catalog(catalog))
    if as_json:
        emit_json(data)
        return
    table = Table(title=f"{data['kind']} {id_}", title_justify="left", show_header=True)
    table.add_column("field")
    table.add_column("value")
    table.add_column("source (date)")
    prov = data.get("provenance", {})
    for key, value in data.items():
        if key in ("provenance", "sources", "prices"):
            continue
        if isinstance(value, dict) and key == "peak_flop_per_s":
            for dt, v in value.items():
                p = prov.get(f"peak_flop_per_s.{dt}", {})
                table.add_row(
                    f"peak {dt} (dense)",
                    si(v, "FLOP/s"),
                    f"{p.get('source', '')} ({p.get('date', '')})",
                )
            continue
        p = prov.get(key, {})
        shown = json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)
        table.add_row(key, shown, f"{p['source']} ({p['date']})" if p else "")
    out.print(table)
    for p in data.get("prices", []):
        out.print(
            f"price: ${p['value_usd']:,.2f} {p['unit']} ({p['kind']}, {p['date']}, {p['source']})"
        )
    for sid, s in data.get("sources", {}).items():
        out.print(f"[{sid}] {s['title']} — {s['url']} ({s['date']})", markup=False, highlight=False)
