"""The report's table formatting without running the report: intervals, badges, source
links, the collapsed table, the stamp line and the CSV columns."""

import csv
import types
from pathlib import Path

from siliconomics.report.gather import Column, Table
from siliconomics.report.render import stamp_html
from siliconomics.report.tables import (
    SORT_SCRIPT,
    cell_html,
    collapsed_table_html,
    csv_keys,
    table_html,
    write_csv,
)

KEY = "output_tokens_per_s_per_chip_offline"
COL = Column(KEY, "tok/s", "{:,.0f}")


def test_interval_is_shown_beside_the_value() -> None:
    row = {KEY: 1234.4, f"{KEY}_low": 1000.2, f"{KEY}_high": 1500.7}
    assert cell_html("t", row, COL, {}) == "<td data-v='1234.4'>1,234 (1,000–1,501)</td>"


def test_no_interval_without_both_bounds_or_when_the_column_says_no() -> None:
    assert cell_html("t", {KEY: 5.0, f"{KEY}_low": 4.0}, COL, {}) == "<td data-v='5.0'>5</td>"
    no = types.SimpleNamespace(key=KEY, label="x", fmt="{:.0f}", interval=False)
    row = {KEY: 5.0, f"{KEY}_low": 4.0, f"{KEY}_high": 6.0}
    assert cell_html("t", row, no, {}) == "<td data-v='5.0'>5</td>"  # type: ignore[arg-type]


def test_empty_and_text_cells() -> None:
    assert cell_html("t", {}, COL, {}) == "<td>–</td>"
    assert cell_html("t", {KEY: "n/a"}, COL, {}) == "<td class='t'>n/a</td>"


def test_unvalidated_gets_a_badge() -> None:
    col = Column("validation", "validation")
    got = cell_html("t", {"validation": "unvalidated: no published measurement"}, col, {})
    assert "<span class='badge'>unvalidated</span>no published measurement" in got
    assert "badge" in cell_html("t", {"validation": False}, col, {})
    assert cell_html("t", {"validation": "validated"}, col, {}) == "<td class='t'>validated</td>"


def test_source_ids_link_to_their_urls() -> None:
    urls = {"S1": "https://example.org/a?b=1&c=2", "S3": "javascript:alert(1)"}
    got = cell_html("assumptions", {"source": "S1, S2, S3"}, Column("source", "src"), urls)
    assert "<a href='https://example.org/a?b=1&amp;c=2'" in got and ">S1</a>" in got
    assert "S2" in got and "S3" in got
    assert got.count("<a ") == 1  # S2 has no url; a javascript: url is never a link
    sid = cell_html("sources", {"id": "S1"}, Column("id", "id"), urls)
    assert ">S1</a>" in sid
    url = cell_html("sources", {"url": "https://x.org"}, Column("url", "url"), urls)
    assert "<a href='https://x.org'" in url
    # an id column of another table is not a source id
    assert "<a " not in cell_html("other", {"id": "S1"}, Column("id", "id"), urls)


def test_tables_are_sortable_and_the_skipped_one_collapses() -> None:
    t = Table("skipped", "Chips left out", (Column("a", "A"),), [{"a": "x"}, {"a": "y"}])
    assert "<table id='t-skipped' class='sortable'>" in table_html(t)
    folded = collapsed_table_html(t, "Chips left out: 2 entries")
    assert folded.startswith("<details class='box warn' id='d-skipped'><summary>")
    assert "<summary>Chips left out: 2 entries</summary>" in folded
    assert " open" not in folded and "<h3>" not in folded
    assert "table.sortable" in SORT_SCRIPT and "src=" not in SORT_SCRIPT


def test_stamp_line() -> None:
    digest = "0123456789abcdef" * 4
    line = stamp_html(
        {
            "version": "1.2.3",
            "git_commit": "abc1234",
            "catalog_sha256": digest,
            "made_utc": "2026-01-02T03:04:05+00:00",
        }
    )
    assert "siliconomics 1.2.3" in line and "commit abc1234" in line
    assert ">0123456789ab</span>" in line and f"title='{digest}'" in line
    assert "2026-01-02T03:04:05+00:00" in line
    assert "commit unknown" in stamp_html({"version": "1", "git_commit": None})
    assert stamp_html(None) == ""


def test_csv_gains_the_interval_columns(tmp_path: Path) -> None:
    rows = [
        {"accelerator": "a", KEY: 10.0, f"{KEY}_low": 9.0, f"{KEY}_high": 11.0},
        {"accelerator": "b", KEY: 20.0},
    ]
    t = Table("chips", "Chips", (Column("accelerator", "chip"), COL), rows)
    assert csv_keys(t) == ["accelerator", KEY, f"{KEY}_low", f"{KEY}_high"]
    write_csv(t, tmp_path / "chips.csv")
    with (tmp_path / "chips.csv").open() as f:
        got = list(csv.DictReader(f))
    assert got[0][f"{KEY}_low"] == "9.0" and got[1][f"{KEY}_high"] == ""
    plain = Table("p", "P", (Column("accelerator", "chip"),), [{"accelerator": "a"}])
    assert csv_keys(plain) == ["accelerator"]
