"""`siliconomics calibrate` on a recorded microbenchmark file (issue 11, part 8).

The record is docs/examples/microbench-record-synthetic.json: a SYNTHETIC file in the record
format (no GPU was available to record a real one); the expected efficiencies are derived
by hand from its numbers and the H100 SXM datasheet (bf16 989.4 TFLOP/s dense, 3.35 TB/s).
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siliconomics import api
from siliconomics.cli import app

RECORD = (
    Path(__file__).resolve().parents[2] / "docs" / "examples" / "microbench-record-synthetic.json"
)
runner = CliRunner()
# Large GEMMs only (min dim >= 4096): 8192^3 in 1.6 ms and 16384^3 in 12.5 ms; the best wins.
GEMM = max(2 * 8192**3 / 0.0016, 2 * 16384**3 / 0.0125) / 989.4e12
COPY = max(2 * 2**30 / 0.00075, 2 * 2**32 / 0.00286) / 3.35e12  # read + write every byte
ATTN = 2 * 64 * 4096 * 8 * 128 * 2 / 0.0004 / 3.35e12  # K and V, bf16


def test_efficiencies_from_the_record() -> None:
    r = api.calibrate("nvidia-h100-sxm", RECORD)
    p = r["parameters"]
    assert p["gemm_efficiency"]["measured"] == pytest.approx(GEMM)  # 0.711
    assert p["memory_efficiency"]["measured"] == pytest.approx(COPY)  # 0.896
    assert p["attention_decode_efficiency"]["measured"] == pytest.approx(ATTN)  # 0.801
    assert p["gemm_efficiency"]["family"] == 0.55  # nvidia-hopper's fitted value
    assert set(r["files"]) == {
        "calibration/nvidia-h100-sxm-local.yaml",
        "accelerators/nvidia-h100-sxm.yaml",
        "sources.yaml",
    }


def test_overlay_is_accepted_by_catalog_and_changes_the_estimate(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "calibrate",
            "--hardware",
            "nvidia-h100-sxm",
            "--from",
            str(RECORD),
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "gemm_efficiency" in res.output
    cat = api.get_catalog(tmp_path)
    hw = api.resolve_hardware("nvidia-h100-sxm", cat)
    assert hw.calibration.id == "nvidia-h100-sxm-local"
    assert hw.calibration.gemm_efficiency == pytest.approx(GEMM, abs=1e-4)
    assert hw.calibration.engine == "trtllm"
    assert (
        hw.calibration.step_overhead_s
        == api.resolve_hardware("nvidia-h100-sxm").calibration.step_overhead_s
    )
    base = api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=64, input_len=2048)
    mine = api.estimate("llama-3.1-8b", "nvidia-h100-sxm", batch=64, input_len=2048, catalog=cat)
    assert mine["calibration"] == "nvidia-h100-sxm-local"
    assert mine["ttft_s"] < base["ttft_s"]  # 0.711 vs 0.55 large-GEMM efficiency: faster prefill
    # Writing again needs --force; with it the files are replaced.
    again = [
        "calibrate",
        "--hardware",
        "nvidia-h100-sxm",
        "--from",
        str(RECORD),
        "--out",
        str(tmp_path),
    ]
    res = runner.invoke(app, again)
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    saved = tmp_path / "record.json"
    res = runner.invoke(app, [*again, "--force", "--json", "--record-out", str(saved)])
    assert res.exit_code == 0, res.output
    assert json.loads(saved.read_text()) == json.loads(RECORD.read_text())
    assert json.loads(res.stdout)["parameters"]["memory_efficiency"]["measured"] == pytest.approx(
        COPY
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format="v0"), "field format"),
        (lambda d: d.update(colour="red"), "field: unknown value 'colour'"),
        (lambda d: d["gemm"][1].update(seconds=-1), "gemm[1].seconds: -1 must be positive"),
        (lambda d: d["gemm"][0].pop("k"), "gemm[0]: needs exactly the fields"),
        (lambda d: d["copy"][0].update(dtype="bf16"), "copy[0]: needs exactly the fields"),
        (lambda d: d.update(gemm=d["gemm"][:1]), "no GEMM with every dimension >= 4096"),
        (lambda d: d["copy"][1].update(seconds=1e-6), "memory_efficiency measures"),
        (lambda d: d.update(date="29/11/2026"), "field date"),
        (lambda d: d.update(hardware="amd-mi300x"), "the record is of amd-mi300x"),
    ],
)
def test_bad_records_fail_with_one_line(tmp_path: Path, edit, message: str) -> None:
    data = json.loads(RECORD.read_text())
    edit(data)
    f = tmp_path / "r.json"
    f.write_text(json.dumps(data))
    out = tmp_path / "overlay"
    res = runner.invoke(
        app, ["calibrate", "--hardware", "nvidia-h100-sxm", "--from", str(f), "--out", str(out)]
    )
    assert res.exit_code == 2, res.output
    (line,) = res.output.strip().splitlines()
    assert message in line, line
    assert not out.exists()  # nothing written on an error


def test_without_a_record_or_torch_says_how(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["calibrate", "--hardware", "nvidia-h100-sxm", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    (line,) = res.output.strip().splitlines()
    assert "PyTorch is not installed" in line or "no CUDA" in line
