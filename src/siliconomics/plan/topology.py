"""Scale-out fabric as rules: a folded-Clos (fat-tree) from radix, oversubscription, rails,
planes and scalable units. No switch count is stored anywhere; they all come from here.

**Leaves.** A leaf switch of radix ``k`` (ports at the link speed; a 25.6 Tb/s QM9700 has
64 x 400G) with oversubscription ``o`` (downlink : uplink bandwidth) has
``d = floor(k·o / (1 + o))`` ports down to GPUs and ``u = k - d`` up (o = 1: k/2 each).
The fabric is built for whole scalable units (SUs): the DGX SuperPOD RAs ask for "the full
SU, including leaf switches and leaf-spine cables" even when fewer nodes are installed. In a
*rail-optimised* SU, GPU *i* of every node goes to the leaves of rail *i*, so an SU of
``S`` nodes with ``g`` GPUs each has ``g · ceil(S / d)`` leaves (one per rail when S <= d:
8 per 32-node DGX H100/B200 SU); without rails the SU's ``S·g`` ports fill
``ceil(S·g / d)`` leaves. A multi-plane fabric (a GPU's NIC split into ``p`` links of
``link_gbps``, one per plane, as in the twin-planar Spectrum-X B300 SuperPOD) is ``p``
identical, independent fabrics.

**Spines, two tiers.** ``L`` leaves send ``U = L·u`` uplinks; a spine takes at most ``k``, so
at least ``m = ceil(U / k)`` spines, and two tiers suffice while ``L <= k`` (a spine reaches
every leaf). A non-blocking fabric stripes every leaf's uplinks *evenly* over the spines,
so the spine count is the smallest divisor of ``u`` that is ``>= m``: 4 SU of the B300 XDR
SuperPOD give m = 2304/144 = 16 and 18 spines (18 | 72), as NVIDIA's table lists; 8 SU give
32 -> 36. An oversubscribed fabric (o > 1) takes ``m`` itself (uneven striping is allowed
and keeps "higher oversubscription never more spines" true).

**More tiers.** Past ``L > k`` each added middle tier has switches of ``k/2`` down and
``k/2`` up (1:1), ``ceil(links_below / (k/2))`` of them, and the top tier uses all ``k``
ports down: ``ceil(links_below / k)``. A ``t``-tier fabric holds ``L <= k·(k/2)^(t-2)``
leaves. 16 SU of DGX B200 (128 leaves of 32 up): 128 spines, 64 core, 4096 cables per tier,
as published.

**Cables.** Node-leaf links are counted for the installed nodes, switch tiers and inter-switch
links for whole SUs. One cable per link, except where the design says a cable carries several links
(``links_per_cable``: the B300 Ethernet RA counts 800G cables each carrying two 400G links).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from siliconomics.errors import SiliconomicsError

TIER_NAMES = ("leaf", "spine", "core", "super_core")
LINK_NAMES = ("node_leaf", "leaf_spine", "spine_core", "core_super_core")
MAX_TIERS = len(TIER_NAMES)


@dataclass(frozen=True, slots=True)
class ClosFabric:
    """Switch and link counts of a folded-Clos fabric, totals over all planes."""

    radix: int
    planes: int
    oversubscription: float
    leaf_down_ports: int
    leaf_up_ports: int
    scalable_units: int
    fabric_nodes: int
    switches_by_tier: dict[str, int]
    links_by_tier: dict[str, int]
    cables_by_tier: dict[str, int]

    @property
    def switches(self) -> int:
        return sum(self.switches_by_tier.values())

    @property
    def tiers(self) -> int:
        return len(self.switches_by_tier)

    @property
    def switch_ports_used(self) -> int:
        """Switch-side link ends: every link has one (node-leaf) or two switch ends."""
        inter = sum(v for k, v in self.links_by_tier.items() if k != "node_leaf")
        return self.links_by_tier["node_leaf"] + 2 * inter


def leaf_ports(radix: int, oversubscription: float) -> tuple[int, int]:
    """(down, up) ports of a leaf: d = floor(k·o/(1+o)), u = k - d."""
    if not oversubscription >= 1.0:
        raise SiliconomicsError(
            f"oversubscription: must be >= 1 (downlink:uplink), got {oversubscription}"
        )
    down = int(radix * oversubscription // (1.0 + oversubscription))
    up = radix - down
    if down < 1 or up < 1:
        raise SiliconomicsError(
            f"oversubscription: {oversubscription} leaves no uplink on a {radix}-port switch"
        )
    return down, up


def _even_stripe(minimum: int, uplinks_per_leaf: int) -> int:
    """Smallest divisor of ``uplinks_per_leaf`` that is >= ``minimum`` (exists while
    minimum <= uplinks_per_leaf, i.e. while two tiers suffice)."""
    for s in range(minimum, uplinks_per_leaf + 1):
        if uplinks_per_leaf % s == 0:
            return s
    return minimum


def clos(
    *,
    nodes: int,
    gpus_per_node: int,
    scalable_unit_nodes: int,
    radix: int,
    oversubscription: float = 1.0,
    rail_optimized: bool = True,
    planes: int = 1,
    links_per_cable: int = 1,
) -> ClosFabric:
    """The fabric for ``nodes`` nodes (built for whole scalable units); see the module doc."""
    for name, v in (
        ("nodes", nodes),
        ("gpus_per_node", gpus_per_node),
        ("scalable_unit_nodes", scalable_unit_nodes),
        ("radix", radix),
        ("planes", planes),
        ("links_per_cable", links_per_cable),
    ):
        if v < 1:
            raise SiliconomicsError(f"{name}: must be >= 1, got {v}")
    if radix < 4:
        raise SiliconomicsError(f"radix: a switch needs at least 4 ports, got {radix}")
    down, up = leaf_ports(radix, oversubscription)
    sus = ceil(nodes / scalable_unit_nodes)
    fabric_nodes = sus * scalable_unit_nodes
    if rail_optimized:
        leaves_per_su = gpus_per_node * ceil(scalable_unit_nodes / down)
    else:
        leaves_per_su = ceil(scalable_unit_nodes * gpus_per_node / down)
    leaves = sus * leaves_per_su  # per plane
    endpoints = nodes * gpus_per_node  # node-leaf links per plane (installed nodes only)

    switches = [leaves]
    links = [endpoints]
    if leaves > 1:
        uplinks = leaves * up
        if leaves <= radix:
            spines = ceil(uplinks / radix)
            if oversubscription == 1.0:
                spines = _even_stripe(spines, up)
            switches.append(spines)
            links.append(uplinks)
        else:
            half = radix // 2
            tiers = 3
            while leaves > radix * half ** (tiers - 2):
                tiers += 1
            if tiers > MAX_TIERS:
                raise SiliconomicsError(
                    f"chips: {leaves} leaves per plane need more than {MAX_TIERS} switch "
                    f"tiers at radix {radix}; use a larger switch or fewer chips"
                )
            below = uplinks
            for _ in range(tiers - 2):
                mid = ceil(below / half)
                switches.append(mid)
                links.append(below)
                below = mid * half
            switches.append(ceil(below / radix))
            links.append(below)
    by_tier = {TIER_NAMES[i]: n * planes for i, n in enumerate(switches)}
    link_tot = {LINK_NAMES[i]: n * planes for i, n in enumerate(links)}
    cables = {k: ceil(v / links_per_cable) for k, v in link_tot.items()}
    return ClosFabric(
        radix=radix,
        planes=planes,
        oversubscription=oversubscription,
        leaf_down_ports=down,
        leaf_up_ports=up,
        scalable_units=sus,
        fabric_nodes=fabric_nodes,
        switches_by_tier=by_tier,
        links_by_tier=link_tot,
        cables_by_tier=cables,
    )
