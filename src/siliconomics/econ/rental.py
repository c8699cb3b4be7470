"""Rental price paths: a fitted price per chip-hour as a function of age and of the next
generation's arrival, with its spread, from the catalog's dated rental quotes.

**The model.** Quote ``i`` of chip ``c`` is a price ``p_i`` dated ``d_i`` (fractional
years), under a commitment (on-demand, reserved 1 or 3 years, a capacity reservation, spot)
from a provider class (hyperscaler, neocloud, marketplace, or a market index)::

    log p_i = a_c + b · t_i + g · max(0, d_i - n_c) + k[commitment_i] + h[class_i] + e_i

with ``t_i = d_i - L_c`` the chip's age (``L_c`` its launch: mid-year of the catalog's
``launch_year``, the only launch date the catalog keeps) and ``n_c`` the arrival of the
next generation: the mid-year of the earliest later ``launch_year`` among the same vendor's
chips of the same kind (for the H100, launched 2022, the 2024 H200/B200). ``b`` is the
yearly log decline of a chip while it is the newest, ``b + g`` after its successor ships.
The baseline is an on-demand quote from a neocloud: ``k`` and ``h`` are log premiums
(hyperscaler list prices sit well above neocloud ones, spot and reserved below on-demand);
a commitment or class without quotes in the pool gets no term. The ``market`` commitment of
an index quote is counted as on-demand.

Chips of one kind (GPUs; ASICs) are pooled, so ``b``, ``g``, ``k`` and ``h`` are shared and a
chip with few quotes borrows the decline of those with many; each chip keeps its own level
``a_c``. ASICs have only hyperscaler list prices, which do not fall, and pooling them with
the traded GPU market would bend both; hence one pool per kind.

The fit is a robust least squares (scipy.optimize.least_squares, ``soft_l1`` loss with a
scale of 0.25 in log price) because the quotes mix list prices and estimates and a few sit
far from the rest (a 2023 Oracle list price of 10 USD for an H100). The spread is the
residuals' robust standard deviation ``s = 1.4826 · median |e|``; the p10 and p90 of a price
are ``exp(∓1.2816 · s)`` times its median, i.e. a log-normal spread of quotes around the
path. Parameter uncertainty is not added: the spread of quotes dominates it.

Dates are fractional years: ``YYYY`` is mid-year, ``YYYY-MM`` mid-month,
``YYYY-MM-DD`` that day. A quote is *known* at the end of its period (a year-only quote at
the year's end): the backtest fits, as of each quarter's end, only the quotes known by then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as _date
from itertools import pairwise
from math import exp, nan
from statistics import median
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.specs import Accelerator, PricePoint
from siliconomics.errors import MissingPrice, SiliconomicsError, unknown

Z90 = 1.2815515655446004  # standard normal quantile of 0.9 (p10/p90 at -/+ this many sigma)
MAD_TO_SIGMA = 1.482602218505602  # 1 / Phi^-1(0.75): MAD of a normal sample -> its sigma
LOSS_SCALE = 0.25  # soft_l1 scale in log price: residuals beyond ~25% count linearly

COMMITMENTS = ("on-demand", "reserved-1yr", "reserved-3yr", "reservation", "spot")
CLASSES = ("neocloud", "hyperscaler", "marketplace", "index")


#: A calendar date as the data files write it: a four-digit year, then month and day.
DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
#: The range a price path may start in: rental markets for accelerators begin in the 2010s,
#: and a path far past the forecast horizon would be months of extrapolation, not a price.
FIRST_START_YEAR = 2000
LAST_START_YEAR = 2100


def year_fraction(date: str) -> float:
    """'2024' -> 2024.5; '2024-10' -> 2024 + 9.5/12; '2024-10-22' -> that day."""
    if not DATE_RE.fullmatch(date):
        raise SiliconomicsError(f"date: must be YYYY, YYYY-MM or YYYY-MM-DD, got {date!r}")
    parts = date.split("-")
    try:
        y = int(parts[0])
        if len(parts) == 1:
            return y + 0.5
        m = int(parts[1])
        d = _date(y, m, int(parts[2]) if len(parts) == 3 else 1)
        if len(parts) == 2:
            return y + (m - 0.5) / 12.0
        if len(parts) > 3:
            raise ValueError(date)
    except (ValueError, IndexError):
        raise SiliconomicsError(
            f"date: must be YYYY, YYYY-MM or YYYY-MM-DD, got {date!r}"
        ) from None
    start = _date(y, 1, 1)
    days = (_date(y + 1, 1, 1) - start).days
    return y + ((d - start).days + 0.5) / days


def known_by(date: str) -> float:
    """When a quote dated ``date`` is known: the end of its period (year, month or day)."""
    parts = date.split("-")
    y = int(parts[0])
    if len(parts) == 1:
        return y + 1.0
    if len(parts) == 2:
        return y + int(parts[1]) / 12.0
    return year_fraction(date) + 0.5 / 365.0


def fraction_to_date(t: float) -> str:
    """A fractional year as YYYY-MM (the month it falls in)."""
    y = int(np.floor(t))
    m = min(12, int((t - y) * 12.0) + 1)
    return f"{y:04d}-{m:02d}"


def _baseline(order: Sequence[str], seen: Sequence[str]) -> str:
    """The first of ``order`` present in ``seen`` (on-demand; neocloud, else hyperscaler...)."""
    return next(c for c in order if c in seen)


def _bucket(commitment: str | None) -> str:
    if commitment in (None, "market"):
        return "on-demand"
    return commitment


@dataclass(frozen=True, slots=True)
class Quote:
    """One dated rental quote per chip-hour, as the fit sees it."""

    accelerator: str
    value_usd_per_hour: float
    date: str
    t_year: float
    commitment: str
    provider: str
    provider_class: str
    source: str
    kind: str
    low_usd_per_hour: float | None = None
    high_usd_per_hour: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "accelerator": self.accelerator,
            "usd_per_hour": self.value_usd_per_hour,
            "usd_per_hour_low": self.low_usd_per_hour,
            "usd_per_hour_high": self.high_usd_per_hour,
            "date": self.date,
            "commitment": self.commitment,
            "provider": self.provider,
            "provider_class": self.provider_class,
            "kind": self.kind,
            "source": self.source,
        }


def quote_of(p: PricePoint) -> Quote:
    return Quote(
        accelerator=p.accelerator,
        value_usd_per_hour=p.value_usd,
        date=p.date,
        t_year=year_fraction(p.date),
        commitment=_bucket(p.commitment),
        provider=p.provider or "",
        provider_class=p.provider_class or ("index" if p.commitment == "market" else "neocloud"),
        source=p.source,
        kind=p.kind.value,
        low_usd_per_hour=p.low_usd,
        high_usd_per_hour=p.high_usd,
    )


def quotes(catalog: Catalog, accelerator: str) -> tuple[Quote, ...]:
    """The chip's rental quotes, oldest first."""
    pts = [p for p in catalog.prices.get(accelerator, ()) if p.unit == "usd_per_chip_hour"]
    return tuple(sorted((quote_of(p) for p in pts), key=lambda q: (q.t_year, q.provider)))


