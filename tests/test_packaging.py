"""The wheel a studio would install: built from this tree (pip, the build backend pyproject.toml names), installed
into a fresh virtual environment, run from a folder that is not the source tree — it finds its fonts, compliance
list, sample catalogue and migrations, and records a demo; another package's `app` in its place is refused in one
line. The dependencies come from the test environment (a .pth), the wheel itself from nothing but its file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("build-tree") / "src"
    # built from a copy of the tree as it is: the build leaves no build/ or *.egg-info in the developer's tree
    for folder in ("app", "ui", "resources"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return next(out.glob("anchor_console-*.whl"))


def test_the_wheel_carries_what_the_app_needs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("app/__init__.py", "ui/main_window.py", "app/store/migrations/env.py",
                   "app/store/migrations/script.py.mako", "app/store/migrations/versions/0007_faqs.py",
                   "anchor_console_resources/fonts/NotoSansSC-Subset-Regular.otf",
                   "anchor_console_resources/compliance/extreme_words.txt",
                   "anchor_console_resources/sample/catalogue.csv", "anchor_console_resources/sample/scripts.json",
                   "anchor_console_resources/i18n/anchor_console_en.qm",
                   "anchor_console_resources/sample/images/cup.png", "anchor_console_resources/guest/join.html",
                   "anchor_console_resources/guest/join.js"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("tests/", "bench/", "docs/")) or "__pycache__" in n]


def test_installed_in_a_fresh_environment_it_runs_the_demo(wheel, tmp_path):
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # PySide6, av… from this venv
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(ANCHOR_CONSOLE_DATA=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    where = subprocess.run([str(python), "-c", "import app, app.config as c; print(app.__file__); "
                                               "print(c.resource_dir())"],
                           capture_output=True, text=True, cwd=elsewhere, env=env, timeout=60)
    app_file, resources = where.stdout.split()
    assert Path(app_file).is_relative_to(site) and Path(resources) == site / "anchor_console_resources"
    recording = tmp_path / "demo.mkv"
    demo = subprocess.run([str(venv / "bin" / "anchor-console"), "demo", "--duration", "3", "--out", str(recording)],
                          capture_output=True, text=True, cwd=elsewhere, env=env, timeout=180)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "录制完成 recording saved" in demo.stdout and recording.stat().st_size > 10_000
    from tests.media.probe import probe

    assert probe(recording).frames >= 60  # three seconds of the test pattern at 30 fps, overlays and all

    shadow = tmp_path / "shadow"
    (shadow / "app").mkdir(parents=True)
    (shadow / "app" / "__init__.py").write_text("# somebody else's app\n")
    refused = subprocess.run([str(venv / "bin" / "anchor-console"), "--version"], capture_output=True, text=True,
                             cwd=elsewhere, env={**env, "PYTHONPATH": str(shadow)}, timeout=60)
    assert refused.returncode == 2 and "shadows Anchor Console" in refused.stderr and "Traceback" not in refused.stderr


def test_the_suite_runs_under_the_memory_cap():
    """.ci/run and packaging/bootstrap.sh cap every process at 8 GB of address space (`ulimit -S -v 8000000`), so a
    runaway frame queue fails a test instead of taking the machine down; only headless Chromium lifts it for itself
    (tests/browser.py). Under CI the cap must be there."""
    import os
    import resource

    if not os.environ.get("CI"):
        pytest.skip("the cap is .ci/run's; a run by hand sets its own")
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    assert soft != resource.RLIM_INFINITY and soft <= 8_000_000 * 1024
    assert "ulimit -S -v 8000000" in (ROOT / ".ci" / "run").read_text()
