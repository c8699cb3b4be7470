"""Cluster investment returns: buy N chips, rent them out, and see whether it pays back.

Monthly cash flows over a horizon of ``M`` months (month 0 is the purchase), for ``N`` chips,
with 730 hours a month (8,760 / 12, the hours of ``econ.tco``)::

    capex[0]      = N · (IT capex + facility capex, own facility only) · capex_scale
    revenue[m]    = N · 730 · (s · p_res + (1 - s) · u[m] · p[m])
    power[m]      = N · 730 · TCO power line       (average draw, sold or not)
    maintenance[m]= N · 730 · TCO maintenance line
    colocation[m] = N · IT kW per chip · fee per kW-month       (colocation only)
    residual[M]   = N · (resale fraction · IT capex + facility book value)
    project[m]    = revenue - power - maintenance - colocation - capex + residual

``p[m]`` is the rental price path (``econ.rental``: the fitted on-demand neocloud path from
the start date, or a flat price), ``u[m]`` the share of on-demand hours sold (a linear ramp
from 0 over ``ramp_months``, then ``utilisation``), ``s`` the share of hours under a
take-or-pay contract at the fixed price ``p_res`` (by default the fit's reserved-1yr
multiple of the path's first month). The facility, when owned, is left with its
straight-line book value ``capex · (1 - horizon / facility life)``: the value a buyer of the
building would pay, so a horizon shorter than the building's life charges it only for the
years used, as ``econ.tco`` does.

**Financing.** A share ``D`` of month-0 capex is borrowed at ``i`` a year over ``T`` years,
repaid in level monthly payments (``numpy_financial.pmt``) at the monthly rate that compounds
to ``i`` (an effective yearly rate, as every rate here is, so a loan "below the project's
return" compares like with like); a balance left at the horizon is
repaid then (``numpy_financial.fv``). Equity flows are the project's less debt service, plus
the loan at month 0. There are no taxes, so depreciation (straight-line, or double-declining
balance switching to straight-line, over 4, 5 or 6 years: the lives hyperscalers moved between)
changes the accounting profit and the book value but never a cash flow or the cash IRR.

**Measures.** IRR (``numpy_financial.irr`` on the monthly flows, annualised as
``(1 + m)^12 - 1``) and NPV (``numpy_financial.npv`` at the monthly rate equivalent to the
yearly cost of capital) of the project and of the equity; the equity multiple (equity
received / equity paid in); the payback month (first month whose cumulative project flow is
>= 0); and the break-even rental price: the one flat price for every hour sold at which the
project NPV is 0. NPV is linear in that price, so it is exact from two evaluations, no root
search. At zero cost of capital, a fully sold cluster, no resale and a horizon equal to the
depreciation life it equals the TCO per chip-hour (``econ.tco`` at zero cost of capital).

Intervals: the measures at the price path's p10 and p90 (``_low``/``_high``). The tornado
moves one input at a time (price level, utilisation, capex, electricity price, resale value,
interest rate) and reports project and equity IRR at both ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from math import isfinite
from typing import Any

import numpy as np
import numpy_financial as npf

from siliconomics.catalog.loader import Catalog
from siliconomics.econ.assumptions import HOURS_PER_YEAR, default_assumptions
from siliconomics.econ.rental import PathFit, PricePath, fit, price_path, year_fraction
from siliconomics.econ.tco import Tco, resolve_chip_system, tco
from siliconomics.errors import MissingPrice, SiliconomicsError, unknown

HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0
KW_PER_W = 1e-3
FACILITIES = ("own", "colo")
DEPRECIATION_METHODS = ("straight-line", "declining")


def _fraction(name: str, value: float) -> None:
    if not (isfinite(value) and 0.0 <= value <= 1.0):
        raise SiliconomicsError(f"{name}: must be between 0 and 1, got {value}")


def _non_negative(name: str, value: float) -> None:
    if not (isfinite(value) and value >= 0.0):
        raise SiliconomicsError(f"{name}: must be >= 0, got {value}")


def _positive(name: str, value: float) -> None:
    if not (isfinite(value) and value > 0.0):
        raise SiliconomicsError(f"{name}: must be > 0, got {value}")


@dataclass(frozen=True, slots=True)
class Financing:
    """Debt share of month-0 capex, its rate and term; the equity's required return.
    ``None`` rates take the economics defaults' cost of capital; ``None`` term the horizon."""

    debt_share: float = 0.0
    interest_rate_per_year: float | None = None
    term_years: float | None = None
    cost_of_equity_per_year: float | None = None

    def __post_init__(self) -> None:
        _fraction("debt_share", self.debt_share)
        if self.interest_rate_per_year is not None:
            _non_negative("interest_rate_per_year", self.interest_rate_per_year)
            if self.interest_rate_per_year >= 1.0:
                raise SiliconomicsError(
                    f"interest_rate_per_year: must be < 1, got {self.interest_rate_per_year}"
                )
        if self.term_years is not None:
            _positive("term_years", self.term_years)
            if round(self.term_years * 12) < 1:
                raise SiliconomicsError(f"term_years: must be >= 1 month, got {self.term_years}")
        if self.cost_of_equity_per_year is not None:
            _non_negative("cost_of_equity_per_year", self.cost_of_equity_per_year)


