"""Writing api answers to files: the throughput frontier as CSV, JSON or an HTML plot.

A shell-side helper: it formats what :func:`siliconomics.api.throughput` returned and
computes nothing. The CLI's ``--frontier-out`` and the report use it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from siliconomics.errors import SiliconomicsError
from siliconomics.outputs import check_file, write_file

FRONTIER_COLUMNS = (
    "mode",
    "chips",
    "parallelism",
    "weights",
    "kv",
    "max_num_seqs",
    "output_tokens_per_s",
    "output_tokens_per_s_low",
    "output_tokens_per_s_high",
    "output_tokens_per_s_per_chip",
    "output_tokens_per_s_per_user",
    "ttft_p99_s",
    "tpot_p99_s",
    "analytic_output_tokens_per_s",
    "validated",
)


def layout_text(point: dict[str, Any]) -> str:
    """'tp2pp1ep1dp4', or 'P:tp1pp1ep1dp3+D:tp4pp1ep1dp1' for a disaggregated split."""

    def one(p: dict[str, int]) -> str:
        return f"tp{p['tp']}pp{p['pp']}ep{p['ep']}dp{p['dp']}"

    if point.get("parallelism"):
        return one(point["parallelism"])
    return f"P:{one(point['prefill_parallelism'])}+D:{one(point['decode_parallelism'])}"


def frontier_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {c: (layout_text(p) if c == "parallelism" else p[c]) for c in FRONTIER_COLUMNS}
        for p in result["frontier"]
    ]


def frontier_csv(result: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(FRONTIER_COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerows(frontier_rows(result))
    return buf.getvalue()


def frontier_json(result: dict[str, Any]) -> str:
    return json.dumps(frontier_rows(result), indent=2)


def frontier_html(result: dict[str, Any], include_plotlyjs: bool | str = True) -> str:
    """The frontier as an HTML page drawn by plotly, with the interval as error bars.

    ``include_plotlyjs=True`` embeds plotly.js (about 3.5 MB) for offline viewing. PNG
    export needs kaleido, which is not a dependency.
    """
    import plotly.graph_objects as go

    rows = frontier_rows(result)
    y = [r["output_tokens_per_s_per_chip"] for r in rows]
    ratio_hi = [r["output_tokens_per_s_high"] / r["output_tokens_per_s"] for r in rows]
    ratio_lo = [r["output_tokens_per_s_low"] / r["output_tokens_per_s"] for r in rows]
    fig = go.Figure(
        go.Scatter(
            x=[r["output_tokens_per_s_per_user"] for r in rows],
            y=y,
            mode="lines+markers",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [v * (h - 1) for v, h in zip(y, ratio_hi, strict=True)],
                "arrayminus": [v * (1 - lo) for v, lo in zip(y, ratio_lo, strict=True)],
            },
            text=[
                f"{r['mode']} {r['parallelism']} {r['weights']}/{r['kv']} "
                f"max_num_seqs={r['max_num_seqs']}" + ("" if r["validated"] else " (unvalidated)")
                for r in rows
            ],
            hovertemplate="%{text}<br>%{x:.1f} tok/s/user<br>%{y:.1f} tok/s/chip",
        )
    )
    fig.update_layout(
        title=f"{result['model']} on {result['chips']} x {result['hardware']}: "
        f"ISL {result['input_tokens_mean']:.0f} / OSL {result['output_tokens_mean']:.0f}",
        xaxis_title="output tokens/s per user (1 / TPOT)",
        yaxis_title="output tokens/s per chip (80% interval)",
    )
    return str(fig.to_html(include_plotlyjs=include_plotlyjs, full_html=True))


WRITERS = {".csv": frontier_csv, ".json": frontier_json, ".html": frontier_html}


def check_frontier_path(path: Path, *, force: bool = False) -> None:
    """A known extension, and a path :func:`siliconomics.outputs.check_file` accepts:
    checked before the search runs."""
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise SiliconomicsError(
            f"frontier-out: unknown extension {suffix!r}; allowed: .csv, .json, .html"
        )
    check_file(path, "frontier-out", force=force)


def write_frontier(path: Path, result: dict[str, Any], *, force: bool = False) -> None:
    """Write the frontier atomically; an existing file is replaced only with ``force``."""
    check_frontier_path(path, force=force)
    write_file(path, WRITERS[path.suffix.lower()](result), "frontier-out", force=force)
