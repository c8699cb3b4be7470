"""The operating-point engine: the one answer to "what is the best way to run model M on
hardware H for workload W under SLA S with precision policy P?".

Every command and the report that needs an operating point asks :func:`find` (or
:func:`operating_point`); nothing else searches. The method is serving.search's: the
analytic model rates every configuration (parallelism, batch cap, formats, aggregated or
disaggregated) and prunes; the request-level simulator confirms the best of each mode.
An SLA always means simulated p99 TTFT and TPOT under Poisson load at the highest rate
that meets them; without one, the best is the simulated sustained (Offline) rate.

**Chip count.** With ``chips`` given the search runs on exactly that many. Without, the
count is chosen from powers of two up to the scale-up domain (at least 8): counts are
ranked by the best analytic output tokens/s *per chip* among configurations whose
analytic latency meets the SLA (stopping two sizes after the first that fits), and the
full search runs at the best-rated count (at the next ones only while none meets the
SLA in simulation); among counts searched, the most simulated tokens/s per chip (the
cheapest tokens) wins. So ``cost`` at its chosen count
and ``throughput --chips`` at the same count give the same operating point.

**Determinism.** Same inputs, same answer: the simulator's seed is fixed, candidates tie
on a stable description of the deployment, and results are cached per question (an
in-process cache keyed by every input), so the report's sections reuse one search.

**Error bars.** Each point carries the interval of its vendor x model-kind group from the
held-out validation residuals (perf.uncertainty); chips on the prior calibration carry
the widest one and ``validated: false``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from siliconomics.catalog.specs import ModelArch
from siliconomics.errors import DoesNotFit, SiliconomicsError, SlaUnreachable
from siliconomics.perf.config import PrecisionPolicy
from siliconomics.perf.search import search as analytic_search
from siliconomics.perf.timing import Hardware
from siliconomics.perf.uncertainty import ErrorModel, Interval
from siliconomics.serving.search import (
    ENGINES_FOR_LAYOUT,
    Layout,
    SearchResult,
    ServingPoint,
    best_config,
    layout_kind,
)
from siliconomics.serving.workload import LengthDist

#: Chip counts tried when none is given: powers of two up to the scale-up domain (at
#: least 8), stopping a few sizes after the first that fits.
CHIP_COUNTS = (1, 2, 4, 8, 16, 32, 64)
EXTRA_SIZES_AFTER_FIT = 2
#: Chip counts whose full (simulated) search decides, best analytic first; counts that
#: miss the SLA in simulation are passed over. One: the analytic rating ranks counts well
#: once batches are capped at what the simulator admits, and each count simulated costs
#: a full search.
SIMULATED_COUNTS = 1
#: A runner-up count is simulated only if its analytic rating per chip is within this
#: ratio of the best count's (the analytic and simulated rankings rarely swap further).
CLOSE_COUNT_RATIO = 0.85
_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Sla:
    """Latency limits: simulated p99 time to first token and p99 time per output token."""

    ttft_p99_s: float | None = None
    tpot_p99_s: float | None = None

    def __post_init__(self) -> None:
        for name, lim in (("ttft_p99", self.ttft_p99_s), ("tpot_p99", self.tpot_p99_s)):
            if lim is not None and (
                isinstance(lim, bool)
                or not isinstance(lim, int | float)
                or not (lim > 0 and math.isfinite(lim))
            ):
                raise SiliconomicsError(
                    f"{name}: must be a finite time > 0 in seconds, got {lim!r}"
                )

    @property
    def active(self) -> bool:
        return self.ttft_p99_s is not None or self.tpot_p99_s is not None

    @property
    def label(self) -> str:
        if not self.active:
            return "offline (no latency limit)"
        parts = []
        if self.ttft_p99_s is not None:
            parts.append(f"p99 TTFT <= {self.ttft_p99_s:g} s")
        if self.tpot_p99_s is not None:
            parts.append(f"p99 TPOT <= {self.tpot_p99_s * 1e3:g} ms")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """One confirmed way of running a model on hardware, what it delivers, and how sure
    we are. ``as_dict`` is the one serializer every command and the report use."""

    model: str
    hardware: str
    accelerator: str
    vendor: str
    chip_kind: str
    input_tokens_mean: float
    output_tokens_mean: float
    policy: str
    sla: Sla
    point: ServingPoint
    interval: Interval

    @property
    def chips(self) -> int:
        return self.point.deployment.chips

    @property
    def validated(self) -> bool:
        return self.interval.validated

    @property
    def output_tokens_per_s(self) -> float:
        return self.point.output_tokens_per_s

    @property
    def output_tokens_per_s_per_chip(self) -> float:
        return self.point.output_tokens_per_s / self.chips

    @property
    def request_rate_per_s(self) -> float:
        """Requests served per second: output tokens/s over the mean output length."""
        return self.output_tokens_per_s / self.output_tokens_mean

    @property
    def mean_batch(self) -> float:
        """Sequences decoding at once, by Little's law: tokens/s x mean time per token."""
        return self.output_tokens_per_s * self.point.tpot_mean_s

    @property
    def batch_cap(self) -> int:
        """The engine's cap on sequences in flight over the whole deployment."""
        d = self.point.deployment
        return (d.engine.max_num_seqs or 1) * d.par.dp

    @property
    def engines(self) -> tuple[str, ...]:
        return ENGINES_FOR_LAYOUT[layout_kind(self.point.deployment)]

    def as_dict(self) -> dict[str, Any]:
        p = self.point
        lo, hi = self.interval.bounds(self.output_tokens_per_s)
        lo_c, hi_c = self.interval.bounds(self.output_tokens_per_s_per_chip)
        return {
            "model": self.model,
            "hardware": self.hardware,
            "accelerator": self.accelerator,
            "vendor": self.vendor,
            "chip_kind": self.chip_kind,
            "input_tokens_mean": self.input_tokens_mean,
            "output_tokens_mean": self.output_tokens_mean,
            "precision_policy": self.policy,
            "sla": {"ttft_p99_s": self.sla.ttft_p99_s, "tpot_p99_s": self.sla.tpot_p99_s},
            **p.as_dict(),
            "batch_cap": self.batch_cap,
            "mean_batch": self.mean_batch,
            "output_tokens_per_s_low": lo,
            "output_tokens_per_s_high": hi,
            "output_tokens_per_s_per_chip_low": lo_c,
            "output_tokens_per_s_per_chip_high": hi_c,
            "validated": self.validated,
            "interval": self.interval.as_dict(),
            "engines": list(self.engines),
            "method": "simulated",
        }


