"""`anchor-console demo --guest NAME` as a person runs it in a terminal: the link and its QR code printed, a guest
(aiortc) joins by it, stays off air until `accept NAME` is typed, then is heard in the recording; bad seats are
refused before anything opens."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time

from tests.conftest import run_cli
from tests.guests.phone import Phone, ToneTrack
from tests.guests.test_guest_sound import seconds_of_sound, tone_share


def test_a_headless_demo_invites_a_guest_and_puts_it_on_air_when_told(tmp_path):
    recording = tmp_path / "demo.mkv"
    child = subprocess.Popen([sys.executable, "-m", "app", "demo", "--duration", "11", "--out", str(recording),
                              "--guest", "嘉宾", "--guest-door", "127.0.0.1:0"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1",
                                  "ANCHOR_CONSOLE_DATA": str(tmp_path / "data")})
    try:
        printed = []
        while not any("#t=" in line for line in printed):
            line = child.stdout.readline()
            assert line, child.stderr.read()
            printed.append(line)
        link = re.search(r"https://\S+#t=\S+", "".join(printed)).group(0)
        started = time.monotonic()
        code = [child.stdout.readline() for _ in range(3)]
        assert all(set(row.rstrip("\n")) <= set("█▀▄ ") for row in code)  # the QR code's first rows
        port, token = int(link.split(":")[2].split("/")[0]), link.split("#t=")[1].split("&")[0]

        async def guest():
            phone = Phone(port, audio=ToneTrack())
            assert (await phone.join(token=token))["type"] == "answer"
            await asyncio.sleep(max(0.0, 3.5 - (time.monotonic() - started)))
            child.stdin.write("accept 嘉宾\n")
            child.stdin.flush()
            assert await phone.next_message(timeout=5) == {"type": "state", "accepted": True}
            await asyncio.sleep(max(0.0, 7.5 - (time.monotonic() - started)))
            child.stdin.write("sound 嘉宾 loud\nsound 嘉宾 off\n")  # a word it does not know, then the guest's sound out
            child.stdin.flush()
            await asyncio.sleep(max(0.0, 11.5 - (time.monotonic() - started)))
            await phone.hang_up()

        asyncio.run(guest())
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    assert "嘉宾: on air" in out and "\nsound NAME on|off\n" in out and "嘉宾: sound off" in out and token not in err
    shares = [tone_share(second) for second in seconds_of_sound(recording)]
    assert max(shares[:2]) < 0.05 and min(shares[5:7]) > 0.5  # heard once accepted
    assert max(shares[9:]) < 0.05 and len(shares) >= 10  # and no more once its sound is off (still on air)


def test_seats_that_cannot_be_are_refused_before_anything_opens(tmp_path):
    for args, why in ((["--guest", "camera"], "built-in"), (["--phone", "a", "--guest", "a"], "differ"),
                      (["--phone", "x" * 41], "1–40")):
        result = run_cli("demo", "--duration", "1", "--out", str(tmp_path / "x.mkv"), *args)
        assert result.returncode == 2 and why in result.stderr, result.stderr
        assert not (tmp_path / "x.mkv").exists()
