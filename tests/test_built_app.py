"""The built app (PyInstaller, `bash packaging/build.sh`): one folder whose launcher runs without this tree or its
virtual environment — `--version`, a 3-second stream of the test pattern to an MKV that ffprobe reads, the review
of a fresh database, and the window opening and closing on the offscreen platform. Slow (a few minutes to build)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.media.probe import probe

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh"), str(out)], capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    launcher = out / "anchor-console" / "anchor-console"
    assert launcher.is_file() and os.access(launcher, os.X_OK)
    return launcher


def run(launcher: Path, *args: str, cwd: Path, extra: dict | None = None, timeout: float = 180):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "ANCHOR_CONSOLE_DATA": str(cwd / "data"),
           "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8", **(extra or {})}  # nothing of this tree's venv
    return subprocess.run([str(launcher), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


@pytest.mark.timeout(2400)
def test_the_built_app_runs_on_its_own(built, tmp_path):
    version = run(built, "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == "anchor-console 0.1.0"
    recording = tmp_path / "pattern.mkv"
    stream = run(built, "stream", "--source", "testsrc", "--duration", "3", "--to", str(recording), cwd=tmp_path)
    assert stream.returncode == 0, stream.stderr[-2000:]
    info = probe(recording)
    assert info.video_codec == "h264" and info.frames >= 60
    review = run(built, "review", cwd=tmp_path)  # a fresh database: migrations found and run inside the build
    assert review.returncode == 0, review.stderr[-2000:]
    window = run(built, "window", cwd=tmp_path, extra={"ANCHOR_CONSOLE_CLOSE_AFTER": "4"})
    assert window.returncode == 0, window.stderr[-2000:]
    assert "Traceback" not in window.stderr
