"""The dashboard's query-string reader: strings to the api's plain values, one-line errors,
catalog ids only (never a path), the economic inputs checked by the api's own parser."""

from __future__ import annotations

import pytest

from siliconomics import api
from siliconomics.catalog import Catalog
from siliconomics.errors import SiliconomicsError
from siliconomics.web.params import FIELDS, Choices, cache_key, parse


@pytest.fixture(scope="module")
def choices(catalog: Catalog) -> Choices:
    return Choices.of(catalog)


def test_defaults_and_types(choices: Choices) -> None:
    names = ("model", "chips", "ttft_p99", "hw", "basis", "pue")
    v = parse({"chips": ["4"], "ttft_p99": ["0.5"]}, names, choices, {"hw": ("nvidia-b200",)})
    assert v == {
        "model": "llama-3.1-70b",
        "chips": 4,
        "ttft_p99": 0.5,
        "hw": ("nvidia-b200",),
        "basis": "tco",
        "overrides": None,
    }


def test_ids_keep_order_and_drop_repeats(choices: Choices) -> None:
    q = {"hw": ["amd-mi300x", "nvidia-h100-sxm", "amd-mi300x", " "]}
    assert parse(q, ("hw",), choices)["hw"] == ("amd-mi300x", "nvidia-h100-sxm")


def test_overrides_go_through_the_api_parser(choices: Choices) -> None:
    q = {"electricity_usd_per_kwh": ["0.12"], "pue": [""]}
    v = parse(q, ("electricity_usd_per_kwh", "pue"), choices)
    assert v["overrides"] == api.overrides(["electricity_usd_per_kwh=0.12"])
    assert v["overrides"] == {"electricity_usd_per_kwh": 0.12}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"chips": ["1.5"]}, "chips: must be an integer, got '1.5'"),
        ({"ttft_p99": ["inf"]}, "ttft_p99: must be a finite number, got inf"),
        ({"chips": ["1", "2"]}, "chips: give one value, got 2"),
        ({"basis": ["free"]}, "basis: unknown value 'free'; allowed: rental, tco"),
        ({"model": ["../config.json"]}, "model: unknown value '../config.json'; allowed: "),
        ({"hw": ["/etc/passwd"]}, "hw: unknown value '/etc/passwd'; allowed: amd-mi250x"),
        ({"code": ["1"]}, "parameter: unknown value 'code'"),
        ({"pue": ["9"]}, "override pue: 9.0 is outside the allowed range [1.0, 3.0] (ratio)"),
    ],
)
def test_bad_values_are_one_line(choices: Choices, query: dict, message: str) -> None:
    with pytest.raises(SiliconomicsError) as exc:
        parse(query, tuple(FIELDS), choices)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_cache_key_is_order_free_and_hashable(choices: Choices) -> None:
    a = parse({"pue": ["1.2"], "utilisation": ["0.5"]}, ("pue", "utilisation"), choices)
    b = parse({"utilisation": ["0.5"], "pue": ["1.2"]}, ("utilisation", "pue"), choices)
    assert hash(cache_key(a)) == hash(cache_key(b)) and cache_key(a) == cache_key(b)
