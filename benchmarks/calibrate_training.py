"""Fit each chip family's training GEMM efficiency to published training throughput.

Method: a grid over ``training_gemm_efficiency`` (0.30 ... 0.90), minimising the median
|log(predicted / measured)| of the stated-layout predictions over the family's rows in the
TRAINING half of data/validation/training_throughput.csv (ids hashing even,
validation.is_train); the other half is held out and its error reported separately, so a
reader can see how much of the accuracy is fit and how much is prediction. One parameter
per family; everything else in the step model keeps the inference calibration.

Run:  python benchmarks/calibrate_training.py
Prints the fitted value per family and the training and held-out errors; the values go
into src/siliconomics/data/calibration/<family>.yaml (source FIT-2026-11-TRAIN).
"""

from __future__ import annotations

import math
import statistics

from siliconomics import api
from siliconomics.errors import SiliconomicsError
from siliconomics.perf.resolve import resolve_hardware
from siliconomics.validation import is_train, load_training_rows, predict_training_row

GRID = [round(0.30 + 0.025 * i, 3) for i in range(25)]


def _errors(rows: list[dict[str, str]], cat: api.Catalog, eff: float) -> list[float]:
    out = []
    for row in rows:
        try:
            step, _ = predict_training_row(row, cat, searched=False, gemm_efficiency=eff)
        except SiliconomicsError:
            continue
        value = step.mfu if row["metric"] == "mfu" else step.tokens_per_s_per_chip
        out.append(math.log(value / float(row["value"])))
    return out


def main() -> None:
    cat = api.get_catalog()
    families: dict[str, list[dict[str, str]]] = {}
    for row in load_training_rows():
        hw, _ = resolve_hardware(row["hardware"], cat)
        families.setdefault(hw.calibration.id, []).append(row)
    for fam, rows in sorted(families.items()):
        train = [r for r in rows if is_train(r["id"])]
        held = [r for r in rows if not is_train(r["id"])]
        best = min(GRID, key=lambda e: statistics.median(abs(x) for x in _errors(train, cat, e)))
        tr = statistics.median(abs(math.expm1(x)) for x in _errors(train, cat, best))
        ho = _errors(held, cat, best)
        ho_text = f"{statistics.median(abs(math.expm1(x)) for x in ho):.1%}" if ho else "-"
        print(
            f"{fam}: training_gemm_efficiency {best} (train rows {len(train)}, median "
            f"{tr:.1%}; held-out rows {len(held)}, median {ho_text})"
        )


if __name__ == "__main__":
    main()
