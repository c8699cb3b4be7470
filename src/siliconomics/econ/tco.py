"""Total cost of ownership per accelerator-hour, with its breakdown and market comparison.

Capex per chip (USD)::

    chip       = purchase price of the accelerator                    (catalog, dated)
    server     = chip x server_overhead_fraction   (0 when the price already includes it)
    network    = optics_per_chip x module price + switch_ports_per_chip x port price
                 + nics_per_chip x NIC price        (by the system's scale-out topology)
    facility   = facility_capex_usd_per_w x IT power per chip   (power and cooling plant)

IT power per chip is the system's sourced power divided by its chips, or else the chip's
TDP x (1 + host_power_overhead_fraction); the facility is provisioned for it at peak. A chip
whose ``tdp_basis`` is ``system_per_chip`` already holds a system's power per chip (TPU7x:
~10 MW per 9,216-chip pod, hosts and network included), so that figure is the IT power as it
stands, with no host share added again. IT power is before PUE; PUE enters only the power line.

**Capital recovery (annuity).** Paying capex P now is equivalent to a level payment A at
the end of each of n years when their present values at the cost of capital r agree::

    P = A/(1+r) + A/(1+r)^2 + ... + A/(1+r)^n = A · (1 - (1+r)^-n) / r

so ``A = P · CRF(r, n)`` with the capital recovery factor ``CRF = r / (1 - (1+r)^-n)``
(``1/n`` at r = 0: straight-line depreciation). The hourly charge is A / 8760. CRF falls
as n grows (for r >= 0), so a longer life never raises the hourly cost. IT equipment
(chip, server, network) uses the depreciation life; the facility its own, longer life.
Residual value at the end of the life is taken as zero.

Operating cost per hour::

    power       = IT power (W) x utilisation x PUE / 1000 x electricity (USD/kWh)
    maintenance = maintenance_fraction_per_year x IT capex / 8760

Every line is linear in its price, so doubling a price doubles its line and no other.
The result is the owner's cost of one chip-hour whether or not the hour is sold; cost per
token (econ.cost) divides it by the tokens the chip produces in that hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from math import expm1, log1p
from statistics import median
from typing import Any

from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.specs import Accelerator, ChipKind, PowerBasis, PricePoint, System
from siliconomics.econ.assumptions import (
    HOURS_PER_YEAR,
    Assumptions,
    NetworkProfile,
    default_assumptions,
)
from siliconomics.errors import MissingPower, MissingPrice, SiliconomicsError, unknown

WATTS_PER_KW = 1000.0


def capital_recovery_factor(rate_per_year: float, life_years: float) -> float:
    """Level annual payment per dollar of capex: r / (1 - (1+r)^-n); 1/n when r = 0."""
    if life_years <= 0:
        raise SiliconomicsError(f"life_years: must be > 0, got {life_years}")
    if rate_per_year < 0:
        raise SiliconomicsError(f"cost_of_capital_per_year: must be >= 0, got {rate_per_year}")
    if rate_per_year == 0:
        return 1.0 / life_years
    # 1 - (1+r)^-n computed as -expm1(-n·log1p(r)): exact for tiny r, where the naive form
    # rounds to 0 (a regression test covers r = 1e-196).
    return rate_per_year / -expm1(-life_years * log1p(rate_per_year))


@dataclass(frozen=True, slots=True)
class ChipPrice:
    """The purchase price used as chip capex, and how it was chosen."""

    value_usd: float
    basis: str  # "chip" | "server": does the price already include the server?
    source: str
    date: str
    how: str  # "override" | "defaults" | "catalog-latest"
    note: str = ""


@dataclass(frozen=True, slots=True)
class RentalPoint:
    value_usd_per_hour: float
    date: str
    provider: str
    commitment: str
    source: str


@dataclass(frozen=True, slots=True)
class MarketComparison:
    """Dated rental prices of the same chip, and how the TCO compares with them."""

    latest: tuple[RentalPoint, ...]
    median_recent_usd_per_hour: float | None
    recent_since: str | None
    tco_over_market_median: float | None


@dataclass(frozen=True, slots=True)
class Tco:
    """Cost of one accelerator-hour, line by line, with the inputs that produced it."""

    accelerator: str
    system: str | None
    chip_kind: str
    chip_price: ChipPrice
    it_power_w_per_chip: float
    it_power_basis: str
    network_topology: str
    chip_capex_usd: float
    server_capex_usd: float
    optics_capex_usd: float
    switch_capex_usd: float
    nic_capex_usd: float
    facility_capex_usd: float
    it_capital_recovery_factor_per_year: float
    facility_capital_recovery_factor_per_year: float
    chip_usd_per_hour: float
    server_usd_per_hour: float
    network_usd_per_hour: float
    facility_usd_per_hour: float
    power_usd_per_hour: float
    maintenance_usd_per_hour: float
    market: MarketComparison
    assumptions: Assumptions

    @property
    def network_capex_usd(self) -> float:
        return self.optics_capex_usd + self.switch_capex_usd + self.nic_capex_usd

    @property
    def it_capex_usd(self) -> float:
        return self.chip_capex_usd + self.server_capex_usd + self.network_capex_usd

    @property
    def capex_usd(self) -> float:
        """All-in capex attributable to one chip (IT plus its share of the facility)."""
        return self.it_capex_usd + self.facility_capex_usd

    @property
    def total_usd_per_hour(self) -> float:
        return (
            self.chip_usd_per_hour
            + self.server_usd_per_hour
            + self.network_usd_per_hour
            + self.facility_usd_per_hour
            + self.power_usd_per_hour
            + self.maintenance_usd_per_hour
        )

    @property
    def usd_per_second(self) -> float:
        return self.total_usd_per_hour / 3600.0

    def lines_usd_per_hour(self) -> dict[str, float]:
        return {
            "chip": self.chip_usd_per_hour,
            "server": self.server_usd_per_hour,
            "network": self.network_usd_per_hour,
            "facility": self.facility_usd_per_hour,
            "power": self.power_usd_per_hour,
            "maintenance": self.maintenance_usd_per_hour,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready breakdown (the ``tco --json`` keys)."""
        m = self.market
        return {
            "accelerator": self.accelerator,
            "system": self.system,
            "chip_kind": self.chip_kind,
            "total_usd_per_hour": self.total_usd_per_hour,
            "lines_usd_per_hour": self.lines_usd_per_hour(),
            "capex_usd": {
                "chip": self.chip_capex_usd,
                "server": self.server_capex_usd,
                "network_optics": self.optics_capex_usd,
                "network_switches": self.switch_capex_usd,
                "network_nics": self.nic_capex_usd,
                "facility": self.facility_capex_usd,
                "total": self.capex_usd,
            },
            "chip_price": {
                "value_usd": self.chip_price.value_usd,
                "basis": self.chip_price.basis,
                "source": self.chip_price.source,
                "date": self.chip_price.date,
                "how": self.chip_price.how,
                "note": self.chip_price.note,
            },
            "it_power_w_per_chip": self.it_power_w_per_chip,
            "it_power_basis": self.it_power_basis,
            "network_topology": self.network_topology,
            "it_capital_recovery_factor_per_year": self.it_capital_recovery_factor_per_year,
            "facility_capital_recovery_factor_per_year": (
                self.facility_capital_recovery_factor_per_year
            ),
            "market": {
                "median_recent_usd_per_hour": m.median_recent_usd_per_hour,
                "recent_since": m.recent_since,
                "tco_over_market_median": m.tco_over_market_median,
                "latest": [
                    {
                        "value_usd_per_hour": r.value_usd_per_hour,
                        "date": r.date,
                        "provider": r.provider,
                        "commitment": r.commitment,
                        "source": r.source,
                    }
                    for r in m.latest
                ],
            },
            "assumptions": self.assumptions.as_dict(),
            "as_of": self.assumptions.as_of,
        }


