"""The market dataset: sourced CSV rows, validated, queried through an embedded DuckDB.

Rows live in ``data/market/market.csv`` (one row per figure; columns below) and an overlay
folder's ``market/*.csv`` files with the same columns add rows or replace a built-in row with
the same ``id``. Every row has a value (and optionally a low/high range), a unit from a closed
set of SI units, a period (:mod:`siliconomics.market.calendar`), a value type, a source id that
resolves in ``sources.yaml`` and the date of that source. ``calendars.csv`` gives the fiscal
year-end month of entities that do not report by calendar year.

On first use the rows go into an in-memory DuckDB database (nothing is written anywhere, and
external file access is switched off before any user SQL runs) with computed columns:
``period_kind`` (quarter/year), ``cal_quarter`` (``2025-Q3``, for quarterly rows),
``cal_year`` (the calendar year holding most of the period) and ``known_date`` (the day the
source is surely out: :func:`~siliconomics.market.calendar.known_date`). Tables: ``market``
(all rows), one view per ``table`` value (``capex``, ``revenue``, ``units``, ``share``,
``asp``, ...), ``calendars`` and ``sources`` (the ids the rows cite).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import Field, ValidationError, field_validator

from siliconomics.catalog import schema as s
from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.roots import data_dirs
from siliconomics.errors import SiliconomicsError
from siliconomics.market.calendar import (
    calendar_quarter,
    calendar_years,
    known_date,
    parse_period,
    qlabel,
)

FOLDER = "market"
ROWS_FILE = "market.csv"
CALENDARS_FILE = "calendars.csv"

Unit = Literal["usd", "usd_per_unit", "units", "fraction", "ratio", "w"]
ValueType = Literal["actual", "guidance", "estimate", "derived", "list_price", "quote"]
TABLES = (
    "capex",
    "revenue",
    "units",
    "share",
    "asp",
    "market_size",
    "supply",
    "capex_split",
    "pue",
    "power",
)
#: Plausibility bounds per unit (a billions-vs-units slip fails loudly).
BOUNDS: dict[str, tuple[float, float]] = {
    "usd": (0.0, 5e12),
    "usd_per_unit": (1.0, 1e7),
    "units": (0.0, 1e9),
    "fraction": (0.0, 1.0),
    "ratio": (0.0, 10.0),
    "w": (0.0, 1e13),
}
COLUMNS = (
    "id",
    "table",
    "entity",
    "metric",
    "period",
    "value",
    "value_low",
    "value_high",
    "unit",
    "value_type",
    "basis",
    "source",
    "source_date",
    "notes",
)


class MarketRowFile(s.Strict):
    """One CSV row as written (strings from the CSV, numbers parsed by the loader)."""

    id: str = Field(min_length=1)
    table: Literal[TABLES]  # type: ignore[valid-type]
    entity: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    period: str
    value: float = Field(allow_inf_nan=False)
    value_low: float | None = Field(default=None, allow_inf_nan=False)
    value_high: float | None = Field(default=None, allow_inf_nan=False)
    unit: Unit
    value_type: ValueType
    basis: str = ""
    source: str = Field(min_length=1)
    source_date: s.Date
    notes: str = ""

    @field_validator("period")
    @classmethod
    def _period(cls, v: str) -> str:
        try:
            parse_period(v)
        except SiliconomicsError as exc:
            raise ValueError(str(exc)) from None
        return v


@dataclass(frozen=True, slots=True)
class MarketRow:
    """A validated row with its calendar placement (SI units, as the CSV)."""

    id: str
    table: str
    entity: str
    metric: str
    period: str
    value: float
    value_low: float | None
    value_high: float | None
    unit: str
    value_type: str
    basis: str
    source: str
    source_date: str
    notes: str
    known: date
    cal_quarter: int | None
    cal_year: int
    file: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "table": self.table,
            "entity": self.entity,
            "metric": self.metric,
            "period": self.period,
            "value": self.value,
            "value_low": self.value_low,
            "value_high": self.value_high,
            "unit": self.unit,
            "value_type": self.value_type,
            "source": self.source,
            "source_date": self.source_date,
            "cal_quarter": qlabel(self.cal_quarter) if self.cal_quarter is not None else None,
            "cal_year": self.cal_year,
        }


def _number(text: str, where: str, field: str) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        raise SiliconomicsError(f"{where}: field '{field}': not a number: {t!r}") from None


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SiliconomicsError(f"{path}: cannot read as CSV: {exc}") from None
    return [{"__header__": ",".join(header)}, *rows]


def read_calendars(path: Path, sources: set[str]) -> dict[str, int]:
    """``entity -> fiscal_year_end_month`` from one ``calendars.csv``."""
    rows = _read_csv(path)
    header = rows[0]["__header__"].split(",")
    need = ["entity", "fiscal_year_end_month", "source", "notes"]
    if header != need:
        raise SiliconomicsError(
            f"{path}: expected columns {','.join(need)}, got {','.join(header)}"
        )
    out: dict[str, int] = {}
    for i, r in enumerate(rows[1:], start=2):
        where = f"{path}: line {i}"
        month = _number(r.get("fiscal_year_end_month") or "", where, "fiscal_year_end_month")
        if month is None or month != int(month) or not 1 <= month <= 12:
            raise SiliconomicsError(f"{where}: field 'fiscal_year_end_month': must be 1..12")
        if r.get("source", "") not in sources:
            raise SiliconomicsError(
                f"{where}: field 'source': {r.get('source')!r} is not in sources.yaml"
            )
        out[(r.get("entity") or "").strip()] = int(month)
    return out


def read_rows(path: Path, sources: set[str], calendars: dict[str, int]) -> list[MarketRow]:
    """The validated rows of one market CSV; the first problem raises one line naming the
    file, the line and the field."""
    rows = _read_csv(path)
    header = rows[0]["__header__"].split(",")
    if header != list(COLUMNS):
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        what = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(extra)}"
        raise SiliconomicsError(
            f"{path}: columns must be {','.join(COLUMNS)} ({what or 'wrong order'})"
        )
    out: list[MarketRow] = []
    seen: set[str] = set()
    for i, raw in enumerate(rows[1:], start=2):
        where = f"{path}: line {i}"
        if None in raw:
            raise SiliconomicsError(f"{where}: more fields than the {len(COLUMNS)} columns")
        data: dict[str, Any] = {k: (v or "").strip() for k, v in raw.items()}
        for k in ("value", "value_low", "value_high"):
            data[k] = _number(data[k], where, k)
        if data["value"] is None:
            raise SiliconomicsError(f"{where}: field 'value': required")
        try:
            r = MarketRowFile.model_validate(data)
        except ValidationError as exc:
            e = exc.errors()[0]
            fld = ".".join(str(p) for p in e["loc"]) or "(row)"
            msg = e["msg"].removeprefix("Value error, ")
            raise SiliconomicsError(f"{where}: field '{fld}': {msg}") from None
        lo, hi = BOUNDS[r.unit]
        for fld in ("value", "value_low", "value_high"):
            v = getattr(r, fld)
            if v is not None and not lo <= v <= hi:
                raise SiliconomicsError(
                    f"{where}: field '{fld}': {v:g} is outside the plausible range "
                    f"[{lo:g}, {hi:g}] for unit {r.unit}"
                )
        if r.value_low is not None and r.value_high is not None and r.value_low > r.value_high:
            raise SiliconomicsError(f"{where}: field 'value_low': above value_high")
        if r.source not in sources:
            raise SiliconomicsError(
                f"{where}: field 'source': source id {r.source!r} is not in sources.yaml"
            )
        if r.id in seen:
            raise SiliconomicsError(f"{where}: field 'id': {r.id!r} is already used in this file")
        seen.add(r.id)
        p = parse_period(r.period)
        fy_end = calendars.get(r.entity, 12)
        if p.fiscal and r.entity not in calendars and "+" not in r.entity:
            fy_end = 12
        cq = calendar_quarter(p, fy_end) if p.is_quarter else None
        years = calendar_years(p, fy_end)
        out.append(
            MarketRow(
                id=r.id,
                table=r.table,
                entity=r.entity,
                metric=r.metric,
                period=r.period,
                value=r.value,
                value_low=r.value_low,
                value_high=r.value_high,
                unit=r.unit,
                value_type=r.value_type,
                basis=r.basis,
                source=r.source,
                source_date=r.source_date,
                notes=r.notes,
                known=known_date(r.source_date),
                cal_quarter=cq,
                cal_year=max(years, key=lambda y: (years[y], y)),
                file=str(path),
            )
        )
    return out


@dataclass(frozen=True)
class MarketData:
    """All rows (built-in then overlay), the fiscal calendars and the catalog's sources."""

    rows: tuple[MarketRow, ...]
    calendars: dict[str, int]
    catalog: Catalog

    def as_of(self, day: date | None) -> MarketData:
        """Only the rows whose source was surely out on ``day`` (all rows for None)."""
        if day is None:
            return self
        return MarketData(
            tuple(r for r in self.rows if r.known <= day), self.calendars, self.catalog
        )

    def series(self, entity: str, metric: str, table: str | None = None) -> list[MarketRow]:
        return [
            r
            for r in self.rows
            if r.entity == entity and r.metric == metric and (table is None or r.table == table)
        ]

    def row(self, id_: str) -> MarketRow:
        for r in self.rows:
            if r.id == id_:
                return r
        raise SiliconomicsError(f"market row id: unknown value {id_!r}")


