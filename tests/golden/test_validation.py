"""Predictions against published measurements (the validation set and its sources).

Tolerances reflect what the calibrated model achieves (docs/accuracy.md, docs/calibration.md),
not wishes; a failure prints expected, actual and error. Points far off are listed below with
the reason, not dropped.
"""

import pytest

from siliconomics import api


@pytest.fixture(scope="module")
def result():
    return api.validate()


def throughput_points(result):
    return [
        p
        for p in result["points"]
        if p["metric"] == "output_tokens_per_s"
        and p["error"] is not None
        and p["method"] == "analytic"
    ]


# Achieved (docs/accuracy.md): offline 10.1%, server 15.3% over the MLPerf rows with known
# lengths, after the 405B rows joined the set.
@pytest.mark.parametrize(("scenario", "tolerance"), [("offline", 0.12), ("server", 0.16)])
def test_simulated_mlperf_accuracy(result, scenario, tolerance):
    """The serving simulator on MLPerf Offline/Server rows (p99 limits on simulated percentiles)."""
    s = result["summary"]["simulated"][f"scenario {scenario}"]
    assert s["points"] >= 15
    assert s["median_abs_error"] <= tolerance, s


def test_simulated_interactive_bias_is_as_documented(result):
    """Interactive (40 ms p99 TPOT) is over-predicted (docs/accuracy.md): the simulator has no
    scheduler jitter or kernel-launch tails. This pins the known bias so a change is noticed."""
    pts = [
        p
        for p in result["points"]
        if p["method"] == "simulated" and p["scenario"] == "interactive" and p["error"] is not None
    ]
    assert len(pts) >= 5
    assert sum(p["error"] > 0 for p in pts) >= len(pts) - 1


def test_overall_median_error(result):
    s = result["summary"]["overall"]["throughput"]
    assert s["points"] >= 150
    # The design target is 15%. Achieved 14.5% over 158 points; it was 12.1% before 19
    # AWS Trainium rows (median error 187%, see below and docs/accuracy.md) joined the set.
    assert s["median_abs_error"] <= 0.15, s


@pytest.mark.parametrize(
    ("vendor", "tolerance"),
    # aws: the model is far off on Trainium (optimum-neuron and NxD benchmarks; MoE models
    # 5-12x over-predicted): pinned at what it is, so that any change is noticed.
    [("nvidia", 0.11), ("amd", 0.14), ("intel", 0.20), ("aws", 2.0)],
)
def test_vendor_median_error(result, vendor, tolerance):
    s = result["summary"]["vendor"][vendor]
    assert s["points"] >= 5
    assert s["median_abs_error"] <= tolerance, s


def test_every_point_within_band_or_explained(result):
    failures = []
    for p in throughput_points(result):
        if abs(p["error"]) > 0.5 and p["id"] not in result["outliers"]:
            failures.append(
                f"{p['id']}: expected {p['measured']:.4g}, predicted {p['predicted']:.4g}, "
                f"error {p['error']:+.1%} ({p['source']})"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("point_id", "measured", "tolerance"),
    [
        # MLPerf Inference v4.1, NVIDIA H100-SXM x8, Llama 2 70B Offline (source V02).
        ("mlperf41-h100x8-llama2-70b-offline", 24524.9, 0.25),
        # MLPerf Inference v5.1, AMD MI300X x8, Llama 2 70B Offline. (MI325X is under-predicted
        # by ~29%: its family fit is dominated by MI300X rows; see docs/accuracy.md.)
        ("mlperf51-mi300x8-llama2-70b-offline", 27803.9, 0.25),
        # TensorRT-LLM perf overview, H200 TP8, Llama 3.1 70B FP8, 1000/1000 tokens.
        ("trtllm017-h200-tp8-llama3.1-70b-1000-1000", 13181.24, 0.25),
    ],
)
def test_published_points(result, point_id, measured, tolerance):
    p = next(p for p in result["points"] if p["id"] == point_id and p["method"] == "analytic")
    assert p["measured"] == pytest.approx(measured)
    assert p["predicted"] == pytest.approx(measured, rel=tolerance), (
        f"expected {measured}, predicted {p['predicted']:.4g}, error {p['error']:+.1%}"
    )


def test_listed_outliers_exist(result):
    ids = {p["id"] for p in result["points"]}
    assert set(result["outliers"]) <= ids


def test_skipped_points_say_why(result):
    for p in result["points"]:
        if p["predicted"] is None:
            assert p["skipped"], p["id"]


@pytest.mark.parametrize(
    ("group", "tolerance"),
    # Achieved: TTFT 17.5%, TPOT 24.9% (TensorRT-LLM v0.14 serving table, 2 and 16 req/s);
    # the analytic model without queueing is at 51% and 32% on the same rows.
    [("prefill (ttft) at a request rate", 0.20), ("decode (tpot) at a request rate", 0.27)],
)
def test_simulated_latency_at_a_request_rate(result, group, tolerance):
    s = result["summary"]["simulated"][group]
    assert s["points"] == 8
    assert s["median_abs_error"] <= tolerance, s


@pytest.mark.parametrize(
    ("group", "median_tol", "p90_tol"),
    # Held out (5-fold by source, docs/accuracy.md), achieved at issue 11: all 15.3% / 84.1%,
    # NVIDIA 10.2% / 38.6%, Hopper 9.0% / 23.6%, AMD 12.6% / 28.5%, MoE 29.0% / 798%. The
    # issue's bar is median <= 10% and p90 <= 30% on every group: not met yet, pinned here
    # at what it is so that a regression (or an improvement to tighten to) is noticed.
    [
        ("all", 0.16, 0.85),
        ("vendor nvidia", 0.11, 0.40),
        ("family nvidia-hopper", 0.10, 0.25),
        ("vendor amd", 0.13, 0.30),
    ],
)
def test_held_out_accuracy(result, group, median_tol, p90_tol):
    s = result["summary"]["held_out"][group]
    assert s["points"] >= 20
    assert s["median_abs_error"] <= median_tol, s
    assert s["p90_abs_error"] <= p90_tol, s
