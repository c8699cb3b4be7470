"""The datacenter planner: a site (chips, or a power budget) -> racks, fabrics, capex, opex.

A *node* is one catalog system (an 8-GPU HGX/DGX, a 72-GPU NVL72 rack); its rack design
(``data/datacenter/designs/<system>.yaml``) says how many nodes share a rack, the scalable
unit (SU) the fabric is built in, and which switch each fabric uses. Counts come from rules:

- **Nodes and racks.** ``--chips N`` installs ``ceil(N / chips_per_node)`` nodes; racks
  hold ``nodes_per_rack`` (the reference design's layout) or fewer when a rack power limit
  is given: ``min(nodes_per_rack, floor(limit / node_power))``.
- **Scale-out fabric**: :func:`siliconomics.plan.topology.clos`, for whole SUs.
- **Power.** IT power = nodes x node power (the system's sourced power, else the design's
  rack power / nodes per rack) + optical transceivers x their sourced power (switch power is
  added only where sourced). Facility power = IT x PUE.
- **Power-limited sites** (``power_w``): the largest node count whose IT power (facility
  power / PUE with ``facility=True``) fits, found by bisection: every count above is
  monotone in the node count, so the answer is exact.
- **Transceivers**: every scale-out link is optical. The GPU end has one module at the
  NIC's speed; switch ends have ``ports x link / cage`` modules at the cage's speed (a
  QM9700 twin-port OSFP carries two 400G ports).

Capex lines (``capex_usd``): accelerators (the econ layer's chip price), servers (chip price
x server_overhead_fraction, 0 when the price already includes the server/rack), NICs
(``nic_usd`` per chip), scale-out switches (``price_usd`` of the switch, else ports x
``switch_port_usd``), optics (transceivers x their price), and facility
(``facility_capex_usd_per_w`` x IT power). Scale-up fabrics (NVSwitch baseboards, NVL72
switch trays) are priced inside the server or rack price, so they are counted, not priced.
Cables, storage and management networks have no sourced unit price and are left out
(listed in ``not_costed``). Opex: electricity at PUE and utilisation, and maintenance as a
fraction of IT capex. The annual cost levels capex over its life at the cost of capital
(econ.tco.capital_recovery_factor), the same inputs as ``siliconomics tco``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil, floor
from typing import Any

from siliconomics.catalog.datacenter import LINK_SPEEDS_GBPS, FabricDesign, RackDesign, Switch
from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.specs import ChipKind, System
from siliconomics.econ.assumptions import HOURS_PER_YEAR, Assumptions
from siliconomics.econ.tco import ChipPrice, capital_recovery_factor, choose_chip_price
from siliconomics.errors import MissingPrice, SiliconomicsError, unknown
from siliconomics.plan.topology import ClosFabric, clos

BITS_PER_BYTE = 8.0
GBPS = 1e9
MAX_POWER_W = 100e9  # 100 GW: beyond any site; keeps the bisection bounded
MAX_CHIPS = 100_000_000
MAX_OVERSUBSCRIPTION = 16.0


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """What the user may change about the reference design."""

    fabric: str | None = None
    oversubscription: float = 1.0
    rail_optimized: bool | None = None
    link_gbps: int | None = None
    rack_power_limit_w: float | None = None

    def __post_init__(self) -> None:
        if self.fabric is not None and self.fabric not in ("infiniband", "ethernet"):
            raise unknown("fabric", self.fabric, ("infiniband", "ethernet"))
        o = self.oversubscription
        if isinstance(o, bool) or not (1.0 <= o <= MAX_OVERSUBSCRIPTION):
            raise SiliconomicsError(
                f"oversubscription: must be between 1 and {MAX_OVERSUBSCRIPTION:g} "
                f"(downlink:uplink), got {o}"
            )
        if self.link_gbps is not None and self.link_gbps not in LINK_SPEEDS_GBPS:
            raise unknown("link_gbps", str(self.link_gbps), [str(s) for s in LINK_SPEEDS_GBPS])
        if self.rack_power_limit_w is not None and not self.rack_power_limit_w > 0:
            raise SiliconomicsError(
                f"rack_power_kw: must be > 0, got {self.rack_power_limit_w / 1e3:g}"
            )


@dataclass(frozen=True, slots=True)
class Layout:
    """Everything fixed before counting nodes: the system, design, fabric and unit powers."""

    system: System
    design: RackDesign
    fabric: FabricDesign
    switch: Switch
    link_gbps: int
    planes: int
    nic_gbps: float
    rail_optimized: bool
    oversubscription: float
    node_power_w: float
    node_power_basis: str
    nodes_per_rack: int
    rack_rule: str


@dataclass(frozen=True, slots=True)
class SitePlan:
    layout: Layout
    nodes: int
    fabric: ClosFabric
    transceivers_by_speed: dict[int, int]
    transceiver_power_w: float
    switch_power_w: float
    it_power_w: float
    pue: float
    power_limit_w: float | None
    power_limit_basis: str | None
    chip_price: ChipPrice | None
    capex_usd: dict[str, float | None]
    unit_prices: list[dict[str, Any]]
    opex_usd_per_year: dict[str, float | None]
    annual_cost_usd_per_year: float | None
    not_costed: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def chips(self) -> int:
        return self.nodes * self.layout.system.chips

    @property
    def racks(self) -> int:
        return ceil(self.nodes / self.layout.nodes_per_rack)

    @property
    def facility_power_w(self) -> float:
        return self.it_power_w * self.pue

    @property
    def capex_total_usd(self) -> float | None:
        """Sum of the capex lines; None when a line (the chip price) is not sourced."""
        vals = list(self.capex_usd.values())
        return None if any(v is None for v in vals) else sum(v for v in vals if v is not None)

    @property
    def network_capex_usd(self) -> float:
        c = self.capex_usd
        return sum(c[k] or 0.0 for k in ("nics", "scale_out_switches", "optics"))

    @property
    def network_share_of_capex(self) -> float | None:
        total = self.capex_total_usd
        return self.network_capex_usd / total if total else None

    def as_dict(self) -> dict[str, Any]:
        lay = self.layout
        sys_ = lay.system
        f = self.fabric
        capex = dict(self.capex_usd)
        capex["total"] = self.capex_total_usd
        opex = dict(self.opex_usd_per_year)
        vals = list(self.opex_usd_per_year.values())
        opex["total"] = None if None in vals else sum(v for v in vals if v is not None)
        scale_up_counts = {it.item: it.per_node * self.nodes for it in lay.design.scale_up}
        return {
            "system": sys_.id,
            "system_name": sys_.name,
            "accelerator": sys_.accelerator,
            "reference_design": lay.design.reference,
            "chips": self.chips,
            "chips_per_node": sys_.chips,
            "nodes": self.nodes,
            "racks": self.racks,
            "nodes_per_rack": lay.nodes_per_rack,
            "rack_power_w": lay.node_power_w * lay.nodes_per_rack,
            "rack_layout_rule": lay.rack_rule,
            "cooling": lay.design.cooling,
            "node_power_w": lay.node_power_w,
            "node_power_basis": lay.node_power_basis,
            "it_power_w": self.it_power_w,
            "facility_power_w": self.facility_power_w,
            "pue": self.pue,
            "power_limit_w": self.power_limit_w,
            "power_limit_basis": self.power_limit_basis,
            "scalable_units": f.scalable_units,
            "scalable_unit_nodes": lay.fabric.scalable_unit_nodes,
            "fabric_nodes": f.fabric_nodes,
            "fabric": lay.fabric.fabric,
            "switch_model": lay.switch.id,
            "switch_name": lay.switch.name,
            "switch_radix": f.radix,
            "link_gbps": lay.link_gbps,
            "nic_gbps_per_chip": lay.nic_gbps,
            "planes": f.planes,
            "rail_optimized": lay.rail_optimized,
            "oversubscription": f.oversubscription,
            "leaf_down_ports": f.leaf_down_ports,
            "leaf_up_ports": f.leaf_up_ports,
            "tiers": f.tiers,
            "switches_by_tier": dict(f.switches_by_tier),
            "switches_total": f.switches,
            "links_by_tier": dict(f.links_by_tier),
            "cables_by_tier": dict(f.cables_by_tier),
            "cables_total": sum(f.cables_by_tier.values()),
            "transceivers_by_speed": {f"{g}g": n for g, n in self.transceivers_by_speed.items()},
            "transceivers_total": sum(self.transceivers_by_speed.values()),
            "transceiver_power_w": self.transceiver_power_w,
            "switch_power_w": self.switch_power_w,
            "fabric_source": lay.fabric.source,
            "fabric_note": lay.fabric.note,
            "scale_up": {
                "topology": sys_.scale_up_topology.value,
                "domain_chips": sys_.scale_up_domain_chips,
                "counts": scale_up_counts,
                "priced_in": "servers" if scale_up_counts else None,
            },
            "chip_price_usd": self.chip_price.value_usd if self.chip_price else None,
            "chip_price_basis": self.chip_price.basis if self.chip_price else None,
            "chip_price_source": self.chip_price.source if self.chip_price else None,
            "capex_usd": capex,
            "network_share_of_capex": self.network_share_of_capex,
            "unit_prices": self.unit_prices,
            "not_costed": list(self.not_costed),
            "opex_usd_per_year": opex,
            "annual_cost_usd_per_year": self.annual_cost_usd_per_year,
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- layout


def design_for(catalog: Catalog, system_id: str) -> tuple[System, RackDesign]:
    """The system and its rack design; a system without one is one clear error."""
    designs = catalog.datacenter.designs
    if system_id not in catalog.systems:
        if system_id in catalog.accelerators:
            with_design = sorted(s for s in designs if catalog.systems[s].accelerator == system_id)
            hint = f" (try {', '.join(with_design)})" if with_design else ""
            raise SiliconomicsError(
                f"system: {system_id!r} is a chip, not a system; the planner needs a system "
                f"with a rack definition{hint}"
            )
        raise unknown("system", system_id, designs)
    if system_id not in designs:
        raise SiliconomicsError(
            f"system: {system_id!r} has no rack definition (data/datacenter/designs/); "
            f"systems with one: {', '.join(sorted(designs))}"
        )
    return catalog.systems[system_id], designs[system_id]


def layout(catalog: Catalog, system_id: str, opts: SiteOptions) -> Layout:
    """Fix the design, fabric, switch, link speed, planes and node/rack power."""
    system, design = design_for(catalog, system_id)
    fabric_name = opts.fabric or design.default_fabric
    if fabric_name not in design.fabrics:
        raise unknown(f"fabric (for {system_id})", fabric_name, design.fabrics)
    fab = design.fabrics[fabric_name]
    switch = catalog.datacenter.switches[fab.switch]
    link = opts.link_gbps or fab.link_gbps
    if link not in switch.port_speeds_gbps:
        raise SiliconomicsError(
            f"link_gbps: the {switch.name} runs ports at "
            f"{', '.join(str(s) for s in switch.port_speeds_gbps)} Gb/s, not {link}"
        )
    bw = system.scale_out_bandwidth_bytes_per_s_per_direction_per_chip
    if bw is None:
        raise SiliconomicsError(
            f"system: {system_id!r} has no sourced scale-out bandwidth per chip"
        )
    nic_gbps = bw * BITS_PER_BYTE / GBPS
    if link > nic_gbps + 1e-6:
        raise SiliconomicsError(
            f"link_gbps: {link} exceeds the {nic_gbps:g} Gb/s NIC per chip of {system_id}; "
            f"allowed: {', '.join(str(s) for s in switch.port_speeds_gbps if s <= nic_gbps)}"
        )
    planes = max(1, round(nic_gbps / link))
    if system.power_w:
        node_w = system.power_w
        basis = f"system {system.id} power ({system.provenance['power_w'].source})"
    elif design.rack_power_w:
        node_w = design.rack_power_w / design.nodes_per_rack
        src = design.provenance["rack_power_w"].source
        basis = f"design rack power / {design.nodes_per_rack} nodes ({src})"
    else:
        raise SiliconomicsError(
            f"system: {system_id!r} has no sourced power (system or rack design)"
        )
    per_rack = design.nodes_per_rack
    rule = f"{per_rack} nodes per rack ({design.provenance['nodes_per_rack'].source})"
    if opts.rack_power_limit_w is not None:
        fit = floor(opts.rack_power_limit_w / node_w + 1e-9)
        if fit < 1:
            raise SiliconomicsError(
                f"rack_power_kw: {opts.rack_power_limit_w / 1e3:g} kW is below one "
                f"{system_id} node ({node_w / 1e3:g} kW)"
            )
        per_rack = min(per_rack, fit)
        rule = (
            f"min({design.nodes_per_rack} per reference rack, floor("
            f"{opts.rack_power_limit_w / 1e3:g} kW / {node_w / 1e3:g} kW)) = {per_rack}"
        )
    rail = fab.rail_optimized if opts.rail_optimized is None else opts.rail_optimized
    return Layout(
        system=system,
        design=design,
        fabric=fab,
        switch=switch,
        link_gbps=link,
        planes=planes,
        nic_gbps=nic_gbps,
        rail_optimized=rail,
        oversubscription=opts.oversubscription,
        node_power_w=node_w,
        node_power_basis=basis,
        nodes_per_rack=per_rack,
        rack_rule=rule,
    )


# --------------------------------------------------------------------------- counting


def fabric_for(lay: Layout, nodes: int) -> ClosFabric:
    return clos(
        nodes=nodes,
        gpus_per_node=lay.system.chips,
        scalable_unit_nodes=lay.fabric.scalable_unit_nodes,
        radix=lay.switch.radix(lay.link_gbps),
        oversubscription=lay.oversubscription,
        rail_optimized=lay.rail_optimized,
        planes=lay.planes,
        links_per_cable=lay.fabric.links_per_cable,
    )


def transceivers(lay: Layout, nodes: int, f: ClosFabric) -> dict[int, int]:
    """Modules by speed (Gb/s): one per GPU at the NIC speed, switch ends per cage."""
    out: dict[int, int] = {}
    node_end = round(lay.nic_gbps)
    out[node_end] = out.get(node_end, 0) + nodes * lay.system.chips
    cage = int(lay.switch.cage_gbps or lay.link_gbps)
    switch_ends = ceil(f.switch_ports_used * lay.link_gbps / cage)
    out[cage] = out.get(cage, 0) + switch_ends
    return dict(sorted(out.items()))


def _power(
    catalog: Catalog, lay: Layout, nodes: int
) -> tuple[ClosFabric, dict[int, int], float, float, float]:
    """The fabric, transceivers, their power, switch power and the site's IT power."""
    f = fabric_for(lay, nodes)
    tx = transceivers(lay, nodes, f)
    tx_w = 0.0
    for gbps, n in tx.items():
        optic = catalog.datacenter.optic_for(gbps)
        if optic is not None and optic.power_w is not None:
            tx_w += n * optic.power_w
    sw_w = f.switches * lay.switch.power_w if lay.switch.power_w else 0.0
    it = nodes * lay.node_power_w + tx_w + sw_w
    return f, tx, tx_w, sw_w, it


