"""Training commands: train (the step model and the layout search), rl-cost."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from siliconomics import api
from siliconomics.cli.common import (
    CatalogOpt,
    JsonOpt,
    SetOpt,
    app,
    emit_json,
    interval_text,
    out,
    overrides,
    si,
    user_errors,
)

IntOpt = Annotated[int | None, typer.Option()]


@app.command("train")
@user_errors
def train(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    chips: Annotated[int, typer.Option(help="Chips in the cluster")],
    seq_len: Annotated[int, typer.Option(help="Training sequence length")],
    global_batch_tokens: Annotated[float, typer.Option(help="Tokens per optimizer step")],
    tp: Annotated[int | None, typer.Option(help="Tensor parallel size")] = None,
    pp: Annotated[int | None, typer.Option(help="Pipeline parallel size")] = None,
    dp: Annotated[int | None, typer.Option(help="Data parallel size")] = None,
    cp: Annotated[int | None, typer.Option(help="Context parallel size")] = None,
    ep: Annotated[int | None, typer.Option(help="Expert parallel size")] = None,
    vp: Annotated[int | None, typer.Option(help="Interleaved virtual stages")] = None,
    micro_batch: Annotated[int | None, typer.Option(help="Sequences per micro-batch")] = None,
    recompute: Annotated[str | None, typer.Option(help="none|selective|full")] = None,
    fsdp: Annotated[
        bool | None, typer.Option("--fsdp/--no-fsdp", help="Shard weights too (FSDP)")
    ] = None,
    precision: Annotated[str, typer.Option(help="GEMM format: bf16|fp8|fp4")] = "bf16",
    tokens: Annotated[
        float | None, typer.Option(help="Training tokens: adds wall clock, chip-hours, cost")
    ] = None,
    usd_per_chip_hour: Annotated[
        float | None, typer.Option(help="Price per chip-hour (default: TCO)")
    ] = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Training step time, tokens/s, MFU and memory per chip; searches the layout fields
    not given (all given: predicts that layout)."""
    r = api.train(
        model,
        hardware,
        chips=chips,
        seq_len=seq_len,
        global_batch_tokens=global_batch_tokens,
        tp=tp,
        pp=pp,
        dp=dp,
        cp=cp,
        ep=ep,
        vp=vp,
        micro_batch=micro_batch,
        recompute=recompute,
        fsdp=fsdp,
        precision=precision,
        tokens=tokens,
        usd_per_chip_hour=usd_per_chip_hour,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    mark = "" if r["validated"] else " (unvalidated)"
    out.print(
        f"{r['model']} on {r['chips']} x {r['accelerator']}{mark}, {r['precision']}, "
        f"seq {r['seq_len']}, {r['global_batch_tokens']:,.0f} tokens per step"
    )
    t = Table(title=f"best layout: {r['layout_text']}", title_justify="left")
    t.add_column("quantity")
    t.add_column("value (80% interval)", justify="right")
    t.add_row(
        "tokens/s",
        interval_text(r["tokens_per_s"], r["tokens_per_s_low"], r["tokens_per_s_high"], "{:,.0f}"),
    )
    t.add_row("tokens/s per chip", f"{r['tokens_per_s_per_chip']:,.0f}")
    t.add_row("step", interval_text(r["step_s"], r["step_s_low"], r["step_s_high"], "{:.3g} s"))
    t.add_row("MFU", interval_text(r["mfu"], r["mfu_low"], r["mfu_high"], "{:.1%}"))
    t.add_row("HFU", f"{r['hfu']:.1%}")
    t.add_row("pipeline bubble", f"{r['bubble_fraction']:.1%}")
    t.add_row(
        "memory per chip",
        f"{si(r['memory_bytes_per_chip'], 'B')} of {si(r['memory_bytes']['capacity'], 'B')}",
    )
    for k, v in r["step_breakdown_s"].items():
        if v > 0:
            t.add_row(f"  {k.removesuffix('_s').replace('_', ' ')}", si(v, "s"))
    out.print(t)
    if r["runners_up"]:
        ru = Table(title="runners-up", title_justify="left")
        for col in ("layout", "tokens/s", "MFU", "memory/chip"):
            ru.add_column(col, justify="left" if col == "layout" else "right")
        for x in r["runners_up"]:
            ru.add_row(
                x["layout_text"],
                f"{x['tokens_per_s']:,.0f}",
                f"{x['mfu']:.1%}",
                si(x["memory_bytes_per_chip"], "B"),
            )
        out.print(ru)
    run = r.get("run")
    if run:
        out.print(
            f"{run['tokens']:.3g} tokens: "
            + interval_text(
                run["wall_clock_days"],
                run.get("wall_clock_days_low"),
                run.get("wall_clock_days_high"),
                "{:,.1f}",
            )
            + " days, "
            + interval_text(
                run["chip_hours"] / 1e6,
                run["chip_hours_low"] / 1e6,
                run["chip_hours_high"] / 1e6,
                "{:,.3g}",
            )
            + " M chip-hours"
        )
        if run["cost_usd"] is None:
            out.print(f"cost: {run['price_basis']}", markup=False, highlight=False)
            return
        out.print(
            "cost: $"
            + interval_text(
                run["cost_usd"] / 1e6,
                run["cost_usd_low"] / 1e6,
                run["cost_usd_high"] / 1e6,
                "{:,.2f}",
            )
            + f" M at ${run['usd_per_chip_hour']:.2f}/chip-hour ({run['price_basis']})"
        )


@app.command("rl-cost")
@user_errors
def rl_cost(
    model: Annotated[str, typer.Option(help="Policy model: catalog id or config.json")],
    hardware: Annotated[str, typer.Option(help="Accelerator or system id")],
    chips: Annotated[int, typer.Option(help="Chips in the cluster (both pools)")],
    prompts_per_step: Annotated[int, typer.Option(help="Prompts per RL step")],
    samples_per_prompt: Annotated[int, typer.Option(help="Rollouts per prompt")],
    prompt_tokens: Annotated[int, typer.Option(help="Tokens per prompt")],
    rollout_tokens: Annotated[int, typer.Option(help="Tokens per rollout (reasoning length)")],
    steps: Annotated[int, typer.Option(help="RL steps")] = 1,
    mode: Annotated[str, typer.Option(help="shared (colocated) | split (two pools)")] = "shared",
    gen_chips: Annotated[
        int | None, typer.Option(help="Generation pool in split mode (default: half)")
    ] = None,
    reward_model: Annotated[
        str | None, typer.Option(help="Reward model id (default: a rule-based verifier)")
    ] = None,
    reference: Annotated[
        bool, typer.Option("--reference/--no-reference", help="KL to a reference model")
    ] = True,
    precision: Annotated[str, typer.Option(help="Update GEMM format: bf16|fp8|fp4")] = "bf16",
    usd_per_chip_hour: Annotated[
        float | None, typer.Option(help="Price per chip-hour (default: TCO)")
    ] = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Cost of an RL loop and its split between inference (rollouts, reward, log-probs)
    and training (the policy update), shared cluster or split pools."""
    r = api.rl_cost(
        model,
        hardware,
        chips=chips,
        prompts_per_step=prompts_per_step,
        samples_per_prompt=samples_per_prompt,
        prompt_tokens=prompt_tokens,
        rollout_tokens=rollout_tokens,
        steps=steps,
        mode=mode,
        gen_chips=gen_chips,
        reward_model=reward_model,
        reference=reference,
        precision=precision,
        usd_per_chip_hour=usd_per_chip_hour,
        overrides=overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    mark = "" if r["validated"] else " (unvalidated)"
    t = Table(
        title=f"RL step: {r['model']} on {r['chips']} x {hardware}{mark}, {r['mode']}",
        title_justify="left",
    )
    for col in ("stage", "time", "chip-seconds", "share"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    total = sum(r["chip_s_per_step"].values())
    for stage, cs in r["chip_s_per_step"].items():
        t.add_row(stage, si(r["stage_s"].get(stage), "s"), f"{cs:,.0f}", f"{cs / total:.1%}")
    out.print(t)
    out.print(
        "step "
        + interval_text(r["step_s"], r["step_s_low"], r["step_s_high"], "{:,.0f} s")
        + f"; inference {r['inference_share']:.0%}, training {r['training_share']:.0%} of "
        "chip time"
    )
    cost = r.get("cost_usd")
    if cost is not None:
        out.print(
            f"{r['steps']} steps: "
            + interval_text(cost, r["cost_usd_low"], r["cost_usd_high"], "${:,.0f}")
            + f" at ${r['usd_per_chip_hour']:.2f}/chip-hour ({r['price_basis']})"
        )
    for s in r["sensitivity"]:
        if "skipped" in s:
            continue
        out.print(f"  {s['case']}: inference {s['inference_share']:.0%}, step {s['step_s']:,.0f} s")