@dataclass(frozen=True, slots=True)
class EngineResult:
    """A search's answers: without SLA, within it (None when none meets it), frontier."""

    best: OperatingPoint
    best_sla: OperatingPoint | None
    frontier: tuple[OperatingPoint, ...]
    sla: Sla
    candidates_evaluated: int
    simulations: int
    chip_counts_rated: tuple[int, ...]

    @property
    def answer(self) -> OperatingPoint:
        """The operating point for the question asked: within the SLA when one is set."""
        if not self.sla.active:
            return self.best
        if self.best_sla is None:
            raise SlaUnreachable(
                f"sla: no configuration of {self.best.model} on {self.best.chips} x "
                f"{self.best.accelerator} meets {self.sla.label} (simulated under load)"
            )
        return self.best_sla


_CACHE: OrderedDict[tuple[Any, ...], EngineResult] = OrderedDict()


def clear_cache() -> None:
    _CACHE.clear()


def cached_questions() -> list[tuple[Any, ...]]:
    """The questions whose answers are cached (for a worker to report what it found)."""
    return list(_CACHE)


def cached_items() -> list[tuple[tuple[Any, ...], EngineResult]]:
    return list(_CACHE.items())


def remember(items: list[tuple[tuple[Any, ...], EngineResult]]) -> None:
    """Add answers found in another process. The key holds every input and the engine is
    deterministic, so an answer is the same wherever it was computed."""
    for key, result in items:
        _CACHE[key] = result
        _CACHE.move_to_end(key)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def check_context(
    model: ModelArch, input_len: int | LengthDist, output_len: int | LengthDist
) -> None:
    """A request longer than the model's positions (``max_position_embeddings``) is the
    user's error, not a chip that cannot run it. Length distributions are checked by the
    simulator, per sampled request."""
    limit = model.max_position_embeddings
    fixed = isinstance(input_len, int) and isinstance(output_len, int)
    if limit and fixed and input_len + output_len > limit:  # type: ignore[operator]
        raise SiliconomicsError(
            f"input_len + output_len: {input_len + output_len} tokens exceed the {limit} "  # type: ignore[operator]
            f"positions of {model.id} (max_position_embeddings)"
        )


