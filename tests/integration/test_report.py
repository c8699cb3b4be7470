"""`siliconomics report` end to end: the files, every section, numbers equal to the api's,
and the refusals (no silent overwrite, a file given as --out)."""

import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siliconomics import api
from siliconomics.cli import app
from siliconomics.report import SECTIONS
from siliconomics.report.render import output_files
from siliconomics.report.scenario import load_scenario

SC = load_scenario()
INPUT_LEN, OUTPUT_LEN = SC.input_len, SC.output_len
TTFT_LIMIT_S, TPOT_LIMIT_S = SC.ttft_p99_s, SC.tpot_p99_s

runner = CliRunner()


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open() as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the report once for the whole module (about 30 s on 2 cores)."""
    out = tmp_path_factory.mktemp("r") / "report"
    # One process: the engine's cache then serves the api calls the tests compare with.
    r = runner.invoke(app, ["report", "--out", str(out), "--jobs", "1"])
    assert r.exit_code == 0, r.output
    return out


@pytest.mark.slow
def test_writes_html_and_every_csv(report_dir: Path) -> None:
    assert sorted(p.name for p in report_dir.iterdir()) == sorted(output_files(SC.models))
    page = (report_dir / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    # self-contained: plotly inlined exactly once, no CDN script
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert len(re.findall(r"plotly\.js v\d", page)) == 1
    assert page.count("Plotly.newPlot") >= 8


@pytest.mark.slow
def test_every_section_is_present(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text()
    for anchor, heading in SECTIONS:
        assert f"<section id='{anchor}'><h2>{heading}" in page, heading
    assert re.search(r"made \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", page)
    assert f"(TTFT) &le; {TTFT_LIMIT_S:g} s" in page and f"{TPOT_LIMIT_S * 1e3:g} ms" in page
    # the provenance stamp: version, commit (or unknown) and catalog hash
    assert "catalog" in page and re.search(r"[0-9a-f]{12}", page)


@pytest.mark.slow
def test_cost_numbers_equal_the_api(report_dir: Path) -> None:
    rows = read_csv(report_dir, "chips_llama-3.1-70b")
    by_chip = {r["accelerator"]: r for r in rows}
    api_rows = api.cost("llama-3.1-70b", input_len=INPUT_LEN, output_len=OUTPUT_LEN)["rows"]
    sla_rows = api.cost(
        "llama-3.1-70b",
        input_len=INPUT_LEN,
        output_len=OUTPUT_LEN,
        ttft_p99_s=TTFT_LIMIT_S,
        tpot_p99_s=TPOT_LIMIT_S,
    )["rows"]
    assert len(api_rows) >= 3
    for a in api_rows:
        got = by_chip[a["accelerator"]]
        assert float(got["usd_per_million_output_tokens_offline"]) == pytest.approx(
            a["usd_per_million_output_tokens"], rel=1e-12
        )
        assert int(got["cost_rank_offline"]) == a["rank"]
        assert float(got["usd_per_request_offline_low"]) == pytest.approx(
            a["usd_per_request_low"], rel=1e-12
        )
        assert got["validation"].startswith("validated" if a["validated"] else "unvalidated")
        assert float(got["output_tokens_per_s_per_chip_offline"]) == pytest.approx(
            a["output_tokens_per_s_per_chip"], rel=1e-12
        )
    for a in sla_rows:
        assert float(by_chip[a["accelerator"]]["usd_per_million_output_tokens_sla"]) == (
            pytest.approx(a["usd_per_million_output_tokens"], rel=1e-12)
        )
    # the cheapest chip's cost appears in the HTML as displayed
    page = (report_dir / "report.html").read_text()
    assert f"{api_rows[0]['usd_per_million_output_tokens']:.3f}" in page


@pytest.mark.slow
def test_unpriced_chips_are_listed_with_the_reason(report_dir: Path) -> None:
    skipped = read_csv(report_dir, "skipped")
    api_skipped = api.cost("llama-3.1-70b", input_len=INPUT_LEN, output_len=OUTPUT_LEN)["skipped"]
    missing = {s["accelerator"] for s in api_skipped if s["status"] == "missing_price"}
    listed = {
        r["accelerator"]
        for r in skipped
        if r["model"] == "llama-3.1-70b" and r["status"] == "missing_price"
    }
    runs = {r["accelerator"] for r in read_csv(report_dir, "chips_llama-3.1-70b")}
    assert missing & runs and listed == missing & runs
    priced_out = [r for r in skipped if r["status"] == "missing_price"]
    assert all("no sourced purchase price" in r["reason"] for r in priced_out)
    # and an unpriced chip still shows its throughput, with no cost
    chip = sorted(missing & runs)[0]
    row = next(r for r in read_csv(report_dir, "chips_llama-3.1-70b") if r["accelerator"] == chip)
    assert float(row["output_tokens_per_s_per_chip_offline"]) > 0
    assert row["usd_per_million_output_tokens_offline"] == ""


@pytest.mark.slow
def test_tco_totals_equal_the_api(report_dir: Path) -> None:
    rows = read_csv(report_dir, "tco")
    assert {r["accelerator"] for r in rows} >= {"nvidia-h100-sxm", "nvidia-b200"}
    for r in rows:
        t = api.tco(r["accelerator"])
        assert float(r["total_usd_per_hour"]) == pytest.approx(t["total_usd_per_hour"], rel=1e-12)
        assert float(r["power_usd_per_hour"]) == pytest.approx(
            t["lines_usd_per_hour"]["power"], rel=1e-12
        )
    page = (report_dir / "report.html").read_text()
    h100 = api.tco("nvidia-h100-sxm")["total_usd_per_hour"]
    assert f"{h100:.3f}" in page


@pytest.mark.slow
def test_reasoning_factors_equal_the_api(report_dir: Path) -> None:
    row = next(
        r
        for r in read_csv(report_dir, "reasoning")
        if r["model"] == "llama-3.1-70b"
        and r["accelerator"] == "nvidia-b200"
        and r["samples"] == "1"
    )
    a = api.reasoning(
        "llama-3.1-70b",
        "nvidia-b200",
        hidden_tokens=8000,
        visible_tokens=500,
        input_len=INPUT_LEN,
        small_model="llama-3.1-8b",
    )
    assert float(row["reasoning_usd_per_query"]) == pytest.approx(
        a["reasoning"]["usd_per_query"], rel=1e-12
    )
    assert float(row["factor_lost_batch"]) == pytest.approx(
        a["factor_over_direct"]["lost_batch"], rel=1e-12
    )


@pytest.mark.slow
def test_every_assumption_has_a_resolved_source(report_dir: Path) -> None:
    rows = read_csv(report_dir, "assumptions")
    sources = {r["id"]: r for r in read_csv(report_dir, "sources")}
    assert rows
    for r in rows:
        for sid in r["source"].split(", "):
            assert sid in sources, (r["name"], sid)
            assert sources[sid]["title"] and sources[sid]["date"]


@pytest.mark.slow
def test_refuses_to_overwrite(report_dir: Path) -> None:
    before = (report_dir / "report.html").stat().st_mtime_ns
    r = runner.invoke(app, ["report", "--out", str(report_dir)])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: out:")
    assert "already exist" in lines[0] and "--force" in lines[0]
    assert (report_dir / "report.html").stat().st_mtime_ns == before


def test_out_that_is_a_file_is_one_error_line(tmp_path: Path) -> None:
    f = tmp_path / "not-a-folder"
    f.write_text("x")
    r = runner.invoke(app, ["report", "--out", str(f)])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert lines == [f"error: out: {f} is a file, not a folder"]
    assert f.read_text() == "x"


def test_unrelated_files_in_the_folder_are_left_alone(tmp_path: Path) -> None:
    """A folder holding other files is fine; only the report's own names are refused."""
    from siliconomics.report.render import prepare_output

    (tmp_path / "notes.txt").write_text("mine")
    prepare_output(tmp_path, force=False, model_ids=SC.models)
    (tmp_path / "report.html").write_text("old")
    with pytest.raises(Exception, match="already exist"):
        prepare_output(tmp_path, force=False, model_ids=SC.models)
    prepare_output(tmp_path, force=True, model_ids=SC.models)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_one_question_one_answer_everywhere(report_dir: Path) -> None:
    """The same operating point through throughput, cost, reasoning, overview and the
    report's CSVs gives the same tokens/s (issue 9's acceptance test)."""
    from siliconomics.cli import app as cli_app

    chips_csv = {r["accelerator"]: r for r in read_csv(report_dir, "chips_llama-3.1-70b")}
    c = api.cost(
        "llama-3.1-70b", hardware=["nvidia-b200"], input_len=INPUT_LEN, output_len=OUTPUT_LEN
    )["rows"][0]
    t = api.throughput(
        "llama-3.1-70b",
        "nvidia-b200",
        c["chips"],
        input_len=INPUT_LEN,
        output_len=OUTPUT_LEN,
        frontier_points=0,
    )
    r = api.reasoning(
        "llama-3.1-70b",
        "nvidia-b200",
        hidden_tokens=0,
        visible_tokens=OUTPUT_LEN,
        input_len=INPUT_LEN,
    )
    per_chip = c["output_tokens_per_s_per_chip"]
    assert t["best"]["output_tokens_per_s_per_chip"] == per_chip
    assert r["direct"]["output_tokens_per_s_per_chip"] == per_chip
    assert float(chips_csv["nvidia-b200"]["output_tokens_per_s_per_chip_offline"]) == (
        pytest.approx(per_chip, rel=1e-12)
    )
    # The SLA question, likewise.
    c_sla = api.cost(
        "llama-3.1-70b",
        hardware=["nvidia-b200"],
        input_len=INPUT_LEN,
        output_len=OUTPUT_LEN,
        ttft_p99_s=TTFT_LIMIT_S,
        tpot_p99_s=TPOT_LIMIT_S,
    )["rows"][0]
    t_sla = api.throughput(
        "llama-3.1-70b",
        "nvidia-b200",
        c_sla["chips"],
        input_len=INPUT_LEN,
        output_len=OUTPUT_LEN,
        ttft_p99_s=TTFT_LIMIT_S,
        tpot_p99_s=TPOT_LIMIT_S,
        frontier_points=0,
    )
    assert (
        t_sla["best_sla"]["output_tokens_per_s_per_chip"] == (c_sla["output_tokens_per_s_per_chip"])
    )
    assert float(chips_csv["nvidia-b200"]["output_tokens_per_s_per_chip_sla"]) == (
        pytest.approx(c_sla["output_tokens_per_s_per_chip"], rel=1e-12)
    )
    # overview runs the same engine at 8 chips: equal to throughput --chips 8.
    ov = runner.invoke(cli_app, ["overview"])
    assert ov.exit_code == 0, ov.output
    t8 = api.throughput(
        "llama-3.1-70b", "nvidia-hgx-b200", 8, input_len=1024, output_len=1024, frontier_points=0
    )["best"]
    assert f"{t8['output_tokens_per_s_per_chip']:,.0f}" in ov.output
    # The frontier table's best offline point for 8 x HGX H100 is throughput's.
    best = [r for r in read_csv(report_dir, "frontier_best") if r["which"] == "offline"]
    t_h = api.throughput(
        "llama-3.1-70b",
        "nvidia-hgx-h100",
        8,
        input_len=INPUT_LEN,
        output_len=OUTPUT_LEN,
        ttft_p99_s=TTFT_LIMIT_S,
        tpot_p99_s=TPOT_LIMIT_S,
    )["best"]
    row = next(r for r in best if r["hardware"] == "nvidia-hgx-h100")
    assert float(row["output_tokens_per_s_per_chip"]) == pytest.approx(
        t_h["output_tokens_per_s_per_chip"], rel=1e-12
    )


