"""Training step model: step time, tokens/s, MFU and memory per chip of one layout.

A training step of a global batch of ``B`` tokens at sequence length ``S`` on
``tp x cp x pp x dp`` chips (``ep`` folds into ``tp x cp x dp`` for MoE layers, as Megatron
Core's MoE parallel folding does). Each data-parallel replica runs ``m = ceil(B / (S·dp·b))``
micro-batches of ``b`` sequences; every chip of a context-parallel group holds ``S / cp``
tokens of each sequence, every tensor-parallel rank ``1 / tp`` of each weight and, with
sequence parallelism, ``1 / tp`` of each stored activation (Korthikanti et al. 2022,
arXiv:2205.05198, the layout Megatron-LM and NeMo train with).

**Work per micro-batch and stage.** The forward pass of one layer on one chip is a list of
:class:`~siliconomics.perf.workload.Op` (the same ops and the same roofline timing,
:func:`~siliconomics.perf.timing.time_op`, as inference), with ``T = b·S / cp`` rows per
GEMM:

* projections and feed-forward: 2·T·(weights on the chip) FLOPs;
* attention core: 2·T·(H / tp)·(d_qk + d_v)·S/2 (causal: a query at position p sees p
  keys, S/2 on average; context parallelism balances the causal load over ranks);
* MoE: the router, the routed experts (T·k token-expert pairs per tensor-parallel group,
  spread evenly: NeMo's benchmarks force-balance the routing) and the shared experts.

Backward costs 2x the forward GEMMs (gradients of activations and of weights) and 2.5x the
attention forward (flash-attention's backward runs five matmuls to the forward's two,
Dao 2023, arXiv:2307.08691 §3.1). Recomputation adds a forward: ``full`` the whole layer,
``selective`` the norms and the feed-forward activation (Megatron Core's
``--recompute-modules layernorm mlp/moe_act``; with flash attention the core attention
stores nothing worth recomputing). The LM head (2·T·h·V / tp, x3 with backward) runs on the
last stage, which is charged to the stage time (the slowest stage sets the pace).

**Communication** (alpha-beta, the ring's bandwidth term, perf.timing):

* TP with sequence parallelism: per layer 2 all-gathers and 2 reduce-scatters of the
  micro-batch's activations ``T·h`` (bf16) forward, the same backward (and again for a
  full recompute); each moves (tp - 1)/tp of the buffer per chip. A fraction
  ``TP_COMM_EXPOSED`` is on the critical path (Megatron's userbuffer overlap hides the rest).
* CP: ring attention passes the K and V chunks of the other cp - 1 ranks (backward: K, V
  and their gradients, 2x); hidden behind the attention compute, only the excess counts.
* EP: dispatch and combine all-to-alls of the routed tokens (T / tp · k · h, bf16, a
  fraction (ep - 1)/ep leaving the chip) forward and backward, not overlapped.
* PP: 1F1B schedule (Narayanan et al. 2021, arXiv:2104.04473 §2.2): the pipeline takes
  ``(m + (pp - 1) / vp)·t_mb`` for a stage time ``t_mb`` per micro-batch, the bubble being
  ``(pp - 1)/vp`` stage times with ``vp`` interleaved virtual stages; one activation
  send/recv per micro-batch and virtual stage boundary.
* DP: the distributed optimizer's gradient reduce-scatter (fp32) and parameter all-gather (bf16)
  over the ``dp x cp`` ranks that hold the same shard, overlapped with the backward and
  forward of one micro-batch (Megatron's ``overlap_grad_reduce``/``overlap_param_gather``
  start with the last micro-batch); only the excess counts. FSDP gathers each layer's
  weights and reduces its gradients every micro-batch, overlapped layer by layer.
  A group that spans more chips than the scale-up domain runs at the scale-out NIC's speed.

**Memory per chip** (the busiest pipeline stage):

* weights bf16 (2 bytes), fp32 gradients (4) and fp32 master weights + Adam moments (12),
  the last sharded over ``dp x cp`` by the distributed optimizer: 6 + 12/(dp·cp) bytes per
  parameter (Megatron-LM docs, distrib_optimizer.md); with FSDP all 18 are sharded; routed
  experts shard over their own, smaller data-parallel group ``tp·cp·dp / ep``;
* activations per token and layer, bf16, divided by tp (sequence parallelism):
  ``2·(4h + H·d_v + q + k + v + 3·f)`` with no recomputation (the norm and GEMM inputs, the
  attention output, and the feed-forward's gate, up and activation outputs; ``f`` is the
  intermediate width, k·f_expert + shared for MoE, plus the k permuted token copies);
  ``2·(2h + H·d_v + q + k + v + 2·f)`` selective; ``2·h`` full (the layer input) plus
  one layer's working set. GEMM inputs (3h + f of these) are kept at 1 byte in fp8
  training (Transformer Engine saves the fp8 casts for the backward). The first stage
  keeps ``min(pp, m)`` micro-batches in flight (1F1B), times ``1 + (pp - 1)/(pp·vp)``
  when interleaved (Korthikanti et al. §4.2.3).
  For Llama 3 70B (h 8192, f 28672, 8 KV heads) no recomputation gives 2·(6h + 2·1024
  + 3f) = 276 kB per token and layer, Korthikanti's 34·h = 279 kB for GPT.
* fp32 logits on the last stage, T·V/tp·4 bytes (their gradient overwrites them in place);
  with pp > 1 the first stage (``min(pp, m)`` micro-batches) or the last (one micro-batch
  plus logits), whichever needs more;
* a reserve of ``memory_reserve_fraction`` of what is left, for the allocator and
  workspaces, as in inference (perf.memory); the layout fits when the rest fits in HBM.

**MFU** uses model FLOPs: 6 x every matmul weight a token touches (the LM head counted
even when it is tied to the embedding) plus the causal attention term
``6·L·H·(d_qk + d_v)·S/2`` (Narayanan et al. 2021 App.; PaLM App. B halves its 12·L·h·s for
causal masks as NVIDIA's NeMo accounting does), over the dense peak of the training format.
HFU adds the recomputed forward and the extra half of flash-attention's backward.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from math import ceil
from typing import Any

import numpy as np

from siliconomics.catalog.dtypes import DType, storage_bytes
from siliconomics.catalog.specs import ModelArch
from siliconomics.errors import DoesNotFit, SiliconomicsError
from siliconomics.perf.timing import Hardware, time_op
from siliconomics.perf.workload import Op, OpKind, attention_params, param_counts

BF16 = 2.0
#: Bytes per parameter: bf16 weights, fp32 main gradients, fp32 master + Adam m and v
#: (Megatron-LM docs/source/distrib_optimizer.md: 18 bytes, 6 + 12/d when distributed).
WEIGHT_BYTES, GRAD_BYTES, OPTIMIZER_BYTES = 2.0, 4.0, 12.0
#: Fraction of tensor-parallel communication left on the critical path. An assumption:
#: Megatron's TP communication overlap (TE userbuffers) hides part of it; see docs/training.md.
TP_COMM_EXPOSED = 0.5
#: Flash-attention backward over forward FLOPs actually executed (5 matmuls vs 2).
ATTENTION_BACKWARD_FACTOR = 2.5
#: Training formats: the GEMMs' tensor-core dtype; attention math stays bf16.
TRAIN_DTYPES = (DType.BF16, DType.FP8, DType.FP4)


class Recompute(StrEnum):
    NONE = "none"
    SELECTIVE = "selective"
    FULL = "full"


RECOMPUTES = (Recompute.NONE, Recompute.SELECTIVE, Recompute.FULL)


def parse_precision(value: str) -> DType:
    allowed = {d.value: d for d in TRAIN_DTYPES}
    if value not in allowed:
        raise SiliconomicsError(
            f"precision: unknown value {value!r}; allowed: {', '.join(allowed)}"
        )
    return allowed[value]


def parse_recompute(value: str) -> Recompute:
    try:
        return Recompute(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Recompute)
        raise SiliconomicsError(f"recompute: unknown value {value!r}; allowed: {allowed}") from None


@dataclass(frozen=True, slots=True)
class TrainLayout:
    """A training layout: parallel sizes, micro-batch, interleaving, recomputation."""

    tp: int = 1
    pp: int = 1
    dp: int = 1
    cp: int = 1
    ep: int = 1
    vp: int = 1
    micro_batch: int = 1
    recompute: Recompute = Recompute.NONE
    fsdp: bool = False

    def __post_init__(self) -> None:
        for name in ("tp", "pp", "dp", "cp", "ep", "vp", "micro_batch"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise SiliconomicsError(f"{name}: must be a positive integer, got {value!r}")
        object.__setattr__(self, "recompute", Recompute(self.recompute))

    @property
    def chips(self) -> int:
        return self.tp * self.pp * self.dp * self.cp

    def check(self, model: ModelArch, seq_len: int) -> None:
        """Reject layouts the model's shape or the sequence cannot take."""
        if model.num_attention_heads % self.tp:
            raise SiliconomicsError(
                f"tp: {self.tp} must divide the {model.num_attention_heads} attention heads "
                f"of {model.id}"
            )
        if self.pp * self.vp > model.num_layers:
            raise SiliconomicsError(
                f"pp: {self.pp} stages x vp {self.vp} exceed the {model.num_layers} layers "
                f"of {model.id}"
            )
        if seq_len % (2 * self.cp) and self.cp > 1:
            raise SiliconomicsError(f"cp: seq_len {seq_len} must be divisible by 2·cp")
        if self.ep > 1 and model.moe is None:
            raise SiliconomicsError(f"ep: {model.id} has no experts; use ep=1")
        if model.moe is not None and model.moe.num_experts % self.ep:
            raise SiliconomicsError(
                f"ep: {self.ep} must divide the {model.moe.num_experts} experts of {model.id}"
            )
        if (self.tp * self.cp * self.dp) % self.ep:
            raise SiliconomicsError(
                f"ep: {self.ep} must divide tp*cp*dp = {self.tp * self.cp * self.dp}"
            )
        if self.vp > 1 and self.pp == 1:
            raise SiliconomicsError("vp: interleaving needs pp > 1")

    def describe(self) -> str:
        parts = [f"tp{self.tp}", f"pp{self.pp}", f"dp{self.dp}"]
        parts += [f"{k}{getattr(self, k)}" for k in ("cp", "ep", "vp") if getattr(self, k) > 1]
        parts.append(f"mb{self.micro_batch}")
        if self.recompute is not Recompute.NONE:
            parts.append(f"recompute-{self.recompute.value}")
        if self.fsdp:
            parts.append("fsdp")
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "pp": self.pp,
            "dp": self.dp,
            "cp": self.cp,
            "ep": self.ep,
            "vp": self.vp,
            "micro_batch": self.micro_batch,
            "recompute": self.recompute.value,
            "fsdp": self.fsdp,
        }


