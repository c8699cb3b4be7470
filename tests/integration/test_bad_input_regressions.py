"""Every bad input named in issue 10, as a regression test: one error line naming the field,
status 2, no traceback, and the user's files untouched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from siliconomics.catalog.loader import builtin_data_dir
from siliconomics.cli import app
from siliconomics.outputs import write_files

runner = CliRunner()
M, H = "llama-3.1-8b", "nvidia-h100-sxm"


def refused(*args: str, message: str) -> str:
    """Run; assert one error line containing ``message`` and status 2; return the line."""
    r = runner.invoke(app, list(args))
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2, (r.exit_code, r.stdout[-500:], r.stderr)
    assert "Traceback" not in r.output
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert message in lines[0], lines[0]
    return lines[0]


# --- cost exited 0 on bad input -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hardware", "h100"], "hardware: unknown value 'h100'; did you mean"),
        (["--input-len", "0"], "input_len: must be a positive integer, got 0"),
        (["--input-len", "-1"], "input_len: must be a positive integer, got -1"),
        (["--input-len", "10000000"], "tokens exceed the 131072 positions of llama-3.1-8b"),
        (["--output-len", "0"], "output_len: must be a positive integer, got 0"),
        (["--ttft-p99", "0"], "ttft_p99: must be a finite time > 0"),
        (["--ttft-p99", "-1"], "ttft_p99: must be a finite time > 0"),
        (["--ttft-p99", "nan"], "--ttft-p99: must be a finite number, got nan"),
        (["--tpot-p99", "nan"], "--tpot-p99: must be a finite number, got nan"),
        (["--tpot-p99", "inf"], "--tpot-p99: must be a finite number, got inf"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_cost_refuses_bad_input_with_status_2(args, message, as_json):
    refused(
        "cost",
        "--model",
        M,
        "--hardware",
        H,
        *args,
        *(["--json"] if as_json else []),
        message=message,
    )


# --- malformed config.json ------------------------------------------------------------

LLAMA = {
    "model_type": "llama",
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_hidden_layers": 16,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "vocab_size": 128256,
}
MIXTRAL = {**LLAMA, "model_type": "mixtral", "num_local_experts": 8, "num_experts_per_tok": 2}
DEEPSEEK = {
    **LLAMA,
    "model_type": "deepseek_v3",
    "kv_lora_rank": 512,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "v_head_dim": 128,
    "n_routed_experts": 64,
    "num_experts_per_tok": 6,
    "moe_intermediate_size": 1408,
}
QWEN_MOE = {
    **LLAMA,
    "model_type": "qwen3_moe",
    "num_experts": 64,
    "num_experts_per_tok": 8,
    "moe_intermediate_size": 768,
}
LLAMA4 = {**LLAMA, "model_type": "llama4", "num_local_experts": 16, "num_experts_per_tok": 1}


def estimate_config(tmp_path: Path, content: bytes | dict, message: str) -> None:
    path = tmp_path / "config.json"
    data = json.dumps(content).encode() if isinstance(content, dict) else content
    path.write_bytes(data)
    refused("estimate", "--model", str(path), "--hardware", H, message=message)
    assert path.read_bytes() == data


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        ({**DEEPSEEK, "moe_layer_freq": 0}, "'moe_layer_freq' must be an integer from 1 to 16"),
        ({**QWEN_MOE, "decoder_sparse_step": 0}, "'decoder_sparse_step' must be an integer"),
        ({**LLAMA4, "interleave_moe_layer_step": 0}, "'interleave_moe_layer_step' must be"),
        ({**MIXTRAL, "num_local_experts": 0}, "'num_local_experts' must be an integer from 1"),
        ({**LLAMA, "hidden_size": "2048"}, "'hidden_size' must be an integer"),
        ({**QWEN_MOE, "mlp_only_layers": "0,1"}, "'mlp_only_layers' must be a list of integers"),
        ({**LLAMA, "num_hidden_layers": 10**12}, "'num_hidden_layers' must be an integer from 1"),
        (
            {**LLAMA, "model_type": "mistral", "sliding_window": -4096},
            "'sliding_window' must be an integer from 1",
        ),
        (
            {**MIXTRAL, "num_experts_per_tok": 16},
            "'num_experts_per_tok' must be an integer from 1 to 8",
        ),
        ({**LLAMA, "head_dim": 0}, "'head_dim' must be an integer from 1"),
        ({**LLAMA, "tie_word_embeddings": "false"}, "'tie_word_embeddings' must be true or false"),
        ({**LLAMA, "vocab_size": 0}, "'vocab_size' must be an integer from 1"),
        ({**LLAMA, "hidden_size": 4096.0}, "'hidden_size' must be an integer"),
        ({**LLAMA, "max_position_embeddings": "long"}, "'max_position_embeddings' must be"),
        ({**DEEPSEEK, "q_lora_rank": "x"}, "'q_lora_rank' must be an integer"),
        (
            {
                **LLAMA,
                "model_type": "qwen3",
                "layer_types": ["full_attention"] * 3,
                "sliding_window": 4096,
            },
            "'layer_types' has 3 entries for 16 layers",
        ),
    ],
)
def test_malformed_config_is_one_line(tmp_path, content, message):
    estimate_config(tmp_path, content, message)


def test_huge_layer_count_is_refused_quickly(tmp_path):
    """10**12 layers once hung in a per-layer loop; now it is a bound, checked at once."""
    import time

    start = time.perf_counter()
    estimate_config(tmp_path, {**DEEPSEEK, "num_hidden_layers": 10**12}, "num_hidden_layers")
    assert time.perf_counter() - start < 2.0


def test_moe_layer_counts_need_no_loop_and_match_the_per_layer_rule():
    """The closed-form counts equal the per-layer definitions they replaced."""
    from siliconomics.catalog.hf_config import parse_hf_config

    for layers, first, freq in [(61, 3, 1), (61, 3, 2), (10, 0, 3), (5, 5, 1), (7, 2, 4)]:
        arch = parse_hf_config(
            {
                **DEEPSEEK,
                "num_hidden_layers": layers,
                "first_k_dense_replace": first,
                "moe_layer_freq": freq,
            },
            model_id="x",
        )
        assert arch.moe_layers == sum(1 for i in range(first, layers) if i % freq == 0)
    for layers, step, dense in [(48, 1, []), (48, 2, [1, 3, 4]), (9, 3, [2, 5, 8, 0])]:
        arch = parse_hf_config(
            {
                **QWEN_MOE,
                "num_hidden_layers": layers,
                "decoder_sparse_step": step,
                "mlp_only_layers": dense,
            },
            model_id="x",
        )
        expected = sum(1 for i in range(layers) if i not in dense and (i + 1) % step == 0)
        assert arch.moe_layers == expected


# --- data files and overlays ----------------------------------------------------------

CHIP = (builtin_data_dir() / "accelerators" / f"{H}.yaml").read_text()


def overlay(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "overlay"
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def test_binary_hardware_file_is_one_line(tmp_path):
    path = tmp_path / "chip.yaml"
    path.write_bytes(b"\x00\xff\xfe binary")
    refused("estimate", "--model", M, "--hardware", str(path), message="is not UTF-8 text")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"sources.yaml": b"\xff\xfe\x00"}, "sources.yaml: YAML file is not UTF-8 text"),
        (
            {
                "models/m.yaml": "id: m\nname: M\nsource: user\ncheckpoint_dtype: bf16\n"
                "config: {model_type: mixtral, hidden_size: 8, num_hidden_layers: 2, "
                "num_attention_heads: 2, vocab_size: 8, intermediate_size: 8, "
                "num_local_experts: 0, num_experts_per_tok: 1}\n"
            },
            "'num_local_experts' must be an integer from 1",
        ),
        (
            {
                "prices/nvidia-h100-sxm.yaml": "accelerator: nvidia-h100-sxm\n"
                "purchase_usd_per_chip:\n- {value: .inf, source: user, date: '2025', kind: quote}\n"
            },
            "purchase_usd_per_chip.0.value",
        ),
        (
            {
                "calibration/nvidia-hopper.yaml": "id: x\n",
                "calibration/nvidia-hopper.yml": "id: x\n",
            },
            "is also defined by",
        ),
        (
            {
                "prices/nvidia-h100-sxm.yaml": "accelerator: nvidia-h100-sxm\n",
                "prices/nvidia-h100-sxm.yml": "accelerator: nvidia-h100-sxm\n",
            },
            "is also defined by",
        ),
        ({"prices/mine.yaml": "accelerator: nvidia-h100-sxm\n"}, "must match the file name"),
        (
            {
                "sources.yaml": "a: {title: t, url: u, date: '2024'}\n"
                "a: {title: t2, url: u, date: '2024'}\n"
            },
            "duplicate key 'a'",
        ),
        ({"accelerator/my.yaml": CHIP}, "overlay entry: unknown value 'accelerator/my.yaml'"),
        ({"accelerators/x.yaml.bak": CHIP}, "a accelerators/ file must end in .yaml or .yml"),
        (
            {
                "systems/s.yaml": "id: s\nname: S\naccelerator: nvidia-h100-sxm\n"
                "chips: {value: 8.7, source: user}\n"
                "scale_up: {topology: switched, domain_chips: {value: 8, source: user}}\n"
            },
            "value 8.7 must be a whole number",
        ),
    ],
)
def test_bad_overlay_is_one_line_and_untouched(tmp_path, files, message):
    root = overlay(tmp_path, files)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    refused("catalog", "list", "--catalog", str(root), message=message)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_trace_with_a_huge_length_is_one_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("arrival_s,input_tokens,output_tokens\n0,1e20,5\n")
    refused(
        "simulate",
        "--model",
        M,
        "--hardware",
        H,
        "--trace",
        str(path),
        message="line 2 column input_tokens: must be an integer from 1 to 10000000",
    )


# --- infinity and NaN -----------------------------------------------------------------


def test_tco_refuses_an_infinite_price():
    refused(
        "tco",
        "--hardware",
        H,
        "--chip-price-usd",
        "inf",
        "--json",
        message="--chip-price-usd: must be a finite number, got inf",
    )


def test_reasoning_nan_limit_says_what_is_wrong():
    refused(
        "reasoning",
        "--model",
        M,
        "--hardware",
        H,
        "--hidden-tokens",
        "100",
        "--visible-tokens",
        "10",
        "--ttft-p99",
        "nan",
        message="--ttft-p99: must be a finite number, got nan",
    )


def test_json_output_is_strict_json():
    r = runner.invoke(app, ["tco", "--hardware", H, "--json"])
    assert r.exit_code == 0
    json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))


# --- messages and conflicting options -------------------------------------------------


def test_did_you_mean_lists_the_closest_ids_first():
    line = refused("catalog", "show", "nvidia-hgx-h10", message="did you mean")
    assert "did you mean 'nvidia-hgx-h100'" in line


def test_a_type_error_is_one_line_naming_the_option():
    refused("cost", "--model", M, "--chips", "x", message="'--chips'")


def test_an_unknown_option_is_one_line():
    refused("cost", "--model", M, "--hardwar", H, message="No such option: --hardwar")


def test_simulate_refuses_two_arrival_processes():
    refused(
        "simulate",
        "--model",
        M,
        "--hardware",
        H,
        "--rate",
        "5",
        "--concurrency",
        "4",
        message="rate and concurrency: give one arrival process",
    )


def test_an_internal_error_is_one_line_asking_for_a_report(monkeypatch):
    from siliconomics import api

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(api, "tco", boom)
    r = runner.invoke(app, ["tco", "--hardware", H])
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "internal error (ZeroDivisionError" in r.stderr
    assert "please report" in r.stderr and "--debug" in r.stderr
    r = runner.invoke(app, ["--debug", "tco", "--hardware", H])
    assert isinstance(r.exception, ZeroDivisionError)  # --debug lets the traceback through


# --- files ----------------------------------------------------------------------------


def test_validate_write_never_replaces_a_file_without_force(tmp_path):
    mine = tmp_path / "accuracy.md"
    mine.write_text("my notes")
    refused("validate", "--write", str(mine), message="exists; not overwriting it (use --force)")
    assert mine.read_text() == "my notes"


@pytest.mark.parametrize(
    ("target", "message"),
    [("{d}", "is a folder, not a file"), ("{d}/no/such/a.md", "does not exist")],
)
def test_validate_write_to_a_folder_or_missing_parent_is_one_line(tmp_path, target, message):
    refused("validate", "--write", target.format(d=tmp_path), message=message)


def test_frontier_out_into_a_missing_folder_is_refused_before_the_search(tmp_path):
    refused(
        "throughput",
        "--model",
        M,
        "--hardware",
        H,
        "--chips",
        "1",
        "--input-len",
        "128",
        "--output-len",
        "16",
        "--frontier-out",
        str(tmp_path / "no" / "f.csv"),
        message="frontier-out: folder",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_report_into_a_read_only_folder_is_one_line(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        refused("report", "--out", str(out), message="cannot write in folder")
    finally:
        out.chmod(0o755)


def test_report_html_symlink_is_not_followed(tmp_path):
    outside = tmp_path / "outside.html"
    outside.write_text("not the report's")
    out = tmp_path / "report"
    out.mkdir()
    (out / "report.html").symlink_to(outside)
    refused("report", "--out", str(out), "--force", message="is a symbolic link")
    assert outside.read_text() == "not the report's"


def test_a_failure_while_writing_leaves_the_previous_files_intact(tmp_path, monkeypatch):
    """All or nothing: the second file fails to stage, so neither replaces the old one."""
    import siliconomics.outputs as outputs

    (tmp_path / "report.html").write_text("old page")
    (tmp_path / "chips.csv").write_text("old table")
    real = outputs._stage
    calls = []

    def flaky(folder, name, text, field):
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second file is written
        return real(folder, name, text, field)

    monkeypatch.setattr(outputs, "_stage", flaky)
    with pytest.raises(KeyboardInterrupt):
        write_files(tmp_path, {"report.html": "new", "chips.csv": "new"}, "out", force=True)
    assert (tmp_path / "report.html").read_text() == "old page"
    assert (tmp_path / "chips.csv").read_text() == "old table"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chips.csv", "report.html"]


def test_force_replaces_a_read_only_report_file_whole(tmp_path):
    """A read-only report.html in a writable folder is replaced by the rename, not
    half-written; other files in the folder are never touched."""
    (tmp_path / "report.html").write_text("old")
    (tmp_path / "report.html").chmod(0o444)
    (tmp_path / "notes.txt").write_text("mine")
    write_files(tmp_path, {"report.html": "new"}, "out", force=True)
    assert (tmp_path / "report.html").read_text() == "new"
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_overlay_files_are_never_written(tmp_path):
    root = overlay(tmp_path, {f"accelerators/{H}.yaml": CHIP})
    data = yaml.safe_load(CHIP)
    assert data["id"] == H
    before = (root / "accelerators" / f"{H}.yaml").read_bytes()
    r = runner.invoke(app, ["catalog", "show", H, "--catalog", str(root), "--json"])
    assert r.exit_code == 0, r.output
    assert (root / "accelerators" / f"{H}.yaml").read_bytes() == before


@pytest.mark.parametrize("mfu", [[], ["--mfu", "0.4"]], ids=["predicted", "given"])
def test_train_cost_of_a_model_that_does_not_fit_is_an_error(mfu):
    """405B on one H100 once returned a cost; with or without a stated MFU it does not fit."""
    refused(
        "train-cost",
        "--model",
        "llama-3.1-405b",
        "--hardware",
        H,
        "--chips",
        "1",
        "--tokens",
        "1e9",
        *mfu,
        message="memory: llama-3.1-405b does not fit for training",
    )


# --- found by the 10,000-case benchmark -------------------------------------------------


@pytest.mark.parametrize("start", ["485238", "99999999999999999999", "1800"])
def test_rental_start_far_outside_the_calendar_is_refused_at_once(start):
    """A bare six-digit or twenty-digit year once ran a month-by-month path for minutes."""
    refused("rental", "--hardware", H, "--start", start, "--json", message="date")


def test_a_trace_of_one_token_answers_has_no_tpot_and_says_null(tmp_path):
    """No request made a second token, so TPOT is undefined: null in JSON, '-' in the
    table; it once reached the JSON writer as NaN (an internal error)."""
    path = tmp_path / "t.csv"
    path.write_text("arrival_s,input_tokens,output_tokens\n0,1,1\n")
    r = runner.invoke(
        app, ["simulate", "--model", M, "--hardware", H, "--trace", str(path), "--json"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["summary"]["tpot_s"] == {"p50": None, "p90": None, "p99": None, "mean": None}
    assert d["summary"]["output_tokens_per_s_per_user"] is None
    assert d["summary"]["requests"] == 1


def test_train_on_an_absurd_chip_count_is_refused_at_once():
    """18,014,398,509,481,983 chips once took ~10 s in the divisor scan of the search."""
    import time

    start = time.perf_counter()
    refused(
        "train",
        "--model",
        M,
        "--hardware",
        H,
        "--chips",
        "18014398509481983",
        "--seq-len",
        "2048",
        "--global-batch-tokens",
        "262144",
        message="chips: must be an integer from 1 to 10,000,000",
    )
    assert time.perf_counter() - start < 2.0


def test_ctrl_c_is_one_line_and_status_2(monkeypatch):
    """typer turns a KeyboardInterrupt that reaches it into a silent status 130; the
    command's own handler says so in one line, status 2."""
    from siliconomics import api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "tco", interrupted)
    refused("tco", "--hardware", H, message="interrupted; nothing was written")
