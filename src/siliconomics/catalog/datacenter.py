"""Datacenter data: scale-out switches, optical transceivers and per-system rack designs.

Files (the package's ``data/datacenter/`` folder, and the same layout in an overlay)::

    datacenter/switches.yaml         id -> {name, fabric, capacity_gbps, port_speeds_gbps, ...}
    datacenter/optics.yaml           id -> {name, gbps, price_usd, power_w}
    datacenter/designs/<system>.yaml one rack/fabric design per catalog system

Values are written in datasheet units (Gb/s, W, kW-free: watts throughout) with a source id
each; the value objects here are SI (bits/s are kept as Gb/s integers because they are
port *classes*, not measured rates: 400, 800, 1600). An overlay entry with the same id (or
the same system) replaces the built-in one whole; a new one adds an entry.

The topology is *not* here: switch and cable counts are derived by rules in
:mod:`siliconomics.plan.topology` from these inputs (radix, port speed, scalable-unit size,
rails, planes), so a new switch generation is a data change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from pydantic import Field

from siliconomics.catalog.schema import Id, Quantity, Strict, bounded
from siliconomics.catalog.specs import Provenance

FABRICS = ("infiniband", "ethernet")
LINK_SPEEDS_GBPS = (400, 800, 1600)


# --------------------------------------------------------------------------- file schemas


class SwitchFile(Strict):
    name: str
    fabric: Literal["infiniband", "ethernet"]
    capacity_gbps: bounded(100, 10_000_000)  # type: ignore[valid-type]
    port_speeds_gbps: list[Literal[100, 200, 400, 800, 1600]]
    cage_gbps: bounded(100, 10_000) | None = None  # type: ignore[valid-type]
    power_w: bounded(10, 100_000) | None = None  # type: ignore[valid-type]
    price_usd: bounded(100, 10_000_000) | None = None  # type: ignore[valid-type]
    note: str | None = None


class OpticFile(Strict):
    name: str
    gbps: Literal[100, 200, 400, 800, 1600, 3200]
    price_usd: bounded(1, 100_000) | None = None  # type: ignore[valid-type]
    power_w: bounded(0.1, 100) | None = None  # type: ignore[valid-type]
    note: str | None = None


class FabricFile(Strict):
    switch: Id
    link_gbps: Literal[400, 800, 1600]
    links_per_cable: int = 1
    rail_optimized: bool = True
    scalable_unit_nodes: bounded(1, 100_000) | None = None  # type: ignore[valid-type]
    source: str
    note: str | None = None


class ScaleUpItemFile(Strict):
    item: str
    per_node: bounded(1, 1_000_000)  # type: ignore[valid-type]


class DesignFile(Strict):
    system: str
    reference: str
    nodes_per_rack: bounded(1, 1000)  # type: ignore[valid-type]
    rack_power_w: bounded(100, 10_000_000) | None = None  # type: ignore[valid-type]
    cooling: Literal["air", "liquid"]
    scalable_unit_nodes: bounded(1, 100_000)  # type: ignore[valid-type]
    default_fabric: Literal["infiniband", "ethernet"]
    fabrics: dict[Literal["infiniband", "ethernet"], FabricFile]
    scale_up: list[ScaleUpItemFile] = Field(default_factory=list)
    note: str | None = None


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, slots=True)
class Switch:
    """A scale-out switch model. ``radix(speed)`` is its port count at a link speed."""

    id: str
    name: str
    fabric: str
    capacity_gbps: float
    port_speeds_gbps: tuple[int, ...]
    cage_gbps: float | None
    power_w: float | None
    price_usd: float | None
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def radix(self, link_gbps: int) -> int:
        """Ports at ``link_gbps``: capacity / speed (64 x 400G on a 25.6 Tb/s QM9700)."""
        return int(self.capacity_gbps // link_gbps)


@dataclass(frozen=True, slots=True)
class Optic:
    id: str
    name: str
    gbps: int
    price_usd: float | None
    power_w: float | None
    provenance: Mapping[str, Provenance] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FabricDesign:
    """How one system's scale-out fabric is built with one switch family."""

    fabric: str
    switch: str
    link_gbps: int
    links_per_cable: int
    rail_optimized: bool
    scalable_unit_nodes: int
    source: str
    note: str


@dataclass(frozen=True, slots=True)
class ScaleUpItem:
    item: str
    per_node: float
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class RackDesign:
    """The rack and fabric definition of one catalog system (a "node" is one system)."""

    system: str
    reference: str
    nodes_per_rack: int
    rack_power_w: float | None
    cooling: str
    default_fabric: str
    fabrics: Mapping[str, FabricDesign]
    scale_up: tuple[ScaleUpItem, ...]
    provenance: Mapping[str, Provenance] = field(default_factory=dict)


@dataclass(frozen=True)
class DatacenterData:
    switches: Mapping[str, Switch] = field(default_factory=dict)
    optics: Mapping[str, Optic] = field(default_factory=dict)
    designs: Mapping[str, RackDesign] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("switches", "optics", "designs"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def optic_for(self, gbps: float) -> Optic | None:
        """The transceiver of exactly that speed, if the catalog has one."""
        for o in self.optics.values():
            if o.gbps == gbps:
                return o
        return None


def quantity_fields(model: Strict) -> dict[str, Quantity]:
    """The sourced numbers of a validated file, by field name."""
    return {k: v for k, v in model if isinstance(v, Quantity)}
