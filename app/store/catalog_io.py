"""Catalogue import/export as CSV, including Excel's exports (UTF-8 with or without BOM, or GBK).

Import is all-or-nothing: every row is validated first and every problem is reported with its line number;
only a file without errors is written, in one transaction (existing SKUs are updated, new ones added).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from app import values
from app.files import (MAX_TABLE_BYTES, FileRefused, SafeCsvWriter, from_spreadsheet_cell, read_bounded,
                       spreadsheet_cell)
from app.text import clean_line
from app.store.db import Database
from app.store.models import FaqPair, Product

COLUMNS = ["sku", "title", "category", "list_price", "live_price", "stock", "image", "selling_points",
           "platform_item_id", "faq"]
HEADER_ALIASES = {  # Chinese headers as a studio's spreadsheet has them
    "商品编码": "sku", "货号": "sku", "商品名称": "title", "标题": "title", "类目": "category", "分类": "category",
    "原价": "list_price", "直播价": "live_price", "库存": "stock", "图片": "image", "卖点": "selling_points",
    "商品ID": "platform_item_id", "商品id": "platform_item_id", "平台商品ID": "platform_item_id",
    "宝贝ID": "platform_item_id", "常见问题": "faq", "问答": "faq", "自动回复": "faq",
}
MAX_PRODUCTS = 20_000  # rows of one catalogue file
MAX_CELL_CHARS = 2_000  # one cell (an FAQ cell holds several pairs)
REQUIRED = ("sku", "title", "list_price", "live_price", "stock")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行 / line {self.line}: {self.message}"


class CatalogImportError(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"nothing imported, {len(errors)} problem(s): {shown}{more}")


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not) first; GBK (what Chinese Excel saves as 'CSV') otherwise."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CatalogImportError([RowError(1, "unknown text encoding: save the file as UTF-8 or GBK CSV")])


def parse_cents(value: str) -> int:
    """Yuan as a spreadsheet writes it (89, 89.90, ￥1,089.00, 89元) → fen; InvalidOperation or ValueError when it
    is not one, negative, finer than a fen or above values.MAX_CENTS."""
    amount = Decimal(value.replace("￥", "").replace("¥", "").replace(",", "").replace("元", "").strip())
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidOperation
    cents = int(amount * 100)
    if cents > values.MAX_CENTS:
        raise InvalidOperation
    return cents


def _cell(column: str, text: str) -> str:
    limit = 200 if column == "title" else MAX_CELL_CHARS  # the title's column holds 200
    return from_spreadsheet_cell(clean_line(text, limit, limit if column == "title" else None))


def _check_row(row: dict[str, str], seen: dict[str, int], seen_items: dict[str, int]) -> tuple[list[str], dict, int]:
    """What is wrong with one row (each problem a phrase), its two prices in fen and its stock (0 when bad);
    `seen` and `seen_items`: the lines where each SKU and platform item id came before."""
    problems = []
    if not row.get("sku"):
        problems.append("sku is empty")
    elif row["sku"] in seen:
        problems.append(f"sku {row['sku']} repeats line {seen[row['sku']]}")
    if not row.get("title"):
        problems.append("title is empty")
    item = row.get("platform_item_id", "")
    if len(item) > 64:
        problems.append("platform_item_id is longer than 64 characters")
    elif item and item in seen_items:
        problems.append(f"platform_item_id {item} repeats line {seen_items[item]}")
    prices = {}
    for column in ("list_price", "live_price"):
        try:
            prices[column] = parse_cents(row.get(column, ""))
        except (InvalidOperation, ValueError):
            problems.append(f"{column} {row.get(column)!r} is not a price like 99 or 99.90 "
                            f"(at most {values.MAX_CENTS // 100:,})")
    try:
        stock = int(row.get("stock", ""))
        if not 0 <= stock <= values.MAX_COUNT:
            raise ValueError
    except ValueError:
        problems.append(f"stock {row.get('stock')!r} is not a whole number in 0..{values.MAX_COUNT:,}")
        stock = 0
    return problems, prices, stock


def parse(data: bytes, faq_parser=None) -> list[dict]:
    """Validated rows (prices in cents) or CatalogImportError listing every bad line. `faq_parser(cell)` reads an
    FAQ cell into pairs (with .topic, .keywords, .answer) or raises ValueError with the reason
    (app/commerce/faq.py's `parse_cell`); without one, or without the column, the products' FAQ is left alone."""
    reader = csv.DictReader(io.StringIO(decode(data), newline=""))
    if reader.fieldnames is None:
        raise CatalogImportError([RowError(1, "the file is empty")])
    mapping = {name: HEADER_ALIASES.get(name.strip(), name.strip().lower()) for name in reader.fieldnames}
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise CatalogImportError([RowError(1, f"missing column(s): {', '.join(missing)}")])
    rows, errors, seen, seen_items = [], [], {}, {}
    for count, raw in enumerate(reader, start=1):
        line = reader.line_num
        if count > MAX_PRODUCTS:
            raise CatalogImportError([RowError(line, f"more than {MAX_PRODUCTS:,} products in one file")])
        # outside text: one clean line each (app/text.py), the title within its column
        row = {mapping[k]: _cell(mapping[k], v) for k, v in raw.items()
               if k is not None and k in mapping and isinstance(v, str)}
        if not any(row.values()):
            continue  # blank line
        problems, prices, stock = _check_row(row, seen, seen_items)
        item = row.get("platform_item_id", "")
        faqs = None
        if faq_parser is not None and "faq" in mapping.values():
            try:
                faqs = faq_parser(row.get("faq", ""))
            except ValueError as exc:
                problems.append(f"faq: {exc}")
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        seen[row["sku"]] = line
        if item:
            seen_items[item] = line
        points = [p.strip() for p in row.get("selling_points", "").replace("；", ";").split(";") if p.strip()]
        rows.append({"sku": row["sku"], "title": row["title"], "category": row.get("category", ""),
                     "list_price_cents": prices["list_price"], "live_price_cents": prices["live_price"],
                     "stock": stock, "image": row.get("image", ""), "selling_points": points,
                     "platform_item_id": item or None, **({"faqs": faqs} if faqs is not None else {})})
    if errors:
        raise CatalogImportError(errors)
    return rows


def resolve_image(image: str, folder: Path) -> str:
    """A picture named relative to the CSV (as a catalogue folder ships it) becomes an absolute path; anything
    else (absolute, missing, a URL) is kept as typed; the console shows no picture for what it cannot read."""
    if image and "://" not in image and not Path(image).is_absolute() and (folder / image).is_file():
        return str((folder / image).resolve())
    return image


def import_csv(database: Database, path: str | Path, faq_parser=None) -> int:
    """Import (insert or update by SKU) all rows of a CSV; returns how many rows were written. With an FAQ column
    (and `faq_parser`), each row's FAQ pairs replace the product's."""
    try:
        data = read_bounded(path, MAX_TABLE_BYTES)
    except FileRefused as exc:
        raise CatalogImportError([RowError(1, str(exc))]) from None
    return import_data(database, data, Path(path).parent, faq_parser)


def import_data(database: Database, data: bytes, folder: Path, faq_parser=None) -> int:
    """`import_csv` of a file's CSV text (`folder`: where its relative picture paths are found)."""
    rows = parse(data, faq_parser)
    for row in rows:
        row["image"] = resolve_image(row["image"], folder)
    studio = database.studio_id
    with database.sessions.begin() as db:
        existing = {p.sku: p for p in db.scalars(select(Product).where(
            Product.studio_id == studio, Product.sku.in_([r["sku"] for r in rows])))}
        for row in rows:
            faqs = row.pop("faqs", None)
            product = existing.get(row["sku"])
            if product is None:
                product = Product(studio_id=studio, **row)
                db.add(product)
            else:
                for key, value in row.items():
                    setattr(product, key, value)
            if faqs is not None:
                db.flush()
                replace_faqs(db, product.id, faqs, studio)
    return len(rows)


def replace_faqs(db, product_id: int | None, faqs, studio_id: int) -> None:
    """The product's FAQ pairs (or, product_id None, the studio's room-wide ones) become these, in order (inside a
    transaction)."""
    owner = FaqPair.product_id.is_(None) if product_id is None else FaqPair.product_id == product_id
    for old in db.scalars(select(FaqPair).where(owner, FaqPair.studio_id == studio_id)):
        db.delete(old)
    db.add_all(FaqPair(studio_id=studio_id, product_id=product_id, position=i, topic=f.topic,
                       keywords=list(f.keywords), answer=f.answer) for i, f in enumerate(faqs))


def faq_cell(pairs) -> str:
    """FAQ pairs (with .keywords and .answer) as one catalogue cell: `尺码/码数=均码 | 发货=48 小时内`."""
    return " | ".join("/".join(p.keywords) + "=" + p.answer for p in pairs)


def export_rows(database: Database) -> list[list]:
    """The catalogue as the import reads it: the header, then one row per product (prices in yuan as text)."""
    with database.session() as db:
        products = list(db.scalars(select(Product).where(Product.studio_id == database.studio_id)
                                   .order_by(Product.id)))
        faqs: dict[int, list] = {}
        for pair in db.scalars(select(FaqPair).where(FaqPair.studio_id == database.studio_id,
                                                     FaqPair.product_id.is_not(None)).order_by(FaqPair.position)):
            faqs.setdefault(pair.product_id, []).append(pair)
        cells = {product_id: faq_cell(pairs) for product_id, pairs in faqs.items()}
    return [list(COLUMNS)] + [[p.sku, p.title, p.category, f"{p.list_price_cents / 100:.2f}",
                               f"{p.live_price_cents / 100:.2f}", p.stock, p.image, ";".join(p.selling_points or []),
                               p.platform_item_id or "", cells.get(p.id, "")] for p in products]


def export_csv(database: Database, path: str | Path) -> int:
    """Write the catalogue as UTF-8 CSV with a BOM (so Excel opens the Chinese correctly)."""
    rows = export_rows(database)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = SafeCsvWriter(handle)  # a title like =HYPERLINK(…) is written as text (read back without the ')
        for row in rows:
            writer.writerow(row)
    return len(rows) - 1


def export_xlsx(database: Database, path: str | Path) -> int:
    """Write the catalogue as an XLSX sheet: every cell text (a 13-digit 商品ID stays exact), formulas as text."""
    from openpyxl import Workbook

    rows = export_rows(database)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("商品 products")
    for row in rows:
        sheet.append([spreadsheet_cell(str(cell)) for cell in row])
    book.save(path)
    return len(rows) - 1
