"""Rental paths, neocloud returns and API margins: hand-derived cases and library agreement."""

from dataclasses import replace

import numpy as np
import numpy_financial as npf
import pytest

from siliconomics import api
from siliconomics.catalog.loader import builtin_data_dir
from siliconomics.econ import rental as er
from siliconomics.econ import returns as rt
from siliconomics.econ.margin import provider_chips
from siliconomics.econ.rental import PricePath
from siliconomics.econ.tco import tco
from siliconomics.errors import SiliconomicsError


@pytest.fixture(scope="module")
def round_tco(catalog):
    """A TCO with round lines: 1,000 USD of chip, no server/network/facility, power 0.10 and
    maintenance 0.05 USD per hour."""
    t = tco(catalog, "nvidia-h100-sxm")
    return replace(
        t,
        chip_capex_usd=1000.0,
        server_capex_usd=0.0,
        optics_capex_usd=0.0,
        switch_capex_usd=0.0,
        nic_capex_usd=0.0,
        facility_capex_usd=0.0,
        power_usd_per_hour=0.10,
        maintenance_usd_per_hour=0.05,
    )


def one_month(price: float) -> PricePath:
    return PricePath.flat("nvidia-h100-sxm", 2026.0, 1, price)


def test_one_period_cash_flows_by_hand(round_tco):
    # One chip, one month of 730 h at 2.00 USD/h, fully sold:
    # revenue 1,460 - power 73 - maintenance 36.5 = 1,350.5 after paying 1,000 at month 0.
    deal = rt.Deal(chips=1, years=1 / 12, price_usd_per_hour=2.0, flat_price=True)
    cf = rt.cash_flows(deal, round_tco, one_month(2.0), 2.0)
    assert cf.project_usd == pytest.approx([-1000.0, 1350.5])
    m = rt.measures(cf, cost_of_capital=0.0, cost_of_equity=0.0)
    assert m.project_npv_usd == pytest.approx(350.5)
    assert m.project_irr_per_year == pytest.approx(1.3505**12 - 1)
    assert m.payback_month == 1
    assert m.equity_multiple == pytest.approx(1.3505)
    # depreciation is accounting only: the whole 1,000 over its 5-year life, 1/60 in month 1
    assert cf.depreciation_usd[1] == pytest.approx(1000.0 / 60)


def test_one_period_debt_by_hand(round_tco):
    # Half the capex borrowed for one month at 1% a month (1.01^12 - 1 a year): pay back 505.
    fin = rt.Financing(debt_share=0.5, interest_rate_per_year=1.01**12 - 1, term_years=1 / 12)
    deal = rt.Deal(chips=1, years=1 / 12, price_usd_per_hour=2.0, flat_price=True, financing=fin)
    cf = rt.cash_flows(deal, round_tco, one_month(2.0), 2.0)
    assert cf.debt_usd == pytest.approx([500.0, -505.0])
    assert cf.equity_usd == pytest.approx([-500.0, 845.5])
    m = rt.measures(cf, 0.0, 0.0)
    assert m.equity_irr_per_year == pytest.approx((845.5 / 500) ** 12 - 1)


def test_loan_longer_than_horizon_repays_the_balance(round_tco):
    # 1,000 over 12 months at 1%/month, horizon 6 months: balance left = fv after 6 payments.
    fin = rt.Financing(debt_share=1.0, interest_rate_per_year=1.01**12 - 1, term_years=1.0)
    deal = rt.Deal(chips=1, years=0.5, price_usd_per_hour=2.0, flat_price=True, financing=fin)
    path = PricePath.flat("nvidia-h100-sxm", 2026.0, 6, 2.0)
    cf = rt.cash_flows(deal, round_tco, path, 2.0)
    pmt = 1000 * 0.01 / (1 - 1.01**-12)
    balance = 1000 * 1.01**6 - pmt * (1.01**6 - 1) / 0.01
    assert cf.debt_usd[1] == pytest.approx(-pmt)
    assert cf.debt_usd[6] == pytest.approx(-pmt - balance)
    # the lender's flows have an IRR of exactly its rate
    assert float(npf.irr(-cf.debt_usd)) == pytest.approx(0.01)


def test_irr_and_npv_agree_with_the_library():
    flows = np.array([-1000.0, 100.0, 200.0, 300.0, 400.0, 500.0])
    m = float(npf.irr(flows))
    assert rt.irr_per_year(flows) == pytest.approx((1 + m) ** 12 - 1)
    r = 0.10
    assert rt.npv(r, flows) == pytest.approx(
        sum(f / (1 + r) ** (i / 12) for i, f in enumerate(flows))
    )
    assert rt.irr_per_year(np.array([-1.0, -1.0])) is None  # no sign change, no IRR


