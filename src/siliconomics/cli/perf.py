"""Performance commands: estimate, validate, overview, throughput, simulate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from siliconomics import api
from siliconomics.cli.catalog import catalog_list
from siliconomics.cli.common import (
    CatalogOpt,
    JsonOpt,
    KvOpt,
    PrecisionOpt,
    TpotOpt,
    TtftOpt,
    WeightsOpt,
    app,
    deployment_text,
    emit_json,
    err,
    interval_text,
    out,
    si,
    user_errors,
    validated_mark,
)
from siliconomics.export import check_frontier_path, write_frontier
from siliconomics.outputs import check_file, write_file
from siliconomics.report_md import accuracy_markdown


@app.command()
@user_errors
def estimate(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[str, typer.Option(help="Catalog accelerator/system id or a YAML file")],
    chips: Annotated[int | None, typer.Option(help="Chips in total (default tp*pp)")] = None,
    tp: Annotated[int | None, typer.Option(help="Tensor-parallel degree")] = None,
    pp: Annotated[int | None, typer.Option(help="Pipeline-parallel stages")] = None,
    ep: Annotated[int | None, typer.Option(help="Expert-parallel degree (MoE)")] = None,
    batch: Annotated[int, typer.Option(help="Sequences in the batch")] = 1,
    input_len: Annotated[int, typer.Option(help="Prompt tokens per sequence")] = 1024,
    context: Annotated[
        int | None, typer.Option(help="KV-cache tokens per sequence at decode (default input-len)")
    ] = None,
    weights: Annotated[
        str | None, typer.Option(help="bf16 | fp8 | fp4 | int4 (default: checkpoint)")
    ] = None,
    kv: Annotated[str | None, typer.Option(help="bf16 | fp8")] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help="trtllm | vllm | sglang | pytorch (default: the engine the chip family was "
            "calibrated on: trtllm for NVIDIA, vllm for AMD and AWS, pytorch for Intel Gaudi)"
        ),
    ] = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Prefill (TTFT) and decode (TPOT) of one configuration, with memory and breakdown."""
    r = api.estimate(
        model,
        hardware,
        chips=chips,
        tp=tp,
        pp=pp,
        ep=ep,
        batch=batch,
        input_len=input_len,
        context=context,
        weights=weights,
        kv=kv,
        catalog=api.get_catalog(catalog),
        engine=engine,
    )
    if as_json:
        emit_json(r)
        return
    render_estimate(r)


def render_estimate(r: dict[str, Any]) -> None:
    p = r["parallelism"]
    for w in r.get("warnings", []):
        err.print(f"warning: {w}")
    out.print(
        f"[bold]{r['model']}[/bold] on {r['chips']} x {r['accelerator']} "
        f"under {r.get('engine') or 'no fitted engine'}"
        + ("" if r.get("engine_validated", True) else " (unvalidated engine)")
        + "  "
        f"(tp={p['tp']} pp={p['pp']} ep={p['ep']} dp={p['dp']}, "
        f"weights {r['weights']}, kv {r['kv']})"
    )
    t = Table(show_header=True)
    for c in ("phase", "latency", "tokens/s", "bound"):
        t.add_column(c)
    t.add_row(
        f"prefill {r['batch']} x {r['input_len']} tokens",
        si(r["ttft_s"], "s"),
        si(r["prefill_tokens_per_s"], ""),
        r["bound"]["prefill"],
    )
    t.add_row(
        f"decode {r['batch']} seqs at {r['context']} ctx",
        si(r["tpot_s"], "s"),
        si(r["decode_tokens_per_s"], ""),
        r["bound"]["decode"],
    )
    out.print(t)
    m = r["memory_bytes"]
    out.print(
        f"memory per chip: weights {si(m['weights'], 'B')}, KV {si(m['kv_cache'], 'B')}, "
        f"activations {si(m['activations'], 'B')}, reserve {si(m['overhead'], 'B')} "
        f"of {si(m['capacity'], 'B')}; max batch at this context: {r['max_batch']}"
    )
    b = Table(title="decode step breakdown (top ops)", title_justify="left")
    for c in ("op", "count", "time", "share", "bound"):
        b.add_column(c)
    ops = sorted(r["breakdown"]["decode"], key=lambda o: -o["time_s"])
    total = r["tpot_s"]
    for o in ops[:8]:
        b.add_row(
            o["name"],
            str(o["count"]),
            si(o["time_s"], "s"),
            f"{o['time_s'] / total:.0%}",
            o["bound"],
        )
    out.print(b)


