"""Gather every figure of the report by calling :mod:`siliconomics.api`; no I/O, no rendering.

:func:`gather` runs a fixed plan of api calls and returns a :class:`ReportData`: the raw
api answers (for the charts) and flat :class:`Table` objects (for the HTML tables and the
CSV files), whose column keys carry their unit as the api's keys do.

The report models nothing itself. The only arithmetic here is labelled as such in the
report: spec-per-dollar ratios of catalog numbers (HBM bandwidth or bf16 FLOP/s divided
by the TCO per chip-hour from ``api.cost``), a Spearman rank correlation of those specs
with the cost ranking (the "which specs decide it" paragraph), and one ratio of two
cost-per-query columns. Everything else is copied from api answers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from siliconomics import api
from siliconomics.catalog.api_prices import load_api_prices
from siliconomics.catalog.loader import Catalog
from siliconomics.econ.assumptions import default_assumptions, source_ids
from siliconomics.errors import SiliconomicsError
from siliconomics.report.scenario import Scenario, load_scenario
from siliconomics.serving import operating
from siliconomics.stamp import build_stamp


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # CSV header; names its unit like the api's keys
    label: str  # HTML header, with the unit
    fmt: str = "{}"  # Python format for the HTML cell; CSV keeps full precision


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the report: rendered in the HTML and written as ``<name>.csv``."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    note: str = ""


@dataclass(slots=True)
class ReportData:
    """Everything the report shows. ``raw`` keeps the api answers the charts are drawn from."""

    made_utc: str
    settings: dict[str, Any]
    scenario: Scenario
    catalog: Catalog
    tables: dict[str, Table] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    drivers_text: list[str] = field(default_factory=list)
    #: Answers worker processes returned whole (calls with no engine cache to warm: the
    #: training searches), by plan key; each is used once, by the step that asks for it.
    prefetched: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[str], None]


MODES = ("offline", "sla")


def models(data: ReportData) -> list[tuple[str, str]]:
    """(catalog id, display name) of the scenario's models."""
    return [(m, data.catalog.models[m].name) for m in data.scenario.models]


def _question(data: ReportData, mode: str) -> dict[str, Any]:
    """The api keyword arguments of the scenario's question in ``mode``."""
    sc = data.scenario
    q: dict[str, Any] = {
        "input_len": sc.input_len,
        "output_len": sc.output_len,
        "weights": list(sc.weights) or None,
        "precision": sc.precision,
        "catalog": data.catalog,
    }
    if mode == "sla":
        q |= sc.sla
    return q


def _config(row: dict[str, Any]) -> str:
    return f"{_deployment(row)} seqs {row['max_num_seqs']}"


def _deployment(p: dict[str, Any]) -> str:
    def par(d: dict[str, int]) -> str:
        return " ".join(f"{k}{d[k]}" for k in ("tp", "pp", "ep", "dp") if k == "tp" or d[k] != 1)

    if p.get("parallelism"):
        text = par(p["parallelism"])
    else:
        text = f"prefill {par(p['prefill_parallelism'])} + decode {par(p['decode_parallelism'])}"
    return f"{text} {p['weights']}/{p['kv']}"


# --------------------------------------------------------------------------- the plan


def _steps(sc: Scenario, catalog: Catalog) -> list[tuple[str, Callable[[ReportData], None]]]:
    steps: list[tuple[str, Callable[[ReportData], None]]] = []
    for model in sc.models:
        name = catalog.models[model].name if model in catalog.models else model
        for mode in MODES:
            label = "offline" if mode == "offline" else "interactive SLA"
            steps.append((f"{name}: cost and throughput, {label}", _chips_step(model, mode)))
    steps.append(("which specs decide it", _drivers))
    for model in sc.models:
        name = catalog.models[model].name if model in catalog.models else model
        steps.append((f"{name}: reasoning vs direct per query", _reasoning_step(model)))
    steps.append(("reasoning and small-vs-large tables", _query_tables))
    steps.append(("TCO per chip-hour vs market rental", _tco))
    steps.append((f"power-limited site: {sc.site_mw:g} MW", _datacenter))
    for hw in sc.frontier_hardware:
        steps.append((f"frontier: {sc.frontier_chips} x {hw}", _frontier_step(hw)))
    steps.append(("frontier table", _frontier_table))
    steps.append(("market: capex to vendor revenue, two scenarios", _market))
    for hw in sc.training_hardware:
        steps.append(
            (f"training: {sc.training_model} on {sc.training_chips} x {hw}", _train_step(hw))
        )
    steps.append((f"RL loop: {sc.rl_model} on {sc.rl_chips} x {sc.rl_hardware}", _rl_step))
    steps.append(("training tables", _training_tables))
    steps.append(("accuracy (held-out validation)", _accuracy))
    steps.append(("cost at market rental prices", _rental_costs))
    steps.append(("public API list prices", _api_prices))
    steps.append(("rental paths, cluster returns, API margins", _business))
    steps.append(("assumptions and sources", _assumptions))
    steps.append(("GPU vs ASIC tables and findings", _chip_tables))
    return steps


def step_count(scenario: Scenario | None = None, catalog: Catalog | None = None) -> int:
    """How many progress steps :func:`gather` reports (for a progress bar's total)."""
    cat = catalog or api.get_catalog()
    return len(_steps(scenario or load_scenario(cat), cat))


def gather(
    progress: Progress | None = None,
    *,
    scenario: Scenario | None = None,
    catalog: Catalog | None = None,
    overlay: str | None = None,
    now: datetime | None = None,
    jobs: int | None = None,
) -> ReportData:
    """Call the api for every figure of the report; ``progress(label)`` after each step.

    With ``jobs`` > 1 the simulation-heavy calls (cost tables, reasoning, frontier
    searches) run first on that many worker processes; each answer is the same as a
    direct api call's (the engine is deterministic), so the report equals the commands."""
    cat = catalog or api.get_catalog()
    sc = scenario or load_scenario(cat)
    sc.check(cat)
    when = now or datetime.now(UTC)
    made = when.strftime("%Y-%m-%d %H:%M UTC")
    data = ReportData(
        made_utc=made,
        settings={
            "models": list(sc.models),
            "input_len": sc.input_len,
            "output_len": sc.output_len,
            "ttft_limit_s": sc.ttft_p99_s,
            "tpot_limit_s": sc.tpot_p99_s,
            "precision": sc.precision or "explicit: " + "|".join(sc.weights),
            "hidden_tokens": sc.hidden_tokens,
            "visible_tokens": sc.visible_tokens,
            "best_of_k": sc.best_of_k,
            "frontier_model": sc.frontier_model,
            "frontier_chips": sc.frontier_chips,
            "frontier_hardware": list(sc.frontier_hardware),
            "overrides": dict(sc.overrides),
            "catalog_overlay": overlay,
            "econ_as_of": default_assumptions().as_of,
            "stamp": build_stamp(cat, now=when),
        },
        scenario=sc,
        catalog=cat,
    )
    data.raw["catalog"] = cat
    data.raw["accelerators"] = {r["id"]: r for r in api.catalog_list("accelerator", cat)}
    _prefetch(data, jobs, progress)
    for label, step in _steps(sc, cat):
        step(data)
        if progress is not None:
            progress(label)
    return data


# --------------------------------------------------------------------------- api calls
#
# The heavy calls are planned once (key, api function, keyword arguments without the
# catalog) so they can run in worker processes first and be looked up by the steps.


def _cost_call(
    data: ReportData, model: str, mode: str, *, rental: bool = False
) -> tuple[str, dict[str, Any]]:
    kw = {k: v for k, v in _question(data, mode).items() if k != "catalog"}
    kw |= {
        "hardware": data.scenario.hardware_ids(data.catalog),
        "overrides": dict(data.scenario.overrides) or None,
        "rental": rental,
    }
    return f"cost/{model}/{mode}/{'rental' if rental else 'tco'}", {"model": model, **kw}


def _reasoning_call(data: ReportData, model: str, hw: str, k: int) -> tuple[str, dict[str, Any]]:
    sc = data.scenario
    small = sc.small_model if model == sc.models[0] and sc.small_model != model else None
    return f"reasoning/{model}/{hw}/{k}", {
        "model": model,
        "hardware": hw,
        "hidden_tokens": sc.hidden_tokens,
        "visible_tokens": sc.visible_tokens,
        "input_len": sc.input_len,
        "samples": k,
        "small_model": small,
        "weights": list(sc.weights) or None,
        "precision": sc.precision,
        "overrides": dict(sc.overrides) or None,
    }