def market_files(folder: Path) -> list[Path]:
    """The row files of one data folder's ``market/`` (not ``calendars.csv``)."""
    d = folder / FOLDER
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("*.csv") if p.name != CALENDARS_FILE)


def load_market(catalog: Catalog) -> MarketData:
    """Rows of the built-in folder and the catalog's overlay; an overlay row with a built-in
    row's id replaces it."""
    sources = set(catalog.sources)
    calendars: dict[str, int] = {}
    folders = data_dirs(catalog)
    for folder in folders:
        path = folder / FOLDER / CALENDARS_FILE
        if path.is_file():
            calendars.update(read_calendars(path, sources))
    merged: dict[str, MarketRow] = {}
    for folder in folders:
        for path in market_files(folder):
            for r in read_rows(path, sources, calendars):
                merged[r.id] = r
    return MarketData(tuple(merged.values()), calendars, catalog)


# --- DuckDB -------------------------------------------------------------------------------

_SQL_COLUMNS = (
    'id VARCHAR, "table" VARCHAR, entity VARCHAR, metric VARCHAR, period VARCHAR, '
    "value DOUBLE, value_low DOUBLE, value_high DOUBLE, unit VARCHAR, value_type VARCHAR, "
    "basis VARCHAR, source VARCHAR, source_date VARCHAR, notes VARCHAR, period_kind VARCHAR, "
    "cal_quarter VARCHAR, cal_year INTEGER, known_date DATE"
)