# --------------------------------------------------------------------------- generations


def launch_year_fraction(chip: Accelerator) -> float | None:
    """Mid-year of the catalog's launch year (the only launch date it keeps)."""
    return None if chip.launch_year is None else chip.launch_year + 0.5


def next_generation(catalog: Catalog, chip: Accelerator) -> tuple[float | None, tuple[str, ...]]:
    """Arrival of the next generation (mid-year of the earliest later launch year among the
    same vendor's chips of the same kind) and the chips that arrive then."""
    if chip.launch_year is None:
        return None, ()
    later = [
        c
        for c in catalog.accelerators.values()
        if c.vendor == chip.vendor
        and c.kind == chip.kind
        and c.launch_year is not None
        and c.launch_year > chip.launch_year
    ]
    if not later:
        return None, ()
    year = min(c.launch_year for c in later if c.launch_year is not None)
    return year + 0.5, tuple(sorted(c.id for c in later if c.launch_year == year))


# --------------------------------------------------------------------------- the fit


@dataclass(frozen=True, slots=True)
class PathFit:
    """The pooled fit of one chip kind: levels, decline, premiums and spread."""

    kind: str
    levels: dict[str, float]  # a_c: log USD per hour at launch, on-demand neocloud
    launch: dict[str, float]  # L_c
    next_gen: dict[str, float | None]  # n_c
    decline_per_year: float  # b (log per year)
    extra_decline_after_next_gen_per_year: float  # g
    commitment_premium: dict[str, float]  # k (log), baseline on-demand = 0
    class_premium: dict[str, float]  # h (log), baseline neocloud = 0
    sigma_log: float
    n_quotes: int
    through: float  # newest quote date in the fit (fractional year)
    base_commitment: str  # the path's commitment (on-demand where quoted)
    base_class: str  # the path's provider class (neocloud where quoted)

    def log_price(self, chip: str, t_year: float, commitment: str, cls: str) -> float:
        n = self.next_gen.get(chip)
        return (
            self.levels[chip]
            + self.decline_per_year * (t_year - self.launch[chip])
            + self.extra_decline_after_next_gen_per_year * max(0.0, t_year - n if n else 0.0)
            + self.commitment_premium.get(commitment, 0.0)
            + self.class_premium.get(cls, 0.0)
        )

    def price(
        self, chip: str, t_year: float, commitment: str | None = None, cls: str | None = None
    ) -> float:
        """Median price; at the fit's baseline commitment and class unless given."""
        return exp(
            self.log_price(chip, t_year, commitment or self.base_commitment, cls or self.base_class)
        )

    @property
    def spread(self) -> tuple[float, float]:
        """(p10, p90) multipliers on the median path."""
        return exp(-Z90 * self.sigma_log), exp(Z90 * self.sigma_log)

    def as_dict(self) -> dict[str, Any]:
        lo, hi = self.spread
        return {
            "kind": self.kind,
            "quotes_fitted": self.n_quotes,
            "through": fraction_to_date(self.through),
            "decline_per_year": -np.expm1(self.decline_per_year),
            "decline_per_year_after_next_generation": -np.expm1(
                self.decline_per_year + self.extra_decline_after_next_gen_per_year
            ),
            "commitment_multiplier": {k: exp(v) for k, v in self.commitment_premium.items()},
            "provider_class_multiplier": {k: exp(v) for k, v in self.class_premium.items()},
            "sigma_log": self.sigma_log,
            "p10_multiplier": lo,
            "p90_multiplier": hi,
        }


