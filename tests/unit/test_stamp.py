"""Provenance stamp: a deterministic catalog hash that follows the overlay's bytes, a git
commit that is a commit or None, and ``siliconomics --version``."""

import re
import types
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

import siliconomics
from siliconomics.catalog.loader import Catalog, builtin_data_dir
from siliconomics.catalog.roots import data_dirs, overlay_dirs
from siliconomics.cli import app
from siliconomics.stamp import build_stamp, catalog_sha256, git_commit


def bare_catalog(files: dict[str, Path] | None = None) -> Catalog:
    """A Catalog with no entries; only ``files`` matters to the stamp."""
    return Catalog({}, {}, {}, {}, {}, {}, files or {})


def overlay_catalog(root: Path, text: str) -> Catalog:
    """An overlay folder holding one accelerator file, and a Catalog that records it the way
    the loader does (entry id -> file)."""
    path = root / "accelerators" / "my-chip.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return bare_catalog({"my-chip": path})


def test_builtin_hash_is_deterministic_and_hex() -> None:
    a = catalog_sha256(bare_catalog())
    b = catalog_sha256(bare_catalog())
    assert a == b
    assert re.fullmatch(r"[0-9a-f]{64}", a)


def test_overlay_is_found_from_the_catalog_files(tmp_path: Path) -> None:
    cat = overlay_catalog(tmp_path / "ov", "id: my-chip\n")
    assert overlay_dirs(cat) == ((tmp_path / "ov").resolve(),)
    assert data_dirs(cat) == (builtin_data_dir().resolve(), (tmp_path / "ov").resolve())
    # entries of the built-in folder name no overlay
    builtin_file = next((builtin_data_dir() / "models").glob("*.yaml"))
    assert overlay_dirs(bare_catalog({"m": builtin_file})) == ()


def test_a_recorded_overlay_folder_is_used_as_is(tmp_path: Path) -> None:
    (tmp_path / "api_prices.yaml").write_text("[]\n")
    cat = types.SimpleNamespace(files={}, overlay=tmp_path)
    assert overlay_dirs(cat) == (tmp_path.resolve(),)  # type: ignore[arg-type]


def test_hash_changes_when_an_overlay_file_changes(tmp_path: Path) -> None:
    builtin = catalog_sha256(bare_catalog())
    one = catalog_sha256(overlay_catalog(tmp_path / "ov", "id: my-chip\ntdp_w: 700\n"))
    same = catalog_sha256(overlay_catalog(tmp_path / "ov", "id: my-chip\ntdp_w: 700\n"))
    changed = catalog_sha256(overlay_catalog(tmp_path / "ov", "id: my-chip\ntdp_w: 701\n"))
    assert one == same
    assert len({builtin, one, changed}) == 3


def test_hash_does_not_depend_on_where_the_overlay_lives(tmp_path: Path) -> None:
    text = "id: my-chip\n"
    a = catalog_sha256(overlay_catalog(tmp_path / "a", text))
    b = catalog_sha256(overlay_catalog(tmp_path / "elsewhere" / "b", text))
    assert a == b


def test_hidden_files_and_caches_are_not_hashed(tmp_path: Path) -> None:
    cat = overlay_catalog(tmp_path / "ov", "id: my-chip\n")
    before = catalog_sha256(cat)
    (tmp_path / "ov" / ".DS_Store").write_bytes(b"junk")
    (tmp_path / "ov" / "__pycache__").mkdir()
    (tmp_path / "ov" / "__pycache__" / "x.pyc").write_bytes(b"junk")
    assert catalog_sha256(cat) == before


def test_stamp_fields() -> None:
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    s = build_stamp(bare_catalog(), now=now)
    assert set(s) == {"version", "git_commit", "catalog_sha256", "made_utc"}
    assert s["version"] == siliconomics.__version__
    assert s["made_utc"] == "2026-03-04T05:06:07+00:00"
    assert s["catalog_sha256"] == catalog_sha256(bare_catalog())
    assert s["git_commit"] is None or re.fullmatch(r"[0-9a-f]{4,40}", s["git_commit"])


def test_git_commit_is_none_outside_a_checkout(tmp_path: Path) -> None:
    assert git_commit(tmp_path) is None
    assert git_commit(tmp_path / "missing") is None


def test_version_flag() -> None:
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"siliconomics {siliconomics.__version__}"
    assert re.fullmatch(r"\d+\.\d+.*|0\+unknown", siliconomics.__version__)
