"""Frozen, validated value objects for everything in the catalog.

All quantities are SI floats with the unit in the name (bytes, bytes/s, FLOP/s, W, s, USD).
The loader converts the data files' datasheet units (TFLOP/s, GB, TB/s, Gb/s) once, here at
the edge; nothing downstream converts again. Use :func:`dataclasses.replace` for what-if
studies (a chip with twice the bandwidth is ``replace(chip, hbm_bandwidth_bytes_per_s=...)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from siliconomics.catalog.dtypes import DType
from siliconomics.errors import SiliconomicsError


def _frozen_map(m: Mapping) -> Mapping:  # type: ignore[type-arg]
    return MappingProxyType(dict(m))


@dataclass(frozen=True, slots=True)
class Source:
    """A document numbers come from, resolved from ``sources.yaml``."""

    id: str
    title: str
    url: str
    date: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one number came from: a source id and the date the number holds for."""

    source: str
    date: str
    note: str = ""


class ChipKind(StrEnum):
    GPU = "gpu"
    ASIC = "asic"


class PowerBasis(StrEnum):
    """What a chip's ``tdp_w`` covers."""

    CHIP = "chip"  # the chip (or board) alone; hosts and network come on top
    SYSTEM_PER_CHIP = "system_per_chip"  # a system's power / its chips, hosts and network in


#: The calibration a chip gets when its file names none: the conservative prior.
DEFAULT_CALIBRATION = "default"


@dataclass(frozen=True, slots=True)
class Accelerator:
    """One accelerator chip, datasheet values only (fitted efficiencies live in Calibration).

    ``peak_flop_per_s`` holds dense (no 2:4 sparsity) matrix-unit peaks per dtype; a dtype
    that is absent is unsupported or unknown, and asking for it is an error, never a guess.
    Link bandwidths are per direction: vendors quote NVLink/ICI/NeuronLink as the sum of
    both directions, so the loader halves those; NIC speeds are already per direction.
    ``vendor`` is an open lowercase id (data, not a closed set). ``calibration_id`` names
    the chip's efficiency family in the catalog's calibrations (``default``, the
    conservative prior, when the file names none). ``tdp_basis`` says whether ``tdp_w`` is
    the chip's own power or a system's power per chip.
    """

    id: str
    name: str
    vendor: str
    kind: ChipKind
    peak_flop_per_s: Mapping[DType, float]
    hbm_bytes: float | None = None
    hbm_usable_bytes: float | None = None
    hbm_bandwidth_bytes_per_s: float | None = None
    hbm_type: str | None = None
    sram_bytes: float | None = None
    scale_up_fabric: str | None = None
    scale_up_bandwidth_bytes_per_s_per_direction: float | None = None
    scale_up_domain_chips: int | None = None
    scale_out_bandwidth_bytes_per_s_per_direction: float | None = None
    tdp_w: float | None = None
    tdp_basis: PowerBasis = PowerBasis.CHIP
    launch_year: int | None = None
    process_node: str | None = None
    calibration_id: str = DEFAULT_CALIBRATION
    notes: str = ""
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "peak_flop_per_s", _frozen_map(self.peak_flop_per_s))
        object.__setattr__(self, "provenance", _frozen_map(self.provenance))

    def peak(self, dtype: DType) -> float:
        """Dense peak FLOP/s for ``dtype``; an unsupported dtype is a clear error."""
        try:
            return self.peak_flop_per_s[dtype]
        except KeyError:
            have = ", ".join(str(d) for d in self.peak_flop_per_s) or "none"
            raise SiliconomicsError(
                f"dtype: {dtype} is not supported by {self.id} (its datasheet lists: {have})"
            ) from None

    @property
    def memory_capacity_bytes(self) -> float | None:
        """Device memory a framework can allocate: the driver-reported total where sourced
        (``hbm.usable_mib``: nvidia-smi shows 81,559 MiB = 85.5e9 B on an "80 GB" H100,
        because the marketed figure is rounded and counts in neither GB nor GiB exactly),
        else the datasheet capacity."""
        return self.hbm_usable_bytes if self.hbm_usable_bytes is not None else self.hbm_bytes

    def require_memory(self) -> tuple[float, float]:
        """(usable HBM bytes, HBM bytes/s), or an error for chips without sourced HBM
        figures. The capacity is :attr:`memory_capacity_bytes`."""
        cap = self.memory_capacity_bytes
        if cap is None or self.hbm_bandwidth_bytes_per_s is None:
            raise SiliconomicsError(
                f"hardware: {self.id} has no sourced HBM capacity/bandwidth; "
                "the performance model needs both"
            )
        return cap, self.hbm_bandwidth_bytes_per_s


class Topology(StrEnum):
    SWITCHED = "switched"
    TORUS_2D = "torus-2d"
    TORUS_3D = "torus-3d"
    MESH = "mesh"
    HYPERCUBE = "hypercube"
    POINT_TO_POINT = "point-to-point"


