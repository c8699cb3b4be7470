"""The market chain, vectorised over Monte Carlo draws with numpy.

Per calendar quarter ``q`` and draw ``d``:

1. **Capex** ``C[d,q]`` of the modelled buyers (``families.yaml: capex``, the big four's
   capex incl. finance leases). Reported quarters are used as they are. A later quarter of a
   year with guidance follows the constant quarter-on-quarter growth that makes the year add
   up to the guided total (the latest guidance whose source is out, drawn uniformly over its
   range); a year without guidance grows at the trailing year-on-year rate of the last
   modelled quarter times ``capex_growth_fade ** k`` (``k`` years past the last guided or
   reported year). Each forecast quarter carries a lognormal noise of sd ``capex_noise_sd``.
2. **Accelerator spend** ``S[d,q] = C[d,q] * m[d,q]``. The multiplier is calibrated on the
   anchor family's vendor (NVIDIA): ``m[q] = R_anchor[q'] / (C[q'] * share_anchor[q'])`` at
   the nearest reported quarter ``q' <= q`` (the first one for earlier quarters), so that the
   chain reproduces every reported quarter and carries the last ratio into the forecast;
   without any reported quarter ``m = accelerator_fraction_of_capex / buyer_coverage``
   (Bernstein's 39% of a GB200 data centre's capex, hyperscalers ~half of NVIDIA's sales).
3. **Family split**: the ASIC share of spend (scenario, by year, linear between year
   midpoints, plus ``asic_shift_per_year`` for each year after ``shift_from_year``, clipped to
   [0, 0.95]); GPUs split NVIDIA/AMD by ``amd_share_of_gpu``; ASICs by ``asic_split``.
4. **Vendor revenue**: a vendor's families summed, scaled by ``k_v = R_v[q'] / model_v[q']``
   at its nearest reported quarter, as for the anchor, when the dataset has its revenue; a
   vendor's guidance for the quarter after its last reported one counts as reported (Broadcom
   guides its AI revenue a quarter ahead). ``k`` absorbs what the vendor sells beyond the
   modelled chips (networking, other customers). Shares by revenue follow.
5. **Units** = family spend / ASP (the family's ASP rows by calendar year, held before the
   first, moved by ``asp_change_per_year`` after the last). Families without an ASP row have no
   units, installed base, power or tokens (nothing sourced to divide by).
6. **Installed base** = units of the last ``lifetime_years * 4`` quarters since the first
   modelled quarter (chips bought before it are not counted).
7. **Power** = installed chips x the reference chip's TDP x PUE (facility watts).
8. **Token capacity** = installed chips x the engine's output tokens/s per chip at the
   scenario's reference workload (drawn log-uniformly over the engine's interval) x seconds
   per year: what the fleet could generate flat out, not what it serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siliconomics.errors import SiliconomicsError
from siliconomics.market.calendar import qlabel, qyear
from siliconomics.market.dataset import MarketData, MarketRow
from siliconomics.market.scenario import Dist, FamiliesFile, Scenario

SECONDS_PER_YEAR = 365.25 * 86400.0
PERCENTILES = (10, 50, 90)
_GOOD = {"actual": 0, "derived": 1, "estimate": 2}


@dataclass(frozen=True, slots=True)
class ChipRef:
    """What the engine says of a family's reference chip: tokens/s per chip (with interval)
    at the scenario's workload, and its TDP."""

    accelerator: str
    tdp_w: float
    tokens_per_s: float
    tokens_per_s_low: float
    tokens_per_s_high: float
    validated: bool


@dataclass
class Paths:
    """Every modelled series as arrays [draw, ..., quarter]."""

    quarters: list[int]
    capex_usd: np.ndarray
    spend_usd: np.ndarray  # [D, F, Q]
    revenue_usd: np.ndarray  # [D, V, Q]
    units: np.ndarray  # [D, F, Q] (NaN-free; zero where no ASP)
    installed_units: np.ndarray
    installed_power_w: np.ndarray  # [D, Q]
    tokens_per_year: np.ndarray  # [D, Q]
    families: list[str]
    vendors: list[str]
    has_units: list[bool]
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    capex_last_actual: int = 0
    anchors: dict[str, str] = field(default_factory=dict)


def quarterly(rows: list[MarketRow]) -> dict[int, float]:
    """Calendar quarter -> value, from the quarterly actual/derived/estimate rows (the best
    value type wins, then the latest source)."""
    best: dict[int, MarketRow] = {}
    for r in rows:
        if r.cal_quarter is None or r.value_type not in _GOOD:
            continue
        cur = best.get(r.cal_quarter)
        if cur is None or (_GOOD[r.value_type], -r.known.toordinal()) < (
            _GOOD[cur.value_type],
            -cur.known.toordinal(),
        ):
            best[r.cal_quarter] = r
    return {q: r.value for q, r in best.items()}


