"""The datacenter commands as a user runs them: JSON keys with units, tables, errors."""

import json

import pytest
from typer.testing import CliRunner

from siliconomics.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_datacenter_json_contract():
    r = run("datacenter", "--system", "nvidia-hgx-b200", "--chips", "4096", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    for key in (
        "chips",
        "nodes",
        "racks",
        "rack_power_w",
        "rack_layout_rule",
        "it_power_w",
        "facility_power_w",
        "switches_by_tier",
        "switch_model",
        "switch_radix",
        "cables_by_tier",
        "transceivers_by_speed",
        "scale_up",
        "capex_usd",
        "unit_prices",
        "opex_usd_per_year",
    ):
        assert key in d
    # DC-RA-B200, 16 SU: 128 leaf, 128 spine, 64 core
    assert d["switches_by_tier"] == {"leaf": 128, "spine": 128, "core": 64}
    assert set(d["capex_usd"]) >= {"accelerators", "servers", "optics", "facility", "total"}


def test_datacenter_power_with_model_has_token_intervals():
    r = run(
        "datacenter",
        "--system",
        "nvidia-gb200-nvl72",
        "--power-mw",
        "13",
        "--facility",
        "--model",
        "llama-3.1-8b",
        "--json",
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["it_power_w"] <= 10e6 and d["power_limit_basis"].startswith("facility")
    t = d["tokens"]
    assert t["output_tokens_per_year_low"] <= t["output_tokens_per_year"]
    assert t["output_tokens_per_year"] <= t["output_tokens_per_year_high"]
    assert t["usd_per_million_output_tokens_low"] <= t["usd_per_million_output_tokens"]
    assert t["output_tokens_per_mw_year"] == pytest.approx(
        t["output_tokens_per_year"] / (d["facility_power_w"] / 1e6)
    )


def test_datacenter_table():
    r = run("datacenter", "--system", "nvidia-hgx-h100", "--chips", "1024")
    assert r.exit_code == 0 and "spine switches" in r.output and "capex total" in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--system", "nvidia-hgx-b200", "--power-mw", "0"), "power_mw: must be > 0"),
        (("--system", "nvidia-hgx-b200", "--power-mw", "-1"), "power_mw: must be > 0"),
        (("--system", "google-tpu-v6e-pod", "--chips", "256"), "has no rack definition"),
        (("--system", "nvidia-hgx-b200"), "give either chips or power_mw"),
        (("--system", "nvidia-hgx-h100", "--chips", "8", "--link-gbps", "1600"), "link_gbps"),
        (("--system", "nope", "--chips", "8"), "system: unknown value 'nope'"),
    ],
)
def test_datacenter_bad_input_one_line(args, message):
    r = run("datacenter", *args)
    assert r.exit_code == 2
    assert r.output.startswith("error: ") and message in r.output
    assert r.output.count("\n") == 1


def test_datacenter_compare_json():
    r = run("datacenter-compare", "--power-mw", "100", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    systems = {row["system"] for row in d["rows"]}
    assert systems == {
        "nvidia-hgx-h100",
        "nvidia-hgx-b200",
        "nvidia-hgx-b300",
        "nvidia-gb200-nvl72",
    }
    assert all(row["facility_power_w"] <= 100e6 for row in d["rows"])
    assert any(s["system"] == "google-tpu7x-pod" for s in d["skipped"])
