"""The work of one forward step, described as a list of operations (no timing here).

A step processes groups of sequences; each :class:`Group` has ``seqs`` sequences that each
add ``new_tokens`` tokens on top of ``context`` tokens already in the KV cache. Prefill of a
batch is one group ``(batch, input_len, 0)``; a decode step is ``(batch, 1, context)``; a
chunked-prefill step mixes both. Fields may be numpy arrays, so one description covers a
whole sweep over batch sizes at once.

Every :class:`Op` gives per-chip FLOPs and HBM bytes for ONE instance, and ``count``
instances lie on the step's critical path (e.g. one per layer). The counting follows the
standard transformer accounting (Kaplan et al. 2020, arXiv:2001.08361, §2.1; Narayanan et
al. 2021, arXiv:2104.04473, §5.1): a GEMM of an (M x K) activation by a (K x N) weight costs
2·M·K·N FLOPs and moves K·N weight elements plus M·K + M·N activations.

Assumptions (each a documented simplification):

* Gated feed-forward (SwiGLU): three matrices gate, up (fused) and down, as in every model
  family the catalog holds.
* Attention math runs in bf16; an fp8 KV cache halves the bytes read, not the FLOP rate.
  Prefill attention is flash-attention style: HBM traffic is Q, K, V and O once.
* Causal attention: a new token at position p attends to p keys, so a chunk of s tokens on
  c cached ones attends to c + (s + 1)/2 keys on average; windowed layers cap it at the
  window.
* MLA (DeepSeek) caches one latent of kv_lora_rank + qk_rope_head_dim values per token,
  replicated on every tensor-parallel rank. Decode uses the weight-absorbed form (attention
  over the latent: 2·(2·kv_lora + rope) FLOPs per head and key); prefill decompresses K and V
  (2·(nope + rope + v_head) FLOPs per head and key), as in DeepSeek-V2 (arXiv:2405.04434 §2.1)
  and FlashMLA.
* MoE: each token picks k of E experts; with T tokens the expected number of distinct
  experts touched is E·(1 - (1 - k/E)^T), and only their weights are read. The busiest chip
  gets ``moe_load_imbalance`` times the mean tokens (a calibration input).
* Embeddings, norms, router and LM head stay in bf16 whatever the weight format.
* Logits are computed for every decode token but only for the last prompt token in
  prefill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import ceil
from typing import Any

import numpy as np

from siliconomics.catalog.dtypes import DType, storage_bytes
from siliconomics.catalog.specs import MLAConfig, ModelArch, MoEConfig
from siliconomics.perf.config import ACTIVATION_BYTES, Parallelism, Precision

Num = Any  # float or numpy array (broadcast over a sweep)
BF16_BYTES = 2.0


class OpKind(StrEnum):
    GEMM = "gemm"
    ATTENTION = "attention"
    ELEMENTWISE = "elementwise"
    ALL_REDUCE = "all_reduce"
    ALL_TO_ALL = "all_to_all"
    P2P = "p2p"


COLLECTIVES = {OpKind.ALL_REDUCE, OpKind.ALL_TO_ALL, OpKind.P2P}


@dataclass(frozen=True, slots=True)
class Group:
    """``seqs`` sequences each adding ``new_tokens`` tokens after ``context`` cached ones."""

    seqs: Num
    new_tokens: Num
    context: Num = 0

    @property
    def tokens(self) -> Num:
        return self.seqs * self.new_tokens


@dataclass(frozen=True, slots=True)
class Op:
    """One operation, per chip and per instance. ``m`` is the GEMM row count (tokens)."""

    name: str
    kind: OpKind
    count: int
    flops: Num = 0.0
    bytes: Num = 0.0
    dtype: DType = DType.BF16
    m: Num = 1.0
    comm_bytes: Num = 0.0
    group_size: int = 1


@dataclass(frozen=True, slots=True)
class ParamCounts:
    """Parameter counts (elements), for memory and for 6·N·D-style accounting."""

    embedding: float
    lm_head: float
    attention_per_layer: float
    dense_mlp_per_layer: float
    routed_experts_per_layer: float
    shared_experts_per_layer: float
    router_per_layer: float
    norms_per_layer: float

    def total(self, model: ModelArch) -> float:
        return (
            self.embedding
            + self.lm_head
            + model.num_layers * (self.attention_per_layer + self.norms_per_layer)
            + model.dense_layers * self.dense_mlp_per_layer
            + model.moe_layers
            * (
                self.routed_experts_per_layer
                + self.shared_experts_per_layer
                + self.router_per_layer
            )
        )

    def active(self, model: ModelArch) -> float:
        """Parameters touched per token (routed experts counted k of E)."""
        routed = 0.0
        if model.moe is not None:
            routed = (
                self.routed_experts_per_layer * model.moe.experts_per_token / model.moe.num_experts
            )
        return (
            self.embedding * 0  # a lookup, not a matmul
            + self.lm_head
            + model.num_layers * (self.attention_per_layer + self.norms_per_layer)
            + model.dense_layers * self.dense_mlp_per_layer
            + model.moe_layers * (routed + self.shared_experts_per_layer + self.router_per_layer)
        )


def attention_params(model: ModelArch) -> float:
    """Weights of one attention block (Q, K, V, O projections; MLA's low-rank factors)."""
    h = model.hidden_size
    if model.mla is not None:
        m, heads = model.mla, model.num_attention_heads
        qk = m.qk_nope_head_dim + m.qk_rope_head_dim
        q = (
            h * heads * qk
            if m.q_lora_rank is None
            else h * m.q_lora_rank + m.q_lora_rank * heads * qk
        )
        kv_a = h * (m.kv_lora_rank + m.qk_rope_head_dim)
        kv_b = m.kv_lora_rank * heads * (m.qk_nope_head_dim + m.v_head_dim)
        o = heads * m.v_head_dim * h
        return float(q + kv_a + kv_b + o)
    d = model.head_dim
    return float(
        h * (model.num_attention_heads + 2 * model.num_kv_heads) * d
        + model.num_attention_heads * d * h
    )


def param_counts(model: ModelArch) -> ParamCounts:
    h = model.hidden_size
    moe = model.moe
    return ParamCounts(
        embedding=float(model.vocab_size * h),
        lm_head=0.0 if model.tie_word_embeddings else float(model.vocab_size * h),
        attention_per_layer=attention_params(model),
        dense_mlp_per_layer=float(3 * h * model.intermediate_size),
        routed_experts_per_layer=float(moe.num_experts * 3 * h * moe.expert_intermediate_size)
        if moe
        else 0.0,
        shared_experts_per_layer=float(
            moe.num_shared_experts * 3 * h * moe.shared_intermediate_size
        )
        if moe
        else 0.0,
        router_per_layer=float(h * moe.num_experts) if moe else 0.0,
        norms_per_layer=float(2 * h),
    )


def kv_bytes_per_token_per_layer(model: ModelArch, par: Parallelism, prec: Precision) -> float:
    """KV-cache bytes one token adds to one layer on one chip.

    GQA/MHA: K and V for the chip's share of KV heads, ceil(kv_heads / tp) (a head is
    replicated when tp exceeds the KV heads). MLA: the latent, replicated on each TP rank.
    """
    b = storage_bytes(prec.kv)
    if model.mla is not None:
        return (model.mla.kv_lora_rank + model.mla.qk_rope_head_dim) * b
    kv_heads_per_chip = ceil(model.num_kv_heads / par.tp)
    return 2.0 * kv_heads_per_chip * model.head_dim * b


def kv_cache_bytes_per_chip(
    model: ModelArch, par: Parallelism, prec: Precision, seqs: Num, context: Num
) -> Num:
    """KV bytes on the most loaded chip for ``seqs`` sequences (of one replica) at ``context``.

    Windowed layers keep at most ``window_tokens`` per sequence. Layers are split over
    ``pp`` stages; the first stages get the extra layer when they do not divide evenly.
    """
    per_tok = kv_bytes_per_token_per_layer(model, par, prec)
    stage_layers = ceil(model.num_layers / par.pp)
    full_frac = model.full_attention_layers / model.num_layers
    full = stage_layers * full_frac
    windowed = stage_layers - full
    window_ctx = np.minimum(context, model.window_tokens) if model.windowed_layers else 0.0
    return seqs * per_tok * (full * context + windowed * window_ctx)


def _attended_keys(context: Num, new_tokens: Num, window: int | None) -> Num:
    """Mean keys attended per new token: c + (s + 1)/2 under a causal mask, capped by window."""
    keys = context + (new_tokens + 1) / 2.0
    return np.minimum(keys, window) if window else keys


def _adds_one_token(group: Group) -> bool:
    """Whether every sequence of the group adds one token: a decode group."""
    new_tokens = group.new_tokens
    if isinstance(new_tokens, int | float):
        return new_tokens == 1
    return bool(np.all(np.asarray(new_tokens) == 1))


def _attention_ops(
    model: ModelArch,
    par: Parallelism,
    prec: Precision,
    g: Group,
    decode: bool,
    layers: int,
    window: int | None,
    tag: str,
) -> list[Op]:
    """Attention itself (scores and weighted values) of one group on ``layers`` layers.

    FLOPs: 4·d per head and attended key (QK^T and PV), or MLA's per-key costs (module
    docstring: absorbed in decode, decompressed in prefill). Bytes: the cached KV read,
    the new tokens' KV written, and Q and O once (flash-attention style).
    """
    if layers <= 0:
        return []
    heads = model.num_attention_heads / par.tp
    kvb = storage_bytes(prec.kv)
    keys = _attended_keys(g.context, g.new_tokens, window)
    cached = np.minimum(g.context + g.new_tokens, window) if window else g.context + g.new_tokens
    q_tokens = g.tokens
    if model.mla is not None:
        m = model.mla
        latent = m.kv_lora_rank + m.qk_rope_head_dim
        if decode:
            flops = 2.0 * q_tokens * heads * keys * (2 * m.kv_lora_rank + m.qk_rope_head_dim)
        else:
            flops = (
                2.0
                * q_tokens
                * heads
                * keys
                * (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim)
            )
        kv_read = g.seqs * cached * latent * kvb
        kv_write = q_tokens * latent * kvb
        qo = (
            q_tokens
            * heads
            * (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim)
            * ACTIVATION_BYTES
        )
    else:
        d = model.head_dim
        kv_heads = ceil(model.num_kv_heads / par.tp)
        flops = 4.0 * q_tokens * heads * d * keys
        kv_read = g.seqs * cached * 2 * kv_heads * d * kvb
        kv_write = q_tokens * 2 * kv_heads * d * kvb
        qo = q_tokens * 2 * heads * d * ACTIVATION_BYTES
    return [
        Op(
            f"attention{tag}",
            OpKind.ATTENTION,
            layers,
            flops,
            kv_read + kv_write + qo,
            DType.BF16,
            m=g.new_tokens,
        )
    ]


def _gemm(
    name: str,
    count: int,
    tokens: Num,
    k: float,
    n: float,
    w_bytes: float,
    dtype: DType,
    weight_elems: Num | None = None,
) -> Op:
    """A (tokens x k) @ (k x n) GEMM with ``w_bytes`` per weight element."""
    weights = k * n if weight_elems is None else weight_elems
    traffic = weights * w_bytes + tokens * (k + n) * ACTIVATION_BYTES
    return Op(name, OpKind.GEMM, count, 2.0 * tokens * k * n, traffic, dtype, m=tokens)


def _all_reduce(name: str, count: int, tokens: Num, h: int, n: int) -> list[Op]:
    if n <= 1:
        return []
    return [
        Op(name, OpKind.ALL_REDUCE, count, comm_bytes=tokens * h * ACTIVATION_BYTES, group_size=n)
    ]


def build_step(
    model: ModelArch,
    par: Parallelism,
    prec: Precision,
    groups: Sequence[Group],
    moe_load_imbalance: float = 1.0,
) -> list[Op]:
    """Operations of one forward step of ONE pipeline micro-batch through ALL layers.

    The groups belong to one data-parallel replica. ``count`` is the number of layers of each
    kind in the whole model, so summing op times gives the latency of the step through all
    ``pp`` stages; the pipeline send/recv between stages is one P2P op with count pp - 1.
    In order: embedding and norms, attention (projections, the attention of each group,
    the tensor-parallel all-reduce), dense then MoE feed-forward, LM head, pipeline.
    """
    hidden = model.hidden_size
    tokens = sum(group.tokens for group in groups)
    is_decode = [_adds_one_token(group) for group in groups]
    gemm_dtype = prec.gemm_dtype
    weight_bytes = storage_bytes(prec.weights)
    ops = _embedding_and_norm_ops(model, tokens)
    if model.mla is not None:
        ops += _mla_projection_ops(
            model, model.mla, par, groups, all(is_decode), tokens, weight_bytes, gemm_dtype
        )
    else:
        ops += _gqa_projection_ops(model, par, tokens, weight_bytes, gemm_dtype)
    ops += _attention_core_ops(model, par, prec, groups, is_decode)
    ops += _all_reduce("attn_all_reduce", model.num_layers, tokens, hidden, par.tp)
    if model.dense_layers:
        ops += _dense_mlp_ops(model, par, tokens, weight_bytes, gemm_dtype)
    if model.moe is not None and model.moe_layers:
        ops += _moe_ops(model, model.moe, par, tokens, weight_bytes, gemm_dtype, moe_load_imbalance)
    ops += _lm_head_ops(model, par, groups, is_decode)
    if par.pp > 1:
        ops.append(
            Op(
                "pp_send_recv",
                OpKind.P2P,
                par.pp - 1,
                comm_bytes=tokens * hidden * ACTIVATION_BYTES,
                group_size=2,
            )
        )
    return ops


def _embedding_and_norm_ops(model: ModelArch, tokens: Num) -> list[Op]:
    """The embedding lookup (read a row, write it) and the two norms of every layer
    (about 5 FLOPs per element; read and write the activations, read the bf16 scale)."""
    hidden = model.hidden_size
    return [
        Op("embedding", OpKind.ELEMENTWISE, 1, 0.0, tokens * hidden * 2 * ACTIVATION_BYTES),
        Op(
            "norms",
            OpKind.ELEMENTWISE,
            2 * model.num_layers,
            5.0 * tokens * hidden,
            2.0 * tokens * hidden * ACTIVATION_BYTES + hidden * BF16_BYTES,
        ),
    ]


def _gqa_projection_ops(
    model: ModelArch, par: Parallelism, tokens: Num, weight_bytes: float, gemm_dtype: DType
) -> list[Op]:
    """Fused QKV and O projections of GQA/MHA, sharded by heads over ``tp`` (a KV head is
    replicated when tp exceeds the KV heads)."""
    hidden, tp, layers = model.hidden_size, par.tp, model.num_layers
    head_dim = model.head_dim
    q_out = model.num_attention_heads / tp * head_dim
    kv_out = 2 * ceil(model.num_kv_heads / tp) * head_dim
    return [
        _gemm("qkv_proj", layers, tokens, hidden, q_out + kv_out, weight_bytes, gemm_dtype),
        _gemm("o_proj", layers, tokens, q_out, hidden, weight_bytes, gemm_dtype),
    ]


def _mla_projection_ops(
    model: ModelArch,
    mla: MLAConfig,
    par: Parallelism,
    groups: Sequence[Group],
    all_decode: bool,
    tokens: Num,
    weight_bytes: float,
    gemm_dtype: DType,
) -> list[Op]:
    """MLA (DeepSeek) projections: Q (through the q_lora_rank factor when there is one),
    the KV latent's down-projection kv_a, its up-projection kv_b, and O.

    In a decode-only step kv_b is absorbed: W_UK folds into the query and W_UV into the
    output, per new token. Otherwise K and V are decompressed for every cached and new
    token of every group (DeepSeek-V2, arXiv:2405.04434 §2.1).
    """
    hidden, layers = model.hidden_size, model.num_layers
    heads = model.num_attention_heads / par.tp
    qk = mla.qk_nope_head_dim + mla.qk_rope_head_dim
    ops: list[Op] = []
    if mla.q_lora_rank:
        ops.append(
            _gemm("q_a_proj", layers, tokens, hidden, mla.q_lora_rank, weight_bytes, gemm_dtype)
        )
        ops.append(
            _gemm("q_b_proj", layers, tokens, mla.q_lora_rank, heads * qk, weight_bytes, gemm_dtype)
        )
    else:
        ops.append(_gemm("q_proj", layers, tokens, hidden, heads * qk, weight_bytes, gemm_dtype))
    ops.append(
        _gemm(
            "kv_a_proj",
            layers,
            tokens,
            hidden,
            mla.kv_lora_rank + mla.qk_rope_head_dim,
            weight_bytes,
            gemm_dtype,
        )
    )
    kv_b_out = heads * (mla.qk_nope_head_dim + mla.v_head_dim)
    if all_decode:
        kv_b_weights = mla.kv_lora_rank * heads * (mla.qk_nope_head_dim + mla.v_head_dim)
        ops.append(
            _gemm(
                "kv_b_absorbed",
                layers,
                tokens,
                mla.kv_lora_rank,
                kv_b_out,
                weight_bytes,
                gemm_dtype,
                kv_b_weights,
            )
        )
    else:
        kv_tokens = sum(group.seqs * (group.context + group.new_tokens) for group in groups)
        ops.append(
            _gemm(
                "kv_b_proj", layers, kv_tokens, mla.kv_lora_rank, kv_b_out, weight_bytes, gemm_dtype
            )
        )
    ops.append(
        _gemm("o_proj", layers, tokens, heads * mla.v_head_dim, hidden, weight_bytes, gemm_dtype)
    )
    return ops


def _attention_core_ops(
    model: ModelArch,
    par: Parallelism,
    prec: Precision,
    groups: Sequence[Group],
    is_decode: Sequence[bool],
) -> list[Op]:
    """Attention of each group, on the full-attention layers and then on the windowed
    ones (``_windowed``); ops are tagged ``[i]`` by group when there are several."""
    ops: list[Op] = []
    for index, (group, group_is_decode) in enumerate(zip(groups, is_decode, strict=True)):
        tag = "" if len(groups) == 1 else f"[{index}]"
        ops += _attention_ops(
            model, par, prec, group, group_is_decode, model.full_attention_layers, None, tag
        )
        ops += _attention_ops(
            model,
            par,
            prec,
            group,
            group_is_decode,
            model.windowed_layers,
            model.window_tokens,
            f"_windowed{tag}",
        )
    return ops


def _dense_mlp_ops(
    model: ModelArch, par: Parallelism, tokens: Num, weight_bytes: float, gemm_dtype: DType
) -> list[Op]:
    """SwiGLU feed-forward of the dense layers, sharded over ``tp``: the fused gate/up
    GEMM, the activation (about 4 FLOPs per element; read two inputs, write one), the
    down GEMM, and the all-reduce of its partial sums."""
    hidden, tp, layers = model.hidden_size, par.tp, model.dense_layers
    width_per_chip = model.intermediate_size / tp
    return [
        _gemm("mlp_gate_up", layers, tokens, hidden, 2 * width_per_chip, weight_bytes, gemm_dtype),
        Op(
            "mlp_act",
            OpKind.ELEMENTWISE,
            layers,
            4.0 * tokens * width_per_chip,
            3.0 * tokens * width_per_chip * ACTIVATION_BYTES,
        ),
        _gemm("mlp_down", layers, tokens, width_per_chip, hidden, weight_bytes, gemm_dtype),
        *_all_reduce("mlp_all_reduce", layers, tokens, hidden, tp),
    ]


def _moe_ops(
    model: ModelArch,
    moe: MoEConfig,
    par: Parallelism,
    tokens: Num,
    weight_bytes: float,
    gemm_dtype: DType,
    moe_load_imbalance: float,
) -> list[Op]:
    """Feed-forward of the MoE layers: the bf16 router, the routed experts, the shared
    experts, the expert-parallel dispatch and combine, and the tensor-parallel all-reduce."""
    hidden, tp, layers = model.hidden_size, par.tp, model.moe_layers
    ops = [_gemm("moe_router", layers, tokens, hidden, moe.num_experts, BF16_BYTES, DType.BF16)]
    ops += _routed_expert_ops(model, moe, par, tokens, weight_bytes, gemm_dtype, moe_load_imbalance)
    if moe.num_shared_experts:
        shared_width = moe.num_shared_experts * moe.shared_intermediate_size / tp
        ops.append(
            _gemm(
                "moe_shared_gate_up",
                layers,
                tokens,
                hidden,
                2 * shared_width,
                weight_bytes,
                gemm_dtype,
            )
        )
        ops.append(
            _gemm("moe_shared_down", layers, tokens, shared_width, hidden, weight_bytes, gemm_dtype)
        )
    if par.ep > tp:
        ops += _expert_parallel_ops(model, moe, par, tokens)
    ops += _all_reduce("moe_all_reduce", layers, tokens, hidden, tp)
    return ops


def _routed_expert_ops(
    model: ModelArch,
    moe: MoEConfig,
    par: Parallelism,
    tokens: Num,
    weight_bytes: float,
    gemm_dtype: DType,
    moe_load_imbalance: float,
) -> list[Op]:
    """Gate/up and down GEMMs of the routed experts on the busiest chip.

    The chips that share one stage's experts see ``tokens`` (x ep/tp when expert
    parallelism spans replicas); T tokens picking k of E experts touch
    E·(1 - (1 - k/E)^T) distinct experts on average, and only their weights are read
    (at least one expert per chip). Experts are split over ``tp // ep`` chips when the
    TP group is wider than EP. Token-expert pairs on the busiest chip: T·k/ep when experts
    sit inside the TP group (every chip holds every token), T·k/tp when attention is
    data-parallel, times ``moe_load_imbalance``.
    """
    hidden, tp, layers = model.hidden_size, par.tp, model.moe_layers
    group_tokens = tokens * (par.ep / tp if par.ep > tp else 1)
    frac_hit = 1.0 - (1.0 - moe.experts_per_token / moe.num_experts) ** group_tokens
    experts_here = moe.num_experts / par.ep
    expert_split = max(tp // par.ep, 1)
    expert_width = moe.expert_intermediate_size / expert_split
    pairs = tokens * moe.experts_per_token / tp * expert_split * moe_load_imbalance
    experts_hit = np.maximum(experts_here * frac_hit, 1.0)
    m_per_expert = pairs / experts_hit
    return [
        Op(
            "moe_experts_gate_up",
            OpKind.GEMM,
            layers,
            2.0 * pairs * hidden * 2 * expert_width,
            experts_hit * hidden * 2 * expert_width * weight_bytes
            + pairs * (hidden + 2 * expert_width) * ACTIVATION_BYTES,
            gemm_dtype,
            m=m_per_expert,
        ),
        Op(
            "moe_experts_down",
            OpKind.GEMM,
            layers,
            2.0 * pairs * expert_width * hidden,
            experts_hit * expert_width * hidden * weight_bytes
            + pairs * (expert_width + hidden) * ACTIVATION_BYTES,
            gemm_dtype,
            m=m_per_expert,
        ),
    ]


def _expert_parallel_ops(
    model: ModelArch, moe: MoEConfig, par: Parallelism, tokens: Num
) -> list[Op]:
    """All-to-all dispatch and combine when experts span replicas (ep > tp): this chip's
    1/tp share of the replica's tokens goes to k experts, a fraction (ep-1)/ep of them on
    other chips."""
    hidden, tp, ep = model.hidden_size, par.tp, par.ep
    sent = tokens / tp * moe.experts_per_token * hidden * ACTIVATION_BYTES * (ep - 1) / ep
    return [
        Op("moe_dispatch", OpKind.ALL_TO_ALL, model.moe_layers, comm_bytes=sent, group_size=ep),
        Op("moe_combine", OpKind.ALL_TO_ALL, model.moe_layers, comm_bytes=sent, group_size=ep),
    ]


def _lm_head_ops(
    model: ModelArch, par: Parallelism, groups: Sequence[Group], is_decode: Sequence[bool]
) -> list[Op]:
    """Final norm and LM head, in bf16, vocabulary sharded over ``tp``. Logits are
    computed for every decode token but only for the last prompt token of a prefill."""
    hidden = model.hidden_size
    logit_tokens = sum(
        group.seqs if not group_is_decode else group.tokens
        for group, group_is_decode in zip(groups, is_decode, strict=True)
    )
    return [
        Op(
            "final_norm",
            OpKind.ELEMENTWISE,
            1,
            5.0 * logit_tokens * hidden,
            2.0 * logit_tokens * hidden * ACTIVATION_BYTES,
        ),
        _gemm(
            "lm_head", 1, logit_tokens, hidden, model.vocab_size / par.tp, BF16_BYTES, DType.BF16
        ),
    ]
