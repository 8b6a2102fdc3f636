"""Issue #25 (4, 5): no command prints, logs or shows a stream key in any form, `ps` included; nothing simulated
reaches a destination off this machine without the 演练 mark and an explicit confirmation."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.conftest import run_cli
from tests.media.probe import probe

KEY = "sk-live-7f3a9c11"


def _run_watching_ps(*args: str, timeout: float = 60) -> tuple[int, str, list[str]]:
    """Run the command as a user would and read what `ps` shows of it (its /proc cmdline) while it runs."""
    child = subprocess.Popen([sys.executable, "-m", "app", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seen = []
    deadline = time.monotonic() + timeout
    while child.poll() is None and time.monotonic() < deadline:
        try:
            seen.append(open(f"/proc/{child.pid}/cmdline", "rb").read().replace(b"\0", b" ").decode())
        except OSError:
            break
        time.sleep(0.02)
    output, _ = child.communicate(timeout=timeout)
    # the first moments, before the title is set (app.cli: "anchor-console …"), are what we warn of: what `ps` shows
    # from then on is what is checked, however quickly the command starts
    titled = next((i for i, line in enumerate(seen) if line.startswith("anchor-console")), len(seen))
    return child.returncode, output, seen[titled:]


def test_no_command_that_takes_a_destination_shows_its_key(rtmp_server, tmp_path):
    url = rtmp_server.url(KEY)
    runs = {
        "live": _run_watching_ps("live", "--source", "testsrc", "--feed", "ws://127.0.0.1:1/feed", "--to", url, "--duration", "3", "--no-record"),
        "stream": _run_watching_ps("stream", "--to", url, "--to", str(tmp_path / "s.mkv"), "--duration", "3"),
        "check": _run_watching_ps("check", "--to", url, "--out", str(tmp_path)),
    }
    for name, (code, output, ps) in runs.items():
        assert KEY not in output, (name, output)
        assert ps and not any(KEY in line for line in ps), (name, ps)
        assert "ps" in output and "{env:VAR}" in output, (name, output)  # told how to keep it off the line
    assert runs["live"][0] == 0 and runs["stream"][0] == 0, runs
    assert "rtmp://127.0.0.1" in runs["live"][1] and "****" in runs["live"][1]  # where it went, key masked
    recordings = rtmp_server.wait_recording_closed(count=2)
    assert all(KEY in p.name for p in recordings) and all(probe(p).frames > 30 for p in recordings)  # it was used


def test_the_overlay_demo_is_not_pushed_off_this_machine_unconfirmed(rtmp_server, tmp_path):
    far = f"rtmp://live-push.example.invalid/live/{KEY}"
    refused = run_cli("stream", "--overlay-demo", "--to", far, "--duration", "2")
    assert refused.returncode == 2 and "--confirm-test-server" in refused.stderr, refused.output
    assert KEY not in refused.output and "live-push.example.invalid" in refused.stderr
    near = run_cli("stream", "--overlay-demo", "--to", rtmp_server.url("rehearsal"), "--duration", "2")
    assert near.returncode == 0, near.output  # this machine's own test server needs no question