def nodes_for_power(catalog: Catalog, lay: Layout, it_limit_w: float) -> int:
    """Largest node count whose IT power fits ``it_limit_w`` (bisection; monotone counts)."""
    lo, hi = 0, max(1, int(it_limit_w // lay.node_power_w) + 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _power(catalog, lay, mid)[4] <= it_limit_w:
            lo = mid
        else:
            hi = mid - 1
    if lo < 1:
        raise SiliconomicsError(
            f"power_mw: {it_limit_w / 1e6:g} MW of IT power is below one {lay.system.id} "
            f"node with its network ({lay.node_power_w / 1e3:g} kW)"
        )
    return lo


# --------------------------------------------------------------------------- the plan


def plan(
    catalog: Catalog,
    system_id: str,
    assumptions: Assumptions,
    *,
    chips: int | None = None,
    power_w: float | None = None,
    facility: bool = False,
    opts: SiteOptions | None = None,
    chip_price_usd: float | None = None,
) -> SitePlan:
    """Plan a site of ``chips`` chips, or the most a ``power_w`` budget holds."""
    opts = opts or SiteOptions()
    if (chips is None) == (power_w is None):
        raise SiliconomicsError("site: give either chips or power_mw (not both, not neither)")
    if chips is not None and (
        isinstance(chips, bool) or not isinstance(chips, int) or not 1 <= chips <= MAX_CHIPS
    ):
        raise SiliconomicsError(f"chips: must be an integer from 1 to {MAX_CHIPS:,}, got {chips!r}")
    if power_w is not None and not 0 < power_w <= MAX_POWER_W:
        raise SiliconomicsError(
            f"power_mw: must be > 0 and at most {MAX_POWER_W / 1e6:g} MW, got {power_w / 1e6:g}"
        )
    lay = layout(catalog, system_id, opts)
    pue = assumptions.pue
    limit_basis = None
    if power_w is not None:
        it_limit = power_w / pue if facility else power_w
        limit_basis = "facility (IT = facility / PUE)" if facility else "critical IT"
        nodes = nodes_for_power(catalog, lay, it_limit)
    else:
        assert chips is not None
        nodes = ceil(chips / lay.system.chips)
    f, tx, tx_w, sw_w, it_w = _power(catalog, lay, nodes)

    a = assumptions
    n_chips = nodes * lay.system.chips
    not_costed = ["cables (no sourced unit price)", "storage", "management networks"]
    price: ChipPrice | None
    try:
        price = choose_chip_price(catalog, lay.system.accelerator, a, chip_price_usd=chip_price_usd)
    except MissingPrice:
        price = None
        not_costed.insert(
            0,
            f"accelerators and servers ({lay.system.accelerator} has no "
            "sourced purchase price; pass chip_price_usd)",
        )
    chip_capex = price.value_usd * n_chips if price else None
    server_capex: float | None = None
    if price is not None and chip_capex is not None:
        server_capex = 0.0 if price.basis == "server" else chip_capex * a.server_overhead_fraction
    nic_capex = a.nic_usd * n_chips
    sw = lay.switch
    if sw.price_usd is not None:
        per_switch, sw_src = sw.price_usd, sw.provenance["price_usd"].source
        sw_how = f"{sw.id} price"
    else:
        per_switch = sw.radix(lay.link_gbps) * a.switch_port_usd
        sw_src = a.provenance["switch_port_usd"].source
        sw_how = f"{sw.radix(lay.link_gbps)} ports x switch_port_usd {a.switch_port_usd:g}"
    switch_capex = f.switches * per_switch
    optics_capex = 0.0
    unit_prices: list[dict[str, Any]] = []
    if price is not None:
        unit_prices.append(
            {
                "item": "accelerator",
                "unit_usd": price.value_usd,
                "basis": price.basis,
                "source": price.source,
                "date": price.date,
            }
        )
    unit_prices += [
        {"item": "nic", "unit_usd": a.nic_usd, "source": a.provenance["nic_usd"].source},
        {"item": f"switch {sw.id}", "unit_usd": per_switch, "how": sw_how, "source": sw_src},
    ]
    for gbps, n in tx.items():
        optic = catalog.datacenter.optic_for(gbps)
        if optic is None or optic.price_usd is None:
            not_costed.append(f"{gbps}G transceivers (no sourced price)")
            continue
        optics_capex += n * optic.price_usd
        unit_prices.append(
            {
                "item": optic.id,
                "unit_usd": optic.price_usd,
                "source": optic.provenance["price_usd"].source,
            }
        )
    facility_capex = a.facility_capex_usd_per_w * it_w
    unit_prices.append(
        {
            "item": "facility per W of IT",
            "unit_usd": a.facility_capex_usd_per_w,
            "source": a.provenance["facility_capex_usd_per_w"].source,
        }
    )
    capex: dict[str, float | None] = {
        "accelerators": chip_capex,
        "servers": server_capex,
        "scale_up_fabric": 0.0,
        "nics": nic_capex,
        "scale_out_switches": switch_capex,
        "optics": optics_capex,
        "facility": facility_capex,
    }
    electricity = it_w * a.utilisation * pue * HOURS_PER_YEAR / 1e3 * a.electricity_usd_per_kwh
    opex: dict[str, float | None] = {"electricity": electricity, "maintenance": None}
    annual: float | None = None
    if chip_capex is not None and server_capex is not None:
        it_capex = chip_capex + server_capex + nic_capex + switch_capex + optics_capex
        maintenance = a.maintenance_fraction_per_year * it_capex
        opex["maintenance"] = maintenance
        annual = (
            it_capex
            * capital_recovery_factor(a.cost_of_capital_per_year, a.depreciation_life_years)
            + facility_capex
            * capital_recovery_factor(a.cost_of_capital_per_year, a.facility_life_years)
            + electricity
            + maintenance
        )
    notes = []
    if lay.system.scale_out_topology not in ("fat-tree", "none") or (
        catalog.accelerators[lay.system.accelerator].kind is not ChipKind.GPU
    ):
        notes.append(
            "scale-out fabric planned as a fat-tree by rule; the system's own is "
            f"{lay.system.scale_out_topology}"
        )
    if f.fabric_nodes > nodes:
        notes.append(
            f"fabric built for {f.scalable_units} full SUs ({f.fabric_nodes} nodes), "
            f"{nodes} installed (the reference designs cable the full SU)"
        )
    return SitePlan(
        layout=lay,
        nodes=nodes,
        fabric=f,
        transceivers_by_speed=tx,
        transceiver_power_w=tx_w,
        switch_power_w=sw_w,
        it_power_w=it_w,
        pue=pue,
        power_limit_w=power_w,
        power_limit_basis=limit_basis,
        chip_price=price,
        capex_usd=capex,
        unit_prices=unit_prices,
        opex_usd_per_year=opex,
        annual_cost_usd_per_year=annual,
        not_costed=tuple(not_costed),
        notes=tuple(notes),
    )
