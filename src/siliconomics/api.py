"""The one public Python surface. The CLI, the dashboard and the report call only this.

Every function takes plain values (ids, numbers, format names), resolves them against the
catalog, runs the model and returns JSON-ready dicts whose quantity keys carry their unit.
Errors a user can cause are raised as :class:`SiliconomicsError` with one clear line.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from siliconomics.catalog.hf_config import load_config_file, parse_hf_config
from siliconomics.catalog.loader import (
    Catalog,
    builtin_catalog,
    load_accelerator_file,
    load_catalog,
)
from siliconomics.catalog.specs import Accelerator, ModelArch, System
from siliconomics.errors import SiliconomicsError, unknown
from siliconomics.perf import Parallelism, Precision
from siliconomics.perf import estimate as perf_estimate
from siliconomics.perf.config import default_weights, parse_kv, parse_weights
from siliconomics.perf.timing import Hardware
from siliconomics.perf.workload import param_counts

KINDS = ("accelerator", "system", "model", "price")


def get_catalog(overlay: str | Path | None = None) -> Catalog:
    """The built-in catalog, with a user overlay folder applied when one is given."""
    return builtin_catalog() if overlay is None else load_catalog(Path(overlay))


def resolve_model(spec: str, catalog: Catalog) -> ModelArch:
    """A catalog model id, or a path to a Hugging Face config.json."""
    if spec in catalog.models:
        return catalog.models[spec]
    path = Path(spec)
    if spec.endswith(".json") or path.is_file():
        if not path.is_file():
            raise SiliconomicsError(f"model: file {spec} does not exist")
        return parse_hf_config(
            load_config_file(path), model_id=path.parent.name or path.stem, source="user"
        )
    raise unknown("model", spec, catalog.models)


def _resolve_hardware(spec: str, catalog: Catalog) -> tuple[Hardware, System | None]:
    """A chip id, a system id, or a path to an accelerator YAML file.

    A system supplies its scale-up domain and scale-out NIC; a bare chip uses the domain
    of its standard system as its datasheet states it (8 for an HGX GPU).
    """
    system: System | None = None
    chip: Accelerator
    if spec in catalog.systems:
        system = catalog.systems[spec]
        chip = catalog.accelerators[system.accelerator]
    elif spec in catalog.accelerators:
        chip = catalog.accelerators[spec]
    elif spec.endswith((".yaml", ".yml")) or Path(spec).is_file():
        path = Path(spec)
        if not path.is_file():
            raise SiliconomicsError(f"hardware: file {spec} does not exist")
        chip = load_accelerator_file(path, catalog)
    else:
        raise unknown("hardware", spec, [*catalog.accelerators, *catalog.systems])
    hw = Hardware.for_chip(chip, catalog.calibration_for(chip.id), system)
    return hw, system


def resolve_hardware(spec: str, catalog: Catalog | None = None) -> Hardware:
    return _resolve_hardware(spec, catalog or builtin_catalog())[0]


def resolve_precision(
    model: ModelArch, hw: Hardware, weights: str | None, kv: str | None
) -> Precision:
    w = (
        parse_weights(weights)
        if weights
        else default_weights(
            model, "fp4" in hw.chip.peak_flop_per_s, "fp8" in hw.chip.peak_flop_per_s
        )
    )
    return Precision(w, parse_kv(kv or "bf16"))


def resolve_parallelism(
    chips: int | None, tp: int | None, pp: int | None, ep: int | None
) -> Parallelism:
    """Fill in what was not given: tp defaults to chips / pp, dp to what is left."""
    for name, value in (("chips", chips), ("tp", tp), ("pp", pp), ("ep", ep)):
        if value is not None and value < 1:
            raise SiliconomicsError(f"{name}: must be a positive integer, got {value}")
    pp = pp or 1
    if tp is None:
        tp = (chips // pp) if chips else 1
        if tp < 1:
            raise SiliconomicsError(f"chips: {chips} is fewer than pp={pp}")
    chips = chips or tp * pp
    if chips % (tp * pp):
        raise SiliconomicsError(f"chips: {chips} is not a multiple of tp*pp = {tp * pp}")
    return Parallelism(tp=tp, pp=pp, ep=ep or 1, dp=chips // (tp * pp))


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def estimate(
    model: str,
    hardware: str,
    *,
    chips: int | None = None,
    tp: int | None = None,
    pp: int | None = None,
    ep: int | None = None,
    batch: int = 1,
    input_len: int = 1024,
    context: int | None = None,
    weights: str | None = None,
    kv: str | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Prefill and decode estimate for one configuration (the ``estimate`` command)."""
    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    par = resolve_parallelism(chips, tp, pp, ep)
    prec = resolve_precision(arch, hw, weights, kv)
    e = perf_estimate(
        arch,
        hw,
        par,
        prec,
        batch=batch,
        input_len=input_len,
        context=context if context is not None else input_len,
    )
    return {
        "model": arch.id,
        "hardware": hardware,
        "accelerator": hw.chip.id,
        "chips": par.chips,
        "parallelism": {"tp": par.tp, "pp": par.pp, "ep": par.ep, "dp": par.dp},
        "weights": prec.weights.value,
        "kv": prec.kv.value,
        "batch": batch,
        "input_len": input_len,
        "context": e.context,
        "ttft_s": e.ttft_s,
        "tpot_s": e.tpot_s,
        "prefill_tokens_per_s": e.prefill.tokens_per_s,
        "decode_tokens_per_s": e.decode.tokens_per_s,
        "max_batch": e.memory.max_batch,
        "memory_bytes": e.memory.as_dict(),
        "bound": {"prefill": e.prefill.bound, "decode": e.decode.bound},
        "breakdown": {"prefill": e.prefill.breakdown(), "decode": e.decode.breakdown()},
        "calibration": hw.calibration.id,
        "parameters": param_summary(arch),
    }