# --- FLOP accounting -----------------------------------------------------------------


def attention_dims(model: ModelArch) -> tuple[int, int]:
    """(d_qk, d_v) per head; MLA uses its own (nope + rope, v_head_dim)."""
    if model.mla is not None:
        return model.mla.qk_nope_head_dim + model.mla.qk_rope_head_dim, model.mla.v_head_dim
    return model.head_dim, model.head_dim


def attention_forward_flops_per_token(model: ModelArch, keys: float) -> float:
    """Forward attention FLOPs of one token attending to ``keys`` keys in every layer:
    2·H·(d_qk + d_v) per key and layer (scores and weighted values); windowed layers see
    at most their window."""
    d_qk, d_v = attention_dims(model)
    per_key_layer = 2.0 * model.num_attention_heads * (d_qk + d_v)
    full = model.full_attention_layers * keys
    windowed = model.windowed_layers * min(keys, model.window_tokens or keys)
    return per_key_layer * (full + windowed)


def matmul_params_per_token(model: ModelArch) -> float:
    """Weights a token multiplies by: active parameters with the LM head counted even when
    it shares the embedding matrix (the head is still a V x h matmul per token; the
    embedding lookup itself is free)."""
    pc = param_counts(model)
    tied_head = pc.embedding if model.tie_word_embeddings else 0.0
    return pc.active(model) + tied_head


