"""Reading a shop's order export (抖店 / 巨量百应 / 千牛, CSV or XLSX) into typed order lines.

The platforms name their columns differently and change them: every field the console needs has the headers the
common exports use (first match wins, so a sub-order id is preferred to the main order's); the user can name
another header for any field (`mapping`), and that mapping can be saved. CSV is read as UTF-8 (with or without
BOM) or GBK; XLSX through openpyxl (its first sheet). The parse is all or nothing: every bad line is named by its
line number and nothing is returned.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from app import values
from app.files import MAX_TABLE_BYTES, MAX_TABLE_COLUMNS, FileRefused, check_xlsx, read_bounded
from app.text import clean_line
from app.store.catalog_io import RowError, decode, parse_cents

# field → headers as the exports name them (抖店 standard report, 巨量百应 order details, 千牛 order export, TikTok)
FIELDS: dict[str, tuple[str, ...]] = {
    "order_id": ("子订单编号", "子订单号", "子订单ID", "订单编号", "订单号", "订单ID", "订单id", "主订单编号",
                 "Order ID", "order_id"),
    "item_id": ("商品ID", "商品id", "宝贝ID", "宝贝id", "平台商品ID", "SKU ID", "item_id"),
    "title": ("选购商品", "商品名称", "宝贝标题", "商品标题", "Product Name", "title"),
    "quantity": ("商品数量", "购买数量", "宝贝数量", "数量", "Quantity", "quantity"),
    "amount": ("订单应付金额", "支付金额", "付款金额", "买家实际支付金额", "实付金额", "订单金额", "Order Amount",
               "amount"),
    "order_time": ("订单提交时间", "下单时间", "订单创建时间", "创建时间", "Created Time", "order_time"),
    "pay_time": ("支付完成时间", "支付时间", "付款时间", "订单付款时间", "Paid Time", "pay_time"),
    "status": ("订单状态", "Order Status", "status"),
    "after_sale": ("售后状态", "退款状态", "Order Substatus", "after_sale"),
    "refund": ("退款金额", "Order Refund Amount", "refund"),
    "buyer": ("买家会员名", "买家昵称", "用户昵称", "买家ID", "Buyer Username", "buyer"),
}
REQUIRED = ("order_id", "amount")
PRESETS = {  # what each export is known as, for the import's dialog and report (the aliases above serve them all)
    "抖店 Douyin shop": ("子订单编号", "商品ID", "订单应付金额", "订单提交时间", "支付完成时间", "售后状态"),
    "巨量百应 Buyin": ("订单ID", "商品ID", "支付金额", "下单时间", "支付时间", "订单状态"),
    "千牛 Taobao": ("订单编号", "宝贝ID", "买家实际支付金额", "订单创建时间", "订单付款时间", "退款状态"),
}
UNPAID = ("待支付", "待付款", "未支付", "已取消", "已关闭", "交易关闭", "订单关闭", "等待买家付款", "Unpaid", "Cancelled")
REFUNDED = ("退款成功", "已退款", "退款完成", "售后完成", "全额退款", "Refunded")
CHINA = ZoneInfo("Asia/Shanghai")  # the exports' clock unless told otherwise
MAX_ROWS = 200_000
MAX_CELL_CHARS = 500  # one cell's text as the import keeps it


@dataclass(frozen=True)
class OrderLine:
    line: int  # in the file (the header is line 1)
    order_id: str
    item_id: str
    title: str
    quantity: int
    amount_cents: int
    order_time: float | None  # Unix seconds
    pay_time: float | None
    paid: bool  # False: a status that says it was never paid (待支付, 已取消 …)
    refund_cents: int  # refunded amount (a refunded status without an amount: all of it)
    buyer: str


class OrderImportError(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:10]) + (f" … (+{len(errors) - 10})" if len(errors) > 10 else "")
        super().__init__(f"订单文件未导入 / the order file was not imported: {shown}")


def read_table(path: str | Path) -> list[list[str | object]]:
    """The file's rows (header first) as cells: text from CSV, typed values from XLSX. The file is bounded before
    it is parsed (app/files.py: size, an XLSX's parts and shared strings) and while it is read (rows, columns)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            check_xlsx(path)
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
        except FileRefused as exc:
            raise OrderImportError([RowError(1, str(exc))]) from None
        except Exception as exc:  # noqa: BLE001 - a damaged or mislabeled file: one line, not a traceback
            raise OrderImportError([RowError(1, f"cannot read the spreadsheet ({exc.__class__.__name__})")]) from None
        try:
            rows = []
            # max_col: a cell at XFD1 would otherwise pad every row to 16,384 cells
            for row in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_TABLE_COLUMNS):
                rows.append(list(row))
                if len(rows) > MAX_ROWS + 1:
                    raise OrderImportError([RowError(len(rows), f"more than {MAX_ROWS:,} lines")])
            return rows
        except OrderImportError:
            raise
        except Exception as exc:  # noqa: BLE001 - a part that lies about its size, broken XML: one line
            raise OrderImportError([RowError(1, f"cannot read the spreadsheet ({exc.__class__.__name__})")]) from None
        finally:
            book.close()
    try:
        text = decode(read_bounded(path, MAX_TABLE_BYTES))
    except FileRefused as exc:
        raise OrderImportError([RowError(1, str(exc))]) from None
    except (ValueError, OSError):
        raise OrderImportError([RowError(1, "unknown text encoding: save the file as UTF-8 or GBK CSV")]) from None
    rows = []
    for row in csv.reader(io.StringIO(text, newline="")):
        rows.append(row[:MAX_TABLE_COLUMNS])
        if len(rows) > MAX_ROWS + 1:
            raise OrderImportError([RowError(MAX_ROWS + 2, f"more than {MAX_ROWS:,} lines")])
    return rows


