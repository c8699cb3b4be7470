"""Discrete-event simulator of an inference server with continuous batching.

One event per engine step, not per token. A replica (tp x pp chips) repeats steps; each
step, in this order (the policy of vLLM's and TensorRT-LLM's in-flight batching
schedulers):

1. requests that have arrived by the step's start join a FCFS queue;
2. every decoding sequence gets one token of the step's budget ``max_num_tokens``;
3. the remaining budget goes to prompts, first-come first-served: first the prompt that is
   part-way through prefill, then new requests from the head of the queue. A new request is
   admitted only if (a) fewer than ``max_num_seqs`` sequences are in flight and (b) its
   whole KV cache, input + output tokens, fits in what the replica's KV memory has left.
   Reserving the full KV at admission means a running sequence never runs out of cache, so
   no preemption or swapping is needed; it is conservative against paged engines, which
   allocate pages as sequences grow and preempt on overflow (they fit more sequences when
   outputs end early, and pay recomputation when they guess wrong). FCFS is strict: a
   request that does not fit blocks those behind it (no skipping ahead).
   With ``chunked_prefill`` a prompt takes min(what is left of it, budget left) tokens and
   continues next step; without it, a prompt is scheduled whole or waits (TensorRT-LLM's
   in-flight batching without chunked context), and a prompt longer than the budget is an
   error.
4. the step runs for the time the performance engine gives (serving.steps, cached);
5. at its end every decoder has one more token; a prompt that finished emits its first
   token (TTFT) and becomes a decoder from the next step; finished requests free their KV.

A request of I input and O output tokens thus has TTFT = queueing + its prefill step(s)
(the first token is produced by the step that ends the prompt), then O - 1 decode steps;
TPOT = (last token time - first token time) / (O - 1), undefined (NaN) when O = 1.

Data parallelism: ``dp`` replicas each simulated on its own share of the requests, routed
round-robin in arrival order (a closed loop gives each replica concurrency/dp users).
Join-shortest-queue routing is not modelled; for Poisson arrivals round-robin gives each
replica smoother (Erlang) arrivals at rate/dp.

Disaggregation (``prefill_par`` set): a prefill pool runs prompt-only steps and emits the
first token; the prompt's KV cache (bytes per prefill chip from perf.workload) then moves
to the decode pool over the fabric in ``collective_latency_s + bytes / (link bandwidth x
collective_bandwidth_efficiency)``, the link being the scale-up one when both pools fit in
one scale-up domain and the scale-out NIC otherwise. The transfer is asynchronous
(it does not stall the prefill engine) and uncontended (each chip has its own link).
The decode pool admits arrivals by the same FCFS / KV rule and runs decode-only steps.
Prefill KV is freed at the end of prefill (the transfer time is short against a step).

The event loop is plain Python on scalars (numpy per step costs more than it saves);
request generation, KV sizes and statistics are vectorised with numpy.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from siliconomics.catalog.specs import ModelArch
from siliconomics.errors import SiliconomicsError
from siliconomics.perf.config import Parallelism, Precision
from siliconomics.perf.memory import MAX_STEP_TOKENS, plan_memory
from siliconomics.perf.timing import Hardware
from siliconomics.perf.workload import kv_cache_bytes_per_chip
from siliconomics.serving.steps import DECODE_BLOCK_TOKENS, DEFAULT_KEY_BITS, StepTimer
from siliconomics.serving.workload import Requests


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Scheduler settings of one replica.

    ``max_num_seqs`` None means the calibration's engine cap (``max_batch_sequences``).
    ``key_bits`` sets the step-cache quantisation of mixed steps (see serving.steps).
    """

    max_num_tokens: int = MAX_STEP_TOKENS
    max_num_seqs: int | None = None
    chunked_prefill: bool = True
    key_bits: int | None = DEFAULT_KEY_BITS

    def __post_init__(self) -> None:
        if not isinstance(self.max_num_tokens, int) or self.max_num_tokens < 1:
            raise SiliconomicsError(
                f"max_num_tokens: must be a positive integer, got {self.max_num_tokens!r}"
            )
        if self.max_num_seqs is not None and (
            not isinstance(self.max_num_seqs, int) or self.max_num_seqs < 1
        ):
            raise SiliconomicsError(
                f"max_num_seqs: must be a positive integer, got {self.max_num_seqs!r}"
            )
        if self.key_bits is not None and (not isinstance(self.key_bits, int) or self.key_bits < 1):
            raise SiliconomicsError(
                f"key_bits: must be a positive integer or None, got {self.key_bits!r}"
            )


