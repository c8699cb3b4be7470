"""The simulator: exactness on one request, queueing laws, determinism, errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from siliconomics.errors import SiliconomicsError
from siliconomics.perf import Parallelism, Precision, decode_step_s, prefill_s
from siliconomics.perf.workload import kv_cache_bytes_per_chip
from siliconomics.serving.simulator import Deployment, EngineConfig, SimCache, simulate
from siliconomics.serving.steps import StepTimer, quantise
from siliconomics.serving.workload import (
    ClosedLoop,
    Offline,
    Poisson,
    Requests,
    make_requests,
)


def one(input_len: int, output_len: int) -> Requests:
    return make_requests(Offline(), n_requests=1, input_len=input_len, output_len=output_len)


@pytest.mark.parametrize(
    ("model_name", "par", "input_len", "output_len"),
    [
        ("llama8b", Parallelism(tp=1), 1000, 40),
        ("llama70b", Parallelism(tp=4, pp=2), 3000, 17),
        ("llama70b", Parallelism(tp=8), 777, 600),  # contexts cross a cache block
    ],
)
def test_one_request_equals_analytical_step_times_exactly(
    request: pytest.FixtureRequest, h100, fp8, model_name, par, input_len, output_len
) -> None:  # type: ignore[no-untyped-def]
    model = request.getfixturevalue(model_name)
    res = simulate(model, h100, fp8, Deployment(par), one(input_len, output_len), log_steps=True)
    (log,) = res.step_logs
    durations = [d for _, d, _, _ in log]
    expected = [float(prefill_s(model, par, fp8, h100, 1, input_len))] + [
        float(decode_step_s(model, par, fp8, h100, 1, input_len + j)) for j in range(output_len - 1)
    ]
    assert durations == expected  # exact: no quantisation on a lone request
    assert res.ttft_s[0] == expected[0]
    assert res.queue_s[0] == 0.0
    assert res.e2e_s[0] == pytest.approx(sum(expected), rel=1e-12)
    assert res.tpot_s[0] == pytest.approx(sum(expected[1:]) / (output_len - 1), rel=1e-12)
    assert [p for _, _, p, _ in log] == [input_len] + [0] * (output_len - 1)
    assert [n for _, _, _, n in log] == [0] + [1] * (output_len - 1)


def test_long_prompt_is_chunked_by_the_token_budget(h100, llama8b, fp8) -> None:
    eng = EngineConfig(max_num_tokens=4096)
    res = simulate(
        llama8b, h100, fp8, Deployment(Parallelism(), eng), one(10_000, 2), log_steps=True
    )
    (log,) = res.step_logs
    assert [p for _, _, p, _ in log] == [4096, 4096, 1808, 0]
    assert res.ttft_s[0] == pytest.approx(sum(d for _, d, _, _ in log[:3]), rel=1e-12)
    with pytest.raises(SiliconomicsError, match="max_num_tokens"):
        simulate(
            llama8b,
            h100,
            fp8,
            Deployment(Parallelism(), EngineConfig(max_num_tokens=4096, chunked_prefill=False)),
            one(10_000, 2),
        )


def test_continuous_batching_budget_and_fcfs(h100, llama8b, fp8) -> None:
    """Four prompts of 3000 tokens, budget 4096: chunks in order, decoders always served."""
    eng = EngineConfig(max_num_tokens=4096)
    reqs = make_requests(Offline(), n_requests=4, input_len=3000, output_len=50)
    res = simulate(llama8b, h100, fp8, Deployment(Parallelism(), eng), reqs, log_steps=True)
    (log,) = res.step_logs
    for _, _, p, n in log:
        assert p + n <= 4096
    # First tokens come out in arrival order (FCFS), queueing grows with position.
    assert np.all(np.diff(res.ttft_s) >= 0)
    assert np.all(np.diff(res.queue_s) >= 0)
    assert res.ttft_s[0] < res.ttft_s[1] < res.ttft_s[3]
    # Step 1: all of prompt 1 and the start of prompt 2; step 2: one decoder + prompts 2, 3.
    assert (log[0][2], log[0][3]) == (4096, 0)
    assert (log[1][2], log[1][3]) == (4095, 1)


def test_kv_capacity_limits_admission(h100, llama70b, fp8) -> None:
    """With the whole KV reserved at admission, in-flight KV never exceeds the capacity."""
    dep = Deployment(Parallelism(tp=2))
    reqs = make_requests(Offline(), n_requests=400, input_len=8000, output_len=8000)
    cache = SimCache()
    res = simulate(llama70b, h100, fp8, dep, reqs, cache=cache)
    (rep,) = cache.replicas.values()
    per_req = float(kv_cache_bytes_per_chip(llama70b, Parallelism(tp=2), fp8, 1, 16_000))
    fit = int(rep.kv_capacity_bytes // per_req)
    assert 1 <= fit < 400
    assert int(res.series_running.max()) == fit


def test_max_num_seqs_caps_sequences_in_flight(h100, llama8b, fp8) -> None:
    dep = Deployment(Parallelism(), EngineConfig(max_num_seqs=7))
    reqs = make_requests(Offline(), n_requests=50, input_len=100, output_len=100)
    res = simulate(llama8b, h100, fp8, dep, reqs)
    assert int(res.series_running.max()) == 7


def test_littles_law(h100, llama8b, fp8) -> None:
    """Mean number in system (from the time series) = arrival rate x mean time in system."""
    reqs = make_requests(Poisson(40.0), n_requests=4000, input_len=512, output_len=256, seed=2)
    res = simulate(llama8b, h100, fp8, Deployment(Parallelism()), reqs)
    s = res.summary()
    little = s.requests_per_s * float(np.mean(res.e2e_s))
    assert s.mean_in_system == pytest.approx(little, rel=0.03)
    assert s.mean_in_system > 2  # a loaded server, not a trivial one


def test_overloaded_queue_grows_and_underloaded_does_not(h100, llama8b, fp8) -> None:
    dep = Deployment(Parallelism(), EngineConfig(max_num_seqs=16))
    heavy = make_requests(Poisson(200.0), n_requests=3000, input_len=512, output_len=256)
    light = make_requests(Poisson(2.0), n_requests=300, input_len=512, output_len=256)
    hr = simulate(llama8b, h100, fp8, dep, heavy)
    hs = hr.summary()
    ls = simulate(llama8b, h100, fp8, dep, light).summary()
    # Arrivals at 200/s against a service rate near 12/s: the queue grows near 188/s.
    assert hs.queue_growth_per_s > 150
    assert hs.max_queue_length > 2000
    # Later requests wait longer: queueing is visible, not hidden.
    assert hr.queue_s[-300:].mean() > 10 * hr.queue_s[:300].mean() > 0
    assert ls.max_queue_length < 5
    assert abs(ls.queue_growth_per_s) < 0.1


def test_deterministic_for_a_seed(h100, llama8b, fp8) -> None:
    def run(seed: int) -> np.ndarray:
        reqs = make_requests(
            Poisson(30.0), n_requests=500, input_len=300, output_len=100, seed=seed
        )
        return simulate(llama8b, h100, fp8, Deployment(Parallelism()), reqs).e2e_s

    assert np.array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


def test_data_parallel_round_robin_equals_two_halves(h100, llama8b, fp8) -> None:
    reqs = make_requests(Poisson(50.0), n_requests=400, input_len=300, output_len=60, seed=4)
    both = simulate(llama8b, h100, fp8, Deployment(Parallelism(dp=2)), reqs)
    for j in range(2):
        half = Requests(reqs.arrival_s[j::2], reqs.input_tokens[j::2], reqs.output_tokens[j::2])
        alone = simulate(llama8b, h100, fp8, Deployment(Parallelism()), half)
        assert np.array_equal(both.e2e_s[j::2], alone.e2e_s)
    assert both.summary().chips == 2


def test_closed_loop_keeps_concurrency(h100, llama8b, fp8) -> None:
    reqs = make_requests(ClosedLoop(8), n_requests=200, input_len=200, output_len=50)
    res = simulate(llama8b, h100, fp8, Deployment(Parallelism()), reqs)
    assert int((res.series_running + res.series_queue).max()) == 8
    assert np.all(np.isfinite(res.arrival_s))
    # Users come back as soon as an answer ends: request 8 starts when the first one ends.
    assert res.arrival_s[8] == pytest.approx(np.sort(res.finish_s)[0])


def test_disaggregated_one_request(h100, llama70b, fp8) -> None:
    """TTFT is the prefill pool's; the first decode starts after the KV transfer."""
    p_par, d_par = Parallelism(tp=4), Parallelism(tp=4)
    dep = Deployment(d_par, prefill_par=p_par)
    res = simulate(llama70b, h100, fp8, dep, one(2000, 11), log_steps=True)
    ttft = float(prefill_s(llama70b, p_par, fp8, h100, 1, 2000))
    assert res.ttft_s[0] == ttft
    kv_bytes = float(kv_cache_bytes_per_chip(llama70b, p_par, fp8, 1, 2000))
    cal = h100.calibration
    xfer = cal.collective_latency_s + kv_bytes / (
        h100.scale_up_bandwidth_bytes_per_s_per_direction * cal.collective_bandwidth_efficiency
    )
    assert res.transfer_s[0] == pytest.approx(xfer, rel=1e-12)
    _prefill_log, decode_log = res.step_logs
    assert decode_log[0][0] == pytest.approx(ttft + xfer, rel=1e-12)
    assert [d for _, d, _, _ in decode_log] == [
        float(decode_step_s(llama70b, d_par, fp8, h100, 1, 2000 + j)) for j in range(10)
    ]
    assert res.summary().chips == 8


