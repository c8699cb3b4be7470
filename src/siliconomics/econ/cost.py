"""Cost per million input and output tokens at an operating point, chips side by side.

Every figure prices an operating point of the one engine (serving.operating): the
configuration the simulator confirmed for the workload, SLA and precision policy. With
the deployment's C chips at ``c`` USD per chip-second (the TCO per hour / 3600, or the
rental price), the system costs ``C · c`` USD per second while it serves T output tokens
per second, i.e. T / O requests per second of I prompt and O output tokens.

**Splitting cost between input and output tokens by the chip time each phase takes**: a
share ``f`` of the chips' time goes to prefill (aggregated serving: the analytic cycle's
prefill share B·t_prefill / cycle; disaggregated: the prefill pool's share of the chips),
the rest to decode::

    USD per output token = C · c · (1 - f) / T
    USD per input token  = C · c · f / (T · I / O)
    USD per request      = C · c · O / T  = I · (per input) + O · (per output)

Cost per token is C·c over a throughput, so more throughput never raises it, and a price
that doubles doubles every cost line. The interval of each cost is the throughput
interval turned over (perf.uncertainty ``inverse``): the cheap end is the fast end.

Energy per token is stated on two bases, as two keys: ``output_tokens_per_joule`` per
chip at its IT power *including its share of the host* (econ.tco.it_power_per_chip, the
provisioned peak), and ``output_tokens_per_joule_facility`` at facility power (IT x PUE).
Rental and TCO pricing use the same power figures.

Chips are ranked by USD per request (the whole cost of the workload's request: its input
and its output), shown beside the rank; ``within_error_of_best`` marks chips whose cost
interval overlaps the cheapest chip's. A chip without a sourced price or power is listed
with the reason, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.specs import ModelArch
from siliconomics.econ.assumptions import HOURS_PER_YEAR, Assumptions, default_assumptions
from siliconomics.econ.tco import (
    Tco,
    it_power_per_chip,
    rental_median,
    resolve_chip_system,
    tco,
)
from siliconomics.errors import MissingPower, MissingPrice, SiliconomicsError, SlaUnreachable
from siliconomics.perf.config import PrecisionPolicy
from siliconomics.perf.resolve import is_validated, resolve_hardware
from siliconomics.perf.uncertainty import ErrorModel
from siliconomics.serving.operating import OperatingPoint, Sla, check_context, find
from siliconomics.serving.search import Layout

PER_MILLION = 1e6


@dataclass(frozen=True, slots=True)
class TokenCosts:
    """USD per million input and output tokens and per request (the module docstring's split)."""

    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float
    usd_per_request: float


def token_costs(system_usd_per_s: float, op: OperatingPoint) -> TokenCosts:
    """Split the system's cost per second between prefill and decode (module docstring)."""
    t = op.output_tokens_per_s
    f = op.point.prefill_share
    i, o = op.input_tokens_mean, op.output_tokens_mean
    return TokenCosts(
        system_usd_per_s * f / (t * i / o) * PER_MILLION,
        system_usd_per_s * (1.0 - f) / t * PER_MILLION,
        system_usd_per_s * o / t,
    )


@dataclass(frozen=True, slots=True)
class Power:
    """IT watts per chip (with its host share) and the PUE that makes it facility power."""

    it_w_per_chip: float | None
    basis: str
    pue: float


@dataclass(frozen=True, slots=True)
class PricedPoint:
    """An operating point in money: the one cost record of ``cost``, ``cost --rental``,
    reasoning and the report."""

    op: OperatingPoint
    usd_per_chip_hour: float
    price_basis: str  # "tco" | "rental"
    power: Power
    tco: Tco | None = None
    rental_year: str | None = None
    rental_sources: tuple[str, ...] = ()

    @property
    def system_usd_per_s(self) -> float:
        return self.op.chips * self.usd_per_chip_hour / 3600.0

    @property
    def costs(self) -> TokenCosts:
        return token_costs(self.system_usd_per_s, self.op)

    @property
    def output_tokens_per_joule(self) -> float | None:
        w = self.power.it_w_per_chip
        return self.op.output_tokens_per_s_per_chip / w if w else None

    @property
    def output_tokens_per_joule_facility(self) -> float | None:
        tpj = self.output_tokens_per_joule
        return tpj / self.power.pue if tpj is not None else None

    @property
    def output_tokens_per_capex_usd(self) -> float | None:
        if self.tco is None:
            return None
        life_s = self.tco.assumptions.depreciation_life_years * HOURS_PER_YEAR * 3600.0
        return self.op.output_tokens_per_s_per_chip * life_s / self.tco.capex_usd

    def as_dict(self) -> dict[str, Any]:
        c = self.costs
        iv = self.op.interval
        out: dict[str, Any] = {
            **self.op.as_dict(),
            "price_basis": self.price_basis,
            "usd_per_chip_hour": self.usd_per_chip_hour,
        }
        for key, value in (
            ("usd_per_million_input_tokens", c.usd_per_million_input_tokens),
            ("usd_per_million_output_tokens", c.usd_per_million_output_tokens),
            ("usd_per_request", c.usd_per_request),
        ):
            lo, hi = iv.inverse(value)
            out |= {key: value, f"{key}_low": lo, f"{key}_high": hi}
        tpj = self.output_tokens_per_joule
        out |= {
            "it_power_w_per_chip": self.power.it_w_per_chip,
            "it_power_basis": self.power.basis,
            "pue": self.power.pue,
            "output_tokens_per_joule": tpj,
            "output_tokens_per_joule_low": iv.bounds(tpj)[0] if tpj else None,
            "output_tokens_per_joule_high": iv.bounds(tpj)[1] if tpj else None,
            "output_tokens_per_joule_facility": self.output_tokens_per_joule_facility,
            "output_tokens_per_capex_usd": self.output_tokens_per_capex_usd,
        }
        if self.tco is not None:
            out |= {
                "system": self.tco.system,
                "capex_usd_per_chip": self.tco.capex_usd,
                "chip_price_usd": self.tco.chip_price.value_usd,
                "chip_price_source": self.tco.chip_price.source,
                "market_median_usd_per_hour": self.tco.market.median_recent_usd_per_hour,
            }
        else:
            out |= {"price_year": self.rental_year, "price_sources": list(self.rental_sources)}
        return out


@dataclass(frozen=True, slots=True)
class Skipped:
    """A chip left out of the table, and why (missing price, does not fit, ...)."""

    accelerator: str
    status: str  # "missing_price" | "missing_power" | "cannot_run" | "misses_sla"
    reason: str


@dataclass(frozen=True, slots=True)
class Question:
    """The workload, SLA, precision policy and layout pins a table answers for."""

    input_len: int = 1024
    output_len: int = 1024
    policy: PrecisionPolicy = field(default_factory=PrecisionPolicy)
    sla: Sla = field(default_factory=Sla)
    layout: Layout = field(default_factory=Layout)
    chips: int | None = None

    def __post_init__(self) -> None:
        for name in ("input_len", "output_len"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise SiliconomicsError(f"{name}: must be a positive integer, got {v!r}")
        if self.chips is not None and (
            isinstance(self.chips, bool) or not isinstance(self.chips, int) or self.chips < 1
        ):
            raise SiliconomicsError(f"chips: must be a positive integer, got {self.chips!r}")


def operating(
    catalog: Catalog,
    model: ModelArch,
    hardware: str,
    q: Question,
    errors: ErrorModel | None,
) -> OperatingPoint:
    """The engine's operating point for ``q`` on ``hardware`` (an id or a file)."""
    hw, _ = resolve_hardware(hardware, catalog)
    return find(
        model,
        hw,
        input_len=q.input_len,
        output_len=q.output_len,
        chips=q.chips,
        policy=q.policy,
        sla=q.sla,
        layout=q.layout,
        errors=errors,
        validated=is_validated(hw.chip, catalog),
        hardware_name=hardware,
    ).answer


def power_for(catalog: Catalog, hardware: str, a: Assumptions) -> Power:
    chip, system = resolve_chip_system(catalog, hardware)
    try:
        w, basis = it_power_per_chip(chip, system, a)
    except SiliconomicsError as exc:
        return Power(None, str(exc), a.pue)
    return Power(w, basis, a.pue)


def priced_tco(
    catalog: Catalog,
    op: OperatingPoint,
    hardware: str,
    *,
    assumptions: Assumptions | None = None,
    overrides: Mapping[str, float] | None = None,
    chip_price_usd: float | None = None,
    it_power_w_per_chip: float | None = None,
    tco_result: Tco | None = None,
) -> PricedPoint:
    """``op`` priced at the owner's TCO per chip-hour."""
    t = tco_result or tco(
        catalog,
        hardware,
        assumptions=assumptions,
        overrides=overrides,
        chip_price_usd=chip_price_usd,
        it_power_w_per_chip=it_power_w_per_chip,
    )
    power = Power(t.it_power_w_per_chip, t.it_power_basis, t.assumptions.pue)
    return PricedPoint(op, t.total_usd_per_hour, "tco", power, tco=t)


def priced_rental(
    catalog: Catalog, op: OperatingPoint, hardware: str, assumptions: Assumptions
) -> PricedPoint:
    """``op`` priced at the median on-demand rental rate of the newest year quoted."""
    chip, _ = resolve_chip_system(catalog, hardware)
    price, year, sources = rental_median(catalog, chip.id)
    return PricedPoint(
        op,
        price,
        "rental",
        power_for(catalog, hardware, assumptions),
        rental_year=year,
        rental_sources=sources,
    )


@dataclass(frozen=True, slots=True)
class CostTable:
    rows: tuple[PricedPoint, ...]  # ranked, cheapest request first
    unpriced: tuple[tuple[OperatingPoint, Power, Skipped], ...]  # run, but no price/power
    skipped: tuple[Skipped, ...]  # cannot run / miss the SLA

    def as_dict(self) -> dict[str, Any]:
        rows = [r.as_dict() for r in self.rows]
        if rows:
            best_lo, best_hi = rows[0]["usd_per_request_low"], rows[0]["usd_per_request_high"]
            for i, d in enumerate(rows):
                d["rank"] = i + 1
                d["rank_metric"] = "usd_per_request"
                d["within_error_of_best"] = (
                    d["usd_per_request_low"] <= best_hi and best_lo <= d["usd_per_request_high"]
                )
        unpriced = []
        for op, power, sk in self.unpriced:
            w = power.it_w_per_chip
            tpj = op.output_tokens_per_s_per_chip / w if w else None
            unpriced.append(
                {
                    **op.as_dict(),
                    "cost_status": sk.status,
                    "reason": sk.reason,
                    "it_power_w_per_chip": power.it_w_per_chip,
                    "it_power_basis": power.basis,
                    "output_tokens_per_joule": tpj,
                    "output_tokens_per_joule_facility": tpj / power.pue if tpj else None,
                }
            )
        return {
            "rows": [{"rank": d.pop("rank"), **d} for d in rows],
            "unpriced": unpriced,
            "skipped": [
                {"accelerator": s.accelerator, "status": s.status, "reason": s.reason}
                for s in (*self.skipped, *(sk for _, _, sk in self.unpriced))
            ],
        }


def cost_table(
    catalog: Catalog,
    model: ModelArch,
    q: Question,
    *,
    hardware: Iterable[str] | None = None,
    errors: ErrorModel | None = None,
    basis: str = "tco",
    assumptions: Assumptions | None = None,
    overrides: Mapping[str, float] | None = None,
) -> CostTable:
    """Every chip (or those given) side by side, GPUs and ASICs, ranked by USD per request.

    Chips are taken in sorted id order so the ranking never depends on catalog order;
    ties break on the id. ``basis`` "tco" prices chip-hours at the owner's TCO, "rental"
    at the median on-demand rental quote of the newest year.
    """
    if basis not in ("tco", "rental"):
        raise SiliconomicsError(f"basis: unknown value {basis!r}; allowed: rental, tco")
    a = (assumptions or default_assumptions()).with_overrides(overrides)
    ids = sorted(hardware) if hardware else sorted(catalog.accelerators)
    check_context(model, q.input_len, q.output_len)  # the question's own error, raised once
    rows: list[PricedPoint] = []
    unpriced: list[tuple[OperatingPoint, Power, Skipped]] = []
    skipped: list[Skipped] = []
    for hid in ids:
        try:
            op = operating(catalog, model, hid, q, errors)
        except SiliconomicsError as exc:
            status = "misses_sla" if isinstance(exc, SlaUnreachable) else "cannot_run"
            skipped.append(Skipped(hid, status, str(exc)))
            continue
        try:
            rows.append(
                priced_tco(catalog, op, hid, assumptions=a)
                if basis == "tco"
                else priced_rental(catalog, op, hid, a)
            )
        except (MissingPrice, MissingPower) as exc:
            status = "missing_price" if isinstance(exc, MissingPrice) else "missing_power"
            unpriced.append((op, power_for(catalog, hid, a), Skipped(hid, status, str(exc))))
    rows.sort(key=lambda r: (r.costs.usd_per_request, r.op.accelerator))
    return CostTable(tuple(rows), tuple(unpriced), tuple(skipped))
