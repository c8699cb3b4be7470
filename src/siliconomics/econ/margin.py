"""Inference gross margin: a provider's API list price against our cost of serving it.

For a request of I prompt and O output tokens the provider earns, at its list prices per
million tokens (``api_prices.yaml``)::

    revenue = (I · price_in + O · price_out) / 1e6            USD per request

and spends ``cost`` = USD per request at the engine's operating point for the model on the
provider's chip (econ.cost: chips x USD per chip-second x O / output tokens/s), priced at the
owner's TCO (default) or at the on-demand rental median (a provider that rents). The gross
margin is ``1 - cost / revenue``; its interval is the cost interval turned over (the high
margin comes from the cheap, fast end of the throughput interval)::

    margin_low = 1 - cost_high / revenue,   margin_high = 1 - cost_low / revenue

**Reasoning.** A reasoning model writes H hidden tokens before the O visible ones, and a
price per visible token bills only O (and the prompt). The same request then costs the
operating point of an O + H output length, whose KV cache is longer and batch smaller
(econ.reasoning), against the same revenue::

    margin_reasoning = 1 - cost(I, O + H) / revenue(I, O)

Where H is billed as output (as most APIs bill reasoning tokens), pass the price per
visible token only for the answer you want to study; this module prices the unbilled case.

**Which chip.** ``data/econ/inference_providers.yaml`` names the chip a provider serves on
where a source says so (Groq: its LPU; Cerebras: its WSE-3); every other provider is costed
on the hardware given (default H100 SXM) and says "assumed". A provider's published speed is
not sourced here, so the operating point is the engine's cheapest one under the SLA given
(none by default: offline, maximum throughput, the most favourable margin); pass a TPOT
limit for an interactive service. Rows that cannot be costed (the model does not run on the
chip, no price or power) are listed with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from siliconomics.catalog.api_prices import ApiPrice, load_api_prices
from siliconomics.catalog.files import read_yaml
from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.roots import data_dirs
from siliconomics.catalog.specs import ModelArch
from siliconomics.econ.assumptions import default_assumptions
from siliconomics.econ.cost import PricedPoint, Question, operating, priced_rental, priced_tco
from siliconomics.errors import MissingPower, MissingPrice, SiliconomicsError, SlaUnreachable
from siliconomics.perf.uncertainty import ErrorModel

PER_MILLION = 1e6
PROVIDERS_FILE = Path("econ") / "inference_providers.yaml"


class _ProviderEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    hardware: str = Field(min_length=1)
    source: str = Field(min_length=1)
    note: str | None = None


class _ProvidersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    providers: dict[str, _ProviderEntry]


@dataclass(frozen=True, slots=True)
class ProviderChip:
    provider: str
    hardware: str
    source: str
    note: str = ""


def provider_chips(catalog: Catalog) -> dict[str, ProviderChip]:
    """Provider -> the chip it serves on (built-in file, then an overlay's, which wins)."""
    out: dict[str, ProviderChip] = {}
    for folder in data_dirs(catalog):
        path = folder / PROVIDERS_FILE
        if not path.is_file():
            continue
        data = read_yaml(path)
        try:
            f = _ProvidersFile.model_validate(data)
        except ValidationError as exc:
            first = str(exc).splitlines()
            raise SiliconomicsError(f"{path}: {first[1] if len(first) > 1 else first[0]}") from None
        for name, e in f.providers.items():
            if e.hardware not in catalog.accelerators and e.hardware not in catalog.systems:
                raise SiliconomicsError(
                    f"{path}: field 'providers.{name}.hardware': {e.hardware!r} is not a "
                    "catalog accelerator or system id"
                )
            if e.source not in catalog.sources:
                raise SiliconomicsError(
                    f"{path}: field 'providers.{name}.source': source id {e.source!r} is not "
                    "in sources.yaml"
                )
            out[name] = ProviderChip(name, e.hardware, e.source, e.note or "")
    return out


@dataclass(frozen=True, slots=True)
class MarginRow:
    """One provider's list price for the model against our cost of serving it."""

    price: ApiPrice
    hardware: str
    hardware_basis: str
    input_len: int
    output_len: int
    hidden_tokens: int
    direct: PricedPoint | None
    reasoning: PricedPoint | None
    status: str  # "ok" | "cannot_run" | "misses_sla" | "missing_price" | "missing_power"
    reason: str = ""

    @property
    def revenue_usd_per_request(self) -> float:
        p = self.price
        return (
            self.input_len * p.usd_per_million_input_tokens
            + self.output_len * p.usd_per_million_output_tokens
        ) / PER_MILLION

    def _margin(self, pp: PricedPoint | None, prefix: str) -> dict[str, float | None]:
        rev = self.revenue_usd_per_request
        keys = (f"{prefix}usd_per_request", f"{prefix}gross_margin")
        if pp is None or rev <= 0:
            out: dict[str, float | None] = {}
            for k in keys:
                out |= {k: None, f"{k}_low": None, f"{k}_high": None}
            if pp is not None:
                c = pp.costs.usd_per_request
                lo, hi = pp.op.interval.inverse(c)
                out |= {keys[0]: c, f"{keys[0]}_low": lo, f"{keys[0]}_high": hi}
            return out
        c = pp.costs.usd_per_request
        lo, hi = pp.op.interval.inverse(c)
        return {
            keys[0]: c,
            f"{keys[0]}_low": lo,
            f"{keys[0]}_high": hi,
            keys[1]: 1.0 - c / rev,
            f"{keys[1]}_low": 1.0 - hi / rev,
            f"{keys[1]}_high": 1.0 - lo / rev,
        }

    def as_dict(self) -> dict[str, Any]:
        p = self.price
        d = self.direct
        out: dict[str, Any] = {
            "model": p.model,
            "provider": p.provider,
            "price_date": p.date,
            "price_sources": sorted({p.input_source, p.output_source}),
            "list_usd_per_million_input_tokens": p.usd_per_million_input_tokens,
            "list_usd_per_million_output_tokens": p.usd_per_million_output_tokens,
            "hardware": self.hardware,
            "hardware_basis": self.hardware_basis,
            "status": self.status,
            "reason": self.reason,
            "input_len": self.input_len,
            "output_len": self.output_len,
            "revenue_usd_per_request": self.revenue_usd_per_request,
            **self._margin(d, ""),
        }
        if d is not None:
            out |= {
                "accelerator": d.op.accelerator,
                "chips": d.op.chips,
                "validated": d.op.validated,
                "price_basis": d.price_basis,
                "usd_per_chip_hour": d.usd_per_chip_hour,
                "output_tokens_per_s_per_chip": d.op.output_tokens_per_s_per_chip,
                "weights": d.op.as_dict().get("weights"),
                "kv": d.op.as_dict().get("kv"),
            }
            c = d.costs
            lo_o, hi_o = d.op.interval.inverse(c.usd_per_million_output_tokens)
            out |= {
                "cost_usd_per_million_input_tokens": c.usd_per_million_input_tokens,
                "cost_usd_per_million_output_tokens": c.usd_per_million_output_tokens,
                "cost_usd_per_million_output_tokens_low": lo_o,
                "cost_usd_per_million_output_tokens_high": hi_o,
            }
        if self.hidden_tokens:
            out["hidden_tokens"] = self.hidden_tokens
            out |= self._margin(self.reasoning, "reasoning_")
        return out


@dataclass(frozen=True, slots=True)
class MarginTable:
    model: str
    rows: tuple[MarginRow, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "rows": [r.as_dict() for r in self.rows]}


def _status(exc: SiliconomicsError) -> str:
    if isinstance(exc, SlaUnreachable):
        return "misses_sla"
    if isinstance(exc, MissingPrice):
        return "missing_price"
    if isinstance(exc, MissingPower):
        return "missing_power"
    return "cannot_run"


def margins(
    catalog: Catalog,
    model: ModelArch,
    q: Question,
    *,
    provider: str | None = None,
    hardware: str = "nvidia-h100-sxm",
    hidden_tokens: int = 0,
    basis: str = "tco",
    errors: ErrorModel | None = None,
) -> MarginTable:
    """Gross margin of every listed provider of ``model`` (or ``provider``), newest price
    per provider, at the engine's operating point on the provider's chip."""
    if basis not in ("tco", "rental"):
        raise SiliconomicsError(f"basis: unknown value {basis!r}; allowed: rental, tco")
    if isinstance(hidden_tokens, bool) or not isinstance(hidden_tokens, int) or hidden_tokens < 0:
        raise SiliconomicsError(f"hidden_tokens: must be an integer >= 0, got {hidden_tokens!r}")
    if hardware not in catalog.accelerators and hardware not in catalog.systems:
        raise SiliconomicsError(
            f"hardware: unknown value {hardware!r}; see `siliconomics catalog list`"
        )
    prices = [p for p in load_api_prices(catalog) if p.model == model.id]
    if not prices:
        raise SiliconomicsError(
            f"model: {model.id} has no API list price in api_prices.yaml; models with prices: "
            + ", ".join(sorted({p.model for p in load_api_prices(catalog)}))
        )
    names = sorted({p.provider for p in prices})
    if provider is not None:
        match = [n for n in names if n.lower() == provider.lower()]
        if not match:
            raise SiliconomicsError(
                f"provider: unknown value {provider!r} for {model.id}; allowed: " + ", ".join(names)
            )
        names = match
    latest = {
        n: max((p for p in prices if p.provider == n), key=lambda p: p.date.ljust(10, "~"))
        for n in names
    }
    chips = provider_chips(catalog)
    a = default_assumptions()
    cache: dict[tuple[str, int], PricedPoint | SiliconomicsError] = {}

    def priced(hw: str, output_len: int) -> PricedPoint | SiliconomicsError:
        key = (hw, output_len)
        if key not in cache:
            try:
                qq = Question(q.input_len, output_len, q.policy, q.sla, q.layout, q.chips)
                op = operating(catalog, model, hw, qq, errors)
                cache[key] = (
                    priced_tco(catalog, op, hw, assumptions=a)
                    if basis == "tco"
                    else priced_rental(catalog, op, hw, a)
                )
            except SiliconomicsError as exc:
                cache[key] = exc
        return cache[key]

    rows: list[MarginRow] = []
    for n in names:
        pc = chips.get(n)
        hw = pc.hardware if pc else hardware
        hw_basis = f"provider's chip ({pc.source})" if pc else "assumed (--hardware)"
        direct = priced(hw, q.output_len)
        reasoning = priced(hw, q.output_len + hidden_tokens) if hidden_tokens else None
        if isinstance(direct, SiliconomicsError):
            rows.append(
                MarginRow(
                    latest[n],
                    hw,
                    hw_basis,
                    q.input_len,
                    q.output_len,
                    hidden_tokens,
                    None,
                    None,
                    _status(direct),
                    str(direct),
                )
            )
            continue
        r_pp = reasoning if isinstance(reasoning, PricedPoint) else None
        reason = str(reasoning) if isinstance(reasoning, SiliconomicsError) else ""
        rows.append(
            MarginRow(
                latest[n],
                hw,
                hw_basis,
                q.input_len,
                q.output_len,
                hidden_tokens,
                direct,
                r_pp,
                "ok",
                reason,
            )
        )
    return MarginTable(model.id, tuple(rows))