def test_disaggregated_transfer_uses_scale_out_beyond_the_domain(h100, llama70b, fp8) -> None:
    dep = Deployment(Parallelism(tp=8), prefill_par=Parallelism(tp=8))
    res = simulate(llama70b, h100, fp8, dep, one(2000, 3))
    kv_bytes = float(kv_cache_bytes_per_chip(llama70b, Parallelism(tp=8), fp8, 1, 2000))
    cal = h100.calibration
    bw = h100.scale_out_bandwidth_bytes_per_s_per_direction * cal.collective_bandwidth_efficiency
    assert res.transfer_s[0] == pytest.approx(cal.collective_latency_s + kv_bytes / bw)


def test_step_cache_never_recomputes(h100, llama8b, fp8) -> None:
    cache = SimCache()
    reqs = make_requests(Poisson(30.0), n_requests=300, input_len=400, output_len=80, seed=9)
    first = simulate(llama8b, h100, fp8, Deployment(Parallelism()), reqs, cache=cache)
    again = simulate(llama8b, h100, fp8, Deployment(Parallelism()), reqs, cache=cache)
    assert again.step_cache_misses == first.step_cache_misses  # nothing new computed
    assert first.steps > 5 * first.step_cache_misses
    assert np.array_equal(first.e2e_s, again.e2e_s)