# --------------------------------------------------------------------------- resolution


def resolve_chip_system(catalog: Catalog, hardware: str) -> tuple[Accelerator, System | None]:
    """A chip id or system id -> (chip, system); a bare chip gets its standard system.

    The standard system is the catalog system built from that chip with a sourced power,
    fewest chips first (an 8-GPU HGX rather than a pod), else the smallest one.
    """
    if hardware in catalog.systems:
        s = catalog.systems[hardware]
        return catalog.accelerators[s.accelerator], s
    if hardware not in catalog.accelerators:
        raise unknown("hardware", hardware, [*catalog.accelerators, *catalog.systems])
    chip = catalog.accelerators[hardware]
    candidates = sorted(
        (s for s in catalog.systems.values() if s.accelerator == chip.id),
        key=lambda s: (s.power_w is None, s.chips, s.id),
    )
    return chip, (candidates[0] if candidates else None)


def _date_key(date: str) -> str:
    return date.ljust(10, "~")  # "2025" sorts after "2025-12-31": a year-only date is vague


def choose_chip_price(
    catalog: Catalog,
    accelerator: str,
    assumptions: Assumptions,
    *,
    chip_price_usd: float | None = None,
    chip_price_basis: str = "chip",
) -> ChipPrice:
    """The chip's capex: an override, else the defaults' choice, else the latest catalog price.

    A chip with none of these is a clear error naming what is missing.
    """
    if chip_price_usd is not None:
        if not chip_price_usd > 0:
            raise SiliconomicsError(f"chip_price_usd: must be > 0, got {chip_price_usd}")
        if chip_price_basis not in ("chip", "server"):
            raise unknown("chip_price_basis", chip_price_basis, ("chip", "server"))
        return ChipPrice(chip_price_usd, chip_price_basis, "user", "", "override")
    points: tuple[PricePoint, ...] = tuple(
        p for p in catalog.prices.get(accelerator, ()) if p.unit == "usd_per_chip"
    )
    choice = assumptions.chip_prices.get(accelerator)
    if choice is not None:
        if choice.value_usd is not None:
            return ChipPrice(
                choice.value_usd, choice.basis, choice.source, choice.date, "defaults", choice.note
            )
        hits = [p for p in points if p.source == choice.source and p.date == choice.date]
        if not hits:
            raise SiliconomicsError(
                f"econ defaults: chip_prices.{accelerator} names price {choice.source} "
                f"{choice.date}, which is not in prices/{accelerator}.yaml"
            )
        p = hits[0]
        return ChipPrice(p.value_usd, choice.basis, p.source, p.date, "defaults", choice.note)
    if points:
        latest = max(_date_key(p.date) for p in points)
        same = [p for p in points if _date_key(p.date) == latest]
        p = same[0]
        value = median(q.value_usd for q in same)
        return ChipPrice(
            value,
            "chip",
            p.source,
            p.date,
            "catalog-latest",
            "latest catalog purchase price (median of that date); price basis not reviewed",
        )
    raise MissingPrice(
        f"chip_price_usd: {accelerator} has no sourced purchase price (no entry in "
        f"prices/{accelerator}.yaml or in the econ defaults); pass chip_price_usd=... "
        "(--chip-price-usd) to cost it"
    )


