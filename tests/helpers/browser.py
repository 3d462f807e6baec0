"""Headless Chromium driven over the DevTools protocol on a pipe, for the report's browser tests."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from typing import Any

import numpy as np
import pytest

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome"), "/usr/bin/chromium")
                 if p and os.access(p, os.X_OK)), None)
BROWSER = [pytest.mark.browser,
           pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                              "(apt-get install chromium)")]
"""Marks of a test module that needs the browser: ``pytestmark = BROWSER``."""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-pipe"]


class Browser:
    """One headless Chromium and one page, with every protocol event kept in ``events``."""

    def __init__(self, timeout: float = 90.0) -> None:
        self.timeout, self.next_id, self.buffer = timeout, 0, b""
        self.events: list[dict[str, Any]] = []
        self.profile = tempfile.mkdtemp(prefix="alignaudit-chromium-")
        to_chrome, from_chrome = os.pipe(), os.pipe()
        # high, distinct numbers so that the shell can place them on 3 and 4 without clashes
        self.child = [fcntl.fcntl(to_chrome[0], fcntl.F_DUPFD, 20),
                      fcntl.fcntl(from_chrome[1], fcntl.F_DUPFD, 20)]
        for fd in (to_chrome[0], from_chrome[1]):
            os.close(fd)
        self.write, self.read = to_chrome[1], from_chrome[0]
        command = " ".join(["exec", '"$@"', f"3<&{self.child[0]}", f"4>&{self.child[1]}"])
        self.proc = subprocess.Popen(
            ["bash", "-c", command, "chromium", CHROMIUM, *FLAGS,
             f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=self.child, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in self.child:
            os.close(fd)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the protocol pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, seconds: float | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + (seconds or self.timeout)
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def settle(self, seconds: float = 0.5) -> None:
        """Collect the events that arrive in the next ``seconds``."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._message(deadline))
        except TimeoutError:
            pass

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True}, session=True)
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")
        self.settle()

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.write)
        os.close(self.read)
        shutil.rmtree(self.profile, ignore_errors=True)


def problems(events: list[dict[str, Any]], page_url: str) -> list[str]:
    """Console errors, exceptions, dialogs and any request other than the page itself."""
    found = []
    for e in events:
        method, params = e.get("method", ""), e.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url.split("#")[0] != page_url:
                found.append(f"request: {url}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            found.append(f"console: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(f"log: {params['entry'].get('text')}")
        elif method == "Page.javascriptDialogOpening":
            found.append(f"dialog: {params.get('message')}")
    return found


def distinct_colours(png: bytes) -> int:
    import matplotlib.image as mpimg

    pixels = mpimg.imread(io.BytesIO(png), format="png")[::3, ::3]
    return len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0))
