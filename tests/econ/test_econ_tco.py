"""TCO per chip-hour: hand-derived examples, sources, and clear errors for bad input."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from siliconomics import api
from siliconomics.econ.assumptions import (
    BOUNDS,
    default_assumptions,
    load_assumptions,
    parse_overrides,
    source_ids,
)
from siliconomics.econ.tco import (
    capital_recovery_factor,
    choose_chip_price,
    it_power_per_chip,
    tco,
)
from siliconomics.errors import SiliconomicsError

CAT = api.get_catalog()
ROOT = Path(__file__).resolve().parents[2]


def simple_assumptions():
    """Round numbers so every line can be checked by hand."""
    return replace(
        default_assumptions(),
        depreciation_life_years=5.0,
        cost_of_capital_per_year=0.0,
        electricity_usd_per_kwh=0.10,
        pue=1.25,
        facility_capex_usd_per_w=10.0,
        facility_life_years=10.0,
        server_overhead_fraction=0.25,
        maintenance_fraction_per_year=0.02,
        utilisation=0.8,
        optical_module_usd=1000.0,
        switch_port_usd=2000.0,
        nic_usd=2000.0,
    )


def test_hand_derived_h100_tco():
    # HGX H100: fat-tree (3.5 optics, 2.5 switch ports, 1 NIC per GPU); 10.2 kW / 8 GPUs.
    t = tco(CAT, "nvidia-h100-sxm", assumptions=simple_assumptions(), chip_price_usd=43_800)
    assert t.system == "nvidia-hgx-h100"
    assert t.it_power_w_per_chip == pytest.approx(1275.0)
    # Straight-line (r = 0): 43,800 / 5 years / 8760 h = 1.00 USD/h.
    assert t.chip_usd_per_hour == pytest.approx(1.0)
    assert t.server_usd_per_hour == pytest.approx(0.25)
    # Network capex 3.5*1000 + 2.5*2000 + 1*2000 = 10,500 -> /5/8760.
    assert t.network_capex_usd == pytest.approx(10_500.0)
    assert t.network_usd_per_hour == pytest.approx(10_500 / 5 / 8760)
    # Facility 10 USD/W x 1275 W = 12,750 over 10 years.
    assert t.facility_usd_per_hour == pytest.approx(12_750 / 10 / 8760)
    # Power 1275 W x 0.8 x 1.25 = 1.275 kW x 0.10 USD/kWh.
    assert t.power_usd_per_hour == pytest.approx(0.1275)
    # Maintenance 2% of IT capex (43,800 + 10,950 + 10,500) per year.
    assert t.maintenance_usd_per_hour == pytest.approx(0.02 * 65_250 / 8760)
    assert t.total_usd_per_hour == pytest.approx(sum(t.lines_usd_per_hour().values()))


def test_capital_recovery_factor_annuity():
    # r = 8%, n = 5: 0.08 / (1 - 1.08**-5) = 0.250456 (standard annuity table value).
    assert capital_recovery_factor(0.08, 5) == pytest.approx(0.2504565, rel=1e-6)
    assert capital_recovery_factor(0.0, 4) == pytest.approx(0.25)
    # Present value of the level payments equals the capex.
    crf = capital_recovery_factor(0.1, 6)
    assert sum(crf / 1.1**k for k in range(1, 7)) == pytest.approx(1.0)


def test_server_priced_chip_gets_no_server_overhead():
    t = tco(CAT, "nvidia-gb200")
    assert t.chip_price.basis == "server"
    assert t.server_capex_usd == 0.0
    assert t.chip_price.source == "P07"
    assert t.chip_price.value_usd == pytest.approx(47_222.2)


def test_default_h100_price_and_market_comparison():
    t = tco(CAT, "nvidia-h100-sxm")
    assert t.chip_price.value_usd == pytest.approx(32_500)
    assert (t.chip_price.source, t.chip_price.date) == ("C05", "2026-03")
    m = t.market
    assert m.latest and m.median_recent_usd_per_hour is not None
    assert m.tco_over_market_median == pytest.approx(
        t.total_usd_per_hour / m.median_recent_usd_per_hour
    )
    # TCO of an owned H100 sits below the 2026 market median rental (the rental covers margin).
    assert 1.0 < t.total_usd_per_hour < m.median_recent_usd_per_hour


def test_missing_price_is_a_clear_error():
    with pytest.raises(SiliconomicsError, match=r"chip_price_usd: aws-trainium2 has no sourced"):
        tco(CAT, "aws-trainium2")
    t = tco(CAT, "aws-trainium2", chip_price_usd=10_000)
    assert t.chip_price.how == "override" and t.chip_capex_usd == 10_000


def test_missing_power_is_a_clear_error():
    with pytest.raises(SiliconomicsError, match=r"it_power_w_per_chip: google-tpu-v6e"):
        tco(CAT, "google-tpu-v6e")
    t = tco(CAT, "google-tpu-v6e", it_power_w_per_chip=400)
    assert t.it_power_basis == "override" and t.network_topology == "dcn"


def test_system_level_power_is_not_counted_twice():
    """Regression: TPU7x's tdp_w is 10 MW / 9,216 chips = 1,085 W per chip, hosts and network
    already in (tdp_basis system_per_chip), so its IT power is 1,085 W whatever the host share;
    an H100's chip TDP of 700 W still gets the host share: 700 x (1 + 0.5) = 1,050 W."""
    a = replace(simple_assumptions(), host_power_overhead_fraction=0.5)
    tpu = CAT.accelerator("google-tpu7x")
    assert tpu.tdp_basis == "system_per_chip"
    w, basis = it_power_per_chip(tpu, None, a)
    assert w == pytest.approx(1085.0)
    assert "system_per_chip" in basis
    # Through the TCO (its pod has no sourced power, so the chip figure is used):
    # power 1,085 W x 0.8 utilisation x 1.25 PUE = 1.085 kW x 0.10 USD/kWh.
    t = tco(CAT, "google-tpu7x", assumptions=a, chip_price_usd=10_000)
    assert t.it_power_w_per_chip == pytest.approx(1085.0)
    assert t.power_usd_per_hour == pytest.approx(0.1085)
    h100 = CAT.accelerator("nvidia-h100-sxm")
    assert h100.tdp_basis == "chip"
    w, basis = it_power_per_chip(h100, None, a)
    assert w == pytest.approx(1050.0)
    assert "basis chip" in basis and "host_power_overhead_fraction 0.5" in basis


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pue_typo": 1.2}, r"override: unknown value 'pue_typo'; allowed: .*pue"),
        ({"pue": 0.9}, r"override pue: 0.9 is outside the allowed range \[1.0, 3.0\]"),
        ({"electricity_usd_per_kwh": -0.1}, r"override electricity_usd_per_kwh: -0.1 is outside"),
        ({"depreciation_life_years": 0}, r"override depreciation_life_years: 0.0 is outside"),
        ({"utilisation": "high"}, r"override utilisation: must be a number"),
    ],
)
def test_bad_overrides_name_the_field(overrides, message):
    with pytest.raises(SiliconomicsError, match=message):
        tco(CAT, "nvidia-h100-sxm", overrides=overrides)


