"""Serving engines: the software half of the hardware (issue 11).

The same chip runs very differently under TensorRT-LLM, vLLM, SGLang or plain PyTorch. The
engine is an explicit input (``--engine``). Each fitted calibration family names the engine
its measurements were taken with (``engine:`` in ``data/calibration/<family>.yaml``): that is
the default, and the only engine the family's efficiencies and intervals are validated for.
Asking for another engine applies what is sourced about it (its scheduler's cap on sequences
in flight) and widens the interval to the unvalidated prior, since no measurement of that
family under that engine has been scored.
"""

from __future__ import annotations

from enum import StrEnum


class Engine(StrEnum):
    TRTLLM = "trtllm"
    VLLM = "vllm"
    SGLANG = "sglang"
    PYTORCH = "pytorch"


#: Scheduler cap on sequences in flight per replica, by engine, where a default is sourced:
#: TensorRT-LLM ``--max_batch_size`` 2048 (ENG-TRTLLM-BATCH), vLLM ``--max-num-seqs`` 256
#: (ENG-VLLM-SEQS). SGLang and plain PyTorch have no cap here: no sourced default yet.
MAX_BATCH_SEQUENCES: dict[Engine, tuple[float, str]] = {
    Engine.TRTLLM: (2048, "ENG-TRTLLM-BATCH"),
    Engine.VLLM: (256, "ENG-VLLM-SEQS"),
}


def engine_label(text: str) -> str:
    """The engine id of a free-text engine name as the validation set records it
    ("TensorRT-LLM 0.17", "vLLM (ROCm)", "optimum-neuron vLLM plugin", "Intel Gaudi SW 1.18.0
    (PyTorch)"): one of :class:`Engine`, ``tgi``, or ``other`` (blank: ``unknown``)."""
    t = (text or "").strip().lower()
    if not t:
        return "unknown"
    if t.startswith("tensorrt") or "trt-llm" in t or t == "trtllm":
        return Engine.TRTLLM.value
    if "sglang" in t:
        return Engine.SGLANG.value
    if "vllm" in t:
        return Engine.VLLM.value
    if t.startswith("tgi") or "text-generation-inference" in t:
        return "tgi"
    if "pytorch" in t:
        return Engine.PYTORCH.value
    return "other"