def pool(catalog: Catalog, kind: str) -> tuple[Quote, ...]:
    """Every rental quote of chips of ``kind`` with a launch year."""
    out: list[Quote] = []
    for cid in sorted(catalog.prices):
        chip = catalog.accelerators.get(cid)
        if chip is None or chip.kind.value != kind or chip.launch_year is None:
            continue
        out.extend(quotes(catalog, cid))
    return tuple(out)


def fit(catalog: Catalog, kind: str, *, as_of: float | None = None) -> PathFit:
    """The pooled path fit of one chip kind, on the quotes known by ``as_of`` (all if None)."""
    qs = [q for q in pool(catalog, kind) if as_of is None or known_by(q.date) <= as_of]
    chips = sorted({q.accelerator for q in qs})
    if len(qs) < 3 or not chips:
        raise MissingPrice(
            f"rental path: fewer than 3 dated rental quotes for {kind} chips"
            + (f" known by {fraction_to_date(as_of)}" if as_of is not None else "")
        )
    launch: dict[str, float] = {}
    nxt: dict[str, float | None] = {}
    for cid in chips:
        chip = catalog.accelerators[cid]
        launch[cid] = launch_year_fraction(chip) or 0.0
        nxt[cid] = next_generation(catalog, chip)[0]
    base_commit = _baseline(COMMITMENTS, [q.commitment for q in qs])
    base_class = _baseline(CLASSES, [q.provider_class for q in qs])
    commits = [c for c in COMMITMENTS if c != base_commit and any(q.commitment == c for q in qs)]
    classes = [c for c in CLASSES if c != base_class and any(q.provider_class == c for q in qs)]
    after = np.array([max(0.0, q.t_year - (nxt[q.accelerator] or 1e9)) for q in qs])
    has_after = bool(np.any(after > 0)) and bool(np.any(after == 0))
    cols: list[np.ndarray] = [
        np.array([1.0 if q.accelerator == c else 0.0 for q in qs]) for c in chips
    ]
    cols.append(np.array([q.t_year - launch[q.accelerator] for q in qs]))
    if has_after:
        cols.append(after)
    cols += [np.array([1.0 if q.commitment == c else 0.0 for q in qs]) for c in commits]
    cols += [np.array([1.0 if q.provider_class == c else 0.0 for q in qs]) for c in classes]
    x = np.column_stack(cols)
    y = np.log([q.value_usd_per_hour for q in qs])
    upper = np.full(x.shape[1], np.inf)
    upper[len(chips) : len(chips) + 1 + (1 if has_after else 0)] = 0.0  # b, g <= 0
    start, *_ = np.linalg.lstsq(x, y, rcond=None)
    start = np.minimum(start, upper - 1e-9)
    res = least_squares(
        lambda p: x @ p - y,
        start,
        loss="soft_l1",
        f_scale=LOSS_SCALE,
        bounds=(np.full(x.shape[1], -np.inf), upper),
    )
    p = res.x
    resid = x @ p - y
    i = len(chips)
    b = float(p[i])
    g = float(p[i + 1]) if has_after else 0.0
    j = i + 1 + (1 if has_after else 0)
    k = {base_commit: 0.0} | {c: float(v) for c, v in zip(commits, p[j:], strict=False)}
    j += len(commits)
    h = {base_class: 0.0} | {c: float(v) for c, v in zip(classes, p[j:], strict=False)}
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(resid)))
    return PathFit(
        kind=kind,
        levels={c: float(v) for c, v in zip(chips, p[: len(chips)], strict=True)},
        launch=launch,
        next_gen=nxt,
        decline_per_year=b,
        extra_decline_after_next_gen_per_year=g,
        commitment_premium=k,
        class_premium=h,
        sigma_log=sigma,
        n_quotes=len(qs),
        through=max(q.t_year for q in qs),
        base_commitment=base_commit,
        base_class=base_class,
    )


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True, slots=True)
class PricePath:
    """A chip's on-demand neocloud price per chip-hour, month by month, with p10/p90."""

    accelerator: str
    start_year: float
    months: int
    usd_per_hour: tuple[float, ...]
    usd_per_hour_low: tuple[float, ...]
    usd_per_hour_high: tuple[float, ...]

    def scaled(self, factor: float) -> PricePath:
        """The same shape at ``factor`` times the level (a what-if on the price)."""
        return PricePath(
            self.accelerator,
            self.start_year,
            self.months,
            tuple(v * factor for v in self.usd_per_hour),
            tuple(v * factor for v in self.usd_per_hour_low),
            tuple(v * factor for v in self.usd_per_hour_high),
        )

    @staticmethod
    def flat(accelerator: str, start_year: float, months: int, usd_per_hour: float) -> PricePath:
        v = (usd_per_hour,) * months
        return PricePath(accelerator, start_year, months, v, v, v)


