"""Files the console reads from outside, bounded before anything parses them (issue #25: a 4 MB XLSX zip bomb took
7.5 GB). Each limit is far above what a studio's real file needs and far below what takes the show down.

- Any file: its size on disk (`read_bounded`), so a 2 GB "catalogue" is refused before it is read.
- XLSX (a zip): the number of parts, each part's unpacked size, the shared strings' unpacked size, the total and
  the packing ratio, all read from the zip's directory before openpyxl opens it (`check_xlsx`). Python's zipfile
  stops at the size the directory declares, so a part that lies about its size cannot inflate past it either.
- The rows and columns a table may have are checked by the readers while they read (app/store/order_io.py,
  app/store/catalog_io.py), with these constants.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

MIB = 1024 * 1024
MAX_TABLE_BYTES = 64 * MIB  # a CSV or XLSX on disk: a year of a busy shop's orders is a few MB
MAX_SETTINGS_BYTES = 1 * MIB  # destinations.json, the pinned consoles, a key file
MAX_XLSX_PARTS = 2_000
MAX_XLSX_PART = 96 * MIB  # one part (a sheet's XML) unpacked
MAX_XLSX_TOTAL = 160 * MIB  # every part unpacked
MAX_SHARED_STRINGS = 32 * MIB  # openpyxl holds all of them in memory, even read-only
MAX_RATIO = 150  # unpacked ÷ packed for a part over 1 MiB (real sheets: 5–30; bombs: 1,000 and more)
MAX_TABLE_COLUMNS = 200  # a shop's export has 20–80


class FileRefused(ValueError):
    """A file too large or shaped like a bomb; the message says why in Chinese and English."""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise FileRefused(f"读不到文件 / cannot read the file: {exc.strerror or type(exc).__name__}") from None


def check_size(path: str | Path, limit: int) -> int:
    """The file's size, or FileRefused when it is above `limit` bytes."""
    size = _size(Path(path))
    if size > limit:
        raise FileRefused(f"文件太大（{size / MIB:.1f} MB，最多 {limit / MIB:g} MB）/ the file is too large "
                          f"({size / MIB:.1f} MB, at most {limit / MIB:g} MB)")
    return size


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The file's bytes, at most `limit` of them (FileRefused above that, checked before and while reading)."""
    check_size(path, limit)
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew since the check
        raise FileRefused(f"文件太大（超过 {limit / MIB:g} MB）/ the file is too large (over {limit / MIB:g} MB)")
    return data


def check_xlsx(path: str | Path) -> None:
    """FileRefused unless the XLSX's zip directory is within every limit above; nothing is unpacked."""
    check_size(path, MAX_TABLE_BYTES)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRefused(f"不是有效的 XLSX 文件 / not a readable XLSX file ({type(exc).__name__})") from None
    if len(parts) > MAX_XLSX_PARTS:
        raise _bomb(f"{len(parts):,} 个部件 / {len(parts):,} parts")
    total = 0
    for part in parts:
        total += part.file_size
        limit = MAX_SHARED_STRINGS if part.filename.lower().endswith("sharedstrings.xml") else MAX_XLSX_PART
        if part.file_size > limit:
            raise _bomb(f"{part.filename} 解压后 {part.file_size / MIB:,.0f} MB / {part.filename} unpacks to "
                        f"{part.file_size / MIB:,.0f} MB (at most {limit / MIB:g})")
        if part.file_size > MIB and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise _bomb(f"{part.filename} 压缩比 {part.file_size // max(part.compress_size, 1):,}:1 / "
                        f"{part.filename} is packed {part.file_size // max(part.compress_size, 1):,}:1")
    if total > MAX_XLSX_TOTAL:
        raise _bomb(f"解压后共 {total / MIB:,.0f} MB / unpacks to {total / MIB:,.0f} MB in all "
                    f"(at most {MAX_XLSX_TOTAL / MIB:g})")


def _bomb(detail: str) -> FileRefused:
    return FileRefused(f"表格文件异常，已拒绝（可能是压缩炸弹）：{detail.split(' / ')[0]} / the spreadsheet was refused "
                       f"(shaped like a zip bomb): {detail.split(' / ')[-1]}")


# --- what the console writes for spreadsheets --------------------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_cell(value):
    """A cell Excel and WPS show as text, never run (OWASP's CSV injection rule): text starting with = + - @ tab
    or CR gets a leading '. Numbers, and text that is a plain number such as "-3.50", stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def from_spreadsheet_cell(text: str) -> str:
    """A cell read back: the ' that `spreadsheet_cell` put before a formula-looking text is taken off again."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


class SafeCsvWriter:
    """csv.writer whose every cell passes `spreadsheet_cell`."""

    def __init__(self, handle) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row) -> None:
        self._writer.writerow([spreadsheet_cell(cell) for cell in row])
