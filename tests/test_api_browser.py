"""The inline report (`AuditResult._repr_html_`) in headless Chromium, inside a host page that
styles everything red as a notebook's own CSS might: the frame loads quietly, shows the report,
the host's styles do not reach into it and the report's do not leak out."""

from __future__ import annotations

import pytest

import alignaudit
from tests.helpers import MINI_SUITE
from tests.helpers.browser import BROWSER, Browser, problems

pytestmark = BROWSER

HOST = """<!DOCTYPE html><html><head><title>notebook</title>
<style>* {{ color: rgb(255, 0, 0) !important; font-family: monospace !important; }}</style>
</head><body><h1>host</h1><div class="output">{shown}</div></body></html>"""


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def frame_eval(browser: Browser, expression: str) -> object:
    """Evaluate in the report's frame: in the page's frame tree, or (with site isolation, a
    sandboxed frame runs in its own process) in the frame target the browser attached to."""
    tree = browser.call("Page.getFrameTree", session=True)["frameTree"]
    page_session = browser.session
    if tree.get("childFrames"):
        frame = tree["childFrames"][0]["frame"]["id"]
    else:
        attached = browser.wait_for("Target.attachedToTarget")["params"]
        browser.session = attached["sessionId"]
        frame = attached["targetInfo"]["targetId"]
    try:
        world = browser.call("Page.createIsolatedWorld", {"frameId": frame},
                             session=True)["executionContextId"]
        result = browser.call("Runtime.evaluate", {"expression": expression,
                                                   "contextId": world, "returnByValue": True},
                              session=True)
    finally:
        browser.session = page_session
    return result["result"].get("value")


def test_inline_report_renders_in_its_own_frame(browser, tmp_path):
    found = alignaudit.audit(model="m", probes=[str(MINI_SUITE)], backend="fake")
    host = tmp_path / "notebook.html"
    host.write_text(HOST.format(shown=found._repr_html_()), encoding="utf-8")
    url = host.as_uri()
    browser.call("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False,
                                          "flatten": True}, session=True)
    browser.open(url)
    assert problems(browser.events, url) == []
    inside = frame_eval(browser, "({url: location.href, title: document.title,"
                        " text: document.body.innerText.length,"
                        " colour: getComputedStyle(document.querySelector('h1')).color,"
                        " scripts: document.scripts.length})")
    assert inside["url"] == "about:srcdoc" and inside["title"].startswith("alignaudit")
    assert inside["text"] > 500 and inside["scripts"] == 0
    assert inside["colour"] != "rgb(255, 0, 0)"  # the host's style stays out
    host_font = browser.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert host_font == "monospace"  # and the report's stays in
    height = browser.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
    assert height > 500
