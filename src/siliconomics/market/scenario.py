"""Scenario files: the market model's uncertain inputs, each a stated distribution with a source.

A scenario is a YAML file (``data/market/scenarios/<name>.yaml``, an overlay folder's
``market/scenarios/``, or any path a user gives) validated strictly: unknown fields, shares
outside [0, 1], a distribution whose low > mode > high, or a source id missing from
``sources.yaml`` each fail with one line naming the field. Distributions live here, in the
data, never in code::

    {dist: fixed, value: 0.55, source: ...}
    {dist: uniform, low: 0.3, high: 0.5, source: ...}
    {dist: triangular, low: 0.10, mode: 0.13, high: 0.16, source: ..., note: ...}

``families.yaml`` (one per data folder; the overlay's replaces the built-in) names the vendor
families, the catalog chip that stands for each, its ASP rows and the vendor revenue series
that anchors it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from siliconomics.catalog import schema as s
from siliconomics.catalog.loader import Catalog, _read_yaml, _validate
from siliconomics.catalog.roots import data_dirs
from siliconomics.errors import SiliconomicsError, unknown

SCENARIO_DIR = "market/scenarios"
FAMILIES_FILE = "market/families.yaml"


class Dist(s.Strict):
    """One uncertain input: a fixed value, or a uniform or triangular distribution."""

    dist: Literal["fixed", "uniform", "triangular"]
    value: float | None = Field(default=None, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    mode: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    source: str = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Dist:
        need = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
        }
        for f in ("value", "low", "mode", "high"):
            given = getattr(self, f) is not None
            if given != (f in need[self.dist]):
                verb = "needs" if not given else "takes no"
                raise ValueError(f"a {self.dist} distribution {verb} '{f}'")
        if self.dist == "uniform" and self.low > self.high:  # type: ignore[operator]
            raise ValueError("low must be <= high")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:  # type: ignore[operator]
            raise ValueError("needs low <= mode <= high")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        if self.dist == "fixed":
            return (self.value, self.value)  # type: ignore[return-value]
        return (self.low, self.high)  # type: ignore[return-value]

    def central(self) -> float:
        """The value a single deterministic run uses: the value, the mode, or the midpoint."""
        if self.dist == "fixed":
            return float(self.value)  # type: ignore[arg-type]
        if self.dist == "triangular":
            return float(self.mode)  # type: ignore[arg-type]
        return 0.5 * (float(self.low) + float(self.high))  # type: ignore[arg-type]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws; with ``n == 1`` the central value (a deterministic run)."""
        if n == 1 or self.dist == "fixed":
            return np.full(n, self.central())
        if self.dist == "uniform":
            return rng.uniform(self.low, self.high, n)  # type: ignore[arg-type]
        if self.low == self.high:
            return np.full(n, float(self.low))  # type: ignore[arg-type]
        return rng.triangular(self.low, self.mode, self.high, n)  # type: ignore[arg-type]


def _share(d: Dist, where: str) -> Dist:
    lo, hi = d.bounds
    if lo < 0 or hi > 1:
        raise ValueError(f"{where}: a share must lie in [0, 1]")
    return d


class TokenWorkload(s.Strict):
    model: str = Field(min_length=1)
    input_len: int = Field(gt=0, le=1_000_000)
    output_len: int = Field(gt=0, le=1_000_000)


class ScenarioFile(s.Strict):
    """A scenario as written (see the module docstring)."""

    name: str = Field(min_length=1)
    description: str = ""
    source: str = Field(min_length=1)
    asic_share_of_spend: dict[int, Dist]
    asic_shift_per_year: Dist
    shift_from_year: int = Field(ge=2000, le=2100)
    amd_share_of_gpu: dict[int, Dist]
    asic_split: dict[str, Dist]
    accelerator_fraction_of_capex: Dist
    buyer_coverage: Dist
    capex_growth_fade: Dist
    capex_noise_sd: Dist
    asp_change_per_year: Dist
    lifetime_years: Dist
    pue: Dist
    token_workload: TokenWorkload

    @model_validator(mode="after")
    def _ranges(self) -> ScenarioFile:
        if not self.asic_share_of_spend or not self.amd_share_of_gpu:
            raise ValueError("asic_share_of_spend and amd_share_of_gpu need at least one year")
        for y, d in self.asic_share_of_spend.items():
            _share(d, f"asic_share_of_spend.{y}")
        for y, d in self.amd_share_of_gpu.items():
            _share(d, f"amd_share_of_gpu.{y}")
        for k, d in self.asic_split.items():
            _share(d, f"asic_split.{k}")
        _share(self.accelerator_fraction_of_capex, "accelerator_fraction_of_capex")
        _share(self.capex_growth_fade, "capex_growth_fade")
        lo, hi = self.buyer_coverage.bounds
        if lo <= 0 or hi > 1:
            raise ValueError("buyer_coverage: must lie in (0, 1]")
        lo, hi = self.asic_shift_per_year.bounds
        if lo < -1 or hi > 1:
            raise ValueError("asic_shift_per_year: must lie in [-1, 1]")
        if self.capex_noise_sd.bounds[0] < 0 or self.capex_noise_sd.bounds[1] > 1:
            raise ValueError("capex_noise_sd: must lie in [0, 1]")
        lo, hi = self.asp_change_per_year.bounds
        if lo <= -1 or hi > 5:
            raise ValueError("asp_change_per_year: must lie in (-1, 5]")
        lo, hi = self.lifetime_years.bounds
        if lo < 0.5 or hi > 20:
            raise ValueError("lifetime_years: must lie in [0.5, 20]")
        lo, hi = self.pue.bounds
        if lo < 1 or hi > 3:
            raise ValueError("pue: must lie in [1, 3]")
        return self

    def dists(self) -> dict[str, Dist]:
        """Every distribution by its dotted field name (for source checks and sensitivity)."""
        out: dict[str, Dist] = {}
        for name in type(self).model_fields:
            v = getattr(self, name)
            if isinstance(v, Dist):
                out[name] = v
            elif isinstance(v, dict):
                out.update({f"{name}.{k}": d for k, d in v.items() if isinstance(d, Dist)})
        return out