def connect(data: MarketData) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding ``data``; no file is read or written after this."""
    con = duckdb.connect(":memory:")
    con.execute(f"CREATE TABLE market ({_SQL_COLUMNS})")
    con.executemany(
        "INSERT INTO market VALUES (" + ", ".join(["?"] * 18) + ")",
        [
            (
                r.id,
                r.table,
                r.entity,
                r.metric,
                r.period,
                r.value,
                r.value_low,
                r.value_high,
                r.unit,
                r.value_type,
                r.basis,
                r.source,
                r.source_date,
                r.notes,
                "quarter" if r.cal_quarter is not None else "year",
                qlabel(r.cal_quarter) if r.cal_quarter is not None else None,
                r.cal_year,
                r.known,
            )
            for r in data.rows
        ],
    )
    for t in TABLES:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM market WHERE \"table\" = '{t}'")
    con.execute("CREATE TABLE calendars (entity VARCHAR, fiscal_year_end_month INTEGER)")
    con.executemany("INSERT INTO calendars VALUES (?, ?)", list(data.calendars.items()))
    cited = sorted({r.source for r in data.rows})
    con.execute("CREATE TABLE sources (id VARCHAR, title VARCHAR, url VARCHAR, date VARCHAR)")
    con.executemany(
        "INSERT INTO sources VALUES (?, ?, ?, ?)",
        [
            (
                sid,
                data.catalog.sources[sid].title,
                data.catalog.sources[sid].url,
                data.catalog.sources[sid].date,
            )
            for sid in cited
        ],
    )
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, int | float | str | bool) or v is None:
        return v
    return str(v)


def read_only_query(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    """Run one SELECT; anything else (a write, DDL, PRAGMA, several statements) is refused."""
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise SiliconomicsError("SQL: empty query")
    try:
        statements = con.extract_statements(text)
    except duckdb.Error as exc:
        raise SiliconomicsError(f"SQL: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise SiliconomicsError("SQL: one statement at a time; only SELECT is allowed")
    if statements[0].type != duckdb.StatementType.SELECT:
        kind = statements[0].type.name
        raise SiliconomicsError(f"SQL: read-only; {kind} is refused, only SELECT is allowed")
    try:
        cur = con.execute(text)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        raise SiliconomicsError(f"SQL: {str(exc).splitlines()[0]}") from None
    return {"columns": columns, "rows": [[_jsonable(v) for v in row] for row in rows]}


def table_names() -> tuple[str, ...]:
    return ("market", *TABLES, "calendars", "sources")
