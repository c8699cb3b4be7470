"""The training step model: a tiny model's step and memory derived by hand, the FLOP
accounting (causal attention, tied LM head), layout checks and the 'does not fit' error."""

from dataclasses import replace

import pytest

from siliconomics.catalog.dtypes import DType
from siliconomics.errors import DoesNotFit, SiliconomicsError
from siliconomics.perf import training as tr
from siliconomics.perf.timing import Hardware
from siliconomics.perf.workload import param_counts

P_BF16 = 989.4e12  # H100 SXM dense bf16 FLOP/s (catalog, source S04)
BW = 3.35e12  # H100 SXM HBM bytes/s (catalog, source S03)


@pytest.fixture(scope="module")
def tiny(catalog):
    """h 64, 2 layers, 4 heads of 16 (MHA), SwiGLU 128, vocabulary 256, untied."""
    return replace(
        catalog.models["llama-3.1-8b"],
        id="tiny",
        hidden_size=64,
        num_layers=2,
        num_attention_heads=4,
        num_kv_heads=4,
        head_dim=16,
        intermediate_size=128,
        vocab_size=256,
        max_position_embeddings=None,
    )


@pytest.fixture(scope="module")
def simple_hw(catalog):
    """H100 with round efficiencies: GEMMs and attention at 50% of peak at any size, HBM
    at 100%, no kernel or step overheads, no memory reserve."""
    chip = catalog.accelerators["nvidia-h100-sxm"]
    cal = replace(
        catalog.calibration_for(chip),
        gemm_efficiency=0.5,
        gemm_m_half_tokens=0.0,
        memory_efficiency=1.0,
        attention_prefill_efficiency=0.5,
        attention_decode_efficiency=1.0,
        kernel_overhead_s=0.0,
        step_overhead_s=0.0,
        memory_reserve_fraction=0.0,
        training_gemm_efficiency=None,
    )
    return Hardware.for_chip(chip, cal)


def test_tiny_model_step_by_hand(tiny, simple_hw):
    """tp = pp = dp = 1, one 1,024-token sequence per micro-batch, 4 micro-batches."""
    s = tr.predict(tiny, simple_hw, tr.TrainLayout(), seq_len=1024, global_batch_tokens=4096)
    t = 1024
    # Forward of one layer: QKV + O projections 64·(4+8)·16 + 4·16·64 = 16,384 weights;
    # SwiGLU 3·64·128 = 24,576 weights; 2 FLOPs per weight and token at 50% of peak.
    proj = 2 * t * 16384 / (0.5 * P_BF16)
    mlp = 2 * t * 24576 / (0.5 * P_BF16)
    # Causal attention: 2·T·heads·(d_qk + d_v)·S/2 = 2·1024·4·32·512 FLOPs at 50%.
    attn = 2 * t * 4 * 32 * 512 / (0.5 * P_BF16)
    # Norms and activation stream T·(8h + 3f)·2 bytes at full HBM bandwidth.
    elem = t * (8 * 64 + 3 * 128) * 2 / BW
    fwd = proj + mlp + attn + elem
    bwd = 2 * (proj + mlp) + 2.5 * attn + 2 * elem
    head = 3 * (2 * t * 256 * 64 / (0.5 * P_BF16))  # LM head forward + backward
    per_microbatch = 2 * (fwd + bwd) + head
    # Adam step streams 30 bytes per parameter: 2·(16,384 + 24,576 + 2·64) + 2·256·64.
    params = 2 * (16384 + 24576 + 128) + 2 * 256 * 64
    optimizer = params * 30 / BW
    expected = 4 * per_microbatch + optimizer
    assert s.microbatches == 4
    assert s.step_s == pytest.approx(expected, rel=1e-9)
    assert s.tokens_per_s == pytest.approx(4096 / expected, rel=1e-9)
    assert s.bubble_fraction == 0.0


def test_tiny_model_memory_by_hand(tiny, simple_hw):
    s = tr.predict(tiny, simple_hw, tr.TrainLayout(), seq_len=1024, global_batch_tokens=4096)
    params = 2 * (16384 + 24576 + 128) + 2 * 256 * 64
    mem = s.memory
    assert mem is not None
    assert mem.weights_bytes == pytest.approx(2 * params)
    assert mem.gradients_bytes == pytest.approx(4 * params)
    assert mem.optimizer_bytes == pytest.approx(12 * params)
    # 2·(4h + H·d_v + q + k + v + 3f) = 2·(256 + 64 + 192 + 384) bytes per token and layer,
    # 1,024 tokens, 2 layers, one micro-batch in flight.
    assert mem.activations_bytes == pytest.approx(2 * (256 + 64 + 192 + 384) * 1024 * 2)
    assert mem.logits_bytes == pytest.approx(1024 * 256 * 4)
    assert mem.fits