@dataclass(frozen=True, slots=True)
class Deal:
    """What is bought, how it is sold and paid for (module docstring)."""

    chips: int
    years: float | None = None  # horizon; default the depreciation life
    utilisation: float = 1.0
    ramp_months: int = 0
    reserved_share: float = 0.0
    reserved_usd_per_hour: float | None = None
    price_usd_per_hour: float | None = None  # the path's first month; None = the fit's
    flat_price: bool = False
    price_scale: float = 1.0
    capex_scale: float = 1.0
    facility: str = "own"
    colo_usd_per_kw_month: float | None = None
    resale_fraction: float = 0.0
    depreciation_years: float | None = None
    depreciation_method: str = "straight-line"
    start: str | None = None  # YYYY[-MM[-DD]]; default the defaults' as_of
    financing: Financing = field(default_factory=Financing)

    def __post_init__(self) -> None:
        if isinstance(self.chips, bool) or not isinstance(self.chips, int) or self.chips < 1:
            raise SiliconomicsError(f"chips: must be a positive integer, got {self.chips!r}")
        if self.years is not None:
            _positive("years", self.years)
            if not 1 <= round(self.years * 12) <= 240:
                raise SiliconomicsError(f"years: must be 1 month to 20 years, got {self.years}")
        _fraction("utilisation", self.utilisation)
        if isinstance(self.ramp_months, bool) or not isinstance(self.ramp_months, int):
            raise SiliconomicsError(f"ramp_months: must be an integer, got {self.ramp_months!r}")
        _non_negative("ramp_months", self.ramp_months)
        _fraction("reserved_share", self.reserved_share)
        for name in ("reserved_usd_per_hour", "price_usd_per_hour"):
            v = getattr(self, name)
            if v is not None:
                _positive(name, v)
        _non_negative("price_scale", self.price_scale)
        _non_negative("capex_scale", self.capex_scale)
        if self.facility not in FACILITIES:
            raise unknown("facility", self.facility, FACILITIES)
        if self.facility == "colo":
            if self.colo_usd_per_kw_month is None:
                raise SiliconomicsError(
                    "colo_usd_per_kw_month: required with facility colo (USD per kW of IT "
                    "power per month)"
                )
            _non_negative("colo_usd_per_kw_month", self.colo_usd_per_kw_month)
        _fraction("resale_fraction", self.resale_fraction)
        if self.depreciation_years is not None:
            _positive("depreciation_years", self.depreciation_years)
            if round(self.depreciation_years * 12) < 1:
                raise SiliconomicsError(
                    f"depreciation_years: must be >= 1 month, got {self.depreciation_years}"
                )
        if self.depreciation_method not in DEPRECIATION_METHODS:
            raise unknown("depreciation_method", self.depreciation_method, DEPRECIATION_METHODS)
        if self.start is not None:
            year_fraction(self.start)


# --------------------------------------------------------------------------- cash flows