def _frontier_call(data: ReportData, hw: str) -> tuple[str, dict[str, Any]]:
    sc = data.scenario
    return f"frontier/{hw}", {
        "model": sc.frontier_model,
        "hardware": hw,
        "chips": sc.frontier_chips,
        "input_len": sc.input_len,
        "output_len": sc.output_len,
        "weights": list(sc.weights) or None,
        "precision": sc.precision,
        "ttft_p99_s": sc.ttft_p99_s,
        "tpot_p99_s": sc.tpot_p99_s,
    }


def _datacenter_call(data: ReportData) -> tuple[str, dict[str, Any]]:
    sc = data.scenario
    kw = {k: v for k, v in _question(data, "sla").items() if k != "catalog"}
    return f"datacenter/{sc.site_mw:g}", {
        "power_mw": sc.site_mw,
        "facility": True,
        "model": sc.frontier_model,
        "overrides": dict(sc.overrides) or None,
        **kw,
    }


Call = tuple[str, str, dict[str, Any]]


def _plan(data: ReportData) -> list[list[Call]]:
    """The report's simulations as api calls (key, api function, keyword arguments), in
    groups that share step caches, the slowest first: a model on one chip, offline and at
    the SLA; a frontier system; a model's reasoning on a chip at every best-of-K."""
    sc = data.scenario
    groups: list[list[Call]] = []
    for model in reversed(sc.models):
        for hw in sc.hardware_ids(data.catalog):
            group: list[Call] = []
            for mode in ("sla", "offline"):
                key, kw = _cost_call(data, model, mode)
                group.append(("cost", f"{key}/{hw}", {**kw, "hardware": [hw]}))
            groups.append(group)
    groups.append([("rl_cost", *_rl_call(data))])
    for hw in sc.frontier_hardware:
        groups.append([("throughput", *_frontier_call(data, hw))])
    groups.append([("datacenter_compare", *_datacenter_call(data))])
    # the market chain's reference operating points (one per vendor family)
    groups.append([("market", "market/base", {"scenario": "base", "draws": 1})])
    for model in sc.models:
        for hw in sc.query_chips:
            groups.append(
                [("reasoning", *_reasoning_call(data, model, hw, k)) for k in (1, sc.best_of_k)]
            )
    for hw in sc.training_hardware:
        groups.append([("train", *_train_call(data, hw))])
    return [[(key, fn, kw) for fn, key, kw in g] for g in groups]


def _call(data: ReportData, key: str, fn: str, kw: dict[str, Any]) -> dict[str, Any]:
    """The api's answer (its operating points come from the engine's cache when the
    prefetch warmed it; a call in :data:`ANSWERED` comes whole from the worker that ran it,
    its error as the same one line)."""
    if key in data.prefetched:
        got = data.prefetched.pop(key)
        if isinstance(got, str):
            raise SiliconomicsError(got)
        answer: dict[str, Any] = got
        return answer
    out: dict[str, Any] = getattr(api, fn)(**kw, catalog=data.catalog)
    return out


#: api functions whose answer the worker sends back whole: their work (the training layout
#: search) has no engine cache the main process could reuse, and the answer is small.
ANSWERED = frozenset({"train", "rl_cost"})


#: The catalog worker processes use: set before the pool forks, so it is inherited.
_WORKER_CATALOG: list[Catalog] = []


