"""How fast the dashboard's main view answers in a real browser, after the first load.

Run:  python benchmarks/dashboard_speed.py [--repeats N] [--screenshot PATH]

Starts the dashboard on a free port (as ``siliconomics serve`` does: the main view's default
answer computed before the first page), opens the main view (one model, eight chips, eight
chips per deployment) in headless Chromium, then times each interaction from the input's
change to the redrawn page (``body[data-ready]``): economic inputs (electricity, cost of
capital, the rental basis), whose answers reuse the cached operating points, and workload
inputs (prompt length, precision), which start new operating-point searches. The target is
under 1 s after the first load (DESIGN.md); docs/dashboard.md keeps the latest figures.
Needs the web extra, playwright and Debian's chromium.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from typing import Any

from playwright.sync_api import sync_playwright

from siliconomics import web


def change(page: Any, selector: str, value: str) -> float:
    """Seconds from setting an input to the new page drawn."""
    t0 = time.perf_counter()
    settle(page, lambda: set_input(page, selector, value))
    return time.perf_counter() - t0


def set_input(page: Any, selector: str, value: str) -> None:
    if page.get_attribute(selector, "type") == "text":
        page.fill(selector, value)
        page.press(selector, "Enter")
    else:
        page.select_option(selector, value)


def settle(page: Any, action: Any) -> None:
    """Run ``action`` and wait until the page has drawn the answer it asked for."""
    before = int(page.evaluate("document.body.dataset.renders"))
    action()
    page.wait_for_function(
        f"Number(document.body.dataset.renders) > {before} && document.body.dataset.ready === '1'"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5, help="repeats per economic input")
    ap.add_argument("--screenshot", help="write a PNG of the main view here")
    args = ap.parse_args()
    app = web.create_app()
    t0 = time.perf_counter()
    warm_s = web.warm(app)
    with web.running(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t1 = time.perf_counter()
        page.goto(f"{base}/view/cost")
        page.wait_for_selector("body[data-ready='1']")
        first_s = time.perf_counter() - t1
        print(f"startup (main view computed): {warm_s:.2f} s; first page load {first_s:.2f} s")
        if args.screenshot:
            page.screenshot(path=args.screenshot)
        econ: list[float] = []
        for i in range(args.repeats):
            econ.append(change(page, "#f-electricity_usd_per_kwh", f"{0.05 + 0.01 * i:.2f}"))
            econ.append(change(page, "#f-cost_of_capital_per_year", f"{0.06 + 0.01 * i:.2f}"))
            econ.append(change(page, "#f-basis", "rental" if i % 2 == 0 else "tco"))
        print(
            f"economic inputs ({len(econ)} changes): median {statistics.median(econ):.3f} s, "
            f"max {max(econ):.3f} s"
        )
        for label, sel, value in (
            ("prompt length 2048 (new search)", "#f-input_len", "2048"),
            ("precision fp4 (new search)", "#f-precision", "fp4"),
        ):
            print(f"{label}: {change(page, sel, value):.2f} s")
        t2 = time.perf_counter()
        settle(page, page.go_back)
        print(f"browser back to a cached answer: {time.perf_counter() - t2:.2f} s")
        browser.close()
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