@dataclass(frozen=True, slots=True)
class CashFlows:
    """Monthly lines in USD, index 0 = the purchase month (module docstring)."""

    price_usd_per_hour: np.ndarray
    utilisation: np.ndarray
    revenue_usd: np.ndarray
    power_usd: np.ndarray
    maintenance_usd: np.ndarray
    colocation_usd: np.ndarray
    capex_usd: np.ndarray
    residual_usd: np.ndarray
    debt_usd: np.ndarray  # + loan received at 0, - payments after
    depreciation_usd: np.ndarray

    @property
    def project_usd(self) -> np.ndarray:
        return (
            self.revenue_usd
            - self.power_usd
            - self.maintenance_usd
            - self.colocation_usd
            - self.capex_usd
            + self.residual_usd
        )

    @property
    def equity_usd(self) -> np.ndarray:
        return self.project_usd + self.debt_usd

    @property
    def operating_profit_usd(self) -> np.ndarray:
        """Accounting: revenue less opex less depreciation (no taxes, no interest)."""
        return (
            self.revenue_usd
            - self.power_usd
            - self.maintenance_usd
            - self.colocation_usd
            - self.depreciation_usd
        )


def depreciation_schedule(
    capex_usd: float, life_months: int, months: int, method: str
) -> np.ndarray:
    """Monthly depreciation of ``capex_usd`` over ``life_months`` (index 0 = none).

    Straight-line: capex / life each month. Declining: double-declining balance (2 / life of
    the book value each month), switching to straight-line over the months left once that is
    larger, so the book value reaches 0 at the end of the life, as tax schedules do.
    """
    out = np.zeros(months + 1)
    book = capex_usd
    for m in range(1, min(months, life_months) + 1):
        left = life_months - m + 1
        if method == "straight-line":
            d = capex_usd / life_months
        else:
            d = max(book * 2.0 / life_months, book / left)
        d = min(d, book)
        out[m] = d
        book -= d
    return out


def cash_flows(deal: Deal, t: Tco, path: PricePath, reserved_usd_per_hour: float) -> CashFlows:
    """The monthly lines of ``deal`` with the chip's TCO lines ``t`` and price ``path``."""
    a = t.assumptions
    n = deal.chips
    months = path.months
    m = np.arange(months + 1)
    op = m >= 1
    price = np.concatenate([[0.0], np.asarray(path.usd_per_hour)]) * deal.price_scale
    ramp = np.minimum(1.0, m / deal.ramp_months) if deal.ramp_months > 0 else np.ones(months + 1)
    u = np.where(op, deal.utilisation * ramp, 0.0)
    s = deal.reserved_share
    hours = n * HOURS_PER_MONTH
    res_price = reserved_usd_per_hour * deal.price_scale
    revenue = np.where(op, hours * (s * res_price + (1.0 - s) * u * price), 0.0)
    power = np.where(op, hours * t.power_usd_per_hour, 0.0)
    maintenance = np.where(op, hours * t.maintenance_usd_per_hour * deal.capex_scale, 0.0)
    colo = np.zeros(months + 1)
    if deal.facility == "colo" and deal.colo_usd_per_kw_month is not None:
        colo[1:] = n * t.it_power_w_per_chip * KW_PER_W * deal.colo_usd_per_kw_month
    it_capex = n * t.it_capex_usd * deal.capex_scale
    fac_capex = n * t.facility_capex_usd * deal.capex_scale if deal.facility == "own" else 0.0
    capex = np.zeros(months + 1)
    capex[0] = it_capex + fac_capex
    years = months / 12.0
    fac_book = fac_capex * max(0.0, 1.0 - years / a.facility_life_years)
    residual = np.zeros(months + 1)
    residual[months] = deal.resale_fraction * it_capex + fac_book
    debt = _debt(deal, capex[0], months, a.cost_of_capital_per_year)
    dep_months = round((deal.depreciation_years or a.depreciation_life_years) * 12)
    dep = depreciation_schedule(it_capex, dep_months, months, deal.depreciation_method)
    fac_months = round(a.facility_life_years * 12)
    dep += depreciation_schedule(fac_capex, fac_months, months, "straight-line")
    return CashFlows(price, u, revenue, power, maintenance, colo, capex, residual, debt, dep)