def test_recompute_and_fsdp_memory_by_hand(tiny, simple_hw):
    def acts(**kw):
        layout = tr.TrainLayout(dp=2, **kw)
        s = tr.predict(tiny, simple_hw, layout, seq_len=1024, global_batch_tokens=4096)
        return s

    full = acts(recompute="full")
    # Full recompute keeps the layer input (2·h bytes per token) plus one layer's working set.
    assert full.memory.activations_bytes == pytest.approx(
        2 * 64 * 1024 * 2 + 2 * (256 + 64 + 192 + 384) * 1024
    )
    sel = acts(recompute="selective")
    assert sel.memory.activations_bytes == pytest.approx(2 * (128 + 64 + 192 + 256) * 1024 * 2)
    params = 2 * (16384 + 24576 + 128) + 2 * 256 * 64
    # The distributed optimizer shards the 12 optimizer bytes over dp = 2.
    assert full.memory.optimizer_bytes == pytest.approx(6 * params)
    fsdp = acts(fsdp=True)
    assert fsdp.memory.gradients_bytes == pytest.approx(2 * params)


def test_model_flops_causal_by_hand(catalog):
    """6·N + 6·L·h·S: Llama 3.1 8B (32 layers, h = 32·128 = 4096) at S = 8192."""
    m = catalog.models["llama-3.1-8b"]
    n = param_counts(m).active(m)
    assert tr.model_flops_per_token(m, 8192) == pytest.approx(6 * n + 6 * 32 * 4096 * 8192)
    full = tr.model_flops_per_token(m, 8192, causal=False)
    assert full - 6 * n == pytest.approx(2 * 6 * 32 * 4096 * 8192)


def test_tied_lm_head_still_costs_its_matmul(catalog):
    """A tied head shares the embedding's weights but is still a V x h matmul per token:
    tying changes memory, not FLOPs (the bug that undercounted MPT-125m by 32%)."""
    m = catalog.models["llama-3.1-8b"]
    tied = replace(m, tie_word_embeddings=True)
    assert param_counts(tied).lm_head == 0.0
    assert tr.matmul_params_per_token(tied) == pytest.approx(tr.matmul_params_per_token(m))
    assert tr.matmul_params_per_token(tied) - param_counts(tied).active(tied) == 128256 * 4096


@pytest.mark.parametrize(
    ("layout", "msg"),
    [
        (dict(tp=3), "tp: 3 must divide the 32 attention heads"),
        (dict(pp=16, vp=4), "pp: 16 stages x vp 4 exceed the 32 layers"),
        (dict(ep=2), "ep: llama-3.1-8b has no experts"),
        (dict(vp=2), "vp: interleaving needs pp > 1"),
        (dict(micro_batch=0), "micro_batch: must be a positive integer"),
    ],
)
def test_bad_layouts(catalog, simple_hw, layout, msg):
    with pytest.raises(SiliconomicsError, match=msg):
        tr.predict(
            catalog.models["llama-3.1-8b"],
            simple_hw,
            tr.TrainLayout(**layout),
            seq_len=4096,
            global_batch_tokens=2**20,
        )


def test_bad_precision_and_recompute_names():
    with pytest.raises(SiliconomicsError, match="precision: unknown value 'fp16'"):
        tr.parse_precision("fp16")
    with pytest.raises(SiliconomicsError, match="recompute: unknown value 'some'"):
        tr.parse_recompute("some")


def test_405b_on_one_h100_does_not_fit(catalog):
    hw = Hardware.for_chip(
        catalog.accelerators["nvidia-h100-sxm"], catalog.calibration_for("nvidia-h100-sxm")
    )
    with pytest.raises(DoesNotFit, match="does not fit for training on 1 x nvidia-h100-sxm"):
        tr.search(catalog.models["llama-3.1-405b"], hw, 1, seq_len=8192, global_batch_tokens=2**24)


def test_fp8_needs_the_format(catalog):
    a100 = catalog.accelerators["nvidia-a100-sxm"]
    hw = Hardware.for_chip(a100, catalog.calibration_for(a100))
    with pytest.raises(SiliconomicsError, match="dtype: fp8 is not supported by nvidia-a100"):
        tr.predict(
            catalog.models["llama-3.1-8b"],
            hw,
            tr.TrainLayout(tp=8),
            seq_len=4096,
            global_batch_tokens=2**20,
            precision=DType.FP8,
        )


def test_expert_optimizer_shards_over_the_expert_data_parallel_group(catalog):
    """Qwen3-30B-A3B on 8 chips, tp1 dp8 ep8: each chip holds 1/8 of the routed experts,
    replicated nowhere else (expert data-parallel group 8/8 = 1), so their 12 optimizer
    bytes stay whole; everything else shards its 12 bytes over dp = 8."""
    m = catalog.models["qwen3-30b-a3b"]
    chip = catalog.accelerators["nvidia-h100-sxm"]
    hw = Hardware.for_chip(chip, catalog.calibration_for(chip))
    s = tr.predict(m, hw, tr.TrainLayout(dp=8, ep=8), seq_len=4096, global_batch_tokens=2**20)
    experts = 48 * 128 * 3 * 2048 * 768 / 8
    # Per layer: attention 2048·(32 + 2·4)·128 + 32·128·2048, router 2048·128, norms 2·2048;
    # plus the embedding and the untied head, 2·151,936·2048.
    other = 48 * (2048 * 40 * 128 + 32 * 128 * 2048 + 2048 * 128 + 2 * 2048) + 2 * 151936 * 2048
    assert s.memory.optimizer_bytes == pytest.approx(12 * experts + 12 * other / 8)
    assert s.memory.weights_bytes == pytest.approx(2 * (experts + other))