def month_mid(start_year: float, m: int) -> float:
    """Middle of month ``m`` (1-based) after ``start_year``."""
    return start_year + (m - 0.5) / 12.0


def price_path(path_fit: PathFit, accelerator: str, start_year: float, months: int) -> PricePath:
    """The fitted on-demand neocloud path of ``accelerator`` for ``months`` months."""
    if accelerator not in path_fit.levels:
        raise MissingPrice(f"rental path: no rental quote for {accelerator} in the catalog")
    lo, hi = path_fit.spread
    mid = tuple(path_fit.price(accelerator, month_mid(start_year, m)) for m in range(1, months + 1))
    return PricePath(
        accelerator,
        start_year,
        months,
        mid,
        tuple(v * lo for v in mid),
        tuple(v * hi for v in mid),
    )


# --------------------------------------------------------------------------- backtest


@dataclass(frozen=True, slots=True)
class BacktestRow:
    as_of: str  # quarter end, YYYY-MM
    target_quarter: str  # e.g. 2024Q1
    consecutive: bool  # the target is the very next quarter
    quotes: int
    actual_median_usd_per_hour: float
    predicted_median_usd_per_hour: float

    @property
    def error(self) -> float:
        return self.predicted_median_usd_per_hour / self.actual_median_usd_per_hour - 1.0


