"""Error bars: how far a prediction may be from what the hardware really does.

The interval of a prediction comes from the validation residuals, split-conformal style
(Vovk et al., *Algorithmic Learning in a Random World*, 2005; Lei et al., "Distribution-free
predictive inference for regression", JASA 2018). For a group of n held-out validation
points with log-ratios r_i = ln(measured_i / predicted_i), sorted, the two-sided interval
at coverage 1 - alpha for a new prediction y_hat of the same group is::

    [ y_hat · exp(r_(lo)),  y_hat · exp(r_(hi)) ]
    lo = floor((n + 1) · alpha/2),   hi = ceil((n + 1) · (1 - alpha/2))   (1-based ranks)

clipped to the smallest and largest residual (so a small group gets its full range, a
wide interval, rather than a made-up tail). The residuals are held out: each row predicted by
the calibration fitted without any row of its source (k-fold by source,
``validation.heldout_points``), so the interval measures prediction, not fit.

Groups are vendor x model kind (dense or MoE), falling back to the vendor and then to all
points when a group has fewer than ``MIN_POINTS``. A chip whose efficiencies are the
prior (no calibration fitted to measurements of its family) is *unvalidated*: it gets
the union of every group's interval (as wrong as the worst-predicted family has been) and
is labelled so wherever it appears.

A quantity that is inversely proportional to throughput (cost per token, time per token)
takes the interval the other way round: ``inverse`` below.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Nominal coverage of every interval (an 80 % interval: p10 to p90).
COVERAGE = 0.8
#: Fewest held-out points a group needs before it gets its own interval.
MIN_POINTS = 5


@dataclass(frozen=True, slots=True)
class Interval:
    """Multiplicative band around a throughput prediction: truth in
    [low_ratio · y_hat, high_ratio · y_hat] with the nominal coverage."""

    low_ratio: float
    high_ratio: float
    group: str
    points: int
    validated: bool
    coverage: float = COVERAGE

    def __post_init__(self) -> None:
        if not (0 < self.low_ratio <= self.high_ratio and math.isfinite(self.high_ratio)):
            raise ValueError(f"interval ratios must satisfy 0 < low <= high, got {self}")

    def bounds(self, value: float) -> tuple[float, float]:
        """(low, high) of a quantity proportional to throughput."""
        return value * self.low_ratio, value * self.high_ratio

    def inverse(self, value: float) -> tuple[float, float]:
        """(low, high) of a quantity inversely proportional to throughput (cost per token):
        the low end comes from the high throughput end."""
        return value / self.high_ratio, value / self.low_ratio

    def overlaps(self, a: float, b: float, other: Interval) -> bool:
        """Whether throughput a (this interval) and b (``other``) are within error."""
        a_lo, a_hi = self.bounds(a)
        b_lo, b_hi = other.bounds(b)
        return a_lo <= b_hi and b_lo <= a_hi

    def as_dict(self) -> dict[str, object]:
        return {
            "coverage": self.coverage,
            "low_ratio": self.low_ratio,
            "high_ratio": self.high_ratio,
            "group": self.group,
            "points": self.points,
            "validated": self.validated,
        }


def conformal_ratios(
    log_ratios: Iterable[float], coverage: float = COVERAGE
) -> tuple[float, float]:
    """(low, high) multiplicative ratios from held-out log-residuals (module docstring)."""
    r = sorted(log_ratios)
    n = len(r)
    if n == 0:
        raise ValueError("no residuals")
    # Rounded so that 1 - 0.8 is 0.2 and (n + 1) * 0.1 an exact rank where it should be.
    half_alpha = round((1.0 - coverage) / 2, 12)
    lo = min(max(math.floor(round((n + 1) * half_alpha, 9)), 1), n)
    hi = max(min(math.ceil(round((n + 1) * (1 - half_alpha), 9)), n), 1)
    return math.exp(r[lo - 1]), math.exp(r[hi - 1])


def group_key(vendor: str, moe: bool) -> str:
    return f"{vendor}/{'moe' if moe else 'dense'}"


@dataclass(frozen=True, slots=True)
class ErrorModel:
    """Intervals per group, built by :func:`siliconomics.validation.error_model`."""

    groups: Mapping[str, Interval]
    coverage: float = COVERAGE

    def interval(self, vendor: str, moe: bool, validated: bool) -> Interval:
        """The interval of a prediction for a chip of ``vendor`` running a dense or MoE
        model; the widest one, labelled unvalidated, for a chip on the prior."""
        if not validated:
            return self.prior()
        for key in (group_key(vendor, moe), vendor, "all"):
            if key in self.groups:
                return self.groups[key]
        return self.prior()

    def prior(self) -> Interval:
        """The union of every group's interval: no better than the worst-predicted group."""
        if not self.groups:
            return Interval(0.25, 4.0, "prior (no validation data)", 0, False, self.coverage)
        return Interval(
            min(i.low_ratio for i in self.groups.values()),
            max(i.high_ratio for i in self.groups.values()),
            "prior (unvalidated: union of every group)",
            0,
            False,
            self.coverage,
        )


def build_error_model(
    residuals: Iterable[tuple[str, bool, float]], coverage: float = COVERAGE
) -> ErrorModel:
    """From (vendor, moe, ln(measured / predicted)) of held-out points: one interval per
    vendor x kind, per vendor and overall wherever there are ``MIN_POINTS``."""
    rows = list(residuals)
    buckets: dict[str, list[float]] = {}
    for vendor, moe, r in rows:
        for key in (group_key(vendor, moe), vendor, "all"):
            buckets.setdefault(key, []).append(r)
    groups = {}
    for key, rs in sorted(buckets.items()):
        if len(rs) < MIN_POINTS:
            continue
        lo, hi = conformal_ratios(rs, coverage)
        groups[key] = Interval(lo, hi, key, len(rs), True, coverage)
    return ErrorModel(groups, coverage)