def model_flops_per_token(model: ModelArch, seq_len: int, *, causal: bool = True) -> float:
    """Training model FLOPs per token: 6·N_matmul + 3 x forward attention at S/2 keys
    (causal) or S keys (full), the convention MFU is reported in."""
    keys = seq_len / 2.0 if causal else float(seq_len)
    return 6.0 * matmul_params_per_token(model) + 3.0 * attention_forward_flops_per_token(
        model, keys
    )


# --- one structural layout, vectorised over micro-batch, interleaving, recomputation ---


@dataclass(frozen=True, slots=True)
class _Shape:
    """Per-layer sizes of the model the step model needs."""

    h: float
    layers: int
    dense_frac: float
    moe_frac: float
    heads: int
    d_qk: int
    d_v: int
    qkv_store: float  # q + k + v elements per token
    kv_elems: float  # k + v elements per token (all heads)
    attn_params: float
    mlp_params: float
    routed_params: float
    shared_params: float
    router_params: float
    f_dense: float
    f_moe: float  # routed k·f_e + shared, per token
    topk: int
    experts: int
    vocab: int
    windowed_frac: float
    window: int
    tied: bool


def _shape(model: ModelArch) -> _Shape:
    pc = param_counts(model)
    d_qk, d_v = attention_dims(model)
    h = model.hidden_size
    if model.mla is not None:
        m = model.mla
        heads = model.num_attention_heads
        qkv = heads * (2 * d_qk + d_v) + m.kv_lora_rank + (m.q_lora_rank or 0)
        kv = heads * (d_qk + d_v)
    else:
        qkv = (model.num_attention_heads + 2 * model.num_kv_heads) * model.head_dim
        kv = 2 * model.num_kv_heads * model.head_dim
    moe = model.moe
    f_moe = 0.0
    if moe is not None:
        f_moe = (
            moe.experts_per_token * moe.expert_intermediate_size
            + moe.num_shared_experts * moe.shared_intermediate_size
        )
    return _Shape(
        h=float(h),
        layers=model.num_layers,
        dense_frac=model.dense_layers / model.num_layers,
        moe_frac=model.moe_layers / model.num_layers,
        heads=model.num_attention_heads,
        d_qk=d_qk,
        d_v=d_v,
        qkv_store=float(qkv),
        kv_elems=float(kv),
        attn_params=attention_params(model),
        mlp_params=pc.dense_mlp_per_layer,
        routed_params=pc.routed_experts_per_layer,
        shared_params=pc.shared_experts_per_layer,
        router_params=pc.router_per_layer,
        f_dense=float(model.intermediate_size),
        f_moe=f_moe,
        topk=moe.experts_per_token if moe else 0,
        experts=moe.num_experts if moe else 0,
        vocab=model.vocab_size,
        windowed_frac=model.windowed_layers / model.num_layers,
        window=model.window_tokens,
        tied=model.tie_word_embeddings,
    )


def _collective_s(hw: Hardware, nbytes: Any, n: int, span: int, *, ring: float) -> Any:
    """Alpha-beta time of a collective over ``n`` ranks whose group spans ``span`` chips
    (scale-up link when the span fits the domain, else the NIC): ``ring`` is the fraction
    of ``nbytes`` each chip sends ((n-1)/n for reduce-scatter / all-gather)."""
    if n <= 1:
        return 0.0
    cal = hw.calibration
    beta = hw.link_bandwidth(span) * cal.collective_bandwidth_efficiency
    return cal.collective_latency_s * max(ceil(np.log2(n)), 1) + ring * nbytes / beta


@dataclass(frozen=True, slots=True)
class _Structure:
    """The integer part of a layout (group sizes fix which link each collective uses)."""

    tp: int
    pp: int
    dp: int
    cp: int
    ep: int
    fsdp: bool


