"""Run the microbenchmarks of :mod:`siliconomics.perf.microbench` on the local accelerator
with PyTorch (the optional ``[gpu]`` extra: ``pip install "siliconomics[gpu]"``).

GEMM sweep (bf16, square sizes 1024..16384), device-to-device copy (256 MiB .. 4 GiB) and a
decode-attention step (``scaled_dot_product_attention`` of one query token over a bf16 KV
cache), each timed with CUDA events after warm-up, best of ``repeats``. Not run in CI (no
GPU there); the record it returns is what ``siliconomics calibrate --from`` reads.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
from typing import Any

from siliconomics.errors import SiliconomicsError
from siliconomics.perf.microbench import FORMAT

torch: Any = importlib.import_module("torch") if importlib.util.find_spec("torch") else None

GEMM_SIZES = (1024, 2048, 4096, 8192, 16384)
COPY_BYTES = (2**28, 2**30, 2**32)
DECODE = ((64, 4096, 8, 128), (256, 2048, 8, 128))


def _time_s(fn: Any, repeats: int) -> float:
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) / 1e3)
    return best


def run(hardware: str, *, repeats: int = 10) -> dict[str, Any]:
    """Measure the local device; the record as a JSON-ready dict."""
    if torch is None:
        raise SiliconomicsError(
            "calibrate: PyTorch is not installed; pip install 'siliconomics[gpu]', "
            "or pass --from FILE with a recorded run"
        )
    if not torch.cuda.is_available():
        raise SiliconomicsError("calibrate: no CUDA/ROCm device visible to PyTorch")
    dev = torch.device("cuda")
    bf16 = torch.bfloat16
    gemm = []
    for n in GEMM_SIZES:
        a = torch.randn(n, n, device=dev, dtype=bf16)
        b = torch.randn(n, n, device=dev, dtype=bf16)
        s = _time_s(lambda a=a, b=b: a @ b, repeats)
        gemm.append({"m": n, "n": n, "k": n, "dtype": "bf16", "seconds": s})
        del a, b
    copy = []
    for nbytes in COPY_BYTES:
        src = torch.empty(nbytes, device=dev, dtype=torch.uint8)
        dst = torch.empty_like(src)
        s = _time_s(lambda src=src, dst=dst: dst.copy_(src), repeats)
        copy.append({"bytes": nbytes, "seconds": s})
        del src, dst
    attention = []
    sdpa = torch.nn.functional.scaled_dot_product_attention
    for batch, context, kv_heads, head_dim in DECODE:
        q = torch.randn(batch, kv_heads, 1, head_dim, device=dev, dtype=bf16)
        k = torch.randn(batch, kv_heads, context, head_dim, device=dev, dtype=bf16)
        v = torch.randn_like(k)
        s = _time_s(lambda q=q, k=k, v=v: sdpa(q, k, v), repeats)
        attention.append(
            {
                "batch": batch,
                "context": context,
                "kv_heads": kv_heads,
                "head_dim": head_dim,
                "dtype": "bf16",
                "seconds": s,
            }
        )
        del q, k, v
    return {
        "format": FORMAT,
        "hardware": hardware,
        "device": torch.cuda.get_device_name(dev),
        "date": datetime.date.today().isoformat(),
        "source": f"siliconomics calibrate, torch {torch.__version__}",
        "gemm": gemm,
        "copy": copy,
        "decode_attention": attention,
    }