def _debt(deal: Deal, capex0: float, months: int, default_rate: float) -> np.ndarray:
    f = deal.financing
    out = np.zeros(months + 1)
    loan = f.debt_share * capex0
    if loan == 0.0:
        return out
    yearly = f.interest_rate_per_year if f.interest_rate_per_year is not None else default_rate
    rate = monthly_rate(yearly)
    term = round((f.term_years if f.term_years is not None else months / 12.0) * 12)
    payment = float(npf.pmt(rate, term, -loan))
    out[0] = loan
    paid = min(term, months)
    out[1 : paid + 1] = -payment
    if term > months:
        out[months] -= float(npf.fv(rate, months, payment, -loan))
    return out


# --------------------------------------------------------------------------- measures


def monthly_rate(rate_per_year: float) -> float:
    """The monthly rate that compounds to ``rate_per_year``."""
    return float((1.0 + rate_per_year) ** (1.0 / 12.0) - 1.0)


def irr_per_year(flows: np.ndarray) -> float | None:
    """Annualised IRR of monthly flows (numpy_financial.irr); None when it has none."""
    m = float(npf.irr(flows))
    if not isfinite(m) or m <= -1.0:
        return None
    return float((1.0 + m) ** 12 - 1.0)


def npv(rate_per_year: float, flows: np.ndarray) -> float:
    """NPV at month 0 of monthly flows (numpy_financial.npv; the first flow is undiscounted)."""
    return float(npf.npv(monthly_rate(rate_per_year), flows))


def payback_month(flows: np.ndarray) -> int | None:
    """First month whose cumulative flow is >= 0; None if it never is."""
    hit = np.nonzero(np.cumsum(flows)[1:] >= 0.0)[0]
    return int(hit[0]) + 1 if hit.size else None


def equity_multiple(flows: np.ndarray) -> float | None:
    """Equity received / equity paid in; None when no equity is paid in."""
    paid = -float(flows[flows < 0].sum())
    return float(flows[flows > 0].sum()) / paid if paid > 0 else None


@dataclass(frozen=True, slots=True)
class Measures:
    project_irr_per_year: float | None
    project_npv_usd: float
    equity_irr_per_year: float | None
    equity_npv_usd: float
    equity_multiple: float | None
    payback_month: int | None


def measures(cf: CashFlows, cost_of_capital: float, cost_of_equity: float) -> Measures:
    project, equity = cf.project_usd, cf.equity_usd
    irr = irr_per_year(project)
    return Measures(
        project_irr_per_year=irr,
        project_npv_usd=npv(cost_of_capital, project),
        equity_irr_per_year=irr if not cf.debt_usd.any() else irr_per_year(equity),
        equity_npv_usd=npv(cost_of_equity, equity),
        equity_multiple=equity_multiple(equity),
        payback_month=payback_month(project),
    )


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Setup:
    """Everything a deal is evaluated against: the chip's TCO lines, the price path."""

    tco: Tco
    path: PricePath
    reserved_usd_per_hour: float
    path_basis: str
    reserved_basis: str
    months: int


def setup(
    catalog: Catalog,
    hardware: str,
    deal: Deal,
    *,
    overrides: Mapping[str, float] | None = None,
    chip_price_usd: float | None = None,
    path_fit: PathFit | None = None,
) -> Setup:
    a = default_assumptions().with_overrides(overrides)
    t = tco(catalog, hardware, assumptions=a, chip_price_usd=chip_price_usd)
    months = round((deal.years or a.depreciation_life_years) * 12)
    start = year_fraction(deal.start or a.as_of)
    chip, _ = resolve_chip_system(catalog, hardware)
    if deal.flat_price:
        if deal.price_usd_per_hour is None:
            raise SiliconomicsError("price_usd_per_hour: required with a flat price path")
        path = PricePath.flat(chip.id, start, months, deal.price_usd_per_hour)
        basis = "flat price (given)"
        f = None
    else:
        f = path_fit or fit(catalog, chip.kind.value)
        if chip.id not in f.levels:
            raise MissingPrice(
                f"price_usd_per_hour: {chip.id} has no dated rental quote to fit a price path "
                "to; pass a price and hold it flat (--price P --flat) or add quotes to "
                f"prices/{chip.id}.yaml"
            )
        path = price_path(f, chip.id, start, months)
        basis = f"fitted {f.base_commitment} {f.base_class} path from {deal.start or a.as_of}"
        if deal.price_usd_per_hour is not None:
            path = path.scaled(deal.price_usd_per_hour / path.usd_per_hour[0])
            basis += f", scaled to start at {deal.price_usd_per_hour:g} USD/h"
    if deal.reserved_usd_per_hour is not None:
        reserved, rbasis = deal.reserved_usd_per_hour, "given"
    elif f is not None and "reserved-1yr" in f.commitment_premium:
        mult = float(np.exp(f.commitment_premium["reserved-1yr"]))
        reserved = path.usd_per_hour[0] * mult
        rbasis = f"first month x the fit's reserved-1yr multiplier {mult:.3f}"
    else:
        reserved, rbasis = path.usd_per_hour[0], "first month of the path"
    return Setup(t, path, reserved, basis, rbasis, months)


