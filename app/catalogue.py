"""The catalogue (商品库): products, their scripts and coupons as the studio keeps them between shows; CSV import,
the compliance report, and the room a go-live starts from. Headless; the console holds one."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from app.commerce.faq import Faq, FaqError, make_faq, parse_cell
from app.commerce.room import ActionRefused, CouponState, LiveRoom, ProductState, RoomSnapshot, check_coupon
from app.compliance.extreme_words import ExtremeWordChecker
from app.config import resource_dir
from app.kernel.bus import EventBus
from app.store.catalog_io import (CatalogImportError, export_csv, export_xlsx, import_csv, import_data,
                                  replace_faqs)
from app.store.order_io import OrderImportError, read_table
from app.store.db import Database
from app.store.models import Coupon, CouponKind, FaqPair, Product, Script, ScriptSection

SAMPLE_CATALOGUE = resource_dir() / "sample" / "catalogue.csv"
SAMPLE_SCRIPTS = SAMPLE_CATALOGUE.with_name("scripts.json")
SAMPLE_COUPONS = [
    dict(name="满199减30", kind=CouponKind.FULL_REDUCTION, threshold_cents=19900, discount_cents=3000, quantity=200),
    dict(name="无门槛5元", kind=CouponKind.NO_THRESHOLD, discount_cents=500, quantity=500),
    dict(name="全场9折", kind=CouponKind.DISCOUNT, rate=0.9, quantity=100),
]
SAMPLE_ROOM_FAQ = [  # 自动回复 for any product: (keywords, answer)
    ("发货/几天到/快递/什么时候到", "付款后48小时内发货，默认中通快递"),
    ("包邮/运费", "全场包邮，偏远地区除外"),
    ("七天无理由/退换/退货/售后", "支持七天无理由退换，已送运费险"),
    ("券怎么领/领券/优惠券", "点左下角小黄车，领券后下单自动抵扣"),
    ("链接/怎么买/怎么拍", "点左下角小黄车，找到对应序号下单"),
]


def _cell_text(cell) -> str:
    """An XLSX cell as the CSV import reads text: a whole number without ".0", a date as 2026-12-01 20:00:00."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M:%S")
    return str(cell)


def ensure_sample_catalogue(database: Database) -> None:
    """A fresh install gets the sample catalogue and coupons, so demo mode has something to sell."""
    studio = database.studio_id
    with database.session() as db:
        empty = db.scalar(select(func.count()).select_from(Product).where(Product.studio_id == studio)) == 0
    if empty:
        import_csv(database, SAMPLE_CATALOGUE, parse_cell)
        scripts = json.loads(SAMPLE_SCRIPTS.read_text(encoding="utf-8"))
        with database.sessions.begin() as db:
            db.add_all(Coupon(studio_id=studio, product_skus=[], **c) for c in SAMPLE_COUPONS)
            replace_faqs(db, None, [make_faq("", words, answer) for words, answer in SAMPLE_ROOM_FAQ], studio)
            for product in db.scalars(select(Product).where(Product.studio_id == studio,
                                                            Product.sku.in_(list(scripts)))):
                db.add(Script(product=product, title=product.title, sections=[
                    ScriptSection(position=i, kind=kind, text=text)
                    for i, (kind, text) in enumerate(scripts[product.sku])]))


def load_faqs(database: Database) -> list[Faq]:
    """Every FAQ pair (the products' and the room's), in order, for the responder of a go-live."""
    with database.session() as db:
        return [Faq(p.topic, tuple(p.keywords), p.answer, p.product_id)
                for p in db.scalars(select(FaqPair).where(FaqPair.studio_id == database.studio_id)
                                    .order_by(FaqPair.product_id, FaqPair.position, FaqPair.id))]


def load_room(database: Database, bus: EventBus, run_sheet: list[int] | None = None) -> LiveRoom:
    """A room over the catalogue as stored now (products, coupons), on `bus`."""
    with database.session() as db:
        products = [ProductState(p.id, p.sku, p.title, p.list_price_cents, p.live_price_cents, p.stock, p.image)
                    for p in db.scalars(select(Product).where(Product.studio_id == database.studio_id)
                                        .order_by(Product.id))]
        coupons = [CouponState(c.id, c.name, c.kind, c.threshold_cents, c.discount_cents, c.rate,
                               remaining=c.quantity, total=c.quantity)
                   for c in db.scalars(select(Coupon).where(Coupon.studio_id == database.studio_id)
                                       .order_by(Coupon.id))]
    return LiveRoom(bus, products, coupons, run_sheet or [p.id for p in products])