def _gemm(name: str, tokens: Any, params: float, dtype: DType, m: Any | None = None) -> Op:
    """A GEMM of ``tokens`` rows through ``params`` weight elements on this chip."""
    rows = tokens if m is None else m
    return Op(name, OpKind.GEMM, 1, 2.0 * tokens * params, params * BF16, dtype, m=rows)


def _layer_ops(sh: _Shape, st: _Structure, t: Any, seq_len: int, dtype: DType) -> dict[str, Op]:
    """Forward ops of one (average) layer for ``t`` tokens per chip of the CP rank."""
    tp, ep = st.tp, st.ep
    keys = seq_len / 2.0
    win_keys = min(keys, sh.window) if sh.window else keys
    mean_keys = (1 - sh.windowed_frac) * keys + sh.windowed_frac * win_keys
    attn_flops = 2.0 * t * sh.heads / tp * (sh.d_qk + sh.d_v) * mean_keys
    attn_bytes = t * (sh.qkv_store + sh.heads * sh.d_v) / tp * BF16
    ops = {
        "attn_proj": _gemm("attn_proj", t, sh.attn_params / tp, dtype),
        "attention": Op("attention", OpKind.ATTENTION, 1, attn_flops, attn_bytes, DType.BF16, m=t),
    }
    f_eff = sh.dense_frac * sh.f_dense + sh.moe_frac * sh.f_moe
    # Norms, residuals and the activation function stream their tensors; MoE layers also
    # permute each token's k copies to its experts and back (read and write, both ways).
    permute = sh.moe_frac * 4 * sh.topk * sh.h
    ops["norms_act"] = Op(
        "norms_act",
        OpKind.ELEMENTWISE,
        1,
        0.0,
        t / tp * (8 * sh.h + 3 * f_eff + permute) * BF16,
    )
    if sh.dense_frac:
        ops["mlp"] = _gemm("mlp", t * sh.dense_frac, sh.mlp_params / tp, dtype, m=t)
    if sh.moe_frac:
        expert_split = ep if ep > 1 else tp
        local_experts = sh.experts / ep
        pairs = t * sh.topk / tp  # token-expert pairs per chip, balanced
        per_expert_params = sh.routed_params / sh.experts / (1 if ep > 1 else tp)
        m_rows = pairs / local_experts if ep > 1 else t * sh.topk / sh.experts
        ops["experts"] = Op(
            "experts",
            OpKind.GEMM,
            1,
            2.0 * sh.moe_frac * (pairs if ep > 1 else t * sh.topk) * per_expert_params,
            sh.moe_frac * sh.routed_params / expert_split * BF16,
            dtype,
            m=m_rows,
        )
        shared = sh.shared_params / tp + sh.router_params
        if shared:
            ops["shared_router"] = _gemm("shared_router", t * sh.moe_frac, shared, dtype, m=t)
    return ops


def _params_per_chip(sh: _Shape, st: _Structure, pp: int) -> tuple[float, float]:
    """(parameters on the busiest chip, of which expert parameters)."""
    stage = ceil(sh.layers / pp)
    expert_split = st.ep if st.ep > 1 else st.tp
    experts = stage * sh.moe_frac * sh.routed_params / expert_split
    dense = stage * (
        sh.attn_params / st.tp
        + sh.dense_frac * sh.mlp_params / st.tp
        + sh.moe_frac * (sh.shared_params / st.tp + sh.router_params)
        + 2 * sh.h
    )
    ends = sh.vocab * sh.h / st.tp  # the embedding (first stage) or the head (last)
    if pp == 1 and not sh.tied:
        ends *= 2
    return dense + experts + ends, experts


@dataclass(frozen=True, slots=True)
class TrainMemory:
    """Bytes per chip by use on the busiest stage, and whether they fit."""

    weights_bytes: float
    gradients_bytes: float
    optimizer_bytes: float
    activations_bytes: float
    logits_bytes: float
    reserve_bytes: float
    capacity_bytes: float

    @property
    def total_bytes(self) -> float:
        return (
            self.weights_bytes
            + self.gradients_bytes
            + self.optimizer_bytes
            + self.activations_bytes
            + self.logits_bytes
            + self.reserve_bytes
        )

    @property
    def fits(self) -> bool:
        return self.total_bytes <= self.capacity_bytes

    def as_dict(self) -> dict[str, float]:
        return {
            "weights": self.weights_bytes,
            "gradients": self.gradients_bytes,
            "optimizer": self.optimizer_bytes,
            "activations": self.activations_bytes,
            "logits": self.logits_bytes,
            "reserve": self.reserve_bytes,
            "total": self.total_bytes,
            "capacity": self.capacity_bytes,
        }


