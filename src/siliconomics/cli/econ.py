"""Economics commands: tco, cost, reasoning, train-cost, synthetic-data."""

from __future__ import annotations

from typing import Annotated

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
    deployment_text,
    emit_json,
    err,
    interval_text,
    out,
    overrides,
    par_text,
    si,
    user_errors,
    validated_mark,
)


@app.command()
@user_errors
def tco(
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    set_: SetOpt = None,
    chip_price_usd: Annotated[
        float | None, typer.Option(help="Chip price to use instead of the catalog's")
    ] = None,
    it_power_w: Annotated[
        float | None, typer.Option(help="IT power per chip in W (default: TDP or system power)")
    ] = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Total cost of ownership per accelerator-hour, line by line, vs market rental prices."""
    r = api.tco(
        hardware,
        overrides=overrides(set_),
        chip_price_usd=chip_price_usd,
        it_power_w_per_chip=it_power_w,
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    t = Table(title=f"TCO per chip-hour: {r['accelerator']}", title_justify="left")
    t.add_column("line")
    t.add_column("USD/hour", justify="right")
    t.add_column("share", justify="right")
    total = r["total_usd_per_hour"]
    for line, v in r["lines_usd_per_hour"].items():
        t.add_row(line, f"{v:.3f}", f"{v / total:.0%}")
    t.add_row("[bold]total[/bold]", f"[bold]{total:.3f}[/bold]", "100%")
    out.print(t)
    cp = r["chip_price"]
    out.print(
        f"chip price ${cp['value_usd']:,.0f} ({cp['basis']}, {cp['source']} {cp['date']}); "
        f"IT power {r['it_power_w_per_chip']:.0f} W per chip ({r['it_power_basis']})"
    )
    m = r["market"]
    if m.get("median_recent_usd_per_hour"):
        out.print(
            f"market rental median since {m['recent_since']}: "
            f"${m['median_recent_usd_per_hour']:.2f}/hour "
            f"(TCO / market = {m['tco_over_market_median']:.2f})"
        )


@app.command()
@user_errors
def cost(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[
        list[str] | None, typer.Option(help="Chips or systems (repeat); default all")
    ] = None,
    input_len: Annotated[int, typer.Option(help="Prompt tokens per request")] = 1024,
    output_len: Annotated[int, typer.Option(help="Output tokens per request")] = 1024,
    weights: WeightsOpt = None,
    kv: KvOpt = None,
    precision: PrecisionOpt = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    chips: Annotated[
        int | None, typer.Option(help="Chips per deployment (default: the cheapest count)")
    ] = None,
    rental: Annotated[
        bool, typer.Option(help="Price chip-hours at the on-demand rental median, not the TCO")
    ] = False,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """USD per million tokens for a model across chips, GPUs and ASICs side by side, ranked."""
    r = api.cost(
        model,
        hardware=hardware,
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99,
        tpot_p99_s=tpot_p99,
        chips=chips,
        rental=rental,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        if not r["rows"]:
            raise typer.Exit(2)
        return
    q = r["question"]
    t = Table(
        title=f"{model}: {input_len} in / {output_len} out, {q['sla']}, "
        f"{q['precision_policy']} precision, priced at {r['basis']}",
        title_justify="left",
    )
    for c in (
        "#",
        "$/request (80% interval)",
        "chip",
        "chips",
        "config",
        "tok/s/chip",
        "$/chip-h",
        "$/M in",
        "$/M out",
        "tok/J (IT)",
    ):
        t.add_column(c)
    for row in r["rows"]:
        rank = str(row["rank"]) + (
            "" if row["rank"] == 1 or not row["within_error_of_best"] else "~"
        )
        t.add_row(
            rank,
            interval_text(
                row["usd_per_request"],
                row["usd_per_request_low"],
                row["usd_per_request_high"],
                "{:.3g}",
            ),
            row["accelerator"] + validated_mark(row),
            str(row["chips"]),
            f"{deployment_text(row)} {row['weights']}/{row['kv']}",
            f"{row['output_tokens_per_s_per_chip']:,.0f}",
            f"{row['usd_per_chip_hour']:.2f}",
            f"{row['usd_per_million_input_tokens']:.3f}",
            f"{row['usd_per_million_output_tokens']:.3f}",
            "-"
            if row["output_tokens_per_joule"] is None
            else f"{row['output_tokens_per_joule']:.2f}",
        )
    out.print(t)
    out.print(
        "ranked by USD per request; ~ = within error of the cheapest (80% intervals overlap)",
        markup=False,
        highlight=False,
    )
    for sk in r["skipped"]:
        out.print(
            f"skipped {sk['accelerator']}: {sk['status']} ({sk['reason']})",
            markup=False,
            highlight=False,
        )
    if not r["rows"]:
        err.print("error: hardware: no chip could be costed for this question (see above)")
        raise typer.Exit(2)


@app.command()
@user_errors
def reasoning(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    hidden_tokens: Annotated[int, typer.Option(help="Hidden reasoning tokens per sample")],
    visible_tokens: Annotated[int, typer.Option(help="Visible answer tokens")],
    samples: Annotated[int, typer.Option(help="Samples per query (best-of-K)")] = 1,
    input_len: Annotated[int, typer.Option(help="Prompt tokens")] = 1024,
    small_model: Annotated[str | None, typer.Option(help="A smaller model to compare")] = None,
    weights: WeightsOpt = None,
    kv: KvOpt = None,
    precision: PrecisionOpt = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Cost and latency per query of a reasoning answer vs a direct one, with the breakdown."""
    r = api.reasoning(
        model,
        hardware,
        hidden_tokens=hidden_tokens,
        visible_tokens=visible_tokens,
        input_len=input_len,
        samples=samples,
        small_model=small_model,
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
    t = Table(title=f"{model} on {r['accelerator']}" + validated_mark(r), title_justify="left")
    for c in (
        "answer",
        "tokens out",
        "seqs decoding",
        "mean TPOT",
        "latency",
        "$/query (80% interval)",
    ):
        t.add_column(c)
    for key in ("direct", "reasoning", "small_model"):
        q = r.get(key)
        if not q:
            continue
        t.add_row(
            q["label"],
            str(q["samples"] * (q["hidden_tokens"] + q["visible_tokens"])),
            f"{q['batch']:.0f}",
            si(q["tpot_mean_s"], "s"),
            si(q["latency_s"], "s"),
            interval_text(
                q["usd_per_query"], q["usd_per_query_low"], q["usd_per_query_high"], "{:.5f}"
            ),
        )
    out.print(t)
    f = r["factor_over_direct"]
    out.print(
        f"reasoning costs {f['total']:.1f}x the direct answer = "
        f"more tokens {f['more_tokens']:.2f}x "
        f"x lost batch {f['lost_batch']:.2f}x x step time {f['step_time']:.2f}x "
        f"x chips {f['chips']:.2f}x x samples {f['samples']:.2f}x"
    )
    out.print(r["explanation"], markup=False, highlight=False)


@app.command("train-cost")
@user_errors
def train_cost(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    tokens: Annotated[float, typer.Option(help="Training tokens")],
    chips: Annotated[int, typer.Option(help="Chips in the cluster")],
    mfu: Annotated[
        float | None,
        typer.Option(help="Model FLOPs utilisation, 0-1 (default: predicted by the step model)"),
    ] = None,
    seq_len: Annotated[int, typer.Option(help="Training sequence length")] = 8192,
    dtype: Annotated[str, typer.Option(help="Compute dtype whose peak MFU refers to")] = "bf16",
    usd_per_chip_hour: Annotated[
        float | None, typer.Option(help="Price per chip-hour (default: TCO)")
    ] = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """FLOPs, chip-hours, days and cost of a training run."""
    r = api.train_cost(
        model,
        hardware,
        tokens=tokens,
        chips=chips,
        mfu=mfu,
        seq_len=seq_len,
        dtype=dtype,
        usd_per_chip_hour=usd_per_chip_hour,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    how = f"MFU {r['mfu']:.1%} ({r['mfu_source']}"
    how += f", {par_text(r['layout'])})" if r.get("layout") else ")"
    out.print(
        f"{r['model']} on {r['chips']} x {r['accelerator']}, {how}: "
        f"{r['total_flops']:.3g} FLOPs, "
        f"{r['chip_hours'] / 1e6:.3g} M chip-hours, {r['wall_clock_days']:.1f} days, "
        f"${r['cost_usd'] / 1e6:,.1f} M at ${r['usd_per_chip_hour']:.2f}/chip-hour "
        f"({r['price_basis']})"
    )


@app.command("synthetic-data")
@user_errors
def synthetic_data(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    prompts: Annotated[float, typer.Option(help="Prompts in the loop")],
    samples_per_prompt: Annotated[int, typer.Option(help="Samples generated per prompt (K)")],
    prompt_tokens: Annotated[int, typer.Option(help="Tokens per prompt")],
    sample_tokens: Annotated[int, typer.Option(help="Tokens per generated sample")],
    keep_fraction: Annotated[
        float, typer.Option(help="Fraction of samples kept after verification")
    ],
    train_mfu: Annotated[float, typer.Option(help="MFU of the training step")] = 0.4,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Generate -> verify -> filter -> train: how compute and cost split between stages."""
    r = api.synthetic_data(
        model,
        hardware,
        prompts=prompts,
        samples_per_prompt=samples_per_prompt,
        prompt_tokens=prompt_tokens,
        sample_tokens=sample_tokens,
        keep_fraction=keep_fraction,
        train_mfu=train_mfu,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    t = Table(title=f"synthetic-data loop: {r['model']} on {hardware}", title_justify="left")
    for c in ("stage", "FLOPs", "share", "chip-hours", "cost"):
        t.add_column(c)
    hours = r.get("chip_hours", {})
    cost_ = r.get("cost_usd", {})
    for stage in ("generation", "verification", "training"):
        t.add_row(
            stage,
            f"{r['flops'][stage]:.3g}",
            f"{r['flops_share'][stage]:.0%}",
            f"{hours.get(stage, 0):.3g}" if stage in hours else "-",
            f"${cost_[stage]:,.0f}" if stage in cost_ else "-",
        )
    out.print(t)
