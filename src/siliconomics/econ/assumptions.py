"""The named, sourced, dated and overridable inputs of the economics layer.

``data/econ/defaults.yaml`` holds every default: scalar TCO inputs (depreciation life, cost
of capital, electricity price, PUE, facility capex per watt, ...), the scale-out network
bill of materials per chip by topology, and which purchase price is each chip's default
capex. The file is validated by a strict pydantic schema (extra fields forbidden) and
turned into frozen value objects; a user's overrides are validated by the same bounds and
an unknown or out-of-range override is one :class:`SiliconomicsError` naming the field.

Nothing here reads the environment; :func:`default_assumptions` reads the packaged file
once per process, :func:`load_assumptions` reads any file with the same layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from siliconomics.catalog.files import read_yaml
from siliconomics.errors import SiliconomicsError, unknown

HOURS_PER_YEAR = 8760.0

# --------------------------------------------------------------------------- schema

_DATE_CHARS = set("0123456789-")


def _check_date(value: str) -> str:
    parts = value.split("-")
    ok = (
        set(value) <= _DATE_CHARS
        and len(parts) <= 3
        and len(parts[0]) == 4
        and all(len(p) == 2 for p in parts[1:])
    )
    if not ok:
        raise ValueError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    return value


Date = Annotated[str, AfterValidator(_check_date)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class InputEntry(_Strict):
    value: float
    source: str
    date: Date
    note: str


#: Plausibility bounds of every scalar input: (low, high, low inclusive).
BOUNDS: Mapping[str, tuple[float, float, bool]] = MappingProxyType(
    {
        "depreciation_life_years": (0.0, 30.0, False),
        "cost_of_capital_per_year": (0.0, 1.0, True),
        "electricity_usd_per_kwh": (0.0, 5.0, True),
        "pue": (1.0, 3.0, True),
        "facility_capex_usd_per_w": (0.0, 200.0, True),
        "facility_life_years": (0.0, 60.0, False),
        "server_overhead_fraction": (0.0, 5.0, True),
        "maintenance_fraction_per_year": (0.0, 1.0, True),
        "utilisation": (0.0, 1.0, False),
        "host_power_overhead_fraction": (0.0, 5.0, True),
        "optical_module_usd": (0.0, 1e5, True),
        "switch_port_usd": (0.0, 1e6, True),
        "nic_usd": (0.0, 1e5, True),
    }
)

#: Units of the scalar inputs, for display and JSON.
UNITS: Mapping[str, str] = MappingProxyType(
    {
        "depreciation_life_years": "years",
        "cost_of_capital_per_year": "fraction per year",
        "electricity_usd_per_kwh": "USD/kWh",
        "pue": "ratio",
        "facility_capex_usd_per_w": "USD per W of IT power",
        "facility_life_years": "years",
        "server_overhead_fraction": "fraction of chip price",
        "maintenance_fraction_per_year": "fraction of IT capex per year",
        "utilisation": "fraction of provisioned IT power",
        "host_power_overhead_fraction": "fraction of chip TDP",
        "optical_module_usd": "USD per module",
        "switch_port_usd": "USD per 800G port",
        "nic_usd": "USD per NIC",
    }
)


class InputsBlock(_Strict):
    depreciation_life_years: InputEntry
    cost_of_capital_per_year: InputEntry
    electricity_usd_per_kwh: InputEntry
    pue: InputEntry
    facility_capex_usd_per_w: InputEntry
    facility_life_years: InputEntry
    server_overhead_fraction: InputEntry
    maintenance_fraction_per_year: InputEntry
    utilisation: InputEntry
    host_power_overhead_fraction: InputEntry
    optical_module_usd: InputEntry
    switch_port_usd: InputEntry
    nic_usd: InputEntry


class NetworkEntry(_Strict):
    optical_modules_per_chip: InputEntry
    switch_ports_per_chip: InputEntry
    nics_per_chip: InputEntry


class ChipPriceEntry(_Strict):
    source: str
    date: Date
    basis: Literal["chip", "server"]
    value: float | None = None
    note: str = ""


class DefaultsFile(_Strict):
    as_of: Date
    inputs: InputsBlock
    network: dict[str, NetworkEntry]
    chip_prices: dict[str, ChipPriceEntry]


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class InputSource:
    """Where one input's value came from (``source == "user"`` for an override)."""

    source: str
    date: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class NetworkProfile:
    """Scale-out network bill of materials per accelerator for one topology."""

    topology: str
    optical_modules_per_chip: float
    switch_ports_per_chip: float
    nics_per_chip: float
    provenance: Mapping[str, InputSource] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChipPriceChoice:
    """The default purchase price of one chip: a catalog point or a value given here."""

    accelerator: str
    source: str
    date: str
    basis: str  # "chip" | "server"
    value_usd: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Every economics input with its provenance; ``dataclasses.replace`` for what-ifs.

    Use :meth:`with_overrides` for user input: it validates names and bounds and records
    the override in ``provenance``.
    """

    as_of: str
    depreciation_life_years: float
    cost_of_capital_per_year: float
    electricity_usd_per_kwh: float
    pue: float
    facility_capex_usd_per_w: float
    facility_life_years: float
    server_overhead_fraction: float
    maintenance_fraction_per_year: float
    utilisation: float
    host_power_overhead_fraction: float
    optical_module_usd: float
    switch_port_usd: float
    nic_usd: float
    network: Mapping[str, NetworkProfile]
    chip_prices: Mapping[str, ChipPriceChoice]
    provenance: Mapping[str, InputSource]

    def __post_init__(self) -> None:
        object.__setattr__(self, "network", MappingProxyType(dict(self.network)))
        object.__setattr__(self, "chip_prices", MappingProxyType(dict(self.chip_prices)))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Assumptions:
        """A copy with ``overrides`` (input name -> number) applied, after validation."""
        if not overrides:
            return self
        changes: dict[str, float] = {}
        prov = dict(self.provenance)
        for name, raw in overrides.items():
            if name not in BOUNDS:
                raise unknown("override", name, BOUNDS)
            value = check_value(f"override {name}", name, raw)
            changes[name] = value
            prov[name] = InputSource("user", "", f"user override (default {getattr(self, name)})")
        return replace(self, provenance=prov, **changes)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """Every scalar input as ``{value, unit, source, date, note}`` (JSON-ready)."""
        return {
            name: {
                "value": getattr(self, name),
                "unit": UNITS[name],
                "source": self.provenance[name].source,
                "date": self.provenance[name].date,
                "note": self.provenance[name].note,
            }
            for name in BOUNDS
        }


def check_value(label: str, name: str, raw: Any) -> float:
    """``raw`` as a float within the bounds of input ``name``, else one clear error."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise SiliconomicsError(f"{label}: must be a number, got {raw!r}")
    try:
        value = float(raw)
    except ValueError:
        raise SiliconomicsError(f"{label}: must be a number, got {raw!r}") from None
    lo, hi, lo_inclusive = BOUNDS[name]
    low_ok = value >= lo if lo_inclusive else value > lo
    if not (low_ok and value <= hi) or value != value:
        bracket = "[" if lo_inclusive else "("
        raise SiliconomicsError(
            f"{label}: {value} is outside the allowed range {bracket}{lo}, {hi}] ({UNITS[name]})"
        )
    return value