def test_quantised_keys_stay_close_to_exact_keys(h100, llama8b, fp8) -> None:
    reqs = make_requests(Poisson(40.0), n_requests=600, input_len=700, output_len=120, seed=1)
    runs = {}
    for bits in (6, None):
        dep = Deployment(Parallelism(), EngineConfig(key_bits=bits))
        runs[bits] = simulate(llama8b, h100, fp8, dep, reqs).summary()
    # Means, not tails: a 0.8 % step-time change can reorder admissions and move a p99.
    assert runs[6].e2e_s.mean == pytest.approx(runs[None].e2e_s.mean, rel=0.01)
    assert runs[6].ttft_s.mean == pytest.approx(runs[None].ttft_s.mean, rel=0.02)
    assert runs[6].tpot_s.mean == pytest.approx(runs[None].tpot_s.mean, rel=0.01)


def test_quantise_rounds_to_significant_bits() -> None:
    assert [quantise(x, 3) for x in (0, 1, 15, 16, 17, 18, 100)] == [0, 1, 15, 16, 18, 18, 104]
    assert quantise(123_457, None) == 123_457
    for x in range(1, 5000):
        assert abs(quantise(x, 6) - x) <= x / 128


def test_step_timer_rejects_a_multi_replica_parallelism(h100, llama8b, fp8) -> None:
    with pytest.raises(ValueError, match="dp=1"):
        StepTimer(llama8b, Parallelism(dp=2), fp8, h100)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: EngineConfig(max_num_tokens=0), "max_num_tokens"),
        (lambda: EngineConfig(max_num_seqs=-3), "max_num_seqs"),
        (lambda: EngineConfig(key_bits=0), "key_bits"),
    ],
)
def test_bad_engine_settings(make, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SiliconomicsError, match=field):
        make()


def test_request_too_large_for_kv_memory(h100, llama8b, fp8) -> None:
    small = replace(h100, chip=replace(h100.chip, hbm_bytes=24e9, hbm_usable_bytes=None))
    with pytest.raises(SiliconomicsError, match="input_len/output_len"):
        simulate(llama8b, small, fp8, Deployment(Parallelism()), one(60_000, 60_000))


def test_model_that_does_not_fit(h100, llama70b) -> None:
    from siliconomics.catalog.dtypes import KVFormat, WeightFormat

    bf16 = Precision(WeightFormat.BF16, KVFormat.BF16)
    with pytest.raises(SiliconomicsError, match="memory"):
        simulate(llama70b, h100, bf16, Deployment(Parallelism(tp=1)), one(100, 10))


def test_closed_loop_with_disaggregation_is_refused(h100, llama8b, fp8) -> None:
    reqs = make_requests(ClosedLoop(4), n_requests=10, input_len=10, output_len=10)
    dep = Deployment(Parallelism(), prefill_par=Parallelism())
    with pytest.raises(SiliconomicsError, match="closed loop"):
        simulate(llama8b, h100, fp8, dep, reqs)
