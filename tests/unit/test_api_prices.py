"""API list prices: the built-in file loads, every row is sourced and dated, an overlay adds
and replaces rows, and a bad file is one clear error line naming the row and the field."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from siliconomics.catalog import builtin_catalog, load_catalog
from siliconomics.catalog.api_prices import FILE_NAME, load_api_prices, read_api_prices_file
from siliconomics.catalog.loader import builtin_data_dir
from siliconomics.catalog.schema import DATE_RE
from siliconomics.errors import SiliconomicsError

GOOD_ROW = {
    "model": "llama-3.1-8b",
    "provider": "Example Cloud",
    "usd_per_million_input_tokens": {"value": 0.1, "source": "user"},
    "usd_per_million_output_tokens": {"value": 0.2, "source": "user"},
    "date": "2026-01-31",
    "note": "test row",
}


def write_rows(path: Path, rows: object) -> Path:
    path.write_text(yaml.safe_dump(rows, sort_keys=False))
    return path


def test_builtin_prices_load_and_are_sourced_and_dated() -> None:
    cat = builtin_catalog()
    prices = load_api_prices(cat)
    assert len(prices) >= 10
    assert len({p.provider for p in prices}) >= 3
    for p in prices:
        assert p.model in cat.models
        assert DATE_RE.match(p.date), p
        for sid in (p.input_source, p.output_source):
            src = cat.sources[sid]
            assert src.url.startswith("https://") and src.date, sid
        assert 0.0 <= p.usd_per_million_input_tokens < 100.0
        assert 0.0 <= p.usd_per_million_output_tokens < 100.0
    # one row exactly as the file writes it
    groq = next(p for p in prices if p.provider == "Groq" and p.model == "llama-3.3-70b")
    assert (groq.usd_per_million_input_tokens, groq.usd_per_million_output_tokens) == (0.59, 0.79)
    assert groq.date == "2025-08-12" and groq.input_source == "API-GP-GROQ"


def test_builtin_rows_are_unique() -> None:
    prices = load_api_prices(builtin_catalog())
    assert len({p.key for p in prices}) == len(prices)


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    """An overlay folder with one model (a copy of a built-in one, so the loader records
    the folder) and its own api_prices.yaml."""
    root = tmp_path / "overlay"
    (root / "models").mkdir(parents=True)
    shutil.copy(builtin_data_dir() / "models" / "llama-3.1-8b.yaml", root / "models")
    return root


def test_overlay_rows_are_added_and_replace_the_same_key(overlay: Path) -> None:
    builtin = load_api_prices(builtin_catalog())
    groq = next(p for p in builtin if p.provider == "Groq" and p.model == "llama-3.1-8b")
    replaced = {
        **GOOD_ROW,
        "provider": "Groq",
        "date": groq.date,
        "usd_per_million_output_tokens": {"value": 9.0, "source": "user"},
    }
    write_rows(overlay / FILE_NAME, [GOOD_ROW, replaced])
    prices = load_api_prices(load_catalog(overlay))
    assert len(prices) == len(builtin) + 1
    added = [p for p in prices if p.provider == "Example Cloud"]
    assert [(p.usd_per_million_input_tokens, p.note) for p in added] == [(0.1, "test row")]
    mine = next(p for p in prices if p.key == groq.key)
    assert mine.usd_per_million_output_tokens == 9.0 and mine.output_source == "user"


def test_an_empty_overlay_file_adds_nothing(overlay: Path) -> None:
    (overlay / FILE_NAME).write_text("# nothing yet\n")
    assert load_api_prices(load_catalog(overlay)) == load_api_prices(builtin_catalog())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"usd_per_million_input_tokens": {"value": -0.1, "source": "user"}},
            r"row 2: field 'usd_per_million_input_tokens\.value': .*greater than or equal to 0",
        ),
        (
            {"usd_per_million_output_tokens": {"value": float("inf"), "source": "user"}},
            r"row 2: field 'usd_per_million_output_tokens\.value': .*finite",
        ),
        (
            {"usd_per_million_output_tokens": {"value": "cheap", "source": "user"}},
            r"row 2: field 'usd_per_million_output_tokens\.value'",
        ),
        ({"model": "llama-9-1t"}, r"row 2: field 'model': 'llama-9-1t' is not a catalog model id"),
        (
            {"usd_per_million_input_tokens": {"value": 0.1, "source": "NOPE"}},
            r"row 2: field 'usd_per_million_input_tokens\.source': source id 'NOPE' is not in",
        ),
        ({"date": "last week"}, r"row 2: field 'date': .*YYYY"),
        ({"price_usd": 1.0}, r"row 2: field 'price_usd': Extra inputs are not permitted"),
        ({"provider": ""}, r"row 2: field 'provider'"),
    ],
)
def test_bad_row_is_one_line_naming_the_field(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    path = write_rows(tmp_path / FILE_NAME, [GOOD_ROW, {**GOOD_ROW, **change}])
    with pytest.raises(SiliconomicsError) as exc:
        read_api_prices_file(path, builtin_catalog())
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(f"{path}: ")
    assert re.search(expected, msg), msg


def test_missing_field_is_named(tmp_path: Path) -> None:
    row = {k: v for k, v in GOOD_ROW.items() if k != "date"}
    path = write_rows(tmp_path / FILE_NAME, [row])
    with pytest.raises(SiliconomicsError, match=r"row 1: field 'date': Field required"):
        read_api_prices_file(path, builtin_catalog())


def test_duplicate_row_in_one_file(tmp_path: Path) -> None:
    path = write_rows(tmp_path / FILE_NAME, [GOOD_ROW, GOOD_ROW])
    with pytest.raises(SiliconomicsError, match=r"row 2: field 'date': .*already listed"):
        read_api_prices_file(path, builtin_catalog())


def test_not_a_list_and_malformed_yaml(tmp_path: Path) -> None:
    path = write_rows(tmp_path / FILE_NAME, {"rows": [GOOD_ROW]})
    with pytest.raises(SiliconomicsError, match="expected a list of price rows"):
        read_api_prices_file(path, builtin_catalog())
    path.write_text("- model: [unclosed\n")
    with pytest.raises(SiliconomicsError, match="malformed YAML"):
        read_api_prices_file(path, builtin_catalog())


def test_integer_prices_are_accepted(tmp_path: Path) -> None:
    row = {**GOOD_ROW, "usd_per_million_output_tokens": {"value": 3, "source": "user"}}
    (price,) = read_api_prices_file(write_rows(tmp_path / FILE_NAME, [row]), builtin_catalog())
    assert price.usd_per_million_output_tokens == 3.0
    assert isinstance(price.usd_per_million_output_tokens, float)