def _work(
    group: list[Call],
) -> tuple[str, list[tuple[Any, Any]], dict[str, Any]]:
    """Run a group of calls in a worker; return its first key, the engine-cache entries
    the calls created (an error is the api's to report again when a step asks) and the
    answers (or error lines) of the calls in :data:`ANSWERED`."""
    before = set(operating.cached_questions())
    answers: dict[str, Any] = {}
    for key, fn, kw in group:
        try:
            out = getattr(api, fn)(**kw, catalog=_WORKER_CATALOG[0])
        except SiliconomicsError as exc:
            if fn in ANSWERED:
                answers[key] = str(exc)
            continue
        if fn in ANSWERED:
            answers[key] = out
    entries = [(k, v) for k, v in operating.cached_items() if k not in before]
    return group[0][0], entries, answers


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops the pool and says so once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _jobs(jobs: int | None) -> int:
    """Worker processes: ``jobs``, else up to 2 where the CPUs allow (on the 2-core reference
    machine two workers build the report 1.7x faster than one: benchmarks/report_speed.py);
    1 where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(jobs if jobs is not None else 2, cpus))


def _prefetch(data: ReportData, jobs: int | None, progress: Progress | None) -> None:
    """Run the planned simulations on worker processes (forked, so the catalog and the
    error model are inherited) and put the operating points they found into this
    process's engine cache: the steps then ask the api as usual and get the same answers
    (the engine is deterministic and its cache key holds every input), at once."""
    n = _jobs(jobs)
    plan = _plan(data)
    if n < 2:
        return
    api.error_model(data.catalog)  # once, before the fork: the workers inherit it
    api.training_error_model(data.catalog)
    _WORKER_CATALOG[:] = [data.catalog]
    pool = multiprocessing.get_context("fork").Pool(n, initializer=_ignore_interrupts)
    try:
        for group_key, entries, answers in _as_completed(pool.imap_unordered(_work, plan)):
            operating.remember(entries)
            data.prefetched.update(answers)
            if progress is not None:
                progress(f"simulated {group_key}")
    except BaseException:
        pool.terminate()  # Ctrl-C or an error: stop the workers now, not after the queue
        raise
    else:
        pool.close()
    finally:
        pool.join()
        _WORKER_CATALOG.clear()


#: How often the main thread wakes while it waits for a worker's answer.
_POLL_S = 0.25


def _as_completed(results: Any) -> Iterator[Any]:
    """The pool's answers as they come, waiting in short slices.

    Ctrl-C reaches a process as SIGINT, which the kernel may hand to any of its threads (the
    pool's and rich's included); a main thread blocked without a timeout would not wake to
    raise KeyboardInterrupt until the next answer came, which can take seconds. A timed wait
    lets Python act on the signal within ``_POLL_S``.
    """
    while True:
        try:
            yield results.next(timeout=_POLL_S)
        except multiprocessing.TimeoutError:
            continue
        except StopIteration:
            return


def prefetch_count(scenario: Scenario, catalog: Catalog, jobs: int | None = None) -> int:
    """Progress steps the prefetch reports (0 when it runs in this process)."""
    if _jobs(jobs) < 2:
        return 0
    stub = ReportData("", {}, scenario, catalog)
    return len(_plan(stub))


# --------------------------------------------------------------------------- GPU vs ASIC


def _chips_step(model: str, mode: str) -> Callable[[ReportData], None]:
    def run(data: ReportData) -> None:
        key, kw = _cost_call(data, model, mode)
        c = _call(data, key, "cost", kw)
        data.raw[f"cost/{model}/{mode}"] = c
        data.raw[f"perf/{model}/{mode}"] = api.performance_of(c)

    return run


CHIP_COLUMNS = (
    Column("accelerator", "chip"),
    Column("chip_kind", "kind"),
    Column("validation", "validation"),
    Column("cost_rank_offline", "cost rank, offline (by USD / request)", "{:.0f}"),
    Column("usd_per_request_offline", "USD / request, offline", "{:.3g}"),
    Column("within_error_offline", "within error of the cheapest, offline"),
    Column("cost_rank_sla", "cost rank, SLA (by USD / request)", "{:.0f}"),
    Column("usd_per_request_sla", "USD / request, SLA", "{:.3g}"),
    Column("usd_per_million_output_tokens_offline", "USD / M output tokens, offline", "{:.3f}"),
    Column("usd_per_million_output_tokens_sla", "USD / M output tokens, SLA", "{:.3f}"),
    Column("output_tokens_per_s_per_chip_offline", "output tok/s per chip, offline", "{:,.0f}"),
    Column("output_tokens_per_s_per_chip_sla", "output tok/s per chip, SLA", "{:,.0f}"),
    Column("output_tokens_per_joule_offline", "output tok/J (IT power), offline", "{:.2f}"),
    Column("output_tokens_per_joule_sla", "output tok/J (IT power), SLA", "{:.2f}"),
    Column("usd_per_chip_hour", "TCO USD / chip-hour", "{:.2f}"),
    Column("output_tokens_per_capex_usd_offline", "lifetime output tokens / capex USD", "{:,.0f}"),
    Column("chips_offline", "chips per replica, offline", "{:.0f}"),
    Column("config_offline", "configuration, offline"),
    Column("config_sla", "configuration, SLA"),
    Column("cost_status", "cost"),
)

_INTERVAL_KEYS = (
    "usd_per_request",
    "usd_per_million_output_tokens",
    "output_tokens_per_s_per_chip",
    "output_tokens_per_joule",
)


def _with_interval(r: dict[str, Any], src: dict[str, Any], key: str, mode: str) -> None:
    r[f"{key}_{mode}"] = src.get(key)
    if src.get(f"{key}_low") is not None:
        r[f"{key}_{mode}_low"] = src[f"{key}_low"]
        r[f"{key}_{mode}_high"] = src[f"{key}_high"]


def _validation_text(row: dict[str, Any]) -> str:
    iv = row["interval"]
    if not row["validated"]:
        return "unvalidated: no published measurements of its family (prior efficiencies)"
    return f"validated: {iv['group']}, {iv['points']} held-out points"


def _chip_table(data: ReportData, model: str, name: str) -> Table:
    rows: dict[str, dict[str, Any]] = {}
    for mode in MODES:
        for p in data.raw[f"perf/{model}/{mode}"]["rows"]:
            r = rows.setdefault(
                p["accelerator"],
                {
                    "accelerator": p["accelerator"],
                    "chip_kind": p["chip_kind"],
                    "validation": _validation_text(p),
                },
            )
            for key in ("output_tokens_per_s_per_chip", "output_tokens_per_joule"):
                _with_interval(r, p, key, mode)
            r[f"chips_{mode}"] = p["chips"]
            r[f"config_{mode}"] = _config(p)
        c = data.raw[f"cost/{model}/{mode}"]
        for row in c["rows"]:
            r = rows[row["accelerator"]]
            r[f"cost_rank_{mode}"] = row["rank"]
            for key in ("usd_per_request", "usd_per_million_output_tokens"):
                _with_interval(r, row, key, mode)
            r[f"within_error_{mode}"] = "yes" if row["within_error_of_best"] else "no"
            r["usd_per_chip_hour"] = row["usd_per_chip_hour"]
            if mode == "offline":
                r["output_tokens_per_capex_usd_offline"] = row["output_tokens_per_capex_usd"]
        for un in c["unpriced"]:
            if un["accelerator"] in rows:
                rows[un["accelerator"]]["cost_status"] = un["cost_status"].replace("_", " ")
    for r in rows.values():
        r.setdefault("cost_status", "costed" if "cost_rank_offline" in r else "-")
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            r.get("cost_rank_offline", 1e9),
            -r.get("output_tokens_per_s_per_chip_offline", 0.0),
            r["accelerator"],
        ),
    )
    sc = data.scenario
    return Table(
        f"chips_{model}",
        f"{name}: every chip that can run it ({sc.input_len} in / {sc.output_len} out tokens, "
        f"{data.settings['precision']} precision)",
        CHIP_COLUMNS,
        ordered,
        note=(
            "Every figure is an operating point of the one engine (simulated), with its 80% "
            "interval from held-out validation residuals in brackets. Offline = best "
            f"throughput, no latency limit. SLA = simulated p99 TTFT <= {sc.ttft_p99_s:g} s and "
            f"p99 TPOT <= {sc.tpot_p99_s * 1e3:g} ms under load. Ranked by USD per request "
            "(input and output); 'within error' = its cost interval overlaps the cheapest "
            "chip's. Chips without a sourced price have throughput and (where power is "
            "sourced) tokens per joule but no cost."
        ),
    )


def _skipped_table(data: ReportData) -> Table:
    rows: list[dict[str, Any]] = []
    for model, _ in models(data):
        runs = {p["accelerator"] for p in data.raw[f"perf/{model}/offline"]["rows"]}
        for sk in data.raw[f"cost/{model}/offline"]["skipped"]:
            if sk["status"] != "cannot_run" and sk["accelerator"] in runs:
                rows.append(
                    {
                        "model": model,
                        "accelerator": sk["accelerator"],
                        "status": sk["status"],
                        "reason": sk["reason"],
                    }
                )
        for sk in data.raw[f"perf/{model}/offline"]["skipped"]:
            rows.append({"model": model, **sk})
        offline = {p["accelerator"] for p in data.raw[f"perf/{model}/offline"]["rows"]}
        for sk in data.raw[f"perf/{model}/sla"]["skipped"]:
            if sk["accelerator"] in offline:
                rows.append({"model": model, **sk})
    return Table(
        "skipped",
        "Chips left out, and why",
        (
            Column("model", "model"),
            Column("accelerator", "chip"),
            Column("status", "status"),
            Column("reason", "reason (from the api)"),
        ),
        rows,
        note=(
            "missing price / missing power: the chip runs the model (its throughput is in the "
            "table above) but has no sourced purchase price or power, so it has no cost. "
            "cannot run: the model does not fit or a format is unsupported (the reason is the "
            "offline one). misses SLA: runs offline, but no configuration meets the SLA."
        ),
    )


def _chip_tables(data: ReportData) -> None:
    for model, name in models(data):
        t = _chip_table(data, model, name)
        data.tables[t.name] = t
    data.tables["skipped"] = _skipped_table(data)
    data.findings = _findings(data)


def _winner(rows: list[dict[str, Any]], key: str) -> tuple[str, list[str]]:
    """The cheapest row's chip if it wins at the conservative end of its interval (its
    high cost below every other chip's central cost), and the chips within error of it."""
    if not rows:
        return "", []
    best = rows[0]
    within = [r["accelerator"] for r in rows[1:] if r["within_error_of_best"]]
    clear = all(best[f"{key}_high"] < r[key] for r in rows[1:])
    return (best["accelerator"] if clear else ""), within