def breakeven_usd_per_hour(deal: Deal, s: Setup, cost_of_capital: float) -> float | None:
    """The flat price per chip-hour sold (on-demand and reserved alike) at which the
    project NPV is 0: NPV(p) = NPV(0) + p · (NPV(1) - NPV(0)), exactly."""
    flat0 = PricePath.flat(s.path.accelerator, s.path.start_year, s.months, 0.0)
    flat1 = PricePath.flat(s.path.accelerator, s.path.start_year, s.months, 1.0)
    d = replace(deal, price_scale=1.0)
    v0 = npv(cost_of_capital, cash_flows(d, s.tco, flat0, 0.0).project_usd)
    v1 = npv(cost_of_capital, cash_flows(d, s.tco, flat1, 1.0).project_usd)
    slope = v1 - v0
    return -v0 / slope if slope > 0 else None


@dataclass(frozen=True, slots=True)
class TornadoRow:
    input: str
    low_label: str
    high_label: str
    project_irr_low: float | None
    project_irr_high: float | None
    equity_irr_low: float | None
    equity_irr_high: float | None

    @property
    def swing(self) -> float:
        lo, hi = self.project_irr_low, self.project_irr_high
        return abs((hi if hi is not None else -1.0) - (lo if lo is not None else -1.0))


