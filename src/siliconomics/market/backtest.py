"""Backtests: the chain run as of past quarter ends, scored on the actuals it did not see.

For each quarter end ``D`` (from the first with enough history to the last that leaves a
reported quarter after it), the dataset is cut to the rows whose source was out on ``D``
(:meth:`MarketData.as_of`: guidance included, later actuals excluded), the chain runs once
at the scenario's central values, and each scored series' forecast for the 1-4 quarters after
its last reported quarter is compared with what was later reported:
``error = |forecast - actual| / actual``. Per series and horizon: the number of forecasts,
the median and the worst error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from siliconomics.market.calendar import qindex, qlabel, quarter_end
from siliconomics.market.dataset import MarketData
from siliconomics.market.model import ChipRef, quarterly, run
from siliconomics.market.scenario import FamiliesFile, Scenario

HORIZONS = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class Forecast:
    series: str
    as_of: str
    quarter: str
    horizon: int
    forecast_usd: float
    actual_usd: float

    @property
    def error(self) -> float:
        return abs(self.forecast_usd - self.actual_usd) / self.actual_usd


def scored_series(fam: FamiliesFile) -> dict[str, tuple[str, str, str]]:
    """Series name -> (table, entity, metric): the buyers' capex and each anchored vendor."""
    out = {"capex_usd": ("capex", fam.capex.entity, fam.capex.metric)}
    for f in fam.families:
        if f.revenue is not None:
            out[f"revenue_usd.{f.vendor}"] = ("revenue", f.revenue.entity, f.revenue.metric)
    return out


def backtest(
    data: MarketData,
    fam: FamiliesFile,
    sc: Scenario,
    chips: dict[str, ChipRef],
    *,
    first: int = qindex(2024, 3),
    today: date,
) -> list[Forecast]:
    """Every scored forecast from as-of dates at the quarter ends ``first`` .. now."""
    series = scored_series(fam)
    truth = {name: quarterly(data.series(e, m, t)) for name, (t, e, m) in series.items()}
    last_truth = max(max(v) for v in truth.values() if v)
    out: list[Forecast] = []
    for asq in range(first, last_truth + 1):
        day = quarter_end(asq)
        if day > today:
            break
        seen = data.as_of(day)
        try:
            paths = run(seen, fam, sc, chips, through_year=(asq + 6) // 4 + 1, draws=1)
        except Exception:
            continue
        for name, (t, e, m) in series.items():
            known = quarterly(seen.series(e, m, t))
            if not known:
                continue
            q0 = max(known)
            for h in HORIZONS:
                q = q0 + h
                if q not in truth[name] or q not in paths.quarters:
                    continue
                j = paths.quarters.index(q)
                if name == "capex_usd":
                    fc = float(paths.capex_usd[0, j])
                else:
                    fc = float(paths.revenue_usd[0, paths.vendors.index(name.split(".", 1)[1]), j])
                out.append(Forecast(name, day.isoformat(), qlabel(q), h, fc, truth[name][q]))
    return out


def summarise(forecasts: list[Forecast]) -> list[dict[str, object]]:
    """Per series and horizon: n, median and worst relative error."""
    rows = []
    for name in dict.fromkeys(f.series for f in forecasts):
        for h in HORIZONS:
            errs = [f.error for f in forecasts if f.series == name and f.horizon == h]
            if errs:
                rows.append(
                    {
                        "series": name,
                        "horizon_quarters": h,
                        "n": len(errs),
                        "median_error": float(np.median(errs)),
                        "worst_error": float(np.max(errs)),
                    }
                )
    return rows
