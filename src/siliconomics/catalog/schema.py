"""Strict schemas of the data files (pydantic, extra fields forbidden).

These describe the files as written, in datasheet units with the unit in every key
(``dense_tflop_per_s``, ``capacity_gb``, ``bidirectional_bandwidth_gb_per_s``). Ranges are
physical plausibility bounds, wide enough for any chip of this decade and tight enough to
catch a unit slip (TB/s typed as GB/s, TFLOP/s as FLOP/s). The loader turns a validated
file into the SI value objects of :mod:`siliconomics.catalog.specs`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _check_date(value: str) -> str:
    if not DATE_RE.match(value):
        raise ValueError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    return value


Date = Annotated[str, AfterValidator(_check_date)]

ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")


def _check_id(value: str) -> str:
    if not ID_RE.match(value):
        raise ValueError(
            f"must be a lowercase id (a-z, 0-9 and '-', starting with a letter), got {value!r}"
        )
    return value


#: An open set named by data (a vendor, a calibration family), not a closed Literal:
#: adding one is a data-only change.
Id = Annotated[str, AfterValidator(_check_id)]


class Strict(BaseModel):
    """Extra fields forbidden, no coercion, and no NaN or infinity in any float."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Quantity(Strict):
    """A sourced number: ``{value: 3.35, source: S03}`` (date defaults to the source's)."""

    value: float
    source: str
    date: Date | None = None
    note: str | None = None


def bounded(lo: float, hi: float) -> Any:
    """A Quantity whose value must lie in [lo, hi] (a physical plausibility range)."""

    def check(q: Quantity) -> Quantity:
        if not lo <= q.value <= hi:
            raise ValueError(f"value {q.value} is outside the plausible range [{lo}, {hi}]")
        return q

    return Annotated[Quantity, AfterValidator(check)]


def counted(lo: int, hi: int) -> Any:
    """A Quantity that counts things (chips, a year): a whole number in [lo, hi].
    ``chips: 8.7`` is an error, never truncated to 8."""

    def check(q: Quantity) -> Quantity:
        if q.value != int(q.value) or not lo <= q.value <= hi:
            raise ValueError(f"value {q.value} must be a whole number from {lo} to {hi}")
        return q

    return Annotated[Quantity, AfterValidator(check)]


class TextQuantity(Strict):
    value: str
    source: str
    date: Date | None = None
    note: str | None = None


class SourceFile(Strict):
    title: str
    url: str
    date: Date
    note: str | None = None


TFlops = bounded(0.1, 100_000.0)


class DenseTflops(Strict):
    fp32: TFlops | None = None  # type: ignore[valid-type]
    tf32: TFlops | None = None  # type: ignore[valid-type]
    bf16: TFlops | None = None  # type: ignore[valid-type]
    fp8: TFlops | None = None  # type: ignore[valid-type]
    fp4: TFlops | None = None  # type: ignore[valid-type]
    int8: TFlops | None = None  # type: ignore[valid-type]


class HBMFile(Strict):
    type: str | None = None
    capacity_gb: bounded(1, 4096) | None = None  # type: ignore[valid-type]
    capacity_gib: bounded(1, 4096) | None = None  # type: ignore[valid-type]
    # What the driver reports as total device memory (nvidia-smi memory.total, MiB): the
    # capacity a framework can allocate, which differs from the marketed "80 GB".
    usable_mib: bounded(1000, 4_000_000) | None = None  # type: ignore[valid-type]
    bandwidth_tb_per_s: bounded(0.05, 100) | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_capacity(self) -> HBMFile:
        if self.capacity_gb is not None and self.capacity_gib is not None:
            raise ValueError("give capacity_gb or capacity_gib, not both")
        return self


class SRAMFile(Strict):
    capacity_mb: bounded(0.1, 100_000) | None = None  # type: ignore[valid-type]
    capacity_mib: bounded(0.1, 100_000) | None = None  # type: ignore[valid-type]


class ScaleUpFile(Strict):
    fabric: str | None = None
    bidirectional_bandwidth_gb_per_s: bounded(1, 100_000) | None = None  # type: ignore[valid-type]
    domain_chips: counted(1, 100_000) | None = None  # type: ignore[valid-type]


class ScaleOutFile(Strict):
    bandwidth_gbit_per_s: bounded(1, 100_000) | None = None  # type: ignore[valid-type]