@dataclass(frozen=True, slots=True)
class TrainStep:
    """One layout's predicted training step."""

    model: str
    accelerator: str
    layout: TrainLayout
    precision: str
    seq_len: int
    global_batch_tokens: float
    microbatches: int
    step_s: float
    tokens_per_s: float
    model_flops_per_token: float
    peak_flop_per_s_per_chip: float
    hfu: float
    bubble_fraction: float
    breakdown_s: dict[str, float] = field(default_factory=dict)
    memory: TrainMemory | None = None

    @property
    def chips(self) -> int:
        return self.layout.chips

    @property
    def tokens_per_s_per_chip(self) -> float:
        return self.tokens_per_s / self.chips

    @property
    def mfu(self) -> float:
        return (
            self.model_flops_per_token * self.tokens_per_s_per_chip / self.peak_flop_per_s_per_chip
        )

    def as_dict(self) -> dict[str, Any]:
        mem = self.memory
        return {
            "model": self.model,
            "accelerator": self.accelerator,
            "chips": self.chips,
            "layout": self.layout.as_dict(),
            "layout_text": self.layout.describe(),
            "precision": self.precision,
            "seq_len": self.seq_len,
            "global_batch_tokens": self.global_batch_tokens,
            "microbatches": self.microbatches,
            "step_s": self.step_s,
            "tokens_per_s": self.tokens_per_s,
            "tokens_per_s_per_chip": self.tokens_per_s_per_chip,
            "mfu": self.mfu,
            "hfu": self.hfu,
            "model_flops_per_token": self.model_flops_per_token,
            "peak_flop_per_s_per_chip": self.peak_flop_per_s_per_chip,
            "bubble_fraction": self.bubble_fraction,
            "step_breakdown_s": dict(self.breakdown_s),
            "memory_bytes_per_chip": mem.total_bytes if mem else None,
            "memory_bytes": mem.as_dict() if mem else None,
            "fits": mem.fits if mem else None,
        }


@dataclass(frozen=True, slots=True)
class _Job:
    model: ModelArch
    hw: Hardware
    seq_len: int
    global_batch_tokens: float
    dtype: DType
    shape: _Shape