def it_power_per_chip(
    chip: Accelerator,
    system: System | None,
    assumptions: Assumptions,
    it_power_w_per_chip: float | None = None,
) -> tuple[float, str]:
    """IT watts per chip (peak, as provisioned) and where the number came from.

    Order: an explicit override; the system's sourced power / its chips; the chip's TDP,
    which is the IT power itself when its basis is ``system_per_chip`` (hosts and network
    already in) and TDP x (1 + host_power_overhead_fraction) when it is the chip's own.
    """
    if it_power_w_per_chip is not None:
        if not it_power_w_per_chip > 0:
            raise SiliconomicsError(f"it_power_w_per_chip: must be > 0, got {it_power_w_per_chip}")
        return it_power_w_per_chip, "override"
    if system is not None and system.power_w:
        return system.power_w / system.chips, f"system {system.id} power / {system.chips} chips"
    if chip.tdp_w and chip.tdp_basis is PowerBasis.SYSTEM_PER_CHIP:
        return chip.tdp_w, "chip tdp_w, basis system_per_chip (hosts and network included)"
    if chip.tdp_w:
        f = assumptions.host_power_overhead_fraction
        basis = f"chip tdp_w, basis chip, x (1 + host_power_overhead_fraction {f})"
        return chip.tdp_w * (1.0 + f), basis
    where = f"its system {system.id} has no sourced power" if system else "it has no system"
    raise MissingPower(
        f"it_power_w_per_chip: {chip.id} has no sourced TDP and {where}; "
        "pass it_power_w_per_chip=... (--it-power-w) to cost it"
    )


def network_profile(
    chip: Accelerator, system: System | None, assumptions: Assumptions
) -> NetworkProfile:
    """The scale-out bill of materials for the system's topology.

    A system without a stated scale-out topology (or one the defaults do not cost) is
    assumed to use the usual one for its kind: a fat-tree for GPUs, a data-centre
    network (DCN) for ASIC pods.
    """
    topo = system.scale_out_topology if system else "none"
    if topo in assumptions.network:
        return assumptions.network[topo]
    fallback = "fat-tree" if chip.kind == ChipKind.GPU else "dcn"
    if fallback not in assumptions.network:
        raise SiliconomicsError(f"econ defaults: no network profile for {fallback!r}")
    return assumptions.network[fallback]