def _quarter(t: float) -> tuple[int, int]:
    y = int(np.floor(t))
    return y, min(4, int((t - y) * 4.0) + 1)


def backtest(catalog: Catalog, accelerator: str) -> tuple[BacktestRow, ...]:
    """As of each quarter's end in which ``accelerator`` has on-demand quotes dated to the
    month, fit the pool on quotes known then and predict the median of the next quarter
    that has such quotes (each predicted at its own commitment and provider class)."""
    chip = catalog.accelerators.get(accelerator)
    if chip is None:
        raise unknown("hardware", accelerator, catalog.accelerators)
    od = [
        q
        for q in quotes(catalog, accelerator)
        if q.commitment == "on-demand" and len(q.date.split("-")) >= 2
    ]
    by_q: dict[tuple[int, int], list[Quote]] = {}
    for q in od:
        by_q.setdefault(_quarter(q.t_year), []).append(q)
    keys = sorted(by_q)
    rows: list[BacktestRow] = []
    for here, there in pairwise(keys):
        as_of = here[0] + here[1] / 4.0
        try:
            f = fit(catalog, chip.kind.value, as_of=as_of)
        except MissingPrice:
            continue
        if accelerator not in f.levels:
            continue
        targets = by_q[there]
        pred = [f.price(accelerator, q.t_year, q.commitment, q.provider_class) for q in targets]
        consecutive = (there[0] * 4 + there[1]) - (here[0] * 4 + here[1]) == 1
        rows.append(
            BacktestRow(
                as_of=fraction_to_date(as_of - 1e-9),
                target_quarter=f"{there[0]}Q{there[1]}",
                consecutive=consecutive,
                quotes=len(targets),
                actual_median_usd_per_hour=median(q.value_usd_per_hour for q in targets),
                predicted_median_usd_per_hour=median(pred),
            )
        )
    return tuple(rows)


# --------------------------------------------------------------------------- answer


