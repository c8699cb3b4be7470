"""The dashboard's inputs: one query-string key per input, read into the api's plain values.

A view's whole state is its query string (``/view/cost?model=llama-3.1-70b&chips=8``): a URL
reopens the same view, and nothing else is kept between requests. This module only turns
strings into the types the api takes (an integer, a finite float, one of a closed set, catalog
ids); every range and meaning check is the api's own, so a bad value shows the same one line
as the command line. Model and hardware are catalog ids only, never file paths: the browser
cannot make the server read a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from siliconomics import api
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError, unknown

Kind = Literal["int", "float", "choice", "id", "ids", "override"]


@dataclass(frozen=True, slots=True)
class Field:
    """One input: its query key, label (with unit), kind, and default (None: the api's)."""

    name: str
    label: str
    kind: Kind
    default: Any = None
    choices: tuple[str, ...] = ()
    #: For ``id``/``ids``: the catalog kind its values come from.
    catalog_kind: Literal["model", "hardware", "system", ""] = ""


_OVERRIDE_LABELS = {
    "electricity_usd_per_kwh": "electricity (USD/kWh)",
    "cost_of_capital_per_year": "cost of capital (per year)",
    "depreciation_life_years": "depreciation life (years)",
    "pue": "PUE (ratio)",
    "utilisation": "utilisation (fraction)",
}

FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("model", "model", "id", "llama-3.1-70b", catalog_kind="model"),
        Field("hw", "chips to compare", "ids", catalog_kind="hardware"),
        Field("chips", "chips per deployment", "int", 8),
        Field("input_len", "prompt (tokens)", "int", 1024),
        Field("output_len", "answer (tokens)", "int", 1024),
        Field("precision", "precision policy", "choice", None, ("production", "fp4", "native")),
        Field("weights", "weights format", "choice", None, ("bf16", "fp8", "fp4", "int4")),
        Field("kv", "KV-cache format", "choice", None, ("bf16", "fp8")),
        Field("ttft_p99", "p99 TTFT limit (s)", "float"),
        Field("tpot_p99", "p99 TPOT limit (s)", "float"),
        Field("basis", "price chip-hours at", "choice", "tco", ("tco", "rental")),
        Field("chip_price_usd", "chip price (USD, one chip)", "float"),
        Field("hidden_tokens", "hidden reasoning (tokens)", "int", 4000),
        Field("visible_tokens", "visible answer (tokens)", "int", 500),
        Field("samples", "samples per query", "int", 1),
        Field("small_model", "smaller model to compare", "id", catalog_kind="model"),
        Field("train_chips", "chips in the cluster", "int", 1024),
        Field("seq_len", "sequence length (tokens)", "int", 8192),
        Field("global_batch_tokens", "global batch (tokens)", "float", 16e6),
        Field("train_tokens", "training tokens", "float", 15e12),
        Field("train_precision", "training precision", "choice", "bf16", ("bf16", "fp8")),
        Field("power_mw", "site power (MW, facility)", "float", 100.0),
        Field("systems", "systems", "ids", catalog_kind="system"),
        Field("fleet_chips", "chips bought", "int", 1024),
        Field("years", "holding period (years)", "float"),
        Field("debt_share", "debt share (fraction)", "float", 0.0),
        Field("rent_usd_per_hour", "flat rent (USD/chip-hour)", "float"),
        Field("scenario", "market scenario", "choice", "base", ("base", "asic-50-50")),
        Field("through", "forecast through (year)", "int", 2028),
        Field("draws", "Monte Carlo draws", "int", 1000),
        *(Field(name, label, "override") for name, label in _OVERRIDE_LABELS.items()),
    )
}

#: The economic inputs every priced view takes, as ``--set NAME=VALUE`` does on the CLI.
OVERRIDES = tuple(_OVERRIDE_LABELS)
#: The workload and precision inputs every operating-point view takes.
WORKLOAD = ("model", "chips", "input_len", "output_len", "precision", "weights", "kv")
SLA = ("ttft_p99", "tpot_p99")


@dataclass(frozen=True, slots=True)
class Choices:
    """The ids a browser may name, from the catalog the server was started with."""

    models: tuple[str, ...]
    hardware: tuple[str, ...]
    systems: tuple[str, ...]

    @classmethod
    def of(cls, catalog: Catalog) -> Choices:
        def ids(kind: str) -> tuple[str, ...]:
            return tuple(r["id"] for r in api.catalog_list(kind, catalog))

        return cls(ids("model"), ids("accelerator") + ids("system"), ids("system"))

    def allowed(self, f: Field) -> tuple[str, ...]:
        if f.catalog_kind == "model":
            return self.models
        return self.systems if f.catalog_kind == "system" else self.hardware


def _one(f: Field, values: Sequence[str]) -> str | None:
    given = [v.strip() for v in values if v.strip()]
    if len(given) > 1:
        raise SiliconomicsError(f"{f.name}: give one value, got {len(given)}")
    return given[0] if given else None


def _convert(f: Field, raw: str, choices: Choices) -> Any:
    if f.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise SiliconomicsError(f"{f.name}: must be an integer, got {raw!r}") from None
    if f.kind == "float":
        try:
            value = float(raw)
        except ValueError:
            raise SiliconomicsError(f"{f.name}: must be a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise SiliconomicsError(f"{f.name}: must be a finite number, got {raw}")
        return value
    if f.kind == "choice" and raw not in f.choices:
        raise unknown(f.name, raw, f.choices)
    if f.kind in ("id", "ids") and raw not in choices.allowed(f):
        raise unknown(f.name, raw, choices.allowed(f))
    return raw


def parse(
    query: Mapping[str, Sequence[str]],
    names: Sequence[str],
    choices: Choices,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of inputs ``names`` from a query string (``{key: [values]}``), defaults
    for those not given, and ``overrides`` (checked by the api) for the economic ones.
    A key that is no input of any view is an error; inputs of other views are ignored
    (the page carries them so that switching views keeps them)."""
    for key in query:
        if key not in FIELDS:
            raise unknown("parameter", key, FIELDS)
    values: dict[str, Any] = {}
    given_overrides: dict[str, str] = {}
    for name in names:
        f = FIELDS[name]
        raw_values = query.get(name, ())
        if f.kind == "ids":
            ids = [_convert(f, v.strip(), choices) for v in raw_values if v.strip()]
            values[name] = tuple(dict.fromkeys(ids)) or (defaults or {}).get(name)
            continue
        raw = _one(f, raw_values)
        if f.kind == "override":
            if raw is not None:
                given_overrides[name] = raw
            continue
        values[name] = f.default if raw is None else _convert(f, raw, choices)
    if any(FIELDS[n].kind == "override" for n in names):
        values["overrides"] = api.overrides(given_overrides)
    return values


def cache_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable key of parsed inputs (for the result cache)."""
    return tuple(
        (k, tuple(sorted(v.items())) if isinstance(v, dict) else v)
        for k, v in sorted(values.items())
    )