def _evaluate(
    job: _Job, st: _Structure, mb: np.ndarray, vp: np.ndarray, rc: np.ndarray
) -> dict[str, np.ndarray]:
    """Step time, its parts and memory for one structure over arrays of (mb, vp, rc).

    ``rc`` codes: 0 none, 1 selective, 2 full. Returns arrays of the same shape.
    """
    hw, s = job.hw, job.seq_len
    sh = job.shape
    tp, pp, dp, cp, ep = st.tp, st.pp, st.dp, st.cp, st.ep
    cal = hw.calibration
    capacity, bw = hw.chip.require_memory()
    t = mb * s / cp  # tokens per chip per micro-batch (the TP group shares them)
    seqs = job.global_batch_tokens / s
    m = np.ceil(seqs / (dp * mb))
    ops = _layer_ops(sh, st, t, s, job.dtype)
    times = {k: time_op(op, hw) for k, op in ops.items()}
    fwd_gemm = sum(v.time_s for k, v in times.items() if ops[k].kind is OpKind.GEMM)
    fwd_attn = times["attention"].time_s
    fwd_elem = times["norms_act"].time_s
    fwd = fwd_gemm + fwd_attn + fwd_elem
    bwd = 2.0 * fwd_gemm + ATTENTION_BACKWARD_FACTOR * fwd_attn + 2.0 * fwd_elem
    recompute = np.where(rc == 2, fwd, np.where(rc == 1, fwd_elem, 0.0))
    # Communication per layer.
    act = t * sh.h * BF16
    tp_one = _collective_s(hw, act, tp, tp, ring=(tp - 1) / tp)
    tp_comm = 4.0 * tp_one * (2.0 + (rc == 2)) * TP_COMM_EXPOSED
    cp_bytes = (cp - 1) * t * sh.kv_elems / tp * BF16
    cp_fwd = _collective_s(hw, cp_bytes, cp, tp * cp, ring=1.0)
    cp_comm = np.maximum(cp_fwd - fwd_attn, 0.0) + np.maximum(
        2.0 * cp_fwd - ATTENTION_BACKWARD_FACTOR * fwd_attn, 0.0
    )
    cp_comm = cp_comm + np.where(rc == 2, np.maximum(cp_fwd - fwd_attn, 0.0), 0.0)
    ep_comm = 0.0
    if sh.moe_frac and ep > 1:
        a2a = t / tp * sh.topk * sh.h * BF16 * (ep - 1) / ep
        one = _collective_s(hw, a2a, ep, ep * tp * cp, ring=1.0)
        ep_comm = sh.moe_frac * one * (4.0 + 2.0 * (rc == 2))
    layer = fwd + bwd + recompute + tp_comm + cp_comm + ep_comm
    stage_layers = ceil(sh.layers / pp)
    head = _gemm("lm_head", t, sh.vocab * sh.h / tp, DType.BF16)
    head_s = 3.0 * time_op(head, hw).time_s + 2 * _collective_s(hw, act, tp, tp, ring=(tp - 1) / tp)
    t_mb = stage_layers * layer + head_s
    p2p_bytes = act / tp
    p2p = 2.0 * vp * _collective_s(hw, p2p_bytes, 2, tp * cp * dp * 2, ring=1.0) if pp > 1 else 0.0
    bubble = (pp - 1) / vp * t_mb
    pipeline = m * (t_mb + p2p) + bubble
    # Data parallel: gradients and parameters of this chip's shard.
    params, experts = _params_per_chip(sh, st, pp)
    shard_group = dp * cp
    # Expert weights are replicated over fewer ranks (expert data parallelism,
    # tp·cp·dp / ep with one-way expert tensor parallelism), so their optimizer shards are
    # larger: Megatron Core shards each over its own data-parallel group.
    expert_group = tp * cp * dp // ep if ep > 1 else shard_group

    def sharded(per_param: float) -> float:
        return (params - experts) * per_param / shard_group + experts * per_param / expert_group

    dp_span = tp * cp * dp
    fwd_mb = stage_layers * fwd
    bwd_mb = stage_layers * bwd
    ring = (shard_group - 1) / shard_group
    rs = _collective_s(hw, params * GRAD_BYTES, shard_group, dp_span, ring=ring)
    ag = _collective_s(hw, params * WEIGHT_BYTES, shard_group, dp_span, ring=ring)
    if st.fsdp:
        dp_exposed = m * (np.maximum(rs - bwd_mb, 0.0) + np.maximum(ag - fwd_mb, 0.0))
        dp_exposed = dp_exposed + np.where(rc == 2, m * np.maximum(ag - fwd_mb, 0.0), 0.0)
    else:
        dp_exposed = np.maximum(rs - bwd_mb, 0.0) + np.maximum(ag - fwd_mb, 0.0)
    optimizer = sharded(30.0) / (bw * cal.memory_efficiency)
    step = pipeline + dp_exposed + optimizer + cal.step_overhead_s
    # Memory on the first stage.
    if st.fsdp:
        # Sharded states plus two layers' gathered weights and unreduced gradients.
        gathered = 2 * params / stage_layers * (WEIGHT_BYTES + GRAD_BYTES)
        weights = sharded(WEIGHT_BYTES) + gathered
        grads = sharded(GRAD_BYTES)
        opt = sharded(OPTIMIZER_BYTES)
    else:
        weights = params * WEIGHT_BYTES
        grads = params * GRAD_BYTES
        opt = sharded(OPTIMIZER_BYTES)
    f_eff = sh.dense_frac * sh.f_dense + sh.moe_frac * sh.f_moe
    attn_store = sh.heads * sh.d_v + sh.qkv_store
    # GEMM inputs (norm outputs, attention output, activation output, and in MoE layers
    # the k permuted token copies) are kept in the GEMM's format: Transformer Engine
    # saves the fp8 casts for the backward.
    gemm_in = storage_bytes(job.dtype) if job.dtype is not DType.FP4 else 1.0
    gemm_inputs = 3 * sh.h + f_eff + sh.moe_frac * sh.topk * sh.h
    other = (sh.h + attn_store + 2 * f_eff) * BF16
    full_layer = (other + gemm_in * gemm_inputs) / tp
    selective = (other + gemm_in * sh.h) / tp  # norm and activation outputs recomputed
    per_token_layer = np.where(rc == 0, full_layer, np.where(rc == 1, selective, BF16 * sh.h / tp))
    in_flight = np.minimum(pp, m) * np.where(vp > 1, 1.0 + (pp - 1) / (pp * vp), 1.0)
    working = np.where(rc == 2, full_layer * t, 0.0)
    acts = per_token_layer * t * stage_layers * in_flight + working
    # fp32 logits; the vocab-parallel cross entropy writes their gradient in place.
    logits = t * sh.vocab / tp * 4.0
    if pp > 1:
        # The last stage holds one micro-batch in flight plus the logits; the first holds
        # min(pp, m): the busier of the two is the chip that must fit.
        last = per_token_layer * t * stage_layers + working
        first_busier = acts >= last + logits
        acts = np.where(first_busier, acts, last)
        logits = np.where(first_busier, 0.0, logits)
    used = weights + grads + opt + acts + logits
    reserve = cal.memory_reserve_fraction * np.maximum(capacity - used, 0.0)
    total = used + reserve
    hw_extra = np.where(rc == 2, 1.0 / 3.0, 0.0)  # a full recompute adds a forward
    return {
        "m": m,
        "step_s": step,
        "compute_s": m * stage_layers * (fwd + bwd) + m * head_s,
        "recompute_s": m * stage_layers * recompute,
        "tp_comm_s": m * stage_layers * tp_comm,
        "cp_comm_s": m * stage_layers * cp_comm,
        "ep_comm_s": m * stage_layers * ep_comm + 0.0 * m,
        "pp_bubble_s": bubble + 0.0 * m,
        "pp_p2p_s": m * p2p,
        "dp_comm_s": dp_exposed + 0.0 * m,
        "optimizer_s": optimizer + 0.0 * m,
        "weights": weights + 0.0 * m,
        "gradients": grads + 0.0 * m,
        "optimizer": opt + 0.0 * m,
        "activations": acts,
        "logits": logits + 0.0 * m,
        "reserve": reserve + 0.0 * m,
        "total": total,
        "capacity": capacity + 0.0 * m,
        "hw_extra": hw_extra + 0.0 * m,
    }


BREAKDOWN = (
    "compute_s",
    "recompute_s",
    "tp_comm_s",
    "cp_comm_s",
    "ep_comm_s",
    "pp_bubble_s",
    "pp_p2p_s",
    "dp_comm_s",
    "optimizer_s",
)


def _job(
    model: ModelArch, hw: Hardware, seq_len: int, global_batch_tokens: float, dtype: DType
) -> _Job:
    if not isinstance(seq_len, int) or seq_len < 1:
        raise SiliconomicsError(f"seq_len: must be a positive integer, got {seq_len!r}")
    if model.max_position_embeddings and seq_len > model.max_position_embeddings:
        raise SiliconomicsError(
            f"seq_len: {seq_len} exceeds the {model.max_position_embeddings} positions of "
            f"{model.id}"
        )
    if not global_batch_tokens >= seq_len:
        raise SiliconomicsError(
            f"global_batch_tokens: must be at least one sequence ({seq_len}), got "
            f"{global_batch_tokens}"
        )
    hw.chip.peak(dtype)  # a format the chip lacks fails here, clearly
    return _Job(
        model, training_hardware(hw), seq_len, float(global_batch_tokens), dtype, _shape(model)
    )