def with_guidance(rows: list[MarketRow]) -> dict[int, float]:
    """:func:`quarterly`, extended by the vendor's own guidance for the quarter after its last
    reported one when it has given it (guidance is out before the quarter is reported, so the
    as-of cut keeps it; the anchor then sits on the guided quarter)."""
    out = quarterly(rows)
    last = max(out, default=-1)
    guided = [
        r
        for r in rows
        if r.value_type == "guidance" and r.cal_quarter is not None and r.cal_quarter > last
    ]
    if guided:
        g = max(guided, key=lambda r: (r.cal_quarter or 0, r.known))
        if g.cal_quarter == last + 1:
            out[g.cal_quarter] = g.value
    return out


def yearly_guidance(rows: list[MarketRow]) -> dict[int, MarketRow]:
    """Calendar year -> the latest guidance row for that whole year."""
    out: dict[int, MarketRow] = {}
    for r in rows:
        yearly = r.cal_quarter is None and not r.period.startswith("FY")
        newer = r.cal_year not in out or r.known >= out[r.cal_year].known
        if r.value_type == "guidance" and yearly and newer:
            out[r.cal_year] = r
    return out


def _draw(d: Dist | MarketRow, rng: np.random.Generator, n: int) -> np.ndarray:
    if isinstance(d, Dist):
        return d.sample(rng, n)
    if n == 1 or d.value_low is None or d.value_high is None:
        return np.full(n, d.value)
    return rng.uniform(d.value_low, d.value_high, n)


def _growth_to_total(level: np.ndarray, remaining: np.ndarray, n: int) -> np.ndarray:
    """The quarterly factor x with level * (x + x^2 + ... + x^n) = remaining (bisection,
    vectorised), clipped to [0.5, 2]."""
    lo = np.full_like(level, 0.5)
    hi = np.full_like(level, 2.0)
    target = remaining / level
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        total = sum(mid**k for k in range(1, n + 1))
        below = total < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _calibrated(actual: dict[int, float], quarters: list[int], model: np.ndarray) -> np.ndarray:
    """[D, Q] factor ``actual[q'] / model[q']`` at the nearest reported quarter ``q' <= q``
    (the first reported one before it): the chain reproduces every reported quarter and
    carries the last ratio forward."""
    known = sorted(q for q in actual if quarters[0] <= q <= quarters[-1])
    out = np.empty_like(model)
    for j, q in enumerate(quarters):
        earlier = [k for k in known if k <= q]
        k = earlier[-1] if earlier else known[0]
        jk = k - quarters[0]
        out[:, j] = actual[k] / model[:, jk]
    return out


def capex_paths(
    data: MarketData,
    fam: FamiliesFile,
    sc: Scenario,
    quarters: list[int],
    rng: np.random.Generator,
    draws: int,
) -> tuple[np.ndarray, int, np.ndarray]:
    """[D, Q] capex, the last reported quarter and the drawn growth fade (step 1 above)."""
    rows = [r for r in data.series(fam.capex.entity, fam.capex.metric, "capex")]
    actual = quarterly(rows)
    if not actual:
        raise SiliconomicsError(
            f"market data: no quarterly capex rows for {fam.capex.entity} ({fam.capex.metric})"
            " are out by the as-of date"
        )
    guidance = yearly_guidance(rows)
    last = max(actual)
    fade = sc.spec.capex_growth_fade.sample(rng, draws)
    noise_sd = sc.spec.capex_noise_sd.sample(rng, draws)
    guided = {y: _draw(r, rng, draws) for y, r in guidance.items() if y >= qyear(last)}
    last_guided = max([qyear(last), *[y for y in guided]])
    path = np.zeros((draws, len(quarters)))
    values: dict[int, np.ndarray] = {q: np.full(draws, v) for q, v in actual.items()}
    trailing: np.ndarray | None = None
    for q in range(min(min(actual), quarters[0]), quarters[-1] + 1):
        if q in values and q <= last:
            continue
        if q not in values and q < last:
            prev = [p for p in values if p < q]
            if not prev:
                continue
            values[q] = values[max(prev)]  # a gap in the reported quarters: hold the level
            continue
        y = qyear(q)
        level = values[q - 1]
        if y in guided:
            known = sum((values[p] for p in values if qyear(p) == y and p < q), np.zeros(draws))
            n = 4 - q % 4
            remaining = np.maximum(guided[y] - known, 0.5 * n * level)
            factor = _growth_to_total(level, remaining, n)
        else:
            if trailing is None:
                base = values.get(q - 4, level)
                trailing = (
                    np.maximum(level / base - 1.0, 0.0) if q - 4 in values else np.zeros(draws)
                )
            k = y - last_guided
            factor = (1.0 + trailing * fade**k) ** 0.25
        eps = rng.standard_normal(draws) if draws > 1 else np.zeros(draws)
        values[q] = level * factor * np.exp(noise_sd * eps - 0.5 * noise_sd**2 * (draws > 1))
    for j, q in enumerate(quarters):
        if q in values:
            path[:, j] = values[q]
        else:
            earlier = [p for p in values if p <= q]
            path[:, j] = values[max(earlier)] if earlier else np.nan
    if np.isnan(path).any():
        raise SiliconomicsError("market data: capex starts after the first modelled quarter")
    return path, last, fade


