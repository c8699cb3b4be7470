"""The operating-point engine: one answer per question, deterministic, SLA never helps."""

import pytest

from siliconomics import api
from siliconomics.errors import DoesNotFit, SiliconomicsError
from siliconomics.serving import operating

Q = {"input_len": 1024, "output_len": 256, "frontier_points": 0}


def test_repeated_searches_agree_even_with_a_cold_cache() -> None:
    a = api.throughput("llama-3.1-8b", "nvidia-h100-sxm", 2, **Q)
    operating.clear_cache()
    b = api.throughput("llama-3.1-8b", "nvidia-h100-sxm", 2, **Q)
    assert a["best"] == b["best"]


@pytest.mark.parametrize("hw", ["nvidia-h100-sxm", "amd-mi300x"])
def test_an_sla_never_raises_throughput(hw: str) -> None:
    r = api.throughput("llama-3.1-8b", hw, 2, ttft_p99_s=1.0, tpot_p99_s=0.03, **Q)
    assert r["best_sla"] is not None and r["sla_met"] is True
    assert r["best_sla"]["output_tokens_per_s"] <= r["best"]["output_tokens_per_s"]
    assert r["best_sla"]["ttft_p99_s"] <= 1.0 and r["best_sla"]["tpot_p99_s"] <= 0.03
    # Asked without limits, the same search finds at least what the SLA search found.
    free = api.throughput("llama-3.1-8b", hw, 2, **Q)
    assert free["best"]["output_tokens_per_s"] >= r["best_sla"]["output_tokens_per_s"]
    assert free["best_sla"] is None and free["sla_given"] is False


def test_json_carries_intervals_and_the_validation_flag() -> None:
    r = api.throughput("llama-3.1-8b", "nvidia-h100-sxm", 1, **Q)
    b = r["best"]
    assert b["output_tokens_per_s_low"] < b["output_tokens_per_s"] < b["output_tokens_per_s_high"]
    assert b["validated"] is True and b["interval"]["group"] == "nvidia/dense"
    tpu = api.throughput("llama-3.1-8b", "google-tpu7x", 1, **Q)["best"]
    assert tpu["validated"] is False and tpu["interval"]["group"].startswith("prior")
    iv_h, iv_t = b["interval"], tpu["interval"]
    assert iv_t["low_ratio"] <= iv_h["low_ratio"] and iv_t["high_ratio"] >= iv_h["high_ratio"]


def test_pinned_layout_is_respected() -> None:
    r = api.throughput("llama-3.1-70b", "nvidia-hgx-h100", 8, tp=4, dp=2, max_batch=64, **Q)["best"]
    assert r["mode"] == "aggregated"
    assert (r["parallelism"]["tp"], r["parallelism"]["dp"]) == (4, 2)
    assert r["max_num_seqs"] <= 64
    with pytest.raises(SiliconomicsError, match="chips: 8 is not a multiple of tp x pp x dp"):
        api.throughput("llama-3.1-70b", "nvidia-hgx-h100", 8, tp=3, **Q)
    with pytest.raises(SiliconomicsError, match="mode: --tp/--pp/--ep/--dp pin"):
        api.throughput("llama-3.1-70b", "nvidia-hgx-h100", 8, tp=4, mode="disaggregated", **Q)


def test_no_pipeline_parallel_pools_in_disaggregated_serving() -> None:
    r = api.throughput("llama-3.1-70b", "nvidia-hgx-h100", 8, mode="disaggregated", **Q)
    b = r["best"]
    assert b["mode"] == "disaggregated"
    assert b["prefill_parallelism"]["pp"] == 1 and b["decode_parallelism"]["pp"] == 1
    assert "trtllm" in b["engines"]


def test_typed_errors() -> None:
    with pytest.raises(DoesNotFit):
        api.throughput("llama-3.1-405b", "nvidia-h100-sxm", 1, **Q)


def test_a_hardware_file_keeps_the_family_it_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A chip read from a YAML file with a new id gets the calibration its file names (and
    counts as validated when that family was fitted), not the prior."""
    src = (
        __import__("pathlib").Path(__file__).parents[2]
        / "src/siliconomics/data/accelerators/nvidia-h100-sxm.yaml"
    ).read_text()
    f = tmp_path / "my-h100.yaml"
    f.write_text(src.replace("id: nvidia-h100-sxm", "id: my-h100"))
    e = api.estimate("llama-3.1-8b", str(f), batch=8)
    assert e["calibration"] == "nvidia-hopper" and e["validated"] is True
    same = api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=8)
    assert e["tpot_s"] == same["tpot_s"]
