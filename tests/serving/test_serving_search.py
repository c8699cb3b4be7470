"""The SLA search: best configurations, the frontier and its exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from siliconomics.catalog.dtypes import KVFormat, WeightFormat
from siliconomics.errors import SiliconomicsError
from siliconomics.serving.search import SearchResult, best_config
from siliconomics.serving.workload import LogNormal

TTFT_S, TPOT_S = 1.0, 0.03


@pytest.fixture(scope="module")
def result(llama8b, h100) -> SearchResult:  # type: ignore[no-untyped-def]
    return best_config(
        llama8b,
        h100,
        2,
        input_len=1024,
        output_len=256,
        weights=[WeightFormat.FP8, WeightFormat.BF16],
        kvs=[KVFormat.BF16],
        ttft_p99_limit_s=TTFT_S,
        tpot_p99_limit_s=TPOT_S,
    )


def test_best_is_the_best_simulated_and_sla_point_meets_limits(result: SearchResult) -> None:
    assert result.best.output_tokens_per_s > 0
    sla = result.best_sla
    assert sla is not None
    assert sla.ttft_p99_s <= TTFT_S
    assert sla.tpot_p99_s <= TPOT_S
    assert sla.rate_per_s is not None and sla.rate_per_s > 0
    # A limit can only cost throughput.
    assert sla.output_tokens_per_s <= result.best.output_tokens_per_s * 1.02
    for p in result.frontier:
        assert p.output_tokens_per_s <= result.best.output_tokens_per_s * 1.02
    assert result.best.deployment.chips == 2


def test_frontier_is_pareto(result: SearchResult) -> None:
    pts = [
        (p.output_tokens_per_s_per_chip, p.output_tokens_per_s_per_user) for p in result.frontier
    ]
    assert len(pts) >= 2
    for a in pts:
        for b in pts:
            dominated = b[0] >= a[0] and b[1] >= a[1] and b != a
            assert not dominated, (a, b)
    # Sorted by throughput per chip, interactivity falls along it.
    xs = [x for x, _ in pts]
    ys = [y for _, y in pts]
    assert xs == sorted(xs)
    assert ys == sorted(ys, reverse=True)


def test_exports(result: SearchResult) -> None:
    from siliconomics import api
    from siliconomics.export import frontier_csv, frontier_html, frontier_json

    r = api.throughput(
        "llama-3.1-8b", "nvidia-h100-sxm", 2, input_len=1024, output_len=256, frontier_points=4
    )
    rows = list(csv.DictReader(io.StringIO(frontier_csv(r))))
    assert len(rows) == len(r["frontier"])
    assert float(rows[0]["output_tokens_per_s_per_chip"]) == pytest.approx(
        r["frontier"][0]["output_tokens_per_s_per_chip"]
    )
    assert json.loads(frontier_json(r))[0]["mode"] in {"aggregated", "disaggregated"}
    d = json.loads(json.dumps(result.as_dict()))
    assert {"best", "best_sla", "frontier", "candidates_evaluated"} <= d.keys()
    assert d["best"]["output_tokens_per_s"] == result.best.output_tokens_per_s
    html = frontier_html(r, include_plotlyjs="cdn")
    assert "Plotly.newPlot" in html and "per chip" in html


def test_search_with_distributions_runs(llama8b, h100) -> None:  # type: ignore[no-untyped-def]
    r = best_config(
        llama8b,
        h100,
        1,
        input_len=LogNormal(800.0, 0.6, max_tokens=8000),
        output_len=LogNormal(200.0, 0.6, max_tokens=2000),
        weights=[WeightFormat.FP8],
        kvs=[KVFormat.BF16],
        top_k=1,
        frontier_points=3,
    )
    assert r.input_tokens_mean == 800.0
    assert r.best_sla is None
    assert r.best.output_tokens_per_s > 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"chips": 0}, "chips"),
        ({"ttft_p99_limit_s": -1.0}, "ttft_p99"),
        ({"tpot_p99_limit_s": 0.0}, "tpot_p99"),
        ({"input_len": -3}, "input_len"),
        ({"weights": [WeightFormat.FP4]}, "weights"),
    ],
)
def test_bad_search_inputs(llama8b, h100, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    args = {"chips": 1, "input_len": 100, "output_len": 100, **kwargs}
    chips = args.pop("chips")
    with pytest.raises(SiliconomicsError, match=field):
        best_config(llama8b, h100, chips, **args)


def test_model_too_big_for_the_chips(llama70b, h100) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SiliconomicsError, match="chips"):
        best_config(llama70b, h100, 1, input_len=100, output_len=100, weights=[WeightFormat.BF16])