def rental_median(catalog: Catalog, accelerator: str) -> tuple[float, str, tuple[str, ...]]:
    """The market rental price: the median on-demand quote per chip-hour dated in the newest
    year quoted, with that year and its sources. The one definition ``tco``'s market
    comparison, ``cost --rental`` and the report use (reserved and spot quotes are other
    products and would mix commitments into one figure)."""
    quotes = [
        p
        for p in catalog.prices.get(accelerator, ())
        if p.unit == "usd_per_chip_hour" and p.commitment == "on-demand"
    ]
    if not quotes:
        raise MissingPrice(
            f"rental price: no on-demand rental quote for {accelerator} in the catalog"
        )
    year = max(p.date[:4] for p in quotes)
    recent = [p for p in quotes if p.date[:4] == year]
    return (
        median(p.value_usd for p in recent),
        year,
        tuple(sorted({p.source for p in recent})),
    )


def market_comparison(
    catalog: Catalog, accelerator: str, tco_usd_per_hour: float, *, latest_n: int = 5
) -> MarketComparison:
    """The newest rental quotes (any commitment) and the market median of
    :func:`rental_median` (on-demand, newest year)."""
    points = [p for p in catalog.prices.get(accelerator, ()) if p.unit == "usd_per_chip_hour"]
    if not points:
        return MarketComparison((), None, None, None)
    points.sort(key=lambda p: _date_key(p.date), reverse=True)
    rows = tuple(
        RentalPoint(p.value_usd, p.date, p.provider or "", p.commitment or "", p.source)
        for p in points[:latest_n]
    )
    try:
        med, year, _ = rental_median(catalog, accelerator)
    except MissingPrice:
        return MarketComparison(rows, None, None, None)
    return MarketComparison(rows, med, year, tco_usd_per_hour / med)


# --------------------------------------------------------------------------- the model


def tco(
    catalog: Catalog,
    hardware: str,
    *,
    assumptions: Assumptions | None = None,
    overrides: Mapping[str, float] | None = None,
    chip_price_usd: float | None = None,
    chip_price_basis: str = "chip",
    it_power_w_per_chip: float | None = None,
) -> Tco:
    """Cost per accelerator-hour of ``hardware`` (a chip or system id), line by line.

    ``overrides`` replaces named inputs of the defaults (see ``econ/assumptions.py``);
    ``chip_price_usd`` and ``it_power_w_per_chip`` cost a chip the catalog cannot.
    """
    a = (assumptions or default_assumptions()).with_overrides(overrides)
    chip, system = resolve_chip_system(catalog, hardware)
    price = choose_chip_price(
        catalog, chip.id, a, chip_price_usd=chip_price_usd, chip_price_basis=chip_price_basis
    )
    power_w, power_basis = it_power_per_chip(chip, system, a, it_power_w_per_chip)
    net = network_profile(chip, system, a)

    chip_capex = price.value_usd
    server_capex = chip_capex * a.server_overhead_fraction if price.basis == "chip" else 0.0
    optics = net.optical_modules_per_chip * a.optical_module_usd
    switches = net.switch_ports_per_chip * a.switch_port_usd
    nics = net.nics_per_chip * a.nic_usd
    facility = a.facility_capex_usd_per_w * power_w

    crf_it = capital_recovery_factor(a.cost_of_capital_per_year, a.depreciation_life_years)
    crf_fac = capital_recovery_factor(a.cost_of_capital_per_year, a.facility_life_years)
    per_hour_it = crf_it / HOURS_PER_YEAR
    it_capex = chip_capex + server_capex + optics + switches + nics
    power = power_w * a.utilisation * a.pue / WATTS_PER_KW * a.electricity_usd_per_kwh
    maintenance = a.maintenance_fraction_per_year * it_capex / HOURS_PER_YEAR

    partial = Tco(
        accelerator=chip.id,
        system=system.id if system else None,
        chip_kind=chip.kind.value,
        chip_price=price,
        it_power_w_per_chip=power_w,
        it_power_basis=power_basis,
        network_topology=net.topology,
        chip_capex_usd=chip_capex,
        server_capex_usd=server_capex,
        optics_capex_usd=optics,
        switch_capex_usd=switches,
        nic_capex_usd=nics,
        facility_capex_usd=facility,
        it_capital_recovery_factor_per_year=crf_it,
        facility_capital_recovery_factor_per_year=crf_fac,
        chip_usd_per_hour=chip_capex * per_hour_it,
        server_usd_per_hour=server_capex * per_hour_it,
        network_usd_per_hour=(optics + switches + nics) * per_hour_it,
        facility_usd_per_hour=facility * crf_fac / HOURS_PER_YEAR,
        power_usd_per_hour=power,
        maintenance_usd_per_hour=maintenance,
        market=MarketComparison((), None, None, None),
        assumptions=a,
    )
    return replace(partial, market=market_comparison(catalog, chip.id, partial.total_usd_per_hour))
