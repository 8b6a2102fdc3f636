"""Headless Chromium (Debian's `chromium`) for the HTML reports: a screenshot at a given window size, and the page's
own measurements (what overflows, how large the chart text is drawn, what overlaps) taken once it is laid out. The project's CJK font is given to Chromium through a fontconfig file, as the app ships it.

Chromium reserves terabytes of address space (V8's sandbox) and cannot start under `ulimit -v`: the suite's cap is
a soft limit (`ulimit -S -v`, .ci/run and packaging/bootstrap.sh), and only Chromium's process lifts it, capped
instead by RLIMIT_DATA (what it writes, not what it reserves) and a timeout.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_CAP = 4 * 1024 ** 3

MEASURE = r"""
(() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none';
  const charts = [...document.querySelectorAll('svg.chart')].filter(shown).map(svg => ({
    width: svg.getBoundingClientRect().width,
    room: svg.parentElement.clientWidth,
    font_px: Math.min(...[...svg.querySelectorAll('text')].map(
      t => parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a)),
    texts: [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, box: box(t)})),
    bars: [...svg.querySelectorAll('rect')].filter(r => !r.querySelector('title')).map(box),
  }));
  const words = e => { const r = document.createRange(); r.selectNodeContents(e); return box(r); };
  const moments = [...document.querySelectorAll('table.moments tr')].slice(1, 6).map(
    tr => [...tr.children].map(words));
  return {page_width: document.documentElement.scrollWidth, window_width: innerWidth, charts, moments,
          page_height: document.documentElement.scrollHeight};
})()
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _lift_cap() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    resource.setrlimit(resource.RLIMIT_DATA, (DATA_CAP, DATA_CAP))


class Browser:
    """One headless Chromium driven over its DevTools pipe (`--remote-debugging-pipe`: JSON messages ended by NUL on
    file descriptors 3 and 4), one page at an emulated window size: a phone's 390 px is below what a headless
    window can be made, so the size is set with Emulation.setDeviceMetricsOverride."""

    def __init__(self, timeout: float = 90, args: tuple[str, ...] = ()):
        """`args`: more of Chromium's switches (a fake camera, a pinned certificate)."""
        if resource.getrlimit(resource.RLIMIT_AS)[1] != resource.RLIM_INFINITY:
            raise RuntimeError("Chromium cannot start under a hard `ulimit -v`; cap with `ulimit -S -v` (.ci/run does)")
        self.timeout = timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="anchor-chromium-")
        folder = self.folder = Path(self._tmp.name)
        fonts = folder / "fonts.conf"
        fonts.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                         '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                         f'<dir>{ROOT / "resources" / "fonts"}</dir><cachedir>{folder / "fc"}</cachedir></fontconfig>')
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts), "HOME": str(folder)}
        to_chrome, self._write = os.pipe()
        self._read, from_chrome = os.pipe()
        command = [chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--hide-scrollbars", "--remote-debugging-pipe",
                   f"--user-data-dir={folder / 'profile'}", *args, "about:blank"]

        def child() -> None:
            _lift_cap()
            reads, writes = os.dup(to_chrome), os.dup(from_chrome)  # neither can be 3 or 4 now
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(command, env=env, pass_fds=(3, 4, to_chrome, from_chrome), preexec_fn=child,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._next = 0
        self.session = None
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")

    def call(self, method: str, **params) -> dict:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _receive(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("Chromium did not answer")
            ready, _, _ = select.select([self._read], [], [], 1.0)
            if ready:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed its pipe")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(line)

    def open(self, page: str, width: int, height: int) -> None:
        """Show `page` (an HTML text) in a window `width` × `height` CSS px (a phone's below 600 px: mobile)."""
        path = self.folder / "page.html"
        path.write_text(page, encoding="utf-8")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 600)
        self.call("Page.navigate", url=path.as_uri())
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._receive().get("method") == "Page.loadEventFired":
                return
        raise RuntimeError("the page did not load")

    def navigate(self, url: str) -> None:
        """Open `url` (a server's page) and return once it has loaded."""
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._receive().get("method") == "Page.loadEventFired":
                return
        raise RuntimeError("the page did not load")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def measure(self) -> dict:
        """What the page measures of itself once laid out (MEASURE)."""
        return self.call("Runtime.evaluate", expression=MEASURE, returnByValue=True)["result"]["value"]

    def screenshot(self, path: Path) -> Path:
        """The whole page, as tall as it is, as a PNG."""
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except RuntimeError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        os.close(self._write)
        os.close(self._read)
        self._tmp.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
