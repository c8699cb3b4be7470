"""Training-run cost, and how a synthetic-data loop splits compute between generation and training.

**FLOPs per token.** A matrix multiply of a token's activation (1 x K) by a weight (K x N)
costs 2·K·N FLOPs (one multiply and one add per weight), so a forward pass costs 2 FLOPs
per parameter touched. The backward pass costs twice the forward (the gradient with
respect to the activations and with respect to the weights, each one multiply-add per
weight), so a training step costs 6 FLOPs per parameter per token: ``6·N·D`` for D tokens
(Kaplan et al. 2020, arXiv:2001.08361 §2.1). For a mixture of experts N is the *active*
parameter count: the routed experts a token visits (k of E), the shared ones, attention,
router and LM head (perf.training.matmul_params_per_token: the head counts even when its
matrix is tied to the embedding, since it is still a V x h matmul per token; the embedding
lookup itself is free). Omitting the tied head undercounts MPT-125m by 32%.

Attention adds work that no parameter counts: a token at a sequence of s keys computes
its scores ``q·K^T`` (2·s·d_qk FLOPs per head) and mixes the values ``softmax·V``
(2·s·d_v per head). Per layer and token the forward costs ``2·s·H·(d_qk + d_v)``; with
d_qk = d_v = head_dim and h = H·head_dim that is 4·s·h, and training (x3) gives::

    attention FLOPs per token = 12 · L · h · s      (PaLM, arXiv:2204.02311 App. B)

The default is causal: a token at position p attends to p keys, s/2 on average, which
halves the term (6·L·h·s), as NVIDIA's NeMo/Megatron-Bridge accounting does;
``causal=False`` counts every key (PaLM's convention). Windowed layers use min(s, window); MLA uses
its own d_qk (nope + rope) and d_v.

**Time and cost.** On C chips of dense peak P at model FLOPs utilisation MFU::

    chip-hours = FLOPs / (P · MFU) / 3600,   wall clock = chip-hours / C,
    cost = chip-hours x USD per chip-hour (the TCO, or a rental price)

**Synthetic-data loop.** Generate K samples of G tokens for each of P prompts of I tokens
(the prompt prefilled once, shared by the K samples), verify, keep a fraction p, train on
the kept samples::

    generation FLOPs = 2·N·(P·I + P·K·G) + attention forward (4·L·h per key)
    verification     = 2·N_v·(I + G) per sample for a verifier model (0 for a rule check)
    training FLOPs   = 6·N·D_kept + attention,   D_kept = p·P·K·(G [+ I])

Generation is forward-only (2·N per token) but runs as memory-bound decode, so its share
of chip time is far larger than its share of FLOPs; with a serving result the loop
prices generation at the sustained serving throughput (econ.cost) and training at MFU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from siliconomics.catalog.dtypes import DType
from siliconomics.catalog.specs import Accelerator, ModelArch
from siliconomics.econ.cost import PricedPoint
from siliconomics.errors import SiliconomicsError
from siliconomics.perf.training import (
    attention_forward_flops_per_token,
    matmul_params_per_token,
)

__all__ = [
    "SyntheticLoop",
    "TrainingFlops",
    "TrainingRun",
    "attention_forward_flops_per_token",
    "synthetic_loop",
    "training_flops",
    "training_run",
]

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class TrainingFlops:
    """FLOPs of training ``tokens`` tokens at sequence length ``seq_len``."""

    model: str
    active_params: float
    tokens: float
    seq_len: int
    causal: bool
    dense_flops: float
    attention_flops: float

    @property
    def total_flops(self) -> float:
        return self.dense_flops + self.attention_flops

    @property
    def flops_per_token(self) -> float:
        return self.total_flops / self.tokens


def training_flops(
    model: ModelArch, tokens: float, *, seq_len: int = 8192, causal: bool = True
) -> TrainingFlops:
    """6·N·D plus the attention term 3 x forward attention: 6·L·h·s per token causal (the
    default, NVIDIA's and the step model's convention), 12·L·h·s with ``causal=False``.
    N counts every matmul weight a token touches, the LM head included when it is tied to
    the embedding (perf.training.matmul_params_per_token)."""
    if not tokens > 0:
        raise SiliconomicsError(f"tokens: must be > 0, got {tokens}")
    if not isinstance(seq_len, int) or seq_len < 1:
        raise SiliconomicsError(f"seq_len: must be a positive integer, got {seq_len!r}")
    n = matmul_params_per_token(model)
    keys = seq_len / 2.0 if causal else float(seq_len)
    attn = 3.0 * attention_forward_flops_per_token(model, keys) * tokens
    return TrainingFlops(model.id, n, tokens, seq_len, causal, 6.0 * n * tokens, attn)


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """Time and cost of a training run on ``chips`` chips at a given MFU."""

    flops: TrainingFlops
    accelerator: str
    chips: int
    mfu: float
    dtype: str
    peak_flop_per_s_per_chip: float
    usd_per_chip_hour: float | None
    price_basis: str

    @property
    def chip_hours(self) -> float:
        return self.flops.total_flops / (self.peak_flop_per_s_per_chip * self.mfu) / 3600.0

    @property
    def wall_clock_s(self) -> float:
        return self.chip_hours * SECONDS_PER_HOUR / self.chips

    @property
    def cost_usd(self) -> float | None:
        return None if self.usd_per_chip_hour is None else self.chip_hours * self.usd_per_chip_hour

    def as_dict(self) -> dict[str, Any]:
        f = self.flops
        return {
            "model": f.model,
            "accelerator": self.accelerator,
            "chips": self.chips,
            "mfu": self.mfu,
            "dtype": self.dtype,
            "tokens": f.tokens,
            "seq_len": f.seq_len,
            "active_params": f.active_params,
            "dense_flops": f.dense_flops,
            "attention_flops": f.attention_flops,
            "total_flops": f.total_flops,
            "peak_flop_per_s_per_chip": self.peak_flop_per_s_per_chip,
            "chip_hours": self.chip_hours,
            "wall_clock_s": self.wall_clock_s,
            "wall_clock_days": self.wall_clock_s / 86400.0,
            "usd_per_chip_hour": self.usd_per_chip_hour,
            "price_basis": self.price_basis,
            "cost_usd": self.cost_usd,
        }


def _check_mfu(mfu: float) -> None:
    if not 0 < mfu <= 1:
        raise SiliconomicsError(f"mfu: must be in (0, 1], got {mfu}")


def training_run(
    model: ModelArch,
    chip: Accelerator,
    *,
    tokens: float,
    chips: int,
    mfu: float,
    seq_len: int = 8192,
    dtype: str = "bf16",
    causal: bool = True,
    usd_per_chip_hour: float | None = None,
    price_basis: str = "tco",
) -> TrainingRun:
    """Chip-hours, wall clock and cost of training ``model`` on ``tokens`` tokens.

    ``mfu`` is an input (published runs: Llama 3 405B 38-43% of bf16 peak on H100s).
    ``usd_per_chip_hour`` is the TCO (econ.tco) or a rental price; ``price_basis`` says which.
    """
    if not isinstance(chips, int) or chips < 1:
        raise SiliconomicsError(f"chips: must be a positive integer, got {chips!r}")
    _check_mfu(mfu)
    try:
        dt = DType(dtype)
    except ValueError:
        raise SiliconomicsError(
            f"dtype: unknown value {dtype!r}; allowed: {', '.join(d.value for d in DType)}"
        ) from None
    if usd_per_chip_hour is not None and usd_per_chip_hour < 0:
        raise SiliconomicsError(f"usd_per_chip_hour: must be >= 0, got {usd_per_chip_hour}")
    f = training_flops(model, tokens, seq_len=seq_len, causal=causal)
    return TrainingRun(
        f, chip.id, chips, mfu, dt.value, chip.peak(dt), usd_per_chip_hour, price_basis
    )


@dataclass(frozen=True, slots=True)
class SyntheticLoop:
    """Compute (and, with prices, time and cost) of generate -> verify -> filter -> train."""

    model: str
    prompts: float
    samples_per_prompt: int
    prompt_tokens: int
    sample_tokens: int
    keep_fraction: float
    train_on_prompt: bool
    generated_tokens: float
    kept_training_tokens: float
    generation_flops: float
    verification_flops: float
    training_flops: float
    generation_chip_hours: float | None
    training_chip_hours: float | None
    generation_cost_usd: float | None
    training_cost_usd: float | None

    @property
    def total_flops(self) -> float:
        return self.generation_flops + self.verification_flops + self.training_flops

    def as_dict(self) -> dict[str, Any]:
        t = self.total_flops
        out: dict[str, Any] = {
            "model": self.model,
            "prompts": self.prompts,
            "samples_per_prompt": self.samples_per_prompt,
            "prompt_tokens": self.prompt_tokens,
            "sample_tokens": self.sample_tokens,
            "keep_fraction": self.keep_fraction,
            "generated_tokens": self.generated_tokens,
            "kept_training_tokens": self.kept_training_tokens,
            "flops": {
                "generation": self.generation_flops,
                "verification": self.verification_flops,
                "training": self.training_flops,
                "total": t,
            },
            "flops_share": {
                "generation": self.generation_flops / t,
                "verification": self.verification_flops / t,
                "training": self.training_flops / t,
            },
        }
        if self.generation_chip_hours is not None and self.training_chip_hours is not None:
            hours = self.generation_chip_hours + self.training_chip_hours
            out["chip_hours"] = {
                "generation": self.generation_chip_hours,
                "training": self.training_chip_hours,
                "total": hours,
            }
            out["chip_hours_share"] = {
                "generation": self.generation_chip_hours / hours,
                "training": self.training_chip_hours / hours,
            }
        if self.generation_cost_usd is not None and self.training_cost_usd is not None:
            out["cost_usd"] = {
                "generation": self.generation_cost_usd,
                "training": self.training_cost_usd,
                "total": self.generation_cost_usd + self.training_cost_usd,
            }
        return out


def synthetic_loop(
    model: ModelArch,
    *,
    prompts: float,
    samples_per_prompt: int,
    prompt_tokens: int,
    sample_tokens: int,
    keep_fraction: float,
    train_on_prompt: bool = False,
    verifier: ModelArch | None = None,
    causal: bool = True,
    generation: PricedPoint | None = None,
    train_chip: Accelerator | None = None,
    train_mfu: float | None = None,
    train_dtype: str = "bf16",
    usd_per_chip_hour: float | None = None,
) -> SyntheticLoop:
    """FLOPs of each stage; chip-hours and cost too when ``generation`` (a serving result
    for this model at output_len = ``sample_tokens``) and ``train_chip``/``train_mfu`` are
    given. Generation and verification attend causally (each token sees the keys before
    it); ``causal`` applies the same to the training term.
    """
    if not prompts > 0:
        raise SiliconomicsError(f"prompts: must be > 0, got {prompts}")
    for name, v in (
        ("samples_per_prompt", samples_per_prompt),
        ("prompt_tokens", prompt_tokens),
        ("sample_tokens", sample_tokens),
    ):
        if not isinstance(v, int) or v < 1:
            raise SiliconomicsError(f"{name}: must be a positive integer, got {v!r}")
    if not 0 < keep_fraction <= 1:
        raise SiliconomicsError(f"keep_fraction: must be in (0, 1], got {keep_fraction}")
    n = matmul_params_per_token(model)
    i, g, k = prompt_tokens, sample_tokens, samples_per_prompt
    samples = prompts * k
    # Mean keys: prompt tokens see (I+1)/2 on average; a generated token after I + G/2.
    gen = 2.0 * n * prompts * i + attention_forward_flops_per_token(model, (i + 1) / 2) * (
        prompts * i
    )
    gen += (2.0 * n + attention_forward_flops_per_token(model, i + g / 2)) * samples * g
    ver = 0.0
    if verifier is not None:
        nv = matmul_params_per_token(verifier)
        per = 2.0 * nv * (i + g) + attention_forward_flops_per_token(verifier, (i + g) / 2) * (
            i + g
        )
        ver = per * samples
    seq = i + g if train_on_prompt else g
    kept = keep_fraction * samples * seq
    tr = training_flops(model, kept, seq_len=i + g, causal=causal)
    gen_h = tr_h = gen_usd = tr_usd = None
    if generation is not None:
        op = generation.op
        if op.output_tokens_mean != g or op.input_tokens_mean != i:
            raise SiliconomicsError(
                "generation: serving result must be for input_len=prompt_tokens and "
                "output_len=sample_tokens"
            )
        c = generation.costs
        gen_usd = (
            prompts * i * c.usd_per_million_input_tokens
            + samples * g * c.usd_per_million_output_tokens
        ) / 1e6
        gen_h = gen_usd / generation.usd_per_chip_hour
    if train_chip is not None and train_mfu is not None:
        _check_mfu(train_mfu)
        tr_h = tr.total_flops / (train_chip.peak(DType(train_dtype)) * train_mfu) / 3600.0
        if usd_per_chip_hour is not None:
            tr_usd = tr_h * usd_per_chip_hour
    return SyntheticLoop(
        model.id,
        prompts,
        k,
        i,
        g,
        keep_fraction,
        train_on_prompt,
        samples * g,
        kept,
        gen,
        ver,
        tr.total_flops,
        gen_h,
        tr_h,
        gen_usd,
        tr_usd,
    )
