"""A rehearsal on a machine without a display can be worked from the LAN: `demo --assistants [HOST:]PORT`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from app.remote.client import RemoteAssistant
from app.remote.pairing import PinnedConsoles, parse_pairing_code
from tests.conftest import free_port


def test_headless_demo_serves_assistants_over_wss(tmp_path):
    port = free_port()
    child = subprocess.Popen([sys.executable, "-m", "app", "demo", "--duration", "12", "--out", str(tmp_path / "d.mkv"),
                              "--assistants", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONUNBUFFERED": "1",
                                             "ANCHOR_CONSOLE_DATA": str(tmp_path / "data")})
    try:
        code = None
        deadline = time.monotonic() + 30
        while code is None and time.monotonic() < deadline:
            line = child.stdout.readline()
            if "pairing code" in line:
                code = line.split(": ", 1)[1].strip()
        assert code, child.stderr.read() if child.poll() is not None else "no pairing code printed"
        url, token, fingerprint = parse_pairing_code(code)
        assert url == f"wss://127.0.0.1:{port}" and fingerprint
        assistant = RemoteAssistant(url, token, name="小李", fingerprint=fingerprint,
                                    pins=PinnedConsoles(tmp_path / "pins.json")).connect()
        try:
            assert assistant.state["live"]
            product = assistant.state["products"][0]["id"]
            assert assistant.call("set_stock", product, 99)["seq"] > 0
        finally:
            assistant.close()
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert token not in out.split("pairing code")[-1] and token not in err  # printed once, then never again
