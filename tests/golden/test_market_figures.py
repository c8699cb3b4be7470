"""Published market figures the dataset and the backtest must reproduce."""

from __future__ import annotations

from datetime import date

import pytest

from siliconomics.catalog.loader import builtin_catalog
from siliconomics.market.backtest import backtest, summarise
from siliconomics.market.dataset import load_market
from siliconomics.market.model import quarterly
from siliconomics.market.scenario import load_families, load_scenario

CAT = builtin_catalog()
DATA = load_market(CAT)


def test_nvidia_fy2026_quarters_add_up_to_the_reported_year():
    """FY2026 data center revenue 193.7B USD (M14) = 39.1 + 41.1 + 51.2 + 62.3."""
    q = [
        r.value
        for r in DATA.series("NVIDIA", "data center revenue")
        if r.period.startswith("FY2026-")
    ]
    assert sum(q) == pytest.approx(193.7e9, rel=1e-3)


def test_big_four_2025_quarters_add_up_to_the_year():
    """Platformonomics: over 416B USD in 2025 (MK08); the quarterly rows are its posts."""
    q = quarterly(DATA.series("Amazon+Alphabet+Microsoft+Meta", "capex incl. finance leases"))
    assert sum(v for k, v in q.items() if k // 4 == 2025) == pytest.approx(416e9, rel=2e-3)


def test_backtest_one_quarter_ahead_errors_as_published():
    """docs/accuracy.md: median 1-quarter-ahead errors measured on the base scenario."""
    fam = load_families(CAT)
    sc = load_scenario("base", CAT, fam)
    rows = summarise(backtest(DATA, fam, sc, {}, today=date(2026, 11, 29)))
    got = {(r["series"], r["horizon_quarters"]): r["median_error"] for r in rows}
    assert got[("capex_usd", 1)] == pytest.approx(0.072, abs=0.005)
    assert got[("revenue_usd.NVIDIA", 1)] == pytest.approx(0.034, abs=0.005)