@dataclass(frozen=True, slots=True)
class NeocloudAnswer:
    hardware: str
    accelerator: str
    deal: Deal
    setup: Setup
    flows: CashFlows
    mid: Measures
    low: Measures  # at the p10 price path
    high: Measures  # at the p90 price path
    cost_of_capital_per_year: float
    cost_of_equity_per_year: float
    breakeven_usd_per_hour: float | None
    breakeven_zero_cost_of_capital_usd_per_hour: float | None
    tornado: tuple[TornadoRow, ...]

    def as_dict(self) -> dict[str, Any]:
        cf, s, d = self.flows, self.setup, self.deal

        def pick(name: str) -> dict[str, Any]:
            return {
                name: getattr(self.mid, name),
                f"{name}_low": getattr(self.low, name),
                f"{name}_high": getattr(self.high, name),
            }

        lines = {
            "price_usd_per_hour": cf.price_usd_per_hour,
            "utilisation": cf.utilisation,
            "revenue_usd": cf.revenue_usd,
            "power_usd": cf.power_usd,
            "maintenance_usd": cf.maintenance_usd,
            "colocation_usd": cf.colocation_usd,
            "capex_usd": cf.capex_usd,
            "residual_usd": cf.residual_usd,
            "project_cash_flow_usd": cf.project_usd,
            "debt_cash_flow_usd": cf.debt_usd,
            "equity_cash_flow_usd": cf.equity_usd,
            "depreciation_usd": cf.depreciation_usd,
            "operating_profit_usd": cf.operating_profit_usd,
        }
        columns = {k: v.tolist() for k, v in lines.items()}
        monthly = [
            {"month": m, **{k: v[m] for k, v in columns.items()}}
            for m in range(len(cf.revenue_usd))
        ]
        f = d.financing
        return {
            "hardware": self.hardware,
            "accelerator": self.accelerator,
            "system": s.tco.system,
            "chips": d.chips,
            "months": s.months,
            "start": d.start or s.tco.assumptions.as_of,
            "price_path_basis": s.path_basis,
            "reserved_usd_per_hour": s.reserved_usd_per_hour,
            "reserved_price_basis": s.reserved_basis,
            "inputs": {
                "utilisation": d.utilisation,
                "ramp_months": d.ramp_months,
                "reserved_share": d.reserved_share,
                "facility": d.facility,
                "colo_usd_per_kw_month": d.colo_usd_per_kw_month,
                "resale_fraction": d.resale_fraction,
                "depreciation_years": d.depreciation_years
                or s.tco.assumptions.depreciation_life_years,
                "depreciation_method": d.depreciation_method,
                "debt_share": f.debt_share,
                "interest_rate_per_year": f.interest_rate_per_year
                if f.interest_rate_per_year is not None
                else self.cost_of_capital_per_year,
                "debt_term_years": f.term_years if f.term_years is not None else s.months / 12,
                "cost_of_capital_per_year": self.cost_of_capital_per_year,
                "cost_of_equity_per_year": self.cost_of_equity_per_year,
                "capex_usd_per_chip": s.tco.capex_usd
                if d.facility == "own"
                else s.tco.it_capex_usd,
                "it_power_w_per_chip": s.tco.it_power_w_per_chip,
            },
            **pick("project_irr_per_year"),
            **pick("project_npv_usd"),
            **pick("equity_irr_per_year"),
            **pick("equity_npv_usd"),
            **pick("equity_multiple"),
            **pick("payback_month"),
            "interval_basis": "_low at the p10 price path, _high at the p90 path",
            "breakeven_usd_per_hour": self.breakeven_usd_per_hour,
            "breakeven_zero_cost_of_capital_usd_per_hour": (
                self.breakeven_zero_cost_of_capital_usd_per_hour
            ),
            "tco_usd_per_hour": s.tco.total_usd_per_hour,
            "totals_usd": {
                "revenue": float(cf.revenue_usd.sum()),
                "power": float(cf.power_usd.sum()),
                "maintenance": float(cf.maintenance_usd.sum()),
                "colocation": float(cf.colocation_usd.sum()),
                "capex": float(cf.capex_usd.sum()),
                "residual": float(cf.residual_usd.sum()),
                "depreciation": float(cf.depreciation_usd.sum()),
                "operating_profit": float(cf.operating_profit_usd.sum()),
                "project_cash_flow": float(cf.project_usd.sum()),
            },
            "tornado": [
                {
                    "input": r.input,
                    "low": r.low_label,
                    "high": r.high_label,
                    "project_irr_per_year_low": r.project_irr_low,
                    "project_irr_per_year_high": r.project_irr_high,
                    "equity_irr_per_year_low": r.equity_irr_low,
                    "equity_irr_per_year_high": r.equity_irr_high,
                }
                for r in self.tornado
            ],
            "monthly": monthly,
        }


def evaluate(deal: Deal, s: Setup, cost_of_capital: float, cost_of_equity: float) -> Measures:
    return measures(
        cash_flows(deal, s.tco, s.path, s.reserved_usd_per_hour), cost_of_capital, cost_of_equity
    )