def script_versions(database: Database, product_ids: list[int]) -> dict[int, str]:
    """Each product's script (话术) as it is now, named by a digest of its sections (8 hex: the same text, the same
    version; any edit, another): what a show records at its start, so the views across shows can say which version
    sold best."""
    import hashlib
    import json

    with database.session() as db:
        scripts = db.scalars(select(Script).join(Product).where(Product.studio_id == database.studio_id,
                                                                  Script.product_id.in_(list(product_ids)))).all()
        sections = {s.product_id: [[x.kind, x.text] for x in s.sections] for s in scripts}
    return {pid: hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:8]
            for pid, parts in sections.items() if parts}


def keep_stock(database: Database, stock: dict[int, int]) -> int:
    """A real show's stock as it left it (sold, or set by hand while live) becomes the catalogue's, for the
    studio's products only; returns how many changed. A rehearsal's never does (its orders were simulated)."""
    changed = 0
    with database.sessions.begin() as db:
        for product in db.scalars(select(Product).where(Product.studio_id == database.studio_id,
                                                        Product.id.in_(list(stock)))):
            if product.stock != stock[product.id]:
                product.stock = stock[product.id]
                changed += 1
    return changed


class Catalogue:
    """What the studio sells, kept in the database; read and changed here only (the window through the console)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._room: LiveRoom | None = None  # the catalogue as a room, for display before going live
        ensure_sample_catalogue(database)

    def room_snapshot(self) -> RoomSnapshot:
        """The catalogue in a room's shape (products, coupons, run sheet), for the docks before going live."""
        if self._room is None:
            self._room = load_room(self.database, EventBus())  # a bus nobody listens to: display only
        return self._room.snapshot()

    def changed(self) -> None:
        self._room = None

    def products(self) -> list[tuple[int, str]]:
        """(id, title) of the catalogue, for pickers that work before going live."""
        with self.database.session() as db:
            return [(p.id, p.title) for p in db.scalars(select(Product).where(Product.studio_id == self.studio_id)
                                                        .order_by(Product.id))]

    @property
    def studio_id(self) -> int:
        return self.database.studio_id

    def _own(self, db, model, row_id: int | None):
        """The row if it is this studio's (another studio's product or coupon is as good as missing)."""
        row = db.get(model, row_id) if row_id is not None else None
        return row if row is not None and row.studio_id == self.studio_id else None

    def script_for(self, product_id: int) -> list[tuple[str, str]]:
        """The product's script sections in order, as (kind, text)."""
        with self.database.session() as db:
            script = db.scalar(select(Script).join(Product).where(Script.product_id == product_id,
                                                                  Product.studio_id == self.studio_id))
            return [(s.kind, s.text) for s in script.sections] if script else []

    def save_script(self, product_id: int, sections: list[tuple[str, str]]) -> None:
        """Replace the product's script with these (kind, text) sections, in order."""
        with self.database.sessions.begin() as db:
            product = self._own(db, Product, product_id)
            if product is None:
                raise KeyError(f"no product {product_id}")
            script = db.scalar(select(Script).where(Script.product_id == product_id))
            if script is None:
                script = Script(product=product, title=product.title)
                db.add(script)
            script.sections = [ScriptSection(position=i, kind=kind, text=text)
                               for i, (kind, text) in enumerate(sections)]

    def save_coupon(self, definition: dict, coupon_id: int | None = None, live: RoomSnapshot | None = None
                    ) -> tuple[int, dict]:
        """新建/编辑券: check the definition (ActionRefused with the reason) and keep it; returns (id, the checked
        definition). `live`: the live room now, where a coupon being given out cannot change."""
        payload = check_coupon(**definition)
        if coupon_id is not None:
            current = (live or self.room_snapshot()).state.coupons.get(coupon_id)
            if current is not None and current.live:
                raise ActionRefused(f"发放中的券不能修改 / coupon {current.name} is live: stop it first")
        with self.database.sessions.begin() as db:
            coupon = self._own(db, Coupon, coupon_id)
            if coupon is None:
                coupon = Coupon(studio_id=self.studio_id, product_skus=[], **payload)
                db.add(coupon)
            else:
                for key, value in payload.items():
                    setattr(coupon, key, value)
            db.flush()
            coupon_id = coupon.id
        self.changed()
        return coupon_id, payload

    def faqs(self, product_id: int | None) -> list[Faq]:
        """自动回复: the product's FAQ pairs (None: the room's own, for any product), in order."""
        return [f for f in load_faqs(self.database) if f.product_id == product_id]

    def save_faqs(self, product_id: int | None, pairs: list[tuple[str, str, str]]) -> list[Faq]:
        """Replace the product's (or the room's) FAQ pairs with these (topic, keywords, answer) rows, blank rows
        skipped; all checked first (FaqError names the row and the reason: e.g. an extreme word in an answer),
        nothing kept if one is wrong. Returns the pairs kept."""
        faqs = []
        for number, (topic, keywords, answer) in enumerate(pairs, 1):
            if not (topic.strip() or keywords.strip() or answer.strip()):
                continue
            try:
                faqs.append(make_faq(topic, keywords, answer, product_id))
            except FaqError as exc:
                raise exc.within(f"第 {number} 行", f"row {number}") from None
        with self.database.sessions.begin() as db:
            if product_id is not None and self._own(db, Product, product_id) is None:
                raise FaqError(f"没有这个商品 / unknown product {product_id}")
            replace_faqs(db, product_id, faqs, self.studio_id)
        return faqs

    def import_csv(self, path: str | Path) -> int:
        """All-or-nothing CSV import (CatalogImportError lists every bad line); returns the rows written. An FAQ
        column (常见问题) replaces each listed product's FAQ pairs."""
        count = import_csv(self.database, path, parse_cell)
        self.changed()
        return count

    def import_file(self, path: str | Path) -> int:
        """`import_csv`, or an XLSX sheet read under the same bounds as an order export and the same rules (its
        first sheet, header first; a number typed in a cell reads as it shows: 3612345678901, not 3.6e12)."""
        if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
            return self.import_csv(path)
        try:
            rows = read_table(path)
        except OrderImportError as exc:
            raise CatalogImportError(exc.errors) from None
        text = io.StringIO()
        writer = csv.writer(text)
        for row in rows:
            writer.writerow([_cell_text(cell) for cell in row])
        count = import_data(self.database, text.getvalue().encode("utf-8"), Path(path).parent, parse_cell)
        self.changed()
        return count

    def export_file(self, path: str | Path) -> int:
        """The catalogue to a file the import reads back: XLSX for .xlsx, else UTF-8 CSV with a BOM."""
        if Path(path).suffix.lower() == ".xlsx":
            return export_xlsx(self.database, path)
        return export_csv(self.database, path)

    def compliance_report(self) -> list[tuple[str, str, list]]:
        """Extreme words in product titles, selling points and scripts: (product title, field, hits)."""
        checker = ExtremeWordChecker.from_file()
        report = []
        with self.database.session() as db:
            for product in db.scalars(select(Product).where(Product.studio_id == self.studio_id)
                                      .order_by(Product.id)):
                fields = [("标题 title", product.title)] + [("卖点 selling point", p) for p in product.selling_points]
                fields += [(f"话术 script · {section.kind}", section.text)
                           for script in product.scripts for section in script.sections]
                for field, text in fields:
                    hits = checker.check(text)
                    if hits:
                        report.append((product.title, field, hits))
            for pair in db.scalars(select(FaqPair).where(FaqPair.studio_id == self.studio_id)
                                   .order_by(FaqPair.product_id, FaqPair.position)):
                hits = checker.check(pair.answer)
                if hits:
                    owner = db.get(Product, pair.product_id).title if pair.product_id is not None else "全场 whole room"
                    report.append((owner, f"自动回复 FAQ · {pair.topic}", hits))
        return report
