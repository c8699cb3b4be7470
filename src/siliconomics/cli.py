"""Command line: parse, call one ``api`` function, render a table or ``--json``.

Nothing is computed here. User errors print one line (``error: ...``) and exit with 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from siliconomics import __version__, api
from siliconomics.errors import SiliconomicsError
from siliconomics.export import check_frontier_path, write_frontier

app = typer.Typer(
    help="siliconomics: LLM performance and cost on GPUs and custom ASICs, with sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"siliconomics {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    # No docstring: the app's help above stays the one shown by --help.
    pass


catalog_app = typer.Typer(
    help="Browse the catalog of chips, systems, models and prices.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Overlay folder that adds or overrides catalog entries.",
        envvar="SILICONOMICS_CATALOG",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def user_errors(fn: F) -> F:
    """Turn a SiliconomicsError into one line on stderr and exit status 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SiliconomicsError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("error: interrupted; nothing was written after the interruption")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def si(value: float | None, unit: str, digits: int = 3) -> str:
    """Format an SI quantity for display (the only place units are converted)."""
    if value is None:
        return "-"
    for factor, prefix in (
        (1e18, "E"),
        (1e15, "P"),
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
    ):
        if abs(value) >= factor:
            return f"{value / factor:.{digits}g} {prefix}{unit}"
    if 0 < abs(value) < 1 and unit == "s":
        for factor, prefix in ((1e-3, "m"), (1e-6, "µ")):
            if abs(value) >= factor:
                return f"{value / factor:.{digits}g} {prefix}s"
    return f"{value:.{digits}g} {unit}".strip()


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
    )
    if as_json:
        emit_json(r)
        return
    render_estimate(r)


def render_estimate(r: dict[str, Any]) -> None:
    p = r["parallelism"]
    out.print(
        f"[bold]{r['model']}[/bold] on {r['chips']} x {r['accelerator']}  "
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
    simulate: Annotated[
        bool, typer.Option(help="Also run the serving simulator on the MLPerf rows (~20 s)")
    ] = True,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Predict every published measurement of the validation set and print the errors."""
    from siliconomics.report_md import accuracy_markdown

    r = api.validate(api.get_catalog(catalog), simulate=simulate)
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
        s = Table(title="median absolute error", title_justify="left")
        for c in ("group", "value", "median |error|", "points"):
            s.add_column(c)
        for group, rows in r["summary"].items():
            for name, v in rows.items():
                s.add_row(group, name, f"{v['median_abs_error']:.1%}", str(v["points"]))
        out.print(s)
    if write:
        write.write_text(accuracy_markdown(r))
        err.print(f"wrote {write}")


def _interval(value: float | None, low: float | None, high: float | None, fmt: str) -> str:
    """'1,234 (980-1,490)': a prediction with its interval."""
    if value is None:
        return "-"
    if low is None or high is None:
        return fmt.format(value)
    return f"{fmt.format(value)} ({fmt.format(low)}-{fmt.format(high)})"


def _validated_mark(row: dict[str, Any]) -> str:
    return "" if row.get("validated", True) else " (unvalidated)"


WeightsOpt = Annotated[
    list[str] | None,
    typer.Option(help="Weight formats: bf16|fp8|fp4|int4 (repeat to search several)"),
]
KvOpt = Annotated[list[str] | None, typer.Option(help="KV-cache formats: bf16|fp8 (repeat)")]
PrecisionOpt = Annotated[
    str | None,
    typer.Option(
        help="Precision policy when no --weights/--kv: production (default: fp8 where the "
        "chip has it, else bf16) | fp4 | native"
    ),
]
TtftOpt = Annotated[
    float | None, typer.Option(help="p99 time-to-first-token limit in s (simulated under load)")
]
TpotOpt = Annotated[
    float | None, typer.Option(help="p99 time-per-output-token limit in s (simulated under load)")
]


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
            hw + _validated_mark(b),
            f"{_deployment_text(b)} {b['weights']}/{b['kv']}",
            si(b["output_tokens_per_s"], ""),
            _interval(
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


def _par_text(p: dict[str, int]) -> str:
    return " ".join(f"{k}{p[k]}" for k in ("tp", "pp", "ep", "dp") if k == "tp" or p.get(k, 1) != 1)


def _deployment_text(d: dict[str, Any]) -> str:
    """'tp2 dp4', or 'prefill tp1 dp3 + decode tp1 dp5' for disaggregated pools."""
    if d.get("parallelism"):
        return _par_text(d["parallelism"])
    prefill, decode = _par_text(d["prefill_parallelism"]), _par_text(d["decode_parallelism"])
    return f"prefill {prefill} + decode {decode}"


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
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Best serving configuration and its output tokens/s, with and without an SLA; frontier."""
    if frontier_out is not None:
        check_frontier_path(frontier_out)  # before the search, not after it
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
    )
    if frontier_out is not None:
        write_frontier(frontier_out, r)
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
            f"{_deployment_text(p)} {p['weights']}/{p['kv']} seqs {p['max_num_seqs']}",
            _interval(
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
        + ("" if b["validated"] else "; UNVALIDATED: no measurements of this chip family")
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
        title=f"{r['model']} on {hardware} ({_deployment_text(r['deployment'])}, "
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


SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override an economic input, NAME=VALUE (see docs/economics.md)"),
]