def parse_overrides(items: list[str] | None) -> dict[str, float]:
    """``["pue=1.2", "electricity_usd_per_kwh=0.05"]`` (the CLI's ``--set``) as a dict."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep:
            raise SiliconomicsError(f"override: expected NAME=VALUE, got {item!r}")
        if name not in BOUNDS:
            raise unknown("override", name, BOUNDS)
        out[name] = check_value(f"override {name}", name, raw.strip())
    return out


# --------------------------------------------------------------------------- loading


def _prov(e: InputEntry) -> InputSource:
    return InputSource(e.source, e.date, " ".join(e.note.split()))


def _build(f: DefaultsFile, path: Path) -> Assumptions:
    values: dict[str, float] = {}
    prov: dict[str, InputSource] = {}
    for name in BOUNDS:
        entry: InputEntry = getattr(f.inputs, name)
        values[name] = check_value(f"{path}: inputs.{name}", name, entry.value)
        prov[name] = _prov(entry)
    network = {}
    for topo, n in f.network.items():
        for fld in ("optical_modules_per_chip", "switch_ports_per_chip", "nics_per_chip"):
            v = getattr(n, fld).value
            if not 0 <= v <= 100:
                raise SiliconomicsError(
                    f"{path}: field 'network.{topo}.{fld}': {v} is outside [0, 100]"
                )
        network[topo] = NetworkProfile(
            topology=topo,
            optical_modules_per_chip=n.optical_modules_per_chip.value,
            switch_ports_per_chip=n.switch_ports_per_chip.value,
            nics_per_chip=n.nics_per_chip.value,
            provenance={
                "optical_modules_per_chip": _prov(n.optical_modules_per_chip),
                "switch_ports_per_chip": _prov(n.switch_ports_per_chip),
                "nics_per_chip": _prov(n.nics_per_chip),
            },
        )
    prices = {}
    for acc, p in f.chip_prices.items():
        if p.value is not None and not p.value > 0:
            raise SiliconomicsError(f"{path}: field 'chip_prices.{acc}.value': must be > 0")
        prices[acc] = ChipPriceChoice(
            acc, p.source, p.date, p.basis, p.value, " ".join(p.note.split())
        )
    return Assumptions(
        as_of=f.as_of,
        network=network,
        chip_prices=prices,
        provenance=prov,
        **values,
    )


def load_assumptions(path: Path) -> Assumptions:
    """Read and validate a defaults file; the first problem is one error naming the field."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise SiliconomicsError(f"{path}: expected a mapping at the top level")
    try:
        f = DefaultsFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        raise SiliconomicsError(f"{path}: field '{loc}': {msg}") from None
    return _build(f, path)


def defaults_path() -> Path:
    return Path(str(files("siliconomics") / "data" / "econ" / "defaults.yaml"))


@cache
def default_assumptions() -> Assumptions:
    """The packaged defaults, loaded once per process."""
    return load_assumptions(defaults_path())


def source_ids(a: Assumptions) -> set[str]:
    """Every source id the assumptions cite (for the 'every default has a source' check)."""
    ids = {p.source for p in a.provenance.values()}
    for n in a.network.values():
        ids |= {p.source for p in n.provenance.values()}
    ids |= {c.source for c in a.chip_prices.values()}
    return ids - {"user"}
