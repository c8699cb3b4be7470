"""Cost and latency per query of a reasoning answer, versus a direct answer and a smaller model.

A reasoning query reads I prompt tokens and writes N hidden tokens before V visible ones;
a direct answer writes the V visible tokens only. Each is an operating point of the one
engine (serving.operating) for its own workload: the reasoning case has output_len = N + V,
so its KV cache, batch and step time are those of the longer context, under the same SLA
and precision policy, priced by econ.cost.

**Why it costs more than the token count says.** A request costs ``C · c · O / T``
(econ.cost), with C chips at c USD per chip-second and T output tokens/s. By Little's
law T = B / tau, with B the sequences decoding at once and tau the mean time per output
token a user sees (both from the simulation), so exactly::

    cost_reasoning / cost_direct =  (N + V) / V                  more tokens
                                  x B_direct / B_reasoning        lost batch
                                  x tau_r / tau_d                 step time
                                  x C_r / C_d                     chips (1 when equal)

The last three together are the cost per output token, reasoning over direct. Lost
batch: each sequence's KV cache grows with its context, so fewer sequences fit in the
memory left after the weights and each decode step, which must read all the weights, is
amortised over fewer tokens. Step time: a step over fewer sequences is shorter but not
proportionally (the weight read is fixed), so it only partly offsets the lost batch.

**Best-of-K / self-consistency.** K samples of the same prompt share one prefill (prefix
caching) and decode as K sequences of the batch::

    cost_query = I x USD/input-token + K x (N + V) x USD/output-token

Latency is that of one sample at the operating point's load (the K decode together):
first-token time + (N + V) x tau, and the visible answer starts after first-token time +
N x tau; the first-token time is the mean TTFT under the SLA's load, or one prompt's prefill
at an offline point (where every request is queued at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.specs import ModelArch
from siliconomics.econ.assumptions import Assumptions
from siliconomics.econ.cost import PricedPoint, Question, operating, priced_tco
from siliconomics.econ.tco import Tco, tco
from siliconomics.errors import SiliconomicsError
from siliconomics.perf.config import PrecisionPolicy
from siliconomics.perf.uncertainty import ErrorModel
from siliconomics.perf.workload import kv_cache_bytes_per_chip
from siliconomics.serving.operating import Sla


@dataclass(frozen=True, slots=True)
class QueryCost:
    """One way of answering a query, in money and seconds."""

    label: str
    model: ModelArch
    serving: PricedPoint
    hidden_tokens: int
    visible_tokens: int
    samples: int

    @property
    def output_tokens_per_sample(self) -> int:
        return self.hidden_tokens + self.visible_tokens

    @property
    def usd_per_query(self) -> float:
        c = self.serving.costs
        return (
            self.serving.op.input_tokens_mean * c.usd_per_million_input_tokens
            + self.samples * self.output_tokens_per_sample * c.usd_per_million_output_tokens
        ) / 1e6

    @property
    def first_token_s(self) -> float:
        """Mean TTFT under the SLA's load; at an offline point (every request queued at
        once, so its TTFT measures the queue) one prompt's prefill on a free slot."""
        p = self.serving.op.point
        return p.ttft_mean_s if p.rate_per_s is not None else p.analytic_ttft_s

    @property
    def latency_s(self) -> float:
        p = self.serving.op.point
        return self.first_token_s + self.output_tokens_per_sample * p.tpot_mean_s

    @property
    def time_to_visible_s(self) -> float:
        p = self.serving.op.point
        return self.first_token_s + self.hidden_tokens * p.tpot_mean_s

    @property
    def kv_bytes_per_sequence_per_chip(self) -> float:
        op = self.serving.op
        d = op.point.deployment
        ctx = int(op.input_tokens_mean + op.output_tokens_mean // 2)
        return float(kv_cache_bytes_per_chip(self.model, d.par, op.point.precision, 1, ctx))

    def as_dict(self) -> dict[str, Any]:
        s = self.serving
        op = s.op
        d = s.as_dict()
        lo, hi = op.interval.inverse(self.usd_per_query)
        return {
            "label": self.label,
            "hidden_tokens": self.hidden_tokens,
            "visible_tokens": self.visible_tokens,
            "samples": self.samples,
            **{
                k: d[k]
                for k in (
                    "model",
                    "accelerator",
                    "chips",
                    "mode",
                    "weights",
                    "kv",
                    "precision_policy",
                    "validated",
                    "output_tokens_per_s_per_chip",
                    "output_tokens_per_s_per_chip_low",
                    "output_tokens_per_s_per_chip_high",
                    "usd_per_million_input_tokens",
                    "usd_per_million_output_tokens",
                    "ttft_p99_s",
                    "tpot_p99_s",
                    "tpot_mean_s",
                    "ttft_mean_s",
                )
            },
            "parallelism": d.get("parallelism") or d.get("decode_parallelism"),
            "batch": op.mean_batch,
            "batch_cap": op.batch_cap,
            "mean_context_tokens": op.input_tokens_mean + op.output_tokens_mean / 2,
            "kv_bytes_per_sequence_per_chip": self.kv_bytes_per_sequence_per_chip,
            "usd_per_query": self.usd_per_query,
            "usd_per_query_low": lo,
            "usd_per_query_high": hi,
            "latency_s": self.latency_s,
            "time_to_visible_s": self.time_to_visible_s,
        }


@dataclass(frozen=True, slots=True)
class Factor:
    """cost_reasoning / cost_direct, decomposed exactly into its causes (product = total)."""

    total: float
    more_tokens: float
    lost_batch: float
    step_time: float
    chips: float
    samples: float

    @property
    def per_token_cost(self) -> float:
        """Cost per output token, reasoning over direct: lost batch x step time x chips."""
        return self.lost_batch * self.step_time * self.chips

    def as_dict(self) -> dict[str, float]:
        return {
            "total": self.total,
            "more_tokens": self.more_tokens,
            "per_token_cost": self.per_token_cost,
            "lost_batch": self.lost_batch,
            "step_time": self.step_time,
            "chips": self.chips,
            "samples": self.samples,
        }


def decompose(reasoning: QueryCost, direct: QueryCost) -> Factor:
    """The factor of a reasoning query over a direct one, split into its causes.

    Per sample: usd_per_request = C·c·O·tau/B (module docstring), so the ratio is the
    product of the O, 1/B, tau and C ratios (c, the chip-second price, is the same
    hardware). The samples factor is the K-sample query cost over the one-sample request
    cost.
    """
    r, d = reasoning.serving, direct.serving
    ro, do = r.op, d.op
    return Factor(
        total=reasoning.usd_per_query / direct.usd_per_query,
        more_tokens=ro.output_tokens_mean / do.output_tokens_mean,
        lost_batch=do.mean_batch / ro.mean_batch,
        step_time=ro.point.tpot_mean_s / do.point.tpot_mean_s,
        chips=ro.chips / do.chips,
        samples=(reasoning.usd_per_query / r.costs.usd_per_request)
        / (direct.usd_per_query / d.costs.usd_per_request),
    )


@dataclass(frozen=True, slots=True)
class ReasoningCost:
    direct: QueryCost
    reasoning: QueryCost
    small: QueryCost | None
    factor: Factor
    tco: Tco

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accelerator": self.tco.accelerator,
            "usd_per_chip_hour": self.tco.total_usd_per_hour,
            "input_len": self.reasoning.serving.op.input_tokens_mean,
            "validated": self.reasoning.serving.op.validated,
            "direct": self.direct.as_dict(),
            "reasoning": self.reasoning.as_dict(),
            "factor_over_direct": self.factor.as_dict(),
            "latency_factor_over_direct": self.reasoning.latency_s / self.direct.latency_s,
            "explanation": explain(self),
        }
        if self.small is not None:
            out["small_model"] = self.small.as_dict()
            out["small_model_factor_over_direct"] = (
                self.small.usd_per_query / self.direct.usd_per_query
            )
        return out