def training_hardware(hw: Hardware, gemm_efficiency: float | None = None) -> Hardware:
    """``hw`` with its family's training GEMM efficiency (``training_gemm_efficiency``,
    fitted to published training throughput) in place of the inference one, or with
    ``gemm_efficiency`` when given (the fit in benchmarks/calibrate_training.py)."""
    value = gemm_efficiency or hw.calibration.training_gemm_efficiency
    if value is None:
        return hw
    cal = replace(hw.calibration, gemm_efficiency=value, training_gemm_efficiency=value)
    return replace(hw, calibration=cal)


def _step_from(job: _Job, layout: TrainLayout, r: dict[str, np.ndarray], i: int) -> TrainStep:
    mem = TrainMemory(
        weights_bytes=float(r["weights"][i]),
        gradients_bytes=float(r["gradients"][i]),
        optimizer_bytes=float(r["optimizer"][i]),
        activations_bytes=float(r["activations"][i]),
        logits_bytes=float(r["logits"][i]),
        reserve_bytes=float(r["reserve"][i]),
        capacity_bytes=float(r["capacity"][i]),
    )
    step = float(r["step_s"][i])
    mft = model_flops_per_token(job.model, job.seq_len)
    tokens_per_s = job.global_batch_tokens / step
    peak = job.hw.chip.peak(job.dtype)
    attn_extra = 0.5 * attention_forward_flops_per_token(job.model, job.seq_len / 2.0)
    fwd_flops = mft / 3.0
    hw_flops = mft + attn_extra + float(r["hw_extra"][i]) * 3.0 * fwd_flops
    return TrainStep(
        model=job.model.id,
        accelerator=job.hw.chip.id,
        layout=layout,
        precision=job.dtype.value,
        seq_len=job.seq_len,
        global_batch_tokens=job.global_batch_tokens,
        microbatches=int(r["m"][i]),
        step_s=step,
        tokens_per_s=tokens_per_s,
        model_flops_per_token=mft,
        peak_flop_per_s_per_chip=peak,
        hfu=hw_flops * tokens_per_s / layout.chips / peak,
        bubble_fraction=float(r["pp_bubble_s"][i]) / step,
        breakdown_s={k: float(r[k][i]) for k in BREAKDOWN},
        memory=mem,
    )


def predict(
    model: ModelArch,
    hw: Hardware,
    layout: TrainLayout,
    *,
    seq_len: int,
    global_batch_tokens: float,
    precision: DType = DType.BF16,
) -> TrainStep:
    """The step of one stated layout (whether it fits is in ``.memory.fits``)."""
    job = _job(model, hw, seq_len, global_batch_tokens, precision)
    layout.check(model, seq_len)
    if layout.dp * layout.micro_batch > job.global_batch_tokens / seq_len:
        raise SiliconomicsError(
            f"global_batch_tokens: {job.global_batch_tokens:.0f} tokens are fewer than "
            f"dp x micro_batch = {layout.dp * layout.micro_batch} sequences of {seq_len}"
        )
    st = _Structure(layout.tp, layout.pp, layout.dp, layout.cp, layout.ep, layout.fsdp)
    rc = RECOMPUTES.index(layout.recompute)
    r = _evaluate(
        job,
        st,
        np.array([float(layout.micro_batch)]),
        np.array([float(layout.vp)]),
        np.array([rc]),
    )
    return _step_from(job, layout, r, 0)


# --- layout search -------------------------------------------------------------------


