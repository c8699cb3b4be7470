"""Hypothesis invariants of the performance model."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siliconomics import api
from siliconomics.catalog.dtypes import DType, KVFormat, WeightFormat
from siliconomics.perf import Parallelism, Precision, decode_step_s, prefill_s
from siliconomics.perf.memory import plan_memory

CAT = api.get_catalog()
MODELS = [
    "llama-3.1-8b",
    "llama-3.1-70b",
    "mixtral-8x7b",
    "deepseek-v3",
    "gpt-oss-120b",
    "qwen3-32b",
]
CHIPS = ["nvidia-h100-sxm", "nvidia-b200", "amd-mi300x", "google-tpu-v6e", "intel-gaudi3"]

model_st = st.sampled_from(MODELS)
chip_st = st.sampled_from(CHIPS)
tp_st = st.sampled_from([1, 2, 4, 8])
batch_st = st.integers(1, 512)
ctx_st = st.integers(1, 32_000)
PREC = Precision(WeightFormat.BF16, KVFormat.BF16)
SETTINGS = settings(max_examples=60, deadline=None)


def hw_for(chip_id):
    return api.resolve_hardware(chip_id, CAT)


def scaled_chip(hw, *, bw=1.0, flops=1.0):
    chip = replace(
        hw.chip,
        hbm_bandwidth_bytes_per_s=hw.chip.hbm_bandwidth_bytes_per_s * bw,
        peak_flop_per_s={k: v * flops for k, v in hw.chip.peak_flop_per_s.items()},
    )
    return replace(hw, chip=chip)


@SETTINGS
@given(model_st, chip_st, tp_st, batch_st, ctx_st, st.floats(1.0, 4.0))
def test_more_bandwidth_never_slows_decode(model, chip, tp, batch, ctx, factor):
    m, hw = CAT.model(model), hw_for(chip)
    par = Parallelism(tp=tp)
    base = decode_step_s(m, par, PREC, hw, batch, ctx)
    faster = decode_step_s(m, par, PREC, scaled_chip(hw, bw=factor), batch, ctx)
    assert faster <= base * (1 + 1e-12)


@SETTINGS
@given(model_st, chip_st, tp_st, st.integers(1, 16), st.integers(16, 8192), st.floats(1.0, 4.0))
def test_more_flops_never_slows_prefill(model, chip, tp, batch, length, factor):
    m, hw = CAT.model(model), hw_for(chip)
    par = Parallelism(tp=tp)
    base = prefill_s(m, par, PREC, hw, batch, length)
    faster = prefill_s(m, par, PREC, scaled_chip(hw, flops=factor), batch, length)
    assert faster <= base * (1 + 1e-12)


@SETTINGS
@given(model_st, chip_st, tp_st, batch_st, ctx_st, st.integers(1, 32_000))
def test_longer_context_never_speeds_decode(model, chip, tp, batch, ctx, extra):
    m, hw = CAT.model(model), hw_for(chip)
    par = Parallelism(tp=tp)
    assert decode_step_s(m, par, PREC, hw, batch, ctx + extra) >= decode_step_s(
        m, par, PREC, hw, batch, ctx
    )


@SETTINGS
@given(model_st, chip_st, tp_st, batch_st, ctx_st)
def test_doubling_batch_at_most_doubles_step_time(model, chip, tp, batch, ctx):
    m, hw = CAT.model(model), hw_for(chip)
    par = Parallelism(tp=tp)
    t1 = decode_step_s(m, par, PREC, hw, batch, ctx)
    t2 = decode_step_s(m, par, PREC, hw, 2 * batch, ctx)
    assert t1 <= t2 <= 2 * t1 * (1 + 1e-12)


@SETTINGS
@given(model_st, tp_st, ctx_st, st.floats(1.0, 3.0))
def test_more_memory_never_lowers_max_batch(model, tp, ctx, factor):
    m, hw = CAT.model(model), hw_for("amd-mi300x")
    par = Parallelism(tp=tp)
    try:
        small = plan_memory(
            m, par, PREC, hw, batch=1, context=ctx, step_tokens=8192, logit_tokens=1
        )
    except Exception:
        return  # does not fit; nothing to compare
    usable = hw.chip.hbm_usable_bytes
    big_chip = replace(
        hw.chip,
        hbm_bytes=hw.chip.hbm_bytes * factor,
        hbm_usable_bytes=usable * factor if usable is not None else None,
    )
    big_hw = replace(hw, chip=big_chip)
    big = plan_memory(m, par, PREC, big_hw, batch=1, context=ctx, step_tokens=8192, logit_tokens=1)
    assert big.max_batch >= small.max_batch


@SETTINGS
@given(model_st, chip_st, st.lists(batch_st, min_size=2, max_size=6))
def test_vectorised_equals_scalar(model, chip, batches):
    m, hw = CAT.model(model), hw_for(chip)
    par = Parallelism(tp=8)
    vec = decode_step_s(m, par, PREC, hw, np.array(batches, dtype=float), 2048)
    for b, v in zip(batches, vec, strict=True):
        assert v == pytest.approx(decode_step_s(m, par, PREC, hw, b, 2048), rel=1e-12)


def test_fp8_weights_use_fp8_peak():
    hw = hw_for("nvidia-h100-sxm")
    assert hw.chip.peak(Precision(WeightFormat.FP8).gemm_dtype) == hw.chip.peak(DType.FP8)


@settings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False))
def test_catalog_order_never_changes_a_result(rnd):
    """Shuffling every catalog mapping changes no estimate, search or cost ranking."""

    def shuffled(m):
        items = list(m.items())
        rnd.shuffle(items)
        return dict(items)

    cat2 = replace(
        CAT,
        accelerators=shuffled(CAT.accelerators),
        systems=shuffled(CAT.systems),
        models=shuffled(CAT.models),
        calibrations=shuffled(CAT.calibrations),
        prices=shuffled(CAT.prices),
    )
    kw = {"chips": 8, "batch": 32, "input_len": 1024, "weights": "fp8"}
    assert api.estimate("llama-3.1-70b", "nvidia-hgx-h100", catalog=cat2, **kw) == api.estimate(
        "llama-3.1-70b", "nvidia-hgx-h100", catalog=CAT, **kw
    )
    hw = ["nvidia-h100-sxm", "amd-mi300x", "intel-gaudi3"]
    a = api.cost("llama-3.1-8b", hardware=hw, catalog=CAT)
    b = api.cost("llama-3.1-8b", hardware=list(reversed(hw)), catalog=cat2)
    assert [r["accelerator"] for r in a["rows"]] == [r["accelerator"] for r in b["rows"]]
    assert [r["usd_per_million_output_tokens"] for r in a["rows"]] == [
        r["usd_per_million_output_tokens"] for r in b["rows"]
    ]