def _tornado(
    catalog: Catalog,
    hardware: str,
    deal: Deal,
    s: Setup,
    overrides: Mapping[str, float] | None,
    chip_price_usd: float | None,
    coc: float,
    coe: float,
) -> tuple[TornadoRow, ...]:
    a = s.tco.assumptions
    rate = deal.financing.interest_rate_per_year
    rate = a.cost_of_capital_per_year if rate is None else rate

    def run(d: Deal, st: Setup = s) -> Measures:
        return evaluate(d, st, coc, coe)

    def with_electricity(f: float) -> Setup:
        o = dict(overrides or {}) | {"electricity_usd_per_kwh": a.electricity_usd_per_kwh * f}
        return replace(s, tco=tco(catalog, hardware, overrides=o, chip_price_usd=chip_price_usd))

    u_lo, u_hi = max(0.0, deal.utilisation - 0.1), min(1.0, deal.utilisation + 0.1)
    fin = deal.financing
    cases: list[tuple[str, str, str, Measures, Measures]] = [
        (
            "price level",
            "-20%",
            "+20%",
            run(replace(deal, price_scale=deal.price_scale * 0.8)),
            run(replace(deal, price_scale=deal.price_scale * 1.2)),
        ),
        (
            "utilisation",
            f"{u_lo:.2f}",
            f"{u_hi:.2f}",
            run(replace(deal, utilisation=u_lo)),
            run(replace(deal, utilisation=u_hi)),
        ),
        (
            "capex",
            "+20%",
            "-20%",
            run(replace(deal, capex_scale=deal.capex_scale * 1.2)),
            run(replace(deal, capex_scale=deal.capex_scale * 0.8)),
        ),
        (
            "electricity price",
            "+20%",
            "-20%",
            run(deal, with_electricity(1.2)),
            run(deal, with_electricity(0.8)),
        ),
        (
            "resale value",
            "0",
            f"{min(1.0, deal.resale_fraction + 0.2):.2f} of IT capex",
            run(replace(deal, resale_fraction=0.0)),
            run(replace(deal, resale_fraction=min(1.0, deal.resale_fraction + 0.2))),
        ),
    ]
    if fin.debt_share > 0:
        cases.append(
            (
                "interest rate",
                f"{rate + 0.02:.3f}",
                f"{max(0.0, rate - 0.02):.3f}",
                run(replace(deal, financing=replace(fin, interest_rate_per_year=rate + 0.02))),
                run(
                    replace(
                        deal,
                        financing=replace(fin, interest_rate_per_year=max(0.0, rate - 0.02)),
                    )
                ),
            )
        )
    rows = [
        TornadoRow(
            name,
            lo_l,
            hi_l,
            lo.project_irr_per_year,
            hi.project_irr_per_year,
            lo.equity_irr_per_year,
            hi.equity_irr_per_year,
        )
        for name, lo_l, hi_l, lo, hi in cases
    ]
    return tuple(sorted(rows, key=lambda r: -r.swing))


def _at_band(s: Setup, *, high: bool) -> Setup:
    """The setup with the price path (and the reserved price) at its p10 or p90."""
    p = s.path
    values = p.usd_per_hour_high if high else p.usd_per_hour_low
    band = PricePath(p.accelerator, p.start_year, p.months, values, values, values)
    ratio = values[0] / p.usd_per_hour[0] if p.usd_per_hour[0] > 0 else 1.0
    return replace(s, path=band, reserved_usd_per_hour=s.reserved_usd_per_hour * ratio)


def neocloud(
    catalog: Catalog,
    hardware: str,
    deal: Deal,
    *,
    overrides: Mapping[str, float] | None = None,
    chip_price_usd: float | None = None,
    with_tornado: bool = True,
) -> NeocloudAnswer:
    """Monthly cash flows and returns of buying ``deal.chips`` of ``hardware`` to rent out."""
    s = setup(catalog, hardware, deal, overrides=overrides, chip_price_usd=chip_price_usd)
    a = s.tco.assumptions
    coc = a.cost_of_capital_per_year
    f = deal.financing
    coe = f.cost_of_equity_per_year if f.cost_of_equity_per_year is not None else coc
    cf = cash_flows(deal, s.tco, s.path, s.reserved_usd_per_hour)
    low, high = _at_band(s, high=False), _at_band(s, high=True)
    zero = dict(overrides or {}) | {"cost_of_capital_per_year": 0.0}
    s0 = setup(catalog, hardware, deal, overrides=zero, chip_price_usd=chip_price_usd)
    chip, _ = resolve_chip_system(catalog, hardware)
    return NeocloudAnswer(
        hardware=hardware,
        accelerator=chip.id,
        deal=deal,
        setup=s,
        flows=cf,
        mid=measures(cf, coc, coe),
        low=evaluate(deal, low, coc, coe),
        high=evaluate(deal, high, coc, coe),
        cost_of_capital_per_year=coc,
        cost_of_equity_per_year=coe,
        breakeven_usd_per_hour=breakeven_usd_per_hour(deal, s, coc),
        breakeven_zero_cost_of_capital_usd_per_hour=breakeven_usd_per_hour(deal, s0, 0.0),
        tornado=_tornado(catalog, hardware, deal, s, overrides, chip_price_usd, coc, coe)
        if with_tornado
        else (),
    )
