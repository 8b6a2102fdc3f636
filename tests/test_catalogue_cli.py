"""`anchor-console catalogue import|export FILE` (issue #28): the catalogue's 商品ID set without the window, so a
script's imported orders land in product windows. CSV and XLSX (written here with openpyxl, as 千牛 or Excel
saves them), the window's rules: all or nothing with every bad line named; an export reads back the same."""

from __future__ import annotations

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.store.db import Database
from app.store.models import Product
from tests.conftest import run_cli


def _products() -> dict[str, tuple]:
    database = Database()
    try:
        with database.session() as db:
            return {p.sku: (p.title, p.live_price_cents, p.stock, p.platform_item_id)
                    for p in db.scalars(select(Product))}
    finally:
        database.close()


def test_a_catalogue_imported_and_exported_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    sheet = tmp_path / "商品.xlsx"
    book = Workbook()
    rows = book.active
    rows.append(["商品编码", "商品名称", "原价", "直播价", "库存", "商品ID", "常见问题"])
    rows.append(["CUP-1", "真空保温杯 500ml", 159, 89.9, 300, 3612345678901, "发货=48 小时内"])  # typed cells
    rows.append(["TEA-2", "明前龙井 250g", "299", "199", "120", "3612345678902", ""])
    book.save(sheet)
    done = run_cli("catalogue", "import", str(sheet))
    assert done.returncode == 0 and "2 products imported" in done.stdout, done.output
    products = _products()
    assert products["CUP-1"] == ("真空保温杯 500ml", 8990, 300, "3612345678901")  # not 3.6e12
    assert products["TEA-2"][3] == "3612345678902"

    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title,list_price,live_price,stock\nCUP-1,改名,159,89,300\nX-9,,1,1,1\nY-8,ok,abc,1,1\n",
                   encoding="utf-8")
    refused = run_cli("catalogue", "import", str(bad))
    assert refused.returncode == 2 and "line 3" in refused.stderr and "line 4" in refused.stderr
    assert "Traceback" not in refused.output and _products()["CUP-1"][0] == "真空保温杯 500ml"  # nothing written

    for name in ("out.csv", "out.xlsx"):
        out = tmp_path / name
        exported = run_cli("catalogue", "export", str(out))
        assert exported.returncode == 0 and f"{len(products)} products exported" in exported.stdout  # the samples too
        again = run_cli("catalogue", "import", str(out))  # reads back as it was
        assert again.returncode == 0 and _products() == products, again.output
    cells = list(load_workbook(tmp_path / "out.xlsx").active.iter_rows(values_only=True))
    cup = next(row for row in cells if row[0] == "CUP-1")
    assert cells[0][8] == "platform_item_id" and cup[8] == "3612345678901"  # kept exact, as text
    missing = run_cli("catalogue", "import", str(tmp_path / "none.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert run_cli("catalogue", "export", str(tmp_path / "no-such-folder" / "x.csv")).returncode == 2
