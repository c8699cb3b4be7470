"""The calibrate command: efficiencies measured on the user's own accelerator (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from siliconomics import api
from siliconomics.cli.common import CatalogOpt, JsonOpt, app, emit_json, err, out, user_errors
from siliconomics.errors import SiliconomicsError
from siliconomics.outputs import check_file, write_file


@app.command()
@user_errors
def calibrate(
    hardware: Annotated[str, typer.Option(help="Catalog accelerator id of the local device")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Overlay folder to write (use it with --catalog)")
    ],
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="A recorded microbenchmark file instead of running them"),
    ] = None,
    record_out: Annotated[
        Path | None, typer.Option(help="Also save the microbenchmark record (JSON) here")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace files that exist")] = False,
    as_json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Measure GEMM, memory-copy and decode-attention efficiency (PyTorch, the [gpu] extra;
    or --from a recorded file) and write a --catalog overlay that uses them."""
    # Outputs are checked before the work (the runner takes minutes), then again per file.
    if out_dir.exists() and not out_dir.is_dir():
        raise SiliconomicsError(f"out: {out_dir} is a file, not a folder")
    if record_out is not None:
        check_file(record_out, "record-out", force=force)
    r = api.calibrate(hardware, from_file, api.get_catalog(catalog))
    for name in ("calibration", "accelerators"):
        (out_dir / name).mkdir(parents=True, exist_ok=True)
    paths = {out_dir / rel: text for rel, text in r["files"].items()}
    if record_out is not None:
        paths[record_out] = json.dumps(r["record"], indent=1) + "\n"
    for path in paths:
        check_file(path, "out", force=force)  # all checked before any is written
    for path, text in paths.items():
        write_file(path, text, "out", force=force)
    if as_json:
        emit_json({k: v for k, v in r.items() if k != "files"} | {"files": sorted(map(str, paths))})
        return
    t = Table(title=f"{r['hardware']} ({r['device']}, {r['date']})", title_justify="left")
    for c in ("parameter", f"family {r['family']}", "measured"):
        t.add_column(c)
    for name, v in r["parameters"].items():
        t.add_row(name, f"{v['family']:.3f}", f"{v['measured']:.3f}")
    out.print(t)
    err.print(f"wrote {len(paths)} files; use them with --catalog {out_dir}")