def find(
    model: ModelArch,
    hw: Hardware,
    *,
    input_len: int | LengthDist,
    output_len: int | LengthDist,
    chips: int | None = None,
    policy: PrecisionPolicy | None = None,
    sla: Sla | None = None,
    layout: Layout | None = None,
    errors: ErrorModel | None = None,
    validated: bool = True,
    hardware_name: str | None = None,
    frontier_points: int = 0,
    seed: int = 0,
) -> EngineResult:
    """The best operating points of ``model`` on ``hw`` (module docstring)."""
    policy = policy or PrecisionPolicy()
    sla = sla or Sla()
    layout = layout or Layout()
    check_context(model, input_len, output_len)
    key = (
        model,
        repr(hw),
        input_len,
        output_len,
        chips,
        policy,
        sla,
        layout,
        errors is not None and id(errors),
        validated,
        hardware_name,
        frontier_points,
        seed,
    )
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    result = _find(
        model,
        hw,
        input_len,
        output_len,
        chips,
        policy,
        sla,
        layout,
        errors,
        validated,
        hardware_name,
        frontier_points,
        seed,
    )
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def operating_point(model: ModelArch, hw: Hardware, **kwargs: Any) -> OperatingPoint:
    """The answer to one question (:func:`find`'s ``answer``)."""
    return find(model, hw, **kwargs).answer


def _find(
    model: ModelArch,
    hw: Hardware,
    input_len: int | LengthDist,
    output_len: int | LengthDist,
    chips: int | None,
    policy: PrecisionPolicy,
    sla: Sla,
    layout: Layout,
    errors: ErrorModel | None,
    validated: bool,
    hardware_name: str | None,
    frontier_points: int,
    seed: int,
) -> EngineResult:
    precs = policy.precisions(model, hw.chip)
    counts, close = (
        ([chips], 1) if chips else _rank_chip_counts(model, hw, input_len, output_len, precs, sla)
    )
    last: SiliconomicsError | None = None
    results: list[SearchResult] = []

    for n in counts:
        try:
            results.append(
                best_config(
                    model,
                    hw,
                    n,
                    input_len=input_len,
                    output_len=output_len,
                    precisions=precs,
                    ttft_p99_limit_s=sla.ttft_p99_s,
                    tpot_p99_limit_s=sla.tpot_p99_s,
                    layout=layout,
                    frontier_points=frontier_points,
                    seed=seed,
                    hardware_name=hardware_name,
                )
            )
        except SiliconomicsError as exc:
            last = exc
            continue
        met = [r for r in results if _meets(r, sla)]
        if met and (len(met) >= SIMULATED_COUNTS or len(results) >= close):
            break
    if not results:
        raise last or DoesNotFit(f"chips: {model.id} does not fit on {hw.chip.id}")
    result = max(results, key=lambda r: _per_chip(r, sla))
    interval = (
        errors.interval(str(hw.chip.vendor), model.moe is not None, validated)
        if errors is not None
        else Interval(1.0, 1.0, "none (no error model given)", 0, validated)
    )

    def wrap(p: ServingPoint) -> OperatingPoint:
        return OperatingPoint(
            model=model.id,
            hardware=hardware_name or hw.chip.id,
            accelerator=hw.chip.id,
            vendor=str(hw.chip.vendor),
            chip_kind=hw.chip.kind.value,
            input_tokens_mean=result.input_tokens_mean,
            output_tokens_mean=result.output_tokens_mean,
            policy=policy.label,
            sla=sla,
            point=p,
            interval=interval,
        )

    return EngineResult(
        best=wrap(result.best),
        best_sla=wrap(result.best_sla) if result.best_sla is not None else None,
        frontier=tuple(wrap(p) for p in result.frontier),
        sla=sla,
        candidates_evaluated=result.candidates_evaluated,
        simulations=result.simulations,
        chip_counts_rated=tuple(counts),
    )