class SeriesRef(s.Strict):
    entity: str = Field(min_length=1)
    metric: str = Field(min_length=1)


class FamilyFile(s.Strict):
    id: s.Id
    vendor: str = Field(min_length=1)
    kind: Literal["gpu", "asic"]
    reference_accelerator: str | None = None
    asp_rows: list[str] = Field(default_factory=list)
    revenue: SeriesRef | None = None


class FamiliesFile(s.Strict):
    capex: SeriesRef
    anchor: s.Id
    families: list[FamilyFile] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids(self) -> FamiliesFile:
        ids = [f.id for f in self.families]
        if len(set(ids)) != len(ids):
            raise ValueError("family ids must be unique")
        if self.anchor not in ids:
            raise ValueError(f"anchor {self.anchor!r} is not a family id")
        kinds = {f.kind for f in self.families}
        if kinds != {"gpu", "asic"}:
            raise ValueError("needs at least one gpu and one asic family")
        return self


@dataclass(frozen=True)
class Scenario:
    """A validated scenario and where it came from."""

    spec: ScenarioFile
    path: Path

    @property
    def name(self) -> str:
        return self.spec.name


def scenario_names(catalog: Catalog) -> dict[str, Path]:
    """Scenario name -> file, built-in then overlay (an overlay file of the same name wins)."""
    out: dict[str, Path] = {}
    for folder in data_dirs(catalog):
        d = folder / SCENARIO_DIR
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                out[p.stem] = p
    return out


def load_scenario(spec: str, catalog: Catalog, families: FamiliesFile | None = None) -> Scenario:
    """A scenario by name or by path; its sources and ASIC split ids are checked."""
    names = scenario_names(catalog)
    if spec in names:
        path = names[spec]
    elif spec.endswith((".yaml", ".yml")) or "/" in spec:
        path = Path(spec)
        if not path.is_file():
            raise SiliconomicsError(f"--scenario: no such file {spec!r}")
    else:
        raise unknown("--scenario", spec, names)
    sc = _validate(ScenarioFile, _read_yaml(path), path)
    for field, d in [("source", None), *sc.dists().items()]:
        sid = sc.source if d is None else d.source
        if sid not in catalog.sources:
            raise SiliconomicsError(
                f"{path}: field '{field}': source id {sid!r} is not in sources.yaml"
            )
    if families is not None:
        asic = {f.id for f in families.families if f.kind == "asic"}
        for k in sc.asic_split:
            if k not in asic:
                raise SiliconomicsError(
                    f"{path}: field 'asic_split.{k}': unknown value {k!r}; allowed: "
                    + ", ".join(sorted(asic))
                )
        if sum(d.central() for d in sc.asic_split.values()) <= 0:
            raise SiliconomicsError(f"{path}: field 'asic_split': the shares sum to zero")
    if sc.token_workload.model not in catalog.models:
        raise unknown(
            f"{path}: field 'token_workload.model'", sc.token_workload.model, catalog.models
        )
    return Scenario(sc, path)


def load_families(catalog: Catalog) -> FamiliesFile:
    """``families.yaml`` of the overlay if it has one, else the built-in one; reference chips
    must be catalog accelerators."""
    path: Path | None = None
    for folder in data_dirs(catalog):
        p = folder / FAMILIES_FILE
        if p.is_file():
            path = p
    if path is None:
        raise SiliconomicsError(f"no {FAMILIES_FILE} in the data folders")
    fam = _validate(FamiliesFile, _read_yaml(path), path)
    for f in fam.families:
        if f.reference_accelerator and f.reference_accelerator not in catalog.accelerators:
            raise unknown(
                f"{path}: field 'families.{f.id}.reference_accelerator'",
                f.reference_accelerator,
                catalog.accelerators,
            )
    return fam
