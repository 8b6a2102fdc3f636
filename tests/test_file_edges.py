"""Issue #25 (3, 6): every file the console reads is bounded before it is parsed, and every CSV it writes keeps
formula-looking text as text. The bombs are real zip files built here; memory is measured with tracemalloc."""

from __future__ import annotations

import csv
import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.destinations import KeyStore
from app.files import MAX_SETTINGS_BYTES, MAX_TABLE_BYTES, MAX_TABLE_COLUMNS, FileRefused, check_xlsx, spreadsheet_cell
from app.store.catalog_io import MAX_PRODUCTS, CatalogImportError, export_csv, import_csv
from app.store.order_io import OrderImportError, read_table

MIB = 1024 * 1024
HEADER = ["订单编号", "商品ID", "商品名称", "商品数量", "订单应付金额", "订单提交时间", "订单状态"]
ROW = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>4{n:018d}</t></is></c><c r="B{n}"><v>3</v></c></row>'


def small_export(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["1001", "3001", "杯子", 1, 89.0, "2026-12-01 20:01:00", "已完成"])
    book.save(path)
    return path


def with_part(source: Path, target: Path, name: str, chunks, *, compress=zipfile.ZIP_DEFLATED) -> Path:
    """`source`'s XLSX with the part `name` replaced by the streamed `chunks` (so a bomb never sits in memory)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", compress, compresslevel=9) as new:
        for item in old.infolist():
            if item.filename != name:
                new.writestr(item, old.read(item.filename))
        with new.open(name, "w", force_zip64=True) as part:
            for chunk in chunks:
                part.write(chunk)
    return target


def sheet_bomb(rows: int):
    yield b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' \
          b'<sheetData>'
    block = ROW.format(n=2).encode() * 1000  # the same row again and again: what packs 1,000 to 1
    for _ in range(rows // 1000):
        yield block
    yield b"</sheetData></worksheet>"


def peak_mib(call) -> tuple[float, Exception | None]:
    """Peak Python memory while `call` runs, in MiB, and what it raised."""
    tracemalloc.start()
    caught = None
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - returned for the test to look at
        caught = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / MIB, caught


def test_an_xlsx_zip_bomb_is_refused_from_its_directory_with_little_memory(tmp_path):
    base = small_export(tmp_path / "base.xlsx")
    bomb = with_part(base, tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml", sheet_bomb(2_000_000))
    assert bomb.stat().st_size < 4 * MIB  # a few MB that unpack to ~200 MB
    peak, caught = peak_mib(lambda: read_table(bomb))
    assert isinstance(caught, OrderImportError) and "zip bomb" in str(caught) and "压缩炸弹" in str(caught)
    assert peak < 100, peak
    assert read_table(base)[1][0] == "1001"  # a real export still reads


def test_a_shared_strings_bomb_is_refused_too(tmp_path):
    base = small_export(tmp_path / "base.xlsx")
    strings = (b'<si><t>' + b"x" * 60 + b'</t></si>' for _ in range(600_000))  # ~40 MB of shared strings
    bomb = with_part(base, tmp_path / "strings.xlsx", "xl/sharedStrings.xml", strings)
    with pytest.raises(FileRefused, match="sharedStrings"):
        check_xlsx(bomb)
    peak, caught = peak_mib(lambda: read_table(bomb))
    assert isinstance(caught, OrderImportError) and peak < 100


def test_a_cell_far_to_the_right_does_not_pad_every_row(tmp_path):
    """A sheet whose cells sit at column XFD made openpyxl pad each row to 16,384 cells."""
    base = small_export(tmp_path / "base.xlsx")
    wide = '<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="XFD{n}"><v>1</v></c></row>'
    rows = ("".join(wide.format(n=n) for n in range(k, k + 1000)).encode() for k in range(1, 20_001, 1000))
    sheet = [b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<sheetData>', *rows, b"</sheetData></worksheet>"]
    padded = with_part(base, tmp_path / "wide.xlsx", "xl/worksheets/sheet1.xml", sheet)
    result = []
    peak, caught = peak_mib(lambda: result.append(read_table(padded)))
    assert caught is None and peak < 100, (peak, caught)
    assert len(result[0]) == 20_000 and max(len(r) for r in result[0]) == MAX_TABLE_COLUMNS


def test_files_too_large_are_refused_before_they_are_read(tmp_path, caplog):
    huge = tmp_path / "orders.csv"
    with huge.open("wb") as out:
        out.truncate(MAX_TABLE_BYTES + 1)  # sparse: nothing is written, the size is what counts
    with pytest.raises(OrderImportError, match="too large"):
        read_table(huge)
    with pytest.raises(CatalogImportError, match="文件太大"):
        import_csv(None, huge)  # refused before the database is touched
    book = KeyStore(tmp_path / "destinations.json")
    book.path.write_text(json.dumps([{"name": "x" * 100, "server": "rtmp://127.0.0.1/live"}] * 20_000))
    assert book.path.stat().st_size > MAX_SETTINGS_BYTES
    assert book.load() == []  # ignored with a log line, the console starts
    assert "too large" in caplog.text


def test_a_catalogue_of_too_many_rows_is_refused_whole(database, tmp_path):
    path = tmp_path / "many.csv"
    lines = ["sku,title,list_price,live_price,stock"] + [f"S{n},杯子{n},10,9,1" for n in range(MAX_PRODUCTS + 1)]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CatalogImportError, match="products in one file"):
        import_csv(database, path)


ATTACKS = ["=HYPERLINK(\"http://x\",\"点我\")", "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+2", "-3+4", "\t=1"]


def test_the_catalogue_export_writes_formulas_as_text_and_reads_them_back_as_typed(database, tmp_path):
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["sku", "title", "list_price", "live_price", "stock", "category"])
        for n, attack in enumerate(ATTACKS):
            writer.writerow([f"S{n}", f"标题{n}" if attack.startswith("\t") else attack, "10", "9.9", "1", attack])
    assert import_csv(database, path) == len(ATTACKS)
    out = tmp_path / "out.csv"
    export_csv(database, out)
    rows = list(csv.reader(out.open(encoding="utf-8-sig", newline="")))
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    titles = {row[1] for row in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in titles and "'-3+4" in titles
    import_csv(database, out)  # the ' comes off again: the catalogue is as it was
    export_csv(database, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()


@pytest.mark.parametrize("cell, written", [("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("@x", "'@x"),
                                           ("-3+4", "'-3+4"), ("\r=1", "'\r=1"), ("-3.50", "-3.50"), ("12", "12"),
                                           ("杯子", "杯子"), (-3, -3), (None, None)])
def test_the_owasp_rule(cell, written):
    assert spreadsheet_cell(cell) == written