def explain(rc: ReasoningCost) -> str:
    """One sentence that says where the factor comes from."""
    f = rc.factor
    r, d = rc.reasoning.serving.op, rc.direct.serving.op
    ctx = r.input_tokens_mean + r.output_tokens_mean / 2
    return (
        f"A reasoning query costs {f.total:.1f}x the direct answer: {f.more_tokens:.1f}x the "
        f"output tokens times {f.per_token_cost:.2f}x the cost per output token. The KV cache "
        f"of a mean context of {ctx:.0f} tokens lets {r.mean_batch:.0f} sequences decode at "
        f"once instead of {d.mean_batch:.0f} (lost batch x{f.lost_batch:.2f}), partly offset "
        f"by shorter steps over fewer sequences (step time x{f.step_time:.2f}); chips "
        f"x{f.chips:.2f}; {rc.reasoning.samples} sample(s) x{f.samples:.2f}."
    )


def _query(
    label: str,
    catalog: Catalog,
    model: ModelArch,
    hardware: str,
    t: Tco,
    q: Question,
    errors: ErrorModel | None,
    *,
    hidden: int,
    visible: int,
    samples: int,
) -> QueryCost:
    op = operating(catalog, model, hardware, q, errors)
    return QueryCost(
        label, model, priced_tco(catalog, op, hardware, tco_result=t), hidden, visible, samples
    )


