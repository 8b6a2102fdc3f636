"""The one list of the live room's verbs: each verb's name, its arguments (kind on the wire, how the line console
reads it, a default), what it does, its word in the line console, and how it is taken back.

Everything that calls verbs is derived from this list: the LAN assistants' server and obs-websocket's vendor
requests check arguments with `check_arguments`, the assistant's line console (`anchor-console assist`) reads
`parse_words`, and `UndoableVerbs` asks `inverse` how to take a verb back. Adding a verb is one entry here plus
its method on `LiveRoom` (`room.<name>(*args, actor)`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.commerce.room import ActionRefused, LiveRoom

__all__ = ["Arg", "MAX_TEXT_ARG", "Step", "VERBS", "Verb", "check_arguments", "inverse", "line_words",
           "parse_words", "wire_kinds"]

MAX_TEXT_ARG = 200  # a text argument from outside, in characters


@dataclass(frozen=True)
class Arg:
    name: str
    kind: str = "n"  # on the wire: "n" a number, "s" a short text
    typed: str = "int"  # in the line console: int | cents (yuan typed) | seconds (minutes typed) | text
    default: str | None = None  # the line console's value when the word is left out (last arguments only)


@dataclass(frozen=True)
class Step:
    """How to take one verb back: what undoing it does ("中文 / English") and the call that does it."""

    description: str
    inverse: Callable[[], object]


# (state before the verb, room, actor, the verb's arguments) → Step, or None: nothing to take back
Undo = Callable[..., "Step | None"]


@dataclass(frozen=True)
class Verb:
    name: str
    args: tuple[Arg, ...] = ()
    what: str = ""  # 中文 / English
    word: str | None = None  # the line console's command; None: not typed (it needs what the console shows first)
    undo: Undo | None = None  # None: not taken back (stopping things: a stopped coupon is not dropped by surprise)


def _price_back(state, room: LiveRoom, actor: str, product_id, _cents):
    product = state.products.get(product_id)
    if product is None:
        return None
    old = product.live_price_cents
    return Step(f"直播价改回 ￥{old / 100:g} / live price back to ￥{old / 100:g}: {product.title}",
                lambda: room.set_live_price(product.id, old, actor))


def _stock_back(state, room: LiveRoom, actor: str, product_id, _stock):
    product = state.products.get(product_id)
    if product is None:
        return None
    old = product.stock
    return Step(f"库存改回 {old} / stock back to {old}: {product.title}", lambda: room.set_stock(product.id, old, actor))


def _pin_back(state, room: LiveRoom, actor: str, *_args):
    previous = state.pinned_product
    if previous is None:
        return Step("取消讲解 / unpinned", lambda: room.unpin_product(actor))
    return Step(f"重新讲解 / pinned again: {state.products[previous].title}",
                lambda: room.pin_product(previous, actor))


def _notice_back(state, room: LiveRoom, actor: str, _text):
    previous = state.notice
    if previous is None:
        return Step("撤下公告 / notice taken off the stream", lambda: room.unpin_notice(actor))
    return Step(f"公告改回 / notice back: {previous}", lambda: room.pin_notice(previous, actor))


_PRODUCT = Arg("product_id")
VERBS: dict[str, Verb] = {verb.name: verb for verb in (
    Verb("pin_product", (_PRODUCT,), "讲解商品 / pin a product", "pin", _pin_back),
    Verb("unpin_product", (), "取消讲解 / unpin", "unpin"),
    Verb("next_product", (), "下一个商品 / next product", "next", _pin_back),
    Verb("previous_product", (), "上一个商品 / previous product", "prev", _pin_back),
    Verb("set_live_price", (_PRODUCT, Arg("cents", typed="cents")), "改直播价 / set the live price", "price",
         _price_back),
    Verb("set_stock", (_PRODUCT, Arg("stock")), "改库存 / set the stock", "stock", _stock_back),
    Verb("drop_coupon", (Arg("coupon_id"), Arg("quantity"), Arg("seconds", typed="seconds")), "发券 / drop a coupon",
         "coupon", lambda state, room, actor, coupon_id, *_: Step(
             "停止刚发的券 / stopped the coupon just dropped", lambda: room.stop_coupon(coupon_id, actor))),
    Verb("stop_coupon", (Arg("coupon_id"),), "停止发券 / stop a coupon", "stopcoupon"),
    Verb("start_flash_sale", (_PRODUCT, Arg("price_cents", typed="cents"), Arg("stock"),
                              Arg("seconds", typed="seconds")), "开始秒杀 / start a flash sale", "flash",
         lambda state, room, actor, *_: Step("结束刚开始的秒杀 / ended the flash sale just started",
                                             lambda: room.stop_flash_sale(actor))),
    Verb("stop_flash_sale", (), "结束秒杀 / end the flash sale", "endflash"),
    Verb("pin_comment", (Arg("comment_seq"),), "置顶评论 / pin a comment", "pincomment",
         lambda state, room, actor, *_: Step("取消置顶评论 / comment unpinned", lambda: room.unpin_comment(actor))),
    Verb("unpin_comment", (), "取消置顶 / unpin the comment", "unpincomment"),
    Verb("start_draw", (Arg("prize", "s", "text"), Arg("keyword", "s", "text"), Arg("winners"),
                        Arg("seconds", typed="seconds"), Arg("who", "s", "text", default="anyone")),
         "开始福袋 / open a lucky draw", "draw"),
    Verb("stop_draw", (), "立即开奖 / draw now", "enddraw"),
    Verb("reply_comment", (Arg("comment_seq"), Arg("nickname", "s", "text"), Arg("question", "s", "text"),
                           Arg("answer", "s", "text")), "回复上屏 / answer on stream", None,
         lambda state, room, actor, *_: Step("撤下刚上屏的回复 / reply taken off the stream",
                                             lambda: room.clear_reply(actor))),
    Verb("clear_reply", (), "撤下回复 / take the reply off", "unreply"),
    Verb("pin_notice", (Arg("text", "s", "text"),), "公告上屏 / show a notice", None, _notice_back),
    Verb("unpin_notice", (), "撤下公告 / take the notice off", "unnotice"),
)}


def wire_kinds(name: str) -> str:
    """The verb's arguments as the LAN protocol documents them: "n" a number, "s" a text, in order."""
    return "".join(arg.kind for arg in VERBS[name].args)


