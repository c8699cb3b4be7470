"""Load and validate the data files into a :class:`Catalog`.

Layout (the package's ``data/`` folder, and the same layout in a user overlay folder)::

    sources.yaml                 id -> {title, url, date, note}
    datacenter/                  switches, optics, per-system rack designs
                                 (see :mod:`siliconomics.catalog.datacenter`)
    accelerators/<id>.yaml       one chip per file
    systems/<id>.yaml            one node/rack/pod per file
    models/<id>.yaml             {id, name, source, checkpoint_dtype, config: <config.json fields>}
    prices/<accelerator>.yaml    dated purchase and rental prices
    calibration/<id>.yaml        efficiency parameters of the performance model
    market/*.csv                 market rows and calendars.csv (read by siliconomics.market)
    market/families.yaml         vendor families; market/scenarios/<name>.yaml: scenarios

An overlay entry whose id matches a built-in one replaces it whole; a new id adds an entry.
Overlay sources are merged into the built-in ones. A chip names its calibration family in its
own file (``calibration: <id>``, resolved after all folders are read, so an overlay chip may
name an overlay family); a chip that names none gets ``default``, the conservative prior.
Every file is validated against its schema and every source id must resolve; the first
problem raises one :class:`SiliconomicsError` naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from siliconomics.catalog import datacenter as dc
from siliconomics.catalog import schema as s
from siliconomics.catalog.dtypes import DType
from siliconomics.catalog.files import read_yaml
from siliconomics.catalog.hf_config import parse_hf_config
from siliconomics.catalog.specs import (
    DEFAULT_CALIBRATION,
    Accelerator,
    Calibration,
    CalibrationMethod,
    ChipKind,
    ModelArch,
    PowerBasis,
    PriceKind,
    PricePoint,
    Provenance,
    Source,
    System,
    Topology,
)
from siliconomics.errors import SiliconomicsError, unknown

GB = 1e9
GIB = 2.0**30
MB = 1e6
MIB = 2.0**20
TERA = 1e12
BITS_PER_BYTE = 8.0

M = TypeVar("M", bound=BaseModel)


def builtin_data_dir() -> Path:
    return Path(str(files("siliconomics") / "data"))


def _read_yaml(path: Path) -> Any:
    return read_yaml(path)


def _validate(model: type[M], data: Any, path: Path) -> M:
    if not isinstance(data, dict):
        raise SiliconomicsError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise SiliconomicsError(f"{path}: field '{loc}': {msg}{more}") from None


@dataclass(frozen=True)
class Catalog:
    """Everything the model knows about hardware, models, prices and sources."""

    sources: Mapping[str, Source]
    accelerators: Mapping[str, Accelerator]
    systems: Mapping[str, System]
    models: Mapping[str, ModelArch]
    prices: Mapping[str, tuple[PricePoint, ...]]
    calibrations: Mapping[str, Calibration]
    files: Mapping[str, Path] = field(default_factory=dict)
    datacenter: dc.DatacenterData = field(default_factory=dc.DatacenterData)
    #: The overlay folder applied (None for the built-in catalog): data kinds outside the
    #: entry folders (market rows, scenarios) are read from it too (catalog.roots).
    overlay: Path | None = None

    def accelerator(self, id_: str) -> Accelerator:
        if id_ in self.accelerators:
            return self.accelerators[id_]
        raise unknown("hardware", id_, [*self.accelerators, *self.systems])

    def system(self, id_: str) -> System:
        if id_ in self.systems:
            return self.systems[id_]
        raise unknown("hardware", id_, [*self.accelerators, *self.systems])

    def model(self, id_: str) -> ModelArch:
        if id_ in self.models:
            return self.models[id_]
        raise unknown("model", id_, self.models)

    def calibration_for(self, chip: Accelerator | str) -> Calibration:
        """The calibration family the chip's file names (``calibration: <id>``).

        A chip whose file names none has ``default``, the conservative prior. An id outside
        the catalog (a chip read from its own file) gets the prior as well; pass the
        :class:`Accelerator` itself to use the family its file names.
        """
        if isinstance(chip, Accelerator):
            cal_id = chip.calibration_id
        elif chip in self.accelerators:
            cal_id = self.accelerators[chip].calibration_id
        else:
            cal_id = DEFAULT_CALIBRATION
        if cal_id not in self.calibrations:
            raise unknown("calibration", cal_id, self.calibrations)
        return self.calibrations[cal_id]

    def calibration_status(self, chip: Accelerator | str) -> Literal["fitted", "prior"]:
        """``"fitted"`` when the chip's calibration was fitted to the validation set, else
        ``"prior"``: figures for that chip are unvalidated and should be labelled so."""
        return "prior" if self.calibration_for(chip).is_prior else "fitted"

    def source_date(self, source_id: str) -> str:
        return self.sources[source_id].date


class _Builder:
    """Turns validated files into value objects, resolving every source id."""

    def __init__(self, sources: Mapping[str, Source]) -> None:
        self.sources = sources

    def prov(self, q: s.Quantity | s.TextQuantity, path: Path, fld: str) -> Provenance:
        if q.source not in self.sources:
            raise SiliconomicsError(
                f"{path}: field '{fld}': source id {q.source!r} is not in sources.yaml"
            )
        return Provenance(q.source, q.date or self.sources[q.source].date, q.note or "")

    def accelerator(self, f: s.AcceleratorFile, path: Path) -> Accelerator:
        prov: dict[str, Provenance] = {}

        def take(q: s.Quantity | None, fld: str, scale: float) -> float | None:
            if q is None:
                return None
            prov[fld] = self.prov(q, path, fld)
            return q.value * scale

        peaks: dict[DType, float] = {}
        for name, q in f.dense_tflop_per_s:
            value = take(q, f"peak_flop_per_s.{name}", TERA)
            if value is not None:
                peaks[DType(name)] = value
        hbm_bytes = hbm_usable = hbm_bw = sram = up_bw = out_bw = None
        hbm_type = fabric = None
        domain: float | None = None
        if f.hbm:
            hbm_type = f.hbm.type
            hbm_bytes = take(f.hbm.capacity_gb, "hbm_bytes", GB) or take(
                f.hbm.capacity_gib, "hbm_bytes", GIB
            )
            hbm_usable = take(f.hbm.usable_mib, "hbm_usable_bytes", MIB)
            hbm_bw = take(f.hbm.bandwidth_tb_per_s, "hbm_bandwidth_bytes_per_s", TERA)
        if f.sram:
            sram = take(f.sram.capacity_mb, "sram_bytes", MB) or take(
                f.sram.capacity_mib, "sram_bytes", MIB
            )
        if f.scale_up:
            fabric = f.scale_up.fabric
            # Vendors quote the sum of both directions; the model wants one direction.
            up_bw = take(
                f.scale_up.bidirectional_bandwidth_gb_per_s,
                "scale_up_bandwidth_bytes_per_s_per_direction",
                GB / 2,
            )
            domain = take(f.scale_up.domain_chips, "scale_up_domain_chips", 1.0)
        if f.scale_out:
            # NIC line rates are per direction, in bits.
            out_bw = take(
                f.scale_out.bandwidth_gbit_per_s,
                "scale_out_bandwidth_bytes_per_s_per_direction",
                GB / BITS_PER_BYTE,
            )
        tdp = take(f.tdp_w, "tdp_w", 1.0)
        year = take(f.launch_year, "launch_year", 1.0)
        node = None
        if f.process_node:
            prov["process_node"] = self.prov(f.process_node, path, "process_node")
            node = f.process_node.value
        return Accelerator(
            id=f.id,
            name=f.name,
            vendor=f.vendor,
            kind=ChipKind(f.kind),
            peak_flop_per_s=peaks,
            hbm_bytes=hbm_bytes,
            hbm_usable_bytes=hbm_usable,
            hbm_bandwidth_bytes_per_s=hbm_bw,
            hbm_type=hbm_type,
            sram_bytes=sram,
            scale_up_fabric=fabric,
            scale_up_bandwidth_bytes_per_s_per_direction=up_bw,
            scale_up_domain_chips=int(domain) if domain else None,
            scale_out_bandwidth_bytes_per_s_per_direction=out_bw,
            tdp_w=tdp,
            tdp_basis=PowerBasis(f.tdp_basis),
            launch_year=int(year) if year else None,
            process_node=node,
            calibration_id=f.calibration or DEFAULT_CALIBRATION,
            notes=f.notes or "",
            provenance=prov,
        )

    def system(self, f: s.SystemFile, path: Path) -> System:
        prov = {
            "chips": self.prov(f.chips, path, "chips"),
            "scale_up_domain_chips": self.prov(f.scale_up.domain_chips, path, "scale_up"),
        }
        out_bw = None
        if f.scale_out and f.scale_out.bandwidth_gbit_per_s_per_chip:
            q = f.scale_out.bandwidth_gbit_per_s_per_chip
            prov["scale_out_bandwidth"] = self.prov(q, path, "scale_out")
            out_bw = q.value * GB / BITS_PER_BYTE
        power = None
        if f.power_kw:
            prov["power_w"] = self.prov(f.power_kw, path, "power_kw")
            power = f.power_kw.value * 1e3
        return System(
            id=f.id,
            name=f.name,
            accelerator=f.accelerator,
            chips=int(f.chips.value),
            scale_up_topology=Topology(f.scale_up.topology),
            scale_up_domain_chips=int(f.scale_up.domain_chips.value),
            scale_out_topology=f.scale_out.topology if f.scale_out else "none",
            scale_out_bandwidth_bytes_per_s_per_direction_per_chip=out_bw,
            power_w=power,
            notes=f.notes or "",
            provenance=prov,
        )

    def model(self, f: s.ModelFile, path: Path) -> ModelArch:
        if f.source not in self.sources:
            raise SiliconomicsError(
                f"{path}: field 'source': source id {f.source!r} is not in sources.yaml"
            )
        try:
            return parse_hf_config(
                f.config,
                model_id=f.id,
                name=f.name,
                checkpoint_dtype=f.checkpoint_dtype,
                source=f.source,
                notes=f.notes or "",
            )
        except SiliconomicsError as exc:
            raise SiliconomicsError(f"{path}: {exc}") from None

    def prices(self, f: s.PriceFile, path: Path) -> tuple[PricePoint, ...]:
        points = []
        for unit, entries in (
            ("usd_per_chip", f.purchase_usd_per_chip),
            ("usd_per_chip_hour", f.rental_usd_per_chip_hour),
        ):
            for e in entries:
                if e.source not in self.sources:
                    raise SiliconomicsError(
                        f"{path}: field 'source': source id {e.source!r} is not in sources.yaml"
                    )
                points.append(
                    PricePoint(
                        accelerator=f.accelerator,
                        value_usd=e.value,
                        unit=unit,
                        date=e.date,
                        source=e.source,
                        kind=PriceKind(e.kind),
                        low_usd=e.low,
                        high_usd=e.high,
                        commitment=e.commitment,
                        provider=e.provider,
                        provider_class=e.provider_class,
                        note=e.note or "",
                    )
                )
        return tuple(points)

    def quantities(self, f: s.Strict, path: Path) -> dict[str, Provenance]:
        return {k: self.prov(q, path, k) for k, q in dc.quantity_fields(f).items()}

    def switch(self, id_: str, f: dc.SwitchFile, path: Path) -> dc.Switch:
        return dc.Switch(
            id=id_,
            name=f.name,
            fabric=f.fabric,
            capacity_gbps=f.capacity_gbps.value,
            port_speeds_gbps=tuple(f.port_speeds_gbps),
            cage_gbps=f.cage_gbps.value if f.cage_gbps else None,
            power_w=f.power_w.value if f.power_w else None,
            price_usd=f.price_usd.value if f.price_usd else None,
            provenance=self.quantities(f, path),
        )

    def optic(self, id_: str, f: dc.OpticFile, path: Path) -> dc.Optic:
        return dc.Optic(
            id=id_,
            name=f.name,
            gbps=f.gbps,
            price_usd=f.price_usd.value if f.price_usd else None,
            power_w=f.power_w.value if f.power_w else None,
            provenance=self.quantities(f, path),
        )

    def design(self, f: dc.DesignFile, path: Path) -> dc.RackDesign:
        prov = self.quantities(f, path)
        su = int(f.scalable_unit_nodes.value)
        fabrics: dict[str, dc.FabricDesign] = {}
        for name, fab in f.fabrics.items():
            if fab.source not in self.sources:
                raise SiliconomicsError(
                    f"{path}: field 'fabrics.{name}.source': source id {fab.source!r} is not "
                    "in sources.yaml"
                )
            if fab.links_per_cable < 1:
                raise SiliconomicsError(
                    f"{path}: field 'fabrics.{name}.links_per_cable': must be >= 1"
                )
            fab_su = su
            if fab.scalable_unit_nodes is not None:
                prov[f"fabrics.{name}.scalable_unit_nodes"] = self.prov(
                    fab.scalable_unit_nodes, path, f"fabrics.{name}.scalable_unit_nodes"
                )
                fab_su = int(fab.scalable_unit_nodes.value)
            fabrics[name] = dc.FabricDesign(
                fabric=name,
                switch=fab.switch,
                link_gbps=fab.link_gbps,
                links_per_cable=fab.links_per_cable,
                rail_optimized=fab.rail_optimized,
                scalable_unit_nodes=fab_su,
                source=fab.source,
                note=fab.note or "",
            )
        if f.default_fabric not in fabrics:
            raise SiliconomicsError(
                f"{path}: field 'default_fabric': {f.default_fabric!r} is not one of its "
                f"fabrics ({', '.join(sorted(fabrics))})"
            )
        items = tuple(
            dc.ScaleUpItem(it.item, it.per_node.value, self.prov(it.per_node, path, "scale_up"))
            for it in f.scale_up
        )
        return dc.RackDesign(
            system=f.system,
            reference=f.reference,
            nodes_per_rack=int(f.nodes_per_rack.value),
            rack_power_w=f.rack_power_w.value if f.rack_power_w else None,
            cooling=f.cooling,
            default_fabric=f.default_fabric,
            fabrics=fabrics,
            scale_up=items,
            provenance=prov,
        )

    def calibration(self, f: s.CalibrationFile, path: Path) -> Calibration:
        prov = {}
        values = {}
        for name, q in f.parameters:
            if q is None:
                continue
            prov[name] = self.prov(q, path, f"parameters.{name}")
            values[name] = q.value
        return Calibration(
            id=f.id,
            method=CalibrationMethod(f.method),
            description=f.description,
            provenance=prov,
            engine=f.engine,
            **values,
        )


def _check_calibration(chip: Accelerator, path: Path, calibrations: Mapping[str, Any]) -> None:
    if chip.calibration_id not in calibrations:
        allowed = ", ".join(sorted(calibrations))
        raise SiliconomicsError(
            f"{path}: field 'calibration': unknown calibration id {chip.calibration_id!r}; "
            f"allowed: {allowed}"
        )


#: What an overlay folder may hold: entry folders with the file extensions read in each,
#: and single files at fixed paths. Anything else is refused with one line, so a misspelled
#: folder (``accelerator/``) or a ``.yml.bak`` is never skipped without a word.
OVERLAY_FOLDERS: dict[str, tuple[str, ...]] = {
    "accelerators": (".yaml", ".yml"),
    "systems": (".yaml", ".yml"),
    "models": (".yaml", ".yml"),
    "prices": (".yaml", ".yml"),
    "calibration": (".yaml", ".yml"),
    "datacenter/designs": (".yaml", ".yml"),
    "market": (".csv",),
    "market/scenarios": (".yaml", ".yml"),
}
OVERLAY_FILES = frozenset(
    {
        "sources.yaml",
        "api_prices.yaml",
        "report/scenario.yaml",
        "datacenter/switches.yaml",
        "datacenter/optics.yaml",
        "econ/inference_providers.yaml",
        "market/families.yaml",
    }
)


def _ignored(path: Path) -> bool:
    """Hidden files (``.git``, ``.DS_Store``) and READMEs are not data."""
    return path.name.startswith(".") or path.name.lower().startswith("readme")


def check_overlay_layout(folder: Path) -> None:
    """Refuse an overlay entry this loader would not read (module docstring)."""
    allowed = sorted([*(f"{k}/" for k in OVERLAY_FOLDERS), *OVERLAY_FILES])
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(_ignored(Path(part)) for part in rel.parts) or path.is_dir():
            continue
        kind = "/".join(rel.parts[:-1])
        if rel.as_posix() in OVERLAY_FILES:
            continue
        if kind in OVERLAY_FOLDERS:
            if path.suffix in OVERLAY_FOLDERS[kind]:
                continue
            raise SiliconomicsError(
                f"{path}: overlay: a {kind}/ file must end in {' or '.join(OVERLAY_FOLDERS[kind])}"
            )
        raise unknown(f"{path}: overlay entry", rel.as_posix(), allowed)


def _entry_files(folder: Path, kind: str) -> list[Path]:
    """The entry files of one kind in ``folder``; two files for one id (``h100.yaml`` and
    ``h100.yml``) are an error naming both."""
    d = folder / kind
    if not d.is_dir():
        return []
    exts = OVERLAY_FOLDERS[kind]
    found = sorted(p for p in d.iterdir() if p.suffix in exts and p.is_file() and not _ignored(p))
    by_stem: dict[str, Path] = {}
    for p in found:
        if p.stem in by_stem:
            raise SiliconomicsError(
                f"{p}: field 'id': {p.stem!r} is also defined by {by_stem[p.stem]}"
            )
        by_stem[p.stem] = p
    return found


#: Always defined, for numbers a user puts in an overlay or a hardware file without a document.
USER_SOURCE = Source("user", "Value supplied by the user of this installation", "", "unspecified")


def _load_sources(folders: list[Path]) -> dict[str, Source]:
    sources: dict[str, Source] = {"user": USER_SOURCE}
    for folder in folders:
        path = folder / "sources.yaml"
        if not path.exists():
            continue
        raw = _read_yaml(path) or {}
        if not isinstance(raw, dict):
            raise SiliconomicsError(f"{path}: expected a mapping of source id -> record")
        for sid, rec in raw.items():
            f = _validate(s.SourceFile, rec, path.with_name(f"{path.name}:{sid}"))
            sources[str(sid)] = Source(str(sid), f.title, f.url, f.date, f.note or "")
    return sources


def _check_stem(id_: str, path: Path, fld: str) -> None:
    """One entry per file, named by its id: so two files can never define one id."""
    if path.stem != id_:
        raise SiliconomicsError(f"{path}: field '{fld}': {id_!r} must match the file name")


def load_catalog(overlay: Path | None = None) -> Catalog:
    """Load the built-in catalog, then apply ``overlay`` (a folder of the same layout)."""
    folders = [builtin_data_dir()]
    if overlay is not None:
        if not overlay.is_dir():
            raise SiliconomicsError(f"overlay: {overlay} is not a folder")
        check_overlay_layout(overlay)
        folders.append(overlay)
    b = _Builder(_load_sources(folders))
    accelerators: dict[str, Accelerator] = {}
    systems: dict[str, System] = {}
    models: dict[str, ModelArch] = {}
    prices: dict[str, tuple[PricePoint, ...]] = {}
    calibrations: dict[str, Calibration] = {}
    where: dict[str, Path] = {}

    def check_id(id_: str, path: Path, seen: dict[str, Any], folder: Path) -> None:
        _check_stem(id_, path, "id")
        if id_ in seen and where[id_].parent.parent == folder:
            raise SiliconomicsError(f"{path}: field 'id': duplicate id {id_!r}")

    for folder in folders:
        for path in _entry_files(folder, "accelerators"):
            acc_file = _validate(s.AcceleratorFile, _read_yaml(path), path)
            check_id(acc_file.id, path, accelerators, folder)
            accelerators[acc_file.id] = b.accelerator(acc_file, path)
            where[acc_file.id] = path
        for path in _entry_files(folder, "systems"):
            sys_file = _validate(s.SystemFile, _read_yaml(path), path)
            check_id(sys_file.id, path, systems, folder)
            systems[sys_file.id] = b.system(sys_file, path)
            where[sys_file.id] = path
        for path in _entry_files(folder, "models"):
            model_file = _validate(s.ModelFile, _read_yaml(path), path)
            check_id(model_file.id, path, models, folder)
            models[model_file.id] = b.model(model_file, path)
            where[model_file.id] = path
        for path in _entry_files(folder, "prices"):
            price_file = _validate(s.PriceFile, _read_yaml(path), path)
            _check_stem(price_file.accelerator, path, "accelerator")
            prices[price_file.accelerator] = b.prices(price_file, path)
            where[f"prices:{price_file.accelerator}"] = path
        for path in _entry_files(folder, "calibration"):
            cal_file = _validate(s.CalibrationFile, _read_yaml(path), path)
            _check_stem(cal_file.id, path, "id")
            calibrations[cal_file.id] = b.calibration(cal_file, path)
            where[f"calibration:{cal_file.id}"] = path

    for acc in accelerators.values():
        _check_calibration(acc, where[acc.id], calibrations)
    for sys_ in systems.values():
        if sys_.accelerator not in accelerators:
            raise SiliconomicsError(
                f"{where[sys_.id]}: field 'accelerator': {sys_.accelerator!r} is not a "
                "known accelerator id"
            )
    for acc_id in prices:
        if acc_id not in accelerators:
            raise SiliconomicsError(
                f"{where['prices:' + acc_id]}: field 'accelerator': {acc_id!r} is not a "
                "known accelerator id"
            )
    datacenter = _load_datacenter(folders, b, systems, where)
    clash = set(accelerators) & set(systems)
    if clash:
        raise SiliconomicsError(f"catalog: ids used by both an accelerator and a system: {clash}")
    return Catalog(
        b.sources,
        accelerators,
        systems,
        models,
        prices,
        calibrations,
        where,
        datacenter,
        overlay.resolve() if overlay is not None else None,
    )


def _id_map(path: Path) -> dict[str, Any]:
    raw = _read_yaml(path) or {}
    if not isinstance(raw, dict):
        raise SiliconomicsError(f"{path}: expected a mapping of id -> entry")
    for key in raw:
        if not s.ID_RE.match(str(key)):
            raise SiliconomicsError(
                f"{path}: field '{key}': ids are lowercase (a-z, 0-9 and '-', starting with a "
                "letter)"
            )
    return {str(k): v for k, v in raw.items()}


def _load_datacenter(
    folders: list[Path], b: _Builder, systems: Mapping[str, System], where: dict[str, Path]
) -> dc.DatacenterData:
    """Switches, optics and rack designs from every folder, later folders overriding."""
    switches: dict[str, dc.Switch] = {}
    optics: dict[str, dc.Optic] = {}
    designs: dict[str, dc.RackDesign] = {}
    for folder in folders:
        base = folder / "datacenter"
        if not base.is_dir():
            continue
        path = base / "switches.yaml"
        if path.exists():
            for id_, rec in _id_map(path).items():
                f = _validate(dc.SwitchFile, rec, path.with_name(f"{path.name}:{id_}"))
                switches[id_] = b.switch(id_, f, path)
        path = base / "optics.yaml"
        if path.exists():
            for id_, rec in _id_map(path).items():
                o = _validate(dc.OpticFile, rec, path.with_name(f"{path.name}:{id_}"))
                optics[id_] = b.optic(id_, o, path)
        for path in _entry_files(folder, "datacenter/designs"):
            d = _validate(dc.DesignFile, _read_yaml(path), path)
            if path.stem != d.system:
                raise SiliconomicsError(
                    f"{path}: field 'system': {d.system!r} must match the file name"
                )
            designs[d.system] = b.design(d, path)
            where[f"design:{d.system}"] = path
    for sys_id, design in designs.items():
        path = where[f"design:{sys_id}"]
        if sys_id not in systems:
            raise SiliconomicsError(f"{path}: field 'system': {sys_id!r} is not a known system id")
        for name, fab in design.fabrics.items():
            if fab.switch not in switches:
                raise unknown(f"{path}: field 'fabrics.{name}.switch'", fab.switch, switches)
    return dc.DatacenterData(switches, optics, designs)


def load_accelerator_file(path: Path, catalog: Catalog) -> Accelerator:
    """Read one accelerator YAML file (``--hardware FILE``) against ``catalog``'s sources."""
    f = _validate(s.AcceleratorFile, _read_yaml(path), path)
    chip = _Builder(catalog.sources).accelerator(f, path)
    _check_calibration(chip, path, catalog.calibrations)
    return chip


@cache
def builtin_catalog() -> Catalog:
    """The built-in catalog, loaded once per process."""
    return load_catalog(None)
