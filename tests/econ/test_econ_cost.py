"""Cost per token: hand-derived split, the cross-chip table, reasoning and its factor."""

import random
from dataclasses import replace

import pytest
from fakes import fake_op

from siliconomics import api
from siliconomics.econ.cost import Power, PricedPoint, Question, cost_table, token_costs
from siliconomics.econ.reasoning import reasoning_cost
from siliconomics.econ.tco import tco
from siliconomics.errors import SiliconomicsError

CAT = api.get_catalog()
L70 = CAT.models["llama-3.1-70b"]
L8 = CAT.models["llama-3.1-8b"]
EM = api.error_model(CAT)


def priced(op, price=43_800.0):
    t = tco(CAT, "nvidia-h100-sxm", chip_price_usd=price)
    return PricedPoint(op, t.total_usd_per_hour, "tco", Power(700.0, "test", 1.25), tco=t)


def test_hand_derived_cost_split():
    p = priced(fake_op())
    c = p.usd_per_chip_hour / 3600 * 4  # the deployment's USD per second
    costs = p.costs
    # 1000 output tok/s, 20 % of chip time on prefill, 1000-token prompts, 500-token answers:
    # output: c * 0.8 / 1000; input: c * 0.2 / (1000 * 1000 / 500); request: c * 500 / 1000.
    assert costs.usd_per_million_output_tokens == pytest.approx(c * 0.8 / 1000 * 1e6)
    assert costs.usd_per_million_input_tokens == pytest.approx(c * 0.2 / 2000 * 1e6)
    assert costs.usd_per_request == pytest.approx(c * 0.5)
    assert costs.usd_per_request == pytest.approx(
        (1000 * costs.usd_per_million_input_tokens + 500 * costs.usd_per_million_output_tokens)
        / 1e6
    )


def test_cost_interval_is_the_throughput_interval_turned_over():
    d = priced(fake_op()).as_dict()
    # Throughput in [0.8, 1.25] x the prediction -> cost in [1/1.25, 1/0.8] x its value.
    assert d["usd_per_request_low"] == pytest.approx(d["usd_per_request"] / 1.25)
    assert d["usd_per_request_high"] == pytest.approx(d["usd_per_request"] / 0.8)
    assert d["output_tokens_per_s_low"] == pytest.approx(800.0)
    assert d["output_tokens_per_s_high"] == pytest.approx(1250.0)


def test_tokens_per_joule_on_two_stated_bases():
    d = priced(fake_op()).as_dict()
    # 1000 tok/s over 4 chips = 250 tok/s per chip at 700 W IT: 0.357 tok/J; x 1/1.25 PUE.
    assert d["output_tokens_per_joule"] == pytest.approx(250 / 700)
    assert d["output_tokens_per_joule_facility"] == pytest.approx(250 / 700 / 1.25)


def test_cost_per_token_tracks_the_chip_hour_price():
    a, b = priced(fake_op(), 20_000), priced(fake_op(), 40_000)
    ratio = b.usd_per_chip_hour / a.usd_per_chip_hour
    assert b.costs.usd_per_million_output_tokens / a.costs.usd_per_million_output_tokens == (
        pytest.approx(ratio)
    )


def test_twice_the_throughput_halves_every_cost_line():
    a = token_costs(1.0, fake_op(tokens_per_s=1000.0))
    b = token_costs(1.0, fake_op(tokens_per_s=2000.0))
    assert b.usd_per_request == pytest.approx(a.usd_per_request / 2)
    assert b.usd_per_million_input_tokens == pytest.approx(a.usd_per_million_input_tokens / 2)


def test_cost_on_h100_at_production_precision():
    r = api.cost("llama-3.1-70b", hardware=["nvidia-h100-sxm"])
    (d,) = r["rows"]
    assert (d["weights"], d["kv"]) == ("fp8", "fp8")  # the production policy on Hopper
    assert d["chips"] >= 1 and d["validated"] is True
    assert 0 < d["usd_per_million_input_tokens"] < d["usd_per_million_output_tokens"]
    assert d["output_tokens_per_joule"] == pytest.approx(
        d["output_tokens_per_s_per_chip"] / d["it_power_w_per_chip"]
    )
    assert d["usd_per_request_low"] < d["usd_per_request"] < d["usd_per_request_high"]