@dataclass(frozen=True, slots=True)
class RentalAnswer:
    accelerator: str
    quotes: tuple[Quote, ...]
    fit: PathFit
    launch_year: float | None
    next_generation_year: float | None
    next_generation_chips: tuple[str, ...]
    path_start_year: float
    history: PricePath  # from launch to the start
    forecast: PricePath
    backtest: tuple[BacktestRow, ...]

    def as_dict(self) -> dict[str, Any]:
        def rows(p: PricePath) -> list[dict[str, Any]]:
            return [
                {
                    "date": fraction_to_date(month_mid(p.start_year, m + 1)),
                    "usd_per_hour": p.usd_per_hour[m],
                    "usd_per_hour_p10": p.usd_per_hour_low[m],
                    "usd_per_hour_p90": p.usd_per_hour_high[m],
                }
                for m in range(0, p.months, 3)
            ]

        bt = self.backtest
        errs = [abs(r.error) for r in bt]
        cons = [abs(r.error) for r in bt if r.consecutive]
        f = self.fit
        premiums = {
            c: {
                k: exp(f.commitment_premium.get(c, nan) + f.class_premium.get(k, nan))
                for k in f.class_premium
            }
            for c in f.commitment_premium
        }
        return {
            "accelerator": self.accelerator,
            "launch": fraction_to_date(self.launch_year) if self.launch_year else None,
            "next_generation": fraction_to_date(self.next_generation_year)
            if self.next_generation_year
            else None,
            "next_generation_chips": list(self.next_generation_chips),
            "quotes": [q.as_dict() for q in self.quotes],
            "fit": f.as_dict(),
            "path_commitment": f.base_commitment,
            "path_provider_class": f.base_class,
            "multiplier_by_commitment_and_class": premiums,
            "history": rows(self.history),
            "forecast": rows(self.forecast),
            "backtest": [
                {
                    "as_of": r.as_of,
                    "target_quarter": r.target_quarter,
                    "next_quarter": r.consecutive,
                    "quotes": r.quotes,
                    "actual_median_usd_per_hour": r.actual_median_usd_per_hour,
                    "predicted_median_usd_per_hour": r.predicted_median_usd_per_hour,
                    "error": r.error,
                }
                for r in bt
            ],
            "backtest_median_abs_error": median(errs) if errs else None,
            "backtest_within_15pct": sum(e <= 0.15 for e in errs),
            "backtest_next_quarter_median_abs_error": median(cons) if cons else None,
        }


def rental(
    catalog: Catalog, accelerator: str, *, start: str, forecast_months: int = 36
) -> RentalAnswer:
    """Quotes, fitted path (launch to ``start``) and forecast (``forecast_months`` from
    ``start``) of one chip, with the backtest of the fit."""
    if accelerator in catalog.systems:
        accelerator = catalog.systems[accelerator].accelerator
    chip = catalog.accelerators.get(accelerator)
    if chip is None:
        raise unknown("hardware", accelerator, [*catalog.accelerators, *catalog.systems])
    if isinstance(forecast_months, bool) or not 1 <= forecast_months <= 240:
        raise SiliconomicsError(f"months: must be an integer 1-240, got {forecast_months!r}")
    qs = quotes(catalog, chip.id)
    if not qs:
        raise MissingPrice(f"rental price: no rental quote for {chip.id} in the catalog")
    if chip.launch_year is None:
        raise MissingPrice(f"rental path: {chip.id} has no launch_year in the catalog")
    f = fit(catalog, chip.kind.value)
    start_year = year_fraction(start)
    if not FIRST_START_YEAR <= start_year < LAST_START_YEAR + 1:
        raise SiliconomicsError(
            f"start: must be a date from {FIRST_START_YEAR} to {LAST_START_YEAR}, got {start!r}"
        )
    launch = launch_year_fraction(chip) or start_year
    hist_months = max(1, round((start_year - launch) * 12))
    nxt, nxt_chips = next_generation(catalog, chip)
    return RentalAnswer(
        accelerator=chip.id,
        quotes=qs,
        fit=f,
        launch_year=launch,
        next_generation_year=nxt,
        next_generation_chips=nxt_chips,
        path_start_year=start_year,
        history=price_path(f, chip.id, launch, hist_months),
        forecast=price_path(f, chip.id, start_year, forecast_months),
        backtest=backtest(catalog, chip.id),
    )


__all__: Sequence[str] = (
    "PathFit",
    "PricePath",
    "Quote",
    "RentalAnswer",
    "backtest",
    "fit",
    "price_path",
    "quotes",
    "rental",
    "year_fraction",
)
