"""One precision policy: which formats a chip runs at, decided once (perf.config)."""

import pytest

from siliconomics import api
from siliconomics.catalog.dtypes import KVFormat, WeightFormat
from siliconomics.errors import SiliconomicsError, UnsupportedFormat
from siliconomics.perf.config import Precision, PrecisionPolicy, runs

CAT = api.get_catalog()
L70 = CAT.models["llama-3.1-70b"]
GPT_OSS = CAT.models["gpt-oss-120b"]


def chip(id_: str):  # type: ignore[no-untyped-def]
    return CAT.accelerators[id_]


@pytest.mark.parametrize(
    ("acc", "weights", "kv"),
    [
        ("nvidia-h100-sxm", "fp8", "fp8"),  # Hopper has fp8 tensor cores
        ("nvidia-b200", "fp8", "fp8"),  # production is fp8; fp4 is a separate view
        ("nvidia-a100-sxm", "bf16", "bf16"),  # Ampere has no fp8
        ("amd-mi300x", "fp8", "fp8"),
    ],
)
def test_production_is_fp8_where_the_chip_has_it(acc: str, weights: str, kv: str) -> None:
    (p,) = PrecisionPolicy().precisions(L70, chip(acc))
    assert (p.weights.value, p.kv.value) == (weights, kv)


def test_fp4_view_only_where_the_chip_has_fp4() -> None:
    policy = PrecisionPolicy.make(name="fp4")
    assert policy.precisions(L70, chip("nvidia-b200"))[0].weights is WeightFormat.FP4
    assert policy.precisions(L70, chip("nvidia-h100-sxm"))[0].weights is WeightFormat.FP8


def test_a_four_bit_checkpoint_stays_four_bit() -> None:
    # gpt-oss ships MXFP4: fp4 where the chip runs it, else weight-only int4 (bf16 math).
    assert PrecisionPolicy().precisions(GPT_OSS, chip("nvidia-b200"))[0].weights is (
        WeightFormat.FP4
    )
    assert PrecisionPolicy().precisions(GPT_OSS, chip("nvidia-h100-sxm"))[0].weights is (
        WeightFormat.INT4
    )


def test_explicit_formats_are_searched_and_an_unsupported_one_is_an_error() -> None:
    policy = PrecisionPolicy.make(["bf16", "fp8"], ["bf16"])
    got = policy.precisions(L70, chip("nvidia-h100-sxm"))
    assert got == [
        Precision(WeightFormat.BF16, KVFormat.BF16),
        Precision(WeightFormat.FP8, KVFormat.BF16),
    ]
    with pytest.raises(UnsupportedFormat, match="weights: fp4 needs fp4 tensor cores"):
        PrecisionPolicy.make(["fp4"]).precisions(L70, chip("nvidia-h100-sxm"))
    with pytest.raises(SiliconomicsError, match="precision: unknown value 'fp2'"):
        PrecisionPolicy.make(name="fp2")


def test_runs_is_the_datasheet() -> None:
    assert runs(chip("nvidia-h100-sxm"), Precision(WeightFormat.FP8, KVFormat.FP8))
    assert not runs(chip("nvidia-h100-sxm"), Precision(WeightFormat.FP4, KVFormat.FP8))
    # int4 is weight-only: it computes in bf16, which every GPU lists.
    assert runs(chip("nvidia-a100-sxm"), Precision(WeightFormat.INT4, KVFormat.BF16))


def test_every_command_uses_the_same_default() -> None:
    e = api.estimate("llama-3.1-70b", "nvidia-hgx-h100", chips=8, batch=4)
    t = api.throughput(
        "llama-3.1-70b", "nvidia-hgx-h100", 8, input_len=512, output_len=128, frontier_points=0
    )
    c = api.cost("llama-3.1-70b", hardware=["nvidia-hgx-h100"], input_len=512, output_len=128)
    assert (e["weights"], e["kv"]) == ("fp8", "fp8")
    assert (t["best"]["weights"], t["best"]["kv"]) == ("fp8", "fp8")
    assert (c["rows"][0]["weights"], c["rows"][0]["kv"]) == ("fp8", "fp8")
    assert t["question"]["precision_policy"] == c["question"]["precision_policy"] == "production"
