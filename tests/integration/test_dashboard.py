"""The ``serve`` dashboard end to end: a real server on a free port, driven by headless
Chromium through Playwright (Debian's ``chromium``, which ``.ci/run`` installs), and its HTTP
routes and command line without a browser. The numbers on the page must be the api's own."""

from __future__ import annotations

import json
import shutil
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from siliconomics import api, web
from siliconomics.catalog import Catalog
from siliconomics.cli import app as cli_app
from siliconomics.errors import SiliconomicsError

pytestmark = pytest.mark.skipif(web.MISSING is not None, reason="the [web] extra is not installed")

#: A small question so the first search takes about two seconds on one core.
HW = ("nvidia-h100-sxm", "amd-mi300x")
QUERY = "model=llama-3.1-8b&chips=1&hw=nvidia-h100-sxm&hw=amd-mi300x"


def api_cost(catalog: Catalog, **kw: Any) -> dict[str, Any]:
    return api.cost("llama-3.1-8b", hardware=list(HW), chips=1, catalog=catalog, **kw)


@pytest.fixture(scope="module")
def base(catalog: Catalog) -> Iterator[str]:
    with web.running(web.create_app(catalog)) as url:
        yield url


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# --- HTTP routes, no browser ---------------------------------------------------------------


def test_csv_is_exactly_the_rows_plotted(base: str, catalog: Catalog) -> None:
    status, text = get(f"{base}/csv/cost/cost?{QUERY}")
    assert status == 200
    lines = text.strip().split("\n")
    assert lines[0].split(",")[:2] == ["rank", "chip"]
    rows = api_cost(catalog)["rows"]
    assert len(lines) == 1 + len(rows)
    for line, row in zip(lines[1:], rows, strict=True):
        cells = line.split(",")
        assert cells[1] == row["accelerator"]
        assert float(cells[6]) == row["usd_per_million_output_tokens"]  # full precision


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("model=/etc/passwd", "model: unknown value '/etc/passwd'; allowed: deepseek-r1"),
        ("chips=two", "chips: must be an integer, got 'two'"),
        ("ttft_p99=nan", "ttft_p99: must be a finite number, got nan"),
        ("sql=select+1", "parameter: unknown value 'sql'"),
        ("pue=0.5", "override pue: 0.5 is outside the allowed range [1.0, 3.0] (ratio)"),
    ],
)
def test_bad_values_are_one_line_no_file_read(base: str, query: str, expected: str) -> None:
    status, html = get(f"{base}/view/cost?{query}")
    assert status == 422
    line = html.split('id="error">', 1)[1].split("</p>", 1)[0]
    assert "\n" not in line and "Traceback" not in html
    assert line.replace("&#x27;", "'").startswith(f"error: {expected}")


def test_unknown_view_and_chart_are_404(base: str) -> None:
    assert get(f"{base}/view/nope")[0] == 404
    assert get(f"{base}/csv/cost/nope?{QUERY}")[0] == 404


def test_serve_refuses_a_busy_port_in_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = CliRunner().invoke(cli_app, ["serve", "--port", str(port)])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        f"error: --port: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "choose another port"
    ]


def test_serve_without_the_web_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "MISSING", "fastapi")
    r = CliRunner().invoke(cli_app, ["serve"])
    assert r.exit_code == 2
    assert r.output.strip() == (
        'error: the dashboard needs the web extra: pip install "siliconomics[web]" '
        "(fastapi is not installed)"
    )


# --- In a real browser -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium on PATH (apt-get install chromium; .ci/run does it in CI)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


def shown(page: Any, chart: str, key: str) -> dict[str, float]:
    """{chip: value} of one column of a chart's table, as the page holds it."""
    page.wait_for_selector("body[data-ready='1']")
    cells = page.eval_on_selector_all(
        f"#table-{chart} tr",
        """rows => rows.slice(1).map(r => [
            JSON.parse(r.querySelector('td[data-key="accelerator"]').dataset.value),
            JSON.parse(r.querySelector('td[data-key="KEY"]').dataset.value)])""".replace(
            "KEY", key
        ),
    )
    return dict(cells)


def settle(page: Any, action: Any) -> None:
    """Run ``action`` and wait until the page has drawn the answer it asked for."""
    before = int(page.evaluate("document.body.dataset.renders"))
    action()
    page.wait_for_function(
        f"Number(document.body.dataset.renders) > {before} && document.body.dataset.ready === '1'"
    )


def plotted(page: Any, chart: str) -> list[float]:
    return page.evaluate(f"document.getElementById('plot-{chart}').data[0].y")


