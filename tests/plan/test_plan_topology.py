"""Hand-derived fat-tree counts for small cases, and the planner's arithmetic."""

import time

import pytest

from siliconomics import api
from siliconomics.errors import SiliconomicsError
from siliconomics.plan.topology import clos, leaf_ports

CAT = api.get_catalog()


def test_k4_two_tier():
    # Radix 4, 8 single-port hosts: 2 down / 2 up per leaf -> 4 leaves; 8 uplinks over
    # 4-port spines -> 2 spines (2 | 2: each leaf sends one link to each spine).
    f = clos(nodes=8, gpus_per_node=1, scalable_unit_nodes=8, radix=4, rail_optimized=False)
    assert f.switches_by_tier == {"leaf": 4, "spine": 2}
    assert f.links_by_tier == {"node_leaf": 8, "leaf_spine": 8}


def test_k4_three_tier_is_the_classic_fat_tree():
    # The textbook k = 4 fat-tree: k^3/4 = 16 hosts, k^2/2 = 8 edge, 8 aggregation and
    # (k/2)^2 = 4 core switches; 16 links per tier.
    f = clos(nodes=16, gpus_per_node=1, scalable_unit_nodes=16, radix=4, rail_optimized=False)
    assert f.switches_by_tier == {"leaf": 8, "spine": 8, "core": 4}
    assert f.links_by_tier == {"node_leaf": 16, "leaf_spine": 16, "spine_core": 16}


def test_k4_four_tiers_past_k3_over_4():
    # 32 hosts exceed 16: leaves 16 > 4 * 2 -> a fourth tier (16 leaves, 16, 16, 8).
    f = clos(nodes=32, gpus_per_node=1, scalable_unit_nodes=32, radix=4, rail_optimized=False)
    assert f.switches_by_tier == {"leaf": 16, "spine": 16, "core": 16, "super_core": 8}


def test_oversubscribed_leaf():
    # Radix 64 at 3:1: floor(64*3/4) = 48 down, 16 up. 96 hosts -> 2 leaves, 32 uplinks,
    # one 64-port spine (no even-striping round-up when oversubscribed).
    assert leaf_ports(64, 3.0) == (48, 16)
    f = clos(
        nodes=96,
        gpus_per_node=1,
        scalable_unit_nodes=96,
        radix=64,
        oversubscription=3.0,
        rail_optimized=False,
    )
    assert f.switches_by_tier == {"leaf": 2, "spine": 1}


def test_single_leaf_needs_no_spine():
    f = clos(nodes=2, gpus_per_node=8, scalable_unit_nodes=2, radix=64, rail_optimized=False)
    assert f.switches_by_tier == {"leaf": 1}
    assert f.cables_by_tier == {"node_leaf": 16}


def test_planes_and_cables_per_link():
    # Two planes double every count; two links per cable halve the cables.
    one = clos(nodes=64, gpus_per_node=8, scalable_unit_nodes=64, radix=128)
    two = clos(nodes=64, gpus_per_node=8, scalable_unit_nodes=64, radix=128, planes=2)
    assert two.switches_by_tier == {k: 2 * v for k, v in one.switches_by_tier.items()}
    dual = clos(
        nodes=64, gpus_per_node=8, scalable_unit_nodes=64, radix=128, planes=2, links_per_cable=2
    )
    assert dual.cables_by_tier == one.cables_by_tier


def test_partial_su_cables_installed_nodes_but_builds_whole_su():
    # 10 of a 32-node SU: 8 rail leaves and 4 spines as for the full SU, 80 node links.
    f = clos(nodes=10, gpus_per_node=8, scalable_unit_nodes=32, radix=64)
    assert f.switches_by_tier == {"leaf": 8, "spine": 4}
    assert f.links_by_tier == {"node_leaf": 80, "leaf_spine": 256}


def test_transceivers_hand_count():
    # 1 SU of DGX B200 (256 GPUs): 256 x 400G at the GPUs; switch ports 256 + 2 x 256 = 768
    # at 400G in twin-port 800G cages -> 384 x 800G modules.
    r = api.datacenter("nvidia-hgx-b200", chips=256, catalog=CAT)
    assert r["transceivers_by_speed"] == {"400g": 256, "800g": 384}
    assert r["transceiver_power_w"] == 384 * 16.0  # 800G: 16 W (S34); 400G power unsourced


def test_capex_lines_are_unit_price_times_count():
    r = api.datacenter("nvidia-hgx-b200", chips=256, catalog=CAT)
    c = r["capex_usd"]
    assert c["accelerators"] == pytest.approx(256 * r["chip_price_usd"])
    assert c["servers"] == pytest.approx(0.25 * c["accelerators"])
    assert c["scale_out_switches"] == pytest.approx(12 * 64 * 3125.0)  # 8 leaf + 4 spine
    assert c["optics"] == pytest.approx(256 * 700.0 + 384 * 1250.0)
    assert c["facility"] == pytest.approx(11.0 * r["it_power_w"])
    assert c["total"] == pytest.approx(sum(v for k, v in c.items() if k != "total"))
    assert r["it_power_w"] == pytest.approx(32 * 14300.0 + 384 * 16.0)
    assert r["facility_power_w"] == pytest.approx(1.3 * r["it_power_w"])


