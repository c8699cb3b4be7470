"""A chip without a fitted family gets a conservative prior, labelled so; vendors are data."""

from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from siliconomics import api
from siliconomics.catalog import load_catalog
from siliconomics.catalog.loader import builtin_data_dir
from siliconomics.catalog.schema import CalibrationParams
from siliconomics.catalog.specs import Calibration, CalibrationMethod
from siliconomics.errors import SiliconomicsError

# Which way is "better" for each parameter. Engine settings are neither: they are what the
# serving engine is configured to do, not how well the chip runs it.
HIGHER_IS_BETTER = {
    "gemm_efficiency",
    "memory_efficiency",
    "attention_prefill_efficiency",
    "attention_decode_efficiency",
    "collective_bandwidth_efficiency",
}
LOWER_IS_BETTER = {
    "gemm_m_half_tokens",
    "kernel_overhead_s",
    "step_overhead_s",
    "collective_latency_s",
    "moe_load_imbalance",
}
ENGINE_SETTINGS = {"memory_reserve_fraction", "max_batch_sequences"}
# Optional parameters: absent, the model falls back to another one (training_gemm_efficiency
# to gemm_efficiency); higher is better.
OPTIONAL_HIGHER_IS_BETTER = {"training_gemm_efficiency"}


def test_every_parameter_has_a_direction():
    """A new calibration parameter must say which way is better before it can be a prior."""
    params = set(CalibrationParams.model_fields)
    required = HIGHER_IS_BETTER | LOWER_IS_BETTER | ENGINE_SETTINGS
    assert params == required | OPTIONAL_HIGHER_IS_BETTER
    assert required == {f.name for f in fields(Calibration) if f.type == "float"}
    assert {
        f.name for f in fields(Calibration) if f.type == "float | None"
    } == OPTIONAL_HIGHER_IS_BETTER


def test_optional_training_efficiency_is_no_better_on_the_prior(catalog):
    """The prior names no training GEMM efficiency, so it trains at its own (weakest)
    gemm_efficiency, below every family's fitted training value."""
    prior = catalog.calibrations["default"]
    assert prior.training_gemm_efficiency is None
    for fam in _fitted(catalog):
        if fam.training_gemm_efficiency is not None:
            assert prior.gemm_efficiency <= fam.training_gemm_efficiency, fam.id


def _fitted(catalog) -> list[Calibration]:
    fitted = [c for c in catalog.calibrations.values() if c.method is CalibrationMethod.FITTED]
    assert len(fitted) >= 6, [c.id for c in fitted]
    return fitted


def test_default_is_no_better_than_any_fitted_family(catalog):
    prior = catalog.calibrations["default"]
    assert prior.method is CalibrationMethod.PRIOR and prior.is_prior
    for fam in _fitted(catalog):
        for name in HIGHER_IS_BETTER:
            assert getattr(prior, name) <= getattr(fam, name), (name, fam.id)
        for name in LOWER_IS_BETTER:
            assert getattr(prior, name) >= getattr(fam, name), (name, fam.id)


def test_default_takes_each_value_from_the_weakest_fitted_family(catalog):
    """The prior is the bound itself, not something looser, and its note names a family
    that holds that value."""
    prior = catalog.calibrations["default"]
    fitted = _fitted(catalog)
    for name in HIGHER_IS_BETTER | LOWER_IS_BETTER:
        pick = min if name in HIGHER_IS_BETTER else max
        weakest = pick(getattr(f, name) for f in fitted)
        assert getattr(prior, name) == weakest, name
        note = prior.provenance[name].note
        assert note.startswith("weakest fitted family: "), (name, note)
        family = note.removeprefix("weakest fitted family: ").split()[0]
        assert getattr(catalog.calibrations[family], name) == weakest, (name, family)


def test_unvalidated_chips_are_labelled_prior_and_fitted_ones_fitted(catalog):
    assert catalog.calibration_for("google-tpu7x").id == "default"
    assert catalog.calibration_status("google-tpu7x") == "prior"
    assert catalog.calibration_for("nvidia-h100-sxm").id == "nvidia-hopper"
    assert catalog.calibration_status("nvidia-h100-sxm") == "fitted"
    for chip in catalog.accelerators.values():
        assert chip.calibration_id in catalog.calibrations, chip.id


def test_every_builtin_chip_file_names_its_family():
    for path in (builtin_data_dir() / "accelerators").glob("*.yaml"):
        assert "calibration" in yaml.safe_load(path.read_text()), path.name


@pytest.fixture()
def overlay(tmp_path: Path) -> Path:
    (tmp_path / "accelerators").mkdir()
    return tmp_path


def _acme_chip(**extra: object) -> dict:
    """A new vendor's chip, every number sourced to the user."""
    return {
        "id": "acme-x1",
        "name": "Acme X1",
        "vendor": "acme",
        "kind": "asic",
        "dense_tflop_per_s": {"bf16": {"value": 1000, "source": "user"}},
        "hbm": {
            "capacity_gb": {"value": 96, "source": "user"},
            "bandwidth_tb_per_s": {"value": 4.0, "source": "user"},
        },
        "tdp_w": {"value": 800, "source": "user"},
        **extra,
    }


def _write(overlay: Path, data: dict) -> Path:
    path = overlay / "accelerators" / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_chip_without_calibration_gets_the_prior(overlay):
    _write(overlay, _acme_chip())
    cat = load_catalog(overlay)
    assert cat.accelerator("acme-x1").calibration_id == "default"
    assert cat.calibration_for("acme-x1") is cat.calibrations["default"]
    assert cat.calibration_status("acme-x1") == "prior"


def test_new_vendor_loads_and_is_listed(overlay):
    _write(overlay, _acme_chip())
    cat = load_catalog(overlay)
    rows = {r["id"]: r for r in api.catalog_list("accelerator", cat)}
    assert rows["acme-x1"]["vendor"] == "acme"
    assert rows["acme-x1"]["chip_kind"] == "asic"


def test_overlay_chip_may_name_a_fitted_family(overlay):
    _write(overlay, _acme_chip(calibration="nvidia-hopper"))
    cat = load_catalog(overlay)
    assert cat.calibration_for("acme-x1").id == "nvidia-hopper"
    assert cat.calibration_status("acme-x1") == "fitted"


def test_unknown_calibration_id_is_one_clear_error(overlay):
    path = _write(overlay, _acme_chip(calibration="acme-family"))
    with pytest.raises(SiliconomicsError) as exc:
        load_catalog(overlay)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: field 'calibration': unknown calibration id 'acme-family'")
    assert "allowed: " in msg and "nvidia-hopper" in msg and "default" in msg


def test_tdp_basis_without_tdp_is_an_error(overlay):
    data = _acme_chip(tdp_basis="system_per_chip")
    del data["tdp_w"]
    path = _write(overlay, data)
    with pytest.raises(SiliconomicsError, match=r"tdp_basis 'system_per_chip' is given but tdp_w"):
        load_catalog(overlay)
    with pytest.raises(SiliconomicsError, match=str(path)):
        load_catalog(overlay)
