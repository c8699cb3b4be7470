"""What a site delivers: tokens per year at the engine's operating point, and the
power-limited comparison of systems on one fixed site.

**Tokens per year.** The operating-point engine (econ.cost.operating -> serving.operating)
gives the best confirmed deployment of ``op.chips`` chips for the model, workload, SLA and
precision policy, and its output tokens/s with the validation interval. A site of C chips
runs ``floor(C / op.chips)`` such replicas; its output tokens per year are
``replicas x tokens/s x 8760 h x 3600 s`` (every replica at its operating point all year:
the capacity, not a utilisation forecast), and its interval is the operating point's,
scaled (perf.uncertainty.Interval.bounds).

**USD per million output tokens at the site level** = the site's annual cost (capex levelled
over its life at the cost of capital, plus electricity and maintenance; plan.datacenter)
/ output tokens per year x 1e6. The whole site cost is put on output tokens (no input/output
split), so it is higher than ``siliconomics cost``'s per-output-token line for the same
point; its interval is the throughput interval turned over (``Interval.inverse``).
**Tokens per MW-year** = tokens per year / facility MW.

**Power-limited comparison.** Each system is planned on the same power budget
(plan.datacenter.plan with ``power_w``): chips, capex, network share, tokens and $/Mtok side
by side. Systems without a rack definition, a sourced power or a price are listed with the
reason, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.specs import ModelArch
from siliconomics.econ.assumptions import HOURS_PER_YEAR, Assumptions
from siliconomics.econ.cost import Question, operating
from siliconomics.errors import SiliconomicsError
from siliconomics.perf.uncertainty import ErrorModel
from siliconomics.plan.datacenter import SiteOptions, SitePlan, plan
from siliconomics.serving.operating import OperatingPoint

SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600.0
PER_MILLION = 1e6


@dataclass(frozen=True, slots=True)
class SiteTokens:
    op: OperatingPoint
    replicas: int
    plan: SitePlan

    @property
    def output_tokens_per_year(self) -> float:
        return self.replicas * self.op.output_tokens_per_s * SECONDS_PER_YEAR

    def as_dict(self) -> dict[str, Any]:
        tok = self.output_tokens_per_year
        lo, hi = self.op.interval.bounds(tok)
        mw = self.plan.facility_power_w / 1e6
        out: dict[str, Any] = {
            "model": self.op.model,
            "operating_point": self.op.as_dict(),
            "replica_chips": self.op.chips,
            "replicas": self.replicas,
            "chips_serving": self.replicas * self.op.chips,
            "output_tokens_per_year": tok,
            "output_tokens_per_year_low": lo,
            "output_tokens_per_year_high": hi,
            "input_tokens_per_year": tok * self.op.input_tokens_mean / self.op.output_tokens_mean,
            "output_tokens_per_mw_year": tok / mw,
            "output_tokens_per_mw_year_low": lo / mw,
            "output_tokens_per_mw_year_high": hi / mw,
            "usd_per_million_output_tokens": None,
            "usd_per_million_output_tokens_low": None,
            "usd_per_million_output_tokens_high": None,
            "validated": self.op.validated,
        }
        annual = self.plan.annual_cost_usd_per_year
        if annual is not None:
            usd = annual / tok * PER_MILLION
            u_lo, u_hi = self.op.interval.inverse(usd)
            out |= {
                "usd_per_million_output_tokens": usd,
                "usd_per_million_output_tokens_low": u_lo,
                "usd_per_million_output_tokens_high": u_hi,
            }
        return out


def site_tokens(
    catalog: Catalog,
    site: SitePlan,
    model: ModelArch,
    q: Question,
    errors: ErrorModel | None,
) -> SiteTokens:
    """The site's serving capacity for ``model`` at the engine's operating point."""
    op = operating(catalog, model, site.layout.system.id, q, errors)
    replicas = site.chips // op.chips
    if replicas < 1:
        raise SiliconomicsError(
            f"chips: the site's {site.chips} chips are fewer than one {model.id} replica "
            f"({op.chips} chips at the operating point)"
        )
    return SiteTokens(op, replicas, site)


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    site: SitePlan
    tokens: SiteTokens | None
    tokens_error: str | None

    def as_dict(self) -> dict[str, Any]:
        s = self.site
        d = s.as_dict()
        row: dict[str, Any] = {
            "system": d["system"],
            "accelerator": d["accelerator"],
            "chips": d["chips"],
            "racks": d["racks"],
            "it_power_w": d["it_power_w"],
            "facility_power_w": d["facility_power_w"],
            "switches_total": d["switches_total"],
            "transceivers_total": d["transceivers_total"],
            "capex_usd": d["capex_usd"]["total"],
            "capex_by_line_usd": {k: v for k, v in d["capex_usd"].items() if k != "total"},
            "network_capex_usd": s.network_capex_usd,
            "network_share_of_capex": d["network_share_of_capex"],
            "annual_cost_usd_per_year": d["annual_cost_usd_per_year"],
            "not_costed": d["not_costed"],
        }
        if self.tokens is not None:
            t = self.tokens.as_dict()
            for k in (
                "output_tokens_per_year",
                "output_tokens_per_year_low",
                "output_tokens_per_year_high",
                "output_tokens_per_mw_year",
                "usd_per_million_output_tokens",
                "usd_per_million_output_tokens_low",
                "usd_per_million_output_tokens_high",
                "validated",
            ):
                row[k] = t[k]
            row["replica_chips"] = t["replica_chips"]
            row["interval"] = self.tokens.op.interval.as_dict()
        if self.tokens_error is not None:
            row["tokens_error"] = self.tokens_error
        return row


@dataclass(frozen=True, slots=True)
class Comparison:
    power_w: float
    facility: bool
    rows: tuple[ComparisonRow, ...]
    skipped: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "power_w": self.power_w,
            "power_basis": "facility" if self.facility else "critical IT",
            "rows": [r.as_dict() for r in self.rows],
            "skipped": [{"system": s, "reason": why} for s, why in self.skipped],
        }


def power_limited(
    catalog: Catalog,
    assumptions: Assumptions,
    power_w: float,
    *,
    facility: bool = True,
    systems: Iterable[str] | None = None,
    model: ModelArch | None = None,
    q: Question | None = None,
    errors: ErrorModel | None = None,
    opts: SiteOptions | None = None,
) -> Comparison:
    """Every system (or those given) planned on the same power budget, side by side.

    Rows are in the order of output tokens per year (most first) when a model is given,
    else of chips; systems that cannot be planned are in ``skipped`` with the reason.
    """
    ids = sorted(systems) if systems is not None else sorted(catalog.systems)
    rows: list[ComparisonRow] = []
    skipped: list[tuple[str, str]] = []
    for sid in ids:
        try:
            site = plan(catalog, sid, assumptions, power_w=power_w, facility=facility, opts=opts)
        except SiliconomicsError as exc:
            skipped.append((sid, str(exc)))
            continue
        tokens = None
        error = None
        if model is not None:
            try:
                tokens = site_tokens(catalog, site, model, q or Question(), errors)
            except SiliconomicsError as exc:
                error = str(exc)
        rows.append(ComparisonRow(site, tokens, error))
    rows.sort(
        key=lambda r: (
            -(r.tokens.output_tokens_per_year if r.tokens else 0.0),
            -r.site.chips,
            r.site.layout.system.id,
        )
    )
    return Comparison(power_w, facility, tuple(rows), tuple(skipped))
