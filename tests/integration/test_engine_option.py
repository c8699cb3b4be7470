"""`--engine` on the command line (issue 11): stated default, unvalidated other engines."""

from typer.testing import CliRunner

from siliconomics.cli import app

runner = CliRunner()


def test_engine_option_and_bad_engine() -> None:
    base = ["estimate", "--model", "llama-3.1-8b", "--hardware", "amd-mi300x", "--batch", "8"]
    r = runner.invoke(app, base)
    assert r.exit_code == 0 and "under vllm" in r.output
    r = runner.invoke(app, [*base, "--engine", "trtllm"])
    assert r.exit_code == 0 and "under trtllm (unvalidated engine)" in r.output
    r = runner.invoke(app, [*base, "--engine", "tensorrt-llm", "--json"])
    assert r.exit_code == 2
    (line,) = r.output.strip().splitlines()
    assert "engine" in line and "trtllm" in line
