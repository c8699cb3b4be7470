"""Generators of bad input, and the contract every run must keep.

Used by the fuzz tests (a few hundred cases per CI run) and by
``benchmarks/bad_inputs.py`` (10,000 cases, figures in ``docs/reliability.md``): one set of
Hypothesis strategies, one :func:`run_case`, one :func:`violations`.

The contract, for any input: the command exits 0 with output whose numbers are finite
(``--json`` parses as strict JSON), or exits 2 with exactly one ``error:`` line on stderr;
never a traceback, never status 1, never longer than :data:`HANG_S`; and the files the user
gave are byte-for-byte unchanged, with nothing new written beside them.
"""

from __future__ import annotations

import hashlib
import json
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from typer.testing import CliRunner

from siliconomics.cli import app

HANG_S = 5.0

MODEL = "llama-3.1-8b"
CHIP = "nvidia-h100-sxm"

# --------------------------------------------------------------------------- values

#: Texts a user might type where a number, an id or a format belongs.
BAD_TEXTS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "-1e400",
    "-1",
    "0",
    "-0",
    "0.0",
    "1e-320",
    "99999999999999999999",
    "1e20",
    "10000000",
    "0x10",
    "1_000",
    "",
    " ",
    "abc",
    "1.5",
    "-2.5",
    "true",
    "None",
    "null",
    "[]",
    "{}",
    "'",
    '"',
    "--json",
    "-",
    "１２",
    "h100",
    "nvidia-hgx-h10",
    "llama-9",
    "fp9",
    "bf16,fp8",
    "../../etc/passwd",
    "\u202e",
]

bad_text = st.one_of(
    st.sampled_from(BAD_TEXTS),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
)

#: JSON values to put where a config field belongs.
bad_json_value = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            False,
            0,
            -1,
            -4096,
            1,
            10**12,
            10**30,
            2**63,
            0.5,
            8.7,
            1e308,
            -0.0,
            "",
            "8",
            "false",
            "true",
            [],
            [1, 2],
            {},
            {"a": 1},
        ]
    ),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(-5, 200), max_size=6),
)

# --------------------------------------------------------------------------- configs

BASE_CONFIGS: dict[str, dict[str, Any]] = {
    "llama": {
        "model_type": "llama",
        "hidden_size": 2048,
        "intermediate_size": 8192,
        "num_hidden_layers": 16,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "vocab_size": 128256,
        "max_position_embeddings": 131072,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
    },
    "mixtral": {
        "model_type": "mixtral",
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "vocab_size": 32000,
        "num_local_experts": 8,
        "num_experts_per_tok": 2,
        "max_position_embeddings": 32768,
        "sliding_window": None,
    },
    "deepseek_v3": {
        "model_type": "deepseek_v3",
        "hidden_size": 7168,
        "intermediate_size": 18432,
        "num_hidden_layers": 61,
        "num_attention_heads": 128,
        "num_key_value_heads": 128,
        "vocab_size": 129280,
        "q_lora_rank": 1536,
        "kv_lora_rank": 512,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
        "n_routed_experts": 256,
        "num_experts_per_tok": 8,
        "moe_intermediate_size": 2048,
        "n_shared_experts": 1,
        "first_k_dense_replace": 3,
        "moe_layer_freq": 1,
        "max_position_embeddings": 163840,
    },
    "qwen3_moe": {
        "model_type": "qwen3_moe",
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "num_hidden_layers": 48,
        "num_attention_heads": 32,
        "num_key_value_heads": 4,
        "head_dim": 128,
        "vocab_size": 151936,
        "num_experts": 128,
        "num_experts_per_tok": 8,
        "moe_intermediate_size": 768,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "max_position_embeddings": 40960,
        "use_sliding_window": False,
        "sliding_window": None,
    },
    "llama4": {
        "model_type": "llama4",
        "text_config": {
            "model_type": "llama4_text",
            "hidden_size": 5120,
            "intermediate_size": 8192,
            "intermediate_size_mlp": 16384,
            "num_hidden_layers": 48,
            "num_attention_heads": 40,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "vocab_size": 202048,
            "num_local_experts": 16,
            "num_experts_per_tok": 1,
            "interleave_moe_layer_step": 1,
            "attention_chunk_size": 8192,
            "max_position_embeddings": 262144,
        },
    },
    "gpt_oss": {
        "model_type": "gpt_oss",
        "hidden_size": 2880,
        "intermediate_size": 2880,
        "num_hidden_layers": 4,
        "num_attention_heads": 64,
        "num_key_value_heads": 8,
        "head_dim": 64,
        "vocab_size": 201088,
        "num_local_experts": 32,
        "experts_per_token": 4,
        "sliding_window": 128,
        "layer_types": ["sliding_attention", "full_attention"] * 2,
        "max_position_embeddings": 131072,
    },
}


