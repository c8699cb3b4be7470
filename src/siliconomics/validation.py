"""Compare the model's predictions with published measurements.

The validation set (``data/validation/inference.csv``) holds published results, each with
its source: MLPerf Inference (Offline, Server, Interactive), engine throughput tables
(TensorRT-LLM, AMD's vLLM, Intel Gaudi) and serving tables. For each row the model
predicts the same quantity under the same conditions:

* ``offline`` and ``fixed`` without a concurrency: the best sustained throughput over batch
  sizes (and over parallelism when the source does not state it);
* ``fixed`` with a concurrency: sustained throughput at that batch (capped by memory);
* ``server`` / ``interactive``: the best throughput whose effective TPOT and single-prompt
  TTFT meet the benchmark's p99 limits (``mlperf_workloads.csv``); the mean of a served
  stream sits below its p99, so this is slightly pessimistic;
* ``ttft_s`` / ``tpot_s`` at a request rate: the operating point whose throughput matches
  the offered load (Little's law); TTFT is one prompt's prefill plus half a decode step of
  waiting, a first-order stand-in for queueing that the serving simulator replaces.

Rows that cannot be predicted (unknown input length, a format the chip lacks) are listed
with the reason, never dropped silently. Errors are (predicted / measured - 1).
"""

from __future__ import annotations

import csv
import io
import math
import statistics
import zlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

import yaml

from siliconomics.catalog.dtypes import KVFormat, WeightFormat
from siliconomics.catalog.engines import engine_label
from siliconomics.catalog.files import read_text
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError, unknown
from siliconomics.perf import training as perf_training
from siliconomics.perf.config import Parallelism, Precision, runs
from siliconomics.perf.estimate import decode_step_s, prefill_s
from siliconomics.perf.resolve import resolve_hardware
from siliconomics.perf.search import Operating, best, search
from siliconomics.perf.timing import Hardware
from siliconomics.perf.uncertainty import ErrorModel, build_error_model

THROUGHPUT = "output_tokens_per_s"
VLLM_DEFAULT_MAX_NUM_SEQS = 256  # source ENG-VLLM-SEQS


@dataclass(frozen=True, slots=True)
class Workload:
    """Dataset lengths and latency limits of a benchmark (MLPerf)."""

    mean_input_tokens: float | None
    mean_output_tokens: float | None
    ttft_limit_s: float | None
    tpot_limit_s: float | None
    source: str


@dataclass(frozen=True, slots=True)
class Point:
    """One validation row with the model's prediction."""

    id: str
    benchmark: str
    model: str
    hardware: str
    vendor: str
    chips: int
    scenario: str
    metric: str
    measured: float
    predicted: float | None
    source: str
    config: str = ""
    skipped: str = ""
    method: str = "analytic"
    #: Serving engine of the measurement (catalog.engines.engine_label of the row's text).
    engine: str = ""

    @property
    def error(self) -> float | None:
        if self.predicted is None:
            return None
        return self.predicted / self.measured - 1.0

    @property
    def phase(self) -> str:
        return {"ttft_s": "prefill (ttft)", "tpot_s": "decode (tpot)"}.get(
            self.metric, "throughput"
        )


@dataclass
class Report:
    points: list[Point]
    summaries: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def scored(self, metric: str | None = THROUGHPUT) -> list[Point]:
        return [
            p for p in self.points if p.error is not None and (metric is None or p.metric == metric)
        ]


def data_dir() -> Path:
    return Path(str(files("siliconomics") / "data" / "validation"))


def _num(value: str) -> float | None:
    value = (value or "").strip()
    return float(value) if value else None


def load_workloads(path: Path | None = None) -> dict[tuple[str, str], Workload]:
    path = path or data_dir() / "mlperf_workloads.csv"
    if not path.exists():
        return {}
    out = {}
    with path.open() as f:
        for r in csv.DictReader(f):
            out[(r["benchmark_model"], r["scenario"])] = Workload(
                _num(r["mean_input_tokens"]),
                _num(r["mean_output_tokens"]),
                _num(r["ttft_p99_limit_s"]),
                _num(r["tpot_p99_limit_s"]),
                r["source"],
            )
    return out


def load_outliers() -> dict[str, str]:
    """Points known to be far off, with the reason (data/validation/outliers.yaml)."""
    path = data_dir() / "outliers.yaml"
    data = yaml.safe_load(path.read_text()) if path.exists() else None
    return {str(k): str(v) for k, v in (data or {}).items()}


def load_rows(path: Path | None = None) -> list[dict[str, str]]:
    path = path or data_dir() / "inference.csv"
    with path.open() as f:
        return list(csv.DictReader(f))


