"""Rental paths, neocloud break-even and API margins against published figures.

Each check names its source id (sources.yaml) and prints expected, actual and error.
"""

import pytest

from siliconomics import api
from siliconomics.econ import rental as er
from siliconomics.econ import returns as rt


def close(actual: float, expected: float, tol: float, what: str) -> None:
    err = actual / expected - 1
    assert abs(err) <= tol, f"{what}: expected {expected:.4g}, got {actual:.4g} ({err:+.1%})"


@pytest.mark.parametrize(
    ("chip", "cls", "expected"),
    [
        # R15-MERCATUS, May 2026 on-demand tiers (range midpoints); in-sample (the fit uses them)
        ("nvidia-h100-sxm", "neocloud", 3.0),
        ("nvidia-h100-sxm", "hyperscaler", 4.25),
        ("nvidia-h100-sxm", "marketplace", 2.245),
        ("nvidia-h200-sxm", "neocloud", 4.0),
        ("nvidia-h200-sxm", "hyperscaler", 5.75),
        ("nvidia-h200-sxm", "marketplace", 3.0),
    ],
)
def test_fitted_may_2026_tiers_match_published_ranges(catalog, chip, cls, expected):
    f = er.fit(catalog, "gpu")
    got = f.price(chip, er.year_fraction("2026-05"), "on-demand", cls)
    close(got, expected, 0.15, f"{chip} {cls} on-demand 2026-05 (R15-MERCATUS)")


def test_reserved_multiplier_within_published_list_discounts(catalog):
    # P02: 1-year reserved / on-demand list prices, A100 2021-2022: AWS p4d 2.40/4.10 = 0.585,
    # GCP 1.85/2.93 = 0.631, Azure 2.35/3.40 = 0.691.
    f = er.fit(catalog, "gpu")
    mult = float(er.np.exp(f.commitment_premium["reserved-1yr"]))
    assert 0.585 - 0.03 <= mult <= 0.691 + 0.03, f"reserved-1yr multiplier {mult:.3f}"


def test_backtest_next_quarter_error(catalog):
    """The issue's target: next quarter's median H100 on-demand quote within 15%. Measured
    over the three consecutive-quarter pairs the catalog holds (2023Q4->2024Q1,
    2025Q4->2026Q1, 2026Q1->2026Q2): median |error| 13.0%; over all six pairs with gaps,
    20.2%, 3 of 6 within 15% (docs/business.md)."""
    rows = er.backtest(catalog, "nvidia-h100-sxm")
    nxt = sorted(abs(r.error) for r in rows if r.consecutive)
    assert len(nxt) == 3
    assert nxt[1] == pytest.approx(0.1296, abs=0.01)
    assert nxt[1] <= 0.15


def test_h100_breakeven_matches_published_capex_recovery_level(catalog):
    # C05 (citing Latent Space): ~1.65 USD per H100-hour is the level below which the GPU
    # never recoups its capex. Ours: break-even at zero cost of capital, own facility, 5 years.
    a = rt.neocloud(catalog, "nvidia-h100-sxm", rt.Deal(chips=8), with_tornado=False)
    close(a.breakeven_zero_cost_of_capital_usd_per_hour, 1.65, 0.10, "H100 break-even (C05)")


def test_margin_revenue_is_the_list_price(catalog):
    # API-GP-AWS: Llama 3.3 70B on Bedrock, 0.72 USD per million input and output tokens.
    r = api.margin("llama-3.3-70b", provider="AWS Bedrock", catalog=catalog)
    (row,) = r["rows"]
    assert row["list_usd_per_million_output_tokens"] == 0.72
    assert row["revenue_usd_per_request"] == pytest.approx((1024 * 0.72 + 1024 * 0.72) / 1e6)
    assert row["gross_margin"] == pytest.approx(
        1 - row["usd_per_request"] / row["revenue_usd_per_request"]
    )
    assert row["gross_margin_low"] <= row["gross_margin"] <= row["gross_margin_high"]
