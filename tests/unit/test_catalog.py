"""Catalog data: every number sourced and dated, units converted right, bad files rejected."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from siliconomics.catalog import load_catalog
from siliconomics.catalog.dtypes import DType
from siliconomics.catalog.loader import builtin_data_dir
from siliconomics.errors import SiliconomicsError

REQUIRED_CHIPS = {
    "nvidia-a100-sxm": ("nvidia", "gpu"),
    "nvidia-h100-sxm": ("nvidia", "gpu"),
    "nvidia-h100-pcie": ("nvidia", "gpu"),
    "nvidia-h200-sxm": ("nvidia", "gpu"),
    "nvidia-b200": ("nvidia", "gpu"),
    "nvidia-gb200": ("nvidia", "gpu"),
    "nvidia-b300": ("nvidia", "gpu"),
    "nvidia-gb300": ("nvidia", "gpu"),
    "amd-mi250x": ("amd", "gpu"),
    "amd-mi300x": ("amd", "gpu"),
    "amd-mi325x": ("amd", "gpu"),
    "amd-mi355x": ("amd", "gpu"),
    "google-tpu-v4": ("google", "asic"),
    "google-tpu-v5e": ("google", "asic"),
    "google-tpu-v5p": ("google", "asic"),
    "google-tpu-v6e": ("google", "asic"),
    "google-tpu7x": ("google", "asic"),
    "aws-trainium1": ("aws", "asic"),
    "aws-trainium2": ("aws", "asic"),
    "aws-trainium3": ("aws", "asic"),
    "aws-inferentia2": ("aws", "asic"),
    "intel-gaudi2": ("intel", "asic"),
    "intel-gaudi3": ("intel", "asic"),
}
REQUIRED_MODELS = {
    "llama-2-70b",
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "mixtral-8x7b",
    "deepseek-v3",
    "deepseek-r1",
    "qwen3-32b",
    "qwen3-235b-a22b",
    "gpt-oss-120b",
    "llama-4-scout",
    "llama-4-maverick",
}
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def test_required_chips_have_vendor_and_kind(catalog):
    for chip_id, (vendor, kind) in REQUIRED_CHIPS.items():
        chip = catalog.accelerator(chip_id)
        assert (chip.vendor, chip.kind.value) == (vendor, kind), chip_id


def test_required_models_and_systems_present(catalog):
    assert set(catalog.models) >= REQUIRED_MODELS
    for sys_id in (
        "nvidia-hgx-h100",
        "nvidia-hgx-h200",
        "nvidia-hgx-b200",
        "nvidia-gb200-nvl72",
        "nvidia-gb300-nvl72",
        "amd-mi300x-8gpu",
        "amd-mi325x-8gpu",
        "amd-mi355x-8gpu",
        "google-tpu-v5e-pod",
        "google-tpu-v6e-pod",
        "google-tpu7x-pod",
        "aws-trn2-ultraserver",
        "aws-trn3-ultraserver",
    ):
        assert catalog.system(sys_id).accelerator in catalog.accelerators


def test_every_number_has_a_resolvable_source_and_date(catalog):
    entries = [
        *catalog.accelerators.values(),
        *catalog.systems.values(),
        *catalog.calibrations.values(),
    ]
    checked = 0
    for entry in entries:
        for field, prov in entry.provenance.items():
            assert prov.source in catalog.sources, f"{entry.id}.{field}: {prov.source}"
            assert DATE.match(prov.date), f"{entry.id}.{field}: date {prov.date!r}"
            checked += 1
    for points in catalog.prices.values():
        for p in points:
            assert p.source in catalog.sources and DATE.match(p.date)
            checked += 1
    for m in catalog.models.values():
        assert m.source in catalog.sources, m.id
    assert checked > 300


def test_every_accelerator_number_is_provenanced(catalog):
    """No SI field is set without provenance (a number cannot enter unsourced)."""
    for chip in catalog.accelerators.values():
        for dt in chip.peak_flop_per_s:
            assert f"peak_flop_per_s.{dt}" in chip.provenance
        for fld in (
            "hbm_bytes",
            "hbm_bandwidth_bytes_per_s",
            "tdp_w",
            "sram_bytes",
            "scale_up_bandwidth_bytes_per_s_per_direction",
        ):
            if getattr(chip, fld) is not None:
                assert fld in chip.provenance, (chip.id, fld)


def test_units_are_converted_to_si(catalog):
    h100 = catalog.accelerator("nvidia-h100-sxm")
    assert h100.hbm_bytes == pytest.approx(80e9)
    assert h100.hbm_bandwidth_bytes_per_s == pytest.approx(3.35e12)
    assert h100.peak(DType.BF16) == pytest.approx(989.4e12)
    # NVLink 4: 900 GB/s bidirectional -> 450 GB/s per direction.
    assert h100.scale_up_bandwidth_bytes_per_s_per_direction == pytest.approx(450e9)
    # ConnectX-7: 400 Gb/s -> 50 GB/s per direction.
    assert h100.scale_out_bandwidth_bytes_per_s_per_direction == pytest.approx(50e9)
    # AWS quotes GiB: Trainium2 has 96 GiB.
    assert catalog.accelerator("aws-trainium2").hbm_bytes == pytest.approx(96 * 2**30)


def test_physical_ranges(catalog):
    for chip in catalog.accelerators.values():
        for dt, flops in chip.peak_flop_per_s.items():
            assert 1e11 < flops < 1e17, (chip.id, dt)
        if chip.hbm_bandwidth_bytes_per_s:
            assert 5e10 < chip.hbm_bandwidth_bytes_per_s < 1e14
        # Dense low-precision peaks never fall below the bf16 peak on the same chip.
        bf16 = chip.peak_flop_per_s.get(DType.BF16)
        for low in (DType.FP8, DType.FP4):
            if bf16 and low in chip.peak_flop_per_s:
                assert chip.peak_flop_per_s[low] >= bf16, (chip.id, low)


def test_unsupported_dtype_is_an_error_not_a_guess(catalog):
    with pytest.raises(SiliconomicsError, match="fp4 is not supported by nvidia-h100-sxm"):
        catalog.accelerator("nvidia-h100-sxm").peak(DType.FP4)


def test_file_names_match_ids():
    for kind in ("accelerators", "systems", "models"):
        for path in (builtin_data_dir() / kind).glob("*.yaml"):
            assert yaml.safe_load(path.read_text())["id"] == path.stem


@pytest.fixture()
def overlay(tmp_path: Path) -> Path:
    (tmp_path / "accelerators").mkdir()
    return tmp_path


def _h100_yaml() -> dict:
    return yaml.safe_load(
        (builtin_data_dir() / "accelerators" / "nvidia-h100-sxm.yaml").read_text()
    )


def test_overlay_overrides_and_adds(overlay):
    data = _h100_yaml()
    data["hbm"]["bandwidth_tb_per_s"] = {"value": 4.0, "source": "user"}
    (overlay / "accelerators" / "nvidia-h100-sxm.yaml").write_text(yaml.safe_dump(data))
    data["id"], data["name"] = "my-chip", "My chip"
    (overlay / "accelerators" / "my-chip.yaml").write_text(yaml.safe_dump(data))
    cat = load_catalog(overlay)
    assert cat.accelerator("nvidia-h100-sxm").hbm_bandwidth_bytes_per_s == pytest.approx(4e12)
    assert cat.accelerator("my-chip").hbm_bandwidth_bytes_per_s == pytest.approx(4e12)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["hbm"].__setitem__("bandwidth_tb_per_s", {"value": 3350, "source": "S03"}),
            r"field 'hbm.bandwidth_tb_per_s': .*outside the plausible range",
        ),
        (lambda d: d.__setitem__("tdp_w", {"value": -700, "source": "S03"}), r"field 'tdp_w'"),
        (lambda d: d.__setitem__("vendor", "NVIDIA"), r"field 'vendor': must be a lowercase id"),
        (lambda d: d.__setitem__("tdp_basis", "rack"), r"field 'tdp_basis': Input should be"),
        (lambda d: d.pop("name"), r"field 'name': Field required"),
        (lambda d: d.__setitem__("colour", "green"), r"field 'colour': Extra inputs"),
        (
            lambda d: d["hbm"].__setitem__("capacity_gb", {"value": 80, "source": "NOPE"}),
            r"source id 'NOPE' is not in sources.yaml",
        ),
        (lambda d: d.__setitem__("id", "other"), r"must match the file name"),
    ],
)
def test_bad_overlay_file_gives_one_clear_error(overlay, mutate, message):
    data = _h100_yaml()
    mutate(data)
    path = overlay / "accelerators" / "nvidia-h100-sxm.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SiliconomicsError, match=message) as exc:
        load_catalog(overlay)
    assert str(path) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_malformed_yaml_names_file_and_line(overlay):
    path = overlay / "accelerators" / "broken.yaml"
    path.write_text("id: broken\nname: [unclosed\n")
    with pytest.raises(SiliconomicsError, match=r"broken.yaml: malformed YAML \(line"):
        load_catalog(overlay)


def test_user_files_are_not_modified(overlay):
    data = _h100_yaml()
    path = overlay / "accelerators" / "nvidia-h100-sxm.yaml"
    text = yaml.safe_dump(data)
    path.write_text(text)
    load_catalog(overlay)
    assert path.read_text() == text


def test_overlay_must_be_a_folder(tmp_path):
    with pytest.raises(SiliconomicsError, match="is not a folder"):
        load_catalog(tmp_path / "missing")


def test_builtin_data_is_not_touched_by_overlay(overlay, catalog):
    shutil.copy(
        builtin_data_dir() / "accelerators" / "nvidia-h100-sxm.yaml", overlay / "accelerators"
    )
    assert load_catalog(overlay).accelerator("nvidia-h100-sxm") == catalog.accelerator(
        "nvidia-h100-sxm"
    )
