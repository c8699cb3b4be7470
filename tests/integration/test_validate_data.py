"""`validate --data FILE.csv`: a user's own measurements, read strictly (issue 11, part 7)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siliconomics.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "measurements.csv"
runner = CliRunner()
HEADER = "id,model,hardware,chips,scenario,metric,value,input_len,output_len,source"
GOOD = "a,llama-3.1-8b,nvidia-h100-sxm,1,fixed,output_tokens_per_s,1000,1000,1000,me"


def validate(path: Path, *extra: str):
    return runner.invoke(app, ["validate", "--data", str(path), "--no-simulate", *extra])


def test_example_file_is_scored_with_per_row_predictions() -> None:
    r = validate(EXAMPLE, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    ids = {"h200-llama31-70b-fp8", "mi300x-llama2-70b-offline", "h100-llama2-70b-server-tpot"}
    assert {p["id"] for p in d["points"]} == ids
    by = {(p["id"], p["method"]): p for p in d["points"]}
    # The TensorRT-LLM 0.17 row of the built-in set: 13,181.24 tokens/s measured (V24).
    h200 = by[("h200-llama31-70b-fp8", "analytic")]
    assert h200["measured"] == pytest.approx(13181.24)
    assert h200["predicted"] == pytest.approx(13181.24, rel=0.25)
    assert h200["error"] == pytest.approx(h200["predicted"] / 13181.24 - 1)
    assert d["summary"]["held_out"]["all"]["points"] == 2  # the two throughput rows
    assert not any(p["method"] == "training" for p in d["points"])


def test_example_file_table() -> None:
    r = validate(EXAMPLE)
    assert r.exit_code == 0, r.output
    assert "p90 |error|" in r.output and "held_out" in r.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        (f"{HEADER},colour\n{GOOD},red\n", "line 1: column: unknown value 'colour'"),
        ("id,model\n", "line 1: missing column(s) hardware"),
        (f"{HEADER}\n", "has a header but no rows"),
        (
            f"{HEADER}\n{GOOD}\n"
            + GOOD.replace("1000,1000,1000", "fast,1000,1000").replace("a,", "b,", 1),
            "line 3 column value: 'fast' is not a number",
        ),
        (f"{HEADER}\n{GOOD}\n{GOOD}\n", "line 3 column id: 'a' is used by an earlier row"),
        (f"{HEADER}\n{GOOD.replace('nvidia-h100-sxm', 'h100')}\n", "line 2 column hardware"),
        (f"{HEADER}\n{GOOD.replace('fixed', 'batch')}\n", "line 2 column scenario"),
        (
            f"{HEADER}\n{GOOD.replace(',1,fixed', ',0,fixed')}\n",
            "line 2 column chips: '0' is not a positive",
        ),
        (
            f"{HEADER}\n{GOOD.replace('1000,1000,1000', '-5,1000,1000')}\n",
            "column value: '-5' must be a positive",
        ),
        (
            f"{HEADER}\n{GOOD.replace(',1000,me', ',,me')}\n",
            "line 2 columns input_len, output_len: required",
        ),
        (f"{HEADER}\n{GOOD},extra\n", "line 2: 11 fields, expected 10"),
        (
            f"{HEADER},tp\n{GOOD.replace(',1,fixed', ',4,fixed')},3\n",
            "column tp: '3' does not divide chips=4",
        ),
        (f"{HEADER},weights_dtype\n{GOOD},int3\n", "column weights_dtype"),
    ],
)
def test_bad_files_fail_with_one_line_naming_row_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    f = tmp_path / "m.csv"
    f.write_text(text)
    r = validate(f)
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert message in lines[0], lines[0]


def test_missing_and_binary_files(tmp_path: Path) -> None:
    r = validate(tmp_path / "nope.csv")
    assert r.exit_code == 2 and "cannot read" in r.output
    f = tmp_path / "bin.csv"
    f.write_bytes(b"\xff\xfe\x00id")
    r = validate(f)
    assert r.exit_code == 2 and "not UTF-8" in r.output
    assert len(r.output.strip().splitlines()) == 1
