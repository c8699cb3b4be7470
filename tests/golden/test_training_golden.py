"""Golden: the training step model against published training throughput (issue 12).

Rows and sources: src/siliconomics/data/validation/training_throughput.csv
(MBRIDGE-PERF-2511, MBRIDGE-PERF-2602: NVIDIA Megatron-Bridge performance summaries;
LLAMA3-PAPER: the Llama 3 paper's Table 4). Failures print expected, actual and error.
"""

import time

import pytest

from siliconomics import api, validation
from siliconomics.perf import training as tr

CAT = api.get_catalog()
ROWS = validation.load_training_rows()


def report(name, expected, actual):
    err = actual / expected - 1
    print(f"{name}: expected {expected:.4g}, actual {actual:.4g}, error {err:+.1%}")
    return err


@pytest.fixture(scope="module")
def stated():
    return validation.training_throughput_points(CAT, searched=False)


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["metric"] == "tokens_per_s_per_chip"], ids=lambda r: r["id"]
)
def test_flop_accounting_matches_nemo(row):
    """NeMo's model FLOPs per token (its TFLOP/s/GPU over its tokens/s/GPU) against
    perf.training.model_flops_per_token (6·N with the head, causal attention): within 1%
    for every model but GPT-OSS, whose sliding-window layers NeMo counts differently
    (+12% at 8K, +20% at 4K here; see docs/training.md)."""
    nemo = float(row["model_tflops_per_s_per_chip"]) * 1e12 / float(row["value"])
    ours = tr.model_flops_per_token(CAT.models[row["model"]], int(row["seq_len"]))
    err = report(f"{row['id']} FLOPs/token", nemo, ours)
    limit = 0.25 if row["model"].startswith("gpt-oss") else 0.01
    assert abs(err) < limit


def test_llama3_paper_mfu_with_stated_layout(stated):
    """Table 4 (LLAMA3-PAPER): 43% / 41% / 38% BF16 MFU on 8K / 16K / 16K (131K context)
    H100s; the step model with the stated TP/CP/PP/DP within 10%."""
    rows = [p for p in stated if p.source == "LLAMA3-PAPER"]
    assert len(rows) == 3
    for p in rows:
        assert abs(report(p.id, p.measured, p.predicted)) < 0.10


def test_h100_dense_rows_with_stated_layout(stated):
    """MBRIDGE-PERF-2511, DGX-H100 FP8: Llama 3 8B 14,451, 70B 1,602, 405B 292 tokens/s/GPU."""
    rows = [
        p
        for p in stated
        if p.hardware == "nvidia-h100-sxm"
        and p.model.startswith("llama")
        and p.source != "LLAMA3-PAPER"
    ]
    assert len(rows) == 3
    for p in rows:
        assert abs(report(p.id, p.measured, p.predicted)) < 0.15


def test_validation_medians(stated):
    """Regression guard on the figures in docs/training.md (stated layouts): median over
    all rows and dense rows; the issue's target is 10%, not yet met on Blackwell and MoE."""
    s = validation.training_summary(stated, CAT)
    print({k: round(v["median_abs_error"], 3) for k, v in s.items()})
    assert s["stated"]["points"] == len(ROWS)
    assert s["stated"]["median_abs_error"] < 0.16
    assert s["stated dense"]["median_abs_error"] < 0.13


def test_search_405b_on_16k_h100_under_5_s():
    """The issue's speed target; the searched layout's MFU within 15% of Table 4's 41%."""
    hw = api.resolve_hardware("nvidia-h100-sxm", CAT)
    t0 = time.perf_counter()
    r = tr.search(
        CAT.models["llama-3.1-405b"], hw, 16384, seq_len=8192, global_batch_tokens=16 * 2**20
    )
    elapsed = time.perf_counter() - t0
    print(f"search: {elapsed:.2f} s, {r.layouts_tried} layouts, best {r.best.layout.describe()}")
    assert elapsed < 5.0
    assert abs(report("405B searched MFU", 0.41, r.best.mfu)) < 0.15
    assert len(r.runners_up) == 4
    assert all(x.tokens_per_s <= r.best.tokens_per_s for x in r.runners_up)
