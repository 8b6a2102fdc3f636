"""手机机位 / 连麦 from a control surface (a Stream Deck, a script): obs-websocket vendor requests (vendorName
`anchor-console`, docs/protocol.md) that list the seats, put one on air or take it off, set its level in the mix
and whether its sound is heard, and hang it up — what the window's dialog and the command line's typed words do. A request's data is a control
surface's, hostile until parsed: every refusal is a status code with a sentence (中文 / English)."""

from __future__ import annotations

import math

from app.guests.invites import Refused, seat_name
from app.remote.obsws_requests import RequestFailed, Status, field_of

REQUESTS = ("get_guests", "accept_guest", "guest_off_air", "hang_up_guest", "set_guest_level", "set_guest_heard")


def guest_request(doors, request_type: str, data: dict) -> dict:
    """Answer one of REQUESTS with `doors` (app.doors.Doors); RequestFailed otherwise."""
    if request_type == "get_guests":
        return {"doorOpen": doors.guests is not None, "guests": [_seat(view) for view in doors.guest_seats()]}
    seat = _seat_of(doors, data)
    if request_type in ("accept_guest", "guest_off_air"):
        on_air = request_type == "accept_guest"
        if not doors.accept_guest(seat, on_air):
            raise _missing(seat)
        return {"seat": seat, "onAir": on_air}
    if request_type == "hang_up_guest":
        if not doors.remove_guest(seat):
            raise _missing(seat)
        return {"seat": seat, "hungUp": True}
    if request_type == "set_guest_level":
        return {"seat": seat, "level": doors.set_guest_level(seat, _level(data))}
    if request_type == "set_guest_heard":
        heard = field_of(data, "heard", bool)
        if not doors.hear_guest(seat, heard):
            raise _missing(seat)
        return {"seat": seat, "heard": heard}
    raise RequestFailed(Status.UNKNOWN_REQUEST_TYPE, f"未知操作 / unknown vendor request {request_type[:40]!r}")


def _seat(view) -> dict:
    return {"seat": view.seat, "kind": view.kind, "state": view.state, "onAir": view.accepted,
            "connected": view.connected, "level": round(view.gain, 3), "heard": view.heard,
            "size": list(view.size) if view.size is not None else None}


def _seat_of(doors, data: dict) -> str:
    """The seat a request names: text, a seat's name, and one of the open door's seats."""
    raw = field_of(data, "seat", str)
    try:
        seat = seat_name(raw)
    except Refused as exc:
        raise RequestFailed(Status.INVALID_REQUEST_FIELD, str(exc)) from None
    if doors.guests is None:
        raise RequestFailed(Status.INVALID_RESOURCE_STATE, "手机机位未开启 / the guests' door is closed")
    if seat not in {view.seat for view in doors.guest_seats()}:
        raise _missing(seat)
    return seat


def _missing(seat: str) -> RequestFailed:
    return RequestFailed(Status.RESOURCE_NOT_FOUND, f"没有这个机位 / no seat named {seat!r}")


def _level(data: dict) -> float:
    if "level" not in data:
        raise RequestFailed(Status.MISSING_REQUEST_FIELD, "缺少字段 / missing field: level")
    level = data["level"]
    if isinstance(level, bool) or not isinstance(level, (int, float)):
        raise RequestFailed(Status.INVALID_REQUEST_FIELD_TYPE, "字段类型不对 / level must be a number")
    if not math.isfinite(level) or not 0 <= level <= 2:
        raise RequestFailed(Status.REQUEST_FIELD_OUT_OF_RANGE, "音量需在 0–2 之间 / level is 0 to 2 (1: as it arrives)")
    return float(level)