def test_impossible_sla_is_a_clear_skip():
    r = api.cost("llama-3.1-70b", hardware=["nvidia-h100-sxm"], tpot_p99_s=1e-6)
    assert r["rows"] == []
    (sk,) = r["skipped"]
    assert sk["status"] == "misses_sla" and "sla:" in sk["reason"]


def test_table_ranks_gpus_and_asics_and_lists_missing_prices():
    tab = cost_table(CAT, L70, Question(), errors=EM)
    kinds = {r.op.chip_kind for r in tab.rows}
    assert kinds == {"gpu", "asic"}
    costs = [r.costs.usd_per_request for r in tab.rows]
    assert costs == sorted(costs)
    unpriced = {sk.accelerator: sk for _, _, sk in tab.unpriced}
    # MI355X has no sourced purchase price: it runs, and is listed with the reason.
    assert unpriced["amd-mi355x"].status == "missing_price"
    assert "no sourced purchase price" in unpriced["amd-mi355x"].reason
    listed = (
        {r.op.accelerator for r in tab.rows} | set(unpriced) | {s.accelerator for s in tab.skipped}
    )
    assert listed == set(CAT.accelerators)  # nothing dropped silently


def test_table_does_not_depend_on_the_order_of_hardware():
    hws = ["nvidia-h100-sxm", "amd-mi300x", "nvidia-b200", "intel-gaudi3"]
    shuffled = hws[:]
    random.Random(3).shuffle(shuffled)
    a = cost_table(CAT, L8, Question(), hardware=hws, errors=EM).as_dict()
    b = cost_table(CAT, L8, Question(), hardware=shuffled, errors=EM).as_dict()
    assert a == b


def test_reasoning_factor_is_tokens_times_per_token_cost():
    rc = reasoning_cost(
        CAT,
        L70,
        "nvidia-h100-sxm",
        hidden_tokens=4000,
        visible_tokens=500,
        input_len=1000,
        small_model=L8,
        errors=EM,
    )
    f = rc.factor
    assert f.more_tokens == pytest.approx(4500 / 500)
    assert f.total == pytest.approx(
        f.more_tokens * f.lost_batch * f.step_time * f.chips * f.samples
    )
    # Longer contexts fit fewer sequences: the batch is lost, not just more tokens made.
    assert rc.reasoning.serving.op.mean_batch < rc.direct.serving.op.mean_batch
    assert f.lost_batch > 1
    assert rc.reasoning.usd_per_query > rc.direct.usd_per_query
    assert rc.reasoning.latency_s > rc.reasoning.time_to_visible_s
    assert rc.small is not None and rc.small.usd_per_query < rc.reasoning.usd_per_query
    assert "lost batch" in rc.as_dict()["explanation"]


def test_best_of_k_shares_the_prefill():
    one = reasoning_cost(CAT, L8, "nvidia-h100-sxm", hidden_tokens=2000, visible_tokens=200)
    k8 = reasoning_cost(
        CAT, L8, "nvidia-h100-sxm", hidden_tokens=2000, visible_tokens=200, samples=8
    )
    s = one.reasoning.serving
    prefill = s.op.input_tokens_mean * s.costs.usd_per_million_input_tokens / 1e6
    decode = 2200 * s.costs.usd_per_million_output_tokens / 1e6
    assert k8.reasoning.usd_per_query == pytest.approx(prefill + 8 * decode)
    assert k8.reasoning.latency_s == pytest.approx(one.reasoning.latency_s)


def test_reasoning_rejects_bad_counts():
    with pytest.raises(SiliconomicsError, match="samples: must be an integer >= 1"):
        reasoning_cost(CAT, L8, "nvidia-h100-sxm", hidden_tokens=10, visible_tokens=10, samples=0)
    with pytest.raises(SiliconomicsError, match="hidden_tokens"):
        reasoning_cost(CAT, L8, "nvidia-h100-sxm", hidden_tokens=-1, visible_tokens=10)


def test_faster_point_costs_less_per_token():
    p = priced(fake_op())
    faster = replace(p, op=replace(p.op, point=replace(p.op.point, output_tokens_per_s=2000.0)))
    assert faster.costs.usd_per_million_output_tokens == pytest.approx(
        p.costs.usd_per_million_output_tokens / 2
    )
