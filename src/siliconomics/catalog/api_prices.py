"""Dated public API list prices for open models (``api_prices.yaml``).

What a provider charges per million input and output tokens for a model the catalog has, so
that our cost per million tokens can stand beside the market's. The file is a list of rows::

    - model: llama-3.3-70b                  # a catalog model id
      provider: Groq
      usd_per_million_input_tokens: {value: 0.59, source: API-GP-GROQ}
      usd_per_million_output_tokens: {value: 0.79, source: API-GP-GROQ}
      date: '2025-08-12'                    # when the price was read off the page
      note: llama-3.3-70b-versatile         # the provider's model id, other rates

The built-in file sits in the package's ``data/`` folder; an overlay folder of the catalog
may hold its own ``api_prices.yaml``, whose rows are added, and replace a built-in row with
the same (model, provider, date). Validation is strict: no unknown fields, finite prices
>= 0, model ids of the catalog, source ids of its ``sources.yaml``; the first problem raises
one :class:`SiliconomicsError` naming the file, the row and the field.

Prices are kept per million tokens, the unit every provider quotes and the unit of the
``usd_per_million_output_tokens`` keys of :mod:`siliconomics.api`, so a comparison divides
nothing. They are list prices: no batch, cached-input or volume discount (the row's note
names those the page lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from siliconomics.catalog import schema as s
from siliconomics.catalog.loader import Catalog, _read_yaml
from siliconomics.catalog.roots import data_dirs
from siliconomics.errors import SiliconomicsError

FILE_NAME = "api_prices.yaml"

#: A list price in USD per million tokens: finite and not negative (a free tier is 0).
UsdPerMillionTokens = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class PriceQuantity(s.Strict):
    """``{value, source}``: one sourced price."""

    value: UsdPerMillionTokens
    source: str = Field(min_length=1)


class ApiPriceRow(s.Strict):
    """One row of ``api_prices.yaml`` as written."""

    model: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    usd_per_million_input_tokens: PriceQuantity
    usd_per_million_output_tokens: PriceQuantity
    date: s.Date
    note: str | None = None


_ROWS = TypeAdapter(list[ApiPriceRow])


@dataclass(frozen=True, slots=True)
class ApiPrice:
    """A provider's dated list price for one catalog model."""

    model: str
    provider: str
    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float
    date: str
    input_source: str
    output_source: str
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """(model, provider, date): what an overlay row replaces."""
        return (self.model, self.provider, self.date)


def _rows(data: Any, path: Path) -> list[ApiPriceRow]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise SiliconomicsError(f"{path}: expected a list of price rows at the top level")
    try:
        return _ROWS.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        row = f"row {int(loc.pop(0)) + 1}: " if loc and isinstance(loc[0], int) else ""
        fld = ".".join(str(p) for p in loc) or "(row)"
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise SiliconomicsError(f"{path}: {row}field '{fld}': {msg}{more}") from None


def read_api_prices_file(path: Path, catalog: Catalog) -> tuple[ApiPrice, ...]:
    """The rows of one ``api_prices.yaml``, checked against ``catalog``'s models and
    sources; a (model, provider, date) written twice in one file is an error."""
    out: list[ApiPrice] = []
    seen: set[tuple[str, str, str]] = set()
    for i, r in enumerate(_rows(_read_yaml(path), path), start=1):
        where = f"{path}: row {i}"
        if r.model not in catalog.models:
            raise SiliconomicsError(
                f"{where}: field 'model': {r.model!r} is not a catalog model id"
            )
        for fld, q in (
            ("usd_per_million_input_tokens", r.usd_per_million_input_tokens),
            ("usd_per_million_output_tokens", r.usd_per_million_output_tokens),
        ):
            if q.source not in catalog.sources:
                raise SiliconomicsError(
                    f"{where}: field '{fld}.source': source id {q.source!r} is not in sources.yaml"
                )
        price = ApiPrice(
            model=r.model,
            provider=r.provider,
            usd_per_million_input_tokens=float(r.usd_per_million_input_tokens.value),
            usd_per_million_output_tokens=float(r.usd_per_million_output_tokens.value),
            date=r.date,
            input_source=r.usd_per_million_input_tokens.source,
            output_source=r.usd_per_million_output_tokens.source,
            note=r.note or "",
        )
        if price.key in seen:
            raise SiliconomicsError(
                f"{where}: field 'date': {r.model} at {r.provider} on {r.date} is already "
                "listed in this file"
            )
        seen.add(price.key)
        out.append(price)
    return tuple(out)


def load_api_prices(catalog: Catalog) -> tuple[ApiPrice, ...]:
    """Every API list price for ``catalog``: the built-in file, then the overlay's.

    An overlay row replaces the built-in row of the same (model, provider, date) in place;
    other overlay rows follow the built-in ones in file order. A folder without the file
    adds nothing.
    """
    merged: dict[tuple[str, str, str], ApiPrice] = {}
    for folder in data_dirs(catalog):
        path = folder / FILE_NAME
        if path.is_file():
            for price in read_api_prices_file(path, catalog):
                merged[price.key] = price
    return tuple(merged.values())