@dataclass(frozen=True, slots=True)
class Deployment:
    """What serves: ``par`` (aggregated), or a decode pool ``par`` plus a prefill pool.

    Each Parallelism's ``dp`` is its number of replicas; the deployment uses
    ``par.chips + prefill_par.chips`` chips.
    """

    par: Parallelism
    engine: EngineConfig = field(default_factory=EngineConfig)
    prefill_par: Parallelism | None = None
    prefill_engine: EngineConfig | None = None

    @property
    def disaggregated(self) -> bool:
        return self.prefill_par is not None

    @property
    def chips(self) -> int:
        return self.par.chips + (self.prefill_par.chips if self.prefill_par else 0)

    def describe(self) -> dict[str, Any]:
        def p(x: Parallelism) -> dict[str, int]:
            return {"tp": x.tp, "pp": x.pp, "ep": x.ep, "dp": x.dp}

        out: dict[str, Any] = {
            "mode": "disaggregated" if self.disaggregated else "aggregated",
            "chips": self.chips,
        }
        if self.prefill_par is None:
            out["parallelism"] = p(self.par)
        else:
            out["prefill_parallelism"] = p(self.prefill_par)
            out["decode_parallelism"] = p(self.par)
        out["max_num_seqs"] = self.engine.max_num_seqs
        out["max_num_tokens"] = self.engine.max_num_tokens
        out["chunked_prefill"] = self.engine.chunked_prefill
        return out


class Replica:
    """A replica's fixed facts: step timer, KV capacity, sequence cap. Reusable across runs."""

    __slots__ = (
        "engine",
        "hw",
        "kv_capacity_bytes",
        "max_num_seqs",
        "model",
        "par",
        "prec",
        "timer",
    )

    def __init__(
        self,
        model: ModelArch,
        hw: Hardware,
        prec: Precision,
        par: Parallelism,
        engine: EngineConfig,
        timer: StepTimer | None = None,
    ) -> None:
        par.check_model(model)
        hw.chip.peak(prec.gemm_dtype)
        self.model, self.hw, self.prec, self.engine = model, hw, prec, engine
        self.par = replace(par, dp=1, ep=min(par.ep, par.tp))
        if par.ep > par.tp:
            # Wide expert parallelism spans replicas; one replica is simulated with its
            # experts inside its TP group (ep = tp), a documented simplification.
            self.par = replace(par, dp=1, ep=par.tp)
        seqs = engine.max_num_seqs or int(hw.calibration.max_batch_sequences)
        self.max_num_seqs = min(seqs, engine.max_num_tokens)
        mem = plan_memory(
            model,
            self.par,
            prec,
            hw,
            batch=1,
            context=1,
            step_tokens=engine.max_num_tokens,
            logit_tokens=min(engine.max_num_tokens, self.max_num_seqs),
        )
        self.kv_capacity_bytes = (
            mem.capacity_bytes - mem.weights_bytes - mem.activations_bytes - mem.overhead_bytes
        )
        self.timer = timer or StepTimer(model, self.par, prec, hw, engine.key_bits)

    def kv_bytes(self, tokens: np.ndarray) -> np.ndarray:
        """KV bytes per chip a request holding ``tokens`` tokens needs (windows included)."""
        return np.asarray(
            kv_cache_bytes_per_chip(self.model, self.par, self.prec, 1.0, tokens.astype(float)),
            dtype=float,
        ) * np.ones_like(tokens, dtype=float)


