"""手机机位 / 连麦嘉宾 for the headless shows (`demo`, `live`): `--phone NAME` (a phone camera: its picture) and
`--guest NAME` (连麦: its picture and its sound) each add a seat to the studio's sources and a scene showing it (the
last one added goes on air); after the go-live the guests' door opens and each seat's link is printed with its QR
code and the certificate's fingerprint. A joined phone stays off air until `accept NAME` is typed (or at once with
`--accept-guests`); `off NAME`, `sound NAME on|off` (a phone camera's sound in the program, or a guest's out),
`remove NAME` (hang up, void the link) and `invite NAME` (a fresh link) likewise."""

from __future__ import annotations

import argparse
import sys
import threading
from dataclasses import dataclass

GUEST_PORT = 8766


@dataclass(frozen=True)
class GuestSeats:
    seats: tuple[tuple[str, str], ...]  # (name, "camera" | "guest")
    host: str = "0.0.0.0"
    port: int = GUEST_PORT
    accept: bool = False


def add_arguments(parser, listen_address) -> None:
    parser.add_argument("--phone", action="append", default=[], metavar="NAME", type=_seat,
                        help="手机机位: a phone on the LAN joins by a printed link / QR code as source NAME (repeatable)")
    parser.add_argument("--guest", action="append", default=[], metavar="NAME", type=_seat,
                        help="连麦嘉宾: a guest's browser joins with picture and sound, beside the host (repeatable)")
    parser.add_argument("--guest-door", metavar="[HOST:]PORT", type=listen_address, default=("0.0.0.0", GUEST_PORT),
                        help=f"where the guests' door listens (default 0.0.0.0:{GUEST_PORT}; 127.0.0.1: this machine "
                             "only)")
    parser.add_argument("--accept-guests", action="store_true",
                        help="put each phone on air as soon as it joins (else type: accept NAME)")


def _seat(text: str) -> str:
    from app.media.scenes import SceneError, check_input

    try:
        return check_input(text, "guest:" + text)[0]
    except SceneError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def from_args(args) -> GuestSeats | None:
    seats = tuple((name, "camera") for name in getattr(args, "phone", [])) + tuple(
        (name, "guest") for name in getattr(args, "guest", []))
    if not seats:
        return None
    names = [name for name, _kind in seats]
    if len(set(names)) != len(names) or len(seats) > 4:
        from app.cli.errors import UsageError

        raise UsageError("机位名称不能重复，最多 4 个 / seat names must differ, at most 4 seats")
    host, port = getattr(args, "guest_door", ("0.0.0.0", GUEST_PORT))
    return GuestSeats(seats, host, port, getattr(args, "accept_guests", False))


def prepare(service, guests: GuestSeats) -> None:
    """Before the go-live: each seat a source of the studio's and a scene of its own; the last one on air."""
    from app.media.scenes import make_item, make_scene

    desk = service.desk
    desk.set_inputs({**desk.settings.inputs, **{name: "guest:" + name for name, _kind in guests.seats}})
    added = []
    for name, kind in guests.seats:
        if kind == "guest":  # 连麦: the host and the guest side by side
            added.append(make_scene(f"主播+{name} 连麦", [make_item("camera", 0, 0.125, 0.5, 0.75),
                                                        make_item(name, 0.5, 0.125, 0.5, 0.75)]))
        else:
            added.append(make_scene(f"{name} 全屏", [make_item("background"), make_item(name, fit="letterbox")]))
    desk.set_scenes([*desk.settings.scenes, *added])
    desk.switch_scene(added[-1].name)


def _print(text: str) -> None:
    print(text, flush=True)


def serve(service, guests: GuestSeats, out=_print) -> None:
    """After the go-live: the door open, each seat's link and code printed; commands read from the terminal."""
    for name, kind in guests.seats:
        _invite(service, guests, name, kind, out)
    if guests.accept:
        out("接受 accepting: each phone goes on air as it joins (--accept-guests)")
    else:
        out("上播 to put a joined phone on air, type: accept NAME   (off NAME, sound NAME on|off, remove NAME, "
            "invite NAME)")
    threading.Thread(target=_commands, args=(service, guests, sys.stdin, out), name="guest commands",
                     daemon=True).start()


def _invite(service, guests: GuestSeats, name: str, kind: str, out) -> None:
    from app.guests.qr import terminal

    invite = service.doors.invite_guest(name, kind, guests.host, guests.port)
    if guests.accept:
        service.doors.accept_guest(name)
    out(f"{'连麦嘉宾 guest' if kind == 'guest' else '手机机位 phone'} {name}: scan, or open {invite.links[0]}")
    out(terminal(invite.qr))
    for link in invite.links[1:]:
        out(f"  also: {link}")
    out(f"  certificate SHA-256 {invite.fingerprint} (the phone warns once: compare, then continue); "
        f"valid {int(invite.expires_in // 60)} min until used")


def _commands(service, guests: GuestSeats, stream, out) -> None:
    kinds = dict(guests.seats)
    for line in stream:
        verb, _, name = line.strip().partition(" ")
        name = name.strip()
        doors = service.doors
        if verb in ("accept", "上播"):
            out(f"{name}: on air" if doors.accept_guest(name) else f"{name}: no such seat")
        elif verb in ("off", "下播"):
            out(f"{name}: off air" if doors.accept_guest(name, False) else f"{name}: no such seat")
        elif verb in ("sound", "声音"):  # sound NAME on|off: the seat's sound in the program while on air
            seat, _, switch = name.rpartition(" ")
            on = switch.strip().lower() in ("on", "开")
            if switch.strip().lower() not in ("on", "off", "开", "关"):
                out("sound NAME on|off")
            else:
                out(f"{seat}: sound {'on' if on else 'off'}" if doors.hear_guest(seat.strip(), on)
                    else f"{seat}: no such seat")
        elif verb in ("remove", "挂断"):
            out(f"{name}: hung up, link void" if doors.remove_guest(name) else f"{name}: no such seat")
        elif verb in ("invite", "邀请") and name in kinds:
            _invite(service, guests, name, kinds[name], out)
        elif verb:
            out("commands: accept NAME, off NAME, sound NAME on|off, remove NAME, invite NAME")
