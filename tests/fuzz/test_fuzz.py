"""Generated bad input: every run keeps the contract of :mod:`badinput` (one error line and
status 2, or status 0 with finite, strictly-JSON output; no traceback, no hang, no user file
touched). Bounded so the whole file runs in well under a minute; the 10,000-case run is
``benchmarks/bad_inputs.py``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from badinput import (
    OUTPUT_CASES,
    Case,
    bad_command,
    bad_config_bytes,
    bad_overlay,
    bad_trace,
    materialize,
    run_case,
    violations,
)
from hypothesis import HealthCheck, given, settings

from siliconomics.serving import operating

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases every CI run; the benchmark explores at random
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: A single case in CI may take longer than the benchmark's 5 s on a loaded machine; a
#: real hang (a loop over 10**12 layers) takes hours, so 30 s still catches it.
CI_HANG_S = 30.0


def check(case: Case) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        argv = materialize(case, d)
        outcome = run_case(argv, d, alarm_s=CI_HANG_S)
        problems = violations(outcome, hang_s=CI_HANG_S)
        assert not problems, f"{argv}: {problems}\nstdout: {outcome.stdout[:500]}"


@FUZZ
@given(bad_config_bytes)
def test_malformed_config_json(data: bytes) -> None:
    check(Case("config", data))


@settings(FUZZ, max_examples=20)  # each loads the whole catalog (~0.5 s)
@given(bad_overlay())
def test_malformed_overlay(files: dict[str, bytes]) -> None:
    check(Case("overlay", files))


@FUZZ
@given(bad_trace())
def test_malformed_trace(data: bytes) -> None:
    check(Case("trace", data))


@settings(FUZZ, max_examples=80)
@given(bad_command())
def test_bad_command_line_values(argv: list[str]) -> None:
    operating.clear_cache()  # a cached answer must not hide a slow path
    check(Case("command", argv))


@pytest.mark.parametrize("index", range(len(OUTPUT_CASES)), ids=[c[0] for c in OUTPUT_CASES])
def test_bad_output_paths_are_refused_before_any_work(index: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        argv = materialize(Case("output", index), d)
        outcome = run_case(argv, d, alarm_s=CI_HANG_S)
        assert outcome.exit_code == 2, outcome.stdout + outcome.stderr
        assert not violations(outcome, hang_s=CI_HANG_S)
        # Refused before the search or the report ran: well under a second of work.
        assert outcome.seconds < 5.0
