"""Catalogue CSV: Excel's encodings, Chinese headers, every bad row reported, nothing half-imported."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.store.catalog_io import CatalogImportError, export_csv, import_csv
from app.store.models import Product

GOOD = ("商品编码,商品名称,类目,原价,直播价,库存,卖点\n"
        "CUP-500,真空保温杯 500ml,家居,159,89.90,100,12小时保温；316不锈钢\n"
        "TEA-01,明前龙井 250g,食品,￥299.00,199,5,\n")


def count(database) -> int:
    with database.session() as db:
        return db.scalar(select(func.count()).select_from(Product))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_import_excel_encodings(database, tmp_path, encoding):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(GOOD.encode(encoding))
    assert import_csv(database, path) == 2
    with database.session() as db:
        cup = db.scalar(select(Product).where(Product.sku == "CUP-500"))
    assert cup.title == "真空保温杯 500ml"
    assert (cup.list_price_cents, cup.live_price_cents, cup.stock) == (15900, 8990, 100)
    assert cup.selling_points == ["12小时保温", "316不锈钢"]


def test_bad_rows_reported_by_line_and_nothing_imported(database, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sku,title,list_price,live_price,stock\n"
                    "A1,好商品,10,9,1\n"
                    "A2,,abc,9,1\n"
                    "\n"
                    "A1,重复,10,9,-3\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as caught:
        import_csv(database, path)
    lines = [e.line for e in caught.value.errors]
    assert lines == [3, 5]
    assert "title is empty" in str(caught.value.errors[0]) and "list_price" in str(caught.value.errors[0])
    assert "repeats line 2" in str(caught.value.errors[1]) and "stock" in str(caught.value.errors[1])
    assert count(database) == 0


def test_missing_column_and_update_by_sku_and_export_roundtrip(database, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("sku,title\nX,y\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="missing column"):
        import_csv(database, path)
    path.write_bytes(GOOD.encode("utf-8"))
    import_csv(database, path)
    path.write_text("sku,title,list_price,live_price,stock\nTEA-01,明前龙井 新茶,299,179,8\n", encoding="utf-8")
    import_csv(database, path)
    assert count(database) == 2
    out = tmp_path / "export.csv"
    assert export_csv(database, out) == 2
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    fresh = tmp_path / "again.db"
    from app.store.db import Database

    other = Database(f"sqlite:///{fresh}")
    try:
        assert import_csv(other, out) == 2
        with other.session() as db:
            tea = db.scalar(select(Product).where(Product.sku == "TEA-01"))
        assert (tea.title, tea.live_price_cents, tea.stock) == ("明前龙井 新茶", 17900, 8)
    finally:
        other.close()


def test_pictures_named_next_to_the_csv_are_found_wherever_it_is_imported_from(database, tmp_path):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "cup.png").write_bytes(b"\x89PNG fake")
    path = tmp_path / "catalogue.csv"
    path.write_text("商品编码,商品名称,原价,直播价,库存,图片\n"
                    "CUP-500,保温杯,159,89,100,pics/cup.png\nTEA-01,龙井,299,199,5,pics/missing.jpg\n"
                    "BAG-02,帆布包,99,59,5,https://img.example/bag.jpg\n", encoding="utf-8")
    assert import_csv(database, path) == 3
    with database.session() as db:
        images = dict(db.execute(select(Product.sku, Product.image)).all())
    assert images["CUP-500"] == str((tmp_path / "pics" / "cup.png").resolve())
    assert images["TEA-01"] == "pics/missing.jpg" and images["BAG-02"] == "https://img.example/bag.jpg"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.strategies import any_text  # noqa: E402

_CELLS = st.one_of(any_text(12), st.sampled_from(["NaN", "Infinity", "1e400", "1" + "0" * 30, "-1", "9.999",
                                                          "￥1,299.00", "", "0", "尺码=均码 | 发货=明天", "a=全网最低",
                                                          "没有等号"]))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.lists(_CELLS, min_size=1, max_size=6), max_size=6).map(
                     lambda rows: ("sku,title,list_price,live_price,stock\n" + "\n".join(
                         ",".join(c.replace(",", " ").replace("\n", " ") for c in row) for row in rows))
                     .encode("utf-8", "surrogatepass"))))
def test_any_file_is_rows_in_range_or_a_clear_refusal(data):
    """The CSV edge: whatever the file holds, parse() gives checked rows or CatalogImportError, nothing else."""
    from app import values
    from app.store.catalog_io import CatalogImportError, parse

    from app.commerce.faq import answer_problem, parse_cell

    try:
        rows = parse(data.replace(b"stock\n", b"stock,faq\n", 1), parse_cell)  # the last cell read as FAQ pairs
    except CatalogImportError:
        return
    for row in rows:
        assert 0 <= row["list_price_cents"] <= values.MAX_CENTS and 0 <= row["live_price_cents"] <= values.MAX_CENTS
        assert 0 <= row["stock"] <= values.MAX_COUNT and row["sku"] and row["title"]
        assert all(answer_problem(pair.answer) is None for pair in row.get("faqs", []))
