"""`report`: the HTML report and its CSVs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from siliconomics import api
from siliconomics import report as rep
from siliconomics.cli.common import (
    CatalogOpt,
    PrecisionOpt,
    SetOpt,
    TpotOpt,
    TtftOpt,
    WeightsOpt,
    app,
    err,
    out,
    overrides,
    user_errors,
)


@app.command()
@user_errors
def report(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for report.html and the CSV files")
    ] = Path("siliconomics-report"),
    force: Annotated[bool, typer.Option(help="Overwrite report files already in --out")] = False,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Models to compare (repeat; default: the scenario's)"),
    ] = None,
    input_len: Annotated[int | None, typer.Option(help="Prompt tokens per request")] = None,
    output_len: Annotated[int | None, typer.Option(help="Output tokens per request")] = None,
    ttft_p99: TtftOpt = None,
    tpot_p99: TpotOpt = None,
    weights: WeightsOpt = None,
    precision: PrecisionOpt = None,
    set_: SetOpt = None,
    jobs: Annotated[
        int | None,
        typer.Option(help="Worker processes for the simulations (default: 2 where cores allow)"),
    ] = None,
    catalog: CatalogOpt = None,
) -> None:
    """GPU vs ASIC report: one self-contained HTML file with charts, and every table as CSV.

    The questions come from the report scenario (data/report/scenario.yaml, or
    report/scenario.yaml in the --catalog overlay); the options override single fields.
    """

    cat = api.get_catalog(catalog)
    scenario = rep.load_scenario(cat, overlay=catalog).with_options(
        models=model,
        input_len=input_len,
        output_len=output_len,
        ttft_p99_s=ttft_p99,
        tpot_p99_s=tpot_p99,
        weights=weights,
        precision=precision,
        overrides=overrides(set_),
    )
    scenario.check(cat)
    # Fail before the work, not after it.
    rep.render.prepare_output(out_dir, force=force, model_ids=scenario.models)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        total = rep.step_count(scenario, cat) + rep.gather_prefetch_count(scenario, cat, jobs) + 1
        task = bar.add_task("gathering figures", total=total)
        data = rep.gather(
            lambda label: bar.update(task, advance=1, description=label),
            scenario=scenario,
            catalog=cat,
            overlay=str(catalog) if catalog else None,
            jobs=jobs,
        )
        bar.update(task, description="writing HTML and CSV")
        written = rep.write_report(data, out_dir, force=force)
        bar.update(task, advance=1)
    out.print(f"wrote {written[0]} and {len(written) - 1} CSV files in {out_dir}", highlight=False)
