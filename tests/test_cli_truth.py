"""The command line tells the truth (exit code of an unhealthy destination) and keeps keys out of `ps`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.conftest import run_cli, wait_for_port
from tests.media.probe import probe


def test_keys_from_env_and_file_never_on_the_command_line(rtmp_server, tmp_path, monkeypatch):
    key_file = tmp_path / "taobao.key"
    key_file.write_text("tb-key-from-file-42\n")
    monkeypatch.setenv("DOUYIN_KEY", "dy-key-from-env-17")
    server = f"rtmp://127.0.0.1:{rtmp_server.port}/live/"
    args = ["stream", "--to", server + "{env:DOUYIN_KEY}", "--to", server + "{file:" + str(key_file) + "}",
            "--duration", "2"]
    assert not any("key-from" in a for a in args)  # what `ps` would show
    result = run_cli(*args)
    assert result.returncode == 0, result.output
    assert "key-from" not in result.output
    recordings = rtmp_server.wait_recording_closed(count=2)
    names = sorted(p.name for p in recordings)
    assert any("dy-key-from-env-17" in n for n in names) and any("tb-key-from-file-42" in n for n in names), names
    assert all(probe(p).frames > 30 for p in recordings)


def test_a_key_reference_that_cannot_be_read_is_one_line_exit_2(tmp_path):
    env = run_cli("stream", "--to", "rtmp://127.0.0.1:1/live/{env:ANCHOR_NO_SUCH_VAR}", "--duration", "1")
    missing = run_cli("stream", "--to", "rtmp://127.0.0.1:1/live/{file:" + str(tmp_path / "none") + "}",
                      "--duration", "1")
    saved = run_cli("stream", "--to", "saved:没有这个", "--duration", "1")
    for result, words in ((env, "ANCHOR_NO_SUCH_VAR"), (missing, "cannot read the key file"),
                          (saved, "no saved destination")):
        assert result.returncode == 2 and words in result.stderr, result.output
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_destination_that_died_for_good_makes_the_exit_code_non_zero(rtmp_server, tmp_path):
    """Issue #11 part 6: `stream` exited 0 when its RTMP destination ended the run reconnecting."""
    mkv = tmp_path / "local.mkv"
    child = subprocess.Popen([sys.executable, "-m", "app", "stream", "--to", rtmp_server.url("gone-key-9"),
                              "--to", str(mkv), "--duration", "8"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 20
        while "fps" not in (child.stdout.readline() or "") and time.monotonic() < deadline:
            pass
        rtmp_server.stop()  # the ingest goes away and never comes back
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 1, err
    last = err.strip().splitlines()[-1]
    assert "1 of 2 destinations ended unhealthy" in last and "rtmp://127.0.0.1" in last, err
    assert "gone-key-9" not in out + err
    assert probe(mkv).frames > 150  # the recording went on: it is healthy and not named
