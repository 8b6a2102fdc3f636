"""The protobuf inside Bilibili's newer commands: `INTERACT_WORD_V2` (entries, follows, shares) and `SEND_GIFT_V2`
(gifts), whose JSON carries the message base64-encoded in `data.pb`. The messages are declared here as descriptors
for Google's protobuf runtime (PyPI `protobuf`: no generated code, no protoc), with only the fields the console
maps; the field numbers are those the web client reads today (as blivedm's current models describe them). Fields
this declaration does not name are kept by the runtime as unknown and ignored.

`interact_word(pb)` and `gift_broadcast(pb)` return plain values or raise `PbError` for anything that is not such
a message (bad base64, bad protobuf, text that is not UTF-8)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

__all__ = ["Gift", "GiftBroadcast", "Interaction", "PbError", "gift_broadcast", "interact_word"]

MAX_PB_BYTES = 64 * 1024  # one message; a real one is a few hundred bytes
MAX_GIFTS = 100  # gift items in one broadcast

_FIELD = descriptor_pb2.FieldDescriptorProto
_INT, _TEXT, _MESSAGE = _FIELD.TYPE_INT64, _FIELD.TYPE_STRING, _FIELD.TYPE_MESSAGE
_PACKAGE = "anchor_console.bilibili"
_MESSAGES = {
    "InteractWordV2": [(1, "uid", _INT), (2, "uname", _TEXT), (5, "msg_type", _INT), (7, "timestamp", _INT)],
    "GiftItem": [(1, "gift_id", _INT), (2, "gift_name", _TEXT), (3, "num", _INT), (5, "price", _INT),
                 (7, "total_coin", _INT), (8, "coin_type", _TEXT), (9, "tid", _TEXT), (10, "timestamp", _INT),
                 (12, "rnd", _TEXT)],
    "SendGiftV2": [(1, "uid", _INT), (2, "uname", _TEXT), (10, "gift_list", "GiftItem")],
}


class PbError(ValueError):
    """Not a message of the expected shape."""


def _classes() -> dict[str, type]:
    file = descriptor_pb2.FileDescriptorProto(name="anchor_console_bilibili.proto", package=_PACKAGE,
                                              syntax="proto3")
    for name, fields in _MESSAGES.items():
        message = file.message_type.add(name=name)
        for number, field_name, kind in fields:
            if isinstance(kind, str):  # a repeated nested message
                message.field.add(name=field_name, number=number, type=_MESSAGE, label=_FIELD.LABEL_REPEATED,
                                  type_name=f".{_PACKAGE}.{kind}")
            else:
                message.field.add(name=field_name, number=number, type=kind, label=_FIELD.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}"))
            for name in _MESSAGES}


_CLASSES = _classes()


@dataclass(frozen=True)
class Interaction:
    uid: int
    uname: str
    msg_type: int  # 1 entered, 2 followed, 3 shared, 4 special follow, 5 mutual follow, 6 liked
    timestamp: int


@dataclass(frozen=True)
class Gift:
    gift_id: int
    gift_name: str
    num: int
    price: int  # gold or silver coins each
    total_coin: int  # what was paid for the whole batch (a blind box: the box's price), gold: 1,000 = ¥1
    coin_type: str  # "gold" | "silver"
    tid: str
    rnd: str


@dataclass(frozen=True)
class GiftBroadcast:
    uid: int
    uname: str
    gifts: tuple[Gift, ...]


def _decode(name: str, pb: object):
    if not isinstance(pb, str):
        raise PbError("pb is not text")
    if len(pb) > MAX_PB_BYTES * 4 // 3 + 4:
        raise PbError("pb is too long")
    try:
        raw = base64.b64decode(pb, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PbError(f"pb is not base64 ({exc})") from None
    message = _CLASSES[name]()
    try:
        message.ParseFromString(raw)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise PbError(f"pb is not a {name} message ({exc.__class__.__name__})") from None
    return message


def interact_word(pb: object) -> Interaction:
    message = _decode("InteractWordV2", pb)
    return Interaction(message.uid, message.uname, message.msg_type, message.timestamp)


def gift_broadcast(pb: object) -> GiftBroadcast:
    message = _decode("SendGiftV2", pb)
    if len(message.gift_list) > MAX_GIFTS:
        raise PbError(f"more than {MAX_GIFTS} gifts in one message")
    gifts = tuple(Gift(g.gift_id, g.gift_name, g.num, g.price, g.total_coin, g.coin_type, g.tid, g.rnd)
                  for g in message.gift_list)
    return GiftBroadcast(message.uid, message.uname, gifts)