#: The largest cluster the search takes: ten times the largest announced (~1M accelerators).
#: Beyond it the divisor scan (O(sqrt n)) takes seconds, for a question no cluster asks.
MAX_TRAINING_CHIPS = 10_000_000


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, int(n**0.5) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def structures(model: ModelArch, hw: Hardware, chips: int, seq_len: int) -> Iterator[_Structure]:
    """Every (tp, pp, dp, cp, ep, fsdp) on ``chips`` chips the model can take: tp within
    the scale-up domain and dividing the heads, cp a power of two up to 32 with at least
    1,024 tokens per rank, pp up to the layers, ep a divisor of the experts folded into
    tp·cp·dp."""
    domain = max(hw.scale_up_domain_chips, 1)
    for tp in _divisors(chips):
        if tp > domain or model.num_attention_heads % tp:
            continue
        for cp in (1, 2, 4, 8, 16, 32):
            if (chips // tp) % cp or (cp > 1 and (seq_len % (2 * cp) or seq_len // cp < 1024)):
                continue
            if (chips // tp) % cp:
                continue
            for pp in _divisors(chips // (tp * cp)):
                if pp > model.num_layers:
                    continue
                dp = chips // (tp * cp * pp)
                eps = [1]
                if model.moe is not None:
                    eps = [e for e in _divisors(model.moe.num_experts) if (tp * cp * dp) % e == 0]
                for ep in eps:
                    for fsdp in (False, True):
                        if fsdp and dp * cp == 1:
                            continue
                        yield _Structure(tp, pp, dp, cp, ep, fsdp)


MICRO_BATCHES = (1, 2, 4, 8)
#: The fields a layout has; a search with all of them pinned predicts that one layout.
LAYOUT_FIELDS = ("tp", "pp", "dp", "cp", "ep", "vp", "micro_batch", "recompute", "fsdp")


@dataclass(frozen=True, slots=True)
class SearchResult:
    best: TrainStep
    runners_up: tuple[TrainStep, ...]
    layouts_tried: int


def search(
    model: ModelArch,
    hw: Hardware,
    chips: int,
    *,
    seq_len: int,
    global_batch_tokens: float,
    precision: DType = DType.BF16,
    keep: int = 5,
    fixed: dict[str, Any] | None = None,
) -> SearchResult:
    """The layout with the highest tokens/s that fits, and the ``keep - 1`` next ones.

    Loops over the integer structure (tp, pp, dp, cp, ep, fsdp); micro-batch, interleaving
    and recomputation are evaluated at once as numpy arrays. ``fixed`` pins any of the
    layout's fields (``tp``, ``pp``, ``micro_batch``, ``recompute``, ...).
    """
    if not isinstance(chips, int) or not 1 <= chips <= MAX_TRAINING_CHIPS:
        raise SiliconomicsError(
            f"chips: must be an integer from 1 to {MAX_TRAINING_CHIPS:,}, got {chips!r}"
        )
    job = _job(model, hw, seq_len, global_batch_tokens, precision)
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    seqs = job.global_batch_tokens / seq_len
    rc_all = np.arange(3)
    rcs = (
        np.array([RECOMPUTES.index(Recompute(fixed["recompute"]))])
        if "recompute" in fixed
        else rc_all
    )
    mbs = [fixed["micro_batch"]] if "micro_batch" in fixed else list(MICRO_BATCHES)
    found: list[tuple[float, _Structure, int, int, int, dict[str, np.ndarray], int]] = []
    smallest: tuple[float, str] | None = None
    reason = ""
    tried = 0
    for st in structures(model, hw, chips, seq_len):
        if any(getattr(st, k) != v for k, v in fixed.items() if k in _Structure.__slots__):
            continue
        stage = ceil(model.num_layers / st.pp)
        vps = [v for v in (1, 2, 4, 8) if st.pp > 1 or v == 1]
        vps = [v for v in vps if v == 1 or stage % v == 0]
        if "vp" in fixed:
            vps = [fixed["vp"]]
        mb_ok = [b for b in mbs if st.dp * b <= seqs]
        if not mb_ok:
            reason = reason or (
                f"global_batch_tokens: {seqs:.0f} sequences of {seq_len} tokens are fewer than "
                f"dp x micro_batch = {st.dp} x {min(mbs)}; give a larger batch or fewer replicas"
            )
            continue
        grid = np.array(np.meshgrid(mb_ok, vps, rcs, indexing="ij")).reshape(3, -1)
        mb, vp, rc = grid[0].astype(float), grid[1].astype(float), grid[2].astype(int)
        try:
            r = _evaluate(job, st, mb, vp, rc)
        except SiliconomicsError as exc:  # e.g. no sourced scale-out bandwidth
            reason = str(exc)
            continue
        tried += mb.size
        tps = job.global_batch_tokens / r["step_s"]
        ok = r["total"] <= r["capacity"]
        j = int(np.argmin(r["total"]))
        if smallest is None or r["total"][j] < smallest[0]:
            smallest = (float(r["total"][j]), _layout(st, mb[j], vp[j], int(rc[j])).describe())
        for i in np.flatnonzero(ok):
            found.append((float(tps[i]), st, int(mb[i]), int(vp[i]), int(rc[i]), r, int(i)))
    if not found:
        cap = hw.chip.require_memory()[0]
        if smallest is None and reason:
            raise SiliconomicsError(reason)
        if smallest is None:
            pinned = " ".join(f"{k}={v}" for k, v in fixed.items())
            raise DoesNotFit(
                f"chips: no layout of {model.id} on {chips} x {hw.chip.id} suits seq_len "
                f"{seq_len} and global_batch_tokens {job.global_batch_tokens:.0f}"
                + (f" with {pinned} (tp*pp*cp*dp must equal chips)" if pinned else "")
            )
        raise DoesNotFit(
            f"memory: {model.id} does not fit for training on {chips} x {hw.chip.id}: the "
            f"smallest layout ({smallest[1]}) needs {smallest[0] / 1e9:,.0f} GB per chip > "
            f"{cap / 1e9:,.0f} GB; use more chips"
        )
    found.sort(key=lambda x: -x[0])
    steps: list[TrainStep] = []
    seen: set[tuple[float, float]] = set()
    for _, st, f_mb, f_vp, f_rc, r, idx in found:
        # Layouts that differ only by a symmetry (cp x micro-batch giving the same tokens
        # per chip) predict the same step; the runners-up show distinct ones.
        key = (round(float(r["step_s"][idx]), 9), round(float(r["total"][idx]), 0))
        if key in seen:
            continue
        seen.add(key)
        steps.append(_step_from(job, _layout(st, f_mb, f_vp, f_rc), r, idx))
        if len(steps) == keep:
            break
    return SearchResult(steps[0], tuple(steps[1:]), tried)


def _layout(st: _Structure, mb: float, vp: float, rc: int) -> TrainLayout:
    return TrainLayout(
        tp=st.tp,
        pp=st.pp,
        dp=st.dp,
        cp=st.cp,
        ep=st.ep,
        vp=int(vp),
        micro_batch=int(mb),
        recompute=RECOMPUTES[int(rc)],
        fsdp=st.fsdp,
    )
