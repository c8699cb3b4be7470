"""The one public Python surface. The CLI, the dashboard and the report call only this.

Every function takes plain values (ids, numbers, format names), resolves them against the
catalog (perf.resolve), asks the model and returns JSON-ready dicts whose quantity keys
carry their unit. Every operating point comes from the one engine
(:mod:`siliconomics.serving.operating`) and carries an interval from the validation
residuals and a ``validated`` flag. Errors a user can cause are raised as
:class:`SiliconomicsError` (or one of its typed subclasses) with one clear line.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from siliconomics import serving, validation
from siliconomics.catalog.loader import Catalog, builtin_catalog, load_catalog
from siliconomics.catalog.specs import ModelArch
from siliconomics.econ import cost as econ_cost
from siliconomics.econ import drivers, training
from siliconomics.econ import margin as econ_margin
from siliconomics.econ import reasoning as econ_reasoning
from siliconomics.econ import rental as econ_rental
from siliconomics.econ import returns as econ_returns
from siliconomics.econ import rl as econ_rl
from siliconomics.econ import tco as econ_tco
from siliconomics.econ.assumptions import default_assumptions, parse_overrides
from siliconomics.errors import DoesNotFit, SiliconomicsError, unknown
from siliconomics.market import backtest as market_backtest_mod
from siliconomics.market import dataset as market_dataset
from siliconomics.market import distributed as market_distributed
from siliconomics.market import model as market_model
from siliconomics.market import summary as market_report
from siliconomics.market.calendar import parse_as_of
from siliconomics.market.scenario import load_families, load_scenario, scenario_names
from siliconomics.perf import Parallelism, Precision, microbench, microbench_run
from siliconomics.perf import estimate as perf_estimate
from siliconomics.perf import training as perf_training
from siliconomics.perf.config import PrecisionPolicy
from siliconomics.perf.resolve import (
    is_validated,
    resolve_parallelism,
    with_engine,
)
from siliconomics.perf.resolve import resolve_chip as _resolve_chip
from siliconomics.perf.resolve import resolve_hardware as _resolve_hardware
from siliconomics.perf.resolve import resolve_model as _resolve_model
from siliconomics.perf.timing import Hardware
from siliconomics.perf.uncertainty import ErrorModel
from siliconomics.perf.workload import param_counts
from siliconomics.plan import capacity as plan_capacity
from siliconomics.plan import datacenter as plan_dc
from siliconomics.serving.operating import OperatingPoint, Sla
from siliconomics.serving.search import Layout

KINDS = ("accelerator", "system", "model", "price")

__all__ = [
    "KINDS",
    "catalog_list",
    "catalog_show",
    "cost",
    "datacenter",
    "datacenter_compare",
    "economic_inputs",
    "error_model",
    "estimate",
    "get_catalog",
    "margin",
    "neocloud",
    "operating_point",
    "overrides",
    "performance",
    "reasoning",
    "rental",
    "rental_cost",
    "resolve_hardware",
    "resolve_model",
    "rl_cost",
    "simulate",
    "synthetic_data",
    "tco",
    "throughput",
    "train",
    "train_cost",
    "validate",
]


def get_catalog(overlay: str | Path | None = None) -> Catalog:
    """The built-in catalog, with a user overlay folder applied when one is given."""
    return builtin_catalog() if overlay is None else load_catalog(Path(overlay))


def resolve_model(spec: str, catalog: Catalog | None = None) -> ModelArch:
    """A catalog model id, or a path to a Hugging Face config.json."""
    return _resolve_model(spec, catalog or builtin_catalog())


def resolve_hardware(spec: str, catalog: Catalog | None = None) -> Hardware:
    """An accelerator or system id, or an accelerator YAML file, as the model sees it."""
    return _resolve_hardware(spec, catalog or builtin_catalog())[0]


def error_model(catalog: Catalog | None = None) -> ErrorModel:
    """Prediction intervals per vendor x model kind from the held-out validation residuals."""
    return validation.error_model(catalog or builtin_catalog())


def training_error_model(catalog: Catalog | None = None) -> Any:
    """Prediction intervals of the training step model from held-out published runs."""
    return validation.training_error_model(catalog or builtin_catalog())


def precision_policy(
    weights: list[str] | str | None = None,
    kv: list[str] | str | None = None,
    precision: str | None = None,
) -> PrecisionPolicy:
    """``--weights``/``--kv`` (one or several) or a named ``--precision`` policy."""
    ws = [weights] if isinstance(weights, str) else weights
    ks = [kv] if isinstance(kv, str) else kv
    return PrecisionPolicy.make(ws, ks, precision)


def _one_precision(arch: ModelArch, hw: Hardware, weights: str | None, kv: str | None) -> Precision:
    return precision_policy(weights, kv).precisions(arch, hw.chip)[0]


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
    engine: str | None = None,
) -> dict[str, Any]:
    """Prefill and decode estimate for one configuration (the ``estimate`` command). The
    formats default to the production precision policy (perf.config.PrecisionPolicy).
    ``engine`` (trtllm, vllm, sglang, pytorch) defaults to the engine the chip family was
    calibrated on (catalog/engines.py); another engine is reported as not validated."""
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    hw, engine_used, engine_ok = with_engine(hw, engine)
    par = resolve_parallelism(chips, tp, pp, ep)
    prec = _one_precision(arch, hw, weights, kv)
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
        "warnings": list(e.warnings),
        "memory_bytes": e.memory.as_dict(),
        "bound": {"prefill": e.prefill.bound, "decode": e.decode.bound},
        "breakdown": {"prefill": e.prefill.breakdown(), "decode": e.decode.breakdown()},
        "calibration": hw.calibration.id,
        "engine": engine_used,
        "engine_validated": engine_ok,
        "validated": is_validated(hw.chip, cat) and engine_ok,
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
                        "provider_class": p.provider_class,
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


def validate(
    catalog: Catalog | None = None,
    *,
    simulate: bool = True,
    training_throughput: bool = True,
    data: Path | None = None,
) -> dict[str, Any]:
    """Predict every point of the validation set; errors by vendor, chip and phase. With
    ``simulate`` the serving simulator also predicts the MLPerf throughput rows; with
    ``training_throughput`` the training step model predicts the published training runs
    (stated and searched layouts, summary ``training_throughput``). Every inference
    throughput row is also predicted held out (method ``held-out``: the calibration fitted
    without its source's fold); ``summary["held_out"]`` has their median and p90 |error|
    overall and by vendor, chip family, dense/MoE and scenario. With ``data`` (a CSV of
    the user's own measurements in the validation-row format, read strictly) those rows
    are scored instead of the built-in set; the calibration saw none of them, so every
    prediction is held out."""
    cat = catalog or builtin_catalog()
    rows = validation.read_measurements(data, cat) if data is not None else None
    report = validation.run(cat, rows, simulate=simulate, training_throughput=training_throughput)
    points = [
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
            "engine": p.engine,
            "held_out": p.method == validation.HELD_OUT,
        }
        for p in report.points
    ]
    em = validation.error_model(cat)
    return {
        "points": points,
        "summary": report.summaries,
        "outliers": validation.load_outliers(),
        "intervals": {k: v.as_dict() for k, v in em.groups.items()},
        "prior_interval": em.prior().as_dict(),
    }


# --- Operating points ------------------------------------------------------------------


def question(
    *,
    input_len: int = 1024,
    output_len: int = 1024,
    weights: list[str] | str | None = None,
    kv: list[str] | str | None = None,
    precision: str | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    chips: int | None = None,
    tp: int | None = None,
    pp: int | None = None,
    ep: int | None = None,
    dp: int | None = None,
    max_batch: int | None = None,
    mode: str | None = None,
) -> econ_cost.Question:
    """The workload, SLA, precision policy and layout pins of a question, validated."""
    return econ_cost.Question(
        input_len=input_len,
        output_len=output_len,
        policy=precision_policy(weights, kv, precision),
        sla=Sla(ttft_p99_s, tpot_p99_s),
        layout=Layout(tp=tp, pp=pp, ep=ep, dp=dp, max_batch=max_batch, mode=mode),
        chips=chips,
    )


def _question_dict(q: econ_cost.Question) -> dict[str, Any]:
    return {
        "input_len": q.input_len,
        "output_len": q.output_len,
        "precision_policy": q.policy.label,
        "ttft_p99_s": q.sla.ttft_p99_s,
        "tpot_p99_s": q.sla.tpot_p99_s,
        "sla": q.sla.label,
        "chips": q.chips,
        "layout": q.layout.describe(),
    }


def throughput(
    model: str,
    hardware: str,
    chips: int | None,
    *,
    input_len: int,
    output_len: int,
    input_sigma: float | None = None,
    output_sigma: float | None = None,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    precision: str | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    tp: int | None = None,
    pp: int | None = None,
    ep: int | None = None,
    dp: int | None = None,
    max_batch: int | None = None,
    mode: str | None = None,
    frontier_points: int = 10,
    seed: int = 0,
    catalog: Catalog | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """Best serving configuration (parallelism, batch cap, aggregated vs disaggregated) by
    simulation, with and without p99 TTFT/TPOT limits, and the throughput-vs-interactivity
    frontier. Keys ``output_tokens_per_s`` and ``parallelism`` at the top level repeat
    ``best`` (no SLA) for the command-line contract; ``best_sla`` is None when no limit
    was given or none is met (``sla_met`` says which). ``engine`` as in :func:`estimate`:
    an engine other than the family's gets its scheduler cap and the prior's interval."""
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    hw, engine_used, engine_ok = with_engine(hw, engine)
    q = question(
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99_s,
        tpot_p99_s=tpot_p99_s,
        chips=chips,
        tp=tp,
        pp=pp,
        ep=ep,
        dp=dp,
        max_batch=max_batch,
        mode=mode,
    )
    r = serving.find(
        arch,
        hw,
        input_len=_length(input_len, input_sigma, "input_len"),
        output_len=_length(output_len, output_sigma, "output_len"),
        chips=chips,
        policy=q.policy,
        sla=q.sla,
        layout=q.layout,
        errors=error_model(cat),
        validated=is_validated(hw.chip, cat) and engine_ok,
        hardware_name=hardware,
        frontier_points=frontier_points,
        seed=seed,
    )
    best = r.best.as_dict()
    return {
        "model": arch.id,
        "hardware": hardware,
        "chips": r.best.chips,
        "question": _question_dict(q),
        "engine": engine_used,
        "engine_validated": engine_ok,
        "input_tokens_mean": r.best.input_tokens_mean,
        "output_tokens_mean": r.best.output_tokens_mean,
        "ttft_p99_limit_s": q.sla.ttft_p99_s,
        "tpot_p99_limit_s": q.sla.tpot_p99_s,
        "best": best,
        "best_sla": r.best_sla.as_dict() if r.best_sla else None,
        "sla_given": q.sla.active,
        "sla_met": r.best_sla is not None if q.sla.active else None,
        "frontier": [p.as_dict() for p in r.frontier],
        "candidates_evaluated": r.candidates_evaluated,
        "simulations": r.simulations,
        "output_tokens_per_s": best["output_tokens_per_s"],
        "output_tokens_per_s_low": best["output_tokens_per_s_low"],
        "output_tokens_per_s_high": best["output_tokens_per_s_high"],
        "output_tokens_per_s_per_chip": best["output_tokens_per_s_per_chip"],
        "parallelism": best.get("parallelism") or best.get("decode_parallelism"),
        "output_tokens_per_s_sla": r.best_sla.output_tokens_per_s if r.best_sla else None,
        "validated": r.best.validated,
    }


def _cost_table(
    model: str,
    hardware: list[str] | None,
    q: econ_cost.Question,
    basis: str,
    overrides: dict[str, float] | None,
    catalog: Catalog | None,
) -> dict[str, Any]:
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    for spec in hardware or ():
        _resolve_chip(spec, cat)  # an id the user typed wrong is an error, not a skipped row
    table = econ_cost.cost_table(
        cat,
        arch,
        q,
        hardware=hardware,
        errors=error_model(cat),
        basis=basis,
        overrides=overrides,
    )
    return {"model": arch.id, "question": _question_dict(q), "basis": basis, **table.as_dict()}


def cost(
    model: str,
    *,
    hardware: list[str] | None = None,
    input_len: int = 1024,
    output_len: int = 1024,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    precision: str | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    chips: int | None = None,
    rental: bool = False,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """USD per million input/output tokens and per request across chips (all that can run
    the model, or those given), ranked by USD per request, each at the engine's operating
    point; at the owner's TCO, or at the on-demand rental median with ``rental``."""
    q = question(
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99_s,
        tpot_p99_s=tpot_p99_s,
        chips=chips,
    )
    return _cost_table(model, hardware, q, "rental" if rental else "tco", overrides, catalog)


def rental_cost(model: str, **kwargs: Any) -> dict[str, Any]:
    """:func:`cost` at the on-demand rental median (the renter's view, which prices chips
    without a sourced purchase price or power, such as TPUs, alongside GPUs)."""
    return cost(model, rental=True, **kwargs)


def performance(model: str, **kwargs: Any) -> dict[str, Any]:
    """Output tokens/s per chip and per joule of every chip that runs the model, priced or
    not: the rows and unpriced rows of :func:`cost` (the same operating points), sorted by
    tokens/s per chip, best first; ties break on the id."""
    return performance_of(cost(model, **kwargs))


def performance_of(c: dict[str, Any]) -> dict[str, Any]:
    """:func:`performance` from a :func:`cost` answer already in hand."""
    rows = sorted(
        [*c["rows"], *c["unpriced"]],
        key=lambda r: (-r["output_tokens_per_s_per_chip"], r["accelerator"]),
    )
    skipped = [s for s in c["skipped"] if s["status"] in ("cannot_run", "misses_sla")]
    return {"model": c["model"], "question": c["question"], "rows": rows, "skipped": skipped}


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
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    precision: str | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Cost and latency per query: reasoning vs direct answer vs a smaller model, each at
    the engine's operating point for its own output length."""
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    small = _resolve_model(small_model, cat) if small_model else None
    return econ_reasoning.reasoning_cost(
        cat,
        arch,
        hardware,
        hidden_tokens=hidden_tokens,
        visible_tokens=visible_tokens,
        input_len=input_len,
        samples=samples,
        chips=chips,
        small_model=small,
        policy=precision_policy(weights, kv, precision),
        sla=Sla(ttft_p99_s, tpot_p99_s),
        errors=error_model(cat),
        overrides=overrides,
    ).as_dict()


def operating_point(
    model: str, hardware: str, q: econ_cost.Question, catalog: Catalog | None = None
) -> OperatingPoint:
    """The engine's operating point for one question (typed; the shells use the dicts)."""
    cat = catalog or builtin_catalog()
    return econ_cost.operating(cat, _resolve_model(model, cat), hardware, q, error_model(cat))


def spec_drivers(
    costs: dict[str, dict[str, dict[str, Any]]], catalog: Catalog | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Which specs go with cheap tokens (econ.drivers): ``costs[model][mode]`` are
    :func:`cost` answers; returns the priced chips' specs and Spearman correlations."""
    cat = catalog or builtin_catalog()
    tables = {
        m: {mode: (c["rows"], performance_of(c)["rows"]) for mode, c in modes.items()}
        for m, modes in costs.items()
    }
    return drivers.drivers(tables, cat.accelerators)


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
    cat = catalog or builtin_catalog()
    return econ_tco.tco(
        cat,
        hardware,
        overrides=overrides,
        chip_price_usd=chip_price_usd,
        it_power_w_per_chip=it_power_w_per_chip,
    ).as_dict()


def _length(mean: int, sigma: float | None, field: str) -> Any:
    """A fixed length, or a log-normal one with that mean when ``sigma`` > 0."""
    if sigma:
        return serving.LogNormal(mean_tokens=float(mean), sigma=float(sigma))
    if not isinstance(mean, int) or mean < 1:
        raise SiliconomicsError(f"{field}: must be a positive integer, got {mean!r}")
    return mean


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
    given = [
        name
        for name, value in (("rate", rate_per_s), ("concurrency", concurrency), ("trace", trace))
        if value is not None
    ]
    if len(given) > 1:
        raise SiliconomicsError(
            f"{' and '.join(given)}: give one arrival process (rate, concurrency or trace), "
            "not several"
        )
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    prec = _one_precision(arch, hw, weights, kv)
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


def train_cost(
    model: str,
    hardware: str,
    *,
    tokens: float,
    chips: int,
    mfu: float | None = None,
    seq_len: int = 8192,
    dtype: str = "bf16",
    usd_per_chip_hour: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """FLOPs, chip-hours, wall clock and cost of a training run at a given MFU, or, without
    one, at the MFU the training step model predicts for the best layout (``train``) at a
    global batch of DEFAULT_GLOBAL_BATCH_TOKENS (``mfu_source`` says which).

    Without a price the run is costed at the chip's TCO per hour (``price_basis: tco``).
    """
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    basis = "given"
    if usd_per_chip_hour is None:
        usd_per_chip_hour = econ_tco.tco(cat, hardware, overrides=overrides).total_usd_per_hour
        basis = "tco"
    layout: dict[str, Any] | None = None
    mfu_source = "given"
    if mfu is None:
        step = _searched_step(arch, hw, chips, seq_len, DEFAULT_GLOBAL_BATCH_TOKENS, dtype, {})
        mfu, layout, mfu_source = step.best.mfu, step.best.layout.as_dict(), "predicted"
    else:
        # A given MFU still needs a layout that fits: 405B on one H100 is "does not fit",
        # never a cost. Other search limits (a batch too small for many replicas) do not
        # concern a run whose MFU the user states.
        try:
            _searched_step(arch, hw, chips, seq_len, DEFAULT_GLOBAL_BATCH_TOKENS, dtype, {})
        except DoesNotFit:
            raise
        except SiliconomicsError:
            pass
    out = training.training_run(
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
    out["mfu_source"] = mfu_source
    if layout is not None:
        out["layout"] = layout
        out["global_batch_tokens"] = DEFAULT_GLOBAL_BATCH_TOKENS
    return out


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
    chip-hours and cost of each stage. Generation runs at the engine's operating point on
    ``hardware`` (offline, production precision); training at ``train_mfu`` on the same
    chip, both priced at its TCO per chip-hour."""
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    t = econ_tco.tco(cat, hardware, overrides=overrides)
    q = question(input_len=prompt_tokens, output_len=sample_tokens)
    op = econ_cost.operating(cat, arch, hardware, q, error_model(cat))
    gen = econ_cost.priced_tco(cat, op, hardware, tco_result=t)
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


# --- Datacenter planner (issue 13) -------------------------------------------------------


def _power_w(power_mw: float | None) -> float | None:
    if power_mw is None:
        return None
    if isinstance(power_mw, bool) or not isinstance(power_mw, int | float):
        raise SiliconomicsError(f"power_mw: must be a number of megawatts, got {power_mw!r}")
    if not power_mw > 0 or power_mw != power_mw or power_mw == float("inf"):
        raise SiliconomicsError(f"power_mw: must be > 0 (megawatts), got {power_mw}")
    return float(power_mw) * 1e6


def _site_options(
    fabric: str | None,
    oversubscription: float,
    rail_optimized: bool | None,
    link_gbps: int | None,
    rack_power_kw: float | None,
) -> plan_dc.SiteOptions:
    return plan_dc.SiteOptions(
        fabric=fabric,
        oversubscription=oversubscription,
        rail_optimized=rail_optimized,
        link_gbps=link_gbps,
        rack_power_limit_w=rack_power_kw * 1e3 if rack_power_kw is not None else None,
    )


def datacenter(
    system: str,
    *,
    chips: int | None = None,
    power_mw: float | None = None,
    facility: bool = False,
    fabric: str | None = None,
    oversubscription: float = 1.0,
    rail_optimized: bool | None = None,
    link_gbps: int | None = None,
    rack_power_kw: float | None = None,
    pue: float | None = None,
    chip_price_usd: float | None = None,
    model: str | None = None,
    input_len: int = 1024,
    output_len: int = 1024,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    precision: str | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Plan a site of ``system`` nodes: ``chips`` chips, or the most that ``power_mw`` of
    critical IT power holds (facility power with ``facility``). Racks, the scale-out fabric
    by tier (switches, cables, transceivers by speed), the scale-up fabric, itemised capex
    with unit prices and sources, opex per year; with ``model``, output tokens per year at
    the engine's operating point (with its interval), USD per million output tokens at the
    site level and tokens per MW-year. See :mod:`siliconomics.plan.datacenter`."""
    cat = catalog or builtin_catalog()
    ov = dict(overrides or {})
    if pue is not None:
        ov["pue"] = pue
    a = default_assumptions().with_overrides(ov)
    opts = _site_options(fabric, oversubscription, rail_optimized, link_gbps, rack_power_kw)
    site = plan_dc.plan(
        cat,
        system,
        a,
        chips=chips,
        power_w=_power_w(power_mw),
        facility=facility,
        opts=opts,
        chip_price_usd=chip_price_usd,
    )
    out = site.as_dict()
    out["tokens"] = None
    if model is not None:
        q = question(
            input_len=input_len,
            output_len=output_len,
            weights=weights,
            kv=kv,
            precision=precision,
            ttft_p99_s=ttft_p99_s,
            tpot_p99_s=tpot_p99_s,
        )
        arch = _resolve_model(model, cat)
        t = plan_capacity.site_tokens(cat, site, arch, q, error_model(cat))
        out["tokens"] = {"question": _question_dict(q), **t.as_dict()}
    return _jsonable(out)


def datacenter_compare(
    power_mw: float = 100.0,
    *,
    facility: bool = True,
    systems: list[str] | None = None,
    model: str | None = None,
    input_len: int = 1024,
    output_len: int = 1024,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    precision: str | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    fabric: str | None = None,
    pue: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """The power-limited comparison: every system with a rack definition (or those given)
    planned on the same site (``power_mw``, facility power by default), side by side:
    chips, capex, network share of capex and, with ``model``, output tokens per year and
    USD per million output tokens with intervals. Systems that cannot be planned are listed
    under ``skipped`` with the reason."""
    cat = catalog or builtin_catalog()
    ov = dict(overrides or {})
    if pue is not None:
        ov["pue"] = pue
    a = default_assumptions().with_overrides(ov)
    power_w = _power_w(power_mw)
    assert power_w is not None
    arch = _resolve_model(model, cat) if model is not None else None
    q = question(
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99_s,
        tpot_p99_s=tpot_p99_s,
    )
    if systems is not None:
        for sid in systems:
            if sid not in cat.systems:
                raise unknown("system", sid, cat.systems)
    r = plan_capacity.power_limited(
        cat,
        a,
        power_w,
        facility=facility,
        systems=systems,
        model=arch,
        q=q,
        errors=error_model(cat) if arch is not None else None,
        opts=plan_dc.SiteOptions(fabric=fabric) if fabric else None,
    )
    out = r.as_dict()
    out["model"] = arch.id if arch else None
    out["question"] = _question_dict(q) if arch else None
    return _jsonable(out)


# --- The business of compute (issue 15): rental paths, neocloud returns, API margins ---------


def rental(
    hardware: str,
    *,
    start: str | None = None,
    months: int = 36,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Dated rental quotes of a chip, its fitted price path (launch to ``start``, default
    the economics defaults' as-of date) and forecast with p10/p90, and the path's backtest
    (econ.rental)."""
    cat = catalog or builtin_catalog()
    when = start or default_assumptions().as_of
    return econ_rental.rental(cat, hardware, start=when, forecast_months=months).as_dict()


def neocloud(
    hardware: str,
    chips: int,
    *,
    years: float | None = None,
    utilisation: float = 1.0,
    ramp_months: int = 0,
    reserved_share: float = 0.0,
    reserved_usd_per_hour: float | None = None,
    price_usd_per_hour: float | None = None,
    flat_price: bool = False,
    facility: str = "own",
    colo_usd_per_kw_month: float | None = None,
    resale_fraction: float = 0.0,
    depreciation_years: float | None = None,
    depreciation_method: str = "straight-line",
    debt_share: float = 0.0,
    interest_rate_per_year: float | None = None,
    debt_term_years: float | None = None,
    cost_of_equity_per_year: float | None = None,
    start: str | None = None,
    chip_price_usd: float | None = None,
    overrides: dict[str, float] | None = None,
    tornado: bool = True,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Monthly cash flows, IRR, NPV, payback, equity multiple, break-even rental price and
    IRR tornado (unless ``tornado`` is False) of buying ``chips`` of ``hardware`` to rent
    out (econ.returns)."""
    cat = catalog or builtin_catalog()
    deal = econ_returns.Deal(
        chips=chips,
        years=years,
        utilisation=utilisation,
        ramp_months=ramp_months,
        reserved_share=reserved_share,
        reserved_usd_per_hour=reserved_usd_per_hour,
        price_usd_per_hour=price_usd_per_hour,
        flat_price=flat_price,
        facility=facility,
        colo_usd_per_kw_month=colo_usd_per_kw_month,
        resale_fraction=resale_fraction,
        depreciation_years=depreciation_years,
        depreciation_method=depreciation_method,
        start=start,
        financing=econ_returns.Financing(
            debt_share=debt_share,
            interest_rate_per_year=interest_rate_per_year,
            term_years=debt_term_years,
            cost_of_equity_per_year=cost_of_equity_per_year,
        ),
    )
    return econ_returns.neocloud(
        cat,
        hardware,
        deal,
        overrides=overrides,
        chip_price_usd=chip_price_usd,
        with_tornado=tornado,
    ).as_dict()


def margin(
    model: str,
    *,
    provider: str | None = None,
    hardware: str = "nvidia-h100-sxm",
    input_len: int = 1024,
    output_len: int = 1024,
    hidden_tokens: int = 0,
    chips: int | None = None,
    weights: list[str] | None = None,
    kv: list[str] | None = None,
    precision: str | None = None,
    ttft_p99_s: float | None = None,
    tpot_p99_s: float | None = None,
    rental: bool = False,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Gross margin of each provider's API list price for ``model`` against our cost at the
    engine's operating point on the provider's chip, with the reasoning case (econ.margin)."""
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    q = question(
        input_len=input_len,
        output_len=output_len,
        weights=weights,
        kv=kv,
        precision=precision,
        ttft_p99_s=ttft_p99_s,
        tpot_p99_s=tpot_p99_s,
        chips=chips,
    )
    table = econ_margin.margins(
        cat,
        arch,
        q,
        provider=provider,
        hardware=hardware,
        hidden_tokens=hidden_tokens,
        basis="rental" if rental else "tco",
        errors=error_model(cat),
    )
    basis = "rental" if rental else "tco"
    return {"question": _question_dict(q), "basis": basis, **table.as_dict()}


# --- issue 12: training step model, layout search and training-run cost ----------------

#: Global batch when none is given (train-cost without --mfu): 16M tokens, the batch of
#: Llama 3 405B's pre-training (LLAMA3-PAPER, Table 4).
DEFAULT_GLOBAL_BATCH_TOKENS = 16 * 2**20


def _searched_step(
    arch: ModelArch,
    hw: Hardware,
    chips: int,
    seq_len: int,
    global_batch_tokens: float,
    precision: str,
    fixed: dict[str, Any],
) -> perf_training.SearchResult:
    return perf_training.search(
        arch,
        hw,
        chips,
        seq_len=seq_len,
        global_batch_tokens=global_batch_tokens,
        precision=perf_training.parse_precision(precision),
        fixed=fixed,
    )


def _runner_up(step: perf_training.TrainStep) -> dict[str, Any]:
    return {
        "layout": step.layout.as_dict(),
        "layout_text": step.layout.describe(),
        "tokens_per_s": step.tokens_per_s,
        "mfu": step.mfu,
        "step_s": step.step_s,
        "memory_bytes_per_chip": step.memory.total_bytes if step.memory else None,
    }


def train(
    model: str,
    hardware: str,
    *,
    chips: int,
    seq_len: int,
    global_batch_tokens: float,
    tp: int | None = None,
    pp: int | None = None,
    dp: int | None = None,
    cp: int | None = None,
    ep: int | None = None,
    vp: int | None = None,
    micro_batch: int | None = None,
    recompute: str | None = None,
    fsdp: bool | None = None,
    precision: str = "bf16",
    tokens: float | None = None,
    usd_per_chip_hour: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """The training step of ``model`` on ``chips`` chips of ``hardware`` (the ``train``
    command): the layout fields given are kept, the others searched (all given: that
    layout is predicted), and the fastest layout that fits is returned with its step time,
    tokens/s, MFU, HFU, memory per chip, the step's breakdown and the runners-up.

    Intervals (``*_low``/``*_high``) come from the held-out residuals of published
    training runs (validation.training_error_model). With ``tokens`` the run's wall clock,
    chip-hours and cost follow (econ.training at the predicted MFU; the chip's TCO per
    hour unless a price is given).
    """
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    if recompute is not None:
        perf_training.parse_recompute(recompute)
    sizes = dict(tp=tp, pp=pp, dp=dp, cp=cp, ep=ep, vp=vp, micro_batch=micro_batch)
    for name, value in sizes.items():
        if value is not None and value < 1:
            raise SiliconomicsError(f"{name}: must be a positive integer, got {value}")
    fixed: dict[str, Any] = {k: v for k, v in sizes.items() if v is not None}
    if recompute is not None:
        fixed["recompute"] = recompute
    if fsdp is not None:
        fixed["fsdp"] = fsdp
    result = _searched_step(arch, hw, chips, seq_len, global_batch_tokens, precision, fixed)
    step = result.best
    out = step.as_dict()
    out["hardware"] = hardware
    validated = hw.calibration.training_gemm_efficiency is not None
    interval = validation.training_error_model(cat).interval(
        hw.chip.vendor, arch.moe is not None, validated
    )
    lo, hi = interval.bounds(step.tokens_per_s)
    out.update(
        tokens_per_s_low=lo,
        tokens_per_s_high=hi,
        mfu_low=step.mfu * interval.low_ratio,
        mfu_high=step.mfu * interval.high_ratio,
        step_s_low=step.step_s / interval.high_ratio,
        step_s_high=step.step_s / interval.low_ratio,
        interval=interval.as_dict(),
        validated=validated,
        searched=len(fixed) < len(perf_training.LAYOUT_FIELDS),
        layouts_tried=result.layouts_tried,
        runners_up=[_runner_up(r) for r in result.runners_up],
    )
    if tokens is not None:
        out["run"] = _training_run_cost(
            cat, arch, hw, hardware, step, interval, tokens, usd_per_chip_hour, overrides
        )
    return out


def _training_run_cost(
    cat: Catalog,
    arch: ModelArch,
    hw: Hardware,
    hardware: str,
    step: perf_training.TrainStep,
    interval: Any,
    tokens: float,
    usd_per_chip_hour: float | None,
    overrides: dict[str, float] | None,
) -> dict[str, Any]:
    """Wall clock, chip-hours and cost of ``tokens`` at the step's MFU, with intervals."""
    basis = "given"
    if usd_per_chip_hour is None:
        try:
            usd_per_chip_hour = econ_tco.tco(cat, hardware, overrides=overrides).total_usd_per_hour
            basis = "tco"
        except SiliconomicsError as exc:  # no sourced price or power: time only, no cost
            basis = f"none ({exc})"
    run = training.training_run(
        arch,
        hw.chip,
        tokens=tokens,
        chips=step.chips,
        mfu=min(step.mfu, 1.0),
        seq_len=step.seq_len,
        dtype=step.precision,
        usd_per_chip_hour=usd_per_chip_hour,
        price_basis=basis,
    ).as_dict()
    for key in ("wall_clock_s", "wall_clock_days", "chip_hours", "cost_usd"):
        value = run[key]
        if value is None:
            continue
        run[f"{key}_low"], run[f"{key}_high"] = interval.inverse(value)
    return run


def _rl_inputs(
    cat: Catalog,
    arch: ModelArch,
    hw: Hardware,
    hardware: str,
    *,
    chips: int,
    mode: econ_rl.RlMode,
    gen_chips: int | None,
    prompts: int,
    samples: int,
    prompt_tokens: int,
    rollout_tokens: int,
    reward: ModelArch | None,
    reference: bool,
    precision: str,
) -> tuple[econ_rl.RlInputs, dict[str, Any]]:
    """The performance figures of one RL step from the serving engine (generation) and
    the training step model (update, forward passes), as econ.rl documents."""
    if not isinstance(chips, int) or chips < 1:
        raise SiliconomicsError(f"chips: must be a positive integer, got {chips!r}")
    if mode is econ_rl.RlMode.SPLIT:
        gen_chips = gen_chips if gen_chips is not None else chips // 2
        if not 0 < gen_chips < chips:
            raise SiliconomicsError(
                f"gen_chips: split pools need 0 < gen_chips < chips ({chips}), got {gen_chips}"
            )
        train_chips = chips - gen_chips
    else:
        gen_chips, train_chips = chips, chips
    op = econ_cost.operating(
        cat,
        arch,
        hardware,
        question(input_len=prompt_tokens, output_len=rollout_tokens),
        validation.error_model(cat),
    )
    seq = prompt_tokens + rollout_tokens
    update = _searched_step(
        arch, hw, train_chips, seq, float(prompts * samples * seq), precision, {}
    ).best
    t_interval = validation.training_error_model(cat).interval(
        hw.chip.vendor, arch.moe is not None, hw.calibration.training_gemm_efficiency is not None
    )
    reward_s = 0.0
    if reward is not None:
        flops = perf_training.model_flops_per_token(reward, seq) / 3.0 * prompts * samples * seq
        pool = gen_chips if mode is econ_rl.RlMode.SPLIT else chips
        reward_s = flops / (pool * update.peak_flop_per_s_per_chip * update.mfu)
    replica = op.chips
    shard = 2.0 * param_counts(arch).total(arch) / replica
    span = replica if mode is econ_rl.RlMode.SHARED else hw.scale_up_domain_chips + 1
    sync_s = shard / (hw.link_bandwidth(span) * hw.calibration.collective_bandwidth_efficiency)
    x = econ_rl.RlInputs(
        prompts=prompts,
        samples_per_prompt=samples,
        prompt_tokens=prompt_tokens,
        rollout_tokens=rollout_tokens,
        gen_tokens_per_s_per_chip=op.output_tokens_per_s_per_chip,
        gen_low_ratio=op.interval.low_ratio,
        gen_high_ratio=op.interval.high_ratio,
        update_s=update.step_s,
        train_low_ratio=t_interval.low_ratio,
        train_high_ratio=t_interval.high_ratio,
        logprob_forwards=2 if reference else 1,
        reward_forward_s=reward_s,
        sync_s=sync_s,
        mode=mode,
        gen_chips=gen_chips,
        train_chips=train_chips,
    )
    detail = {
        "generation": op.as_dict() if hasattr(op, "as_dict") else {},
        "update_layout": update.layout.as_dict(),
        "update_mfu": update.mfu,
        "validated": op.validated and t_interval.validated,
    }
    return x, detail


def rl_cost(
    model: str,
    hardware: str,
    *,
    chips: int,
    prompts_per_step: int,
    samples_per_prompt: int,
    prompt_tokens: int,
    rollout_tokens: int,
    steps: int = 1,
    mode: str = "shared",
    gen_chips: int | None = None,
    reward_model: str | None = None,
    reference: bool = True,
    precision: str = "bf16",
    usd_per_chip_hour: float | None = None,
    overrides: dict[str, float] | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Time, chip-hours and cost of ``steps`` RL steps and their split between inference
    (rollouts, reward and log-probability passes) and training (the policy update), on
    one shared cluster or split pools (econ.rl). ``sensitivity`` shows how the inference
    share moves with rollout length (x0.5, x2) and samples per prompt (x0.5, x2)."""
    cat = catalog or builtin_catalog()
    arch = _resolve_model(model, cat)
    hw, _ = _resolve_hardware(hardware, cat)
    rl_mode = econ_rl.parse_mode(mode)
    reward = _resolve_model(reward_model, cat) if reward_model else None
    basis = "given"
    if usd_per_chip_hour is None:
        try:
            usd_per_chip_hour = econ_tco.tco(cat, hardware, overrides=overrides).total_usd_per_hour
            basis = "tco"
        except SiliconomicsError as exc:
            basis = f"none ({exc})"

    def loop(samples: int, rollout: int) -> tuple[dict[str, Any], dict[str, Any]]:
        x, detail = _rl_inputs(
            cat,
            arch,
            hw,
            hardware,
            chips=chips,
            mode=rl_mode,
            gen_chips=gen_chips,
            prompts=prompts_per_step,
            samples=samples,
            prompt_tokens=prompt_tokens,
            rollout_tokens=rollout,
            reward=reward,
            reference=reference,
            precision=precision,
        )
        r = econ_rl.rl_loop(
            arch.id, x, steps=steps, usd_per_chip_hour=usd_per_chip_hour, price_basis=basis
        )
        return r.as_dict(), detail

    out, detail = loop(samples_per_prompt, rollout_tokens)
    out.update(detail)
    out["hardware"] = hardware
    sens: list[dict[str, Any]] = []
    for label, k, g in (
        ("rollout x0.5", samples_per_prompt, max(rollout_tokens // 2, 1)),
        ("rollout x2", samples_per_prompt, rollout_tokens * 2),
        ("samples x0.5", max(samples_per_prompt // 2, 1), rollout_tokens),
        ("samples x2", samples_per_prompt * 2, rollout_tokens),
    ):
        try:
            r, _ = loop(k, g)
        except SiliconomicsError as exc:
            sens.append({"case": label, "skipped": str(exc)})
            continue
        sens.append(
            {
                "case": label,
                "samples_per_prompt": k,
                "rollout_tokens": g,
                "step_s": r["step_s"],
                "inference_share": r["inference_share"],
                "cost_usd": r.get("cost_usd"),
            }
        )
    out["sensitivity"] = sens
    return out


# --- The dashboard (issue 16): what the web shell needs to validate and label its inputs ------


def economic_inputs() -> dict[str, dict[str, Any]]:
    """Every economic input a ``--set NAME=VALUE`` (or a dashboard field) may override, with
    its default value, unit, source id, date and note (econ.assumptions)."""
    return default_assumptions().as_dict()


def overrides(items: dict[str, str] | list[str] | None) -> dict[str, float] | None:
    """``NAME=VALUE`` strings (the CLI's ``--set``), or a ``{NAME: VALUE}`` mapping of strings
    (a dashboard's query string), as checked override values: the one parser both shells
    use, raising one line naming the input and its allowed range."""
    if not items:
        return None
    pairs = [f"{k}={v}" for k, v in items.items()] if isinstance(items, dict) else items
    return parse_overrides(pairs)


# --- Market (issue 14) ------------------------------------------------------------------


#: Draws held in memory at once: each [draw, family, quarter] array is 8 bytes a cell, and a
#: run keeps about eight of them (50,000 draws over 2023-2028: ~0.5 GB).
MARKET_MAX_DRAWS = 50_000


def _market(catalog: Catalog | None) -> tuple[Catalog, market_dataset.MarketData]:
    cat = catalog or builtin_catalog()
    return cat, market_dataset.load_market(cat)


def market_query(sql: str, catalog: Catalog | None = None) -> dict[str, Any]:
    """Run one read-only SQL SELECT on the market dataset (an in-memory DuckDB holding the
    built-in rows and the overlay's); writes and every other statement are refused."""
    _, data = _market(catalog)
    return market_dataset.read_only_query(market_dataset.connect(data), sql)


def market_show(table: str, catalog: Catalog | None = None) -> dict[str, Any]:
    """Every row of one market table or view (``market``, ``capex``, ``revenue``, ...)."""
    names = market_dataset.table_names()
    if table not in names:
        raise unknown("TABLE", table, names)
    _, data = _market(catalog)
    return market_dataset.read_only_query(market_dataset.connect(data), f'SELECT * FROM "{table}"')


def market_chips(families: Any, workload: Any, catalog: Catalog) -> dict[str, market_model.ChipRef]:
    """Each family's reference chip as the engine sees it: output tokens/s per chip (with the
    validation interval) at the scenario's reference workload, and its TDP. A chip the engine
    cannot run the workload on, or without a TDP, is left out (no power or tokens for it)."""
    arch = _resolve_model(workload.model, catalog)
    q = question(input_len=workload.input_len, output_len=workload.output_len)
    errs = error_model(catalog)
    out: dict[str, market_model.ChipRef] = {}
    for f in families.families:
        acc = f.reference_accelerator
        if acc is None or catalog.accelerators[acc].tdp_w is None:
            continue
        try:
            op = econ_cost.operating(catalog, arch, acc, q, errs).as_dict()
        except SiliconomicsError:
            continue
        out[f.id] = market_model.ChipRef(
            accelerator=acc,
            tdp_w=float(catalog.accelerators[acc].tdp_w or 0.0),
            tokens_per_s=op["output_tokens_per_s_per_chip"],
            tokens_per_s_low=op["output_tokens_per_s_per_chip_low"],
            tokens_per_s_high=op["output_tokens_per_s_per_chip_high"],
            validated=op["validated"],
        )
    return out


def market(
    scenario: str = "base",
    *,
    as_of: str | None = None,
    through: int = 2028,
    draws: int = 1000,
    seed: int = 0,
    ray_address: str | None = None,
    ray_chunks: int = 8,
    today: date | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """The market chain (market.model) under a scenario, per calendar quarter and year, each
    series as p10/p50/p90 over ``draws`` Monte Carlo draws (one draw: the central values),
    using only rows whose source was out on ``as_of``; plus the seeds' claims as checks and
    the inputs that move NVIDIA's revenue most. With ``ray_address`` (``local`` or a
    cluster's address) the draws run as Ray tasks in ``ray_chunks`` chunks."""
    cat, data = _market(catalog)
    day = parse_as_of(as_of, today or date.today()) if as_of else None
    if not 2024 <= through <= 2035:
        raise SiliconomicsError(f"--through: must be a year in 2024..2035, got {through}")
    if not 1 <= draws <= MARKET_MAX_DRAWS:
        raise SiliconomicsError(f"--draws: must be in 1..{MARKET_MAX_DRAWS}, got {draws}")
    if seed < 0:
        raise SiliconomicsError(f"--seed: must be >= 0, got {seed}")
    fam = load_families(cat)
    sc = load_scenario(scenario, cat, fam)
    chips = market_chips(fam, sc.spec.token_workload, cat)
    args: dict[str, Any] = {
        "data": data.as_of(day),
        "fam": fam,
        "sc": sc,
        "chips": chips,
        "through_year": through,
    }
    if ray_address:
        paths = market_distributed.run_on_ray(ray_address, args, draws, seed, ray_chunks)
    else:
        paths = market_model.run(**args, draws=draws, seed=seed)
    out = market_report.summary(paths, data.as_of(day), fam)
    return {
        "scenario": sc.name,
        "scenario_file": str(sc.path),
        "description": sc.spec.description.strip(),
        "as_of": day.isoformat() if day else None,
        "through": through,
        "draws": draws,
        "seed": seed,
        "reference_workload": sc.spec.token_workload.model_dump(),
        "reference_chips": {k: asdict(v) for k, v in chips.items()},
        **out,
    }


def market_backtest(
    scenario: str = "base", *, today: date | None = None, catalog: Catalog | None = None
) -> dict[str, Any]:
    """The chain as of each past quarter end, scored on the actuals it did not see: median
    and worst error per series, 1-4 quarters ahead (market.backtest)."""
    cat, data = _market(catalog)
    fam = load_families(cat)
    sc = load_scenario(scenario, cat, fam)
    forecasts = market_backtest_mod.backtest(data, fam, sc, {}, today=today or date.today())
    return {
        "scenario": sc.name,
        "summary": market_backtest_mod.summarise(forecasts),
        "forecasts": [
            {
                "series": f.series,
                "as_of": f.as_of,
                "quarter": f.quarter,
                "horizon_quarters": f.horizon,
                "forecast_usd": f.forecast_usd,
                "actual_usd": f.actual_usd,
                "error": f.error,
            }
            for f in forecasts
        ],
    }


def market_scenarios(catalog: Catalog | None = None) -> list[str]:
    """The scenario names the built-in and overlay folders hold."""
    return sorted(scenario_names(catalog or builtin_catalog()))


# --- issue 11: calibrate the model on the user's own accelerator ------------------------


def calibrate(
    hardware: str, record: Path | None = None, catalog: Catalog | None = None
) -> dict[str, Any]:
    """Efficiencies measured by microbenchmarks (perf.microbench) and the ``--catalog``
    overlay that applies them: from a recorded file, or (``record`` None) by running the
    benchmarks on the local device (PyTorch, the ``[gpu]`` extra). Returns the measured and
    the family's values, the record, and ``files`` (overlay path -> text) for the caller to
    write."""
    cat = catalog or builtin_catalog()
    chip, _ = _resolve_chip(hardware, cat)
    if record is not None:
        rec, raw = microbench.read_record(record)
    else:
        raw = microbench_run.run(chip.id)
        rec = microbench.parse_record(raw, "record: local run")
    if rec.hardware != chip.id:
        raise SiliconomicsError(
            f"hardware: the record is of {rec.hardware}, not {chip.id}; pass --hardware "
            f"{rec.hardware}"
        )
    family = cat.calibration_for(chip)
    measured = microbench.efficiencies(rec, cat)
    source_id = f"CAL-{chip.id}-{rec.date}"
    return {
        "hardware": chip.id,
        "device": rec.device,
        "date": rec.date,
        "family": family.id,
        "parameters": {
            k: {"family": getattr(family, k), "measured": v} for k, v in measured.items()
        },
        "record": raw,
        "files": microbench.overlay(rec, cat, source_id),
    }