def test_parse_overrides_from_cli_strings():
    assert parse_overrides(["pue=1.1", "electricity_usd_per_kwh=0.05"]) == {
        "pue": 1.1,
        "electricity_usd_per_kwh": 0.05,
    }
    with pytest.raises(SiliconomicsError, match="expected NAME=VALUE"):
        parse_overrides(["pue"])
    with pytest.raises(SiliconomicsError, match="unknown value 'wacc'"):
        parse_overrides(["wacc=0.1"])


def test_override_is_recorded_in_provenance():
    t = tco(CAT, "nvidia-h100-sxm", overrides={"pue": 1.1})
    assert t.assumptions.pue == 1.1
    assert t.assumptions.provenance["pue"].source == "user"
    assert t.as_dict()["assumptions"]["pue"]["source"] == "user"


def test_every_default_has_a_resolvable_source():
    extra_path = ROOT / "scratch" / "sources_econ.yaml"
    extra = yaml.safe_load(extra_path.read_text()) if extra_path.is_file() else {}
    known = set(CAT.sources) | set(extra)
    a = default_assumptions()
    missing = sorted(source_ids(a) - known)
    assert not missing, f"econ defaults cite unknown source ids: {missing}"
    for name in BOUNDS:
        p = a.provenance[name]
        assert p.date and p.note, f"{name} lacks a date or a note"


def test_default_price_choices_exist_in_the_catalog():
    a = default_assumptions()
    for acc, choice in a.chip_prices.items():
        assert acc in CAT.accelerators, acc
        price = choose_chip_price(CAT, acc, a)
        assert price.value_usd > 0 and price.how == "defaults"
        if choice.value_usd is None:
            assert price.source == choice.source and price.date == choice.date


def test_defaults_file_rejects_unknown_fields(tmp_path):
    data = yaml.safe_load((ROOT / "src/siliconomics/data/econ/defaults.yaml").read_text())
    data["inputs"]["pue"]["colour"] = "green"
    bad = tmp_path / "defaults.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(SiliconomicsError, match=r"field 'inputs.pue.colour': Extra inputs"):
        load_assumptions(bad)
    data["inputs"]["pue"].pop("colour")
    data["inputs"]["pue"]["value"] = 0.5
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(SiliconomicsError, match=r"inputs.pue: 0.5 is outside"):
        load_assumptions(bad)


def test_capital_recovery_factor_tiny_rate_regression():
    # Hypothesis found r = 2e-196 divided by zero in the naive 1 - (1+r)^-n.
    assert capital_recovery_factor(2.0e-196, 1.0) == pytest.approx(1.0)
    assert capital_recovery_factor(1e-12, 5.0) == pytest.approx(0.2)
