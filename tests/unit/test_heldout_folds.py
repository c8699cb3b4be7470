"""k-fold held-out validation with folds by source (issue 11, part 9)."""

from dataclasses import replace

import pytest

from siliconomics import api, validation


def _rows(counts: dict[str, int]) -> list[dict[str, str]]:
    return [{"source": s, "id": f"{s}-{i}"} for s, n in counts.items() for i in range(n)]


def test_source_folds_keep_a_source_whole_and_balance_rows() -> None:
    # Sources by size 10, 6, 5, 4, 3, 2 into 3 folds, largest first to the emptiest fold:
    # A(10)->0, B(6)->1, C(5)->2, D(4)->2 (5<6), E(3)->1 (6<9), F(2)->1 (9 == 9, fold 1 first).
    folds = validation.source_folds(_rows({"A": 10, "B": 6, "C": 5, "D": 4, "E": 3, "F": 2}), 3)
    assert folds == [["A"], ["B", "E", "F"], ["C", "D"]]
    # Deterministic regardless of row order.
    rev = list(reversed(_rows({"A": 10, "B": 6, "C": 5, "D": 4, "E": 3, "F": 2})))
    assert validation.source_folds(rev, 3) == folds


def test_stored_folds_match_the_shipped_calibration_and_cover_every_source() -> None:
    """folds.yaml must be regenerated (benchmarks/calibrate.py --write) whenever the
    calibration or the validation rows' sources change; otherwise held-out is stale."""
    fits = validation.load_fold_fits()
    assert fits is not None and len(fits.folds) == validation.FOLDS
    cat = api.get_catalog()
    for family, params in fits.full.items():
        cal = cat.calibrations[family]
        assert {k: getattr(cal, k) for k in params} == params, family
    rows = [r for r in validation.load_rows() if r["metric"] == validation.THROUGHPUT]
    stored = [sorted(s) for s, _ in fits.folds]
    assert stored == validation.source_folds(rows)
    all_sources = set().union(*(s for s, _ in fits.folds))
    assert {r["source"] for r in rows} == all_sources
    # Folds are disjoint.
    assert sum(len(s) for s, _ in fits.folds) == len(all_sources)


def test_fold_catalog_uses_the_fold_fit_and_respects_a_changed_calibration() -> None:
    cat = api.get_catalog()
    fits = validation.load_fold_fits()
    assert fits is not None
    _sources, params = fits.folds[0]
    fold_cat = validation.fold_catalogs(cat, fits)[0][1]
    for family, ps in params.items():
        for k, v in ps.items():
            assert getattr(fold_cat.calibrations[family], k) == v
    # A user's own calibration for a family (overlay) is kept as is, not replaced.
    family = next(iter(params))
    mine = replace(cat.calibrations[family], gemm_efficiency=0.123)
    user = replace(cat, calibrations={**cat.calibrations, family: mine})
    kept = validation.fold_catalogs(user, fits)[0][1]
    assert kept.calibrations[family].gemm_efficiency == 0.123


@pytest.fixture(scope="module")
def report() -> dict:
    return api.validate(simulate=False, training_throughput=False)


def test_every_scored_throughput_row_is_predicted_held_out(report: dict) -> None:
    by = {(p["id"], p["method"]): p for p in report["points"]}
    analytic = [
        p
        for p in report["points"]
        if p["method"] == "analytic" and p["metric"] == "output_tokens_per_s" and p["predicted"]
    ]
    for p in analytic:
        h = by[(p["id"], "held-out")]
        assert h["held_out"] and h["measured"] == p["measured"]
        assert h["predicted"] is not None, h
    # At least one row's source was decisive for its family's fit: the fold fit differs.
    assert any(by[(p["id"], "held-out")]["predicted"] != p["predicted"] for p in analytic)


def test_heldout_summary_groups_and_percentiles(report: dict) -> None:
    h = report["summary"]["held_out"]
    assert next(iter(h)) == "all"
    for key in (
        "vendor nvidia",
        "family nvidia-hopper",
        "kind moe",
        "kind dense",
        "scenario server",
    ):
        assert key in h
    for v in h.values():
        assert v["p90_abs_error"] >= v["median_abs_error"] >= 0
    n = sum(v["points"] for k, v in h.items() if k.startswith("kind "))
    assert n == h["all"]["points"]


def test_p90_is_nearest_rank() -> None:
    pts = [
        validation.Point("x", "b", "m", "h", "v", 1, "s", "t", 1.0, 1.0 + e / 100, "S")
        for e in range(1, 11)
    ]
    # 10 errors 1%..10%: the 9th smallest (ceil(0.9 * 10)) is 9%.
    assert validation.p90(pts) == pytest.approx(0.09)