def _rewithin(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (ranked) with ``within_error_of_best`` recomputed against their own first."""
    if not rows:
        return rows
    lo, hi = rows[0]["usd_per_request_low"], rows[0]["usd_per_request_high"]
    return [
        {
            **r,
            "within_error_of_best": r["usd_per_request_low"] <= hi
            and lo <= r["usd_per_request_high"],
        }
        for r in rows
    ]


def _findings(data: ReportData) -> list[str]:
    out: list[str] = []
    for model, name in models(data):
        parts = []
        for mode, label in (("offline", "offline"), ("sla", "at the SLA")):
            rows = data.raw[f"cost/{model}/{mode}"]["rows"]
            if not rows:
                parts.append(f"{label}: no priced chip meets it")
                continue
            winner, within = _winner(rows, "usd_per_request")
            r = rows[0]
            validated = [x for x in rows if x["validated"]]
            note = ""
            if not r["validated"] and validated:
                # The cheapest central estimate is a prior: say what the measured chips say.
                v_win, _ = _winner(_rewithin(validated), "usd_per_request")
                v = validated[0]
                note = (
                    f"; among validated chips {label}: "
                    + (
                        f"{v_win} is cheapest even at the pessimistic end"
                        if v_win
                        else f"{v['accelerator']} has the lowest central cost, within error of "
                        + ", ".join(
                            x["accelerator"]
                            for x in _rewithin(validated)[1:]
                            if x["within_error_of_best"]
                        )
                    )
                    + f" ({v['usd_per_million_output_tokens']:.3f} USD per million output "
                    f"tokens, {v['usd_per_million_output_tokens_low']:.3f}-"
                    f"{v['usd_per_million_output_tokens_high']:.3f})"
                )
            cost = (
                f"{r['usd_per_million_output_tokens']:.3f} USD per million output tokens "
                f"({r['usd_per_million_output_tokens_low']:.3f}-"
                f"{r['usd_per_million_output_tokens_high']:.3f})"
            )
            if winner:
                parts.append(
                    f"{label} {winner} is cheapest even at the pessimistic end, {cost}" + note
                )
            else:
                tied = ", ".join([r["accelerator"], *within])
                parts.append(
                    f"{label} no clear winner: {tied} are within error of each other (lowest "
                    f"central estimate {r['accelerator']}, {cost}"
                    + ("; UNVALIDATED" if not r["validated"] else "")
                    + ")"
                    + note
                )
        text = f"<b>{name}</b>: " + "; ".join(parts) + "."
        unval = sorted(
            {p["accelerator"] for p in data.raw[f"perf/{model}/offline"]["rows"]}
            - {
                p["accelerator"]
                for p in data.raw[f"perf/{model}/offline"]["rows"]
                if p["validated"]
            }
        )
        if unval:
            text += (
                f" <i>Unvalidated (no published measurements; prior efficiencies and the widest "
                f"interval): {', '.join(unval)}.</i>"
            )
        out.append(text)
    unpriced = sorted(
        {
            sk["accelerator"]
            for model, _ in models(data)
            for sk in data.raw[f"cost/{model}/offline"]["skipped"]
            if sk["status"] in ("missing_price", "missing_power")
        }
    )
    if unpriced:
        out.append(
            f"<b>{len(unpriced)} chips have no cost</b> for want of a sourced purchase price or "
            f"power: {', '.join(unpriced)}. Their throughput is shown; their cost is not guessed."
        )
    rq = data.raw.get("reasoning_rows", [])
    factors = [r["factor_total"] for r in rq if r["samples"] == 1]
    if factors:
        sc = data.scenario
        out.append(
            f"<b>Reasoning</b> ({sc.hidden_tokens:,} hidden + {sc.visible_tokens} visible tokens) "
            f"costs {min(factors):.0f}x to {max(factors):.0f}x a direct {sc.visible_tokens}-token "
            f"answer per query, against "
            f"{(sc.hidden_tokens + sc.visible_tokens) / sc.visible_tokens:.0f}x "
            "the tokens: the rest is the batch lost to the larger KV cache."
        )
    return out


# --------------------------------------------------------------------------- spec drivers


def _drivers(data: ReportData) -> None:
    costs = {
        model: {mode: data.raw[f"cost/{model}/{mode}"] for mode in MODES}
        for model, _ in models(data)
    }
    d = api.spec_drivers(costs, data.catalog)
    corr_rows = d["correlations"]
    data.tables["chip_specs"] = Table(
        "chip_specs",
        "Catalog specs of the priced chips, per TCO dollar (derived in this report)",
        (
            Column("accelerator", "chip"),
            Column("chip_kind", "kind"),
            Column("usd_per_chip_hour", "TCO USD / chip-hour", "{:.2f}"),
            Column("hbm_bytes", "HBM (bytes)", "{:.3g}"),
            Column("hbm_bandwidth_bytes_per_s", "HBM bandwidth (bytes/s)", "{:.3g}"),
            Column("bf16_flop_per_s", "bf16 dense (FLOP/s)", "{:.3g}"),
            Column(
                "hbm_bandwidth_per_usd_hour",
                "HBM bandwidth per USD/chip-hour (bytes/s per USD/h)",
                "{:.3g}",
            ),
            Column(
                "bf16_flop_per_s_per_usd_hour",
                "bf16 FLOP/s per USD/chip-hour (FLOP/s per USD/h)",
                "{:.3g}",
            ),
        ),
        d["specs"],
        note="Specs from the catalog; TCO per chip-hour from api.cost (api.spec_drivers).",
    )
    data.tables["spec_drivers"] = Table(
        "spec_drivers",
        "Which specs decide it: Spearman rank correlation (derived in this report)",
        (
            Column("model", "model"),
            Column("mode", "mode"),
            Column("spec_label", "spec"),
            Column("chips", "chips", "{:.0f}"),
            Column("spearman_rho_vs_cost", "rho vs USD / M output tokens", "{:+.2f}"),
            Column(
                "spearman_rho_vs_tokens_per_s_per_chip", "rho vs output tok/s per chip", "{:+.2f}"
            ),
        ),
        corr_rows,
        note=(
            "rho = -1: the more of this spec, the cheaper the tokens, in perfect rank order; "
            "+1 for tokens/s means more spec, more throughput. Few chips: read as a tendency."
        ),
    )
    data.drivers_text = _drivers_text(data, corr_rows)


def _drivers_text(data: ReportData, corr_rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for model, name in models(data):
        cost = [
            r
            for r in corr_rows
            if r["model"] == model and r["mode"] == "offline" and r.get("spearman_rho_vs_cost")
        ]
        perf = [
            r
            for r in corr_rows
            if r["model"] == model
            and r["mode"] == "offline"
            and r.get("spearman_rho_vs_tokens_per_s_per_chip") is not None
        ]
        if not cost:
            continue
        best = min(cost, key=lambda r: r["spearman_rho_vs_cost"])
        listed = ", ".join(
            f"{r['spec_label']} rho = {r['spearman_rho_vs_cost']:+.2f}"
            for r in sorted(cost, key=lambda r: r["spearman_rho_vs_cost"])
        )
        text = (
            f"<b>{name}</b> (offline, {best['chips']} priced chips): cost per million output "
            f"tokens falls most consistently with <i>{best['spec_label']}</i> "
            f"(rho = {best['spearman_rho_vs_cost']:+.2f}). All: {listed}."
        )
        if perf:
            p = max(perf, key=lambda r: r["spearman_rho_vs_tokens_per_s_per_chip"])
            text += (
                f" Over all {p['chips']} chips that run it, output tokens/s per chip follows "
                f"{p['spec_label']} (rho = {p['spearman_rho_vs_tokens_per_s_per_chip']:+.2f})."
            )
        out.append(text)
    return out


# --------------------------------------------------------------------------- reasoning


def _reasoning_step(model: str) -> Callable[[ReportData], None]:
    def run(data: ReportData) -> None:
        for hw in data.scenario.query_chips:
            for k in (1, data.scenario.best_of_k):
                key, kw = _reasoning_call(data, model, hw, k)
                try:
                    data.raw[key] = _call(data, key, "reasoning", kw)
                except SiliconomicsError as exc:
                    data.raw[key] = {"error": str(exc)}

    return run


def _query_tables(data: ReportData) -> None:
    sc = data.scenario
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for model, _ in models(data):
        for hw in data.scenario.query_chips:
            for k in (1, data.scenario.best_of_k):
                r = data.raw[f"reasoning/{model}/{hw}/{k}"]
                if "error" in r:
                    if k == 1:
                        skipped.append({"model": model, "accelerator": hw, "reason": r["error"]})
                    continue
                f = r["factor_over_direct"]
                d, q = r["direct"], r["reasoning"]
                rows.append(
                    {
                        "model": model,
                        "accelerator": hw,
                        "samples": k,
                        "direct_usd_per_query": d["usd_per_query"],
                        "reasoning_usd_per_query": q["usd_per_query"],
                        "factor_total": f["total"],
                        "factor_more_tokens": f["more_tokens"],
                        "factor_lost_batch": f["lost_batch"],
                        "factor_step_time": f["step_time"],
                        "factor_chips": f["chips"],
                        "factor_samples": f["samples"],
                        "direct_batch": d["batch"],
                        "reasoning_batch": q["batch"],
                        "reasoning_latency_s": q["latency_s"],
                        "reasoning_time_to_visible_s": q["time_to_visible_s"],
                    }
                )
    data.raw["reasoning_rows"] = rows
    data.raw["reasoning_skipped"] = skipped
    data.tables["reasoning"] = Table(
        "reasoning",
        f"Cost per query: reasoning ({sc.hidden_tokens:,} hidden + {sc.visible_tokens} visible "
        f"tokens, {sc.input_len}-token prompt) vs a direct {sc.visible_tokens}-token answer",
        (
            Column("model", "model"),
            Column("accelerator", "chip"),
            Column("samples", "samples (best-of-K)", "{:.0f}"),
            Column("direct_usd_per_query", "direct USD / query", "{:.5f}"),
            Column("reasoning_usd_per_query", "reasoning USD / query", "{:.5f}"),
            Column("factor_total", "total factor (x)", "{:.1f}"),
            Column("factor_more_tokens", "more tokens (x)", "{:.1f}"),
            Column("factor_lost_batch", "lost batch (x)", "{:.2f}"),
            Column("factor_step_time", "step time (x)", "{:.2f}"),
            Column("factor_chips", "chips (x)", "{:.2f}"),
            Column("factor_samples", "samples (x)", "{:.2f}"),
            Column("direct_batch", "batch, direct", "{:.0f}"),
            Column("reasoning_batch", "batch, reasoning", "{:.0f}"),
            Column("reasoning_latency_s", "reasoning latency (s)", "{:,.1f}"),
            Column("reasoning_time_to_visible_s", "time to visible answer (s)", "{:,.1f}"),
        ),
        rows,
        note=(
            "total = more tokens x lost batch x step time x chips x samples (api.reasoning). "
            f"Best-of-{sc.best_of_k} decodes {sc.best_of_k} samples that share one prefill. "
            "Offline operating point (no latency limit)."
        ),
    )
    small_rows: list[dict[str, Any]] = []
    for hw in data.scenario.query_chips:
        row: dict[str, Any] = {"accelerator": hw}
        for model, _ in models(data):
            r = data.raw[f"reasoning/{model}/{hw}/1"]
            if "error" in r:
                continue
            row[f"{model}_direct_usd_per_query"] = r["direct"]["usd_per_query"]
            row[f"{model}_reasoning_usd_per_query"] = r["reasoning"]["usd_per_query"]
            row[f"{model}_chips"] = r["direct"]["chips"]
        big, small = "llama-3.1-70b_direct_usd_per_query", "llama-3.1-8b_direct_usd_per_query"
        if big in row and small in row:
            row["ratio_70b_over_8b_direct"] = row[big] / row[small]
        small_rows.append(row)
    cols = [Column("accelerator", "chip")]
    for model, name in models(data):
        cols += [
            Column(f"{model}_chips", f"{name}: chips per replica", "{:.0f}"),
            Column(f"{model}_direct_usd_per_query", f"{name}: direct USD / query", "{:.5f}"),
            Column(f"{model}_reasoning_usd_per_query", f"{name}: reasoning USD / query", "{:.5f}"),
        ]
    cols.append(Column("ratio_70b_over_8b_direct", "70B / 8B, direct (x, derived)", "{:.1f}"))
    data.tables["small_vs_large"] = Table(
        "small_vs_large",
        "Small vs large model: cost per query on the same chip",
        tuple(cols),
        small_rows,
        note=(
            f"Direct = {sc.visible_tokens} output tokens; reasoning = {sc.hidden_tokens:,} + "
            f"{sc.visible_tokens}; {sc.input_len}-token prompt. Chips per replica = the fewest "
            "chips the model's cost-optimal configuration uses (1 = it fits on one chip). "
            "Blank: the model does not run on that chip."
        ),
    )


# --------------------------------------------------------------------------- TCO


def _tco(data: ReportData) -> None:
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    rentals: list[dict[str, Any]] = []
    for acc in sorted(data.raw["accelerators"]):
        try:
            t = api.tco(acc, overrides=dict(data.scenario.overrides) or None, catalog=data.catalog)
        except SiliconomicsError as exc:
            skipped.append({"accelerator": acc, "reason": str(exc)})
            continue
        data.raw[f"tco/{acc}"] = t
        m = t["market"]
        cp = t["chip_price"]
        rows.append(
            {
                "accelerator": acc,
                "chip_kind": t["chip_kind"],
                **{f"{k}_usd_per_hour": v for k, v in t["lines_usd_per_hour"].items()},
                "total_usd_per_hour": t["total_usd_per_hour"],
                "market_median_usd_per_hour": m["median_recent_usd_per_hour"],
                "market_since": m["recent_since"],
                "tco_over_market_median": m["tco_over_market_median"],
                "chip_price_usd": cp["value_usd"],
                "chip_price_basis": cp["basis"],
                "chip_price_source": f"{cp['source']} {cp['date']}",
                "it_power_w_per_chip": t["it_power_w_per_chip"],
                "capex_usd_total": t["capex_usd"]["total"],
            }
        )
        for p in m["latest"]:
            rentals.append({"accelerator": acc, **p})
    data.raw["tco_skipped"] = skipped
    lines = ("chip", "server", "network", "facility", "power", "maintenance")
    data.tables["tco"] = Table(
        "tco",
        "TCO per chip-hour, line by line, vs market rental prices",
        (
            Column("accelerator", "chip"),
            Column("chip_kind", "kind"),
            *(Column(f"{k}_usd_per_hour", f"{k} (USD/h)", "{:.3f}") for k in lines),
            Column("total_usd_per_hour", "TCO total (USD/h)", "{:.3f}"),
            Column("market_median_usd_per_hour", "market rental median (USD/h)", "{:.2f}"),
            Column("market_since", "rental prices dated"),
            Column("tco_over_market_median", "TCO / market", "{:.2f}"),
            Column("chip_price_usd", "chip price (USD)", "{:,.0f}"),
            Column("chip_price_basis", "price covers"),
            Column("chip_price_source", "price source, date"),
            Column("it_power_w_per_chip", "IT power per chip (W)", "{:,.0f}"),
            Column("capex_usd_total", "all-in capex per chip (USD)", "{:,.0f}"),
        ),
        rows,
        note="api.tco for every chip with a sourced price and power. Rental: newest-year median.",
    )
    data.tables["rentals"] = Table(
        "rentals",
        "Market rental prices (newest first, up to 5 per chip)",
        (
            Column("accelerator", "chip"),
            Column("value_usd_per_hour", "USD per chip-hour", "{:.2f}"),
            Column("date", "date"),
            Column("provider", "provider"),
            Column("commitment", "commitment"),
            Column("source", "source"),
        ),
        rentals,
    )
    data.tables["tco_skipped"] = Table(
        "tco_skipped",
        "Chips without a TCO, and why",
        (Column("accelerator", "chip"), Column("reason", "reason (from the api)")),
        skipped,
    )


# --------------------------------------------------------------------------- datacenter


def _datacenter(data: ReportData) -> None:
    """The power-limited comparison (api.datacenter_compare): every system with a rack
    design on the same facility power, serving the frontier model at the interactive SLA."""
    sc = data.scenario
    key, kw = _datacenter_call(data)
    r = _call(data, key, "datacenter_compare", kw)
    data.raw["datacenter"] = r
    rows = []
    for row in r["rows"]:
        rows.append(
            {
                **row,
                "facility_power_mw": row["facility_power_w"] / 1e6,
                "capex_musd": None if row["capex_usd"] is None else row["capex_usd"] / 1e6,
                "network_share_pct": None
                if row["network_share_of_capex"] is None
                else 100 * row["network_share_of_capex"],
                "validation": _validation_text(row) if "validated" in row else None,
                "not_costed": "; ".join(row["not_costed"]),
            }
        )
    data.tables["datacenter"] = Table(
        "datacenter",
        f"A {sc.site_mw:g} MW site (facility power): what each system delivers serving "
        f"{sc.frontier_model} at the interactive SLA",
        (
            Column("system", "system"),
            Column("chips", "chips", "{:,.0f}"),
            Column("racks", "racks", "{:,.0f}"),
            Column("facility_power_mw", "facility MW", "{:.1f}"),
            Column("switches_total", "scale-out switches", "{:,.0f}"),
            Column("transceivers_total", "transceivers", "{:,.0f}"),
            Column("capex_musd", "capex (M USD)", "{:,.0f}"),
            Column("network_share_pct", "network share of capex (%)", "{:.1f}"),
            Column("output_tokens_per_year", "output tokens / year", "{:.3g}"),
            Column("usd_per_million_output_tokens", "site USD / M output tokens", "{:.3f}"),
            Column("validation", "validation"),
            Column("not_costed", "not costed"),
        ),
        rows,
        note="api.datacenter_compare. Capex levelled over its life plus electricity and "
        "maintenance, over the output tokens the site makes at the operating point all year. "
        "Skipped (no rack definition, sourced power or price): "
        + ", ".join(s["system"] for s in r["skipped"]),
    )


# --------------------------------------------------------------------------- frontier


RENTAL_COLUMNS = (
    Column("rank", "rank", "{:.0f}"),
    Column("accelerator", "chip"),
    Column("chip_kind", "kind"),
    Column("usd_per_chip_hour", "on-demand USD / chip-hour (median)", "{:.2f}"),
    Column("price_year", "year quoted"),
    Column("usd_per_million_output_tokens", "USD / M output tokens", "{:.3f}"),
    Column("usd_per_million_input_tokens", "USD / M input tokens", "{:.3f}"),
    Column("output_tokens_per_s_per_chip", "output tok/s per chip", "{:,.0f}"),
    Column("chips", "chips per replica", "{:.0f}"),
    Column("validation", "validation"),
)


def _rental_costs(data: ReportData) -> None:
    """The renter's view: every chip with an on-demand rental quote, TPUs included."""
    sc = data.scenario
    key, kw = _cost_call(data, sc.frontier_model, "offline", rental=True)
    r = _call(data, key, "cost", kw)
    rows = [{**row, "validation": _validation_text(row)} for row in r["rows"]]
    data.tables["rental_costs"] = Table(
        "rental_costs",
        f"{sc.frontier_model}, offline, priced at the median on-demand rental rate of the newest "
        "year quoted (the renter's view; margins included, so GPUs and TPUs compare as rented)",
        RENTAL_COLUMNS,
        rows,
    )


def _api_prices(data: ReportData) -> None:
    """Public API list prices for the scenario's models beside our offline cost."""
    ours = {
        m: data.raw[f"cost/{m}/offline"]["rows"][0]
        for m in data.scenario.models
        if data.raw[f"cost/{m}/offline"]["rows"]
    }
    rows = []
    for p in load_api_prices(data.catalog):
        if p.model not in data.scenario.models:
            continue
        best = ours.get(p.model)
        rows.append(
            {
                "model": p.model,
                "provider": p.provider,
                "date": p.date,
                "list_usd_per_million_input_tokens": p.usd_per_million_input_tokens,
                "list_usd_per_million_output_tokens": p.usd_per_million_output_tokens,
                "source": p.output_source,
                "our_cheapest_chip": best["accelerator"] if best else None,
                "our_usd_per_million_output_tokens": (
                    best["usd_per_million_output_tokens"] if best else None
                ),
                "our_usd_per_million_output_tokens_low": (
                    best["usd_per_million_output_tokens_low"] if best else None
                ),
                "our_usd_per_million_output_tokens_high": (
                    best["usd_per_million_output_tokens_high"] if best else None
                ),
            }
        )
    rows.sort(key=lambda r: (r["model"], r["list_usd_per_million_output_tokens"]))
    data.tables["api_prices"] = Table(
        "api_prices",
        "Public API list prices for the same open models, beside our cost per token",
        (
            Column("model", "model"),
            Column("provider", "provider"),
            Column("date", "price dated"),
            Column("list_usd_per_million_input_tokens", "list USD / M input", "{:.3f}"),
            Column("list_usd_per_million_output_tokens", "list USD / M output", "{:.3f}"),
            Column("our_cheapest_chip", "our cheapest chip (offline)"),
            Column("our_usd_per_million_output_tokens", "our USD / M output (TCO)", "{:.3f}"),
            Column("source", "source"),
        ),
        rows,
        note=(
            "List prices as published by each provider (dated, sourced). Our figure is the "
            "owner's TCO at the cheapest chip's offline operating point, without margin, sales "
            "or idle capacity: the gap is the provider's gross margin plus utilisation."
        ),
    )


#: The chips whose cluster returns the report compares, and the flat rental prices it tries.
BUSINESS_CHIPS = ("nvidia-h100-sxm", "nvidia-h200-sxm", "nvidia-b200", "amd-mi300x")
BUSINESS_PRICES_USD_PER_HOUR = tuple(0.5 * i for i in range(2, 15))
BUSINESS_CLUSTER_CHIPS = 1024
PATH_CHIP = "nvidia-h100-sxm"


def _business(data: ReportData) -> None:
    """The H100 rental path with its quotes and break-even; IRR vs flat rental price for a
    cluster of each chip; gross margin by provider for the scenario's first two models."""
    cat, o = data.catalog, dict(data.scenario.overrides) or None
    path = api.rental(PATH_CHIP, catalog=cat)
    deal = api.neocloud(PATH_CHIP, BUSINESS_CLUSTER_CHIPS, overrides=o, catalog=cat)
    data.raw["rental"] = path
    data.raw["neocloud"] = deal
    data.tables["rental_quotes"] = Table(
        "rental_quotes",
        f"{PATH_CHIP}: dated rental quotes (USD per chip-hour)",
        (
            Column("date", "date"),
            Column("usd_per_hour", "USD / chip-hour", "{:.2f}"),
            Column("commitment", "commitment"),
            Column("provider_class", "class"),
            Column("provider", "provider"),
            Column("source", "source"),
        ),
        list(path["quotes"]),
    )
    data.tables["rental_path"] = Table(
        "rental_path",
        f"{PATH_CHIP}: fitted {path['path_commitment']} {path['path_provider_class']} price "
        "path and forecast with p10/p90 (api.rental)",
        (
            Column("date", "month"),
            Column("usd_per_hour", "median USD / chip-hour", "{:.2f}"),
            Column("usd_per_hour_p10", "p10", "{:.2f}"),
            Column("usd_per_hour_p90", "p90", "{:.2f}"),
            Column("which", "history or forecast"),
        ),
        [{**r, "which": "history"} for r in path["history"]]
        + [{**r, "which": "forecast"} for r in path["forecast"]],
    )
    rows: list[dict[str, Any]] = []
    for chip in BUSINESS_CHIPS:
        for price in BUSINESS_PRICES_USD_PER_HOUR:
            try:
                r = api.neocloud(
                    chip,
                    BUSINESS_CLUSTER_CHIPS,
                    price_usd_per_hour=price,
                    flat_price=True,
                    overrides=o,
                    tornado=False,
                    catalog=cat,
                )
            except SiliconomicsError:
                break
            rows.append(
                {
                    "accelerator": chip,
                    "usd_per_hour": price,
                    "project_irr_per_year": r["project_irr_per_year"],
                    "project_npv_usd": r["project_npv_usd"],
                    "breakeven_usd_per_hour": r["breakeven_usd_per_hour"],
                    "tco_usd_per_hour": r["tco_usd_per_hour"],
                }
            )
    data.tables["neocloud_irr"] = Table(
        "neocloud_irr",
        f"Cluster returns: IRR of {BUSINESS_CLUSTER_CHIPS:,} chips bought and rented out at a "
        "flat price, fully sold, own facility, all equity, over the depreciation life "
        "(api.neocloud)",
        (
            Column("accelerator", "chip"),
            Column("usd_per_hour", "rental USD / chip-hour", "{:.2f}"),
            Column("project_irr_per_year", "project IRR / year", "{:.1%}"),
            Column("project_npv_usd", "NPV USD", "{:,.0f}"),
            Column("breakeven_usd_per_hour", "break-even USD / chip-hour", "{:.2f}"),
            Column("tco_usd_per_hour", "TCO USD / chip-hour", "{:.2f}"),
        ),
        rows,
    )
    margin_rows: list[dict[str, Any]] = []
    for model in data.scenario.models:
        if len({r["model"] for r in margin_rows}) == 2:
            break
        try:
            m = api.margin(
                model,
                input_len=data.scenario.input_len,
                output_len=data.scenario.output_len,
                weights=list(data.scenario.weights) or None,
                precision=data.scenario.precision,
                catalog=cat,
            )
        except SiliconomicsError:
            continue
        margin_rows += m["rows"]
    data.tables["margins"] = Table(
        "margins",
        "Gross margin by provider: API list price vs our cost at the offline operating point "
        "(api.margin; TCO; H100 SXM where the provider's chip is not sourced)",
        (
            Column("model", "model"),
            Column("provider", "provider"),
            Column("hardware", "chip"),
            Column("hardware_basis", "chip basis"),
            Column("list_usd_per_million_output_tokens", "list USD / M output", "{:.3f}"),
            Column("cost_usd_per_million_output_tokens", "our USD / M output", "{:.3f}"),
            Column("gross_margin", "gross margin", "{:.0%}"),
            Column("gross_margin_low", "low", "{:.0%}"),
            Column("gross_margin_high", "high", "{:.0%}"),
            Column("status", "status"),
        ),
        margin_rows,
        note="Offline (maximum batch) is the most favourable operating point for the provider; "
        "an interactive SLA lowers these margins. cannot_run: the catalog's chip lists no "
        "format the engine can run the model in.",
    )


def _frontier_step(hw: str) -> Callable[[ReportData], None]:
    def run(data: ReportData) -> None:
        try:
            key, kw = _frontier_call(data, hw)
            r = _call(data, key, "throughput", kw)
        except SiliconomicsError as exc:
            data.raw[f"frontier/{hw}"] = {"error": str(exc)}
            return
        data.raw[f"frontier/{hw}"] = r

    return run


def _frontier_table(data: ReportData) -> None:
    sc = data.scenario
    points: list[dict[str, Any]] = []
    best: list[dict[str, Any]] = []
    for hw in data.scenario.frontier_hardware:
        r = data.raw[f"frontier/{hw}"]
        if "error" in r:
            best.append({"hardware": hw, "which": "error", "deployment": r["error"]})
            continue
        for p in r["frontier"]:
            points.append(_frontier_row(hw, p))
        for which, p in (("offline", r["best"]), ("SLA", r["best_sla"])):
            if p is None:
                best.append({"hardware": hw, "which": which, "deployment": "none meets the SLA"})
            else:
                best.append({**_frontier_row(hw, p), "which": which})
    cols = (
        Column("hardware", "system"),
        Column("mode", "mode"),
        Column("deployment", "deployment"),
        Column("output_tokens_per_s_per_chip", "output tok/s per chip", "{:,.0f}"),
        Column("output_tokens_per_s_per_user", "output tok/s per user", "{:,.1f}"),
        Column("ttft_p99_s", "p99 TTFT (s)", "{:.3g}"),
        Column("tpot_p99_s", "p99 TPOT (s)", "{:.3g}"),
    )
    data.tables["frontier_best"] = Table(
        "frontier_best",
        f"Best configuration per system, {sc.frontier_model} on {sc.frontier_chips} chips "
        "(serving simulator)",
        (Column("which", "best"), *cols),
        best,
    )
    data.tables["frontier"] = Table(
        "frontier",
        "Pareto frontier points: throughput vs interactivity",
        cols,
        points,
    )


def _frontier_row(hw: str, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "hardware": hw,
        "mode": p["mode"],
        "deployment": _deployment(p),
        "output_tokens_per_s_per_chip": p["output_tokens_per_s_per_chip"],
        "output_tokens_per_s_per_user": p["output_tokens_per_s_per_user"],
        "ttft_p99_s": p["ttft_p99_s"],
        "tpot_p99_s": p["tpot_p99_s"],
    }


# --------------------------------------------------------------------------- accuracy


MARKET_SCENARIOS = ("base", "asic-50-50")
MARKET_DRAWS = 1000


def _market(data: ReportData) -> None:
    """The market chain (api.market) under the built-in scenarios, one row per scenario
    and calendar year: p50 with the p10-p90 range of each series."""
    names = [n for n in MARKET_SCENARIOS if n in api.market_scenarios(data.catalog)]
    runs = {n: api.market(n, draws=MARKET_DRAWS, catalog=data.catalog) for n in names}
    data.raw["market"] = runs
    rows: list[dict[str, Any]] = []

    def put(row: dict[str, Any], key: str, p: dict[str, float] | None, scale: float) -> None:
        if p is not None:
            row[key] = p["p50"] / scale
            row[f"{key}_low"] = p["p10"] / scale
            row[f"{key}_high"] = p["p90"] / scale

    for name, r in runs.items():
        asic = {s["year"]: s["asic_share_of_spend"] for s in r["checks"]["nvidia_share"]["by_year"]}
        for y in r["years"]:
            row: dict[str, Any] = {"scenario": name, "year": y["year"]}
            put(row, "capex_usd_billions", next(iter(y["capex_usd"].values())), 1e9)
            for vendor in ("NVIDIA", "Broadcom", "AMD"):
                put(
                    row, f"{vendor.lower()}_revenue_usd_billions", y["revenue_usd"].get(vendor), 1e9
                )
            put(row, "asic_share_of_spend", asic.get(y["year"]), 1.0)
            put(row, "installed_power_gw", y["installed_power_w"], 1e9)
            put(row, "tokens_per_year_quadrillions", y["tokens_per_year"], 1e15)
            rows.append(row)
    data.tables["market"] = Table(
        "market",
        "Market: big-four capex to vendor revenue, ASIC share, power and token capacity "
        f"(p50 and p10-p90 over {MARKET_DRAWS} draws)",
        (
            Column("scenario", "scenario"),
            Column("year", "year"),
            Column("capex_usd_billions", "big-4 capex (B USD)", "{:,.0f}"),
            Column("nvidia_revenue_usd_billions", "NVIDIA DC revenue (B USD)", "{:,.0f}"),
            Column("broadcom_revenue_usd_billions", "Broadcom AI revenue (B USD)", "{:,.0f}"),
            Column("amd_revenue_usd_billions", "AMD AI GPU revenue (B USD)", "{:,.1f}"),
            Column("asic_share_of_spend", "ASIC share of spend", "{:.0%}"),
            Column("installed_power_gw", "installed power (GW, facility)", "{:,.1f}"),
            Column("tokens_per_year_quadrillions", "token capacity (10^15/yr)", "{:,.0f}"),
        ),
        rows,
        note="Reported quarters are reproduced (NVIDIA, Broadcom, big-four capex); later ones "
        "follow guidance, then trailing growth. Power and tokens count every accelerator "
        "dollar at a GPU's ASP and the newest reference chip: upper bounds. docs/market.md.",
    )


def _accuracy(data: ReportData) -> None:
    v = api.validate(data.catalog, simulate=False, training_throughput=False)
    rows = []
    for group in ("overall", "vendor", "phase", "scenario"):
        for name, s in v["summary"].get(group, {}).items():
            rows.append(
                {
                    "group": group,
                    "value": name,
                    "median_abs_error": s["median_abs_error"],
                    "points": s["points"],
                }
            )
    scored = [p for p in v["points"] if p["error"] is not None]
    data.raw["validation_points"] = len(scored)
    data.raw["validated_vendors"] = sorted(v["summary"].get("vendor", {}))
    data.raw["chip_validation"] = {
        chip: (s["median_abs_error"], s["points"]) for chip, s in v["summary"]["chip"].items()
    }
    data.tables["accuracy"] = Table(
        "accuracy",
        "Median absolute error, predicted vs published measurements (analytic model)",
        (
            Column("group", "by"),
            Column("value", "group"),
            Column("median_abs_error", "median |error|", "{:.1%}"),
            Column("points", "points", "{:.0f}"),
        ),
        rows,
    )


# --------------------------------------------------------------------------- assumptions


def _assumptions(data: ReportData) -> None:
    cat = data.raw["catalog"]
    a = default_assumptions()

    def title(sid: str) -> str:
        s = cat.sources.get(sid)
        return s.title if s else "(not in sources.yaml)"

    rows = [
        {
            "name": name,
            "value": v["value"],
            "unit": v["unit"],
            "source": v["source"],
            "source_title": title(v["source"]),
            "date": v["date"],
            "note": v["note"],
        }
        for name, v in a.as_dict().items()
    ]
    for topo, n in a.network.items():
        srcs = sorted({p.source for p in n.provenance.values()})
        rows.append(
            {
                "name": f"network[{topo}]",
                "value": (
                    f"{n.optical_modules_per_chip:g} optics, {n.switch_ports_per_chip:g} switch "
                    f"ports, {n.nics_per_chip:g} NICs"
                ),
                "unit": "per chip",
                "source": ", ".join(srcs),
                "source_title": "; ".join(title(s) for s in srcs),
                "date": ", ".join(sorted({p.date for p in n.provenance.values()})),
                "note": "",
            }
        )
    data.tables["assumptions"] = Table(
        "assumptions",
        f"Economic assumptions (defaults as of {a.as_of})",
        (
            Column("name", "input"),
            Column("value", "value", "{:g}"),
            Column("unit", "unit"),
            Column("source", "source id"),
            Column("source_title", "source title"),
            Column("date", "date"),
            Column("note", "note"),
        ),
        rows,
    )
    used = set(source_ids(a))
    for key, t in data.raw.items():
        if key.startswith("tco/"):
            used.add(t["chip_price"]["source"])
            used |= {p["source"] for p in t["market"]["latest"]}
    shown: set[str] = set()
    for model, _ in models(data):
        shown |= {p["accelerator"] for p in data.raw[f"perf/{model}/offline"]["rows"]}
    for hw in data.scenario.training_hardware:
        if "accelerator" in data.raw.get(f"training/{hw}", {}):
            shown.add(data.raw[f"training/{hw}"]["accelerator"])
    for acc in sorted(shown):
        used |= set(api.catalog_show(acc, cat)["sources"])
    used.add(data.scenario.source)
    used.discard("user")
    data.tables["sources"] = Table(
        "sources",
        "Sources cited (economic defaults, chip prices and rentals, specs of every chip shown)",
        (
            Column("id", "id"),
            Column("title", "title"),
            Column("date", "date"),
            Column("url", "url"),
        ),
        [
            {
                "id": sid,
                "title": title(sid),
                "date": cat.sources[sid].date if sid in cat.sources else "",
                "url": cat.sources[sid].url if sid in cat.sources else "",
            }
            for sid in sorted(used)
        ],
    )


# --------------------------------------------------------------------------- training (issue 12)


def _train_call(data: ReportData, hw: str) -> tuple[str, dict[str, Any]]:
    sc = data.scenario
    return f"training/{hw}", {
        "model": sc.training_model,
        "hardware": hw,
        "chips": sc.training_chips,
        "seq_len": sc.training_seq_len,
        "global_batch_tokens": float(sc.training_global_batch_tokens),
        "precision": sc.training_precision,
        "tokens": sc.training_tokens,
        "overrides": dict(sc.overrides) or None,
    }


def _rl_call(data: ReportData) -> tuple[str, dict[str, Any]]:
    sc = data.scenario
    return "rl", {
        "model": sc.rl_model,
        "hardware": sc.rl_hardware,
        "chips": sc.rl_chips,
        "prompts_per_step": sc.rl_prompts_per_step,
        "samples_per_prompt": sc.rl_samples_per_prompt,
        "prompt_tokens": sc.rl_prompt_tokens,
        "rollout_tokens": sc.rl_rollout_tokens,
        "steps": sc.rl_steps,
        "reward_model": sc.rl_reward_model,
        "overrides": dict(sc.overrides) or None,
    }


def _train_step(hw: str) -> Callable[[ReportData], None]:
    def run(data: ReportData) -> None:
        key, kw = _train_call(data, hw)
        try:
            data.raw[key] = _call(data, key, "train", kw)
        except SiliconomicsError as exc:
            data.raw[key] = {"error": str(exc)}

    return run


def _rl_step(data: ReportData) -> None:
    key, kw = _rl_call(data)
    try:
        data.raw[key] = _call(data, key, "rl_cost", kw)
    except SiliconomicsError as exc:
        data.raw[key] = {"error": str(exc)}


def _training_validation(r: dict[str, Any]) -> str:
    iv = r["interval"]
    if not r["validated"]:
        return (
            "unvalidated: no published training runs of its family (prior efficiencies), "
            f"interval of {iv['group']}"
        )
    return f"validated: {iv['group']}, {iv['points']} held-out training runs"


TRAINING_COLUMNS = (
    Column("hardware", "cluster"),
    Column("accelerator", "chip"),
    Column("chips", "chips", "{:,.0f}"),
    Column("validation", "validation"),
    Column("layout", "best layout found"),
    Column("mfu", "MFU (fraction of peak)", "{:.1%}"),
    Column("tokens_per_s_per_chip", "tokens/s per chip", "{:,.0f}"),
    Column("wall_clock_days", "wall clock (days)", "{:,.0f}"),
    Column("chip_hours", "chip-hours", "{:,.0f}"),
    Column("usd_per_chip_hour", "TCO USD / chip-hour", "{:.2f}"),
    Column("cost_usd", "cost (USD)", "{:,.0f}"),
    Column("status", "not costed / not run: why"),
)


def _training_row(hw: str, r: dict[str, Any]) -> dict[str, Any]:
    """One cluster's frontier run: the api's answer copied; intervals as the api gives them
    (MFU and tokens/s from the step, days, chip-hours and USD from ``run``)."""
    if "error" in r:
        return {"hardware": hw, "status": r["error"]}
    run = r["run"]
    row: dict[str, Any] = {
        "hardware": hw,
        "accelerator": r["accelerator"],
        "chips": r["chips"],
        "validation": _training_validation(r),
        "layout": r["layout_text"],
        "usd_per_chip_hour": run["usd_per_chip_hour"],
        "status": _not_costed(run["price_basis"]),
    }
    for key in ("mfu", "tokens_per_s_per_chip"):
        row[key] = r[key]
    row["tokens_per_s_per_chip_low"] = r["tokens_per_s_low"] / r["chips"]
    row["tokens_per_s_per_chip_high"] = r["tokens_per_s_high"] / r["chips"]
    row["mfu_low"], row["mfu_high"] = r["mfu_low"], r["mfu_high"]
    for key in ("wall_clock_days", "chip_hours", "cost_usd"):
        row[key] = run[key]
        if run.get(f"{key}_low") is not None:
            row[f"{key}_low"], row[f"{key}_high"] = run[f"{key}_low"], run[f"{key}_high"]
    return row


def _not_costed(basis: str) -> str | None:
    """The api's price basis as the reason a run is timed but not costed (None: costed)."""
    if basis in ("tco", "given"):
        return None
    return "not costed: " + basis.removeprefix("none (").removesuffix(")")


#: Which side of the RL loop each stage's chip time counts to (econ.rl's shares).
RL_SIDES = {
    "generation": "inference",
    "reward": "inference",
    "logprob": "inference",
    "update": "training",
    "sync": "weight sync",
    "idle": "idle",
}


def _training_tables(data: ReportData) -> None:
    sc = data.scenario
    rows = [_training_row(hw, data.raw[f"training/{hw}"]) for hw in sc.training_hardware]
    data.tables["training_run"] = Table(
        "training_run",
        f"Frontier pre-training run: {sc.training_model}, {sc.training_tokens / 1e12:g}T tokens, "
        f"{sc.training_precision}, {sc.training_seq_len:,}-token sequences, "
        f"{sc.training_global_batch_tokens / 2**20:g}M-token batches, on "
        f"{sc.training_chips:,} chips of each cluster (api.train, searched layout)",
        TRAINING_COLUMNS,
        rows,
        note=(
            "Brackets: 80% intervals from the held-out residuals of published training runs "
            "of the chip's family. Days and chip-hours are the ideal step time with no "
            "failures, restarts or checkpoints. Cost at the owner's TCO per chip-hour; a "
            "cluster whose chip has no sourced price or power is timed, not costed, and one "
            "the fabric data cannot time (no sourced scale-out bandwidth) is listed with "
            "the reason."
        ),
    )
    r = data.raw["rl"]
    if "error" in r:
        data.tables["rl_stages"] = Table(
            "rl_stages",
            "RL loop: not computed",
            (Column("status", "why"),),
            [{"status": r["error"]}],
        )
        data.tables["rl_sensitivity"] = Table(
            "rl_sensitivity", "RL loop sensitivity: not computed", (Column("case", "case"),), []
        )
        return
    stage_s = r["stage_s"]
    stages = [
        {
            "stage": stage,
            "side": RL_SIDES[stage],
            "stage_s": stage_s.get(stage),
            "chip_s_per_step": chip_s,
            "share_of_chip_time": chip_s / sum(r["chip_s_per_step"].values()),
            "cost_usd": r["cost_usd_by_stage"][stage] if r.get("cost_usd_by_stage") else None,
        }
        for stage, chip_s in r["chip_s_per_step"].items()
    ]
    data.tables["rl_stages"] = Table(
        "rl_stages",
        f"RL loop, {r['mode']} cluster: {sc.rl_model} on {r['chips']} x {sc.rl_hardware}, "
        f"{r['prompts_per_step']} prompts x {r['samples_per_prompt']} samples, "
        f"{r['prompt_tokens']:,}-token prompts, {r['rollout_tokens']:,}-token rollouts, "
        f"reward model {sc.rl_reward_model or 'none (rule-based verifier)'}, "
        f"{r['steps']} steps (api.rl_cost)",
        (
            Column("stage", "stage"),
            Column("side", "counts to"),
            Column("stage_s", "time per step (s)", "{:,.1f}"),
            Column("chip_s_per_step", "chip-seconds per step", "{:,.0f}"),
            Column("share_of_chip_time", "share of chip time", "{:.1%}"),
            Column("cost_usd", f"cost over {r['steps']} steps (USD)", "{:,.0f}"),
        ),
        stages,
        note="Generation at the serving engine's operating point, reward and log-prob "
        "passes are inference; the policy update (training step model at its best layout) "
        "is training.",
    )
    data.tables["rl_sensitivity"] = Table(
        "rl_sensitivity",
        "How the inference share moves with rollout length and samples per prompt",
        (
            Column("case", "case"),
            Column("samples_per_prompt", "samples per prompt", "{:.0f}"),
            Column("rollout_tokens", "rollout tokens", "{:,.0f}"),
            Column("step_s", "step (s)", "{:,.0f}"),
            Column("inference_share", "inference share of chip time", "{:.1%}"),
            Column("cost_usd", f"cost over {r['steps']} steps (USD)", "{:,.0f}"),
            Column("skipped", "not computed: why"),
        ),
        [
            {
                "case": "as stated",
                "samples_per_prompt": r["samples_per_prompt"],
                "rollout_tokens": r["rollout_tokens"],
                "step_s": r["step_s"],
                "step_s_low": r["step_s_low"],
                "step_s_high": r["step_s_high"],
                "inference_share": r["inference_share"],
                "cost_usd": r.get("cost_usd"),
                "cost_usd_low": r.get("cost_usd_low"),
                "cost_usd_high": r.get("cost_usd_high"),
            },
            *r["sensitivity"],
        ],
    )