@dataclass(frozen=True, slots=True)
class ReplicaRun:
    """Raw per-request times of one pool run (indices into the arrays passed in)."""

    admit_s: np.ndarray
    first_s: np.ndarray
    finish_s: np.ndarray
    series_t_s: np.ndarray
    series_queue: np.ndarray
    series_running: np.ndarray
    steps: int
    step_log: tuple[tuple[float, float, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class _Requests:
    """The requests of one replica run: per-request lists indexed like them, and how a
    closed loop issues them.

    Plain lists, not arrays: the event loop reads and writes one scalar at a time, where
    list indexing is several times faster than numpy's. The ``*_s`` outputs are NaN until
    set. In a closed loop the j-th completion (j = 0, 1, ...) issues request
    ``issued_at_start + j``, arriving ``think_time_s`` later; ``arrival_s`` is filled in
    then (``issued_at_start`` is the number of requests when the loop is open).
    """

    arrival_s: list[float]
    input_tokens: list[int]
    decode_tokens: list[int]
    kv_bytes: list[float]  # reserved at admission, freed at finish
    admit_s: list[float]
    first_s: list[float]
    finish_s: list[float]
    issued_at_start: int
    think_time_s: float


def run_replica(
    rep: Replica,
    arrival_s: np.ndarray,
    input_tokens: np.ndarray,
    decode_tokens: np.ndarray,
    *,
    prefilled: bool,
    reserve_tokens: np.ndarray,
    closed_concurrency: int | None = None,
    think_time_s: float = 0.0,
    log_steps: bool = False,
) -> ReplicaRun:
    """Simulate one replica over requests sorted by arrival.

    ``decode_tokens`` = tokens made by decode steps (O - 1 aggregated, 0 on a prefill pool).
    ``prefilled``: requests arrive with their prompt's KV in place (decode pool).
    ``reserve_tokens``: KV tokens reserved at admission. With ``closed_concurrency`` the
    first that many requests arrive at 0 and each later one ``think_time_s`` after a
    completion (``arrival_s`` is filled in, in place). ``log_steps`` records every step as
    (start_s, duration_s, prompt tokens, decoders), for checks on small runs.
    """
    n_req = len(input_tokens)
    arr: list[float] = arrival_s.tolist()
    inp: list[int] = input_tokens.tolist()
    dec: list[int] = decode_tokens.tolist()
    if prefilled and min(dec, default=1) < 1:
        # A decode-pool request finishes at its admission step + decode tokens - 1; with
        # none to make it would never finish and the loop would not end.
        raise ValueError("run_replica: a prefilled request must decode at least one token")
    need = _reserved_kv_bytes(rep, reserve_tokens)
    if not prefilled:
        _check_whole_prompts_fit(rep.engine, inp)
    issued = n_req
    if closed_concurrency is not None:
        issued = _start_closed_loop(arr, closed_concurrency)
    unset = [math.nan] * n_req
    reqs = _Requests(arr, inp, dec, need, unset.copy(), unset.copy(), unset, issued, think_time_s)
    run = _event_loop(rep, reqs, prefilled, log_steps)
    if closed_concurrency is not None:
        arrival_s[:] = np.asarray(arr)
    return run


def _reserved_kv_bytes(rep: Replica, reserve_tokens: np.ndarray) -> list[float]:
    """KV bytes per chip each request reserves; an error when one alone cannot fit."""
    need: list[float] = rep.kv_bytes(reserve_tokens).tolist()
    cap_bytes = rep.kv_capacity_bytes
    worst = max(need) if need else 0.0
    if worst > cap_bytes:
        worst_idx = int(np.argmax(need))
        raise SiliconomicsError(
            f"input_len/output_len: a request of {int(reserve_tokens[worst_idx])} tokens needs "
            f"{worst / 1e9:.2f} GB of KV cache per chip but a replica has "
            f"{max(cap_bytes, 0) / 1e9:.2f} GB free; use more chips or shorter requests"
        )
    return need


def _check_whole_prompts_fit(engine: EngineConfig, input_tokens: list[int]) -> None:
    """Without chunked prefill a prompt runs in one step, so it must fit the budget."""
    budget = engine.max_num_tokens
    if not engine.chunked_prefill and input_tokens and max(input_tokens) > budget:
        raise SiliconomicsError(
            f"max_num_tokens: {budget} is less than a {max(input_tokens)}-token prompt; "
            f"enable chunked prefill or raise max_num_tokens"
        )


def _start_closed_loop(arrival_s: list[float], concurrency: int) -> int:
    """The first ``concurrency`` requests arrive at 0, the others are not issued yet
    (arrival inf); returns how many are issued."""
    n_req = len(arrival_s)
    issued = min(concurrency, n_req)
    for idx in range(n_req):
        arrival_s[idx] = 0.0 if idx < issued else math.inf
    return issued


def _event_loop(rep: Replica, reqs: _Requests, prefilled: bool, log_steps: bool) -> ReplicaRun:
    """One iteration per engine step, in the order of the module docstring (1-5).

    The decode batch is a count ``n_dec`` and a context sum ``ctx_sum``; ``finishing``
    maps a step to the decoders whose last token it makes. The queue length and the
    requests in flight are recorded when they change. This loop is the simulator's hot
    path: its state stays in local variables, and a helper runs only in a step that has
    its kind of work.
    """
    arr = reqs.arrival_s
    n_req = len(arr)
    budget, max_seqs = rep.engine.max_num_tokens, rep.max_num_seqs
    mixed_step_s, decode_block = rep.timer.mixed, rep.timer.decode_block
    rows: dict[tuple[int, int], list[float]] = {}  # decode-only step times by (n, block)
    block_tokens = DECODE_BLOCK_TOKENS
    row_key: tuple[int, int] = (0, 0)  # the row in use (n_dec >= 1: none yet)
    row: list[float] = []
    ser_t: list[float] = []  # series of (time, queue length, in flight), as three lists:
    ser_q: list[int] = []  # tuples would be objects for the garbage collector to trace
    ser_r: list[int] = []
    log: list[tuple[float, float, int, int]] = []
    queue: deque[int] = deque()
    prefilling: deque[list[int]] = deque()  # [request, tokens left, tokens done]
    finishing: dict[int, list[int]] = {}
    ending: list[int] = []  # prompts whose prefill this step ends (emptied at its end)
    now_s = kv_used = 0.0
    step = nxt = n_dec = ctx_sum = running = done = 0
    last_q = last_r = -1
    while done < n_req:
        while nxt < n_req and arr[nxt] <= now_s:
            queue.append(nxt)
            nxt += 1

        room = budget - n_dec
        chunks = new_tok = old_tok = 0
        if prefilling:
            chunks, new_tok, old_tok, room = _continue_prefills(prefilling, room, ending)
        admitting = queue and running < max_seqs and room > 0
        if admitting and prefilled:
            running, kv_used, n_dec, ctx_sum = _admit_decoders(
                rep, reqs, queue, finishing, now_s, step, room, running, kv_used, n_dec, ctx_sum
            )
        elif admitting:
            running, kv_used, chunks, new_tok = _admit_prompts(
                rep, reqs, queue, prefilling, ending, now_s, room, running, kv_used, chunks, new_tok
            )

        qlen = len(queue)
        if qlen != last_q or running != last_r:
            ser_t.append(now_s)
            ser_q.append(qlen)
            ser_r.append(running)
            last_q, last_r = qlen, running

        if chunks:
            step_s = mixed_step_s(chunks, new_tok, old_tok, n_dec, ctx_sum)
        elif n_dec:
            # The mean context, rounded to a whole token, indexes a row of step times; the
            # row in use changes only when n_dec does or the context crosses a block.
            mean_ctx = (ctx_sum + n_dec // 2) // n_dec
            if n_dec != row_key[0] or mean_ctx // block_tokens != row_key[1]:
                row_key = (n_dec, mean_ctx // block_tokens)
                if row_key not in rows:
                    rows[row_key] = decode_block(n_dec, mean_ctx // block_tokens)
                row = rows[row_key]
            step_s = row[mean_ctx % block_tokens]
        elif nxt < n_req and arr[nxt] < math.inf:
            now_s = max(now_s, arr[nxt])  # idle until the next arrival
            continue
        else:
            raise AssertionError("simulator stalled: no work and no arrivals")  # pragma: no cover

        if log_steps:
            log.append((now_s, step_s, new_tok, n_dec))
        now_s += step_s
        ctx_sum += n_dec
        if ending or step in finishing:
            n_dec, ctx_sum, kv_used, running, done = _end_step(
                reqs, ending, finishing, now_s, step, n_dec, ctx_sum, kv_used, running, done
            )
        step += 1

    ser_t.append(now_s)
    ser_q.append(len(queue))
    ser_r.append(running)
    return ReplicaRun(
        np.asarray(reqs.admit_s),
        np.asarray(reqs.first_s),
        np.asarray(reqs.finish_s),
        np.asarray(ser_t),
        np.asarray(ser_q),
        np.asarray(ser_r),
        step,
        tuple(log),
    )


def _continue_prefills(
    prefilling: deque[list[int]], room: int, ending: list[int]
) -> tuple[int, int, int, int]:
    """Give ``room`` tokens of the budget to prompts part-way through prefill, FCFS.

    Each [request, tokens left, tokens done] item is updated now (nothing reads it again
    before the step ends); a prompt whose prefill this step ends goes to ``ending`` and
    leaves ``prefilling``. Returns (chunks, new tokens, tokens already prefilled under
    them, room left).
    """
    chunks = new_tok = old_tok = 0
    for item in prefilling:
        if room <= 0:
            break
        take = item[1] if item[1] <= room else room
        chunks += 1
        new_tok += take
        old_tok += item[2]
        room -= take
        item[1] -= take
        item[2] += take
        if item[1] == 0:
            ending.append(item[0])
    while prefilling and prefilling[0][1] == 0:
        prefilling.popleft()
    return chunks, new_tok, old_tok, room


def _admit_prompts(
    rep: Replica,
    reqs: _Requests,
    queue: deque[int],
    prefilling: deque[list[int]],
    ending: list[int],
    now_s: float,
    room: int,
    running: int,
    kv_used: float,
    chunks: int,
    new_tok: int,
) -> tuple[int, float, int, int]:
    """Admit new prompts from the head of the queue into the ``room`` left in the budget.

    Strict FCFS: the head is admitted only while fewer than ``max_num_seqs`` sequences
    are running and its whole KV reservation fits in what is left; otherwise it blocks
    those behind it. With chunked prefill a prompt takes min(its length, room) tokens and
    continues in ``prefilling``; without, a prompt that does not fit whole waits. Returns
    (running, KV bytes used, chunks, new tokens).
    """
    need, inp, admit = reqs.kv_bytes, reqs.input_tokens, reqs.admit_s
    max_seqs, cap_bytes = rep.max_num_seqs, rep.kv_capacity_bytes
    chunked = rep.engine.chunked_prefill
    while queue and running < max_seqs and room > 0:
        req = queue[0]
        if kv_used + need[req] > cap_bytes:
            break
        size = inp[req]
        if size > room and not chunked:
            break
        queue.popleft()
        admit[req] = now_s
        running += 1
        kv_used += need[req]
        take = size if size <= room else room
        chunks += 1
        new_tok += take
        room -= take
        if take == size:
            ending.append(req)
        else:
            prefilling.append([req, size - take, take])
    return running, kv_used, chunks, new_tok


def _admit_decoders(
    rep: Replica,
    reqs: _Requests,
    queue: deque[int],
    finishing: dict[int, list[int]],
    now_s: float,
    step: int,
    room: int,
    running: int,
    kv_used: float,
    n_dec: int,
    ctx_sum: int,
) -> tuple[int, float, int, int]:
    """Admit prefilled requests (decode pool) from the head of the queue, one token each.

    The same FCFS and KV rule as for prompts. A request decodes from this step on, so
    its last token is made by step + decode tokens - 1. Returns (running, KV bytes
    used, decoders, their context sum).
    """
    need, inp, dec, admit = reqs.kv_bytes, reqs.input_tokens, reqs.decode_tokens, reqs.admit_s
    max_seqs, cap_bytes = rep.max_num_seqs, rep.kv_capacity_bytes
    while queue and running < max_seqs and room > 0:
        req = queue[0]
        if kv_used + need[req] > cap_bytes:
            break
        queue.popleft()
        admit[req] = now_s
        running += 1
        kv_used += need[req]
        n_dec += 1
        room -= 1
        ctx_sum += inp[req]
        last_step = step + dec[req] - 1
        if last_step in finishing:
            finishing[last_step].append(req)
        else:
            finishing[last_step] = [req]
    return running, kv_used, n_dec, ctx_sum


def _end_step(
    reqs: _Requests,
    ending: list[int],
    finishing: dict[int, list[int]],
    now_s: float,
    step: int,
    n_dec: int,
    ctx_sum: int,
    kv_used: float,
    running: int,
    done: int,
) -> tuple[int, int, float, int, int]:
    """Bookkeeping at the end of ``step``, which ended at ``now_s``.

    Decoders whose last token the step made (``finishing[step]``) free their KV, in
    request order. Prompts whose prefill ended (``ending``, emptied) emit their first
    token and decode from the next step, their last token made by step + decode tokens,
    or finish at once when they have no more to make. In a closed loop each completion
    issues the next request. Returns (decoders, their context sum, KV bytes used,
    running, done).
    """
    arr, inp, dec, need = reqs.arrival_s, reqs.input_tokens, reqs.decode_tokens, reqs.kv_bytes
    first, finish = reqs.first_s, reqs.finish_s
    n_req = len(arr)
    issue = reqs.issued_at_start + done  # the request the next completion issues
    finished = finishing.pop(step, None)
    if finished is not None:
        finished.sort()
        for req in finished:
            finish[req] = now_s
            n_dec -= 1
            ctx_sum -= inp[req] + dec[req]
            kv_used -= need[req]
            running -= 1
            done += 1
            if issue < n_req:
                arr[issue] = now_s + reqs.think_time_s
            issue += 1
    for req in ending:
        first[req] = now_s
        decode_left = dec[req]
        if decode_left > 0:
            n_dec += 1
            ctx_sum += inp[req]
            last_step = step + decode_left
            if last_step in finishing:
                finishing[last_step].append(req)
            else:
                finishing[last_step] = [req]
        else:
            finish[req] = now_s
            kv_used -= need[req]
            running -= 1
            done += 1
            if issue < n_req:
                arr[issue] = now_s + reqs.think_time_s
            issue += 1
    ending.clear()
    return n_dec, ctx_sum, kv_used, running, done


# --- the whole deployment -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Percentiles:
    p50: float
    p90: float
    p99: float
    mean: float

    @staticmethod
    def of(x: np.ndarray) -> Percentiles:
        x = x[np.isfinite(x)]
        if x.size == 0:
            return Percentiles(math.nan, math.nan, math.nan, math.nan)
        p = np.percentile(x, [50, 90, 99])
        return Percentiles(float(p[0]), float(p[1]), float(p[2]), float(x.mean()))


@dataclass(frozen=True, slots=True)
class Summary:
    """Run statistics. Throughputs are over the run's span, first arrival to last finish."""

    requests: int
    chips: int
    duration_s: float
    ttft_s: Percentiles
    tpot_s: Percentiles
    e2e_s: Percentiles
    queue_s: Percentiles
    output_tokens_per_s: float
    total_tokens_per_s: float
    output_tokens_per_s_per_chip: float
    output_tokens_per_s_per_user: float
    requests_per_s: float
    mean_in_system: float
    max_queue_length: int
    final_queue_length: int
    queue_growth_per_s: float  # slope of the queue length while requests arrive

    def as_dict(self) -> dict[str, Any]:
        """The statistics, with ``None`` for one that is undefined in this run (TPOT when no
        request made a second token): NaN inside, where comparisons skip it; null outside."""
        out: dict[str, Any] = {}
        for name in self.__slots__:
            v = getattr(self, name)
            out[name] = (
                {k: _defined(getattr(v, k)) for k in ("p50", "p90", "p99", "mean")}
                if isinstance(v, Percentiles)
                else _defined(v)
            )
        return out


def _defined(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


@dataclass(frozen=True, slots=True)
class SimResult:
    """Per-request times (arrays indexed like the requests) and the queue time series.

    ``series_*``: the step function of the queue length and of requests in flight (sum over
    replicas and pools), value ``series_queue[i]`` from ``series_t_s[i]`` to the next time.
    """

    deployment: Deployment
    arrival_s: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    queue_s: np.ndarray
    ttft_s: np.ndarray
    tpot_s: np.ndarray
    e2e_s: np.ndarray
    finish_s: np.ndarray
    transfer_s: np.ndarray
    series_t_s: np.ndarray
    series_queue: np.ndarray
    series_running: np.ndarray
    steps: int
    step_cache_misses: int
    step_logs: tuple[tuple[tuple[float, float, int, int], ...], ...] = ()

    def summary(self) -> Summary:
        n = len(self.arrival_s)
        start = float(self.arrival_s.min())
        end = float(self.finish_s.max())
        span = max(end - start, 1e-12)
        out_tok = float(self.output_tokens.sum())
        tpot = Percentiles.of(self.tpot_s)
        t, q, r = self.series_t_s, self.series_queue, self.series_running
        dt = np.diff(t)
        in_sys = float(np.sum((q[:-1] + r[:-1]) * dt) / span) if t.size > 1 else 0.0
        growth = _queue_slope(t, q, float(np.nanmax(self.arrival_s)))
        return Summary(
            requests=n,
            chips=self.deployment.chips,
            duration_s=span,
            ttft_s=Percentiles.of(self.ttft_s),
            tpot_s=tpot,
            e2e_s=Percentiles.of(self.e2e_s),
            queue_s=Percentiles.of(self.queue_s),
            output_tokens_per_s=out_tok / span,
            total_tokens_per_s=(out_tok + float(self.input_tokens.sum())) / span,
            output_tokens_per_s_per_chip=out_tok / span / self.deployment.chips,
            output_tokens_per_s_per_user=1.0 / tpot.mean if tpot.mean > 0 else math.nan,
            requests_per_s=n / span,
            mean_in_system=in_sys,
            max_queue_length=int(q.max()) if q.size else 0,
            final_queue_length=int(q[-2]) if q.size > 1 else 0,
            queue_growth_per_s=growth,
        )

    def meets(self, ttft_limit_s: float | None, tpot_limit_s: float | None) -> np.ndarray:
        """Which requests met both limits (TPOT of one-token answers counts as met)."""
        ok = np.ones(len(self.arrival_s), dtype=bool)
        if ttft_limit_s is not None:
            ok &= self.ttft_s <= ttft_limit_s
        if tpot_limit_s is not None:
            ok &= np.isnan(self.tpot_s) | (self.tpot_s <= tpot_limit_s)
        return ok

    def goodput_output_tokens_per_s(
        self, ttft_limit_s: float | None, tpot_limit_s: float | None
    ) -> float:
        """Output tokens/s of the requests that met the SLA, over the run's span."""
        span = max(float(self.finish_s.max() - self.arrival_s.min()), 1e-12)
        return float(self.output_tokens[self.meets(ttft_limit_s, tpot_limit_s)].sum()) / span

    def steady_output_tokens_per_s(self, trim: float = 0.1) -> float:
        """Output tokens/s between the trim and 1 - trim quantiles of finish times.

        Drops the ramp-up and the drain of a finite run: the sustained rate at that load.
        """
        f = np.sort(self.finish_s)
        order = np.argsort(self.finish_s, kind="stable")
        lo, hi = int(trim * len(f)), int((1 - trim) * len(f)) - 1
        if hi <= lo or f[hi] <= f[lo]:
            return self.summary().output_tokens_per_s
        tokens = float(self.output_tokens[order[lo + 1 : hi + 1]].sum())
        return tokens / float(f[hi] - f[lo])


def _queue_slope(t: np.ndarray, q: np.ndarray, last_arrival_s: float) -> float:
    """Least-squares slope (requests/s) of the queue length while requests still arrive.

    The step function is weighted by how long each value holds; after the last arrival
    every finite run drains, so that part is left out. Positive and large = overload.
    """
    if t.size < 3 or last_arrival_s <= t[0]:
        return 0.0
    tc = np.minimum(t, last_arrival_s)
    w = np.diff(np.append(tc, last_arrival_s))
    if w.sum() <= 0:
        return 0.0
    tm = float(np.average(tc, weights=w))
    den = float(np.sum(w * (tc - tm) ** 2))
    return float(np.sum(w * (tc - tm) * q) / den) if den > 0 else 0.0


def _merge_series(runs: list[ReplicaRun]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum step functions: union of times, each series held at its last value."""
    times = np.unique(np.concatenate([r.series_t_s for r in runs]))
    q = np.zeros(times.size)
    r_ = np.zeros(times.size)
    for run in runs:
        idx = np.searchsorted(run.series_t_s, times, side="right") - 1
        valid = idx >= 0
        q[valid] += run.series_queue[idx[valid]]
        r_[valid] += run.series_running[idx[valid]]
    return times, q, r_


def _split(n: int, dp: int) -> list[np.ndarray]:
    """Round-robin in arrival order: replica j gets requests j, j + dp, j + 2 dp, ..."""
    return [np.arange(j, n, dp) for j in range(dp)]


def transfer_s(
    model: ModelArch,
    hw: Hardware,
    prec: Precision,
    prefill_par: Parallelism,
    decode_par: Parallelism,
    input_tokens: np.ndarray,
) -> np.ndarray:
    """KV-cache transfer time of each prompt from the prefill to the decode pool.

    Each prefill chip sends its own share (kv_cache_bytes_per_chip of the prompt) over its
    own link: latency + bytes / (bandwidth x efficiency). The link is scale-up when both
    pools fit in one scale-up domain, scale-out otherwise (Hardware.link_bandwidth).
    """
    rep = replace(prefill_par, dp=1, ep=min(prefill_par.ep, prefill_par.tp))
    bytes_per_chip = np.asarray(
        kv_cache_bytes_per_chip(model, rep, prec, 1.0, input_tokens.astype(float)), dtype=float
    )
    cal = hw.calibration
    bw = (
        hw.link_bandwidth(prefill_par.chips + decode_par.chips)
        * cal.collective_bandwidth_efficiency
    )
    return cal.collective_latency_s + bytes_per_chip / bw


def simulate(
    model: ModelArch,
    hw: Hardware,
    prec: Precision,
    deployment: Deployment,
    requests: Requests,
    *,
    cache: SimCache | None = None,
    log_steps: bool = False,
) -> SimResult:
    """Simulate a deployment serving ``requests``; see the module docstring for the policy.

    ``cache`` (optional) keeps built replicas and their step-time caches between runs of
    the same model, hardware and precision (a rate or batch search). ``log_steps`` keeps
    each replica's step log in ``SimResult.step_logs`` (prefill pools first).
    """
    n = len(requests)
    if n == 0:
        raise SiliconomicsError("requests: at least one request is needed")
    cache = cache if cache is not None else SimCache()
    closed = requests.closed_loop
    if closed is not None and deployment.disaggregated:
        raise SiliconomicsError(
            "arrival: a closed loop is not supported with disaggregated pools; "
            "use Poisson, Offline or a trace"
        )
    inp = np.asarray(requests.input_tokens, dtype=np.int64)
    out = np.asarray(requests.output_tokens, dtype=np.int64)
    arrival = np.array(requests.arrival_s, dtype=float)
    if closed is None and np.any(np.diff(arrival) < 0):
        raise SiliconomicsError("requests: arrival_s must be sorted")
    if model.max_position_embeddings:
        longest = int((inp + out).max())
        if longest > model.max_position_embeddings:
            raise SiliconomicsError(
                f"input_len/output_len: {longest} tokens exceed the "
                f"{model.max_position_embeddings} positions of {model.id}"
            )

    def replica(par: Parallelism, eng: EngineConfig) -> Replica:
        return cache.replica(model, hw, prec, par, eng)

    admit = np.full(n, np.nan)
    first = np.full(n, np.nan)
    finish = np.full(n, np.nan)
    xfer = np.zeros(n)
    runs: list[ReplicaRun] = []
    steps = 0
    if deployment.prefill_par is None:
        par, eng = deployment.par, deployment.engine
        rep = replica(par, eng)
        conc = _split(closed.concurrency, par.dp) if closed else None
        for j, idx in enumerate(_split(n, par.dp)):
            if idx.size == 0:
                continue
            a = arrival[idx]
            run = run_replica(
                rep,
                a,
                inp[idx],
                out[idx] - 1,
                prefilled=False,
                reserve_tokens=inp[idx] + out[idx],
                closed_concurrency=conc[j].size if conc is not None else None,
                think_time_s=closed.think_time_s if closed else 0.0,
                log_steps=log_steps,
            )
            if closed is not None:
                arrival[idx] = a
            admit[idx], first[idx], finish[idx] = run.admit_s, run.first_s, run.finish_s
            runs.append(run)
            steps += run.steps
        queue = admit - arrival
    else:
        ppar = deployment.prefill_par
        peng = deployment.prefill_engine or deployment.engine
        prep = replica(ppar, peng)
        for idx in _split(n, ppar.dp):
            if idx.size == 0:
                continue
            run = run_replica(
                prep,
                arrival[idx],
                inp[idx],
                np.zeros(idx.size, dtype=np.int64),
                prefilled=False,
                reserve_tokens=inp[idx],
                log_steps=log_steps,
            )
            admit[idx], first[idx] = run.admit_s, run.first_s
            runs.append(run)
            steps += run.steps
        queue = admit - arrival
        xfer = transfer_s(model, hw, prec, ppar, deployment.par, inp)
        finish = first.copy()
        ready = first + xfer
        todo = np.flatnonzero(out > 1)
        todo = todo[np.argsort(ready[todo], kind="stable")]
        drep = replica(deployment.par, deployment.engine)
        for idx_local in _split(todo.size, deployment.par.dp):
            if idx_local.size == 0:
                continue
            idx = todo[idx_local]
            run = run_replica(
                drep,
                ready[idx],
                inp[idx],
                out[idx] - 1,
                prefilled=True,
                reserve_tokens=inp[idx] + out[idx],
                log_steps=log_steps,
            )
            finish[idx] = run.finish_s
            queue[idx] += run.admit_s - ready[idx]
            runs.append(run)
            steps += run.steps
    ttft = first - arrival
    with np.errstate(invalid="ignore", divide="ignore"):
        tpot = np.where(out > 1, (finish - first) / np.maximum(out - 1, 1), np.nan)
    t, q, r = _merge_series(runs)
    misses = sum(tm.misses for tm in cache.timers.values())
    return SimResult(
        deployment=deployment,
        arrival_s=arrival,
        input_tokens=inp,
        output_tokens=out,
        queue_s=queue,
        ttft_s=ttft,
        tpot_s=tpot,
        e2e_s=finish - arrival,
        finish_s=finish,
        transfer_s=xfer,
        series_t_s=t,
        series_queue=q,
        series_running=r,
        steps=steps,
        step_cache_misses=misses,
        step_logs=tuple(r.step_log for r in runs) if log_steps else (),
    )


class SimCache:
    """Replicas and step-time caches, reused across runs of one (model, hardware, precision).

    Step timers are shared by every engine setting of the same replica shape, so a search
    over ``max_num_seqs`` or arrival rates evaluates each distinct step once.
    """

    __slots__ = ("ident", "replicas", "timers")

    def __init__(self) -> None:
        self.replicas: dict[tuple[object, ...], Replica] = {}
        self.timers: dict[tuple[object, ...], StepTimer] = {}
        self.ident: tuple[int, int, int] | None = None

    def replica(
        self,
        model: ModelArch,
        hw: Hardware,
        prec: Precision,
        par: Parallelism,
        eng: EngineConfig,
    ) -> Replica:
        ident = (id(model), id(hw), hash(prec))
        if self.ident is None:
            self.ident = ident
        elif ident != self.ident:
            raise ValueError("SimCache: one cache serves one model, hardware and precision")
        shape = (par.tp, par.pp, min(par.ep, par.tp), eng.key_bits)
        key = (*shape, eng.max_num_tokens, eng.max_num_seqs, eng.chunked_prefill)
        rep = self.replicas.get(key)
        if rep is None:
            rep = Replica(model, hw, prec, par, eng, self.timers.get(shape))
            self.timers[shape] = rep.timer
            self.replicas[key] = rep
        return rep
