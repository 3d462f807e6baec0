"""Hostile strings through a whole run, then the page in a real browser: no script runs.

A suite whose prompt, choices, category, source and description carry ``<script>``, an
attribute-breaking ``"><img onerror>`` and ``javascript:`` links, and user data (.jsonl) whose
documents carry the same strings, go through ``alignaudit run`` on the tiny model with the
bundled embedder. Headless Chromium then loads report.html over the DevTools pipe (the driver of
``tests/report/test_browser.py``) and proves: no dialog, no console call, no exception, no script
element, no event-handler attribute, no ``javascript:`` URL, no <img>, no network request, while
every hostile string is on the page as text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.browser import BROWSER, Browser, problems

pytestmark = BROWSER

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
JS_LINK = '<a href="javascript:alert(1)">click</a>'
HOSTILE = (SCRIPT, IMG, JS_URL, JS_LINK)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)


SUITE = f"""\
suite:
  name: hostile
  version: {q("1 " + SCRIPT)}
  description: {q(f"{SCRIPT} {IMG} {JS_LINK}")}
probes:
  - id: hostile-fact
    prompt: {q(f"{SCRIPT} {IMG} The capital of France is")}
    choices:
      correct: [{q(" Paris " + SCRIPT)}]
      distractors: [{q(" " + IMG)}, {q(" " + JS_URL)}, {q(" " + JS_LINK)}]
    answers: [{q("Paris " + SCRIPT)}]
    event_date: "2020-03"
    category: {q(SCRIPT)}
    source: {q(JS_URL)}
  - id: hostile-control
    control: true
    prompt: {q(f"In 2021 the {IMG} treaty was signed in")}
    choices:
      distractors: [{q(" " + SCRIPT)}, " Nairobi", {q(" " + JS_URL)}]
    event_date: "2021"
    category: {q(IMG)}
    source: {q(JS_LINK)}
  - id: hostile-changing
    prompt: {q(f"The leader of {SCRIPT} is")}
    timeline:
      - answer: {q(" " + SCRIPT)}
        valid_from: "2016"
        valid_until: "2019"
      - answer: {q(" " + IMG)}
        valid_from: "2019"
    category: {q(JS_URL)}
    source: {q(JS_URL)}
"""


def cli(*args: str, cache: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, ALIGNAUDIT_CACHE=str(cache))  # embeddings cached apart from yours
    return subprocess.run([sys.executable, "-m", "alignaudit", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def hostile_run(tiny_gpt2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-run")
    suite = folder / "hostile.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    data = folder / "tickets.jsonl"
    with data.open("w", encoding="utf-8") as handle:
        for i in range(36):
            body = (f"Ticket {i}: {HOSTILE[i % 4]} the printer on floor {i} broke again "
                    f"{HOSTILE[(i + 1) % 4]} COVID-19")
            handle.write(json.dumps({"body": body, "created": f"2023-{1 + i % 12:02d}-05"}) + "\n")
    reference = folder / "reference.txt"
    reference.write_text("".join(f"Reference sentence {i} about the history of Europe.\n"
                                 for i in range(36)), encoding="utf-8")
    out = folder / "out"
    proc = cli("run", "--model", str(tiny_gpt2_dir), "--probes", str(suite), "--data", str(data),
               "--text-column", "body", "--date-column", "created", "--reference", str(reference),
               "--permutations", "50", "--max-new-tokens", "4", "--quiet", "--out", str(out),
               cache=folder / "cache")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return out


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def test_the_hostile_strings_reached_the_results(hostile_run: Path) -> None:
    """A control: the strings really went through the run (into results.json), so a clean page
    below is escaping at work, not strings that never arrived."""
    saved = (hostile_run / "results.json").read_text(encoding="utf-8")
    for text in HOSTILE:
        assert json.dumps(text)[1:-1] in saved
    page = (hostile_run / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert 'href="javascript:' not in page.lower()
    summary = (hostile_run / "summary.md").read_text(encoding="utf-8")
    assert "<script" not in summary.lower() and "<img" not in summary.lower()


def test_no_script_runs_in_headless_chromium(hostile_run: Path, browser: Browser) -> None:
    page = hostile_run / "report.html"
    url = page.as_uri()
    browser.open(url)
    browser.settle(1.0)
    assert problems(browser.events, url) == []  # no request, dialog, exception or console error
    methods = {e.get("method") for e in browser.events}
    assert "Page.javascriptDialogOpening" not in methods
    assert "Runtime.consoleAPICalled" not in methods  # not even console.log
    assert "Runtime.exceptionThrown" not in methods
    requests = [e["params"]["request"]["url"] for e in browser.events
                if e.get("method") == "Network.requestWillBeSent"]
    assert [r for r in requests if r.split("#")[0] != url] == []
    state = browser.evaluate("""(() => {
        const all = [...document.querySelectorAll('*')];
        const attrs = all.flatMap(e => [...e.attributes]);
        return {
          scripts: document.scripts.length,
          handlers: attrs.filter(a => a.name.toLowerCase().startsWith('on')).length,
          jsUrls: attrs.filter(a => /^\\s*javascript:/i.test(a.value)).length,
          images: document.querySelectorAll('img, image, iframe, object, embed').length,
          imgX: document.querySelectorAll('img[src="x"]').length,
          links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
                   .filter(h => !h.startsWith('#')),
        };
    })()""")
    assert state == {"scripts": 0, "handlers": 0, "jsUrls": 0, "images": 0, "imgX": 0,
                     "links": []}


def test_the_hostile_strings_are_shown_as_text(hostile_run: Path, browser: Browser) -> None:
    browser.open((hostile_run / "report.html").as_uri())
    # open every collapsed section, then read what a person would see
    text = browser.evaluate("document.querySelectorAll('details').forEach(d => d.open = true);"
                            " document.body.innerText")
    for needle in HOSTILE:
        assert needle in text, needle
    # the user's documents (most novel ones) are on the page too, as text
    assert "the printer on floor" in text


def test_the_harness_sees_a_dialog(browser: Browser, tmp_path: Path) -> None:
    """A control: the same browser reports the dialog an <img onerror> would open."""
    bad = tmp_path / "bad.html"
    bad.write_text(f"<!DOCTYPE html><title>t</title>{IMG}", encoding="utf-8")
    browser.events.clear()
    browser.call("Page.navigate", {"url": bad.as_uri()}, session=True)
    event = browser.wait_for("Page.javascriptDialogOpening", seconds=30)
    assert event["params"]["message"] == "1"
    browser.call("Page.handleJavaScriptDialog", {"accept": True}, session=True)
    browser.settle(0.5)