def reasoning_cost(
    catalog: Catalog,
    model: ModelArch,
    hardware: str,
    *,
    hidden_tokens: int,
    visible_tokens: int,
    input_len: int = 1024,
    samples: int = 1,
    chips: int | None = None,
    small_model: ModelArch | None = None,
    policy: PrecisionPolicy | None = None,
    sla: Sla | None = None,
    errors: ErrorModel | None = None,
    assumptions: Assumptions | None = None,
    overrides: Mapping[str, float] | None = None,
    chip_price_usd: float | None = None,
    it_power_w_per_chip: float | None = None,
) -> ReasoningCost:
    """Reasoning (N hidden + V visible, K samples) vs direct (V) vs a smaller model.

    The direct answer picks its chip count (or uses ``chips``); the reasoning answer runs
    on the same count when it fits there, so the factor isolates tokens and batch. The
    smaller model answers the same reasoning query on the same hardware. The SLA (p99
    TTFT and TPOT, simulated under load) applies to every case.
    """
    for name, v, lo in (
        ("hidden_tokens", hidden_tokens, 0),
        ("visible_tokens", visible_tokens, 1),
        ("samples", samples, 1),
        ("input_len", input_len, 1),
    ):
        if not isinstance(v, int) or isinstance(v, bool) or v < lo:
            raise SiliconomicsError(f"{name}: must be an integer >= {lo}, got {v!r}")
    t = tco(
        catalog,
        hardware,
        assumptions=assumptions,
        overrides=overrides,
        chip_price_usd=chip_price_usd,
        it_power_w_per_chip=it_power_w_per_chip,
    )
    base = Question(
        input_len=input_len,
        output_len=visible_tokens,
        policy=policy or PrecisionPolicy(),
        sla=sla or Sla(),
        chips=chips,
    )
    direct = _query(
        "direct",
        catalog,
        model,
        hardware,
        t,
        base,
        errors,
        hidden=0,
        visible=visible_tokens,
        samples=1,
    )
    long = replace(base, output_len=hidden_tokens + visible_tokens)
    # Same chip count as the direct answer when it fits there (the factor then isolates
    # tokens and batch); otherwise, unless the caller fixed the count, let it choose.
    counts: list[int | None] = (
        [direct.serving.op.chips]
        if chips
        else [
            direct.serving.op.chips,
            None,
        ]
    )
    for n, count in enumerate(counts):
        try:
            reasoning = _query(
                "reasoning",
                catalog,
                model,
                hardware,
                t,
                replace(long, chips=count),
                errors,
                hidden=hidden_tokens,
                visible=visible_tokens,
                samples=samples,
            )
            break
        except SiliconomicsError:
            if n == len(counts) - 1:
                raise
    small = None
    if small_model is not None:
        small = _query(
            "small-model",
            catalog,
            small_model,
            hardware,
            t,
            replace(long, chips=None),
            errors,
            hidden=hidden_tokens,
            visible=visible_tokens,
            samples=samples,
        )
    return ReasoningCost(direct, reasoning, small, decompose(reasoning, direct), t)
