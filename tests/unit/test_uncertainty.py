"""Error bars: split-conformal intervals from held-out validation residuals."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siliconomics import api, validation
from siliconomics.perf.uncertainty import (
    MIN_POINTS,
    ErrorModel,
    Interval,
    build_error_model,
    conformal_ratios,
)


def test_conformal_ranks_by_hand() -> None:
    # n = 9, 80 %: lo rank floor(10 * 0.1) = 1, hi rank ceil(10 * 0.9) = 9 -> min and max.
    r = [math.log(x) for x in (0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.6)]
    lo, hi = conformal_ratios(r, 0.8)
    assert (lo, hi) == pytest.approx((0.5, 1.6))
    # n = 19: lo rank 2, hi rank 18.
    r19 = [math.log(1 + i / 100) for i in range(19)]
    lo, hi = conformal_ratios(r19, 0.8)
    assert (lo, hi) == pytest.approx((1.01, 1.17))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=1, max_size=60))
def test_interval_contains_the_middle_of_the_residuals(rs: list[float]) -> None:
    lo, hi = conformal_ratios(rs)
    med = sorted(rs)[len(rs) // 2]
    assert lo <= math.exp(med) <= hi


def test_cost_interval_is_the_inverse() -> None:
    iv = Interval(0.8, 1.25, "g", 10, True)
    assert iv.bounds(100.0) == pytest.approx((80.0, 125.0))
    assert iv.inverse(100.0) == pytest.approx((80.0, 125.0))
    assert Interval(0.5, 1.1, "g", 10, True).inverse(10.0) == pytest.approx((10 / 1.1, 20.0))


def test_groups_fall_back_and_unvalidated_gets_the_union() -> None:
    rows = [("acme", False, 0.0)] * MIN_POINTS + [("acme", True, math.log(2.0))] * 2
    em = build_error_model(rows)
    assert "acme/dense" in em.groups and "acme/moe" not in em.groups  # too few MoE points
    assert em.interval("acme", True, True).group == "acme"  # falls back to the vendor
    prior = em.interval("acme", False, False)
    assert not prior.validated and prior.group.startswith("prior")
    assert prior.low_ratio <= min(i.low_ratio for i in em.groups.values())
    assert ErrorModel({}).prior().low_ratio == 0.25


def test_shipped_error_model_is_built_from_held_out_rows() -> None:
    em = api.error_model()
    v = api.validate(simulate=False)
    held = [
        p
        for p in v["points"]
        if p["held_out"]
        and p["method"] == "held-out"
        and p["metric"] == "output_tokens_per_s"
        and p["predicted"]
    ]
    assert em.groups["all"].points == len(held)
    # Every throughput row is held out once (k-fold by source), not only the odd-hash half.
    analytic = [
        p
        for p in v["points"]
        if p["method"] == "analytic" and p["metric"] == "output_tokens_per_s" and p["predicted"]
    ]
    assert {p["id"] for p in held} <= {p["id"] for p in analytic}
    assert len(held) >= len(analytic) - 2
    assert any(validation.is_train(p["id"]) for p in held)
    # Every validated vendor has a group; the prior is no narrower than any group.
    assert {"nvidia", "amd", "intel", "aws"} <= set(em.groups)
    prior = em.prior()
    for g in em.groups.values():
        assert prior.low_ratio <= g.low_ratio and prior.high_ratio >= g.high_ratio