@st.composite
def bad_config(draw: st.DrawFn) -> dict[str, Any]:
    """A valid config of one family with one to three fields replaced, removed or added."""
    family = draw(st.sampled_from(sorted(BASE_CONFIGS)))
    cfg = json.loads(json.dumps(BASE_CONFIGS[family]))
    inner = cfg.get("text_config", cfg)
    keys = sorted(inner)
    extra = [
        "moe_layer_freq",
        "decoder_sparse_step",
        "interleave_moe_layer_step",
        "num_local_experts",
        "head_dim",
        "sliding_window",
        "layer_types",
        "moe_layers",
        "no_rope_layers",
        "mlp_only_layers",
        "use_sliding_window",
        "text_config",
    ]
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(keys + extra))
        if draw(st.booleans()) and key in inner:
            del inner[key]
        else:
            inner[key] = draw(bad_json_value)
    return cfg


#: Whole files that are not a config at all.
bad_config_bytes = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b"null",
            b"42",
            b'"x"',
            b"\xff\xfe{}",
            b"[" * 50_000 + b"]" * 50_000,
            b'{"a":' * 5000 + b"1" + b"}" * 5000,
        ]
    ),
    bad_config().map(lambda c: json.dumps(c).encode()),
)

# --------------------------------------------------------------------------- data files

GOOD_CHIP = """id: my-chip
name: My chip
vendor: acme
kind: gpu
dense_tflop_per_s: {bf16: {value: 900, source: user}}
hbm: {capacity_gb: {value: 80, source: user}, bandwidth_tb_per_s: {value: 3, source: user}}
tdp_w: {value: 700, source: user}
"""

#: Lines that break a YAML data file in the ways users do.
YAML_BREAKERS = [
    "kind: tpu",
    "vendor: Acme Corp",
    "tdp_w: {value: .inf, source: user}",
    "tdp_w: {value: .nan, source: user}",
    "tdp_w: {value: -5, source: user}",
    "tdp_w: {value: '700', source: user}",
    "tdp_w: {value: 700, source: NOPE}",
    "hbm: {capacity_gb: {value: 80000, source: user}}",
    "name: [unclosed",
    "id: other-id",
    "id: my-chip",
    "calibration: nope",
    "extra_field: 1",
    "launch_year: {value: 2024.5, source: user}",
    "scale_up: {domain_chips: {value: 8.7, source: user}}",
    "a: &x [1]\nb: *x",
    "\t- tab",
    "dense_tflop_per_s: {bf16: {value: 1e400, source: user}}",
]


