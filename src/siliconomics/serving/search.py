"""SLA search: the serving configuration with the most output tokens/s, and the frontier.

Two stages, the analytic model to prune and the simulator to confirm:

1. Candidates, each rated by an analytic sustained throughput at mean lengths I, O:

   * aggregated (prefill and decode share every replica): perf.search's continuous-batching
     model for each parallelism (tp, pp, ep <= tp, dp), weight/KV format and batch B::

         cycle = O · TPOT(B, I + O/2) + B · t_prefill,   tokens/s = B · O / cycle

     with the per-user inter-token time cycle / O and TTFT = prefill of one prompt;
   * disaggregated: a prefill pool of Np chips and a decode pool of Nd = N - Np chips, each
     with its own parallelism. The prefill pool finishes prompts at
     R_p = dp_p · b_c / prefill_s(b_c, I) per second (b_c = ceil(8192 / I) prompts per
     step), the decode pool makes B / TPOT_d(B, I + O/2) tokens per second, so::

         tokens/s = min(R_p · O, B / TPOT_d)

     with per-user inter-token time TPOT_d and TTFT = prefill of one prompt + KV transfer.
     The decode batch B is capped by the KV of B requests at their full I + O tokens (the
     simulator's reservation policy) and by the engine's sequence cap.

   Only layouts that serving engines document are proposed (``ENGINES_FOR_LAYOUT``): no
   pipeline parallelism inside a disaggregated pool.

2. Confirmation by simulation (serving.simulator) of the best ``top_k`` candidates of each
   mode (aggregated and disaggregated separately, so an unconstrained search confirms
   every configuration kind a constrained one can find; ties break on a stable
   description of the deployment, so a search always returns the same answer):

   * without SLA: all requests at t = 0 (MLPerf Offline), engine cap B per replica; the
     sustained rate between the 10 % and 90 % completion quantiles;
   * with SLA limits on p99 TTFT and p99 TPOT: candidates whose analytic TTFT and
     inter-token time meet the limits (the analytic figures are optimistic lower bounds,
     so nothing that could pass is dropped on that account), then a bisection on the
     Poisson arrival rate for the largest rate whose simulated p99s meet the limits; the
     throughput is that rate times the mean output length (the server keeps up with it).

The frontier plots output tokens/s per chip against tokens/s per user (1 / inter-token
time): the analytic Pareto set over every candidate, thinned to ``frontier_points``, each
confirmed by an Offline simulation at its batch cap; the simulated values are what is
reported (the analytic ones ride along).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from math import ceil
from typing import Any

import numpy as np

from siliconomics.catalog.dtypes import KVFormat, WeightFormat
from siliconomics.catalog.specs import ModelArch
from siliconomics.errors import DoesNotFit, SiliconomicsError, UnsupportedFormat
from siliconomics.perf.config import Parallelism, Precision, runs
from siliconomics.perf.estimate import decode_step_s, prefill_s
from siliconomics.perf.memory import MAX_STEP_TOKENS, plan_memory
from siliconomics.perf.search import Operating, batch_grid, parallelisms
from siliconomics.perf.search import search as analytic_search
from siliconomics.perf.timing import Hardware
from siliconomics.perf.workload import kv_cache_bytes_per_chip
from siliconomics.serving.simulator import (
    Deployment,
    EngineConfig,
    SimCache,
    SimResult,
    simulate,
    transfer_s,
)
from siliconomics.serving.workload import LengthDist, Offline, Poisson, as_length, make_requests

#: Requests per rate probe: the 1 % tail holds 6 requests, enough to place a p99 against
#: a limit (a limit met with margin to spare is met; one missed is missed) at a third of
#: the cost of MLPerf-sized runs; the search's accuracy is bounded by the model's, not this.
SLA_REQUESTS = 600
#: Probes of the rate bisection: the first at FIRST_PROBE of the upper end, then halving;
#: a feasible first probe leaves a bracket of (1 - FIRST_PROBE) x 1.1 x the analytic rate,
#: halved three times: ~2.8 % of the analytic rate.
RATE_BISECTIONS = 4
FIRST_PROBE = 0.8
#: Upper end of the rate bisection over the analytic rate (the simulator can beat the
#: analytic cycle model slightly when prefill chunks fill idle decode slots).
RATE_HEADROOM = 1.1
#: Ceiling on requests in one offline confirmation (the simulator does ~100k/s).
OFFLINE_MAX_REQUESTS = 100_000


@dataclass(frozen=True, slots=True)
class Candidate:
    """A configuration with its analytic rating."""

    deployment: Deployment
    precision: Precision
    output_tokens_per_s: float
    inter_token_s: float
    ttft_s: float
    #: Share of the chips' time spent on prefill: B·t_prefill / cycle when aggregated,
    #: the prefill pool's share of the chips when disaggregated (econ splits cost by it).
    prefill_share: float

    @property
    def chips(self) -> int:
        return self.deployment.chips

    @property
    def mode(self) -> str:
        return "aggregated" if self.deployment.prefill_par is None else "disaggregated"


@dataclass(frozen=True, slots=True)
class ServingPoint:
    """A confirmed configuration: what it serves and at what latency."""

    deployment: Deployment
    precision: Precision
    output_tokens_per_s: float
    ttft_p99_s: float
    tpot_p99_s: float
    tpot_mean_s: float
    ttft_mean_s: float
    rate_per_s: float | None
    analytic_output_tokens_per_s: float
    analytic_inter_token_s: float
    prefill_share: float
    #: One prompt's prefill on an idle deployment (the analytic model): the first-token time
    #: of a request that need not queue, used where the run had no arrival process (Offline).
    analytic_ttft_s: float = math.nan

    @property
    def output_tokens_per_s_per_chip(self) -> float:
        return self.output_tokens_per_s / self.deployment.chips

    @property
    def output_tokens_per_s_per_user(self) -> float:
        return 1.0 / self.tpot_mean_s if self.tpot_mean_s > 0 else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.deployment.describe(),
            "weights": self.precision.weights.value,
            "kv": self.precision.kv.value,
            "output_tokens_per_s": self.output_tokens_per_s,
            "output_tokens_per_s_per_chip": self.output_tokens_per_s_per_chip,
            "output_tokens_per_s_per_user": self.output_tokens_per_s_per_user,
            "ttft_p99_s": self.ttft_p99_s,
            "tpot_p99_s": self.tpot_p99_s,
            "tpot_mean_s": self.tpot_mean_s,
            "ttft_mean_s": self.ttft_mean_s,
            "request_rate_per_s": self.rate_per_s,
            "analytic_output_tokens_per_s": self.analytic_output_tokens_per_s,
            "analytic_inter_token_s": self.analytic_inter_token_s,
            "analytic_ttft_s": self.analytic_ttft_s,
            "prefill_share": self.prefill_share,
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    model: str
    hardware: str
    chips: int
    input_tokens_mean: float
    output_tokens_mean: float
    ttft_p99_limit_s: float | None
    tpot_p99_limit_s: float | None
    best: ServingPoint
    best_sla: ServingPoint | None
    frontier: tuple[ServingPoint, ...]
    candidates_evaluated: int
    simulations: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "hardware": self.hardware,
            "chips": self.chips,
            "input_tokens_mean": self.input_tokens_mean,
            "output_tokens_mean": self.output_tokens_mean,
            "ttft_p99_limit_s": self.ttft_p99_limit_s,
            "tpot_p99_limit_s": self.tpot_p99_limit_s,
            "best": self.best.as_dict(),
            "best_sla": self.best_sla.as_dict() if self.best_sla else None,
            "frontier": [p.as_dict() for p in self.frontier],
            "candidates_evaluated": self.candidates_evaluated,
            "simulations": self.simulations,
        }


# --- stage 1: analytic candidates -----------------------------------------------------


def _aggregated(
    model: ModelArch,
    hw: Hardware,
    chips: int,
    precs: Sequence[Precision],
    i_len: int,
    o_len: int,
    layout: Layout,
) -> list[Candidate]:
    out: list[Candidate] = []
    weights = sorted({p.weights for p in precs}, key=lambda w: w.value)
    kvs = sorted({p.kv for p in precs}, key=lambda k: k.value)
    wanted = set(precs)
    points = []
    pars: list[Parallelism | None] = [None]
    if layout.pins_parallelism or layout.max_batch is not None:
        pars = [par for par in parallelisms(model, chips) if layout.matches(par)]
    for par in pars:
        batches = None
        if layout.max_batch is not None and par is not None:
            batches = [layout.max_batch * par.dp]
        try:
            points += analytic_search(
                model,
                hw,
                chips,
                input_len=i_len,
                output_len=o_len,
                weights=weights,
                kvs=kvs,
                parallelism=par,
                batches=batches,
            )
        except SiliconomicsError:
            continue
    points = [o for o in points if o.precision in wanted and o.parallelism.ep <= o.parallelism.tp]
    if layout.max_batch is None:
        points = _within_reservation(model, hw, points, i_len, o_len)
    for o in points:
        par = o.parallelism
        seqs = max(1, o.batch // par.dp)
        out.append(
            Candidate(
                Deployment(par, EngineConfig(max_num_seqs=seqs)),
                o.precision,
                o.output_tokens_per_s,
                o.effective_tpot_s,
                o.ttft_s,
                max(0.0, 1.0 - o.tpot_s / o.effective_tpot_s),
            )
        )
    return out


def _within_reservation(
    model: ModelArch, hw: Hardware, points: list[Operating], i_len: int, o_len: int
) -> list[Operating]:
    """Batches the simulator can admit. The analytic search sizes the KV cache at the mean
    context in flight (I + O/2); the simulator reserves each request's full I + O (no
    preemption). A batch above that reservation cap would be rated for sequences the
    engine never holds, so it is replaced by the rating at the cap itself."""
    caps: dict[tuple[Parallelism, Precision], int] = {}
    for o in points:
        key = (o.parallelism, o.precision)
        if key in caps:
            continue
        par, prec = key
        try:
            free = _free_kv_bytes(model, hw, par, prec)
            per_req = float(
                kv_cache_bytes_per_chip(model, replace(par, dp=1), prec, 1, i_len + o_len)
            )
            caps[key] = max(0, int(free // per_req)) * par.dp
        except SiliconomicsError:
            caps[key] = 0
    kept = [o for o in points if o.batch <= caps[(o.parallelism, o.precision)]]
    for (par, prec), cap in caps.items():
        over = any(o.batch > cap for o in points if o.parallelism == par and o.precision == prec)
        if (
            not over
            or cap < par.dp
            or any(o.batch == cap for o in kept if o.parallelism == par and o.precision == prec)
        ):
            continue
        try:
            kept += analytic_search(
                model,
                hw,
                par.chips,
                input_len=i_len,
                output_len=o_len,
                weights=[prec.weights],
                kvs=[prec.kv],
                parallelism=par,
                batches=[cap],
            )
        except SiliconomicsError:
            continue
    return kept


def _free_kv_bytes(model: ModelArch, hw: Hardware, par: Parallelism, prec: Precision) -> float:
    rep = replace(par, dp=1)
    mem = plan_memory(
        model,
        rep,
        prec,
        hw,
        batch=1,
        context=1,
        step_tokens=MAX_STEP_TOKENS,
        logit_tokens=min(MAX_STEP_TOKENS, int(hw.calibration.max_batch_sequences)),
    )
    return mem.capacity_bytes - mem.weights_bytes - mem.activations_bytes - mem.overhead_bytes


def _disaggregated(
    model: ModelArch,
    hw: Hardware,
    chips: int,
    precs: Sequence[Precision],
    i_len: int,
    o_len: int,
) -> list[Candidate]:
    out: list[Candidate] = []
    ctx = i_len + o_len // 2
    for prec in precs:
        prefill_rates: dict[Parallelism, tuple[float, float]] = {}
        decode_rows: dict[Parallelism, tuple[np.ndarray, np.ndarray]] = {}
        for n_p in range(1, chips):
            for ppar in parallelisms(model, n_p):
                if ppar.ep > ppar.tp or ppar.pp > 1 or ppar in prefill_rates:
                    continue
                rep = replace(ppar, dp=1)
                chunk = max(1, ceil(MAX_STEP_TOKENS / i_len))
                try:
                    # Skips splits that do not fit or need a link the chip has no figure for.
                    _free_kv_bytes(model, hw, ppar, prec)
                    t_chunk = float(prefill_s(model, rep, prec, hw, chunk, i_len))
                    t_one = float(prefill_s(model, rep, prec, hw, 1, i_len))
                except SiliconomicsError:
                    continue
                prefill_rates[ppar] = (ppar.dp * chunk / t_chunk, t_one)
            for dpar in parallelisms(model, chips - n_p):
                if dpar.ep > dpar.tp or dpar.pp > 1 or dpar in decode_rows:
                    continue
                try:
                    free = _free_kv_bytes(model, hw, dpar, prec)
                except SiliconomicsError:
                    continue
                per_req = float(
                    kv_cache_bytes_per_chip(model, replace(dpar, dp=1), prec, 1, i_len + o_len)
                )
                cap = min(int(free // per_req), int(hw.calibration.max_batch_sequences))
                if cap < 1:
                    continue
                b = batch_grid(cap * dpar.dp, dpar.dp)
                try:
                    tpot = np.broadcast_to(decode_step_s(model, dpar, prec, hw, b, ctx), b.shape)
                except SiliconomicsError:
                    continue
                decode_rows[dpar] = (b, np.asarray(tpot, dtype=float))
        for ppar, (rate, t_one) in prefill_rates.items():
            for dpar, (b, tpot) in decode_rows.items():
                if ppar.chips + dpar.chips != chips:
                    continue
                try:
                    xfer = float(transfer_s(model, hw, prec, ppar, dpar, np.array([i_len]))[0])
                except SiliconomicsError:
                    continue
                tput = np.minimum(rate * o_len, b / tpot)
                for bi, ti, tp_ in zip(b, tput, tpot, strict=True):
                    out.append(
                        Candidate(
                            Deployment(
                                dpar,
                                EngineConfig(max_num_seqs=max(1, int(bi) // dpar.dp)),
                                prefill_par=ppar,
                            ),
                            prec,
                            float(ti),
                            float(tp_),
                            t_one + xfer,
                            ppar.chips / chips,
                        )
                    )
    return out


def _pareto(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Indices of points not dominated (both larger is better), sorted by x."""
    order = np.lexsort((-ys, -xs))
    keep: list[int] = []
    best_y = -math.inf
    for i in order:
        if ys[i] > best_y:
            keep.append(int(i))
            best_y = ys[i]
    return np.array(sorted(keep, key=lambda i: xs[i]), dtype=int)


