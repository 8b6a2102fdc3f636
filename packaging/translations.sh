#!/usr/bin/env bash
# Qt's translation tooling for the interface: collect every tr("中文") / QT_TR_NOOP("中文") of ui/ into
# resources/i18n/anchor_console_en.ts (the English already there is kept; texts no longer used are dropped),
# then compile it to the .qm the console loads. Run after changing a label, fill in the English the .ts marks
# unfinished (pyside6-linguist, or any editor), run again. tests/ui/test_translations.py fails until it is done.
#   bash packaging/translations.sh            update the .ts and build the .qm
#   bash packaging/translations.sh --release  only build the .qm from the .ts (what a build does)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${ANCHOR_PYTHON_BIN:-.venv/bin}"
TS=resources/i18n/anchor_console_en.ts
if [ "${1:-}" != "--release" ]; then
    mapfile -t sources < <(find ui -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort)
    "$BIN/pyside6-lupdate" "${sources[@]}" -ts "$TS" -source-language zh_CN -target-language en \
        -no-obsolete -locations none
fi
"$BIN/pyside6-lrelease" "$TS" -qm "${TS%.ts}.qm"