@st.composite
def bad_overlay(draw: st.DrawFn) -> dict[str, bytes]:
    """An overlay folder (relative path -> bytes) with one or more problems."""
    files: dict[str, bytes] = {}
    kind = draw(st.integers(0, 5))
    if kind == 0:  # a chip file with a breaking line appended
        text = GOOD_CHIP + draw(st.sampled_from(YAML_BREAKERS)) + "\n"
        files["accelerators/my-chip.yaml"] = text.encode()
    elif kind == 1:  # binary or non-UTF-8 data where YAML belongs
        name = draw(
            st.sampled_from(
                [
                    "accelerators/my-chip.yaml",
                    "sources.yaml",
                    "prices/nvidia-h100-sxm.yaml",
                    "models/m.yaml",
                    "calibration/default.yaml",
                    "api_prices.yaml",
                ]
            )
        )
        files[name] = draw(st.binary(min_size=1, max_size=64)) + b"\xff\xfe"
    elif kind == 2:  # misplaced files
        name = draw(
            st.sampled_from(
                [
                    "accelerator/my-chip.yaml",
                    "accelerators/my-chip.yml.bak",
                    "accelerators/my-chip.json",
                    "notes.txt",
                    "models/x/y.yaml",
                    "prices.yaml",
                ]
            )
        )
        files[name] = GOOD_CHIP.encode()
    elif kind == 3:  # two files for one id, or duplicate keys
        files["accelerators/my-chip.yaml"] = GOOD_CHIP.encode()
        files[draw(st.sampled_from(["accelerators/my-chip.yml", "sources.yaml"]))] = (
            b"user2: {title: a, url: b, date: '2024'}\nuser2: {title: c, url: d, date: '2024'}\n"
            if draw(st.booleans())
            else GOOD_CHIP.encode()
        )
    elif kind == 4:  # a model file with a malformed config
        cfg = draw(bad_config())
        text = "id: m\nname: M\nsource: user\ncheckpoint_dtype: bf16\nconfig: " + json.dumps(cfg)
        files["models/m.yaml"] = text.encode()
    else:  # random text in a random known file
        name = draw(
            st.sampled_from(
                [
                    "sources.yaml",
                    "api_prices.yaml",
                    "report/scenario.yaml",
                    "calibration/default.yaml",
                    "systems/s.yaml",
                ]
            )
        )
        files[name] = draw(st.text(max_size=80)).encode()
    return files


@st.composite
def bad_trace(draw: st.DrawFn) -> bytes:
    """A trace CSV with at least one bad header, row or value."""
    header = draw(
        st.sampled_from(
            ["arrival_s,input_tokens,output_tokens", "arrival_s,input_tokens", "a,b,c", ""]
        )
    )
    rows = draw(st.lists(st.tuples(bad_text, bad_text, bad_text), min_size=0, max_size=4))
    body = "\n".join(",".join(r) for r in rows)
    return (header + "\n" + body + "\n").encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------- command lines

#: A fast valid invocation of each command; a case changes one option of it.
BASE_ARGS: dict[str, list[str]] = {
    "estimate": ["--model", MODEL, "--hardware", CHIP],
    "tco": ["--hardware", CHIP],
    "catalog show": [CHIP],
    "catalog list": ["--kind", "accelerator"],
    "cost": ["--model", MODEL, "--hardware", CHIP, "--input-len", "256", "--output-len", "64"],
    "throughput": [
        "--model",
        MODEL,
        "--hardware",
        CHIP,
        "--chips",
        "1",
        "--input-len",
        "256",
        "--output-len",
        "64",
    ],
    "simulate": [
        "--model",
        MODEL,
        "--hardware",
        CHIP,
        "--requests",
        "50",
        "--input-len",
        "256",
        "--output-len",
        "32",
    ],
    "reasoning": [
        "--model",
        MODEL,
        "--hardware",
        CHIP,
        "--hidden-tokens",
        "256",
        "--visible-tokens",
        "64",
        "--input-len",
        "256",
    ],
    "train-cost": [
        "--model",
        MODEL,
        "--hardware",
        CHIP,
        "--tokens",
        "1e9",
        "--chips",
        "8",
        "--mfu",
        "0.4",
    ],
    "synthetic-data": [
        "--model",
        MODEL,
        "--hardware",
        CHIP,
        "--prompts",
        "1000",
        "--samples-per-prompt",
        "4",
        "--prompt-tokens",
        "256",
        "--sample-tokens",
        "256",
        "--keep-fraction",
        "0.5",
    ],
    "datacenter": ["--system", "nvidia-hgx-h100", "--chips", "1024"],
    "train": [
        "--model",
        MODEL,
        "--hardware",
        CHIP,
        "--chips",
        "8",
        "--seq-len",
        "2048",
        "--global-batch-tokens",
        "262144",
    ],
    "rl-cost": [
        "--model",
        MODEL,
        "--hardware",
        CHIP,
        "--chips",
        "8",
        "--prompts-per-step",
        "64",
        "--samples-per-prompt",
        "4",
        "--prompt-tokens",
        "256",
        "--rollout-tokens",
        "256",
    ],
    "rental": ["--hardware", CHIP],
    "neocloud": ["--hardware", CHIP, "--chips", "64"],
    "market": ["--draws", "20", "--through", "2026"],
}

