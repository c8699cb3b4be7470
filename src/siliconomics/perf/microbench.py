"""Calibrate the performance model on the user's own accelerator from microbenchmarks
(issue 11, part 8: ``siliconomics calibrate``).

A *record* is what the runner (``perf.microbench_run``, PyTorch, the ``[gpu]`` extra) measures
on the local device, saved as JSON, or a file in the same format written by hand from someone
else's measurements. Format ``siliconomics-microbench/1``::

    {"format": "siliconomics-microbench/1", "hardware": "<catalog accelerator id>",
     "device": "<name the driver reports>", "date": "YYYY-MM-DD", "source": "<who/what measured>",
     "gemm": [{"m": 8192, "n": 8192, "k": 8192, "dtype": "bf16", "seconds": 0.00163}, ...],
     "copy": [{"bytes": 4294967296, "seconds": 0.00278}, ...],
     "decode_attention": [{"batch": 64, "context": 4096, "kv_heads": 8, "head_dim": 128,
                           "dtype": "bf16", "seconds": 0.0011}, ...]}   (optional)

From it three efficiencies of the model (``catalog.specs.Calibration``) are measured, not
fitted to LLM results:

* ``gemm_efficiency`` = max over bf16 GEMMs with min(m, n, k) >= 4096 of (2·m·n·k / seconds)
  / dense bf16 peak: the large-GEMM efficiency the roofline uses;
* ``memory_efficiency`` = max over copies of (2 · bytes / seconds) / HBM bandwidth (a device
  copy reads and writes every byte);
* ``attention_decode_efficiency`` = max over decode-attention steps of (KV bytes read /
  seconds) / HBM bandwidth, KV bytes = 2 (K and V) · batch · context · kv_heads · head_dim ·
  2 bytes (bf16).

The result is a ``--catalog`` overlay: ``calibration/<chip>-local.yaml`` (the chip family's
calibration with the measured values, each sourced to the record) and
``accelerators/<chip>.yaml`` (the chip's own file, pointed at it), plus ``sources.yaml``
naming the record. Every other parameter (overheads, collective efficiency, MoE imbalance)
keeps the family's value; the interval stays the family's held-out one.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from siliconomics.catalog.dtypes import DType
from siliconomics.catalog.files import read_text
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError, unknown

FORMAT = "siliconomics-microbench/1"
LARGE_GEMM_DIM = 4096
BF16_BYTES = 2
MEASURED = ("gemm_efficiency", "memory_efficiency", "attention_decode_efficiency")
_FIELDS = {
    "gemm": ("m", "n", "k", "dtype", "seconds"),
    "copy": ("bytes", "seconds"),
    "decode_attention": ("batch", "context", "kv_heads", "head_dim", "dtype", "seconds"),
}


@dataclass(frozen=True, slots=True)
class Record:
    hardware: str
    device: str
    date: str
    source: str
    gemm: tuple[dict[str, Any], ...]
    copy: tuple[dict[str, Any], ...]
    decode_attention: tuple[dict[str, Any], ...]


def read_record(path: Path) -> tuple[Record, dict[str, Any]]:
    """A microbenchmark record file, checked strictly (:func:`parse_record`), and its JSON."""
    where = f"record: {path}"
    try:
        data = json.loads(read_text(path, what="microbenchmark record"))
    except json.JSONDecodeError as exc:
        raise SiliconomicsError(f"{where}: not JSON: {exc.msg} at line {exc.lineno}") from None
    return parse_record(data, where), data


def parse_record(data: Any, where: str) -> Record:
    """A record from its JSON, checked strictly: one error line naming the entry and field."""
    if not isinstance(data, dict):
        raise SiliconomicsError(f"{where}: must be a JSON object")
    allowed = ("format", "hardware", "device", "date", "source", *_FIELDS)
    for key in data:
        if key not in allowed:
            raise unknown(f"{where}: field", key, allowed)
    if data.get("format") != FORMAT:
        raise SiliconomicsError(f"{where}: field format: must be {FORMAT!r}")
    for key in ("hardware", "device", "date", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise SiliconomicsError(f"{where}: field {key}: a non-empty string is required")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"]):
        raise SiliconomicsError(f"{where}: field date: {data['date']!r} is not YYYY-MM-DD")
    lists: dict[str, tuple[dict[str, Any], ...]] = {}
    for kind, fields in _FIELDS.items():
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise SiliconomicsError(f"{where}: field {kind}: must be a list")
        for i, e in enumerate(entries):
            at = f"{where}: {kind}[{i}]"
            if not isinstance(e, dict) or set(e) != set(fields):
                raise SiliconomicsError(f"{at}: needs exactly the fields {', '.join(fields)}")
            for f in fields:
                v = e[f]
                if f == "dtype":
                    if v != "bf16":
                        raise SiliconomicsError(f"{at}.dtype: {v!r}; only bf16 is used")
                elif isinstance(v, bool) or not isinstance(v, int | float):
                    raise SiliconomicsError(f"{at}.{f}: {v!r} is not a number")
                elif not (math.isfinite(v) and v > 0):
                    raise SiliconomicsError(f"{at}.{f}: {v!r} must be positive and finite")
        lists[kind] = tuple(entries)
    if not lists["gemm"] or not lists["copy"]:
        raise SiliconomicsError(f"{where}: needs at least one gemm and one copy measurement")
    return Record(
        data["hardware"],
        data["device"],
        data["date"],
        data["source"],
        lists["gemm"],
        lists["copy"],
        lists["decode_attention"],
    )


def efficiencies(record: Record, catalog: Catalog) -> dict[str, float]:
    """The efficiencies the record measures (module docstring), as fractions of the chip's
    datasheet peaks. A value above 1 means the record is not of this chip: an error."""
    chip = catalog.accelerator(record.hardware)
    _, bandwidth = chip.require_memory()
    peak = chip.peak(DType.BF16)
    large = [g for g in record.gemm if min(g["m"], g["n"], g["k"]) >= LARGE_GEMM_DIM]
    if not large:
        raise SiliconomicsError(
            f"record: gemm: no GEMM with every dimension >= {LARGE_GEMM_DIM}; the large-GEMM "
            "efficiency needs one"
        )
    out = {
        "gemm_efficiency": max(2 * g["m"] * g["n"] * g["k"] / g["seconds"] for g in large) / peak,
        "memory_efficiency": max(2 * c["bytes"] / c["seconds"] for c in record.copy) / bandwidth,
    }
    if record.decode_attention:
        out["attention_decode_efficiency"] = (
            max(
                2
                * a["batch"]
                * a["context"]
                * a["kv_heads"]
                * a["head_dim"]
                * BF16_BYTES
                / a["seconds"]
                for a in record.decode_attention
            )
            / bandwidth
        )
    for name, value in out.items():
        if value > 1.0:
            raise SiliconomicsError(
                f"record: {name} measures {value:.2f} of {chip.id}'s datasheet peak (above 1): "
                "is the record of another chip?"
            )
    return out


def overlay(record: Record, catalog: Catalog, source_id: str) -> dict[str, str]:
    """The ``--catalog`` overlay files (relative path -> text) that make ``record.hardware``
    use the measured efficiencies; every other parameter stays the family's."""
    chip = catalog.accelerator(record.hardware)
    family = catalog.calibration_for(chip)
    measured = efficiencies(record, catalog)
    cal_id = f"{chip.id}-local"
    params: dict[str, Any] = {}
    for name, prov in family.provenance.items():
        entry: dict[str, Any] = {"value": getattr(family, name), "source": prov.source}
        if prov.note:
            entry["note"] = prov.note
        params[name] = entry
    for name, value in measured.items():
        params[name] = {
            "value": round(value, 4),
            "source": source_id,
            "note": f"measured on {record.device} by microbenchmark ({record.date})",
        }
    cal: dict[str, Any] = {
        "id": cal_id,
        "description": f"{chip.id} on the user's own device: {', '.join(measured)} measured by "
        f"microbenchmarks ({record.source}); the rest as in {family.id}",
        "method": "fitted",
        "parameters": params,
    }
    if family.engine:
        cal["engine"] = family.engine
    chip_file = catalog.files.get(chip.id)
    if chip_file is None:
        raise SiliconomicsError(f"hardware: {chip.id} has no catalog file to point at {cal_id}")
    text, n = re.subn(
        r"^calibration: .*$", f"calibration: {cal_id}", read_text(chip_file), count=1, flags=re.M
    )
    if n != 1:
        text = text.rstrip("\n") + f"\ncalibration: {cal_id}\n"
    sources = {
        source_id: {
            "title": f"Microbenchmarks of {record.device} ({record.source})",
            "url": f"file:{record.hardware}-microbench.json",
            "date": record.date,
        }
    }
    return {
        f"calibration/{cal_id}.yaml": yaml.safe_dump(cal, sort_keys=False, width=100),
        f"accelerators/{chip.id}.yaml": text,
        "sources.yaml": yaml.safe_dump(sources, sort_keys=False, width=100),
    }