@app.command()
@user_errors
def validate(
    write: Annotated[
        Path | None, typer.Option(help="Write the markdown report here (e.g. docs/accuracy.md)")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace the --write file if it exists")] = False,
    simulate: Annotated[
        bool, typer.Option(help="Also run the serving simulator on the MLPerf rows (~20 s)")
    ] = True,
    data: Annotated[
        Path | None,
        typer.Option(help="Score your own measurements (CSV in the validation-row format)"),
    ] = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Predict every published measurement of the validation set (or of --data) and print
    the errors, held out (k-fold by source) and in-sample."""
    if write is not None:
        check_file(write, "write", force=force)  # before the work, not after it
    r = api.validate(api.get_catalog(catalog), simulate=simulate, data=data)
    if as_json:
        emit_json(r)
    else:
        t = Table(title="validation: predicted vs measured", title_justify="left")
        for c in (
            "id",
            "method",
            "metric",
            "measured",
            "predicted",
            "error",
            "configuration / reason",
        ):
            t.add_column(c)
        for p in r["points"]:
            err_ = "-" if p["error"] is None else f"{p['error']:+.0%}"
            pred = "-" if p["predicted"] is None else f"{p['predicted']:.4g}"
            t.add_row(
                p["id"],
                p["method"],
                p["metric"],
                f"{p['measured']:.4g}",
                pred,
                err_,
                p["config"] or p["skipped"],
            )
        out.print(t)
        s = Table(title="absolute error (held_out: k-fold by source)", title_justify="left")
        for c in ("group", "value", "median |error|", "p90 |error|", "points"):
            s.add_column(c)
        for group, rows in r["summary"].items():
            for name, v in rows.items():
                p90 = v.get("p90_abs_error")
                s.add_row(
                    group,
                    name,
                    f"{v['median_abs_error']:.1%}",
                    "-" if p90 is None else f"{p90:.1%}",
                    str(v["points"]),
                )
        out.print(s)
    if write:
        write_file(write, accuracy_markdown(r), "write", force=force)
        err.print(f"wrote {write}")


@app.command()
@user_errors
def overview(catalog: CatalogOpt = None) -> None:
    """What the catalog holds, one worked estimate and a configuration search (a quick tour)."""
    cat = api.get_catalog(catalog)
    rows = api.catalog_list(None, cat)
    counts = {k: sum(1 for r in rows if r["kind"] == k) for k in api.KINDS}
    out.print(
        f"[bold]siliconomics catalog[/bold]: {counts['accelerator']} accelerators, "
        f"{counts['system']} systems, {counts['model']} models, {counts['price']} dated prices, "
        f"{len(cat.sources)} sources"
    )
    catalog_list(kind="accelerator", as_json=False, catalog=catalog)
    out.print(
        "\n[bold]Example[/bold]: Llama 3.1 70B, fp8 weights, 8 x H100 (HGX), "
        "32 requests of 2048 tokens"
    )
    render_estimate(
        api.estimate(
            "llama-3.1-70b",
            "nvidia-hgx-h100",
            chips=8,
            batch=32,
            input_len=2048,
            weights="fp8",
            catalog=cat,
        )
    )
    out.print(
        "\n[bold]Best sustained throughput[/bold] (the operating-point engine, production "
        "precision, simulated), 1024 in / 1024 out on 8 chips:"
    )
    t = Table()
    for c in ("model", "hardware", "configuration", "output tok/s", "per chip (80% interval)"):
        t.add_column(c)
    for model, hw in (
        ("llama-3.1-70b", "nvidia-hgx-h100"),
        ("llama-3.1-70b", "nvidia-hgx-b200"),
        ("llama-3.1-70b", "amd-mi300x-8gpu"),
        ("llama-3.1-70b", "intel-gaudi3-8"),
    ):
        b = api.throughput(
            model, hw, 8, input_len=1024, output_len=1024, frontier_points=0, catalog=cat
        )["best"]
        t.add_row(
            model,
            hw + validated_mark(b),
            f"{deployment_text(b)} {b['weights']}/{b['kv']}",
            si(b["output_tokens_per_s"], ""),
            interval_text(
                b["output_tokens_per_s_per_chip"],
                b["output_tokens_per_s_per_chip_low"],
                b["output_tokens_per_s_per_chip_high"],
                "{:,.0f}",
            ),
        )
    out.print(t)
    out.print(
        "See `siliconomics validate` for how these predictions compare with published measurements."
    )


@app.command()
@user_errors
def throughput(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[str, typer.Option(help="Accelerator or system id, or a YAML file")],
    chips: Annotated[int, typer.Option(help="Chips to deploy on")],
    input_len: Annotated[int, typer.Option(help="Mean prompt tokens")],
    output_len: Annotated[int, typer.Option(help="Mean output tokens")],
    input_sigma: Annotated[
        float | None, typer.Option(help="Log-normal sigma of prompt lengths (0 = fixed)")
    ] = None,
    output_sigma: Annotated[
        float | None, typer.Option(help="Log-normal sigma of output lengths (0 = fixed)")
    ] = None,
    weights: WeightsOpt = None,
    kv: KvOpt = None,
    precision: PrecisionOpt = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    tp: Annotated[int | None, typer.Option(help="Pin tensor parallelism")] = None,
    pp: Annotated[int | None, typer.Option(help="Pin pipeline stages")] = None,
    ep: Annotated[int | None, typer.Option(help="Pin expert parallelism")] = None,
    dp: Annotated[int | None, typer.Option(help="Pin replicas")] = None,
    max_batch: Annotated[
        int | None, typer.Option(help="Pin the engine's max sequences in flight per replica")
    ] = None,
    mode: Annotated[
        str | None, typer.Option(help="Pin serving mode: aggregated | disaggregated")
    ] = None,
    frontier_out: Annotated[
        Path | None, typer.Option(help="Write the Pareto frontier (.csv, .json or .html)")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Replace the --frontier-out file if it exists")
    ] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            help="trtllm | vllm | sglang | pytorch (default: the engine the chip family was "
            "calibrated on: trtllm for NVIDIA, vllm for AMD and AWS, pytorch for Intel Gaudi)"
        ),
    ] = None,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Best serving configuration and its output tokens/s, with and without an SLA; frontier."""
    if frontier_out is not None:
        check_frontier_path(frontier_out, force=force)  # before the search, not after it
    r = api.throughput(
        model,
        hardware,
        chips,
        input_len=input_len,
        output_len=output_len,
        input_sigma=input_sigma,
        output_sigma=output_sigma,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99,
        tpot_p99_s=tpot_p99,
        tp=tp,
        pp=pp,
        ep=ep,
        dp=dp,
        max_batch=max_batch,
        mode=mode,
        catalog=api.get_catalog(catalog),
        engine=engine,
    )
    if frontier_out is not None:
        write_frontier(frontier_out, r, force=force)
        err.print(f"wrote {frontier_out}")
    if as_json:
        emit_json(r)
        return
    t = Table(
        title=f"{r['model']} on {chips} x {hardware}: {input_len} in / {output_len} out, "
        f"{r['question']['precision_policy']} precision",
        title_justify="left",
    )
    for c in (
        "",
        "mode",
        "configuration",
        "output tok/s (80% interval)",
        "per chip",
        "tok/s per user",
        "p99 TTFT",
        "p99 TPOT",
    ):
        t.add_column(c)
    rows: list[tuple[str, dict[str, Any] | None]] = [("best (offline)", r["best"])]
    if r["sla_given"]:
        rows.append((f"best within SLA ({r['question']['sla']})", r["best_sla"]))
    for label, p in rows:
        if p is None:
            t.add_row(label, "-", "no configuration meets the limits", "", "", "", "", "")
            continue
        t.add_row(
            label,
            p["mode"],
            f"{deployment_text(p)} {p['weights']}/{p['kv']} seqs {p['max_num_seqs']}",
            interval_text(
                p["output_tokens_per_s"],
                p["output_tokens_per_s_low"],
                p["output_tokens_per_s_high"],
                "{:,.0f}",
            ),
            si(p["output_tokens_per_s_per_chip"], ""),
            si(p["output_tokens_per_s_per_user"], ""),
            si(p["ttft_p99_s"], "s"),
            si(p["tpot_p99_s"], "s"),
        )
    out.print(t)
    b = r["best"]
    iv = b["interval"]
    out.print(
        f"interval: {iv['coverage']:.0%} from held-out validation residuals of group "
        f"{iv['group']} ({iv['points']} points)"
        + (
            ""
            if b["validated"]
            else "; UNVALIDATED: no measurements of this chip family"
            + ("" if r.get("engine_validated", True) else f" under {r.get('engine')}")
        )
    )
    out.print(
        f"{r['candidates_evaluated']} candidates rated analytically, "
        f"{r['simulations']} simulations; engines that run this layout: "
        f"{', '.join(b['engines'])}; frontier: {len(r['frontier'])} points "
        "(--frontier-out to export)"
    )


@app.command()
@user_errors
def simulate(
    model: Annotated[str, typer.Option(help="Catalog model id or path to a config.json")],
    hardware: Annotated[str, typer.Option(help="Accelerator or system id, or a YAML file")],
    tp: Annotated[int, typer.Option(help="Tensor-parallel degree")] = 1,
    pp: Annotated[int, typer.Option(help="Pipeline stages")] = 1,
    dp: Annotated[int, typer.Option(help="Replicas")] = 1,
    weights: Annotated[str | None, typer.Option(help="bf16 | fp8 | fp4 | int4")] = None,
    kv: Annotated[str | None, typer.Option(help="bf16 | fp8")] = None,
    rate: Annotated[float | None, typer.Option(help="Poisson arrivals per second")] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Closed loop with this many users")
    ] = None,
    trace: Annotated[
        str | None, typer.Option(help="CSV trace: arrival_s,input_tokens,output_tokens")
    ] = None,
    requests: Annotated[int, typer.Option(help="Requests to simulate")] = 1000,
    input_len: Annotated[int, typer.Option(help="Mean prompt tokens")] = 1024,
    output_len: Annotated[int, typer.Option(help="Mean output tokens")] = 256,
    input_sigma: Annotated[
        float | None, typer.Option(help="Log-normal sigma of prompt lengths")
    ] = None,
    output_sigma: Annotated[
        float | None, typer.Option(help="Log-normal sigma of output lengths")
    ] = None,
    max_num_seqs: Annotated[
        int | None, typer.Option(help="Sequences in flight per replica")
    ] = None,
    chunked_prefill: Annotated[
        bool, typer.Option(help="Chunk long prompts into the token budget")
    ] = True,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Simulate a request stream on one deployment: latency percentiles, throughput, queue."""
    r = api.simulate(
        model,
        hardware,
        tp=tp,
        pp=pp,
        dp=dp,
        weights=weights,
        kv=kv,
        rate_per_s=rate,
        concurrency=concurrency,
        trace=trace,
        requests=requests,
        input_len=input_len,
        output_len=output_len,
        input_sigma=input_sigma,
        output_sigma=output_sigma,
        max_num_seqs=max_num_seqs,
        chunked_prefill=chunked_prefill,
        seed=seed,
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    s = r["summary"]
    t = Table(
        title=f"{r['model']} on {hardware} ({deployment_text(r['deployment'])}, "
        f"{r['weights']}/{r['kv']})",
        title_justify="left",
    )
    for c in ("metric", "p50", "p90", "p99", "mean"):
        t.add_column(c)
    for key in ("ttft_s", "tpot_s", "e2e_s", "queue_s"):
        v = s[key]
        t.add_row(key, *(si(v[q], "s") for q in ("p50", "p90", "p99", "mean")))
    out.print(t)
    out.print(
        f"{s['requests']} requests in {s['duration_s']:.1f} s: "
        f"{s['output_tokens_per_s']:.0f} output tok/s "
        f"({s['output_tokens_per_s_per_chip']:.0f} per chip), max queue {s['max_queue_length']}, "
        f"queue growth {s['queue_growth_per_s']:.2f} requests/s"
    )
