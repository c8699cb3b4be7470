"""What is being run: parallelism and numeric formats, validated up front."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from siliconomics.catalog.dtypes import COMPUTE_DTYPE, DType, KVFormat, WeightFormat
from siliconomics.catalog.specs import Accelerator, ModelArch
from siliconomics.errors import SiliconomicsError, UnsupportedFormat

ACTIVATION_BYTES = 2.0  # activations and attention math in bf16 (see perf.workload)


@dataclass(frozen=True, slots=True)
class Parallelism:
    """How a model is split over chips.

    ``tp`` shards heads and feed-forward widths; ``pp`` splits the layers into stages;
    ``dp`` replicates the whole (tp x pp) model; the system has ``tp * pp * dp`` chips.
    ``ep`` spreads the routed experts of MoE layers over ``ep`` chips of one stage:

    * ``ep <= tp`` (``tp % ep == 0``): experts live inside the tensor-parallel group, each
      expert split ``tp / ep`` ways; every chip already holds every token after the
      attention all-reduce, so the MoE output is combined by the usual TP all-reduce.
    * ``ep > tp`` (``ep % tp == 0`` and ``ep`` divides ``tp * dp``): attention is
      data-parallel over ``ep / tp`` replicas and tokens move to their experts and back by
      two all-to-alls (dispatch and combine), as in DeepSeek-V3's serving (arXiv:2412.19437 §3.4).
    """

    tp: int = 1
    pp: int = 1
    ep: int = 1
    dp: int = 1

    def __post_init__(self) -> None:
        for name in ("tp", "pp", "ep", "dp"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise SiliconomicsError(f"{name}: must be a positive integer, got {value!r}")
        if self.ep <= self.tp:
            if self.tp % self.ep:
                raise SiliconomicsError(
                    f"ep: {self.ep} must divide tp ({self.tp}) or be a multiple of it"
                )
        elif self.ep % self.tp or (self.tp * self.dp) % self.ep:
            raise SiliconomicsError(
                f"ep: {self.ep} > tp must be a multiple of tp ({self.tp}) and divide "
                f"tp*dp ({self.tp * self.dp})"
            )

    @property
    def chips(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def expert_shards(self) -> int:
        """Ways each MoE layer's routed-expert weights are divided: max(ep, tp)."""
        return max(self.ep, self.tp)

    def check_model(self, model: ModelArch) -> None:
        """Reject splits the model's shape cannot take."""
        if model.num_attention_heads % self.tp:
            raise SiliconomicsError(
                f"tp: {self.tp} must divide the {model.num_attention_heads} attention heads "
                f"of {model.id}"
            )
        if self.pp > model.num_layers:
            raise SiliconomicsError(
                f"pp: {self.pp} stages exceed the {model.num_layers} layers of {model.id}"
            )
        if self.ep > 1 and model.moe is None:
            raise SiliconomicsError(f"ep: {model.id} has no experts; use ep=1")
        if model.moe is not None and model.moe.num_experts % self.ep:
            raise SiliconomicsError(
                f"ep: {self.ep} must divide the {model.moe.num_experts} experts of {model.id}"
            )


@dataclass(frozen=True, slots=True)
class Precision:
    """Weight and KV-cache storage formats."""

    weights: WeightFormat = WeightFormat.BF16
    kv: KVFormat = KVFormat.BF16

    @property
    def gemm_dtype(self) -> DType:
        return COMPUTE_DTYPE[self.weights]


def parse_weights(value: str) -> WeightFormat:
    try:
        return WeightFormat(value)
    except ValueError:
        allowed = ", ".join(w.value for w in WeightFormat)
        raise SiliconomicsError(f"weights: unknown value {value!r}; allowed: {allowed}") from None


def parse_kv(value: str) -> KVFormat:
    try:
        return KVFormat(value)
    except ValueError:
        allowed = ", ".join(k.value for k in KVFormat)
        raise SiliconomicsError(f"kv: unknown value {value!r}; allowed: {allowed}") from None


def default_weights(model: ModelArch, supports_fp4: bool, supports_fp8: bool) -> WeightFormat:
    """The released checkpoint's format, or the nearest one the chip can run.

    gpt-oss ships MXFP4 experts; on chips without fp4 tensor cores engines run them
    weight-only (dequantised to bf16 in the kernel), which is what ``int4`` models here:
    4.25 bits per weight and bf16 math. DeepSeek-V3/R1 ship fp8; on a chip without fp8
    they are served in bf16.
    """
    if model.checkpoint_dtype in {"fp4", "mixed-mxfp4"}:
        return WeightFormat.FP4 if supports_fp4 else WeightFormat.INT4
    if model.checkpoint_dtype == "fp8":
        return WeightFormat.FP8 if supports_fp8 else WeightFormat.BF16
    return WeightFormat.BF16


