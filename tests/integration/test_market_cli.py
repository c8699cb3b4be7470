"""`data query`, `data show`, `market` and `market backtest` through the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from siliconomics.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_data_query_json():
    r = run("data", "query", "SELECT value FROM revenue WHERE id = 'm44'", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"columns": ["value"], "rows": [[62.3e9]]}


def test_data_query_refuses_writes_in_one_line():
    r = run("data", "query", "DELETE FROM market")
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        "error: SQL: read-only; DELETE is refused, only SELECT is allowed"
    ]


def test_data_show_unknown_table():
    r = run("data", "show", "nope")
    assert r.exit_code == 2 and "allowed:" in r.output and len(r.output.strip().splitlines()) == 1


def test_data_show_calendars():
    r = run("data", "show", "calendars", "--json")
    assert r.exit_code == 0
    assert ["NVIDIA", 1] in json.loads(r.output)["rows"]


def test_market_json_contract():
    r = run("market", "--draws", "200", "--through", "2027", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    y = {row["year"]: row for row in d["years"]}
    assert set(y) == {2023, 2024, 2025, 2026, 2027}
    for key in (
        "capex_usd",
        "accelerator_spend_usd",
        "revenue_usd",
        "units",
        "share_by_revenue",
        "share_by_units",
        "installed_power_w",
        "tokens_per_year",
    ):
        assert key in y[2026]
    assert y[2025]["capex_usd"]["Amazon+Alphabet+Microsoft+Meta"]["p50"] == 416.18e9
    p = y[2027]["revenue_usd"]["NVIDIA"]
    assert p["p10"] <= p["p50"] <= p["p90"]
    assert d["quarters"][0]["quarter"] == "2023-Q2"
    assert "asic_share_reaches_half" in d["checks"]


def test_market_as_of_past_date():
    r = run("market", "--as-of", "2025-06-30", "--draws", "1", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["as_of"] == "2025-06-30" and d["anchors"]["NVIDIA"] == "2025-Q1"


def test_market_bad_input_one_line(tmp_path):
    for args in (
        ("market", "--scenario", "nope"),
        ("market", "--as-of", "2999-01-01"),
        ("market", "--as-of", "yesterday"),
        ("market", "--draws", "0"),
    ):
        r = run(*args)
        assert r.exit_code == 2, args
        assert len(r.output.strip().splitlines()) == 1 and r.output.startswith("error:")


def test_market_malformed_user_csv(tmp_path):
    (tmp_path / "market").mkdir()
    (tmp_path / "market" / "mine.csv").write_text("id,value\nx,1\n")
    r = run("market", "--catalog", str(tmp_path), "--draws", "1")
    assert r.exit_code == 2
    assert "mine.csv: columns must be" in r.output and len(r.output.strip().splitlines()) == 1


def test_market_backtest_json():
    r = run("market", "backtest", "--json")
    assert r.exit_code == 0, r.output
    rows = {(s["series"], s["horizon_quarters"]): s for s in json.loads(r.output)["summary"]}
    assert rows[("revenue_usd.NVIDIA", 1)]["n"] >= 5
