"""What a user typed, resolved into the objects the model runs on.

One place turns a model spec (a catalog id or a Hugging Face ``config.json`` path), a
hardware spec (an accelerator id, a system id or an accelerator YAML file) and partial
parallelism into value objects. The api, the econ layer and the report all resolve here,
so a spec means the same thing in every command.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from siliconomics.catalog.engines import MAX_BATCH_SEQUENCES, Engine
from siliconomics.catalog.hf_config import load_config_file, parse_hf_config
from siliconomics.catalog.loader import Catalog, load_accelerator_file
from siliconomics.catalog.specs import Accelerator, ModelArch, System
from siliconomics.errors import SiliconomicsError, unknown
from siliconomics.perf.config import Parallelism
from siliconomics.perf.timing import Hardware


def resolve_model(spec: str, catalog: Catalog) -> ModelArch:
    """A catalog model id, or a path to a Hugging Face config.json."""
    if spec in catalog.models:
        return catalog.models[spec]
    path = Path(spec)
    if spec.endswith(".json") or path.is_file():
        if not path.is_file():
            raise SiliconomicsError(f"model: file {spec} does not exist")
        return parse_hf_config(
            load_config_file(path), model_id=path.parent.name or path.stem, source="user"
        )
    raise unknown("model", spec, catalog.models)


def resolve_chip(spec: str, catalog: Catalog) -> tuple[Accelerator, System | None]:
    """An accelerator id, a system id or an accelerator YAML file -> (chip, system or None)."""
    if spec in catalog.systems:
        system = catalog.systems[spec]
        return catalog.accelerators[system.accelerator], system
    if spec in catalog.accelerators:
        return catalog.accelerators[spec], None
    if spec.endswith((".yaml", ".yml")) or Path(spec).is_file():
        path = Path(spec)
        if not path.is_file():
            raise SiliconomicsError(f"hardware: file {spec} does not exist")
        return load_accelerator_file(path, catalog), None
    raise unknown("hardware", spec, [*catalog.accelerators, *catalog.systems])


def resolve_hardware(spec: str, catalog: Catalog) -> tuple[Hardware, System | None]:
    """The performance model's view of ``spec``, with its system when one was named.

    A system supplies its scale-up domain and scale-out NIC; a bare chip uses the domain
    of its standard system as its datasheet states it (8 for an HGX GPU). The efficiencies
    are those of the calibration family the chip names (the prior when it names none).
    """
    chip, system = resolve_chip(spec, catalog)
    return Hardware.for_chip(chip, catalog.calibration_for(chip), system), system


def resolve_parallelism(
    chips: int | None, tp: int | None, pp: int | None, ep: int | None
) -> Parallelism:
    """Fill in what was not given: tp defaults to chips / pp, dp to what is left."""
    for name, value in (("chips", chips), ("tp", tp), ("pp", pp), ("ep", ep)):
        if value is not None and value < 1:
            raise SiliconomicsError(f"{name}: must be a positive integer, got {value}")
    pp = pp or 1
    if tp is None:
        tp = (chips // pp) if chips else 1
        if tp < 1:
            raise SiliconomicsError(f"chips: {chips} is fewer than pp={pp}")
    chips = chips or tp * pp
    if chips % (tp * pp):
        raise SiliconomicsError(f"chips: {chips} is not a multiple of tp*pp = {tp * pp}")
    return Parallelism(tp=tp, pp=pp, ep=ep or 1, dp=chips // (tp * pp))


def is_validated(chip: Accelerator, catalog: Catalog) -> bool:
    """Whether the chip's efficiencies were fitted to published measurements of its family
    (its calibration's method is "fitted"); a chip on the prior is unvalidated. Takes the
    chip, not its id, so a chip read from a file with a new id keeps the family it names."""
    return catalog.calibration_status(chip) == "fitted"


def with_engine(hw: Hardware, engine: str | None) -> tuple[Hardware, str | None, bool]:
    """(hardware as run under ``engine``, the engine used, whether the family's calibration
    was fitted on that engine). ``None`` means the family's own engine (the default). Another
    engine gets its sourced scheduler cap (catalog/engines.py) and is not validated: the
    caller widens the interval to the prior."""
    fitted = hw.calibration.engine
    if engine is None:
        return hw, fitted, True
    try:
        e = Engine(engine)
    except ValueError:
        raise unknown("engine", engine, [x.value for x in Engine]) from None
    if e.value == fitted:
        return hw, fitted, True
    cap = MAX_BATCH_SEQUENCES.get(e)
    if cap is not None:
        hw = replace(hw, calibration=replace(hw.calibration, max_batch_sequences=cap[0]))
    return hw, e.value, False