def _fits(kind: str, value) -> bool:
    if kind == "n":
        return not isinstance(value, bool) and isinstance(value, (int, float))
    return isinstance(value, str) and len(value) <= MAX_TEXT_ARG


def check_arguments(verb, args) -> list:
    """A verb's arguments from outside (a LAN assistant, a control surface), checked against the list:
    ActionRefused with what it takes. The room checks the values themselves (ranges, finite numbers)."""
    if not isinstance(verb, str) or verb not in VERBS:
        raise ActionRefused(f"未知操作 / unknown verb {str(verb)[:40]!r}")
    kinds = wire_kinds(verb)
    if not isinstance(args, list) or len(args) != len(kinds) or not all(_fits(k, a) for k, a in zip(kinds, args)):
        shown = " ".join({"n": "数字 number", "s": "文字 text"}[k] for k in kinds) or "—"
        raise ActionRefused(f"{verb}: 参数应为 {shown} / takes {len(kinds)} argument(s): {shown}")
    return list(args)


_READ = {"int": int, "text": str, "cents": lambda v: round(float(v) * 100), "seconds": lambda v: float(v) * 60}


def line_words() -> dict[str, str]:
    """The line console's command words → verb names."""
    return {verb.word: verb.name for verb in VERBS.values() if verb.word}


def parse_words(word: str, values: list[str]) -> tuple[str, list]:
    """A typed line (`price 3 59.9`) as (verb, arguments): yuan to cents, minutes to seconds, defaults for the
    last arguments left out; ValueError with what the command takes."""
    name = line_words().get(word)
    if name is None:
        raise ValueError(f"unknown command {word[:40]!r}")
    args = VERBS[name].args
    values = list(values)
    while len(values) < len(args) and args[len(values)].default is not None:
        values.append(args[len(values)].default)
    if len(values) != len(args):
        raise ValueError(f"{word} takes {len(args)} value(s): {' '.join(arg.name for arg in args)}")
    return name, [_READ[arg.typed](value) for arg, value in zip(args, values)]


def inverse(state, room: LiveRoom, actor: str, verb: str, args) -> Step | None:
    """How to take `verb(*args)` back, from the room's state before it; None when it is not taken back."""
    entry = VERBS.get(verb)
    return entry.undo(state, room, actor, *args) if entry is not None and entry.undo is not None else None
