#!/usr/bin/env bash
# Set up everything Anchor Console needs on a Debian machine, then run the console or the whole test suite.
#   bash packaging/bootstrap.sh run  [ARGS...]   → .venv/bin/anchor-console ARGS (demo mode without arguments)
#   bash packaging/bootstrap.sh test [ARGS...]   → pytest ARGS
# Idempotent: Debian packages are installed only when missing, pip runs only when pyproject.toml or setup.py changed.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
shift || true

say() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- Debian packages: the RTMP test server, ffprobe, a virtual screen, Qt's window libraries --------------
need=()
{ command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]; } || need+=(nginx libnginx-mod-rtmp)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v Xvfb >/dev/null || need+=(xvfb)
# PostgreSQL: the store's tests run on it as well as on SQLite (a throwaway cluster on a loopback port)
[ "$mode" != test ] || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
# headless Chromium: the HTML report is measured as a browser lays it out, at a desktop's and a phone's width
[ "$mode" != test ] || command -v chromium >/dev/null || need+=(chromium)
# what Qt's xcb platform plugin loads to open a real window (a fresh Debian lacks some of these), and PortAudio
for lib in libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
           libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3 \
           libportaudio2; do
    dpkg -s "$lib" >/dev/null 2>&1 || need+=("$lib")
done
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing from Debian: ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { say "Python 3.11 or newer is required"; exit 2; }

# --- the virtual environment at .venv ---------------------------------------------------------------------
[ -x .venv/bin/python ] || { say "creating .venv"; python3 -m venv .venv; }
stamp=".venv/.anchor-console-installed"
want="$(cat pyproject.toml setup.py | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -c 'import app, av, cv2, PySide6, sqlalchemy, websockets, pyqtgraph, pytestqt' \
        || { say "the Python packages did not install"; exit 1; }
    echo "$want" > "$stamp"
fi

# A frame queue that runs away must hit this cap, not take the machine down. A soft cap: headless Chromium reserves
# terabytes of address space it never uses and lifts it for its own process only (tests/browser.py, which caps it
# by RLIMIT_DATA instead); everything else stays under it.
ulimit -S -v 8000000

case "$mode" in
    run)  exec .venv/bin/anchor-console "$@" ;;
    test) export QT_QPA_PLATFORM=offscreen; exec .venv/bin/python -m pytest "$@" ;;
    *)    say "usage: bash packaging/bootstrap.sh run|test [ARGS...]"; exit 2 ;;
esac
