"""Hypothesis invariants of the datacenter planner's topology rules."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from siliconomics import api
from siliconomics.errors import SiliconomicsError
from siliconomics.plan.topology import MAX_TIERS, clos

CAT = api.get_catalog()

radix_st = st.sampled_from([8, 16, 32, 36, 48, 64, 128, 144])
su_st = st.integers(1, 128)
gpn_st = st.sampled_from([1, 4, 8, 72])
over_st = st.sampled_from([1.0, 1.5, 2.0, 3.0, 4.0, 7.0])
rail_st = st.booleans()
plane_st = st.sampled_from([1, 2])


def fabric(nodes, gpn, su, k, o=1.0, rail=True, planes=1):
    """The fabric, or a skipped example where it needs more than MAX_TIERS tiers (an error
    the planner reports in one line, which no invariant below is about)."""
    try:
        return _clos(nodes, gpn, su, k, o, rail, planes)
    except SiliconomicsError as exc:
        assert f"more than {MAX_TIERS} switch tiers" in str(exc)
        assume(False)
        raise


def _clos(nodes, gpn, su, k, o, rail, planes):
    return clos(
        nodes=nodes,
        gpus_per_node=gpn,
        scalable_unit_nodes=su,
        radix=k,
        oversubscription=o,
        rail_optimized=rail,
        planes=planes,
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 20_000), st.integers(1, 5_000), gpn_st, su_st, radix_st, over_st, rail_st)
def test_more_chips_never_fewer_switches(nodes, extra, gpn, su, k, o, rail):
    small = fabric(nodes, gpn, su, k, o, rail)
    big = fabric(nodes + extra, gpn, su, k, o, rail)
    assert big.switches >= small.switches
    for tier, n in small.switches_by_tier.items():
        if tier in ("leaf",):
            assert big.switches_by_tier[tier] >= n


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 20_000), gpn_st, su_st, radix_st, over_st, over_st, rail_st, plane_st)
def test_higher_oversubscription_never_more_spines(nodes, gpn, su, k, o1, o2, rail, planes):
    lo, hi = sorted((o1, o2))
    a = fabric(nodes, gpn, su, k, lo, rail, planes)
    b = fabric(nodes, gpn, su, k, hi, rail, planes)
    assert b.switches_by_tier.get("spine", 0) <= a.switches_by_tier.get("spine", 0)
    assert b.switches_by_tier["leaf"] <= a.switches_by_tier["leaf"]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20_000), gpn_st, su_st, radix_st, rail_st)
def test_non_blocking_fabric_has_capacity_for_every_link(nodes, gpn, su, k, rail):
    f = fabric(nodes, gpn, su, k, 1.0, rail)
    tiers = list(f.switches_by_tier)
    leaves = f.switches_by_tier["leaf"]
    assert f.links_by_tier["node_leaf"] <= leaves * f.leaf_down_ports
    if len(tiers) > 1:
        # every uplink lands on a port of the tier above
        assert f.links_by_tier["leaf_spine"] == leaves * f.leaf_up_ports
        top = f.switches_by_tier[tiers[-1]]
        last_links = list(f.links_by_tier.values())[-1]
        assert last_links <= top * k


SYSTEMS = sorted(CAT.datacenter.designs)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SYSTEMS), st.integers(1, 200_000), st.integers(1, 50_000))
def test_site_more_chips_more_switches_power_and_racks(system, chips, extra):
    a = api.datacenter(system, chips=chips, catalog=CAT)
    b = api.datacenter(system, chips=chips + extra, catalog=CAT)
    assert b["switches_total"] >= a["switches_total"]
    assert b["it_power_w"] >= a["it_power_w"] and b["racks"] >= a["racks"]
    assert b["transceivers_total"] >= a["transceivers_total"]


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(SYSTEMS), st.floats(0.5, 2000.0))
def test_power_budget_is_never_exceeded(system, mw):
    r = api.datacenter(system, power_mw=mw, catalog=CAT)
    assert r["it_power_w"] <= mw * 1e6
