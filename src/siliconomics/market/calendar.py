"""Periods as the sources write them, mapped to calendar quarters and years.

A row's ``period`` is one of::

    2025        calendar year            2025-Q3     calendar quarter
    FY2026      the entity's fiscal year FY2026-Q1   the entity's fiscal quarter

A fiscal year is named by the calendar year in which it ends, and ends with the month that
``calendars.csv`` gives for the entity (NVIDIA: January, Microsoft: June, Oracle: May,
Broadcom: October; calendar-year companies are not listed). Fiscal quarter ``k`` of fiscal
year ``Y`` ending in month ``E`` spans months ``E-11+3(k-1) .. E-12+3k`` counted from January
of ``Y`` (months <= 0 fall in ``Y-1``). It is mapped to the calendar quarter that holds its
middle month, the convention analysts use to put fiscal quarters side by side: NVIDIA's
FY2026-Q4 (Nov 2025-Jan 2026, middle month December) is calendar 2025-Q4; Microsoft's
FY2026-Q1 (Jul-Sep 2025) is 2025-Q3. A fiscal year's months are split between calendar years
by count (Microsoft FY2026: half 2025, half 2026).

Quarters are handled as integers, ``year * 4 + quarter - 1`` ("quarter index"), so that
arithmetic on them is plain integer arithmetic.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from siliconomics.errors import SiliconomicsError

PERIOD_RE = re.compile(r"^(FY)?(\d{4})(?:-Q([1-4]))?$")


@dataclass(frozen=True, slots=True)
class Period:
    """A parsed period: fiscal or calendar, a year or one quarter of it."""

    fiscal: bool
    year: int
    quarter: int | None

    @property
    def is_quarter(self) -> bool:
        return self.quarter is not None


def parse_period(text: str) -> Period:
    """``2025``, ``2025-Q3``, ``FY2026`` or ``FY2026-Q1``; anything else is an error."""
    m = PERIOD_RE.match(text.strip())
    if m is None:
        raise SiliconomicsError(f"period {text!r}: expected YYYY, YYYY-Qn, FYYYYY or FYYYYY-Qn")
    return Period(m.group(1) is not None, int(m.group(2)), int(m.group(3)) if m.group(3) else None)


def qindex(year: int, quarter: int) -> int:
    """The quarter index of calendar ``year``-Q``quarter``."""
    return year * 4 + quarter - 1


def qlabel(index: int) -> str:
    """``2025-Q3`` for a quarter index."""
    return f"{index // 4}-Q{index % 4 + 1}"


def qyear(index: int) -> int:
    return index // 4


def _month(year: int, month: int) -> tuple[int, int]:
    """(year, month) of a month counted from January of ``year`` (0 is December before)."""
    return year + (month - 1) // 12, (month - 1) % 12 + 1


def calendar_quarter(period: Period, fy_end_month: int = 12) -> int:
    """The calendar quarter index of a quarterly period (see the module docstring)."""
    if period.quarter is None:
        raise SiliconomicsError("a year has no single calendar quarter")
    if not period.fiscal:
        return qindex(period.year, period.quarter)
    middle = fy_end_month - 12 + 3 * period.quarter - 1
    y, m = _month(period.year, middle)
    return qindex(y, (m - 1) // 3 + 1)


def calendar_years(period: Period, fy_end_month: int = 12) -> dict[int, float]:
    """How a yearly period's months split over calendar years (fractions summing to 1)."""
    if period.quarter is not None:
        q = calendar_quarter(period, fy_end_month)
        return {qyear(q): 1.0}
    if not period.fiscal or fy_end_month == 12:
        return {period.year: 1.0}
    first = fy_end_month - 11
    counts: dict[int, int] = {}
    for k in range(first, fy_end_month + 1):
        y, _ = _month(period.year, k)
        counts[y] = counts.get(y, 0) + 1
    return {y: n / 12 for y, n in counts.items()}


def known_date(text: str) -> date:
    """The day by which a source dated ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` is surely out:
    the last day of its year or month (an as-of filter never sees a row early)."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], parts[1], parts[2])


def parse_as_of(text: str, today: date) -> date:
    """A user's ``--as-of`` date (YYYY-MM-DD), not after ``today``."""
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise SiliconomicsError(f"--as-of: expected a date YYYY-MM-DD, got {text!r}") from None
    if d > today:
        raise SiliconomicsError(
            f"--as-of: {d.isoformat()} is in the future (today is {today.isoformat()})"
        )
    return d


def quarter_end(index: int) -> date:
    """The last day of a calendar quarter."""
    y, q = index // 4, index % 4 + 1
    m = 3 * q
    return date(y, m, calendar.monthrange(y, m)[1])
