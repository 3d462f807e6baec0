"""The report in a real browser (headless Chromium, driven over the DevTools protocol on a pipe):
it loads with no console errors, no network requests and no script, links open their probe
groups without JavaScript, print mode shows closed <details>, and it draws a real page.

No extra dependency: ``--remote-debugging-pipe`` speaks JSON messages separated by NUL bytes on
file descriptors 3 (to the browser) and 4 (from it). Skipped when Chromium is not installed.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from alignaudit.report import page as report
from tests.helpers.browser import BROWSER, Browser, distinct_colours, problems
from tests.helpers.results import HOSTILE, STAMP, audit_for, probes_for, result_for

pytestmark = BROWSER


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory) -> Path:
    audit = audit_for(f"evil {HOSTILE}", probes_for(150, knows_until=2019, hostile=True))
    other = audit_for("plain", probes_for(150, knows_until=2022, seed=5))
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(report.render([result_for(audit), result_for(other)], rendered_at=STAMP))
    return path


def test_page_loads_quietly_without_requests_or_scripts(browser, hostile_page, tmp_path):
    url = hostile_page.as_uri()
    browser.call("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 2400, "deviceScaleFactor": 1, "mobile": False}, session=True)
    browser.open(url)
    assert problems(browser.events, url) == []
    state = browser.evaluate(
        "({title: document.title, scripts: document.scripts.length, images: document.images.length,"
        " handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,"
        " svgs: document.querySelectorAll('svg.chart').length})")
    assert state["title"].startswith("alignaudit — evil <script>alert(1)</script>")
    assert state["scripts"] == 0 and state["images"] == 0 and state["handlers"] == 0
    assert state["svgs"] == 2
    png = base64.b64decode(browser.call("Page.captureScreenshot", {"format": "png"},
                                        session=True)["data"])
    (tmp_path / "page.png").write_bytes(png)
    assert distinct_colours(png) > 50  # text, pills, charts: not a blank page


def test_year_links_open_their_probe_group_without_script(browser, hostile_page):
    url = hostile_page.as_uri()
    browser.open(url)
    anchor = browser.evaluate("document.querySelector('#by-year + table tbody a').hash.slice(1)")
    assert anchor.startswith("g-recency-")
    closed = f"document.getElementById('{anchor}').closest('details').open"
    assert browser.evaluate(closed) is False
    browser.call("Page.navigate", {"url": f"{url}#{anchor}"}, session=True)
    browser.settle(1.0)
    assert browser.evaluate(closed) is True  # the browser reveals the target's <details>
    assert browser.evaluate(f"document.getElementById('{anchor}').closest('details.suite').open")


def test_print_shows_the_content_of_closed_details(browser, hostile_page):
    browser.open(hostile_page.as_uri())
    visible = "document.querySelector('details.group:not([open]) table').checkVisibility()"
    assert browser.evaluate(visible) is False
    browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=True)
    try:
        assert browser.evaluate(visible) is True
        pdf = browser.call("Page.printToPDF", {"printBackground": True}, session=True)["data"]
        assert base64.b64decode(pdf).startswith(b"%PDF")
    finally:
        browser.call("Emulation.setEmulatedMedia", {"media": ""}, session=True)


def test_the_harness_catches_requests_and_scripts(browser, tmp_path):
    """A control: a page that does fetch and run things is caught by the same checks."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>t</title><img src='http://127.0.0.1:9/x.png'>"
                   "<script>document.title = 'ran'; console.error('boom')</script>")
    browser.open(bad.as_uri())
    found = problems(browser.events, bad.as_uri())
    assert any(f.startswith("request: http://127.0.0.1:9/") for f in found)
    assert any(f.startswith("console:") for f in found)
    assert browser.evaluate("document.title") == "ran"