def _formats(row: dict[str, str], hw: Hardware) -> tuple[list[WeightFormat], list[KVFormat]]:
    """Weight and KV formats to try for a row.

    A stated format is used as is (fp16 counts as bf16: same width and tensor rate). When the
    source does not state it, every format the chip can run is tried and the best kept, as
    submitters to MLPerf pick whatever meets the accuracy target.
    """
    w = {"fp16": "bf16"}.get(
        (row.get("weights_dtype") or "").strip(), (row.get("weights_dtype") or "").strip()
    )
    k = {"fp16": "bf16"}.get(
        (row.get("kv_dtype") or "").strip(), (row.get("kv_dtype") or "").strip()
    )
    weights = (
        [WeightFormat(w)]
        if w
        else [
            f
            for f in (WeightFormat.BF16, WeightFormat.FP8, WeightFormat.FP4)
            if runs(hw.chip, Precision(f, KVFormat.BF16))
        ]
    )
    if k:
        kvs = [KVFormat(k)]
    elif not w:
        kvs = [KVFormat.BF16, KVFormat.FP8]
    else:
        # NVIDIA's published FP8/FP4 checkpoints (ModelOpt) quantise the KV cache to fp8;
        # other engines default to the model's dtype.
        trt = row.get("engine", "").lower().startswith("tensorrt")
        kvs = [
            KVFormat.FP8
            if trt and weights[0] in (WeightFormat.FP8, WeightFormat.FP4)
            else KVFormat.BF16
        ]
    return weights, kvs


def _hardware(acc_id: str, chips: int, catalog: Catalog) -> Hardware:
    chip = catalog.accelerator(acc_id)
    return Hardware.for_chip(chip, catalog.calibration_for(chip.id))


def _describe(o: Operating) -> str:
    p = o.parallelism
    return (
        f"tp{p.tp} pp{p.pp} ep{p.ep} dp{p.dp} {o.precision.weights}/{o.precision.kv} "
        f"batch {o.batch}/{o.max_batch}"
    )


