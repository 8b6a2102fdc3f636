"""自动回复 pairs kept in the catalogue (SQLite and PostgreSQL): the CSV's 常见问题 column, the editor's rows, the
sample a fresh install gets, the export that reads back, the compliance report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalogue import Catalogue, load_faqs
from app.commerce.faq import FaqError, answer_problem
from app.store.catalog_io import CatalogImportError, export_csv
from app.store.db import Database
from app.store.models import FaqPair, Product


def product_id(database, sku: str) -> int:
    with database.session() as db:
        return db.scalar(select(Product.id).where(Product.sku == sku))


def test_a_fresh_install_has_the_samples_pairs_all_fit_for_the_stream(database):
    catalogue = Catalogue(database)
    cup = product_id(database, "CUP-500")
    assert [f.topic for f in catalogue.faqs(cup)] == ["容量", "保温", "颜色"]
    assert catalogue.faqs(cup)[0].keywords == ("容量", "多大", "尺寸")
    assert [f.topic for f in catalogue.faqs(None)] == ["发货", "包邮", "七天无理由", "券怎么领", "链接"]
    faqs = load_faqs(database)
    assert len(faqs) == 5 + 13 and all(answer_problem(f.answer) is None for f in faqs)
    assert not [field for _, field, _ in catalogue.compliance_report() if field.startswith("自动回复")]


def test_the_csv_column_replaces_a_products_pairs_and_leaves_the_rest(database, tmp_path):
    catalogue = Catalogue(database)
    cup, tea = product_id(database, "CUP-500"), product_id(database, "TEA-250")
    path = tmp_path / "update.csv"
    path.write_text("商品编码,商品名称,原价,直播价,库存,常见问题\n"
                    "CUP-500,保温杯,159,89,300,容量/多大=500ml | 赠品=送杯刷\n"
                    "TEA-250,龙井,299,199,120,\n", encoding="utf-8")
    assert catalogue.import_csv(path) == 2
    assert [(f.topic, f.answer) for f in catalogue.faqs(cup)] == [("容量", "500ml"), ("赠品", "送杯刷")]
    assert catalogue.faqs(tea) == []  # an empty cell: no pairs for it now
    assert len(catalogue.faqs(None)) == 5  # the room's own are not the file's
    path.write_text("商品编码,商品名称,原价,直播价,库存\nCUP-500,保温杯,159,79,300\n", encoding="utf-8")
    catalogue.import_csv(path)  # no FAQ column: the pairs stay
    assert [f.topic for f in catalogue.faqs(cup)] == ["容量", "赠品"]


def test_a_bad_faq_cell_is_named_by_line_and_nothing_is_imported(database, tmp_path):
    catalogue = Catalogue(database)
    cup = product_id(database, "CUP-500")
    before = catalogue.faqs(cup)
    path = tmp_path / "bad.csv"
    path.write_text("sku,title,list_price,live_price,stock,faq\n"
                    "CUP-500,保温杯,159,89,300,尺码=均码\n"
                    "NEW-1,新品,10,9,1,发货=全网最低价\n"
                    "NEW-2,新品2,10,9,1,没有等号\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as caught:
        catalogue.import_csv(path)
    errors = caught.value.errors
    assert [e.line for e in errors] == [3, 4]
    assert "极限词" in errors[0].message and "全网最低" in errors[0].message and "缺少“=”" in errors[1].message
    assert catalogue.faqs(cup) == before and product_id(database, "NEW-1") is None


def test_the_export_carries_the_pairs_and_reads_back(database, tmp_path):
    Catalogue(database)
    out = tmp_path / "export.csv"
    export_csv(database, out)
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.endswith("platform_item_id,faq")
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with other.session() as db:  # an empty catalogue, not the sample: what the file brings only
            db.add(Product(sku="OTHER", title="别的", list_price_cents=1, live_price_cents=1, stock=1))
            db.commit()
        fresh = Catalogue(other)
        fresh.import_csv(out)
        by_sku = lambda d: {sku: [(f.topic, f.keywords, f.answer) for f in Catalogue(d).faqs(product_id(d, sku))]  # noqa: E731
                            for sku in ("CUP-500", "BAG-02", "SOCK-5")}
        assert by_sku(other) == by_sku(database)
    finally:
        other.close()


def test_the_editor_keeps_checked_rows_or_nothing(database):
    catalogue = Catalogue(database)
    bag = product_id(database, "BAG-02")
    kept = catalogue.save_faqs(bag, [("尺寸", "尺寸/多大", "长40cm"), ("", "", ""), ("", "颜色、色", "米白、黑")])
    assert [(f.topic, f.keywords) for f in kept] == [("尺寸", ("尺寸", "多大")), ("颜色", ("颜色", "色"))]
    assert catalogue.faqs(bag) == kept
    with pytest.raises(FaqError) as caught:
        catalogue.save_faqs(bag, [("尺寸", "尺寸", "好"), ("", "", ""), ("材质", "材质", "顶级帆布")])
    assert str(caught.value).startswith("第 3 行：回复含极限词：顶级 / row 3:")
    assert catalogue.faqs(bag) == kept  # nothing changed
    with pytest.raises(FaqError, match="unknown product"):
        catalogue.save_faqs(10**6, [("a", "a", "b")])
    catalogue.save_faqs(None, [("发货", "发货", "明天发")])
    assert [f.answer for f in catalogue.faqs(None)] == ["明天发"] and catalogue.faqs(bag) == kept


def test_an_answer_made_wrong_behind_the_editors_back_is_in_the_compliance_report(database):
    catalogue = Catalogue(database)
    with database.sessions.begin() as db:
        db.add(FaqPair(product_id=None, position=9, topic="质量", keywords=["质量"], answer="质量绝对好"))
    report = [row for row in catalogue.compliance_report() if row[1].startswith("自动回复")]
    assert [(owner, field, [h.word for h in hits]) for owner, field, hits in report] == [
        ("全场 whole room", "自动回复 FAQ · 质量", ["绝对"])]
