"""Market layer: calendar mapping, the dataset and its read-only SQL, as-of cuts, scenarios,
and the chain's hand-derivable numbers."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from siliconomics.catalog.loader import builtin_catalog, load_catalog
from siliconomics.errors import SiliconomicsError
from siliconomics.market import model
from siliconomics.market.calendar import (
    calendar_quarter,
    calendar_years,
    known_date,
    parse_as_of,
    parse_period,
    qindex,
    qlabel,
)
from siliconomics.market.dataset import connect, load_market, read_only_query
from siliconomics.market.distributed import chunk_sizes, concat, run_on_ray
from siliconomics.market.scenario import load_families, load_scenario

CAT = builtin_catalog()
DATA = load_market(CAT)
FAM = load_families(CAT)
BASE = load_scenario("base", CAT, FAM)


@pytest.mark.parametrize(
    ("period", "fy_end", "expected"),
    [
        ("FY2026-Q4", 1, "2025-Q4"),  # NVIDIA: Nov 2025 - Jan 2026
        ("FY2025-Q1", 1, "2024-Q1"),  # NVIDIA: Feb - Apr 2024 (ended 2024-04-28)
        ("FY2026-Q1", 6, "2025-Q3"),  # Microsoft: Jul - Sep 2025
        ("FY2026-Q2", 10, "2026-Q1"),  # Broadcom: Feb - Apr 2026 (ended 2026-05-03)
        ("FY2026-Q2", 5, "2025-Q4"),  # Oracle: Sep - Nov 2025
        ("2025-Q3", 12, "2025-Q3"),
    ],
)
def test_fiscal_quarters_map_to_the_calendar_quarter_of_their_middle_month(
    period, fy_end, expected
):
    assert qlabel(calendar_quarter(parse_period(period), fy_end)) == expected


def test_fiscal_year_months_split_over_calendar_years():
    assert calendar_years(parse_period("FY2026"), 6) == {2025: 0.5, 2026: 0.5}
    assert calendar_years(parse_period("FY2026"), 1) == {2025: 11 / 12, 2026: 1 / 12}
    assert calendar_years(parse_period("2024"), 12) == {2024: 1.0}


def test_known_date_is_the_last_day_the_source_could_be_dated():
    assert known_date("2025") == date(2025, 12, 31)
    assert known_date("2024-02") == date(2024, 2, 29)
    assert known_date("2025-08-28") == date(2025, 8, 28)


def test_as_of_in_the_future_or_malformed_is_one_line():
    with pytest.raises(SiliconomicsError, match="in the future"):
        parse_as_of("2027-01-01", date(2026, 11, 29))
    with pytest.raises(SiliconomicsError, match="YYYY-MM-DD"):
        parse_as_of("last year", date(2026, 11, 29))


def test_nvidia_rows_land_in_calendar_quarters():
    rows = {r.period: r for r in DATA.series("NVIDIA", "data center revenue")}
    assert qlabel(rows["FY2026-Q4"].cal_quarter) == "2025-Q4"
    assert rows["FY2026-Q4"].value == pytest.approx(62.3e9)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM market",
        "DROP TABLE market",
        "CREATE TABLE t (a INT)",
        "INSERT INTO market (id) VALUES ('x')",
        "COPY market TO 'x.csv'",
        "ATTACH 'x.db'",
        "SELECT 1; SELECT 2",
    ],
)
def test_data_query_refuses_anything_but_one_select(sql):
    con = connect(DATA)
    with pytest.raises(SiliconomicsError, match="SQL:"):
        read_only_query(con, sql)
    assert read_only_query(con, "SELECT count(*) FROM market")["rows"][0][0] == len(DATA.rows)


def test_data_query_cannot_read_files():
    with pytest.raises(SiliconomicsError, match="SQL:"):
        read_only_query(connect(DATA), "SELECT * FROM read_csv('/etc/hostname')")


def test_as_of_keeps_only_rows_out_by_that_day():
    day = date(2025, 6, 30)
    cut = DATA.as_of(day)
    assert cut.rows and all(r.known <= day for r in cut.rows)
    assert {r.id for r in DATA.rows if r.known <= day} == {r.id for r in cut.rows}
    assert "r06" not in {r.id for r in cut.rows}  # NVIDIA Q2 FY2026, reported 2025-08-28


def test_as_of_never_leaks_later_rows():
    """A run as of D is identical whether or not rows dated after D exist at all."""
    day = date(2025, 9, 30)
    later_changed = type(DATA)(
        tuple(
            r if r.known <= day else type(r)(**{**_fields(r), "value": r.value * 7.0})
            for r in DATA.rows
        ),
        DATA.calendars,
        DATA.catalog,
    )
    a = model.run(DATA.as_of(day), FAM, BASE, {}, through_year=2027, draws=50, seed=3)
    b = model.run(later_changed.as_of(day), FAM, BASE, {}, through_year=2027, draws=50, seed=3)
    assert np.array_equal(a.revenue_usd, b.revenue_usd)
    assert np.array_equal(a.capex_usd, b.capex_usd)


def _fields(r):
    return {k: getattr(r, k) for k in r.__slots__}


def test_capex_of_a_guided_year_adds_up_to_the_guidance():
    """2026: one reported quarter (130B, MK09) and the latest guidance 725B (MK10)."""
    p = model.run(DATA, FAM, BASE, {}, through_year=2026, draws=1)
    cols = [j for j, q in enumerate(p.quarters) if q // 4 == 2026]
    assert p.capex_usd[0, cols].sum() == pytest.approx(725e9, rel=1e-6)
    assert p.capex_usd[0, cols[0]] == pytest.approx(130e9)


def test_anchor_reproduces_the_last_reported_quarter():
    p = model.run(DATA, FAM, BASE, {}, through_year=2026, draws=1)
    j = p.quarters.index(qindex(2026, 1))
    assert p.revenue_usd[0, p.vendors.index("NVIDIA"), j] == pytest.approx(75.2e9)
    # Broadcom guided FY2026-Q3 (calendar 2026-Q2) at 16.0B (MK20): the anchor sits there.
    assert p.revenue_usd[0, p.vendors.index("Broadcom"), j + 1] == pytest.approx(16.0e9)


def test_units_are_spend_over_the_sourced_asp():
    """Google TPU in 2025: ASP 5,000-6,000 USD (P09), central 5,500."""
    p = model.run(DATA, FAM, BASE, {}, through_year=2026, draws=1)
    f = p.families.index("google-tpu")
    j = p.quarters.index(qindex(2025, 2))
    assert p.units[0, f, j] == pytest.approx(p.spend_usd[0, f, j] / 5500.0)
    assert not p.has_units[p.families.index("aws-trainium")]


def test_installed_power_is_units_times_tdp_times_pue():
    chips = {"nvidia-gpu": model.ChipRef("nvidia-b200", 1000.0, 4000.0, 3000.0, 5000.0, True)}
    p = model.run(DATA, FAM, BASE, chips, through_year=2025, draws=1)
    f = p.families.index("nvidia-gpu")
    j = p.quarters.index(qindex(2025, 4))
    installed = p.units[0, f, : j + 1].sum()  # lifetime 5 years: nothing retired yet
    assert p.installed_power_w[0, j] == pytest.approx(installed * 1000.0 * 1.3)
    assert p.tokens_per_year[0, j] == pytest.approx(installed * 4000.0 * model.SECONDS_PER_YEAR)


def test_asic_shift_scenario_reaches_half_by_2028():
    sc = load_scenario("asic-50-50", CAT, FAM)
    p = model.run(DATA, FAM, sc, {}, through_year=2028, draws=1)
    asic = [i for i, f in enumerate(FAM.families) if f.kind == "asic"]
    cols = [j for j, q in enumerate(p.quarters) if q // 4 == 2028]
    spend = p.spend_usd[0][:, cols].sum(axis=1)
    assert spend[asic].sum() / spend.sum() == pytest.approx(0.505, abs=0.03)


def test_ten_thousand_draws_are_fast():
    t = time.perf_counter()
    model.run(DATA, FAM, BASE, {}, through_year=2028, draws=10_000)
    assert time.perf_counter() - t < 10.0


def _overlay(tmp_path: Path) -> Path:
    (tmp_path / "market").mkdir()
    return tmp_path


def test_overlay_rows_add_and_replace(tmp_path):
    root = _overlay(tmp_path)
    header = (Path(__file__).parents[2] / "src/siliconomics/data/market/market.csv").read_text()
    header = header.splitlines()[0]
    (root / "market" / "mine.csv").write_text(
        header
        + "\nr08,revenue,NVIDIA,data center revenue,FY2027-Q1,70e9,,,usd,actual,seg,user,"
        + "2026-05-20,\n"
        + "u1,capex,Oracle,capex,2026-Q1,10e9,,,usd,actual,cash,user,2026-03-31,\n"
    )
    data = load_market(load_catalog(root))
    assert data.row("r08").value == 70e9
    assert data.row("u1").entity == "Oracle"
    assert len(data.rows) == len(DATA.rows) + 1


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("u1,capex,X,m,2026-Q5,1,,,usd,actual,,user,2026,", "period"),
        ("u1,capex,X,m,2026,abc,,,usd,actual,,user,2026,", "not a number"),
        ("u1,capex,X,m,2026,1,,,dollars,actual,,user,2026,", "unit"),
        ("u1,capex,X,m,2026,1,,,usd,actual,,NOPE,2026,", "sources.yaml"),
        ("u1,capex,X,m,2026,1,,,fraction,actual,,user,2026,", None),
        ("u1,capex,X,m,2026,2,,,fraction,actual,,user,2026,", "plausible"),
        ("u1,capex,X,m,2026,1,,,usd,actual,,user,2026,,extra", "more fields"),
    ],
)
def test_malformed_user_csv_is_one_line(tmp_path, line, match):
    root = _overlay(tmp_path)
    header = (Path(__file__).parents[2] / "src/siliconomics/data/market/market.csv").read_text()
    (root / "market" / "bad.csv").write_text(header.splitlines()[0] + "\n" + line + "\n")
    if match is None:
        load_market(load_catalog(root))
        return
    with pytest.raises(SiliconomicsError, match=match) as exc:
        load_market(load_catalog(root))
    assert "\n" not in str(exc.value) and "bad.csv: line 2" in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "low: 0.10, mode: 0.13, high: 0.16, source: M28",
            "low: 0.20, mode: 0.13, high: 0.16, source: M28",
            "low <= mode",
        ),
        ("shift_from_year: 2026", "shift_from_year: 2026\nsurprise: 1", "surprise"),
        ("high: 1.58, source: D06a", "high: 1.58, source: NOPE", "sources.yaml"),
        ("google-tpu: {dist: fixed, value: 0.55", "google-tpu: {dist: fixed, value: 1.55", "share"),
        ("aws-trainium:", "intel-gaudi:", "allowed"),
    ],
)
def test_scenario_validation(tmp_path, old, new, match):
    src = BASE.path.read_text()
    assert old in src
    bad = tmp_path / "bad.yaml"
    bad.write_text(src.replace(old, new, 1))
    with pytest.raises(SiliconomicsError, match=match):
        load_scenario(str(bad), CAT, FAM)


def test_unknown_scenario_lists_the_names():
    with pytest.raises(SiliconomicsError, match="asic-50-50, base"):
        load_scenario("nope", CAT, FAM)


def test_overlay_scenario_by_name(tmp_path):
    (tmp_path / "market" / "scenarios").mkdir(parents=True)
    shutil.copy(BASE.path, tmp_path / "market" / "scenarios" / "mine.yaml")
    cat = load_catalog(tmp_path)
    assert load_scenario("mine", cat, load_families(cat)).name == "base"


def test_draws_split_in_chunks_equal_one_run_of_the_same_seeds():
    assert chunk_sizes(10, 3) == [4, 3, 3] and chunk_sizes(2, 8) == [1, 1]
    parts = [
        model.run(DATA, FAM, BASE, {}, through_year=2027, draws=n, seed=i)
        for i, n in enumerate(chunk_sizes(40, 4))
    ]
    whole = concat(parts)
    assert whole.revenue_usd.shape[0] == 40
    assert np.array_equal(whole.revenue_usd[:10], parts[0].revenue_usd)
    assert set(whole.inputs) == set(parts[0].inputs)


@pytest.mark.slow
def test_draws_on_a_local_ray_instance():
    ray = pytest.importorskip("ray")
    args = {"data": DATA, "fam": FAM, "sc": BASE, "chips": {}, "through_year": 2027}
    try:
        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
        p = run_on_ray("local", args, draws=60, seed=5, chunks=3)
    finally:
        ray.shutdown()
    local = model.run(DATA, FAM, BASE, {}, through_year=2027, draws=20, seed=5)
    assert p.revenue_usd.shape[0] == 60
    assert np.array_equal(p.revenue_usd[:20], local.revenue_usd)


def test_overlay_market_folder_refuses_other_files(tmp_path):
    (tmp_path / "market" / "scenarios").mkdir(parents=True)
    (tmp_path / "market" / "scenarios" / "mine.txt").write_text("x")
    with pytest.raises(SiliconomicsError, match=r"market/scenarios/ file must end in \.yaml"):
        load_catalog(tmp_path)