def predict_row(
    row: dict[str, str], catalog: Catalog, workloads: dict[tuple[str, str], Workload]
) -> tuple[float | None, str, str]:
    """(predicted value, configuration used, reason skipped)."""
    model = catalog.model(row["model"])
    chips = int(row["chips"])
    hw = _hardware(row["hardware"], chips, catalog)
    weights, kvs = _formats(row, hw)
    scenario, metric = row["scenario"], row["metric"]
    wl = workloads.get((row["model"], scenario)) if row["benchmark"].startswith("mlperf") else None
    input_len = _num(row["input_len"]) or (wl.mean_input_tokens if wl else None)
    output_len = _num(row["output_len"]) or (wl.mean_output_tokens if wl else None)
    if not input_len or not output_len:
        return None, "", "input/output length not known"
    i_len, o_len = round(input_len), round(output_len)
    tp = _num(row.get("tp", ""))
    par = None
    if tp:
        tpi = int(tp)
        par = Parallelism(
            tp=tpi,
            pp=1,
            ep=tpi if model.moe and model.moe.num_experts % tpi == 0 else 1,
            dp=chips // tpi,
        )
    if row.get("engine", "").lower().startswith("vllm") and not row["benchmark"].startswith(
        "mlperf"
    ):
        # vLLM's scheduler runs at most max_num_seqs (default 256) sequences per replica.
        cal = replace(hw.calibration, max_batch_sequences=VLLM_DEFAULT_MAX_NUM_SEQS)
        hw = replace(hw, calibration=cal)
    conc = _num(row.get("concurrency", ""))
    ttft_limit = tpot_limit = None
    if scenario in ("server", "interactive") and metric == THROUGHPUT:
        if not wl or wl.tpot_limit_s is None:
            return None, "", "latency limits of this benchmark not known"
        ttft_limit, tpot_limit = wl.ttft_limit_s, wl.tpot_limit_s
    batches = None
    if conc:
        batches = [int(conc)]
    points = search(
        model,
        hw,
        chips,
        input_len=i_len,
        output_len=o_len,
        weights=weights,
        kvs=kvs,
        parallelism=par,
        batches=batches,
        tpot_limit_s=tpot_limit,
        ttft_limit_s=ttft_limit,
    )
    if not points and batches:
        # Published concurrency above what fits: engines queue the rest; use the largest batch.
        points = search(
            model,
            hw,
            chips,
            input_len=i_len,
            output_len=o_len,
            weights=weights,
            kvs=kvs,
            parallelism=par,
        )
    if not points:
        return None, "", "no configuration fits or meets the limits"
    if metric == THROUGHPUT:
        o = best(points)
        assert o is not None
        return o.output_tokens_per_s, _describe(o), ""
    rate = _num(row.get("request_rate_per_s", ""))
    if rate:
        target = rate * o_len
        above = [p for p in points if p.output_tokens_per_s >= target]
        o = min(above, key=lambda p: p.batch) if above else best(points)
    else:
        o = best(points)
    assert o is not None
    if metric == "tpot_s":
        # At low load the batch holds fewer than one chunk of prefill work per step.
        busy = o.batch if not rate else max(1.0, rate * o_len * o.effective_tpot_s)
        t = float(decode_step_s(model, o.parallelism, o.precision, hw, busy, i_len + o_len // 2))
        value = t if rate else o.effective_tpot_s
        return value, _describe(o), ""
    if metric == "ttft_s":
        t_prefill = float(prefill_s(model, o.parallelism, o.precision, hw, o.parallelism.dp, i_len))
        return t_prefill + 0.5 * o.tpot_s, _describe(o), ""
    return None, "", f"metric {metric} not modelled"


def simulate_row(
    row: dict[str, str], catalog: Catalog, workloads: dict[tuple[str, str], Workload]
) -> tuple[float | None, str, str]:
    """The serving simulator's prediction for an MLPerf throughput row.

    Offline: the best simulated sustained rate with every request queued at t = 0.
    Server / Interactive: the largest Poisson rate whose simulated p99 TTFT and p99 TPOT
    meet the benchmark's limits (serving.search.best_config), times the mean output length.
    """
    from siliconomics.serving import best_config

    model = catalog.model(row["model"])
    hw = _hardware(row["hardware"], int(row["chips"]), catalog)
    weights, kvs = _formats(row, hw)
    wl = workloads.get((row["model"], row["scenario"]))
    if not wl or not wl.mean_input_tokens or not wl.mean_output_tokens:
        return None, "", "input/output length not known"
    limits: tuple[float | None, float | None] = (None, None)
    if row["scenario"] in ("server", "interactive"):
        if wl.tpot_limit_s is None:
            return None, "", "latency limits of this benchmark not known"
        limits = (wl.ttft_limit_s, wl.tpot_limit_s)
    r = best_config(
        model,
        hw,
        int(row["chips"]),
        input_len=round(wl.mean_input_tokens),
        output_len=round(wl.mean_output_tokens),
        weights=weights,
        kvs=kvs,
        ttft_p99_limit_s=limits[0],
        tpot_p99_limit_s=limits[1],
    )
    point = r.best if row["scenario"] == "offline" else r.best_sla
    if point is None:
        return None, "", "no simulated configuration meets the p99 limits"
    d = point.as_dict()
    par = d.get("parallelism") or {
        "prefill": d.get("prefill_parallelism"),
        "decode": d.get("decode_parallelism"),
    }
    cfg = f"{d['mode']} {par} {d['weights']}/{d['kv']} seqs {d['max_num_seqs']}"
    return point.output_tokens_per_s, cfg, ""


def training_points(catalog: Catalog) -> list[Point]:
    """Published training runs (data/validation/training.csv) against econ.training.

    Chip-hours = FLOPs / (peak bf16 FLOP/s x MFU) / 3600 at the midpoint of the published
    MFU range; a run without a published MFU is not scored, and its implied MFU (FLOPs over
    the published chip-hours at peak) is reported instead.
    """
    from siliconomics.catalog.dtypes import DType
    from siliconomics.econ.training import training_run

    out = []
    with (data_dir() / "training.csv").open() as f:
        for row in csv.DictReader(f):
            model = catalog.model(row["model"])
            chip = catalog.accelerator(row["hardware"])
            lo, hi = _num(row["mfu_low"]), _num(row["mfu_high"])
            measured = float(row["value"])
            base: dict[str, Any] = dict(
                id=row["id"],
                benchmark="published-training-run",
                model=row["model"],
                hardware=row["hardware"],
                vendor=chip.vendor,
                chips=int(row["chips"]),
                scenario="training",
                metric=row["metric"],
                measured=measured,
                source=row["source"],
                method="training",
            )
            run = training_run(
                model,
                chip,
                tokens=float(row["tokens"]),
                chips=int(row["chips"]),
                mfu=(lo + hi) / 2 if lo and hi else 0.4,
                seq_len=int(row["seq_len"]),
            )
            implied = run.flops.total_flops / (measured * 3600 * chip.peak(DType.BF16))
            if lo and hi:
                out.append(
                    Point(
                        **base,
                        predicted=run.chip_hours,
                        config=f"MFU {(lo + hi) / 2:.1%}; implied {implied:.1%}",
                    )
                )
            else:
                out.append(
                    Point(
                        **base,
                        predicted=None,
                        skipped=f"no published MFU; implied MFU {implied:.1%} of bf16 peak",
                    )
                )
    return out


def simulate_latency_row(row: dict[str, str], catalog: Catalog) -> tuple[float | None, str, str]:
    """Mean TTFT or TPOT of a request-rate table row (TensorRT-LLM serving tables), from a
    simulated Poisson stream at that rate on the stated parallelism (dp = chips / tp)."""
    from siliconomics import serving

    rate, tp = _num(row.get("request_rate_per_s", "")), _num(row.get("tp", ""))
    i_len, o_len = _num(row["input_len"]), _num(row["output_len"])
    if not rate or not tp or not i_len or not o_len:
        return None, "", "needs a request rate, tp and lengths"
    model = catalog.model(row["model"])
    hw = _hardware(row["hardware"], int(row["chips"]), catalog)
    weights, kvs = _formats(row, hw)
    prec = Precision(weights[0], kvs[0])
    par = Parallelism(tp=int(tp), dp=int(row["chips"]) // int(tp))
    reqs = serving.make_requests(
        serving.Poisson(rate_per_s=rate),
        n_requests=2000,
        input_len=round(i_len),
        output_len=round(o_len),
        seed=0,
    )
    res = serving.simulate(model, hw, prec, serving.Deployment(par=par), reqs)
    summary = res.summary()
    value = summary.ttft_s.mean if row["metric"] == "ttft_s" else summary.tpot_s.mean
    return value, f"tp{par.tp} dp{par.dp} {prec.weights}/{prec.kv} Poisson {rate:g}/s", ""


def run(
    catalog: Catalog,
    rows: list[dict[str, str]] | None = None,
    *,
    simulate: bool = True,
    training: bool = True,
    training_throughput: bool = True,
    heldout: bool = True,
) -> Report:
    """Predict every row analytically; with ``simulate`` also run the serving simulator on
    the MLPerf throughput rows (method "simulated", summarised separately); with
    ``training`` also the published training runs (chip-hours at a published MFU) and,
    with ``training_throughput``, training throughput with the stated and the searched
    layout (about 5 s); with ``heldout`` also predict every inference throughput row with
    the calibration fitted without its source's fold (method "held-out",
    :func:`heldout_points`)."""
    workloads = load_workloads()
    points = []
    all_rows = rows if rows is not None else load_rows()
    for row in all_rows:
        chip = catalog.accelerators.get(row["hardware"])
        vendor = chip.vendor if chip else "?"
        base: dict[str, Any] = dict(
            id=row["id"],
            benchmark=row["benchmark"],
            model=row["model"],
            hardware=row["hardware"],
            vendor=vendor,
            chips=int(row["chips"]),
            scenario=row["scenario"],
            metric=row["metric"],
            measured=float(row["value"]),
            source=row["source"],
            engine=engine_label(row.get("engine", "")),
        )
        try:
            value, config, skipped = predict_row(row, catalog, workloads)
        except SiliconomicsError as exc:
            value, config, skipped = None, "", str(exc)
        points.append(Point(**base, predicted=value, config=config, skipped=skipped))
        if simulate and row["metric"] in ("ttft_s", "tpot_s") and row.get("request_rate_per_s"):
            try:
                value, config, skipped = simulate_latency_row(row, catalog)
            except SiliconomicsError as exc:
                value, config, skipped = None, "", str(exc)
            points.append(
                Point(**base, predicted=value, config=config, skipped=skipped, method="simulated")
            )
        if simulate and row["benchmark"].startswith("mlperf") and row["metric"] == THROUGHPUT:
            try:
                value, config, skipped = simulate_row(row, catalog, workloads)
            except SiliconomicsError as exc:
                value, config, skipped = None, "", str(exc)
            points.append(
                Point(**base, predicted=value, config=config, skipped=skipped, method="simulated")
            )
    if heldout:
        analytic = {p.id: p for p in points if p.method == "analytic"}
        points += heldout_points(catalog, all_rows, workloads, analytic, load_fold_fits())
    throughput = rows is None and training and training_throughput
    if rows is None and training:
        points += training_points(catalog)
    if throughput:
        points += training_throughput_points(catalog)
    report = Report(points)
    report.summaries = summarise(points)
    if throughput:
        report.summaries["training_throughput"] = training_summary(points, catalog)
    if heldout:
        report.summaries["held_out"] = heldout_summary(points, catalog)
    return report


def mape(points: list[Point]) -> float:
    """Median absolute percentage error."""
    return statistics.median(abs(p.error) for p in points if p.error is not None)


def summarise(points: list[Point]) -> dict[str, dict[str, dict[str, float]]]:
    """Median |error| and count of the analytic predictions, grouped by vendor, chip, phase,
    scenario and benchmark family; the simulated MLPerf predictions by scenario and vendor."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    scored = [p for p in points if p.error is not None and p.method == "analytic"]
    keys = {
        "vendor": lambda p: p.vendor,
        "chip": lambda p: p.hardware,
        "phase": lambda p: p.phase,
        "source_kind": lambda p: p.benchmark.split("-v")[0].rstrip("0123456789."),
        "scenario": lambda p: p.scenario,
    }
    for name, key in keys.items():
        groups: dict[str, list[Point]] = defaultdict(list)
        for p in scored:
            if name != "phase" and p.metric != THROUGHPUT:
                continue
            groups[key(p)].append(p)
        out[name] = {
            g: {"median_abs_error": mape(ps), "points": len(ps)} for g, ps in sorted(groups.items())
        }
    thr = [p for p in scored if p.metric == THROUGHPUT]
    out["overall"] = {
        "throughput": {"median_abs_error": mape(thr) if thr else float("nan"), "points": len(thr)}
    }
    train = [p for p in points if p.error is not None and p.method == "training"]
    if train:
        out["training"] = {"chip_hours": {"median_abs_error": mape(train), "points": len(train)}}
    sim = [p for p in points if p.error is not None and p.method == "simulated"]
    if sim:
        groups = defaultdict(list)
        for p in sim:
            if p.metric != THROUGHPUT:
                groups[f"{p.phase} at a request rate"].append(p)
                continue
            groups[f"scenario {p.scenario}"].append(p)
            groups[f"vendor {p.vendor}"].append(p)
            groups["all throughput"].append(p)
        out["simulated"] = {
            g: {"median_abs_error": mape(ps), "points": len(ps)} for g, ps in sorted(groups.items())
        }
        analytic_same = [p for p in thr if p.id in {q.id for q in sim if q.metric == THROUGHPUT}]
        if analytic_same:
            out["simulated"]["analytic on the same throughput rows"] = {
                "median_abs_error": mape(analytic_same),
                "points": len(analytic_same),
            }
    return out


# --- issue 11: k-fold held-out errors, folds by source ---------------------------------

#: Number of cross-validation folds. Folds are made of whole sources: every row of one
#: source (one MLPerf round, one engine's table) lands in the same fold, so a prediction is
#: never helped by a sibling row of the same table (same engine build, same submitter).
FOLDS = 5
HELD_OUT = "held-out"
FITTED_PARAMETERS = ("gemm_efficiency", "memory_efficiency", "attention_decode_efficiency")


def source_folds(rows: list[dict[str, str]], k: int = FOLDS) -> list[list[str]]:
    """Assign sources to ``k`` folds, balancing row counts: sources sorted by row count
    (largest first, then id) each go to the fold with the fewest rows so far (then the
    lowest fold number). Deterministic; benchmarks/calibrate.py writes the result to
    ``data/validation/folds.yaml`` with the parameters fitted without each fold."""
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["source"]] += 1
    folds: list[list[str]] = [[] for _ in range(k)]
    sizes = [0] * k
    for src, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        i = min(range(k), key=lambda j: (sizes[j], j))
        folds[i].append(src)
        sizes[i] += n
    return [sorted(f) for f in folds]


@dataclass(frozen=True, slots=True)
class FoldFits:
    """The calibration fitted on all rows (``full``) and once per fold without that fold's
    sources (``folds``: (sources, {family: parameters}))."""

    full: dict[str, dict[str, float]]
    folds: list[tuple[frozenset[str], dict[str, dict[str, float]]]]


def load_fold_fits(path: Path | None = None) -> FoldFits | None:
    path = path or data_dir() / "folds.yaml"
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text()) or {}
    return FoldFits(
        full={f: {k: float(v) for k, v in ps.items()} for f, ps in data["full"].items()},
        folds=[
            (
                frozenset(str(s) for s in fold["sources"]),
                {f: {k: float(v) for k, v in ps.items()} for f, ps in fold["parameters"].items()},
            )
            for fold in data["folds"]
        ],
    )


def _current(catalog: Catalog, family: str) -> dict[str, float] | None:
    cal = catalog.calibrations.get(family)
    return None if cal is None else {k: getattr(cal, k) for k in FITTED_PARAMETERS}


def fold_catalogs(catalog: Catalog, fits: FoldFits) -> list[tuple[frozenset[str], Catalog]]:
    """Per fold, the catalog with each family's fitted parameters replaced by those fitted
    without the fold. A family whose parameters in ``catalog`` differ from the stored full
    fit (a user overlay, or a calibration edited after the folds were fitted) keeps its
    own values: its rows are then scored in-sample and :func:`heldout_points` says so."""
    out = []
    for sources, params in fits.folds:
        cals = dict(catalog.calibrations)
        for family, ps in params.items():
            if _current(catalog, family) == fits.full.get(family):
                cals[family] = replace(cals[family], **cast(dict[str, Any], ps))
        out.append((sources, replace(catalog, calibrations=cals)))
    return out


def _family(catalog: Catalog, hardware: str) -> str:
    chip = catalog.accelerators.get(hardware)
    return chip.calibration_id if chip else "?"


def _kind(catalog: Catalog, model: str) -> str:
    arch = catalog.models.get(model)
    return "?" if arch is None else ("moe" if arch.moe is not None else "dense")


def heldout_points(
    catalog: Catalog,
    rows: list[dict[str, str]],
    workloads: dict[tuple[str, str], Workload],
    analytic: dict[str, Point],
    fits: FoldFits | None,
) -> list[Point]:
    """Each throughput row predicted by the model fitted without the row's source (its
    fold's parameters). A row whose source is in no fold (a user's own file, a row added
    after the last fit) was not fitted on either, so its analytic prediction is already
    held out; so is a row of a chip on the prior calibration. A fitted family whose
    parameters differ from the stored fit cannot be held out: marked in ``config``."""
    folds = fold_catalogs(catalog, fits) if fits else []
    out = []
    for row in rows:
        if row["metric"] != THROUGHPUT or row["id"] not in analytic:
            continue
        a = analytic[row["id"]]
        family = _family(catalog, row["hardware"])
        fold = next((c for s, c in folds if row["source"] in s), None)
        cal = catalog.calibrations.get(family)
        if fold is None or cal is None or cal.is_prior:
            out.append(replace(a, method=HELD_OUT))
            continue
        if fits is not None and _current(catalog, family) != fits.full.get(family):
            note = "in-sample: calibration differs from the stored fold fit"
            out.append(replace(a, method=HELD_OUT, predicted=None, skipped=note))
            continue
        try:
            value, config, skipped = predict_row(row, fold, workloads)
        except SiliconomicsError as exc:
            value, config, skipped = None, "", str(exc)
        out.append(replace(a, method=HELD_OUT, predicted=value, config=config, skipped=skipped))
    return out


def heldout_summary(points: list[Point], catalog: Catalog) -> dict[str, dict[str, float]]:
    """Median and p90 |error| of the held-out throughput predictions, overall and by vendor,
    chip family, dense/MoE, scenario and serving engine."""
    scored = [p for p in points if p.method == HELD_OUT and p.error is not None]
    groups: dict[str, list[Point]] = defaultdict(list)
    for p in scored:
        groups["all"].append(p)
        groups[f"vendor {p.vendor}"].append(p)
        groups[f"family {_family(catalog, p.hardware)}"].append(p)
        groups[f"kind {_kind(catalog, p.model)}"].append(p)
        groups[f"scenario {p.scenario}"].append(p)
        groups[f"engine {p.engine}"].append(p)
    return {
        g: {"median_abs_error": mape(ps), "p90_abs_error": p90(ps), "points": len(ps)}
        for g, ps in sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0]))
    }


#: Columns of a validation row (data/validation/inference.csv and ``validate --data``).
REQUIRED_COLUMNS = ("id", "model", "hardware", "chips", "scenario", "metric", "value", "source")
OPTIONAL_COLUMNS = (
    "benchmark",
    "input_len",
    "output_len",
    "concurrency",
    "request_rate_per_s",
    "weights_dtype",
    "kv_dtype",
    "tp",
    "pp",
    "ep",
    "engine",
    "date",
    "notes",
)
SCENARIOS = ("offline", "server", "interactive", "fixed")
METRICS = (THROUGHPUT, "ttft_s", "tpot_s")
MAX_MEASUREMENT_ROWS = 10_000


def read_measurements(path: Path, catalog: Catalog) -> list[dict[str, str]]:
    """A user's own measurements in the validation-row format (README, "Bring your own
    measurements"), checked strictly: every problem is one error naming the file, the line
    and the column. Blank optional cells mean "not stated" (the model searches what a
    blank leaves open, as for the built-in rows); ``benchmark`` defaults to ``user``."""
    text = read_text(path, what="measurements CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    where = f"data: {path}"
    try:
        header = next(reader, None)
        if header is None:
            raise SiliconomicsError(
                f"{where} is empty; expected a header with {', '.join(REQUIRED_COLUMNS)}"
            )
        names = [h.strip() for h in header]
        allowed = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        for n in names:
            if n not in allowed:
                raise unknown(f"{where} line 1: column", n, allowed)
        if len(set(names)) != len(names):
            raise SiliconomicsError(f"{where} line 1: a column is named twice")
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise SiliconomicsError(f"{where} line 1: missing column(s) {', '.join(missing)}")
        rows: list[dict[str, str]] = []
        seen: set[str] = set()
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) != len(names):
                raise SiliconomicsError(
                    f"{where} line {line}: {len(cells)} fields, expected {len(names)}"
                )
            if len(rows) >= MAX_MEASUREMENT_ROWS:
                raise SiliconomicsError(f"{where}: more than {MAX_MEASUREMENT_ROWS} rows")
            row = {c: "" for c in OPTIONAL_COLUMNS}
            row.update({n: c.strip() for n, c in zip(names, cells, strict=True)})
            row["benchmark"] = row["benchmark"] or "user"
            _check_row(row, f"{where} line {line}", catalog, seen)
            rows.append(row)
    except csv.Error as exc:
        raise SiliconomicsError(f"{where} line {reader.line_num}: malformed CSV: {exc}") from None
    if not rows:
        raise SiliconomicsError(f"{where} has a header but no rows")
    return rows


def _check_row(row: dict[str, str], at: str, catalog: Catalog, seen: set[str]) -> None:
    def bad(col: str, why: str) -> SiliconomicsError:
        return SiliconomicsError(f"{at} column {col}: {row[col]!r} {why}")

    for col in REQUIRED_COLUMNS:
        if not row[col]:
            raise SiliconomicsError(f"{at} column {col}: empty; it is required")
    if row["id"] in seen:
        raise bad("id", "is used by an earlier row; ids must be unique")
    seen.add(row["id"])
    if row["model"] not in catalog.models:
        raise unknown(f"{at} column model", row["model"], catalog.models)
    if row["hardware"] not in catalog.accelerators:
        raise unknown(f"{at} column hardware", row["hardware"], catalog.accelerators)
    if row["scenario"] not in SCENARIOS:
        raise unknown(f"{at} column scenario", row["scenario"], SCENARIOS)
    if row["metric"] not in METRICS:
        raise unknown(f"{at} column metric", row["metric"], METRICS)
    ints = ("chips", "input_len", "output_len", "concurrency", "tp", "pp", "ep")
    for col in ints:
        if row[col] and not (row[col].isdigit() and int(row[col]) >= 1):
            raise bad(col, "is not a positive whole number")
    for col in ("value", "request_rate_per_s"):
        if row[col]:
            try:
                v = float(row[col])
            except ValueError:
                raise bad(col, "is not a number") from None
            if not (math.isfinite(v) and v > 0):
                raise bad(col, "must be a positive finite number")
    formats = {"weights_dtype": WeightFormat, "kv_dtype": KVFormat}
    for col, kind in formats.items():
        if row[col] and row[col] != "fp16" and row[col] not in {f.value for f in kind}:
            raise unknown(f"{at} column {col}", row[col], [*(f.value for f in kind), "fp16"])
    if row["tp"] and int(row["chips"]) % int(row["tp"]):
        raise bad("tp", f"does not divide chips={row['chips']}")
    if not row["benchmark"].startswith("mlperf") and not (row["input_len"] and row["output_len"]):
        raise SiliconomicsError(
            f"{at} columns input_len, output_len: required unless the benchmark is an MLPerf "
            "round whose dataset lengths are known (benchmark mlperf-...)"
        )


def is_train(row_id: str) -> bool:
    """The calibration's training half: rows whose id hashes even (crc32). The other half
    is held out; benchmarks/calibrate.py fits on this half only."""
    return zlib.crc32(row_id.encode()) % 2 == 0


_ERROR_MODELS: dict[int, tuple[Catalog, ErrorModel]] = {}


def error_model(catalog: Catalog, report: Report | None = None) -> ErrorModel:
    """Prediction intervals from the held-out throughput residuals: every row predicted
    by the calibration fitted without its source's fold (:func:`heldout_points`;
    perf.uncertainty). Computed once per catalog (about two seconds) and kept."""
    hit = _ERROR_MODELS.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1]
    report = report or run(catalog, simulate=False, training=False)
    residuals = []
    for p in report.scored(THROUGHPUT):
        if p.method != HELD_OUT or not p.predicted:
            continue
        model = catalog.models.get(p.model)
        residuals.append(
            (p.vendor, bool(model and model.moe is not None), math.log(p.measured / p.predicted))
        )
    em = build_error_model(residuals)
    _ERROR_MODELS[id(catalog)] = (catalog, em)
    return em


# --- issue 12: training throughput with stated and searched layouts -----------------

TRAIN_TOKENS_METRIC = "tokens_per_s_per_chip"


def load_training_rows(path: Path | None = None) -> list[dict[str, str]]:
    path = path or data_dir() / "training_throughput.csv"
    with path.open() as f:
        return list(csv.DictReader(f))


def _stated(row: dict[str, str]) -> dict[str, Any]:
    """The layout fields a source states; blank ones are left to the search."""
    fixed: dict[str, Any] = {}
    for key in ("tp", "pp", "cp", "ep", "vp", "micro_batch"):
        v = _num(row.get(key, ""))
        if v is not None:
            fixed[key] = int(v)
    tp, pp, cp = fixed.get("tp", 1), fixed.get("pp", 1), fixed.get("cp", 1)
    fixed["dp"] = int(row["chips"]) // (tp * pp * cp)
    if (row.get("fsdp") or "").strip():
        fixed["fsdp"] = row["fsdp"].strip() == "1"
    return fixed


def predict_training_row(
    row: dict[str, str],
    catalog: Catalog,
    *,
    searched: bool,
    gemm_efficiency: float | None = None,
) -> tuple[perf_training.TrainStep, str]:
    """The step model's prediction for a published training run: with the source's stated
    layout (micro-batch, interleaving and recomputation searched where not stated; a stated
    layout the memory plan rejects is predicted anyway and says so), or with the whole
    layout searched."""
    model = catalog.model(row["model"])
    hw, _ = resolve_hardware(row["hardware"], catalog)
    hw = perf_training.training_hardware(hw, gemm_efficiency)
    seq = int(row["seq_len"])
    gbs = float(row["global_batch"]) * seq
    dtype = perf_training.parse_precision(row["precision"])
    chips = int(row["chips"])
    if searched:
        r = perf_training.search(
            model, hw, chips, seq_len=seq, global_batch_tokens=gbs, precision=dtype
        )
        return r.best, "searched"
    fixed = _stated(row)
    try:
        r = perf_training.search(
            model, hw, chips, seq_len=seq, global_batch_tokens=gbs, precision=dtype, fixed=fixed
        )
        return r.best, "stated"
    except SiliconomicsError:
        layout = perf_training.TrainLayout(
            tp=fixed.get("tp", 1),
            pp=fixed.get("pp", 1),
            dp=fixed["dp"],
            cp=fixed.get("cp", 1),
            ep=fixed.get("ep", 1),
            vp=fixed.get("vp", 1),
            micro_batch=fixed.get("micro_batch", 1),
            fsdp=fixed.get("fsdp", False),
        )
        step = perf_training.predict(
            model, hw, layout, seq_len=seq, global_batch_tokens=gbs, precision=dtype
        )
        return step, "stated; over the memory plan"


def training_throughput_points(
    catalog: Catalog, rows: list[dict[str, str]] | None = None, *, searched: bool = True
) -> list[Point]:
    """Each published training run twice: method ``training-stated`` (the source's layout)
    and ``training-searched`` (the layout search's best). ``tokens_per_s_per_chip`` rows
    compare tokens/s per chip; ``mfu`` rows (the Llama 3 paper) compare MFU against the
    bf16 peak, both under this model's causal FLOP accounting."""
    out = []
    for row in rows if rows is not None else load_training_rows():
        hw, _ = resolve_hardware(row["hardware"], catalog)
        base: dict[str, Any] = dict(
            id=row["id"],
            benchmark="published-training-throughput",
            model=row["model"],
            hardware=hw.chip.id,
            vendor=hw.chip.vendor,
            chips=int(row["chips"]),
            scenario="training",
            metric=row["metric"],
            measured=float(row["value"]),
            source=row["source"],
        )
        for search_all in (False, True) if searched else (False,):
            method = "training-searched" if search_all else "training-stated"
            try:
                step, how = predict_training_row(row, catalog, searched=search_all)
            except SiliconomicsError as exc:
                out.append(Point(**base, predicted=None, skipped=str(exc), method=method))
                continue
            value = step.mfu if row["metric"] == "mfu" else step.tokens_per_s_per_chip
            cfg = f"{how}: {step.layout.describe()} {step.precision}"
            out.append(Point(**base, predicted=value, config=cfg, method=method))
    return out


def p90(points: list[Point]) -> float:
    """90th percentile of |error| (nearest rank)."""
    errs = sorted(abs(p.error) for p in points if p.error is not None)
    return errs[min(len(errs) - 1, math.ceil(0.9 * len(errs)) - 1)]


def training_summary(
    points: list[Point], catalog: Catalog | None = None
) -> dict[str, dict[str, float]]:
    """Median and p90 |error| of the training predictions by method (stated / searched
    layout), on every row and on the held-out half (ids hashing odd: the training GEMM
    efficiency is fitted on the even half, benchmarks/calibrate_training.py), split by
    dense and MoE models when a catalog is given, and by chip and source."""
    out: dict[str, dict[str, float]] = {}
    groups: dict[str, list[Point]] = defaultdict(list)
    for p in points:
        if p.error is None or not p.method.startswith("training-"):
            continue
        method = p.method.removeprefix("training-")
        held = not is_train(p.id)
        kinds = [""]
        if catalog is not None and p.model in catalog.models:
            kinds.append(" moe" if catalog.models[p.model].moe is not None else " dense")
        for kind in kinds:
            groups[f"{method}{kind}"].append(p)
            if held:
                groups[f"{method}{kind} held-out"].append(p)
        if method == "stated":
            groups[f"stated {p.hardware}"].append(p)
            groups[f"stated {p.source}"].append(p)
    for name, ps in sorted(groups.items()):
        out[name] = {"median_abs_error": mape(ps), "p90_abs_error": p90(ps), "points": len(ps)}
    return out


_TRAIN_ERRORS: dict[int, tuple[Catalog, ErrorModel]] = {}


def training_error_model(catalog: Catalog) -> ErrorModel:
    """Intervals of training throughput from the held-out stated-layout residuals
    (rows hashing odd; the training GEMM efficiency is fitted on the even half), per vendor
    and dense/MoE (perf.uncertainty). Computed once per catalog and kept."""
    hit = _TRAIN_ERRORS.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1]
    residuals = []
    for p in training_throughput_points(catalog, searched=False):
        if p.method != "training-stated" or is_train(p.id) or not p.predicted:
            continue
        model = catalog.models.get(p.model)
        residuals.append(
            (p.vendor, bool(model and model.moe is not None), math.log(p.measured / p.predicted))
        )
    em = build_error_model(residuals)
    _TRAIN_ERRORS[id(catalog)] = (catalog, em)
    return em
