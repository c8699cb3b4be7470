"""Invariants of the market calendar and the as-of cut."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from siliconomics.catalog.loader import builtin_catalog
from siliconomics.market.calendar import Period, calendar_quarter, calendar_years
from siliconomics.market.dataset import load_market

DATA = load_market(builtin_catalog())


@given(st.integers(2000, 2040), st.integers(1, 12))
def test_fiscal_quarters_are_four_consecutive_calendar_quarters(year, fy_end):
    qs = [calendar_quarter(Period(True, year, k), fy_end) for k in (1, 2, 3, 4)]
    assert qs == list(range(qs[0], qs[0] + 4))
    assert abs(sum(calendar_years(Period(True, year, None), fy_end).values()) - 1.0) < 1e-12


@settings(max_examples=50)
@given(st.integers(0, 3000))
def test_as_of_never_holds_a_later_row(days):
    day = date(2022, 1, 1) + timedelta(days=days)
    cut = DATA.as_of(day)
    assert all(r.known <= day for r in cut.rows)
    assert len(cut.rows) == sum(r.known <= day for r in DATA.rows)