#: Options whose value decides how long a valid run takes (lengths, counts): on the commands
#: that search or simulate, these get only values that are wrong, so a case never turns into
#: an hour-long valid run.
COSTLY = {
    "--prompts-per-step",
    "--rollout-tokens",
    "--gen-chips",
    "--input-len",
    "--output-len",
    "--chips",
    "--requests",
    "--hidden-tokens",
    "--visible-tokens",
    "--samples",
    "--concurrency",
    "--rate",
    "--max-num-seqs",
    "--max-batch",
    "--tp",
    "--pp",
    "--ep",
    "--dp",
    "--prompts",
    "--samples-per-prompt",
    "--prompt-tokens",
    "--sample-tokens",
    "--batch",
    "--context",
}
SEARCHING = {"cost", "throughput", "simulate", "reasoning", "rl-cost"}
WRONG_NUMBERS = ["nan", "inf", "-inf", "-1", "0", "abc", "", "1e400", "1.5", "-0"]

OPTIONS: dict[str, list[str]] = {
    "estimate": [
        "--model",
        "--hardware",
        "--chips",
        "--tp",
        "--pp",
        "--ep",
        "--batch",
        "--input-len",
        "--context",
        "--weights",
        "--kv",
        "--nope",
    ],
    "tco": ["--hardware", "--chip-price-usd", "--it-power-w", "--set"],
    "catalog show": ["--kind"],
    "catalog list": ["--kind"],
    "cost": [
        "--model",
        "--hardware",
        "--input-len",
        "--output-len",
        "--weights",
        "--kv",
        "--precision",
        "--ttft-p99",
        "--tpot-p99",
        "--chips",
        "--set",
    ],
    "throughput": [
        "--model",
        "--hardware",
        "--chips",
        "--input-len",
        "--output-len",
        "--weights",
        "--precision",
        "--ttft-p99",
        "--tpot-p99",
        "--tp",
        "--pp",
        "--ep",
        "--dp",
        "--max-batch",
        "--mode",
        "--input-sigma",
    ],
    "simulate": [
        "--model",
        "--hardware",
        "--tp",
        "--rate",
        "--concurrency",
        "--requests",
        "--input-len",
        "--output-len",
        "--max-num-seqs",
        "--input-sigma",
        "--seed",
    ],
    "reasoning": [
        "--model",
        "--hardware",
        "--hidden-tokens",
        "--visible-tokens",
        "--samples",
        "--small-model",
        "--ttft-p99",
        "--set",
    ],
    "train-cost": [
        "--model",
        "--hardware",
        "--tokens",
        "--chips",
        "--mfu",
        "--seq-len",
        "--dtype",
        "--usd-per-chip-hour",
        "--set",
    ],
    "synthetic-data": [
        "--prompts",
        "--samples-per-prompt",
        "--prompt-tokens",
        "--sample-tokens",
        "--keep-fraction",
        "--train-mfu",
        "--set",
    ],
    "datacenter": [
        "--system",
        "--chips",
        "--power-mw",
        "--fabric",
        "--oversubscription",
        "--link-gbps",
        "--rack-power-kw",
        "--pue",
        "--chip-price-usd",
        "--set",
    ],
    "train": [
        "--model",
        "--hardware",
        "--chips",
        "--seq-len",
        "--global-batch-tokens",
        "--tp",
        "--pp",
        "--cp",
        "--ep",
        "--vp",
        "--micro-batch",
        "--recompute",
        "--precision",
        "--tokens",
        "--usd-per-chip-hour",
    ],
    "rl-cost": [
        "--chips",
        "--prompts-per-step",
        "--samples-per-prompt",
        "--prompt-tokens",
        "--rollout-tokens",
        "--steps",
        "--mode",
        "--gen-chips",
        "--reward-model",
        "--precision",
    ],
    "rental": ["--hardware", "--start", "--months"],
    "neocloud": [
        "--hardware",
        "--chips",
        "--years",
        "--utilisation",
        "--ramp-months",
        "--reserved-share",
        "--price",
        "--facility",
        "--resale",
        "--depreciation-years",
        "--depreciation",
        "--debt-share",
        "--interest-rate",
        "--debt-term",
        "--cost-of-equity",
        "--start",
        "--chip-price-usd",
        "--set",
    ],
    "market": ["--scenario", "--as-of", "--through", "--draws", "--seed"],
}


