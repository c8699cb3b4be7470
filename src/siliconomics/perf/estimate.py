"""Prefill and decode step estimates for one configuration.

Pipeline parallelism: a step's ops cover all layers, so their summed time T is the latency
of one micro-batch through all ``pp`` stages. A batch of B sequences per replica is cut
into m = min(pp, B) micro-batches that occupy different stages at once (GPipe-style,
Huang et al. 2019, arXiv:1811.06965):

* decode: each micro-batch of B/m sequences returns to the first stage after one full pass,
  so TPOT = T(B/m), and the replica makes B tokens per TPOT;
* prefill: the last of m micro-batches leaves the pipeline after (m + pp - 1) stage times,
  TTFT = (m + pp - 1) / pp · T(B/m).

With pp = 1 both reduce to a single step over the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from siliconomics.catalog.specs import ModelArch
from siliconomics.errors import SiliconomicsError
from siliconomics.perf.config import Parallelism, Precision
from siliconomics.perf.memory import MemoryPlan, plan_memory
from siliconomics.perf.timing import Hardware, OpTime, step_time, time_ops
from siliconomics.perf.workload import COLLECTIVES, Group, build_step

Num = Any


@dataclass(frozen=True, slots=True)
class PhaseEstimate:
    """One phase (prefill or decode): its latency, rate, bound and per-op breakdown."""

    latency_s: float
    tokens_per_s: float
    bound: str
    ops: tuple[OpTime, ...]
    step_overhead_s: float

    def breakdown(self) -> list[dict[str, Any]]:
        rows = []
        for t in self.ops:
            rows.append(
                {
                    "name": t.op.name,
                    "kind": str(t.op.kind),
                    "count": t.op.count,
                    "flops": float(t.op.flops) * t.op.count,
                    "bytes": float(t.op.bytes) * t.op.count,
                    "comm_bytes": float(t.op.comm_bytes) * t.op.count,
                    "time_s": float(t.total_s),
                    "bound": t.bound,
                }
            )
        return rows


@dataclass(frozen=True, slots=True)
class Estimate:
    model: str
    hardware: str
    parallelism: Parallelism
    precision: Precision
    batch: int
    input_len: int
    context: int
    prefill: PhaseEstimate
    decode: PhaseEstimate
    memory: MemoryPlan
    warnings: tuple[str, ...] = ()

    @property
    def ttft_s(self) -> float:
        return self.prefill.latency_s

    @property
    def tpot_s(self) -> float:
        return self.decode.latency_s


def phase_bound(times: list[OpTime], overhead_s: float) -> str:
    """The resource that accounts for most of the phase's time."""
    parts = {"compute": 0.0, "memory": 0.0, "communication": 0.0, "overhead": overhead_s}
    for t in times:
        c, m = float(np.ravel(t.compute_s)[0]), float(np.ravel(t.memory_s)[0])
        n = t.op.count
        if t.op.kind in COLLECTIVES:
            parts["communication"] += float(np.ravel(t.comm_s)[0]) * n
        else:
            parts["compute" if c >= m else "memory"] += max(c, m) * n
            parts["overhead"] += t.overhead_s * n
    return max(parts, key=lambda k: parts[k])


def microbatches(batch_per_replica: Num, pp: int) -> Num:
    return np.minimum(pp, np.maximum(batch_per_replica, 1))


def decode_step_s(
    model: ModelArch, par: Parallelism, prec: Precision, hw: Hardware, batch: Num, context: Num
) -> Num:
    """TPOT in seconds for ``batch`` sequences (whole system) at ``context``; vectorised."""
    per_replica = np.asarray(batch, dtype=float) / par.dp
    m = microbatches(per_replica, par.pp)
    ops = build_step(
        model, par, prec, [Group(per_replica / m, 1, context)], hw.calibration.moe_load_imbalance
    )
    return step_time(time_ops(ops, hw), hw)