def test_browser_numbers_bookmark_and_error(base: str, browser: Any, catalog: Catalog) -> None:
    page = browser.new_page()
    page.goto(f"{base}/view/cost?{QUERY}")
    want = api_cost(catalog)
    key = "usd_per_million_output_tokens"
    assert shown(page, "cost", key) == {r["accelerator"]: r[key] for r in want["rows"]}
    assert plotted(page, "cost") == [r[key] for r in want["rows"]]
    perf = api.performance_of(want)["rows"]
    assert plotted(page, "perf") == [r["output_tokens_per_s_per_chip"] for r in perf]

    # change an input: the page reloads with it in the URL and the api's new numbers
    page.fill("#f-electricity_usd_per_kwh", "0.25")
    settle(page, lambda: page.press("#f-electricity_usd_per_kwh", "Enter"))
    assert "electricity_usd_per_kwh=0.25" in page.url
    changed = api_cost(catalog, overrides={"electricity_usd_per_kwh": 0.25})
    expected = {r["accelerator"]: r[key] for r in changed["rows"]}
    assert shown(page, "cost", key) == expected
    assert expected != {r["accelerator"]: r[key] for r in want["rows"]}

    # the bookmarked URL reopens the same view, inputs included
    bookmark = page.url
    page.goto("about:blank")
    page.goto(bookmark)
    assert shown(page, "cost", key) == expected
    assert page.input_value("#f-electricity_usd_per_kwh") == "0.25"

    # a bad value shows the api's one line, the same the command line prints
    with pytest.raises(SiliconomicsError) as exc:
        api_cost(catalog, input_len=-5)
    page.fill("#f-input_len", "-5")
    settle(page, lambda: page.press("#f-input_len", "Enter"))
    assert page.inner_text("#error") == f"error: {exc.value}"
    assert page.get_attribute("#reset", "href") == "/view/cost"
    page.close()


def test_browser_tco_view_matches_api(base: str, browser: Any, catalog: Catalog) -> None:
    page = browser.new_page()
    page.goto(f"{base}/view/tco?hw=nvidia-h100-sxm&cost_of_capital_per_year=0.12")
    page.wait_for_selector("body[data-ready='1']")
    want = api.tco("nvidia-h100-sxm", overrides={"cost_of_capital_per_year": 0.12}, catalog=catalog)
    bars = page.evaluate(
        "document.getElementById('plot-tco').data.filter(t => t.type === 'bar')"
        ".map(t => [t.name, t.y[0]])"
    )
    assert dict(bars) == want["lines_usd_per_hour"]
    assert json.dumps(sorted(dict(bars))) == json.dumps(sorted(want["lines_usd_per_hour"]))
    page.close()


@pytest.mark.parametrize(
    ("view", "query", "charts"),
    [
        ("frontier", "model=llama-3.1-8b&chips=1&hw=nvidia-h100-sxm", ["frontier"]),
        ("reasoning", "model=llama-3.1-8b&chips=1&hidden_tokens=2000", ["queries", "factors"]),
        ("train", "hw=nvidia-b200&train_chips=64&model=llama-3.1-8b", ["run", "step"]),
        ("datacenter", "systems=nvidia-hgx-h100&model=llama-3.1-8b", ["capex", "tokens"]),
        ("neocloud", "fleet_chips=512&debt_share=0.5", ["cash", "tornado"]),
        ("market", "scenario=asic-50-50&draws=200&through=2027", ["revenue", "share"]),
    ],
)
def test_every_view_draws_its_charts(base: str, view: str, query: str, charts: list[str]) -> None:
    status, html = get(f"{base}/view/{view}?{query}")
    assert status == 200, html.split('id="error">')[-1][:300]
    for chart in charts:
        assert f'id="plot-{chart}"' in html
        status, text = get(f"{base}/csv/{view}/{chart}?{query}")
        assert status == 200 and len(text.strip().split("\n")) >= 2


def test_neocloud_view_shows_the_api_irr(base: str, catalog: Catalog) -> None:
    want = api.neocloud("nvidia-h100-sxm", 512, debt_share=0.5, catalog=catalog)
    _, html = get(f"{base}/view/neocloud?fleet_chips=512&debt_share=0.5")
    low, high = want["project_irr_per_year_low"], want["project_irr_per_year_high"]
    irr = f"{want['project_irr_per_year']:.1%} ({low:.1%} to {high:.1%}) per year"
    assert f"project IRR {irr}" in html


def test_market_view_plots_the_api_fan(base: str, catalog: Catalog) -> None:
    """The market CSV is api.market's quarters, at full precision: the fan chart shows
    exactly the p10/p50/p90 the api computed for the same scenario and draws."""
    want = api.market("asic-50-50", through=2027, draws=200, catalog=catalog)
    status, text = get(f"{base}/csv/market/share?scenario=asic-50-50&draws=200&through=2027")
    assert status == 200
    lines = text.strip().split("\n")[1:]
    expected = [q for q in want["quarters"] if "NVIDIA" in q["share_by_revenue"]]
    assert len(lines) == len(expected)
    for line, q in zip(lines, expected, strict=True):
        quarter, p50, p10, p90 = line.split(",")
        nv = q["share_by_revenue"]["NVIDIA"]
        assert quarter == q["quarter"]
        assert (float(p50), float(p10), float(p90)) == (nv["p50"], nv["p10"], nv["p90"])
    _, html = get(f"{base}/view/market?scenario=nope")
    assert "scenario: unknown value &#x27;nope&#x27;; allowed: asic-50-50, base" in html


def test_serve_port_range_and_host_warning() -> None:
    r = CliRunner().invoke(cli_app, ["serve", "--port", "0"])
    assert r.exit_code == 2
    assert r.output.strip() == "error: --port: must be between 1 and 65535, got 0"
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        port = s.getsockname()[1]
        r = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--port", str(port)])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("warning: --host 0.0.0.0 exposes the dashboard to every machine")
    assert lines[1].startswith(f"error: --port: cannot listen on 0.0.0.0:{port}")