def _meets(r: SearchResult, sla: Sla) -> bool:
    return not sla.active or r.best_sla is not None


def _per_chip(r: SearchResult, sla: Sla) -> tuple[bool, float, int]:
    """Rank searches at different chip counts: meeting the SLA first, then the answer's
    output tokens/s per chip, then fewer chips."""
    p = r.best_sla if sla.active else r.best
    if p is None:
        return (False, 0.0, -r.chips)
    return (True, p.output_tokens_per_s / r.chips, -r.chips)


def _rank_chip_counts(
    model: ModelArch,
    hw: Hardware,
    input_len: int | LengthDist,
    output_len: int | LengthDist,
    precs: list[Any],
    sla: Sla,
) -> tuple[list[int], int]:
    """Chip counts, best analytic output tokens/s per chip first (module docstring), and
    how many lead the list within CLOSE_COUNT_RATIO of the best rating: the runners-up
    worth simulating (the others are searched only while none meets the SLA)."""
    i_len = max(1, round(_mean(input_len)))
    o_len = max(1, round(_mean(output_len)))
    weights = sorted({p.weights for p in precs}, key=lambda w: w.value)
    kvs = sorted({p.kv for p in precs}, key=lambda k: k.value)
    sizes = [n for n in CHIP_COUNTS if n <= max(8, hw.scale_up_domain_chips)]
    rated: list[tuple[float, int]] = []
    fitted = 0
    last = ""
    for n in sizes:
        try:
            points = analytic_search(
                model, hw, n, input_len=i_len, output_len=o_len, weights=weights, kvs=kvs
            )
        except SiliconomicsError as exc:
            last = str(exc)
            continue
        points = [o for o in points if o.precision in precs]
        if not points:
            continue
        fitted += 1
        ok = [
            o
            for o in points
            if (sla.ttft_p99_s is None or o.ttft_s <= sla.ttft_p99_s)
            and (sla.tpot_p99_s is None or o.effective_tpot_s <= sla.tpot_p99_s)
        ]
        if ok:
            rated.append((max(o.output_tokens_per_s for o in ok) / n, n))
        if fitted > EXTRA_SIZES_AFTER_FIT:
            break
    if not fitted:
        raise DoesNotFit(
            f"hardware: {model.id} cannot be served on {hw.chip.id}: {last or 'no fit'}"
        )
    if not rated:
        raise SlaUnreachable(
            f"sla: no configuration of {model.id} on {hw.chip.id} meets {sla.label}"
        )
    rated.sort(key=lambda t: (-t[0], t[1]))
    close = sum(1 for r, _ in rated if r >= CLOSE_COUNT_RATIO * rated[0][0])
    return [n for _, n in rated], close


def _mean(d: int | LengthDist) -> float:
    return float(d) if isinstance(d, int) else float(d.mean_tokens)
