#!/usr/bin/env bash
# Build the app a studio installs: dist/anchor-console/ (one folder with the `anchor-console` launcher inside).
#   bash packaging/build.sh [OUT]        OUT: where the folder goes (default: dist)
# Uses the project's .venv (bash packaging/bootstrap.sh sets it up) and PyInstaller from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
[ -x .venv/bin/python ] || { echo "[build] run 'bash packaging/bootstrap.sh test --co -q' first (it makes .venv)" >&2; exit 2; }
.venv/bin/python -c 'import PyInstaller' 2>/dev/null \
    || .venv/bin/python -m pip install -q --disable-pip-version-check 'pyinstaller>=6.3'
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$out" --workpath "$work" \
    packaging/anchor-console.spec
echo "[build] $out/anchor-console/anchor-console"