def test_power_limited_site_fills_the_budget():
    r = api.datacenter("nvidia-hgx-h100", power_mw=10, catalog=CAT)
    assert r["it_power_w"] <= 10e6
    one_more = api.datacenter("nvidia-hgx-h100", chips=r["chips"] + 8, catalog=CAT)
    assert one_more["it_power_w"] > 10e6
    fac = api.datacenter("nvidia-hgx-h100", power_mw=13, facility=True, catalog=CAT)
    assert fac["it_power_w"] <= 10e6 and fac["chips"] == r["chips"]  # 13 / 1.3 = 10 MW IT


def test_rack_power_limit_relays_out_racks():
    # 4 DGX H100 (10.2 kW) per reference rack; a 25 kW limit fits 2.
    r = api.datacenter("nvidia-hgx-h100", chips=256, rack_power_kw=25, catalog=CAT)
    assert (r["nodes_per_rack"], r["racks"]) == (2, 16)


def test_unpriced_chip_is_counted_not_guessed():
    r = api.datacenter("nvidia-hgx-b300", chips=576, catalog=CAT)
    assert r["capex_usd"]["accelerators"] is None and r["capex_usd"]["total"] is None
    assert r["not_costed"][0].startswith("accelerators and servers")
    priced = api.datacenter("nvidia-hgx-b300", chips=576, chip_price_usd=40000, catalog=CAT)
    assert priced["capex_usd"]["accelerators"] == 576 * 40000


def test_one_gigawatt_site_plans_in_under_a_second():
    t0 = time.perf_counter()
    for system in ("nvidia-hgx-b200", "nvidia-gb200-nvl72"):
        r = api.datacenter(system, power_mw=1000, facility=True, catalog=CAT)
        assert 0.99e9 / 1.3 < r["it_power_w"] <= 1e9 / 1.3
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"chips": 0}, "chips"),
        ({"power_mw": 0}, "power_mw"),
        ({"power_mw": -5}, "power_mw"),
        ({"chips": 8, "power_mw": 1}, "site"),
        ({}, "site"),
        ({"chips": 8, "link_gbps": 800}, "link_gbps"),
        ({"chips": 8, "link_gbps": 200}, "link_gbps"),
        ({"chips": 8, "oversubscription": 0.5}, "oversubscription"),
        ({"chips": 8, "fabric": "nvlink"}, "fabric"),
        ({"chips": 8, "rack_power_kw": 5}, "rack_power_kw"),
        ({"chips": 8, "pue": 0.5}, "pue"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(SiliconomicsError) as e:
        api.datacenter("nvidia-hgx-h100", catalog=CAT, **kwargs)
    assert str(e.value).startswith(field) or f"{field}" in str(e.value).split(":")[0]
    assert "\n" not in str(e.value)


def test_system_without_rack_definition_is_rejected():
    with pytest.raises(SiliconomicsError, match="no rack definition"):
        api.datacenter("google-tpu7x-pod", chips=9216, catalog=CAT)
    with pytest.raises(SiliconomicsError, match=r"is a chip, not a system.*nvidia-hgx-b200"):
        api.datacenter("nvidia-b200", chips=8, catalog=CAT)


def test_overlay_adds_a_rack_design(tmp_path):
    d = tmp_path / "datacenter" / "designs"
    d.mkdir(parents=True)
    (d / "amd-mi300x-8gpu.yaml").write_text(
        "system: amd-mi300x-8gpu\n"
        "reference: my hall\n"
        "nodes_per_rack: {value: 4, source: user}\n"
        "rack_power_w: {value: 40000, source: user}\n"
        "cooling: air\n"
        "scalable_unit_nodes: {value: 32, source: user}\n"
        "default_fabric: ethernet\n"
        "fabrics:\n"
        "  ethernet: {switch: nvidia-sn5600, link_gbps: 400, source: user}\n"
    )
    sys_dir = tmp_path / "systems"
    sys_dir.mkdir()
    (sys_dir / "amd-mi300x-8gpu.yaml").write_text(
        "id: amd-mi300x-8gpu\nname: MI300X 8\naccelerator: amd-mi300x\n"
        "chips: {value: 8, source: user}\n"
        "scale_up: {topology: mesh, domain_chips: {value: 8, source: user}}\n"
        "scale_out: {topology: fat-tree,\n"
        "  bandwidth_gbit_per_s_per_chip: {value: 400, source: user}}\n"
    )
    cat = api.get_catalog(tmp_path)
    r = api.datacenter("amd-mi300x-8gpu", chips=256, catalog=cat)
    # SN5600 at 400G: radix 128, 64 down; one rail leaf per SU rail (32 nodes < 64 ports),
    # 8 x 64 = 512 uplinks / 128 = 4 spines.
    assert r["switches_by_tier"] == {"leaf": 8, "spine": 4}
    assert (r["racks"], r["node_power_w"]) == (8, 10000.0)