def _overrides(items: list[str] | None) -> dict[str, float] | None:
    from siliconomics.econ.assumptions import parse_overrides

    return parse_overrides(items) if items else None


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
        overrides=_overrides(set_),
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
        overrides=_overrides(set_),
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
            _interval(
                row["usd_per_request"],
                row["usd_per_request_low"],
                row["usd_per_request_high"],
                "{:.3g}",
            ),
            row["accelerator"] + _validated_mark(row),
            str(row["chips"]),
            f"{_deployment_text(row)} {row['weights']}/{row['kv']}",
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
        overrides=_overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    t = Table(title=f"{model} on {r['accelerator']}" + _validated_mark(r), title_justify="left")
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
            _interval(
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
    mfu: Annotated[float, typer.Option(help="Model FLOPs utilisation, 0-1")],
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
        overrides=_overrides(set_),
        catalog=api.get_catalog(catalog),
    )
    if as_json:
        emit_json(r)
        return
    out.print(
        f"{r['model']} on {r['chips']} x {r['accelerator']}: {r['total_flops']:.3g} FLOPs, "
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
        overrides=_overrides(set_),
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


@app.command()
@user_errors
def report(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for report.html and the CSV files")
    ] = Path("siliconomics-report"),
    force: Annotated[bool, typer.Option(help="Overwrite report files already in --out")] = False,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Models to compare (repeat; default: the scenario's)"),
    ] = None,
    input_len: Annotated[int | None, typer.Option(help="Prompt tokens per request")] = None,
    output_len: Annotated[int | None, typer.Option(help="Output tokens per request")] = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    weights: WeightsOpt = None,
    precision: PrecisionOpt = None,
    set_: SetOpt = None,
    jobs: Annotated[
        int | None,
        typer.Option(help="Worker processes for the simulations (default: 2 where cores allow)"),
    ] = None,
    catalog: CatalogOpt = None,
) -> None:
    """GPU vs ASIC report: one self-contained HTML file with charts, and every table as CSV.

    The questions come from the report scenario (data/report/scenario.yaml, or
    report/scenario.yaml in the --catalog overlay); the options override single fields.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from siliconomics import report as rep

    cat = api.get_catalog(catalog)
    scenario = rep.load_scenario(cat, overlay=catalog).with_options(
        models=model,
        input_len=input_len,
        output_len=output_len,
        ttft_p99_s=ttft_p99,
        tpot_p99_s=tpot_p99,
        weights=weights,
        precision=precision,
        overrides=_overrides(set_),
    )
    scenario.check(cat)
    # Fail before the work, not after it.
    rep.render.prepare_output(out_dir, force=force, model_ids=scenario.models)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        total = rep.step_count(scenario, cat) + rep.gather_prefetch_count(scenario, cat, jobs) + 1
        task = bar.add_task("gathering figures", total=total)
        data = rep.gather(
            lambda label: bar.update(task, advance=1, description=label),
            scenario=scenario,
            catalog=cat,
            overlay=str(catalog) if catalog else None,
            jobs=jobs,
        )
        bar.update(task, description="writing HTML and CSV")
        written = rep.write_report(data, out_dir, force=force)
        bar.update(task, advance=1)
    out.print(f"wrote {written[0]} and {len(written) - 1} CSV files in {out_dir}", highlight=False)


def main() -> None:  # pragma: no cover
    app()