@pytest.mark.parametrize("hw", ["nvidia-h100-sxm", "nvidia-h200-sxm", "nvidia-b200", "amd-mi300x"])
def test_breakeven_at_zero_cost_of_capital_is_the_tco(catalog, hw):
    a = rt.neocloud(catalog, hw, rt.Deal(chips=64), with_tornado=False)
    t0 = tco(catalog, hw, overrides={"cost_of_capital_per_year": 0.0}).total_usd_per_hour
    assert a.breakeven_zero_cost_of_capital_usd_per_hour == pytest.approx(t0, rel=1e-12)
    # at the break-even price the project NPV is zero
    flat = rt.Deal(
        chips=64,
        price_usd_per_hour=a.breakeven_usd_per_hour,
        flat_price=True,
        reserved_usd_per_hour=a.breakeven_usd_per_hour,
    )
    b = rt.neocloud(catalog, hw, flat, with_tornado=False)
    assert abs(b.mid.project_npv_usd) < 1e-6 * b.flows.capex_usd[0]


def test_depreciation_schedules_sum_to_capex():
    sl = rt.depreciation_schedule(6000.0, 60, 72, "straight-line")
    dd = rt.depreciation_schedule(6000.0, 60, 72, "declining")
    assert sl.sum() == pytest.approx(6000.0) and dd.sum() == pytest.approx(6000.0)
    assert sl[1] == pytest.approx(100.0) and dd[1] == pytest.approx(200.0)  # 2/60 of 6,000
    assert sl[61:].sum() == 0 and dd[61:].sum() == 0


def test_colocation_line(catalog):
    deal = rt.Deal(chips=8, facility="colo", colo_usd_per_kw_month=150.0)
    a = rt.neocloud(catalog, "nvidia-h100-sxm", deal, with_tornado=False)
    kw = a.setup.tco.it_power_w_per_chip / 1000
    assert a.flows.colocation_usd[1] == pytest.approx(8 * kw * 150.0)
    assert a.flows.capex_usd[0] == pytest.approx(8 * a.setup.tco.it_capex_usd)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"utilisation": 1.2}, "utilisation"),
        ({"price_usd_per_hour": -1.0}, "price_usd_per_hour"),
        ({"chips": 0}, "chips"),
        ({"facility": "moon"}, "facility"),
        ({"facility": "colo"}, "colo_usd_per_kw_month"),
        ({"depreciation_method": "sideways"}, "depreciation_method"),
        ({"years": 0.0}, "years"),
    ],
)
def test_bad_deal_is_one_clear_error(kwargs, field):
    with pytest.raises(SiliconomicsError, match=field):
        rt.Deal(**({"chips": 8} | kwargs))


def test_bad_financing_is_one_clear_error():
    with pytest.raises(SiliconomicsError, match="term_years"):
        rt.Financing(debt_share=0.5, term_years=0.0)
    with pytest.raises(SiliconomicsError, match="debt_share"):
        rt.Financing(debt_share=1.5)


def test_year_fractions():
    assert er.year_fraction("2024") == 2024.5
    assert er.year_fraction("2024-10") == pytest.approx(2024 + 9.5 / 12)
    assert er.year_fraction("2025-01-01") == pytest.approx(2025 + 0.5 / 365)
    assert er.known_by("2024") == 2025.0
    with pytest.raises(SiliconomicsError, match="date"):
        er.year_fraction("2024-13")


def test_next_generation_comes_from_launch_years(catalog):
    n, chips = er.next_generation(catalog, catalog.accelerators["nvidia-h100-sxm"])
    assert n == 2024.5 and "nvidia-b200" in chips and "nvidia-h200-sxm" in chips


def test_fit_declines_and_prices_commitments_below_on_demand(catalog):
    f = er.fit(catalog, "gpu")
    assert f.decline_per_year <= 0 and f.extra_decline_after_next_gen_per_year <= 0
    for c in ("reserved-1yr", "reserved-3yr", "spot"):
        assert f.commitment_premium[c] < 0
    assert f.class_premium["hyperscaler"] > 0 > f.class_premium["marketplace"]


def test_rental_unknown_hardware(catalog):
    with pytest.raises(SiliconomicsError, match="hardware"):
        er.rental(catalog, "nvidia-h900", start="2026-06")


def test_overlay_names_a_providers_chip(tmp_path):

    # a copied built-in entry makes the folder visible as the catalog's overlay (roots.py)
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "nvidia-h100-sxm.yaml").write_text(
        (builtin_data_dir() / "prices" / "nvidia-h100-sxm.yaml").read_text()
    )
    (tmp_path / "econ").mkdir()
    (tmp_path / "econ" / "inference_providers.yaml").write_text(
        "providers:\n  Together AI: {hardware: nvidia-h200-sxm, source: R15-INFER-SILICON}\n"
    )
    chips = provider_chips(api.get_catalog(tmp_path))
    assert chips["Together AI"].hardware == "nvidia-h200-sxm"
    assert chips["Groq"].hardware == "groq-lpu-v1"  # the built-in rows stay
    (tmp_path / "econ" / "inference_providers.yaml").write_text(
        "providers:\n  Together AI: {hardware: nvidia-h900, source: R15-INFER-SILICON}\n"
    )
    with pytest.raises(SiliconomicsError, match="hardware"):
        provider_chips(api.get_catalog(tmp_path))
