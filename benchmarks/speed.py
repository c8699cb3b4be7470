"""Speed benchmark of the performance engine (figures go to docs/performance.md).

Measures, on this machine, in one run:
* a single `estimate` (prefill + decode with breakdown) for Llama 3.1 70B on 8 x H100;
* a full configuration sweep (tp x pp x ep x batch x weight format x KV format) for a 70B
  model on an 8-chip node;
* the whole validation set.

Timed numbers are noisy on shared machines: compare ratios taken in one run.
Run: python benchmarks/speed.py
"""

from __future__ import annotations

import statistics
import time

from siliconomics import api


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    cat = api.get_catalog()
    est = timed(
        lambda: api.estimate(
            "llama-3.1-70b",
            "nvidia-hgx-h100",
            chips=8,
            batch=64,
            input_len=2048,
            weights="fp8",
            catalog=cat,
        ),
        50,
    )
    from siliconomics.serving import operating, search

    def engine(sla: dict[str, float]) -> dict[str, object]:
        operating.clear_cache()  # a cold question: no cached search, no cached step times
        search._SHARED.clear()
        return api.throughput(
            "llama-3.1-70b",
            "nvidia-hgx-h100",
            8,
            input_len=1024,
            output_len=1024,
            frontier_points=0,
            catalog=cat,
            **sla,  # type: ignore[arg-type]
        )

    api.error_model(cat)  # computed once per process; not part of a search
    sweep_result = engine({})
    sweep = timed(lambda: engine({}), 3)
    sla_time = timed(lambda: engine({"ttft_p99_s": 2.0, "tpot_p99_s": 0.05}), 3)
    val = timed(lambda: api.validate(cat), 1)
    print(f"single estimate (70B, 8xH100, prefill+decode+breakdown): {est * 1e3:.2f} ms")
    print(
        f"operating-point engine, offline (70B, 8 x H100, {sweep_result['candidates_evaluated']} "
        f"candidates, {sweep_result['simulations']} simulations): {sweep:.2f} s"
    )
    print(f"operating-point engine, p99 TTFT <= 2 s and TPOT <= 50 ms: {sla_time:.2f} s")
    print(f"validation set ({len(api.validate(cat)['points'])} points): {val:.2f} s")


if __name__ == "__main__":
    main()
