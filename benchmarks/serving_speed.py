"""Speed benchmark of the serving layer (figures go to docs/serving.md).

Measures, on this machine, on one core:
* a simulation of 100,000 requests (Poisson arrivals near capacity, 1024/256 tokens and a
  log-normal mix) of Llama 3.1 70B on 8 x H100 (nvidia-hgx-h100, tp=8, fp8);
* a full SLA search (parallelism x batch cap x formats x aggregated/disaggregated, confirmed
  by simulation) for Llama 3.1 70B on the 8-chip node, 1024/1024 tokens,
  p99 TTFT <= 2 s and p99 TPOT <= 50 ms.

Timed numbers are noisy on shared machines. Run: python benchmarks/serving_speed.py
"""

from __future__ import annotations

import time

from siliconomics import api
from siliconomics.perf import Parallelism
from siliconomics.perf.config import PrecisionPolicy
from siliconomics.serving import (
    Deployment,
    LogNormal,
    Poisson,
    best_config,
    make_requests,
    simulate,
)


def main() -> None:
    cat = api.get_catalog()
    model = api.resolve_model("llama-3.1-70b", cat)
    hw = api.resolve_hardware("nvidia-hgx-h100", cat)
    prec = PrecisionPolicy.make(["fp8"], ["fp8"]).precisions(model, hw.chip)[0]
    dep = Deployment(Parallelism(tp=8))

    cases = [
        ("fixed 1024/256 at 20 req/s", Poisson(20.0), 1024, 256),
        (
            "log-normal 1024/256 (sigma 0.8) at 20 req/s",
            Poisson(20.0),
            LogNormal(1024.0, 0.8, max_tokens=16_000),
            LogNormal(256.0, 0.8, max_tokens=4_000),
        ),
    ]
    for label, arrival, inp, out in cases:
        t0 = time.perf_counter()
        reqs = make_requests(arrival, n_requests=100_000, input_len=inp, output_len=out, seed=0)
        res = simulate(model, hw, prec, dep, reqs)
        s = res.summary()
        wall = time.perf_counter() - t0
        print(
            f"simulate 100,000 requests, {label}: {wall:.2f} s "
            f"({res.steps} engine steps, {res.step_cache_misses} step-cache misses); "
            f"{s.output_tokens_per_s:.0f} output tok/s, p99 TTFT {s.ttft_s.p99:.3f} s, "
            f"p99 TPOT {s.tpot_s.p99 * 1e3:.1f} ms, max queue {s.max_queue_length}"
        )

    t0 = time.perf_counter()
    r = best_config(
        model,
        hw,
        8,
        input_len=1024,
        output_len=1024,
        ttft_p99_limit_s=2.0,
        tpot_p99_limit_s=0.05,
        precisions=PrecisionPolicy().precisions(model, hw.chip),
        hardware_name="nvidia-hgx-h100",
    )
    wall = time.perf_counter() - t0
    b, sla = r.best, r.best_sla
    print(
        f"SLA search, llama-3.1-70b on 8 x nvidia-hgx-h100, 1024/1024: {wall:.2f} s "
        f"({r.candidates_evaluated} analytic candidates, {r.simulations} simulations)"
    )
    print(
        f"  best without SLA: {b.output_tokens_per_s:.0f} output tok/s "
        f"{b.deployment.describe()} {b.precision.weights.value}/{b.precision.kv.value}"
    )
    if sla is not None:
        print(
            f"  best with p99 TTFT <= 2 s, p99 TPOT <= 50 ms: {sla.output_tokens_per_s:.0f} "
            f"output tok/s at {sla.rate_per_s:.2f} req/s {sla.deployment.describe()} "
            f"{sla.precision.weights.value}/{sla.precision.kv.value}"
        )
    print(f"  frontier: {len(r.frontier)} points")


if __name__ == "__main__":
    main()
