"""The rental, neocloud and margin commands: strict JSON with unit-named keys, one-line errors."""

import json

import pytest
from typer.testing import CliRunner

from siliconomics.cli import app

runner = CliRunner()


def strict(text: str):
    def bad(c: str):
        raise ValueError(f"non-strict JSON constant {c}")

    return json.loads(text, parse_constant=bad)


def test_rental_json():
    r = runner.invoke(app, ["rental", "--hardware", "nvidia-h100-sxm", "--json"])
    assert r.exit_code == 0, r.output
    d = strict(r.output)
    assert d["accelerator"] == "nvidia-h100-sxm" and d["next_generation"] == "2024-07"
    row = d["forecast"][0]
    assert row["usd_per_hour_p10"] < row["usd_per_hour"] < row["usd_per_hour_p90"]
    assert all(q["source"] for q in d["quotes"])
    assert {"hyperscaler", "neocloud", "marketplace"} <= {q["provider_class"] for q in d["quotes"]}


def test_neocloud_json_and_table():
    args = ["neocloud", "--hardware", "nvidia-h100-sxm", "--chips", "1024", "--debt-share", "0.5"]
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    d = strict(r.output)
    assert d["months"] == 60 and len(d["monthly"]) == 61
    assert d["monthly"][0]["capex_usd"] == pytest.approx(1024 * d["inputs"]["capex_usd_per_chip"])
    for key in ("project_irr_per_year", "equity_npv_usd", "payback_month"):
        assert f"{key}_low" in d and f"{key}_high" in d
    assert d["tornado"][0]["input"] in ("price level", "capex")
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "break-even" in table.output


def test_margin_json():
    r = runner.invoke(app, ["margin", "--model", "llama-3.3-70b", "--provider", "groq", "--json"])
    assert r.exit_code == 0, r.output
    (row,) = strict(r.output)["rows"]
    assert row["provider"] == "Groq" and row["status"] == "cannot_run" and row["reason"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (
            ["neocloud", "--hardware", "nvidia-h100-sxm", "--chips", "8", "--utilisation", "1.5"],
            "utilisation",
        ),
        (
            ["neocloud", "--hardware", "nvidia-h100-sxm", "--chips", "8", "--price", "-2"],
            "price_usd_per_hour",
        ),
        (
            [
                "neocloud",
                "--hardware",
                "nvidia-h100-sxm",
                "--chips",
                "8",
                "--debt-share",
                "0.5",
                "--debt-term",
                "0",
            ],
            "term_years",
        ),
        (["rental", "--hardware", "nvidia-h900"], "hardware"),
        (["neocloud", "--hardware", "intel-gaudi3", "--chips", "8"], "--price P --flat"),
        (["rental", "--hardware", "nvidia-h100-sxm", "--start", "2026-13"], "date"),
        (["margin", "--model", "llama-3.3-70b", "--provider", "nobody"], "provider"),
        (["margin", "--model", "llama-2-70b"], "model"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, field):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]