def param_summary(arch: ModelArch) -> dict[str, float]:
    pc = param_counts(arch)
    return {"total": pc.total(arch), "active_per_token": pc.active(arch)}


def _provenance(prov: Any) -> dict[str, Any]:
    return {
        k: {"source": p.source, "date": p.date, **({"note": p.note} if p.note else {})}
        for k, p in prov.items()
    }


def catalog_list(kind: str | None = None, catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """One summary row per entry, optionally of one kind."""
    if kind is not None and kind not in KINDS:
        raise unknown("kind", kind, KINDS)
    cat = catalog or builtin_catalog()
    rows: list[dict[str, Any]] = []
    if kind in (None, "accelerator"):
        for a in cat.accelerators.values():
            rows.append(
                {
                    "kind": "accelerator",
                    "id": a.id,
                    "name": a.name,
                    "vendor": a.vendor,
                    "chip_kind": a.kind.value,
                    "bf16_flop_per_s": a.peak_flop_per_s.get("bf16"),  # type: ignore[call-overload]
                    "hbm_bytes": a.hbm_bytes,
                    "hbm_bandwidth_bytes_per_s": a.hbm_bandwidth_bytes_per_s,
                    "tdp_w": a.tdp_w,
                    "launch_year": a.launch_year,
                }
            )
    if kind in (None, "system"):
        for s in cat.systems.values():
            rows.append(
                {
                    "kind": "system",
                    "id": s.id,
                    "name": s.name,
                    "accelerator": s.accelerator,
                    "chips": s.chips,
                    "scale_up_domain_chips": s.scale_up_domain_chips,
                    "scale_up_topology": s.scale_up_topology.value,
                    "power_w": s.power_w,
                }
            )
    if kind in (None, "model"):
        for m in cat.models.values():
            rows.append(
                {
                    "kind": "model",
                    "id": m.id,
                    "name": m.name,
                    "attention": m.attention.value,
                    "moe": m.moe is not None,
                    "layers": m.num_layers,
                    "checkpoint_dtype": m.checkpoint_dtype,
                    **{f"parameters_{k}": v for k, v in param_summary(m).items()},
                }
            )
    if kind in (None, "price"):
        for acc, points in cat.prices.items():
            for p in points:
                rows.append(
                    {
                        "kind": "price",
                        "id": acc,
                        "accelerator": acc,
                        "unit": p.unit,
                        "value_usd": p.value_usd,
                        "date": p.date,
                        "price_kind": p.kind.value,
                        "commitment": p.commitment,
                        "provider": p.provider,
                        "source": p.source,
                    }
                )
    return rows


def catalog_show(id_: str, catalog: Catalog | None = None) -> dict[str, Any]:
    """Every field of one entry with the provenance of each number and its sources."""
    cat = catalog or builtin_catalog()
    out: dict[str, Any]
    if id_ in cat.accelerators:
        a = cat.accelerators[id_]
        out = {
            "kind": "accelerator",
            **_jsonable({k: getattr(a, k) for k in a.__slots__ if k != "provenance"}),
        }
        out["peak_flop_per_s"] = {str(k): v for k, v in a.peak_flop_per_s.items()}
        out["provenance"] = _provenance(a.provenance)
        out["prices"] = [_jsonable(p) for p in cat.prices.get(id_, ())]
        out["calibration"] = cat.calibration_for(id_).id
    elif id_ in cat.systems:
        s = cat.systems[id_]
        out = {
            "kind": "system",
            **_jsonable({k: getattr(s, k) for k in s.__slots__ if k != "provenance"}),
        }
        out["provenance"] = _provenance(s.provenance)
    elif id_ in cat.models:
        m = cat.models[id_]
        out = {"kind": "model", **_jsonable(m), "parameters": param_summary(m)}
    else:
        raise unknown("id", id_, [*cat.accelerators, *cat.systems, *cat.models])
    used = (
        {p["source"] for p in out.get("provenance", {}).values()}
        | {p.get("source") for p in out.get("prices", [])}
        | {out.get("source")}
    )
    out["sources"] = {
        sid: _jsonable(cat.sources[sid])
        for sid in sorted(x for x in used if x)
        if sid in cat.sources
    }
    return out


def validate(catalog: Catalog | None = None, *, simulate: bool = True) -> dict[str, Any]:
    """Predict every point of the validation set; errors by vendor, chip and phase. With
    ``simulate`` the serving simulator also predicts the MLPerf throughput rows."""
    from siliconomics import validation

    report = validation.run(catalog or builtin_catalog(), simulate=simulate)
    points = []
    for p in report.points:
        points.append(
            {
                "id": p.id,
                "benchmark": p.benchmark,
                "model": p.model,
                "hardware": p.hardware,
                "vendor": p.vendor,
                "chips": p.chips,
                "scenario": p.scenario,
                "metric": p.metric,
                "phase": p.phase,
                "measured": p.measured,
                "predicted": p.predicted,
                "error": p.error,
                "config": p.config,
                "skipped": p.skipped,
                "source": p.source,
                "method": p.method,
            }
        )
    return {"points": points, "summary": report.summaries, "outliers": validation.load_outliers()}


def best_throughput(
    model: str,
    hardware: str,
    chips: int,
    *,
    input_len: int,
    output_len: int,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    tpot_limit_s: float | None = None,
    ttft_limit_s: float | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Sweep parallelism x batch x formats; the configuration with the most output tokens/s."""
    from siliconomics.catalog.dtypes import KVFormat, WeightFormat
    from siliconomics.perf.search import best, search

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    ws = [parse_weights(w) for w in weights] if weights else list(WeightFormat)
    ks = [parse_kv(k) for k in kv] if kv else list(KVFormat)
    ws = [
        w
        for w in ws
        if w.value == "int4"
        or w.value == "bf16"
        or w.value in {str(d) for d in hw.chip.peak_flop_per_s}
    ]
    points = search(
        arch,
        hw,
        chips,
        input_len=input_len,
        output_len=output_len,
        weights=ws,
        kvs=ks,
        tpot_limit_s=tpot_limit_s,
        ttft_limit_s=ttft_limit_s,
    )
    o = best(points)
    if o is None:
        raise SiliconomicsError("tpot/ttft limits: no configuration meets them")
    p = o.parallelism
    return {
        "model": arch.id,
        "hardware": hardware,
        "chips": chips,
        "input_len": input_len,
        "output_len": output_len,
        "configurations_evaluated": len(points),
        "parallelism": {"tp": p.tp, "pp": p.pp, "ep": p.ep, "dp": p.dp},
        "weights": o.precision.weights.value,
        "kv": o.precision.kv.value,
        "batch": o.batch,
        "max_batch": o.max_batch,
        "output_tokens_per_s": o.output_tokens_per_s,
        "output_tokens_per_s_per_chip": o.output_tokens_per_s / chips,
        "tpot_s": o.tpot_s,
        "effective_tpot_s": o.effective_tpot_s,
        "ttft_s": o.ttft_s,
    }


# --- Economics -----------------------------------------------------------------------


def tco(
    hardware: str,
    *,
    overrides: dict[str, float] | None = None,
    chip_price_usd: float | None = None,
    it_power_w_per_chip: float | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Cost per accelerator-hour with its breakdown and the market comparison."""
    from siliconomics.econ import tco as econ_tco

    cat = catalog or builtin_catalog()
    return econ_tco.tco(
        cat,
        hardware,
        overrides=overrides,
        chip_price_usd=chip_price_usd,
        it_power_w_per_chip=it_power_w_per_chip,
    ).as_dict()


def cost(
    model: str,
    *,
    hardware: list[str] | None = None,
    input_len: int = 1024,
    output_len: int = 1024,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    ttft_limit_s: float | None = None,
    tpot_limit_s: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """USD per million input/output tokens across chips (all that can run the model)."""
    from siliconomics.econ import cost as econ_cost

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    table = econ_cost.cost_table(
        cat,
        arch,
        lambda h: _resolve_hardware(h, cat)[0],
        hardware=hardware,
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        ttft_limit_s=ttft_limit_s,
        tpot_limit_s=tpot_limit_s,
        overrides=overrides,
    )
    return table.as_dict()


def performance(
    model: str,
    *,
    hardware: list[str] | None = None,
    input_len: int = 1024,
    output_len: int = 1024,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    ttft_limit_s: float | None = None,
    tpot_limit_s: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Output tokens/s per chip and per joule across chips (all that can run the model),
    priced or not.

    The operating point is the one :func:`cost` uses (econ.cost.best_operating: most output
    tokens/s per chip at the limits), so a chip that ``cost`` lists as skipped for a missing
    price still gets its performance here. Tokens per joule use the IT power per chip of
    econ.tco.it_power_per_chip; where no power is sourced they are None, with the reason.
    Rows are sorted by tokens/s per chip, best first; ties break on the id.
    """
    from siliconomics.econ import cost as econ_cost
    from siliconomics.econ import tco as econ_tco
    from siliconomics.econ.assumptions import default_assumptions

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    a = default_assumptions().with_overrides(overrides)
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for hid in sorted(hardware) if hardware else sorted(cat.accelerators):
        try:
            hw, _ = _resolve_hardware(hid, cat)
            o = econ_cost.best_operating(
                arch,
                hw,
                input_len=input_len,
                output_len=output_len,
                weights=weights,
                kv=kv,
                ttft_limit_s=ttft_limit_s,
                tpot_limit_s=tpot_limit_s,
            )
        except SiliconomicsError as exc:
            skipped.append({"accelerator": hid, "status": "cannot_run", "reason": str(exc)})
            continue
        chip, system = econ_tco.resolve_chip_system(cat, hid)
        power_w: float | None
        try:
            power_w, power_basis = econ_tco.it_power_per_chip(chip, system, a)
        except SiliconomicsError as exc:
            power_w, power_basis = None, str(exc)
        per_chip = o.output_tokens_per_s / o.chips
        p = o.parallelism
        rows.append(
            {
                "model": arch.id,
                "accelerator": chip.id,
                "system": system.id if system else None,
                "chip_kind": chip.kind.value,
                "chips": o.chips,
                "parallelism": {"tp": p.tp, "pp": p.pp, "ep": p.ep, "dp": p.dp},
                "weights": o.precision.weights.value,
                "kv": o.precision.kv.value,
                "batch": o.batch,
                "ttft_s": o.ttft_s,
                "tpot_s": o.tpot_s,
                "effective_tpot_s": o.effective_tpot_s,
                "output_tokens_per_s": o.output_tokens_per_s,
                "output_tokens_per_s_per_chip": per_chip,
                "it_power_w_per_chip": power_w,
                "it_power_basis": power_basis,
                "output_tokens_per_joule": per_chip / power_w if power_w else None,
                "ttft_limit_s": ttft_limit_s,
                "tpot_limit_s": tpot_limit_s,
            }
        )
    rows.sort(key=lambda r: (-r["output_tokens_per_s_per_chip"], r["accelerator"]))
    return {"rows": rows, "skipped": skipped}


def rental_cost(
    model: str,
    *,
    hardware: list[str] | None = None,
    input_len: int = 1024,
    output_len: int = 1024,
    ttft_limit_s: float | None = None,
    tpot_limit_s: float | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """USD per million tokens across chips at the median on-demand rental price (newest year
    quoted) instead of the owner's TCO: the renter's view, which prices chips without a
    sourced purchase price or power (TPUs) alongside GPUs."""
    from siliconomics.econ import cost as econ_cost

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    return econ_cost.rental_cost_table(
        cat,
        arch,
        lambda h: _resolve_hardware(h, cat)[0],
        hardware=hardware,
        input_len=input_len,
        output_len=output_len,
        ttft_limit_s=ttft_limit_s,
        tpot_limit_s=tpot_limit_s,
    ).as_dict()


def reasoning(
    model: str,
    hardware: str,
    *,
    hidden_tokens: int,
    visible_tokens: int,
    input_len: int = 1024,
    samples: int = 1,
    chips: int | None = None,
    small_model: str | None = None,
    ttft_limit_s: float | None = None,
    tpot_limit_s: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Cost and latency per query: reasoning vs direct answer vs a smaller model."""
    from siliconomics.econ import reasoning as econ_reasoning

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    small = resolve_model(small_model, cat) if small_model else None
    return econ_reasoning.reasoning_cost(
        cat,
        arch,
        hw,
        hardware,
        hidden_tokens=hidden_tokens,
        visible_tokens=visible_tokens,
        input_len=input_len,
        samples=samples,
        chips=chips,
        small_model=small,
        ttft_limit_s=ttft_limit_s,
        tpot_limit_s=tpot_limit_s,
        overrides=overrides,
    ).as_dict()


def train_cost(
    model: str,
    hardware: str,
    *,
    tokens: float,
    chips: int,
    mfu: float,
    seq_len: int = 8192,
    dtype: str = "bf16",
    usd_per_chip_hour: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """FLOPs, chip-hours, wall clock and cost of a training run at a given MFU.

    Without a price the run is costed at the chip's TCO per hour (``price_basis: tco``).
    """
    from siliconomics.econ import tco as econ_tco
    from siliconomics.econ import training

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    basis = "given"
    if usd_per_chip_hour is None:
        usd_per_chip_hour = econ_tco.tco(cat, hardware, overrides=overrides).total_usd_per_hour
        basis = "tco"
    return training.training_run(
        arch,
        hw.chip,
        tokens=tokens,
        chips=chips,
        mfu=mfu,
        seq_len=seq_len,
        dtype=dtype,
        usd_per_chip_hour=usd_per_chip_hour,
        price_basis=basis,
    ).as_dict()


# --- Serving ---------------------------------------------------------------------------


def _length(mean: int, sigma: float | None, field: str) -> Any:
    """A fixed length, or a log-normal one with that mean when ``sigma`` > 0."""
    from siliconomics.serving.workload import LogNormal

    if sigma:
        return LogNormal(mean_tokens=float(mean), sigma=float(sigma))
    if not isinstance(mean, int) or mean < 1:
        raise SiliconomicsError(f"{field}: must be a positive integer, got {mean!r}")
    return mean


def throughput(
    model: str,
    hardware: str,
    chips: int,
    *,
    input_len: int,
    output_len: int,
    input_sigma: float | None = None,
    output_sigma: float | None = None,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    seed: int = 0,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Best serving configuration (parallelism, batch cap, aggregated vs disaggregated) by
    simulation, with and without p99 TTFT/TPOT limits, and the throughput-vs-interactivity
    frontier. Keys ``output_tokens_per_s`` and ``parallelism`` at the top level repeat
    ``best`` (no SLA) for the command-line contract."""
    from siliconomics.serving import best_config

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    result = best_config(
        arch,
        hw,
        chips,
        input_len=_length(input_len, input_sigma, "input_len"),
        output_len=_length(output_len, output_sigma, "output_len"),
        weights=[parse_weights(w) for w in weights] if weights else None,
        kvs=[parse_kv(k) for k in kv] if kv else None,
        ttft_p99_limit_s=ttft_p99_s,
        tpot_p99_limit_s=tpot_p99_s,
        seed=seed,
        hardware_name=hardware,
    )
    out = result.as_dict()
    best = out["best"]
    out["output_tokens_per_s"] = best["output_tokens_per_s"]
    out["output_tokens_per_s_sla"] = (
        out["best_sla"]["output_tokens_per_s"] if out["best_sla"] else None
    )
    out["_result"] = result  # for frontier export by the shells; dropped before JSON output
    return out


def simulate(
    model: str,
    hardware: str,
    *,
    tp: int = 1,
    pp: int = 1,
    dp: int = 1,
    weights: str | None = None,
    kv: str | None = None,
    rate_per_s: float | None = None,
    concurrency: int | None = None,
    trace: str | None = None,
    requests: int = 1000,
    input_len: int = 1024,
    output_len: int = 256,
    input_sigma: float | None = None,
    output_sigma: float | None = None,
    max_num_seqs: int | None = None,
    max_num_tokens: int = 8192,
    chunked_prefill: bool = True,
    seed: int = 0,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Simulate a request stream on one aggregated deployment (Poisson, closed loop, or a
    trace file; offline when neither rate nor concurrency nor trace is given)."""
    from siliconomics import serving

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    prec = resolve_precision(arch, hw, weights, kv)
    par = Parallelism(tp=tp, pp=pp, dp=dp)
    par.check_model(arch)
    arrival: Any
    if trace:
        arrival = serving.read_trace(trace)
        reqs = serving.make_requests(arrival)
    else:
        if rate_per_s is not None:
            arrival = serving.Poisson(rate_per_s=rate_per_s)
        elif concurrency is not None:
            arrival = serving.ClosedLoop(concurrency=concurrency)
        else:
            arrival = serving.Offline()
        reqs = serving.make_requests(
            arrival,
            n_requests=requests,
            input_len=_length(input_len, input_sigma, "input_len"),
            output_len=_length(output_len, output_sigma, "output_len"),
            seed=seed,
        )
    engine = serving.EngineConfig(
        max_num_tokens=max_num_tokens, max_num_seqs=max_num_seqs, chunked_prefill=chunked_prefill
    )
    res = serving.simulate(arch, hw, prec, serving.Deployment(par=par, engine=engine), reqs)
    return {
        "model": arch.id,
        "hardware": hardware,
        "weights": prec.weights.value,
        "kv": prec.kv.value,
        "deployment": serving.Deployment(par=par, engine=engine).describe(),
        "summary": res.summary().as_dict(),
    }


def synthetic_data(
    model: str,
    hardware: str,
    *,
    prompts: float,
    samples_per_prompt: int,
    prompt_tokens: int,
    sample_tokens: int,
    keep_fraction: float,
    train_mfu: float = 0.4,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Generate K samples per prompt, verify, keep a fraction, train on what is kept: FLOPs,
    chip-hours and cost of each stage. Generation runs at the model's cost-optimal serving
    point on ``hardware`` (econ.cost); training at ``train_mfu`` on the same chip, both
    priced at its TCO per chip-hour."""
    from siliconomics.econ import cost as econ_cost
    from siliconomics.econ import tco as econ_tco
    from siliconomics.econ import training

    cat = catalog or builtin_catalog()
    arch = resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    t = econ_tco.tco(cat, hardware, overrides=overrides)
    gen = econ_cost.serving_cost(
        cat, arch, hw, hardware, input_len=prompt_tokens, output_len=sample_tokens, tco_result=t
    )
    return training.synthetic_loop(
        arch,
        prompts=prompts,
        samples_per_prompt=samples_per_prompt,
        prompt_tokens=prompt_tokens,
        sample_tokens=sample_tokens,
        keep_fraction=keep_fraction,
        generation=gen,
        train_chip=hw.chip,
        train_mfu=train_mfu,
        usd_per_chip_hour=t.total_usd_per_hour,
    ).as_dict()
