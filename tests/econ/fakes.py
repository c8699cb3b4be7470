"""A hand-made operating point for econ tests (no search, known numbers)."""

from siliconomics.catalog.dtypes import KVFormat, WeightFormat
from siliconomics.perf import Parallelism, Precision
from siliconomics.perf.uncertainty import Interval
from siliconomics.serving import Deployment, EngineConfig, OperatingPoint, ServingPoint, Sla


def fake_op(
    tokens_per_s: float = 1000.0,
    prefill_share: float = 0.2,
    chips: int = 4,
    i: int = 1000,
    o: int = 500,
    tpot_mean_s: float = 0.05,
) -> OperatingPoint:
    """``tokens_per_s`` output tokens/s on ``chips`` chips, ``prefill_share`` of the chip
    time on prefill, I-token prompts and O-token answers, a [0.8, 1.25] interval."""
    point = ServingPoint(
        Deployment(Parallelism(tp=chips), EngineConfig(max_num_seqs=64)),
        Precision(WeightFormat.BF16, KVFormat.BF16),
        tokens_per_s,
        1.0,
        0.06,
        tpot_mean_s,
        0.5,
        None,
        tokens_per_s,
        tpot_mean_s,
        prefill_share,
    )
    return OperatingPoint(
        "m",
        "nvidia-h100-sxm",
        "nvidia-h100-sxm",
        "nvidia",
        "gpu",
        float(i),
        float(o),
        "production",
        Sla(),
        point,
        Interval(0.8, 1.25, "test", 10, True),
    )
