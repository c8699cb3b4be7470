"""Invariants of neocloud returns (Hypothesis): prices, utilisation, capex, depreciation, debt."""

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from siliconomics.econ import returns as rt

SETTINGS = settings(max_examples=40, deadline=None)


@pytest.fixture(scope="module")
def setup(catalog):
    return rt.setup(catalog, "nvidia-h100-sxm", rt.Deal(chips=8))


deals = st.builds(
    rt.Deal,
    chips=st.just(8),
    utilisation=st.floats(0.3, 1.0),
    ramp_months=st.integers(0, 12),
    reserved_share=st.floats(0.0, 1.0),
    price_scale=st.floats(0.5, 3.0),
    resale_fraction=st.floats(0.0, 0.5),
)


def _irr(m):
    return -1.0 if m is None else m


@SETTINGS
@given(deal=deals, bump=st.floats(1.0, 2.0))
def test_higher_price_never_lowers_irr(setup, deal, bump):
    lo = rt.evaluate(deal, setup, 0.08, 0.08).project_irr_per_year
    hi = rt.evaluate(replace(deal, price_scale=deal.price_scale * bump), setup, 0.08, 0.08)
    assert _irr(hi.project_irr_per_year) >= _irr(lo) - 1e-9


@SETTINGS
@given(deal=deals, u2=st.floats(0.0, 1.0))
def test_higher_utilisation_never_lowers_npv(setup, deal, u2):
    a, b = sorted((deal.utilisation, u2))
    npv_a = rt.evaluate(replace(deal, utilisation=a), setup, 0.08, 0.08).project_npv_usd
    npv_b = rt.evaluate(replace(deal, utilisation=b), setup, 0.08, 0.08).project_npv_usd
    assert npv_b >= npv_a - 1e-6


@SETTINGS
@given(deal=deals, scale=st.floats(0.1, 5.0))
def test_doubling_capex_doubles_the_capex_line(setup, deal, scale):
    one = rt.cash_flows(replace(deal, capex_scale=scale), setup.tco, setup.path, 2.0)
    two = rt.cash_flows(replace(deal, capex_scale=2 * scale), setup.tco, setup.path, 2.0)
    assert two.capex_usd == pytest.approx(2 * one.capex_usd, rel=1e-12)
    assert two.revenue_usd == pytest.approx(one.revenue_usd, rel=1e-12)


@SETTINGS
@given(
    deal=deals,
    years=st.sampled_from([4.0, 5.0, 6.0]),
    method=st.sampled_from(rt.DEPRECIATION_METHODS),
)
def test_depreciation_never_changes_cash_irr(setup, deal, years, method):
    base = rt.cash_flows(deal, setup.tco, setup.path, 2.0)
    other = rt.cash_flows(
        replace(deal, depreciation_years=years, depreciation_method=method),
        setup.tco,
        setup.path,
        2.0,
    )
    assert (other.project_usd == base.project_usd).all()
    assert rt.irr_per_year(other.project_usd) == rt.irr_per_year(base.project_usd)
    # within the 5-year horizon a 6-year life leaves book value; never more than the capex
    assert other.depreciation_usd.sum() <= other.capex_usd[0] * (1 + 1e-12)


@SETTINGS
@given(
    deal=deals,
    d1=st.floats(0.0, 0.8),
    d2=st.floats(0.0, 0.8),
    spread=st.floats(0.01, 0.2),
)
def test_cheap_debt_raises_equity_irr(setup, deal, d1, d2, spread):
    project = rt.evaluate(deal, setup, 0.08, 0.08).project_irr_per_year
    assume(project is not None and 0.0 < project - spread < 0.9)
    rate = project - spread
    lo, hi = sorted((d1, d2))

    def equity(d):
        fin = rt.Financing(debt_share=d, interest_rate_per_year=rate)
        return rt.evaluate(replace(deal, financing=fin), setup, 0.08, 0.08).equity_irr_per_year

    e_lo, e_hi = equity(lo), equity(hi)
    assert e_lo is not None and e_hi is not None
    assert e_hi >= e_lo - 1e-9
    assert e_lo >= project - 1e-9