# --- stage 2: simulation --------------------------------------------------------------


#: Step-time caches shared by every search in the process, per (model, hardware,
#: precision). A cached step time is a pure function of its (quantised) key, evaluated at
#: the key itself, so sharing changes no result; it only saves re-timing the same steps
#: when the offline, SLA and frontier searches of several commands or report sections
#: simulate the same deployments.
_SHARED: OrderedDict[tuple[object, ...], tuple[ModelArch, Hardware, SimCache]] = OrderedDict()
_SHARED_SIZE = 64


def _shared_cache(
    model: ModelArch, hw: Hardware, prec: Precision
) -> tuple[ModelArch, Hardware, SimCache]:
    key = (model, repr(hw), prec)
    hit = _SHARED.get(key)
    if hit is None:
        hit = (model, hw, SimCache())
        _SHARED[key] = hit
        if len(_SHARED) > _SHARED_SIZE:
            _SHARED.popitem(last=False)
    else:
        _SHARED.move_to_end(key)
    return hit


class _Confirmer:
    """Runs the confirming simulations on the process-wide step caches."""

    def __init__(
        self,
        model: ModelArch,
        hw: Hardware,
        input_len: LengthDist,
        output_len: LengthDist,
        seed: int,
    ) -> None:
        self.model, self.hw = model, hw
        self.input_len, self.output_len, self.seed = input_len, output_len, seed
        self.runs = 0
        self.offline_points: dict[tuple[object, ...], ServingPoint] = {}

    def run(self, c: Candidate, arrival: Poisson | Offline, n: int) -> SimResult:
        reqs = make_requests(
            arrival,
            n_requests=n,
            input_len=self.input_len,
            output_len=self.output_len,
            seed=self.seed,
        )
        model, hw, cache = _shared_cache(self.model, self.hw, c.precision)
        self.runs += 1
        return simulate(model, hw, c.precision, c.deployment, reqs, cache=cache)

    def offline(self, c: Candidate) -> ServingPoint:
        """The sustained rate at full load (MLPerf Offline: every request at t = 0), between
        the 10 % and 90 % finish quantiles, memoised per candidate."""
        key = (c.deployment, c.precision)
        hit = self.offline_points.get(key)
        if hit is not None:
            return hit
        # At least four waves of the batch cap, so the trimmed window measures a steady
        # state rather than one batch finishing at once (which would give a nonsense rate).
        seqs = (c.deployment.engine.max_num_seqs or 1) * c.deployment.par.dp
        n = int(min(max(4 * seqs, 400), OFFLINE_MAX_REQUESTS))
        res = self.run(c, Offline(), n)
        s = res.summary()
        point = ServingPoint(
            c.deployment,
            c.precision,
            res.steady_output_tokens_per_s(),
            s.ttft_s.p99,
            s.tpot_s.p99,
            s.tpot_s.mean,
            s.ttft_s.mean,
            None,
            c.output_tokens_per_s,
            c.inter_token_s,
            c.prefill_share,
            c.ttft_s,
        )
        self.offline_points[key] = point
        return point

    def max_rate(
        self,
        c: Candidate,
        ttft_limit_s: float | None,
        tpot_limit_s: float | None,
        hi_tokens_per_s: float,
    ) -> ServingPoint | None:
        """Largest Poisson rate whose simulated p99 TTFT and TPOT meet the limits."""
        o_mean = self.output_len.mean_tokens if hasattr(self.output_len, "mean_tokens") else 1.0
        hi = RATE_HEADROOM * hi_tokens_per_s / o_mean
        lo = 0.0
        best: tuple[float, SimResult] | None = None

        def ok(res: SimResult) -> bool:
            s = res.summary()
            return (ttft_limit_s is None or s.ttft_s.p99 <= ttft_limit_s) and (
                tpot_limit_s is None or not (s.tpot_s.p99 > tpot_limit_s)
            )

        for i in range(RATE_BISECTIONS):
            # The analytic rate is usually close: probe just below it first, so a feasible
            # candidate's bracket starts narrow; then halve the bracket.
            mid = FIRST_PROBE * hi if i == 0 else (lo + hi) / 2
            res = self.run(c, Poisson(mid), SLA_REQUESTS)
            if ok(res):
                lo, best = mid, (mid, res)
            else:
                hi = mid
        if best is None:
            res = self.run(c, Poisson(hi / 64), SLA_REQUESTS // 3)
            if not ok(res):
                return None
            best = (hi / 64, res)
        rate, res = best
        s = res.summary()
        return ServingPoint(
            c.deployment,
            c.precision,
            rate * float(np.mean(res.output_tokens)),
            s.ttft_s.p99,
            s.tpot_s.p99,
            s.tpot_s.mean,
            s.ttft_s.mean,
            rate,
            c.output_tokens_per_s,
            c.inter_token_s,
            c.prefill_share,
            c.ttft_s,
        )


def precisions_that_run(
    hw: Hardware, weights: Iterable[WeightFormat] | None, kvs: Iterable[KVFormat] | None
) -> list[Precision]:
    """Every (weights, kv) pair of those given (all formats when None) the chip can run."""
    ws = list(weights) if weights is not None else list(WeightFormat)
    ks = list(kvs) if kvs is not None else list(KVFormat)
    out = [Precision(w, k) for w in ws for k in ks if runs(hw.chip, Precision(w, k))]
    if not out:
        allowed = ", ".join(str(d) for d in hw.chip.peak_flop_per_s)
        raise UnsupportedFormat(
            f"weights: none of the formats runs on {hw.chip.id}; it supports {allowed}"
        )
    return out


@dataclass(frozen=True, slots=True)
class Layout:
    """Parts of the deployment a user pins to compare with a known one (None = searched).

    ``tp``/``pp``/``ep``/``dp`` fix an aggregated deployment's parallelism, ``max_batch``
    the engine's cap on sequences in flight per replica (``max_num_seqs`` /
    ``max_batch_size``), ``mode`` aggregated or disaggregated serving. Pinning any degree
    implies aggregated serving: a disaggregated split has two parallelisms.
    """

    tp: int | None = None
    pp: int | None = None
    ep: int | None = None
    dp: int | None = None
    max_batch: int | None = None
    mode: str | None = None

    def __post_init__(self) -> None:
        for name in ("tp", "pp", "ep", "dp", "max_batch"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise SiliconomicsError(f"{name}: must be a positive integer, got {v!r}")
        if self.mode is not None and self.mode not in MODES:
            raise SiliconomicsError(
                f"mode: unknown value {self.mode!r}; allowed: {', '.join(MODES)}"
            )
        if self.mode == "disaggregated" and self.pins_parallelism:
            raise SiliconomicsError(
                "mode: --tp/--pp/--ep/--dp pin an aggregated deployment; drop them or use "
                "--mode aggregated"
            )

    @property
    def pins_parallelism(self) -> bool:
        return any(getattr(self, k) is not None for k in ("tp", "pp", "ep", "dp"))

    @property
    def allows_disaggregated(self) -> bool:
        return self.mode != "aggregated" and not self.pins_parallelism

    @property
    def allows_aggregated(self) -> bool:
        return self.mode != "disaggregated"

    def admits(self, c: Candidate) -> bool:
        d = c.deployment
        if self.max_batch is not None and (d.engine.max_num_seqs or 1) > self.max_batch:
            return False
        if d.prefill_par is not None:
            return self.allows_disaggregated
        return self.allows_aggregated and self.matches(d.par)

    def matches(self, par: Parallelism) -> bool:
        """Whether ``par`` has every degree this layout pins."""
        return all(
            getattr(self, k) is None or getattr(self, k) == getattr(par, k)
            for k in ("tp", "pp", "ep", "dp")
        )

    def describe(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in ("tp", "pp", "ep", "dp", "max_batch", "mode")
            if getattr(self, k) is not None
        }


MODES = ("aggregated", "disaggregated")

#: Serving engines that run each kind of layout (their documentation, 2025-2026):
#: tensor x pipeline x data parallel everywhere; attention data parallelism with wider
#: expert parallelism (ep > tp) in TensorRT-LLM (attention DP), SGLang (DP attention) and
#: vLLM (data + expert parallel); disaggregated prefill/decode pools in TensorRT-LLM
#: (disaggregated serving / Dynamo), SGLang (PD disaggregation) and vLLM (KV connectors),
#: each pool tensor/expert/data parallel: none documents pipeline parallelism inside a
#: disaggregated pool, so the search does not propose it.
ENGINES_FOR_LAYOUT = {
    "aggregated": ("trtllm", "vllm", "sglang"),
    "aggregated-wide-ep": ("trtllm", "sglang", "vllm"),
    "disaggregated": ("trtllm", "sglang", "vllm"),
}


def layout_kind(d: Deployment) -> str:
    if d.prefill_par is not None:
        return "disaggregated"
    return "aggregated-wide-ep" if d.par.ep > d.par.tp else "aggregated"


def _distinct_top(cands: list[Candidate], k: int) -> list[Candidate]:
    """The k best by analytic throughput, at most one per (deployment shape, precision).

    Ties break on a stable description of the deployment, so the choice never depends on
    the order candidates were generated in.
    """
    seen: set[tuple[object, ...]] = set()
    out: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (-c.output_tokens_per_s, _order_key(c))):
        d = c.deployment
        key = (d.par, d.prefill_par, c.precision)
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
        if len(out) == k:
            break
    return out


def _order_key(c: Candidate) -> tuple[object, ...]:
    d = c.deployment
    p = d.prefill_par
    return (
        (d.par.tp, d.par.pp, d.par.ep, d.par.dp),
        (p.tp, p.pp, p.ep, p.dp) if p else (),
        d.engine.max_num_seqs or 0,
        c.precision.weights.value,
        c.precision.kv.value,
    )


def _kind(c: Candidate) -> tuple[str, bool]:
    return (c.mode, c.deployment.par.pp > 1)


def _per_mode_top(cands: list[Candidate], k: int) -> list[Candidate]:
    """The k best of each kind of layout (aggregated without and with pipeline stages,
    disaggregated), so an unconstrained search confirms every kind a constrained one can
    find. The analytic rating ranks within a kind well but across kinds less so: it
    over-rates pipeline-parallel decode, whose fill the simulator models step by step."""
    out: list[Candidate] = []
    for kind in sorted({_kind(c) for c in cands}):
        top = _distinct_top([c for c in cands if _kind(c) == kind], k)
        out += top + _smaller_caps(cands, top[0]) if top else []
    return out


def _smaller_caps(cands: list[Candidate], best: Candidate) -> list[Candidate]:
    """The same deployment shape as ``best`` at about half its batch cap. The analytic
    cycle model rates the largest batch best; the simulator, which interleaves each
    wave's prefill chunks with decode, often finds a smaller cap faster,
    so the confirmation tries a ladder of caps on the leading shape."""
    d = best.deployment
    cap = d.engine.max_num_seqs or 1
    same = [
        c
        for c in cands
        if c.deployment.par == d.par
        and c.deployment.prefill_par == d.prefill_par
        and c.precision == best.precision
        and (c.deployment.engine.max_num_seqs or 1) < cap
    ]
    out: list[Candidate] = []
    for target in (cap / 2,):
        pick = min(
            same,
            key=lambda c: (abs((c.deployment.engine.max_num_seqs or 1) - target), _order_key(c)),
            default=None,
        )
        if pick is not None and pick not in out:
            out.append(pick)
    return out


def best_config(
    model: ModelArch,
    hw: Hardware,
    chips: int,
    *,
    input_len: int | LengthDist,
    output_len: int | LengthDist,
    weights: Iterable[WeightFormat] | None = None,
    kvs: Iterable[KVFormat] | None = None,
    precisions: Sequence[Precision] | None = None,
    ttft_p99_limit_s: float | None = None,
    tpot_p99_limit_s: float | None = None,
    layout: Layout | None = None,
    disaggregated: bool = True,
    top_k: int = 1,
    frontier_points: int = 10,
    seed: int = 0,
    hardware_name: str | None = None,
) -> SearchResult:
    """Search parallelism x batch cap x formats x (aggregated | disaggregated split).

    Returns the best simulated output tokens/s without SLA, the best with the p99 limits
    (None when no candidate meets them), and the tokens/s-per-chip vs tokens/s-per-user
    frontier (``frontier_points=0`` skips it). ``precisions`` (else every pair of
    ``weights`` x ``kvs`` the chip runs) are the formats searched; ``layout`` pins parts
    of the deployment. See the module docstring for the method.
    """
    if isinstance(chips, bool) or not isinstance(chips, int) or chips < 1:
        raise SiliconomicsError(f"chips: must be a positive integer, got {chips!r}")
    for name, lim in (("ttft_p99", ttft_p99_limit_s), ("tpot_p99", tpot_p99_limit_s)):
        if lim is not None and not (lim > 0 and math.isfinite(lim)):
            raise SiliconomicsError(f"{name}: must be a finite time > 0 in seconds, got {lim!r}")
    layout = layout or Layout()
    if layout.pins_parallelism:
        _check_pins(layout, chips)
    i_dist = as_length(input_len, "input_len")
    o_dist = as_length(output_len, "output_len")
    i_mean = _mean(i_dist)
    o_mean = _mean(o_dist)
    i_len, o_len = max(1, round(i_mean)), max(1, round(o_mean))
    precs = list(precisions) if precisions is not None else precisions_that_run(hw, weights, kvs)

    cands: list[Candidate] = []
    if layout.allows_aggregated:
        cands += _aggregated(model, hw, chips, precs, i_len, o_len, layout)
    if disaggregated and chips > 1 and layout.allows_disaggregated:
        cands += _disaggregated(model, hw, chips, precs, i_len, o_len)
    cands = [c for c in cands if layout.admits(c)]
    if not cands:
        pinned = f" with {layout.describe()}" if layout.describe() else ""
        raise DoesNotFit(
            f"chips: {model.id} does not fit on {chips} x {hw.chip.id} in any configuration"
            f"{pinned} with formats {', '.join(f'{p.weights}/{p.kv}' for p in precs)}"
        )
    conf = _Confirmer(model, hw, i_dist, o_dist, seed)

    confirmed = [conf.offline(c) for c in _per_mode_top(cands, top_k)]
    best = max(confirmed, key=_rank_key)

    best_sla: ServingPoint | None = None
    if ttft_p99_limit_s is not None or tpot_p99_limit_s is not None:
        ok = [
            c
            for c in cands
            if (ttft_p99_limit_s is None or c.ttft_s <= ttft_p99_limit_s)
            and (tpot_p99_limit_s is None or c.inter_token_s <= tpot_p99_limit_s)
        ]
        sla_points: list[ServingPoint] = []
        top = sorted(
            _per_mode_top(ok, top_k), key=lambda c: (-c.output_tokens_per_s, _order_key(c))
        )
        for c in top:
            # The bisection never reports more than RATE_HEADROOM x the analytic rate: a
            # candidate whose ceiling is below the best found cannot win, so skip it.
            best_so_far = max((q.output_tokens_per_s for q in sla_points), default=0.0)
            if RATE_HEADROOM * c.output_tokens_per_s <= best_so_far:
                continue
            p = conf.max_rate(c, ttft_p99_limit_s, tpot_p99_limit_s, c.output_tokens_per_s)
            if p is not None:
                sla_points.append(p)
        best_sla = max(sla_points, key=_rank_key, default=None)
        # A configuration that sustains a rate within the limits sustains it without them:
        # the unconstrained best can never be below the constrained one.
        if best_sla is not None and best_sla.output_tokens_per_s > best.output_tokens_per_s:
            best = best_sla

    frontier: tuple[ServingPoint, ...] = ()
    if frontier_points > 0:
        frontier = _frontier(cands, conf, frontier_points)
    return SearchResult(
        model=model.id,
        hardware=hardware_name or hw.chip.id,
        chips=chips,
        input_tokens_mean=i_mean,
        output_tokens_mean=o_mean,
        ttft_p99_limit_s=ttft_p99_limit_s,
        tpot_p99_limit_s=tpot_p99_limit_s,
        best=best,
        best_sla=best_sla,
        frontier=frontier,
        candidates_evaluated=len(cands),
        simulations=conf.runs,
    )


def _rank_key(p: ServingPoint) -> tuple[float, tuple[object, ...]]:
    """Most output tokens/s first; exact ties go to the cheaper-to-describe deployment."""
    d = p.deployment
    q = d.prefill_par
    return (
        p.output_tokens_per_s,
        (
            -(q is not None),
            -d.par.tp,
            -d.par.pp,
            -(d.engine.max_num_seqs or 0),
            p.precision.weights.value,
        ),
    )


def _check_pins(layout: Layout, chips: int) -> None:
    tp, pp, dp = layout.tp, layout.pp, layout.dp
    known = (tp or 1) * (pp or 1) * (dp or 1)
    if chips % known:
        raise SiliconomicsError(
            f"chips: {chips} is not a multiple of tp x pp x dp = {known} as pinned"
        )
    if tp is not None and pp is not None and dp is not None and known != chips:
        raise SiliconomicsError(f"chips: tp x pp x dp = {known} as pinned, but chips = {chips}")


def _frontier(
    cands: list[Candidate], conf: _Confirmer, frontier_points: int
) -> tuple[ServingPoint, ...]:
    xs = np.array([c.output_tokens_per_s / c.chips for c in cands])
    ys = np.array([1.0 / c.inter_token_s for c in cands])
    front = [cands[i] for i in _pareto(xs, ys)]
    if len(front) > frontier_points:
        pick = np.unique(np.linspace(0, len(front) - 1, frontier_points).round().astype(int))
        front = [front[i] for i in pick]
    sim_front = [conf.offline(c) for c in front]
    fx = np.array([p.output_tokens_per_s_per_chip for p in sim_front])
    fy = np.array([p.output_tokens_per_s_per_user for p in sim_front])
    return tuple(sim_front[i] for i in _pareto(fx, np.nan_to_num(fy)))


def _mean(d: LengthDist) -> float:
    return float(d.mean_tokens)
