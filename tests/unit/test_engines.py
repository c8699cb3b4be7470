"""The serving engine as an input (issue 11, part 2 of the issue: engines)."""

import pytest

from siliconomics import api
from siliconomics.catalog.engines import Engine, engine_label
from siliconomics.errors import SiliconomicsError
from siliconomics.perf.resolve import with_engine


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("TensorRT-LLM 0.17", "trtllm"),
        ("TensorRT-LLM (PyTorch backend)", "trtllm"),
        ("vLLM 0.10.0 (ROCm 6.4.1)", "vllm"),
        ("optimum-neuron vLLM plugin", "vllm"),
        ("SGLang 0.4.6", "sglang"),
        ("Intel Gaudi SW 1.18.0 (PyTorch)", "pytorch"),
        ("TGI (optimum-neuron neuronx-tgi)", "tgi"),
        ("", "unknown"),
        ("MAX", "other"),
    ],
)
def test_engine_label(text: str, label: str) -> None:
    assert engine_label(text) == label


def test_every_validation_row_carries_an_engine_label() -> None:
    v = api.validate(simulate=False, training_throughput=False)
    scored = [p for p in v["points"] if p["method"] == "analytic"]
    assert scored and all(p["engine"] in {*Engine, "tgi", "other"} for p in scored)
    # The held-out summary has a group per engine with measurements.
    assert {"engine trtllm", "engine vllm", "engine pytorch"} <= set(v["summary"]["held_out"])


@pytest.mark.parametrize(
    ("chip", "engine"),
    [
        ("nvidia-h100-sxm", "trtllm"),
        ("nvidia-b200", "trtllm"),
        ("amd-mi300x", "vllm"),
        ("intel-gaudi3", "pytorch"),
        ("aws-trainium2", "vllm"),
    ],
)
def test_each_fitted_family_names_the_engine_of_its_measurements(chip: str, engine: str) -> None:
    hw = api.resolve_hardware(chip)
    assert hw.calibration.engine == engine
    same, used, ok = with_engine(hw, None)
    assert (same, used, ok) == (hw, engine, True)


def test_another_engine_gets_its_scheduler_cap_and_is_not_validated() -> None:
    hw = api.resolve_hardware("nvidia-h100-sxm")
    assert hw.calibration.max_batch_sequences == 2048  # TensorRT-LLM (ENG-TRTLLM-BATCH)
    v, used, ok = with_engine(hw, "vllm")
    assert (used, ok) == ("vllm", False)
    assert v.calibration.max_batch_sequences == 256  # vLLM --max-num-seqs (ENG-VLLM-SEQS)
    s, used, ok = with_engine(hw, "sglang")  # no sourced cap: efficiencies kept, unvalidated
    assert (used, ok) == ("sglang", False) and s.calibration == hw.calibration
    with pytest.raises(SiliconomicsError, match="engine"):
        with_engine(hw, "tensorrt")


def test_estimate_reports_the_engine_and_validation() -> None:
    r = api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=8)
    assert (r["engine"], r["engine_validated"], r["validated"]) == ("trtllm", True, True)
    r = api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=8, engine="pytorch")
    assert (r["engine"], r["engine_validated"], r["validated"]) == ("pytorch", False, False)


def test_throughput_under_another_engine_is_capped_and_gets_the_prior_interval() -> None:
    kw = dict(input_len=1024, output_len=256, frontier_points=2)
    own = api.throughput("llama-3.1-8b", "nvidia-h100-sxm", 1, **kw)
    other = api.throughput("llama-3.1-8b", "nvidia-h100-sxm", 1, engine="vllm", **kw)
    assert (own["engine"], own["engine_validated"]) == ("trtllm", True)
    assert (other["engine"], other["engine_validated"]) == ("vllm", False)
    assert other["best"]["max_num_seqs"] <= 256 < own["best"]["max_num_seqs"]
    lo, hi = other["best"]["output_tokens_per_s_low"], other["best"]["output_tokens_per_s_high"]
    olo, ohi = own["best"]["output_tokens_per_s_low"], own["best"]["output_tokens_per_s_high"]
    assert hi / lo > ohi / olo  # wider: the unvalidated prior
    assert other["best"]["interval"]["group"].startswith("prior")
