"""Memory as the device reports it, and explicit batches that fit physical memory
(issue 11, part 1)."""

import json

import pytest
from typer.testing import CliRunner

from siliconomics import api
from siliconomics.cli import app
from siliconomics.errors import SiliconomicsError

MIB = 2**20


@pytest.mark.parametrize(
    ("chip", "mib", "source"),
    [
        # nvidia-smi memory.total: NVIDIA/nccl#1264 (HGX H100) and modal-client#2797.
        ("nvidia-h100-sxm", 81559, "I11-NCCL-1264"),
    ],
)
def test_usable_capacity_is_what_the_driver_reports(chip: str, mib: int, source: str) -> None:
    acc = api.get_catalog().accelerator(chip)
    assert acc.memory_capacity_bytes == mib * MIB
    assert acc.require_memory()[0] == mib * MIB
    assert acc.hbm_bytes == 80e9  # the datasheet figure is kept beside it
    assert acc.provenance["hbm_usable_bytes"].source == source


@pytest.mark.parametrize(
    ("chip", "nominal"), [("nvidia-h200-sxm", 141e9), ("nvidia-a100-sxm", 80e9)]
)
def test_chips_without_an_applied_usable_figure_keep_the_datasheet_capacity(
    chip: str, nominal: float
) -> None:
    acc = api.get_catalog().accelerator(chip)
    assert acc.hbm_usable_bytes is None
    assert acc.memory_capacity_bytes == acc.hbm_bytes == nominal


# Llama 3.1 8B, bf16 KV: 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes = 131,072 B per
# token; 4,096 tokens = 0.537 GB per sequence. On an H100 (85.52 GB usable, 16.06 GB of
# bf16 weights) the default 10% reserve allows 115 sequences; physically about 128 fit.
ARGS = dict(input_len=4096, weights="bf16", kv="bf16")


def test_batch_within_the_reserve_runs_without_a_warning() -> None:
    r = api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=115, **ARGS)
    assert r["max_batch"] == 115 and r["warnings"] == []


def test_batch_eating_into_the_reserve_is_estimated_with_a_warning() -> None:
    r = api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=118, **ARGS)
    assert r["batch"] == 118 and r["tpot_s"] > 0
    assert r["memory_bytes"]["kv_cache"] == pytest.approx(118 * 4096 * 131072)
    (w,) = r["warnings"]
    assert "reserve" in w and "115" in w


def test_batch_beyond_physical_memory_is_refused() -> None:
    with pytest.raises(SiliconomicsError, match="left after weights and activations"):
        api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=200, **ARGS)


def test_cli_prints_the_warning_and_keeps_json_strict() -> None:
    runner = CliRunner()
    base = ["estimate", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm"]
    base += ["--input-len", "4096", "--weights", "bf16", "--kv", "bf16"]
    r = runner.invoke(app, [*base, "--batch", "118"])
    assert r.exit_code == 0, r.output
    assert "warning: batch 118 eats into the engine's memory reserve" in r.output
    r = runner.invoke(app, [*base, "--batch", "118", "--json"])
    assert r.exit_code == 0
    assert len(json.loads(r.stdout)["warnings"]) == 1
    r = runner.invoke(app, [*base, "--batch", "200"])
    assert r.exit_code == 2
    assert len(r.output.strip().splitlines()) == 1