def runs(chip: Accelerator, prec: Precision) -> bool:
    """Whether ``chip`` can run ``prec``: its GEMMs need a tensor-core format the datasheet
    lists (int4 is weight-only and computes in bf16). This is the one place that decides
    it; every command, the search and the report ask here."""
    return prec.gemm_dtype in chip.peak_flop_per_s


class PolicyName(StrEnum):
    """Named precision policies (the ``--precision`` option)."""

    PRODUCTION = "production"
    FP4 = "fp4"
    NATIVE = "native"


@dataclass(frozen=True, slots=True)
class PrecisionPolicy:
    """Which weight and KV formats a chip is run at: one rule, used everywhere.

    * ``production`` (the default): the format production engines deploy where the chip
      has it: fp8 weights and fp8 KV cache on chips with fp8 tensor cores (TensorRT-LLM,
      vLLM and SGLang FP8 deployments, and every Hopper/Blackwell MLPerf submission), else
      bf16. A checkpoint released in 4 bits (gpt-oss MXFP4) stays at 4 bits: fp4 where the
      chip has it, else weight-only int4 with bf16 math (:func:`default_weights`).
    * ``fp4``: fp4 weights (fp8 KV) on chips with fp4 tensor cores, else ``production``:
      a separate, labelled view, since fp4 changes accuracy as well as speed.
    * ``native``: the released checkpoint's own format, or the nearest the chip runs
      (:func:`default_weights`), with a bf16 KV cache.
    * explicit ``weights`` / ``kv`` lists (``--weights``/``--kv``): exactly those, the
      search picking the best; a format the chip cannot run is an error, never dropped.
    """

    name: str = PolicyName.PRODUCTION.value
    weights: tuple[WeightFormat, ...] = ()
    kv: tuple[KVFormat, ...] = ()

    @classmethod
    def make(
        cls,
        weights: Iterable[str] | None = None,
        kv: Iterable[str] | None = None,
        name: str | None = None,
    ) -> PrecisionPolicy:
        """From command-line values; explicit formats take precedence over the name."""
        ws = tuple(dict.fromkeys(parse_weights(w) for w in weights or ()))
        ks = tuple(dict.fromkeys(parse_kv(k) for k in kv or ()))
        if name is None:
            name = "explicit" if ws or ks else PolicyName.PRODUCTION.value
        elif name not in {p.value for p in PolicyName}:
            allowed = ", ".join(p.value for p in PolicyName)
            raise SiliconomicsError(f"precision: unknown value {name!r}; allowed: {allowed}")
        return cls(name, ws, ks)

    @property
    def label(self) -> str:
        if self.name != "explicit":
            return self.name
        w = "|".join(f.value for f in self.weights) or "default"
        k = "|".join(f.value for f in self.kv) or "default"
        return f"weights {w}, kv {k}"

    def _default(self, model: ModelArch, chip: Accelerator) -> Precision:
        has = {str(d) for d in chip.peak_flop_per_s}
        fp8, fp4 = "fp8" in has, "fp4" in has
        native = default_weights(model, fp4, fp8)
        if self.name == PolicyName.NATIVE.value:
            return Precision(native, KVFormat.BF16)
        kv = KVFormat.FP8 if fp8 else KVFormat.BF16
        if self.name == PolicyName.FP4.value and fp4:
            return Precision(WeightFormat.FP4, kv)
        if native in (WeightFormat.FP4, WeightFormat.INT4):
            return Precision(native, kv)
        return Precision(WeightFormat.FP8 if fp8 else WeightFormat.BF16, kv)

    def precisions(self, model: ModelArch, chip: Accelerator) -> list[Precision]:
        """The formats to run ``model`` at on ``chip`` (the search picks among them)."""
        default = self._default(model, chip)
        ws = self.weights or (default.weights,)
        ks = self.kv or (default.kv,)
        out = [Precision(w, k) for w in ws for k in ks]
        bad = [p for p in out if not runs(chip, p)]
        if bad:
            have = ", ".join(str(d) for d in chip.peak_flop_per_s) or "none"
            raise UnsupportedFormat(
                f"weights: {bad[0].weights.value} needs {bad[0].gemm_dtype} tensor cores, which "
                f"{chip.id} does not have (its datasheet lists: {have})"
            )
        return out
