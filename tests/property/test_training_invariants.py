"""Hypothesis invariants of the training step model (issue 12)."""

from dataclasses import replace
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from siliconomics import api
from siliconomics.perf import training as tr

CAT = api.get_catalog()
SETTINGS = settings(max_examples=25, deadline=None)
MODELS = ["llama-3.1-8b", "llama-3.1-70b", "qwen3-30b-a3b", "deepseek-v3", "gpt-oss-120b"]
CHIPS = ["nvidia-h100-sxm", "nvidia-gb200-nvl72", "google-tpu-v5p", "aws-trainium2"]

model_st = st.sampled_from(MODELS)
chip_st = st.sampled_from(CHIPS)
tp_st = st.sampled_from([1, 2, 4, 8])
seq_st = st.sampled_from([2048, 4096, 8192])


def _hw(chip):
    return api.resolve_hardware(chip, CAT)


def _step(model, chip, layout, seq, batch_seqs=512):
    m = CAT.models[model]
    return tr.predict(m, _hw(chip), layout, seq_len=seq, global_batch_tokens=batch_seqs * seq)


@SETTINGS
@given(model_st, chip_st, tp_st, st.sampled_from([1, 2, 4]), seq_st, st.sampled_from([1, 2, 4]))
def test_more_recompute_never_raises_throughput(model, chip, tp, pp, seq, mb):
    base = tr.TrainLayout(tp=tp, pp=pp, dp=4, micro_batch=mb)
    rates = [
        _step(model, chip, replace(base, recompute=rc), seq).tokens_per_s
        for rc in ("none", "selective", "full")
    ]
    assert rates[0] >= rates[1] >= rates[2]


@SETTINGS
@given(model_st, chip_st, tp_st, seq_st, st.sampled_from([1, 2]))
def test_more_recompute_never_needs_more_activation_memory(model, chip, tp, seq, mb):
    base = tr.TrainLayout(tp=tp, pp=2, dp=4, micro_batch=mb)
    acts = [
        _step(model, chip, replace(base, recompute=rc), seq).memory.activations_bytes
        for rc in ("none", "selective", "full")
    ]
    assert acts[0] >= acts[1] >= acts[2]


@SETTINGS
@given(model_st, chip_st, tp_st, seq_st, st.sampled_from([1, 2]))
def test_larger_pp_never_lowers_bubble_fraction(model, chip, tp, seq, mb):
    """At a fixed number of micro-batches (same dp, micro-batch and global batch)."""
    fractions = [
        _step(model, chip, tr.TrainLayout(tp=tp, pp=pp, dp=4, micro_batch=mb), seq).bubble_fraction
        for pp in (1, 2, 4, 8)
    ]
    assert fractions[0] == 0.0
    assert all(a <= b + 1e-12 for a, b in pairwise(fractions))


@SETTINGS
@given(model_st, chip_st, tp_st, seq_st, st.floats(1.1, 4.0))
def test_faster_chip_never_slows_a_step(model, chip, tp, seq, k):
    hw = _hw(chip)
    fast = replace(
        hw,
        chip=replace(
            hw.chip,
            peak_flop_per_s={d: v * k for d, v in hw.chip.peak_flop_per_s.items()},
            hbm_bandwidth_bytes_per_s=hw.chip.hbm_bandwidth_bytes_per_s * k,
        ),
    )
    m = CAT.models[model]
    layout = tr.TrainLayout(tp=tp, pp=2, dp=4)
    slow = tr.predict(m, hw, layout, seq_len=seq, global_batch_tokens=512 * seq)
    quick = tr.predict(m, fast, layout, seq_len=seq, global_batch_tokens=512 * seq)
    assert quick.step_s <= slow.step_s


@SETTINGS
@given(model_st, chip_st, tp_st, seq_st)
def test_mfu_is_model_flops_over_peak(model, chip, tp, seq):
    s = _step(model, chip, tr.TrainLayout(tp=tp, pp=2, dp=4), seq)
    m = CAT.models[model]
    flops = tr.model_flops_per_token(m, seq) * s.tokens_per_s
    assert (
        s.mfu * s.chips * s.peak_flop_per_s_per_chip == flops
        or abs(s.mfu * s.chips * s.peak_flop_per_s_per_chip / flops - 1) < 1e-12
    )
    assert 0 < s.mfu < 1