class AcceleratorFile(Strict):
    """One chip. ``calibration`` names its efficiency family (a ``calibration/<id>.yaml``);
    without it the chip gets ``default``, the conservative prior. ``tdp_basis`` says what
    ``tdp_w`` covers: the chip alone, or a system's power divided by its chips (hosts and
    network included), which the TCO must not add a host share to again.
    """

    id: str
    name: str
    vendor: Id
    kind: Literal["gpu", "asic"]
    calibration: Id | None = None
    launch_year: counted(2010, 2035) | None = None  # type: ignore[valid-type]
    process_node: TextQuantity | None = None
    dense_tflop_per_s: DenseTflops = DenseTflops()
    hbm: HBMFile | None = None
    sram: SRAMFile | None = None
    scale_up: ScaleUpFile | None = None
    scale_out: ScaleOutFile | None = None
    tdp_w: bounded(10, 20_000) | None = None  # type: ignore[valid-type]
    tdp_basis: Literal["chip", "system_per_chip"] = "chip"
    notes: str | None = None

    @model_validator(mode="after")
    def _basis_needs_power(self) -> AcceleratorFile:
        if self.tdp_basis != "chip" and self.tdp_w is None:
            raise ValueError(f"tdp_basis {self.tdp_basis!r} is given but tdp_w is not")
        return self


class SystemScaleUp(Strict):
    topology: Literal["switched", "torus-2d", "torus-3d", "mesh", "hypercube", "point-to-point"]
    domain_chips: counted(1, 100_000)  # type: ignore[valid-type]


class SystemScaleOut(Strict):
    topology: str
    bandwidth_gbit_per_s_per_chip: bounded(1, 100_000) | None = None  # type: ignore[valid-type]


class SystemFile(Strict):
    id: str
    name: str
    accelerator: str
    chips: counted(1, 1_000_000)  # type: ignore[valid-type]
    scale_up: SystemScaleUp
    scale_out: SystemScaleOut | None = None
    power_kw: bounded(0.1, 1_000_000) | None = None  # type: ignore[valid-type]
    notes: str | None = None


class ModelFile(Strict):
    id: str
    name: str
    family: str | None = None
    source: str
    checkpoint_dtype: Literal["bf16", "fp8", "fp4", "mixed-mxfp4"]
    notes: str | None = None
    config: dict[str, Any]


class PriceEntry(Strict):
    value: Annotated[float, Field(gt=0)]
    source: str
    date: Date
    kind: Literal["estimate", "list", "quote", "market", "derived"]
    low: Annotated[float, Field(gt=0)] | None = None
    high: Annotated[float, Field(gt=0)] | None = None
    commitment: (
        Literal["on-demand", "reserved-1yr", "reserved-3yr", "reservation", "spot", "market"] | None
    ) = None
    provider: str | None = None
    provider_class: Literal["hyperscaler", "neocloud", "marketplace", "index"] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _range(self) -> PriceEntry:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


class PriceFile(Strict):
    accelerator: str
    purchase_usd_per_chip: list[PriceEntry] = []
    rental_usd_per_chip_hour: list[PriceEntry] = []


Fraction = bounded(0.001, 1.0)


class CalibrationParams(Strict):
    gemm_efficiency: Fraction  # type: ignore[valid-type]
    gemm_m_half_tokens: bounded(0, 4096)  # type: ignore[valid-type]
    memory_efficiency: Fraction  # type: ignore[valid-type]
    attention_prefill_efficiency: Fraction  # type: ignore[valid-type]
    attention_decode_efficiency: Fraction  # type: ignore[valid-type]
    kernel_overhead_s: bounded(0, 1e-3)  # type: ignore[valid-type]
    step_overhead_s: bounded(0, 1.0)  # type: ignore[valid-type]
    collective_latency_s: bounded(0, 1e-3)  # type: ignore[valid-type]
    collective_bandwidth_efficiency: Fraction  # type: ignore[valid-type]
    moe_load_imbalance: bounded(1.0, 4.0)  # type: ignore[valid-type]
    memory_reserve_fraction: bounded(0.0, 0.5)  # type: ignore[valid-type]
    max_batch_sequences: counted(1, 1_000_000)  # type: ignore[valid-type]
    # Large-GEMM efficiency of training steps (perf.training); the inference value when absent.
    training_gemm_efficiency: Fraction | None = None  # type: ignore[valid-type]


class CalibrationFile(Strict):
    """One calibration family; chips name it in their ``calibration`` field.

    ``method``: ``fitted`` to the validation set, taken from the ``literature``, or a
    conservative ``prior`` for chips with no family (``default.yaml``).
    """

    id: Id
    description: str
    method: Literal["literature", "fitted", "prior"]
    # The serving engine the family's measurements were taken with (catalog/engines.py).
    engine: Literal["trtllm", "vllm", "sglang", "pytorch"] | None = None
    parameters: CalibrationParams
