"""The report scenario's training fields (issue 12): optional, so scenario files written
before them still load, and checked against the catalog like the others."""

from pathlib import Path

import pytest

from siliconomics import api
from siliconomics.errors import SiliconomicsError
from siliconomics.report.scenario import TRAINING_DEFAULTS, builtin_path, load_scenario


def _without_training(text: str) -> str:
    keep = []
    skipping = False
    for line in text.splitlines():
        if line.startswith(("training_", "rl_")):
            skipping = True
            continue
        if skipping and line.startswith("  - "):
            continue
        skipping = False
        keep.append(line)
    return "\n".join(keep) + "\n"


def test_an_old_scenario_file_loads_with_the_training_defaults(tmp_path: Path) -> None:
    old = tmp_path / "scenario.yaml"
    old.write_text(_without_training(builtin_path().read_text()))
    assert "\ntraining_model:" not in old.read_text()
    sc = load_scenario(path=old)
    assert sc.training_model == "llama-3.1-405b"
    assert sc.training_tokens == 15.6e12
    assert sc.training_hardware == TRAINING_DEFAULTS["training_hardware"]
    assert sc.rl_model == "qwen3-32b" and sc.rl_chips == 64
    # the built-in file states the same workload as the defaults
    builtin = load_scenario()
    for key, value in TRAINING_DEFAULTS.items():
        assert getattr(builtin, key) == value, key


def test_a_training_model_not_in_the_catalog_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "scenario.yaml"
    bad.write_text(
        builtin_path().read_text().replace("rl_model: qwen3-32b", "rl_model: no-such-model")
    )
    with pytest.raises(SiliconomicsError, match="no-such-model"):
        load_scenario(path=bad).check(api.get_catalog())
    neg = tmp_path / "neg.yaml"
    neg.write_text(builtin_path().read_text().replace("training_chips: 16384", "training_chips: 0"))
    with pytest.raises(SiliconomicsError, match="training_chips"):
        load_scenario(path=neg)