@st.composite
def bad_command(draw: st.DrawFn) -> list[str]:
    """A command line with one option given a bad (or merely odd) value."""
    command = draw(st.sampled_from(sorted(BASE_ARGS)))
    args = list(BASE_ARGS[command])
    option = draw(st.sampled_from(OPTIONS[command]))
    if command in SEARCHING and option in COSTLY:
        value = draw(st.sampled_from(WRONG_NUMBERS))
    elif option == "--set":
        value = draw(
            st.sampled_from(
                [
                    "pue=nan",
                    "pue=inf",
                    "pue=-1",
                    "pue",
                    "=1",
                    "nope=1",
                    "pue=abc",
                    "pue=1e400",
                    "pue=0",
                ]
            )
        )
    else:
        value = draw(bad_text)
    if command == "catalog show" and option == "--kind":
        args = [value]
    elif option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    if draw(st.booleans()):
        args.append("--json")
    return [*command.split(), *args]


# --------------------------------------------------------------------------- running a case

_FINITE_WORD = re.compile(r"(?<![\w.-])(-?inf|nan|NaN|Infinity)(?![\w-])")


@dataclass
class Outcome:
    argv: list[str]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    exception: str = ""
    user_files: dict[str, str] = field(default_factory=dict)


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


class Hang(Exception):
    """A case ran longer than the alarm allowed."""


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def ring(*_: object) -> None:
        raise Hang(f"ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(argv: list[str], user_dir: Path, alarm_s: float = 60.0) -> Outcome:
    """Run ``siliconomics argv`` in-process; ``user_dir`` holds the files the user gave."""
    before = _snapshot(user_dir)
    runner = CliRunner()
    start = time.perf_counter()
    exception = ""
    try:
        with _alarm(alarm_s):
            r = runner.invoke(app, argv, catch_exceptions=True)
        code, stdout, stderr = r.exit_code, r.stdout, r.stderr
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            exception = f"{type(r.exception).__name__}: {r.exception}"
    except Hang as exc:
        code, stdout, stderr, exception = -1, "", "", f"Hang: {exc}"
    seconds = time.perf_counter() - start
    after = _snapshot(user_dir)
    changed = {k: "changed" for k in before if after.get(k) != before[k]}
    changed.update({k: "new" for k in after if k not in before})
    return Outcome(argv, code, stdout, stderr, seconds, exception, changed)


def violations(o: Outcome, *, hang_s: float = HANG_S) -> list[str]:
    """What in ``o`` breaks the contract (module docstring); empty when it holds."""
    found = []
    if o.exception:
        found.append(f"exception {o.exception}")
    if o.exit_code not in (0, 2):
        found.append(f"exit status {o.exit_code}")
    if "Traceback" in o.stdout + o.stderr:
        found.append("traceback printed")
    if o.exit_code == 2:
        errors = [ln for ln in o.stderr.splitlines() if ln.startswith("error:")]
        if len(errors) != 1 or len(o.stderr.strip().splitlines()) != 1:
            found.append(f"stderr is not one error line: {o.stderr[:300]!r}")
    if o.exit_code == 0:
        if "--json" in o.argv:
            try:
                json.loads(o.stdout, parse_constant=_refuse_constant)
            except ValueError as exc:
                found.append(f"--json output is not strict JSON: {exc}")
        elif _FINITE_WORD.search(o.stdout):
            found.append(f"non-finite number in output: {_FINITE_WORD.search(o.stdout)!r}")
    if o.seconds > hang_s:
        found.append(f"took {o.seconds:.1f} s (> {hang_s} s)")
    if o.user_files:
        found.append(f"user files touched: {o.user_files}")
    return found


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


#: Output paths that must be refused before any work, given the files set up beside them.
OUTPUT_CASES = [
    ("validate --write to an existing file", ["validate", "--write", "{d}/mine.md"]),
    ("validate --write to a folder", ["validate", "--write", "{d}"]),
    ("validate --write under a missing folder", ["validate", "--write", "{d}/no/such/a.md"]),
    (
        "frontier to an existing file",
        [
            "throughput",
            "--model",
            MODEL,
            "--hardware",
            CHIP,
            "--chips",
            "1",
            "--input-len",
            "256",
            "--output-len",
            "64",
            "--frontier-out",
            "{d}/mine.csv",
        ],
    ),
    (
        "frontier to a .png",
        [
            "throughput",
            "--model",
            MODEL,
            "--hardware",
            CHIP,
            "--chips",
            "1",
            "--input-len",
            "256",
            "--output-len",
            "64",
            "--frontier-out",
            "{d}/f.png",
        ],
    ),
    (
        "frontier under a missing folder",
        [
            "throughput",
            "--model",
            MODEL,
            "--hardware",
            CHIP,
            "--chips",
            "1",
            "--input-len",
            "256",
            "--output-len",
            "64",
            "--frontier-out",
            "{d}/no/f.csv",
        ],
    ),
    (
        "frontier through a symlink",
        [
            "throughput",
            "--model",
            MODEL,
            "--hardware",
            CHIP,
            "--chips",
            "1",
            "--input-len",
            "256",
            "--output-len",
            "64",
            "--frontier-out",
            "{d}/link.csv",
            "--force",
        ],
    ),
    ("report into a file", ["report", "--out", "{d}/mine.md"]),
    ("report over an existing report", ["report", "--out", "{d}/old"]),
    ("report with a symlinked report.html", ["report", "--out", "{d}/linked", "--force"]),
    ("report with bad weights", ["report", "--out", "{d}/new", "--weights", "fp9"]),
]


def setup_outputs(d: Path) -> None:
    """The user's files the output cases must leave untouched."""
    (d / "mine.md").write_text("my notes\n")
    (d / "mine.csv").write_text("a,b\n1,2\n")
    (d / "target.txt").write_text("outside\n")
    (d / "link.csv").symlink_to(d / "target.txt")
    (d / "old").mkdir()
    (d / "old" / "report.html").write_text("<p>previous report</p>")
    (d / "linked").mkdir()
    (d / "linked" / "report.html").symlink_to(d / "target.txt")


@dataclass(frozen=True)
class Case:
    """One bad input: its kind and what to write before running it."""

    kind: str
    payload: Any


def any_case() -> st.SearchStrategy[Case]:
    return st.one_of(
        bad_command().map(lambda a: Case("command", a)),
        bad_config_bytes.map(lambda b: Case("config", b)),
        bad_overlay().map(lambda f: Case("overlay", f)),
        bad_trace().map(lambda b: Case("trace", b)),
        st.sampled_from(range(len(OUTPUT_CASES))).map(lambda i: Case("output", i)),
    )


def materialize(case: Case, d: Path) -> list[str]:
    """Write the case's files into the empty folder ``d``; return its command line."""
    if case.kind == "command":
        return list(case.payload)
    if case.kind == "config":
        (d / "config.json").write_bytes(case.payload)
        return ["estimate", "--model", str(d / "config.json"), "--hardware", CHIP, "--json"]
    if case.kind == "overlay":
        write_tree(d / "overlay", case.payload)
        return ["catalog", "list", "--catalog", str(d / "overlay")]
    if case.kind == "trace":
        (d / "trace.csv").write_bytes(case.payload)
        return [
            "simulate",
            "--model",
            MODEL,
            "--hardware",
            CHIP,
            "--trace",
            str(d / "trace.csv"),
            "--json",
        ]
    setup_outputs(d)
    return [a.format(d=d) for a in OUTPUT_CASES[case.payload][1]]