def column_mapping(header: list, overrides: dict[str, str] | None = None) -> dict[str, int]:
    """field → column index: the user's names first, then the known headers in order."""
    names = [str(h).strip().lstrip("\ufeff") if h is not None else "" for h in header]
    found: dict[str, int] = {}
    for field_name, aliases in FIELDS.items():
        wanted = [overrides[field_name]] if overrides and overrides.get(field_name) else list(aliases)
        for alias in wanted:
            if alias in names:
                found[field_name] = names.index(alias)
                break
    unknown = sorted(set(overrides or {}) - set(FIELDS))
    errors = [RowError(1, f"unknown field(s) in the mapping: {', '.join(unknown)}")] if unknown else []
    missing = [f for f in REQUIRED if f not in found]
    if "order_time" not in found and "pay_time" not in found:
        missing.append("order_time or pay_time")
    if missing:
        errors.append(RowError(1, f"missing column(s): {', '.join(missing)} (columns: {', '.join(names[:30])})"))
    if errors:
        raise OrderImportError(errors)
    return found


def parse_orders(rows: list[list], overrides: dict[str, str] | None = None, tz=CHINA) -> list[OrderLine]:
    """Typed order lines, or OrderImportError naming every bad line."""
    if not rows:
        raise OrderImportError([RowError(1, "the file is empty")])
    columns = column_mapping(rows[0], overrides)
    lines, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = {f: _cell(row, i) for f, i in columns.items()}
        if not any(_text(v) for v in cells.values()):
            continue  # a blank line
        problems: list[str] = []
        order_id = _text(cells.get("order_id")).lstrip("'")  # Excel's text marker on long ids
        if not order_id:
            problems.append("order id is empty")
        elif len(order_id) > 64:
            problems.append("order id is longer than 64 characters")
        amount = _money(cells.get("amount"), "amount", problems)
        refund = _money(cells.get("refund"), "refund", problems, empty=0) if "refund" in cells else 0
        quantity = _quantity(cells.get("quantity"), problems)
        order_time = _time(cells.get("order_time"), "order time", problems, tz)
        pay_time = _time(cells.get("pay_time"), "pay time", problems, tz)
        if order_time is None and pay_time is None and not problems:
            problems.append("neither an order time nor a pay time")
        status, after_sale = _text(cells.get("status")), _text(cells.get("after_sale"))
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
            continue
        refunded = any(word in after_sale or word in status for word in REFUNDED)
        lines.append(OrderLine(number, order_id, _text(cells.get("item_id")).lstrip("'")[:64],
                               _text(cells.get("title"))[:200], quantity, amount, order_time, pay_time,
                               not any(word in status for word in UNPAID),
                               min(amount, refund or (amount if refunded else 0)), _text(cells.get("buyer"))[:64]))
    if errors:
        raise OrderImportError(errors)
    return lines


def _cell(row: list, index: int):
    return row[index] if index < len(row) else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id Excel stored as a number
    return clean_line(str(value), MAX_CELL_CHARS)


def _money(value, name: str, problems: list[str], empty: int | None = None) -> int:
    text = _text(value)
    if not text and empty is not None:
        return empty
    try:
        return parse_cents(text)
    except (InvalidOperation, ValueError):
        problems.append(f"{name} {_text(value)[:20]!r} is not an amount like 89 or 89.90")
        return 0


def _quantity(value, problems: list[str]) -> int:
    text = _text(value)
    if not text:
        return 1
    try:
        return values.whole(float(text) if "." in text else int(text), ("数量", "quantity"), 1, values.MAX_COUNT)
    except (ValueError, OverflowError):
        problems.append(f"quantity {text[:20]!r} is not a whole number from 1")
        return 1


FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
           "%Y年%m月%d日 %H:%M:%S")
EXCEL_EPOCH = datetime(1899, 12, 30)


def _time(value, name: str, problems: list[str], tz) -> float | None:
    """A moment as Unix seconds: a datetime cell, an Excel serial day number, or text in the usual layouts
    (the export's local time, `tz`); empty is None."""
    if value is None or _text(value) in ("", "-", "--"):
        return None
    moment = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and 20_000 < value < 80_000:
        moment = EXCEL_EPOCH + timedelta(days=float(value))
    else:
        text = _text(value)
        for layout in FORMATS:
            try:
                moment = datetime.strptime(text, layout)
                break
            except ValueError:
                continue
    if moment is None:
        problems.append(f"{name} {_text(value)[:25]!r} is not a time like 2026-12-01 20:15:00")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    stamp = moment.astimezone(timezone.utc).timestamp()
    if not values.MIN_WALL_TIME <= stamp <= values.MAX_WALL_TIME:
        problems.append(f"{name} {_text(value)[:25]!r} is outside 2000–2100")
        return None
    return stamp
