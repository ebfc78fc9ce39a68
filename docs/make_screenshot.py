"""Open a few pages of the built site in headless Chromium; save a screenshot of one for the README.

Run from the repository root after ``mkdocs build``:  python docs/make_screenshot.py [SITE_DIR]

It serves ``site/`` on a local port, loads the home page, a tutorial and an API page with Playwright
driving the system's Chromium (``apt-get install chromium``; ``pip install playwright``, no browser
download needed), checks that each page has its title and no broken image, and writes
``docs/screenshots/lab_page.png``: a section of tutorial 10's page, prose, code and its figure.
"""

import functools
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOT = ROOT / "docs" / "screenshots" / "lab_page.png"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {  # path in the site -> text the page must show
    "": "tinygrad_edu",
    "lab/10_optimizer_zoo/": "The optimizer zoo",
    "api/optim/": "Adam",
}


def serve(site):
    """An HTTP server for ``site`` on a free local port, in a daemon thread; returns it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # quiet
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(site=ROOT / "site"):
    from playwright.sync_api import sync_playwright

    server = serve(site)
    base = f"http://127.0.0.1:{server.server_port}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            for path, text in PAGES.items():
                page.goto(base + path, wait_until="load")
                assert text in page.content(), f"{path or '/'}: {text!r} is not on the page"
                broken = page.evaluate(
                    "[...document.images].filter(i => i.complete && !i.naturalWidth).length"
                )
                assert broken == 0, f"{path or '/'}: {broken} image(s) did not load"
                print(f"ok  {path or '/'}: {page.title()}")
            page.goto(base + "lab/10_optimizer_zoo/", wait_until="load")
            # scroll to the section "Loss against step": a heading, prose, code and its figure in one view
            top = page.evaluate("document.getElementById('loss-against-step').getBoundingClientRect().top")
            page.evaluate(f"window.scrollTo(0, {top - 60})")
            page.wait_for_timeout(300)
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOT))  # the viewport: 1280 × 900
            print(f"wrote {SHOT.relative_to(ROOT)}")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site")