ACME = """id: acme-x1
name: "Acme X1"
vendor: acme
kind: asic
launch_year: {value: 2026, source: user}
dense_tflop_per_s:
  bf16: {value: 1000, source: user}
  fp8: {value: 2000, source: user}
hbm:
  type: HBM3e
  capacity_gib: {value: 192, source: user}
  bandwidth_tb_per_s: {value: 6.0, source: user}
scale_up:
  fabric: "Acme link"
  bidirectional_bandwidth_gb_per_s: {value: 800, source: user}
  domain_chips: {value: 8, source: user}
tdp_w: {value: 800, source: user}
"""

ACME_PRICE = """accelerator: acme-x1
purchase_usd_per_chip:
  - {value: 15000, source: user, date: "2026-06", kind: estimate}
"""


@pytest.mark.slow
def test_a_new_vendor_reaches_cost_and_the_report_as_data(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    (overlay / "accelerators").mkdir(parents=True)
    (overlay / "accelerators" / "acme-x1.yaml").write_text(ACME)
    (overlay / "prices").mkdir()
    (overlay / "prices" / "acme-x1.yaml").write_text(ACME_PRICE)
    (overlay / "report").mkdir()
    scenario = (
        Path(__file__).parents[2] / "src/siliconomics/data/report/scenario.yaml"
    ).read_text()
    scenario = scenario.replace(
        "models: [llama-3.1-70b, llama-3.1-8b, deepseek-r1]", "models: [llama-3.1-8b]"
    )
    (overlay / "report" / "scenario.yaml").write_text(scenario)
    cat = api.get_catalog(overlay)
    c = api.cost("llama-3.1-8b", hardware=["acme-x1", "nvidia-h100-sxm"], catalog=cat)
    acme = next(r for r in c["rows"] if r["accelerator"] == "acme-x1")
    assert acme["vendor"] == "acme" and acme["validated"] is False
    assert acme["interval"]["group"].startswith("prior")
    out = tmp_path / "report"
    r = runner.invoke(app, ["report", "--out", str(out), "--catalog", str(overlay), "--jobs", "1"])
    assert r.exit_code == 0, r.output
    rows = {x["accelerator"]: x for x in read_csv(out, "chips_llama-3.1-8b")}
    assert rows["acme-x1"]["validation"].startswith("unvalidated")
    assert float(rows["acme-x1"]["usd_per_request_offline"]) == pytest.approx(
        acme["usd_per_request"], rel=1e-12
    )


@pytest.mark.slow
def test_worker_processes_give_the_same_report(tmp_path: Path) -> None:
    """The prefetch on worker processes only warms the engine's cache: the tables equal a
    report built in one process."""
    from dataclasses import replace

    from siliconomics.report import gather
    from siliconomics.serving import operating

    small = replace(
        SC,
        models=("llama-3.1-8b",),
        hardware=("nvidia-h100-sxm", "amd-mi300x", "google-tpu7x"),
        query_chips=("nvidia-h100-sxm",),
        frontier_model="llama-3.1-8b",
        frontier_hardware=("nvidia-hgx-h100",),
        training_hardware=("nvidia-hgx-h100", "aws-trn2-ultraserver"),
    )
    operating.clear_cache()
    two = gather(scenario=small, jobs=2)
    operating.clear_cache()
    one = gather(scenario=small, jobs=1)
    for name in (
        "chips_llama-3.1-8b",
        "reasoning",
        "frontier",
        "rental_costs",
        "training_run",
        "rl_stages",
        "rl_sensitivity",
    ):
        assert two.tables[name].rows == one.tables[name].rows, name


def test_bad_formats_are_refused_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "r"
    r = runner.invoke(app, ["report", "--out", str(out), "--weights", "fp9"])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert lines == ["error: weights: unknown value 'fp9'; allowed: bf16, fp8, fp4, int4"]
    assert not out.exists()


@pytest.mark.slow
def test_business_section_equals_the_api(report_dir: Path) -> None:
    """Issue 15: the H100 path, cluster IRR vs price and API margins are the api's answers."""
    path = read_csv(report_dir, "rental_path")
    r = api.rental("nvidia-h100-sxm")
    forecast = [p for p in path if p["which"] == "forecast"]
    assert float(forecast[0]["usd_per_hour"]) == pytest.approx(r["forecast"][0]["usd_per_hour"])
    irr = read_csv(report_dir, "neocloud_irr")
    assert {row["accelerator"] for row in irr} == {
        "nvidia-h100-sxm",
        "nvidia-h200-sxm",
        "nvidia-b200",
        "amd-mi300x",
    }
    row = next(
        x for x in irr if x["accelerator"] == "nvidia-h100-sxm" and x["usd_per_hour"] == "2.0"
    )
    n = api.neocloud("nvidia-h100-sxm", 1024, price_usd_per_hour=2.0, flat_price=True)
    assert float(row["project_irr_per_year"]) == pytest.approx(n["project_irr_per_year"])
    margins = read_csv(report_dir, "margins")
    assert len({m["model"] for m in margins}) == 2
    page = (report_dir / "report.html").read_text()
    assert "break-even" in page and "Cluster IRR vs flat rental price" in page


@pytest.mark.slow
def test_training_section_equals_the_api(report_dir: Path) -> None:
    """Issue 12: the frontier run per cluster and the RL split are api.train's and
    api.rl_cost's answers for the scenario's inputs; clusters that cannot be costed or run
    are listed with the reason."""
    rows = {r["hardware"]: r for r in read_csv(report_dir, "training_run")}
    assert list(rows) == list(SC.training_hardware)
    kw = {
        "chips": SC.training_chips,
        "seq_len": SC.training_seq_len,
        "global_batch_tokens": float(SC.training_global_batch_tokens),
        "precision": SC.training_precision,
        "tokens": SC.training_tokens,
    }
    h100 = api.train(SC.training_model, "nvidia-hgx-h100", **kw)
    row = rows["nvidia-hgx-h100"]
    assert row["layout"] == h100["layout_text"]
    assert row["validation"].startswith("validated")
    for key in ("mfu", "mfu_low", "mfu_high", "tokens_per_s_per_chip"):
        assert float(row[key]) == pytest.approx(h100[key], rel=1e-12), key
    for key in (
        "wall_clock_days",
        "wall_clock_days_high",
        "chip_hours",
        "cost_usd",
        "cost_usd_low",
    ):
        assert float(row[key]) == pytest.approx(h100["run"][key], rel=1e-12), key
    assert row["status"] == ""
    # TPU v5p: timed, not costed (no sourced price), unvalidated
    v5p = rows["google-tpu-v5p-pod"]
    assert v5p["cost_usd"] == "" and v5p["status"].startswith("not costed: chip_price_usd")
    assert v5p["validation"].startswith("unvalidated") and float(v5p["wall_clock_days"]) > 0
    # Trainium2 beyond one UltraServer: no sourced scale-out bandwidth, not run
    trn2 = rows["aws-trn2-ultraserver"]
    assert "scale-out bandwidth" in trn2["status"] and trn2["mfu"] == ""
    rl = api.rl_cost(
        SC.rl_model,
        SC.rl_hardware,
        chips=SC.rl_chips,
        prompts_per_step=SC.rl_prompts_per_step,
        samples_per_prompt=SC.rl_samples_per_prompt,
        prompt_tokens=SC.rl_prompt_tokens,
        rollout_tokens=SC.rl_rollout_tokens,
        steps=SC.rl_steps,
        reward_model=SC.rl_reward_model,
    )
    stages = {r["stage"]: r for r in read_csv(report_dir, "rl_stages")}
    inference = sum(
        float(r["share_of_chip_time"]) for r in stages.values() if r["side"] == "inference"
    )
    assert inference == pytest.approx(rl["inference_share"], rel=1e-12)
    assert float(stages["update"]["stage_s"]) == pytest.approx(rl["stage_s"]["update"], rel=1e-12)
    sens = read_csv(report_dir, "rl_sensitivity")
    assert [r["case"] for r in sens] == ["as stated", *(s["case"] for s in rl["sensitivity"])]
    assert float(sens[0]["cost_usd"]) == pytest.approx(rl["cost_usd"], rel=1e-12)
    page = (report_dir / "report.html").read_text()
    assert f"{rl['inference_share']:.0%} of chip time is inference" in page