@dataclass(frozen=True, slots=True)
class System:
    """A node, rack or pod: which chip, how many, and how they are wired."""

    id: str
    name: str
    accelerator: str
    chips: int
    scale_up_topology: Topology
    scale_up_domain_chips: int
    scale_out_topology: str
    scale_out_bandwidth_bytes_per_s_per_direction_per_chip: float | None = None
    power_w: float | None = None
    notes: str = ""
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "provenance", _frozen_map(self.provenance))


class PriceKind(StrEnum):
    ESTIMATE = "estimate"
    LIST = "list"
    QUOTE = "quote"
    MARKET = "market"
    DERIVED = "derived"


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One dated price: a purchase price per chip or a rental price per chip-hour."""

    accelerator: str
    value_usd: float
    unit: str  # "usd_per_chip" | "usd_per_chip_hour"
    date: str
    source: str
    kind: PriceKind
    low_usd: float | None = None
    high_usd: float | None = None
    commitment: str | None = None
    provider: str | None = None
    provider_class: str | None = None  # hyperscaler | neocloud | marketplace | index
    note: str = ""


class AttentionKind(StrEnum):
    MHA = "mha"
    GQA = "gqa"
    MLA = "mla"


@dataclass(frozen=True, slots=True)
class MLAConfig:
    """Multi-head latent attention (DeepSeek-V2/V3): KV compressed to a shared latent.

    The cache holds ``kv_lora_rank + qk_rope_head_dim`` values per token and layer, shared
    by all heads (DeepSeek-V2 paper, arXiv:2405.04434, §2.1).
    """

    q_lora_rank: int | None
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int


@dataclass(frozen=True, slots=True)
class MoEConfig:
    """Mixture-of-experts feed-forward: routed experts (top-k) plus optional shared ones."""

    num_experts: int
    experts_per_token: int
    expert_intermediate_size: int
    num_shared_experts: int = 0
    shared_intermediate_size: int = 0


@dataclass(frozen=True, slots=True)
class ModelArch:
    """A decoder-only transformer's shape, parsed from a Hugging Face ``config.json``.

    Layers are counted by kind rather than listed: ``moe_layers`` of the ``num_layers`` use
    the MoE feed-forward, the others the dense gated MLP of ``intermediate_size``;
    ``windowed_layers`` attend to at most ``window_tokens`` past tokens (sliding-window or
    chunked attention), the others to the whole context.
    """

    id: str
    name: str
    hidden_size: int
    num_layers: int
    num_attention_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool
    attention: AttentionKind
    mla: MLAConfig | None = None
    moe: MoEConfig | None = None
    moe_layers: int = 0
    windowed_layers: int = 0
    window_tokens: int = 0
    max_position_embeddings: int | None = None
    checkpoint_dtype: str = "bf16"
    source: str = ""
    notes: str = ""

    @property
    def dense_layers(self) -> int:
        return self.num_layers - self.moe_layers

    @property
    def full_attention_layers(self) -> int:
        return self.num_layers - self.windowed_layers


class CalibrationMethod(StrEnum):
    LITERATURE = "literature"  # taken from a published measurement
    FITTED = "fitted"  # fitted to the validation set (benchmarks/calibrate.py)
    PRIOR = "prior"  # conservative stand-in for a chip no family covers


@dataclass(frozen=True, slots=True)
class Calibration:
    """Efficiency parameters of the performance model for a chip family.

    These are not datasheet values: each is either taken from a published measurement
    (``method == "literature"``), fitted to the validation set (``"fitted"``), or a
    conservative ``"prior"`` (no better than the weakest fitted family) for chips that name
    no family, and each carries its provenance. Chips name their family in their own file
    (``calibration: <id>``). See docs/calibration.md for how every value was obtained.
    """

    id: str
    method: CalibrationMethod
    description: str
    gemm_efficiency: float
    gemm_m_half_tokens: float
    memory_efficiency: float
    attention_prefill_efficiency: float
    attention_decode_efficiency: float
    kernel_overhead_s: float
    step_overhead_s: float
    collective_latency_s: float
    collective_bandwidth_efficiency: float
    moe_load_imbalance: float
    memory_reserve_fraction: float
    max_batch_sequences: float
    provenance: Mapping[str, Provenance] = field(default_factory=dict)
    #: Large-GEMM efficiency of training steps (perf.training); None: use gemm_efficiency.
    training_gemm_efficiency: float | None = None
    #: The serving engine the family was fitted on (catalog/engines.py); None for the prior.
    engine: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", CalibrationMethod(self.method))
        object.__setattr__(self, "provenance", _frozen_map(self.provenance))

    @property
    def is_prior(self) -> bool:
        """True unless fitted to the validation set: results on such a chip are unvalidated."""
        return self.method is not CalibrationMethod.FITTED
