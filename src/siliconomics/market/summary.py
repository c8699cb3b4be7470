"""Percentiles, yearly roll-ups, the seeds' claims as checks, and the sensitivity table.

Flows (capex, spend, revenue, units) add up over a year's quarters; stocks (installed power,
token capacity) are read at the year's last quarter. Shares are computed per draw and then
summarised, so a share's p50 is the median share, not a ratio of medians.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from siliconomics.market.calendar import qindex, qlabel, qyear
from siliconomics.market.dataset import MarketData
from siliconomics.market.model import PERCENTILES, Paths
from siliconomics.market.scenario import FamiliesFile


def pct(x: np.ndarray) -> dict[str, float]:
    """p10/p50/p90 of a draw vector (finite floats for strict JSON)."""
    v = np.nan_to_num(np.percentile(x, PERCENTILES), nan=0.0, posinf=0.0, neginf=0.0)
    return {f"p{p}": float(val) for p, val in zip(PERCENTILES, v, strict=True)}


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def _block(p: Paths, cols: list[int], stock_col: int, buyer: str) -> dict[str, Any]:
    """One period (a quarter, or a year's quarters ``cols``) of every series."""
    spend = p.spend_usd[:, :, cols].sum(axis=2)
    rev = p.revenue_usd[:, :, cols].sum(axis=2)
    units = p.units[:, :, cols].sum(axis=2)
    priced = [i for i, h in enumerate(p.has_units) if h]
    total_units = units[:, priced].sum(axis=1)
    total_rev = rev.sum(axis=1)
    return {
        "capex_usd": {buyer: pct(p.capex_usd[:, cols].sum(axis=1))},
        "accelerator_spend_usd": {f: pct(spend[:, i]) for i, f in enumerate(p.families)},
        "revenue_usd": {v: pct(rev[:, i]) for i, v in enumerate(p.vendors)},
        "units": {p.families[i]: pct(units[:, i]) for i in priced},
        "share_by_revenue": {
            v: pct(_safe_div(rev[:, i], total_rev)) for i, v in enumerate(p.vendors)
        },
        "share_by_units": {p.families[i]: pct(_safe_div(units[:, i], total_units)) for i in priced},
        "installed_units": {p.families[i]: pct(p.installed_units[:, i, stock_col]) for i in priced},
        "installed_power_w": pct(p.installed_power_w[:, stock_col]),
        "tokens_per_year": pct(p.tokens_per_year[:, stock_col]),
    }


def _asic_share(p: Paths, fam: FamiliesFile, cols: list[int]) -> np.ndarray:
    spend = p.spend_usd[:, :, cols].sum(axis=2)
    asic = [i for i, f in enumerate(fam.families) if f.kind == "asic"]
    return _safe_div(spend[:, asic].sum(axis=1), spend.sum(axis=1))


def _years(p: Paths) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for j, q in enumerate(p.quarters):
        out.setdefault(qyear(q), []).append(j)
    return out


def checks(p: Paths, data: MarketData, fam: FamiliesFile) -> dict[str, Any]:
    """The seeds' claims, each next to what the chain gives (p50 unless stated)."""
    years = _years(p)
    fams = p.families
    nv = fams.index(fam.anchor)
    tpu = fams.index("google-tpu") if "google-tpu" in fams else None
    priced = [i for i, h in enumerate(p.has_units) if h]
    out: dict[str, Any] = {}
    share_rows = []
    for y, cols in years.items():
        units = p.units[:, :, cols].sum(axis=2)
        all_u = units[:, priced].sum(axis=1)
        no_g = all_u - (units[:, tpu] if tpu is not None and tpu in priced else 0.0)
        share_rows.append(
            {
                "year": y,
                "nvidia_share_of_units_with_google": pct(_safe_div(units[:, nv], all_u)),
                "nvidia_share_of_units_without_google": pct(_safe_div(units[:, nv], no_g)),
                "asic_share_of_spend": pct(_asic_share(p, fam, cols)),
            }
        )
    out["nvidia_share"] = {
        "claim": "NVIDIA ~98% of accelerator shipments outside Google, ~70% including it",
        "by_year": share_rows,
        "note": "units of the families with a sourced ASP (NVIDIA, AMD, Google TPU)",
    }
    if tpu is not None and p.has_units[tpu]:
        sourced = {
            r.cal_year: r.value
            for r in sorted(data.rows, key=lambda r: r.known)
            if r.table == "units" and r.entity == "Google TPU"
        }
        out["tpu_units"] = {
            "claim": "Google buying around two million TPUs a year",
            "by_year": [
                {
                    "year": y,
                    "units": pct(p.units[:, tpu, cols].sum(axis=1)),
                    "sourced_estimate_units": sourced.get(y),
                }
                for y, cols in years.items()
            ],
        }
    if "Broadcom" in p.vendors:
        cols = [j for j, q in enumerate(p.quarters) if qindex(2026, 4) <= q <= qindex(2027, 3)]
        if len(cols) == 4:
            b = p.vendors.index("Broadcom")
            out["broadcom_fy2027_revenue_usd"] = {
                "claim": "Broadcom's XPU + AI networking SAM of 60-90B USD in FY2027 (M16)",
                "model": pct(p.revenue_usd[:, b, cols].sum(axis=1)),
                "claim_low_usd": 60e9,
                "claim_high_usd": 90e9,
            }
    half = None
    for y, cols in years.items():
        if float(np.median(_asic_share(p, fam, cols))) >= 0.5:
            half = y
            break
    out["asic_share_reaches_half"] = {
        "claim": "an end state where custom ASICs and GPUs split 50/50",
        "year": half,
    }
    ai_power = [r for r in data.rows if r.id == "m94"]
    if ai_power and 2025 in years:
        out["ai_power_2025_w"] = {
            "claim": "AI data centres drew ~7.7 GW in 2025 (Goldman Sachs, M33)",
            "model_installed_since_start": pct(p.installed_power_w[:, years[2025][-1]]),
            "sourced_w": ai_power[0].value,
        }
    return out


def _rank(x: np.ndarray) -> np.ndarray:
    r = np.empty(len(x))
    r[np.argsort(x, kind="stable")] = np.arange(len(x))
    return r


def sensitivity(p: Paths, year: int = 2027) -> list[dict[str, Any]]:
    """Spearman rank correlation of each drawn input with NVIDIA's revenue in ``year``,
    strongest first (empty for a single draw)."""
    cols = [j for j, q in enumerate(p.quarters) if qyear(q) == year]
    if not cols or p.capex_usd.shape[0] < 3 or "NVIDIA" not in p.vendors:
        return []
    target = _rank(p.revenue_usd[:, p.vendors.index("NVIDIA"), cols].sum(axis=1))
    capex = p.capex_usd[:, cols].sum(axis=1)
    rows = []
    for name, x in {**p.inputs, f"capex_usd_{year}": capex}.items():
        if np.ptp(x) == 0:
            continue
        rho = float(np.corrcoef(_rank(x), target)[0, 1])
        rows.append({"input": name, "spearman_rho": rho})
    return sorted(rows, key=lambda r: -abs(float(r["spearman_rho"])))


def summary(p: Paths, data: MarketData, fam: FamiliesFile) -> dict[str, Any]:
    buyer = fam.capex.entity
    quarters = [
        {
            "quarter": qlabel(q),
            "capex_reported": q <= p.capex_last_actual,
            **_block(p, [j], j, buyer),
        }
        for j, q in enumerate(p.quarters)
    ]
    years = [
        {"year": y, "quarters": len(cols), **_block(p, cols, cols[-1], buyer)}
        for y, cols in _years(p).items()
    ]
    return {
        "anchors": p.anchors,
        "capex_last_reported_quarter": qlabel(p.capex_last_actual),
        "families": [
            {"id": f.id, "vendor": f.vendor, "kind": f.kind, "has_units": h}
            for f, h in zip(fam.families, p.has_units, strict=True)
        ],
        "quarters": quarters,
        "years": years,
        "checks": checks(p, data, fam),
        "sensitivity_nvidia_revenue_2027": sensitivity(p),
    }
