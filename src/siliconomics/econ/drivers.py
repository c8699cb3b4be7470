"""Which chip specs go with cheap tokens: rank correlations over a cost table.

For the chips a cost table priced, each spec (HBM bandwidth or bf16 FLOP/s per TCO dollar
per chip-hour, HBM capacity, HBM bandwidth) is set against the cost per million output
tokens with Spearman's rank correlation (scipy.stats.spearmanr: Pearson's r of the ranks,
ties at their mean rank), and the capacity and bandwidth against output tokens/s per chip
over every chip that runs the model. rho = -1 means "the more of this spec, the cheaper the
tokens" in perfect rank order. With a dozen chips, read it as a tendency, not a law.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from scipy.stats import spearmanr

from siliconomics.catalog.specs import Accelerator

#: (key, label) of the specs set against the cost ranking.
SPECS = (
    ("hbm_bandwidth_per_usd_hour", "HBM bandwidth per TCO dollar (TB/s per USD/chip-hour)"),
    ("bf16_flop_per_s_per_usd_hour", "bf16 FLOP/s per TCO dollar (TFLOP/s per USD/chip-hour)"),
    ("hbm_bytes", "HBM capacity"),
    ("hbm_bandwidth_bytes_per_s", "HBM bandwidth"),
)


def spearman(x: Sequence[float | None], y: Sequence[float]) -> float | None:
    """Spearman's rho over the pairs whose x is known; None below 3 pairs or when either
    side is constant (rho undefined)."""
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if a is not None]
    if len(pairs) < 3:
        return None
    xs, ys = [a for a, _ in pairs], [b for _, b in pairs]
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    rho = float(spearmanr(xs, ys).statistic)
    return None if math.isnan(rho) else rho


def spec_row(chip: Accelerator, usd_per_chip_hour: float) -> dict[str, Any]:
    """A chip's specs, and per TCO dollar per chip-hour."""
    bw = chip.hbm_bandwidth_bytes_per_s
    flops = chip.peak_flop_per_s.get("bf16")  # type: ignore[call-overload]
    return {
        "accelerator": chip.id,
        "chip_kind": chip.kind.value,
        "usd_per_chip_hour": usd_per_chip_hour,
        "hbm_bytes": chip.hbm_bytes,
        "hbm_bandwidth_bytes_per_s": bw,
        "bf16_flop_per_s": flops,
        "hbm_bandwidth_per_usd_hour": bw / usd_per_chip_hour if bw else None,
        "bf16_flop_per_s_per_usd_hour": flops / usd_per_chip_hour if flops else None,
    }


def drivers(
    tables: Mapping[str, Mapping[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]],
    chips: Mapping[str, Accelerator],
) -> dict[str, list[dict[str, Any]]]:
    """``tables[model][mode] = (cost rows, performance rows)`` -> the specs of every priced
    chip and one correlation row per model, mode and spec."""
    specs: dict[str, dict[str, Any]] = {}
    for modes in tables.values():
        for row in modes.get("offline", ([], []))[0]:
            specs[row["accelerator"]] = spec_row(
                chips[row["accelerator"]], row["usd_per_chip_hour"]
            )
    corr: list[dict[str, Any]] = []
    labels = dict(SPECS)
    for model, modes in tables.items():
        for mode, (cost_rows, perf_rows) in modes.items():
            cost = [r["usd_per_million_output_tokens"] for r in cost_rows]
            for key, label in SPECS:
                xs = [
                    (specs.get(r["accelerator"]) or spec_row(chips[r["accelerator"]], 1.0))[key]
                    for r in cost_rows
                ]
                corr.append(
                    {
                        "model": model,
                        "mode": mode,
                        "spec": key,
                        "spec_label": label,
                        "chips": len(cost_rows),
                        "spearman_rho_vs_cost": spearman(xs, cost),
                    }
                )
            tps = [p["output_tokens_per_s_per_chip"] for p in perf_rows]
            for key in ("hbm_bandwidth_bytes_per_s", "hbm_bytes"):
                xs = [spec_row(chips[p["accelerator"]], 1.0)[key] for p in perf_rows]
                corr.append(
                    {
                        "model": model,
                        "mode": mode,
                        "spec": f"{key} (vs tok/s per chip, all chips)",
                        "spec_label": labels[key],
                        "chips": len(perf_rows),
                        "spearman_rho_vs_tokens_per_s_per_chip": spearman(xs, tps),
                    }
                )
    return {"specs": sorted(specs.values(), key=lambda r: r["accelerator"]), "correlations": corr}