def _by_year(
    dists: dict[int, Dist], rng: np.random.Generator, draws: int
) -> tuple[list[int], np.ndarray]:
    years = sorted(dists)
    return years, np.stack([dists[y].sample(rng, draws) for y in years], axis=1)


def _interp_years(years: list[int], vals: np.ndarray, quarters: list[int]) -> np.ndarray:
    """[D, Q]: yearly values placed at year midpoints, linear in between, held outside."""
    t = np.array([q / 4.0 + 0.125 for q in quarters])
    xs = np.array([y + 0.5 for y in years])
    return np.stack([np.interp(t, xs, row) for row in vals], axis=0)


def shares(
    sc: Scenario, fam: FamiliesFile, quarters: list[int], rng: np.random.Generator, draws: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """[D, F, Q] share of accelerator spend per family (step 3)."""
    spec = sc.spec
    ys, asic_y = _by_year(spec.asic_share_of_spend, rng, draws)
    asic = _interp_years(ys, asic_y, quarters)
    shift = spec.asic_shift_per_year.sample(rng, draws)
    t = np.array([q / 4.0 + 0.125 for q in quarters])
    years_past = np.maximum(t - (spec.shift_from_year + 0.5), 0.0)
    asic = np.clip(asic + shift[:, None] * years_past[None, :], 0.0, 0.95)
    ys2, amd_y = _by_year(spec.amd_share_of_gpu, rng, draws)
    amd = _interp_years(ys2, amd_y, quarters)
    split = {k: d.sample(rng, draws) for k, d in spec.asic_split.items()}
    total_split = sum(split.values())
    gpu_ids = [f.id for f in fam.families if f.kind == "gpu"]
    out = np.zeros((draws, len(fam.families), len(quarters)))
    for i, f in enumerate(fam.families):
        if f.kind == "gpu":
            # first GPU family (the anchor, NVIDIA) takes 1 - amd; the others share amd.
            part = (1.0 - amd) if f.id == gpu_ids[0] else amd / max(len(gpu_ids) - 1, 1)
            out[:, i, :] = (1.0 - asic) * part
        else:
            w = split.get(f.id, np.zeros(draws)) / total_split
            out[:, i, :] = asic * w[:, None]
    inputs = {"asic_share_2027": asic[:, min(range(len(t)), key=lambda j: abs(t[j] - 2027.5))]}
    inputs["asic_shift_per_year"] = shift
    return out, inputs


def asp_paths(
    data: MarketData,
    fam: FamiliesFile,
    sc: Scenario,
    quarters: list[int],
    rng: np.random.Generator,
    draws: int,
) -> tuple[np.ndarray, list[bool]]:
    """[D, F, Q] USD per chip (step 5); NaN-free, 0 for families without ASP rows."""
    change = sc.spec.asp_change_per_year.sample(rng, draws)
    out = np.zeros((draws, len(fam.families), len(quarters)))
    has = []
    ids = {r.id for r in data.rows}
    for i, f in enumerate(fam.families):
        rows = [data.row(r) for r in f.asp_rows if r in ids]
        has.append(bool(rows))
        if not rows:
            continue
        by_year = {r.cal_year: _draw(r, rng, draws) for r in sorted(rows, key=lambda r: r.known)}
        first, last = min(by_year), max(by_year)
        for j, q in enumerate(quarters):
            y = qyear(q)
            if y in by_year:
                out[:, i, j] = by_year[y]
            elif y < first:
                out[:, i, j] = by_year[first]
            elif y > last:
                out[:, i, j] = by_year[last] * (1.0 + change) ** (y - last)
            else:
                out[:, i, j] = by_year[max(k for k in by_year if k < y)]
    return out, has


def run(
    data: MarketData,
    fam: FamiliesFile,
    sc: Scenario,
    chips: dict[str, ChipRef],
    *,
    through_year: int,
    draws: int,
    seed: int = 0,
) -> Paths:
    """The chain for every quarter from the first reported capex quarter to ``through_year``."""
    if draws < 1:
        raise SiliconomicsError(f"--draws: must be >= 1, got {draws}")
    rng = np.random.default_rng(seed)
    cap_rows = data.series(fam.capex.entity, fam.capex.metric, "capex")
    known_q = [r.cal_quarter for r in cap_rows if r.cal_quarter is not None]
    if not known_q:
        raise SiliconomicsError("market data: no quarterly capex is out by the as-of date")
    start = min(known_q)
    if through_year * 4 + 3 < start:
        raise SiliconomicsError(f"--through: {through_year} is before the first modelled quarter")
    quarters = list(range(start, through_year * 4 + 4))
    capex, last_capex, fade = capex_paths(data, fam, sc, quarters, rng, draws)
    share, inputs = shares(sc, fam, quarters, rng, draws)
    families = [f.id for f in fam.families]
    anchor = families.index(fam.anchor)
    anchor_fam = fam.families[anchor]
    m = sc.spec.accelerator_fraction_of_capex.sample(rng, draws) / sc.spec.buyer_coverage.sample(
        rng, draws
    )
    anchors: dict[str, str] = {}
    actuals: dict[str, dict[int, float]] = {}
    for f in fam.families:
        if f.revenue is not None:
            actuals[f.vendor] = with_guidance(
                data.series(f.revenue.entity, f.revenue.metric, "revenue")
            )
    m_q = np.repeat(m[:, None], len(quarters), axis=1)
    a = actuals.get(anchor_fam.vendor, {})
    if any(quarters[0] <= q <= quarters[-1] for q in a):
        m_q = _calibrated(a, quarters, capex * share[:, anchor, :])
        anchors[anchor_fam.vendor] = qlabel(max(q for q in a if q <= quarters[-1]))
    m = m_q[:, -1]
    spend = capex[:, None, :] * m_q[:, None, :] * share
    vendors = list(dict.fromkeys(f.vendor for f in fam.families))
    revenue = np.zeros((draws, len(vendors), len(quarters)))
    for i, f in enumerate(fam.families):
        revenue[:, vendors.index(f.vendor), :] += spend[:, i, :]
    for v, series in actuals.items():
        if v == anchor_fam.vendor:
            continue
        if any(quarters[0] <= q <= quarters[-1] for q in series):
            vi = vendors.index(v)
            revenue[:, vi, :] *= _calibrated(series, quarters, revenue[:, vi, :])
            anchors[v] = qlabel(max(q for q in series if q <= quarters[-1]))
    asp, has_units = asp_paths(data, fam, sc, quarters, rng, draws)
    units = np.where(asp > 0, spend / np.where(asp > 0, asp, 1.0), 0.0)
    life_q = np.maximum(np.rint(sc.spec.lifetime_years.sample(rng, draws) * 4).astype(int), 1)
    cum = np.concatenate([np.zeros((draws, len(families), 1)), np.cumsum(units, axis=2)], axis=2)
    idx = np.arange(1, len(quarters) + 1)[None, :] - life_q[:, None]  # [D, Q]
    idx = np.clip(idx, 0, None)
    retired = np.take_along_axis(cum, np.broadcast_to(idx[:, None, :], units.shape), axis=2)
    installed = cum[:, :, 1:] - retired
    pue = sc.spec.pue.sample(rng, draws)
    tdp = np.array([chips[f].tdp_w if f in chips else 0.0 for f in families])
    power = np.einsum("dfq,f->dq", installed, tdp) * pue[:, None]
    tps = np.zeros((draws, len(families)))
    for i, fid in enumerate(families):
        c = chips.get(fid)
        if c is None:
            continue
        lo, hi = max(c.tokens_per_s_low, 1e-9), max(c.tokens_per_s_high, 1e-9)
        tps[:, i] = (
            np.exp(rng.uniform(np.log(lo), np.log(hi), draws)) if draws > 1 else c.tokens_per_s
        )
    tokens = np.einsum("dfq,df->dq", installed, tps) * SECONDS_PER_YEAR
    inputs.update(
        {
            "capex_growth_fade": fade,
            "spend_multiplier": m,
            "pue": pue,
            "lifetime_years": life_q / 4.0,
        }
    )
    inputs = {k: v for k, v in inputs.items() if v.size == draws}
    return Paths(
        quarters=quarters,
        capex_usd=capex,
        spend_usd=spend,
        revenue_usd=revenue,
        units=units,
        installed_units=installed,
        installed_power_w=power,
        tokens_per_year=tokens,
        families=families,
        vendors=vendors,
        has_units=has_units,
        inputs=inputs,
        capex_last_actual=last_capex,
        anchors=anchors,
    )
