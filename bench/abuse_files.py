"""Files as an attacker sends them (issue #25): how long the console takes to refuse an XLSX zip bomb and how much
memory that costs, beside a real export of the same size class read in the same run (the reference) and openpyxl
alone on the same bomb under a 2 GB cap (what happened before the bounds).

    ulimit -v 8000000; .venv/bin/python bench/abuse_files.py

Each case runs in a fresh child process: the resident memory after its imports, and how much its peak (ru_maxrss)
(VmHWM) grew while the file was read or refused. Prints JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import resource, sys, time

def hwm():  # peak resident memory of this process, MB (ru_maxrss would carry the parent's over the exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

sys.path.insert(0, {root!r})
kind, path = sys.argv[1], sys.argv[2]
if kind == "openpyxl":
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
import openpyxl
from app.store.order_io import OrderImportError, read_table
before = hwm()
started = time.perf_counter()
outcome = "read"
try:
    if kind == "openpyxl":
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        outcome = f"read {{rows:,}} rows"
    else:
        rows = read_table(path)
        outcome = f"read {{len(rows):,}} rows"
except OrderImportError as exc:
    outcome = "refused: " + str(exc)[:90]
except MemoryError:
    outcome = "MemoryError at the 2 GB cap"
after = hwm()
print(time.perf_counter() - started, before, after - before, outcome, sep="\\t")
"""


def _run(kind: str, path: Path, timeout: float = 60) -> dict:
    try:
        done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), kind, str(path)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "outcome": f"still running after {timeout:g} s (killed)"}
    if done.returncode != 0 or "\t" not in done.stdout:
        return {"seconds": None, "outcome": f"exit {done.returncode}: {done.stderr.strip()[-120:]}"}
    seconds, before, grown, outcome = done.stdout.strip().split("\t", 3)
    return {"seconds": round(float(seconds), 3), "rss_after_imports_mb": round(float(before), 1),
            "peak_growth_mb": round(float(grown), 1), "outcome": outcome}


def main() -> None:
    from openpyxl import Workbook

    from tests.test_file_edges import HEADER, sheet_bomb, small_export, with_part

    folder = Path(tempfile.mkdtemp(prefix="abuse-files-"))
    base = small_export(folder / "base.xlsx")
    bomb = with_part(base, folder / "bomb.xlsx", "xl/worksheets/sheet1.xml", sheet_bomb(20_000_000))
    strings = with_part(base, folder / "strings.xlsx", "xl/sharedStrings.xml",
                        (b"<si><t>" + b"x" * 60 + b"</t></si>" for _ in range(1_500_000)))
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for n in range(20_000):
        sheet.append([f"4{n:018d}", "3612345678901", "真空保温杯 500ml", 1, 89.0, "2026-12-01 20:01:00", "已完成"])
    real = folder / "real-20000.xlsx"
    book.save(real)
    cases = {
        "real export, 20,000 lines (reference)": ("console", real),
        "sheet bomb": ("console", bomb),
        "shared-strings bomb": ("console", strings),
        "sheet bomb, openpyxl alone (before)": ("openpyxl", bomb),
    }
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "files_mb": {
        name: round(path.stat().st_size / 2**20, 2) for name, (_, path) in cases.items()}}
    for name, (kind, path) in cases.items():
        results[name] = _run(kind, path)
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
