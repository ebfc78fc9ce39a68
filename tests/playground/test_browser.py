"""End to end in a real browser: Debian's headless Chromium driven by Playwright.

Loads the page, chooses Rosenbrock and Adam, clicks a start point and checks that the trajectory the
page draws ends where a plain ``tg.optim.Adam`` loop ends; moves the learning-rate slider and sees the
path change (to the new rate's trajectory); opens the shared URL in a fresh page and sees the same
setup; computes a phase map and replays a cell; opens "copy as Python"; types a bad formula and sees
the parse error; saves a screenshot. (docs/make_playground_screenshot.py makes the README's picture.)
"""

import pathlib

import numpy as np
import pytest

from tinygrad_edu.playground import server

from .helpers import plain_loop, surface_function

pytestmark = pytest.mark.cpu_only

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser_page(device):
    if device != "cpu":
        pytest.skip("the page computes on the CPU whatever the default device (one browser run is enough)")
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium; .ci/run does)"
        )
    if server.plotly_path() is None:
        pytest.fail('the page needs Plotly.js: pip install ".[test]" brings the plotly package')
    from playwright.sync_api import sync_playwright  # in the [test] extra

    httpd = server.start_in_thread(0)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        errors = []
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            yield httpd.url, browser, page, errors
        finally:
            browser.close()
            httpd.shutdown()
            httpd.server_close()


def settled(page):
    """Wait until the page has drawn the trajectories of its last change."""
    page.wait_for_function(
        "document.body.dataset.ready === '1' && document.body.dataset.busy === '0'", timeout=20000
    )


def drawn_paths(page):
    """The trajectories as the contour plot draws them (after jumping to the last step)."""
    page.click("#end")
    return page.evaluate(
        """() => { const gd = document.getElementById('contour');
                   return gd.data.slice(+gd.dataset.firstRun).map((t) => t.x.map((x, i) => [x, t.y[i]])); }"""
    )


def expected_adam(page, steps):
    state = page.evaluate("() => window.playground.state")
    run = state["runs"][0]
    assert run["optimizer"] == "Adam"
    return plain_loop(surface_function("rosenbrock"), state["start"], steps, "Adam", run["params"]), state


def test_the_page_end_to_end(browser_page, tmp_path):
    url, browser, page, errors = browser_page
    page.goto(url)
    settled(page)

    # choose Rosenbrock and one Adam run, 300 steps
    page.select_option("#surface", "rosenbrock")
    settled(page)
    while page.locator(".run").count() > 1:
        page.locator(".run .remove").last.click()
    settled(page)
    page.select_option(".run[data-index='0'] select.optimizer", "Adam")
    settled(page)
    page.fill("#steps", "300")
    page.press("#steps", "Enter")
    lr_box = page.locator(".run[data-index='0'] input.value[data-param='lr']")
    lr_box.fill("0.02")
    lr_box.press("Enter")
    settled(page)

    # click a start point on the contour plot
    area = page.locator("#contour .nsewdrag").bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.2, area["y"] + area["height"] * 0.3)
    settled(page)
    expected, state = expected_adam(page, 300)
    assert state["start"][0] < -0.5 and state["start"][1] > 1.5  # where we clicked: left, high
    (path,) = drawn_paths(page)
    assert len(path) == 301
    np.testing.assert_array_equal(np.array(path), expected)  # what the page draws is tg.optim's run

    # move the learning-rate slider: the path changes, to the new rate's trajectory
    slider = page.locator(".run[data-index='0'] input.slider[data-param='lr']")
    slider.focus()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    settled(page)
    expected_after, state_after = expected_adam(page, 300)
    assert state_after["runs"][0]["params"]["lr"] > 0.02
    (path_after,) = drawn_paths(page)
    assert path_after[-1] != path[-1]
    np.testing.assert_array_equal(np.array(path_after), expected_after)

    # the URL holds the setup: a fresh page opened at it shows the same runs
    shared = page.url
    assert "#state=" in shared
    other = browser.new_page(viewport={"width": 1400, "height": 1000})
    other.goto(shared)
    settled(other)
    other_state = other.evaluate("() => window.playground.state")
    for key in ("surface", "start", "steps", "runs"):
        assert other_state[key] == state_after[key], key
    assert drawn_paths(other) == [path_after]
    assert other.input_value(".run[data-index='0'] input.value[data-param='lr']") == page.input_value(
        ".run[data-index='0'] input.value[data-param='lr']"
    )
    other.close()

    # the phase map: compute it, click a cell, and that run is replayed on the contour plot
    page.fill(".axis[data-axis='0'] .axis-n", "5")
    page.fill(".axis[data-axis='1'] .axis-n", "4")
    page.click("#sweep")
    page.wait_for_function(
        "document.getElementById('sweep-status').textContent.includes(' s')", timeout=20000
    )
    page.locator("#phase-plot").scroll_into_view_if_needed()
    cell = page.evaluate(
        """() => { const gd = document.getElementById('phase-plot');
                   const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
                   const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                   return [box.left + xa.l2p(2), box.top + ya.l2p(3)]; }"""
    )
    page.mouse.click(*cell)
    page.wait_for_function("window.playground.state.runs[0].params.lr === 0.1", timeout=10000)  # row 3
    settled(page)
    replayed = page.evaluate("() => window.playground.state")
    sweep = replayed["sweep"]
    assert replayed["runs"][0]["params"]["lr"] != state_after["runs"][0]["params"]["lr"]
    expected_cell, _ = expected_adam(page, 300)
    np.testing.assert_array_equal(np.array(drawn_paths(page)[0]), expected_cell)
    cell_loss, replayed_loss = page.evaluate(
        "() => [window.playground.sweep.final_loss[3][2], window.playground.results[0].loss.at(-1)]"
    )
    assert cell_loss == pytest.approx(replayed_loss, rel=1e-12)  # the cell's number is the replayed run's
    assert sweep["axes"][0]["name"] == "lr"

    # copy as Python: the dialog shows the tg.optim script of these runs
    page.click("#copy-python")
    page.wait_for_selector("#script-dialog[open]", timeout=10000)
    assert "tg.optim.Adam(params, lr=" in page.input_value("#script")
    page.click("#script-dialog button")

    screenshot = tmp_path / "playground.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000

    # a formula that does not parse: the error is shown beside the box, with a caret under the spot
    page.select_option("#surface", "custom")
    settled(page)
    page.fill("#formula", "x**2 + sin(y")
    page.press("#formula", "Enter")
    page.wait_for_selector("#formula-error:not([hidden])", timeout=10000)
    message = page.text_content("#formula-error")
    assert "expected ')' to close sin(" in message and "^" in message
    assert errors == [], errors
