"""Regenerate docs/playground.png: the optimizer playground at its Rosenbrock preset, with a phase map.

Run from the repository root:  python docs/make_playground_screenshot.py
Needs what the browser test needs: the plotly and playwright packages (pip install ".[test]") and
Debian's chromium at /usr/bin/chromium.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.playground.test_browser import ARGS, CHROMIUM  # noqa: E402
from tinygrad_edu.playground import server  # noqa: E402


def main():
    from playwright.sync_api import sync_playwright

    httpd = server.start_in_thread(0)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(httpd.url + "#preset=rosenbrock")
            page.wait_for_function(
                "document.body.dataset.ready === '1' && document.body.dataset.busy === '0'"
            )
            page.click("#sweep")
            page.wait_for_function("document.getElementById('sweep-status').textContent.includes(' s')")
            page.click("#end")
            path = ROOT / "docs" / "playground.png"
            page.screenshot(path=str(path), full_page=True)
            browser.close()
    finally:
        httpd.shutdown()
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