def prefill_s(
    model: ModelArch, par: Parallelism, prec: Precision, hw: Hardware, batch: Num, input_len: Num
) -> Num:
    """TTFT in seconds for ``batch`` prompts of ``input_len`` tokens; vectorised."""
    per_replica = np.asarray(batch, dtype=float) / par.dp
    m = microbatches(per_replica, par.pp)
    ops = build_step(
        model, par, prec, [Group(per_replica / m, input_len, 0)], hw.calibration.moe_load_imbalance
    )
    return (m + par.pp - 1) / par.pp * step_time(time_ops(ops, hw), hw)


def _phase(
    model: ModelArch,
    par: Parallelism,
    prec: Precision,
    hw: Hardware,
    group: Group,
    scale: float,
    tokens: float,
) -> PhaseEstimate:
    ops = build_step(model, par, prec, [group], hw.calibration.moe_load_imbalance)
    times = time_ops(ops, hw)
    latency = float(scale * step_time(times, hw))
    return PhaseEstimate(
        latency,
        tokens / latency,
        phase_bound(times, hw.calibration.step_overhead_s),
        tuple(times),
        hw.calibration.step_overhead_s,
    )


def estimate(
    model: ModelArch,
    hw: Hardware,
    par: Parallelism,
    prec: Precision,
    *,
    batch: int,
    input_len: int,
    context: int,
) -> Estimate:
    """Prefill of ``batch`` prompts of ``input_len`` tokens and one decode step of ``batch``
    sequences holding ``context`` tokens each, on ``par.chips`` chips."""
    for name, value in (("batch", batch), ("input_len", input_len), ("context", context)):
        if not isinstance(value, int) or value < 1:
            raise SiliconomicsError(f"{name}: must be a positive integer, got {value!r}")
    if batch < par.dp:
        raise SiliconomicsError(
            f"batch: {batch} is smaller than dp={par.dp}; every replica needs work"
        )
    par.check_model(model)
    hw.chip.peak(prec.gemm_dtype)  # an unsupported format fails here, clearly
    if model.max_position_embeddings and max(context, input_len) > model.max_position_embeddings:
        raise SiliconomicsError(
            f"context: {max(context, input_len)} tokens exceed the {model.max_position_embeddings} "
            f"positions of {model.id}"
        )
    per_replica = batch / par.dp
    m = float(microbatches(per_replica, par.pp))
    mem = plan_memory(
        model,
        par,
        prec,
        hw,
        batch=batch,
        context=max(context, input_len),
        step_tokens=batch * input_len / m,
        logit_tokens=batch,
    )
    warnings: tuple[str, ...] = ()
    if batch > mem.max_batch:
        # An explicit batch is estimated whenever it fits in physical memory: the engine's
        # reserve (calibration.memory_reserve_fraction) is a default a user may lower
        # (vLLM --gpu-memory-utilization, TensorRT-LLM free_gpu_memory_fraction), so
        # eating into it earns a warning, not a refusal. Only a batch whose KV cache
        # exceeds the capacity left after weights and activations is refused.
        gb = 1e9
        physical = mem.capacity_bytes - mem.weights_bytes - mem.activations_bytes
        if mem.kv_cache_bytes > physical:
            raise SiliconomicsError(
                f"batch: {batch} sequences at {max(context, input_len)} tokens need "
                f"{mem.kv_cache_bytes / gb:.1f} GB of KV cache per chip but only "
                f"{physical / gb:.1f} GB of the {mem.capacity_bytes / gb:.1f} GB is left "
                f"after weights and activations; the largest batch that fits with the "
                f"engine's reserve is {mem.max_batch}"
            )
        warnings = (
            f"batch {batch} eats into the engine's memory reserve: "
            f"{(mem.kv_cache_bytes - (physical - mem.overhead_bytes)) / gb:.1f} GB of its "
            f"{mem.overhead_bytes / gb:.1f} GB per chip (the default reserve allows a "
            f"batch of {mem.max_batch}); raise the engine's memory fraction to run it",
        )
    prefill = _phase(
        model,
        par,
        prec,
        hw,
        Group(per_replica / m, input_len, 0),
        (m + par.pp - 1) / par.pp,
        batch * input_len,
    )
    decode = _phase(model, par, prec, hw, Group(per_replica / m, 1, context), 1.0, batch)
    return Estimate(
        model.id, hw.chip.id, par, prec, batch, input_len, context, prefill, decode, mem, warnings
    )
