"""The console's network doors, as it hands them out (`service.doors`): 远程场控, the LAN assistants' door
(`app.remote.server`), 控制面板, the control surfaces' door (a subset of obs-websocket v5, `app.remote.obsws`), and
手机机位 / 连麦嘉宾, the guests' door (`app.guests.door`: a phone's browser as a scene source).

Each is closed until the streamer opens it, stays open across go-lives, and is closed with the console. The doors
read the room and its clock when they need them, so they never hold a go-live's objects.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass

from app.kernel.events import Event
from app.remote.server import RemoteStatus, lan_addresses


@dataclass(frozen=True)
class RemoteAccess:
    """What the streamer hands an assistant once the door is open: a pairing code per address, the command line
    for the terminal, and whether the LAN sees the token in clear."""

    codes: tuple[str, ...]
    command: str
    token: str
    tls: bool
    local_only: bool


class Doors:
    """`open_assistants()` / `close_assistants()` / `access()` / `status()` for the LAN assistants;
    `open_control()` / `close_control()` / `emit()` for control surfaces; `assistants` and `control` are the
    servers while open (None when closed). `on_event` is given every bus event (the assistants see the room)."""

    def __init__(self, room: Callable, stream_time: Callable[[], float | None], actor: Callable[[], str],
                 control: Callable, guest_seats=None) -> None:
        self._room, self._stream_time, self._actor, self._control = room, stream_time, actor, control
        self._seats = guest_seats  # the scenes' FeedShelf: what the guests' door fills
        self.assistants = None  # AssistantServer while LAN assistants are allowed
        self.control = None  # ObsWebSocketServer while control surfaces are allowed
        self.guests = None  # GuestDoor while phones and guests may join

    # --- 远程场控 LAN assistants -----------------------------------------------------------------------------
    def open_assistants(self, host: str = "0.0.0.0", port: int = 8765, token: str | None = None,
                        tls: bool = False):
        """Let assistants on the LAN work the live room (their verbs take the one bus path, each as its own actor,
        never this console's). `host`: "0.0.0.0" every interface (the LAN), "127.0.0.1" this machine only. `tls`:
        wss:// with the console's own certificate (its fingerprint is in the pairing code). Returns the server;
        OSError with a sentence (中文 / English) when the port is taken."""
        from app.remote.server import AssistantServer

        self.close_assistants()
        server = AssistantServer(self._room, self._stream_time, host=host, port=port, token=token,
                                 reserved={self._actor()}, tls=tls)
        _start(server, host, port)
        self.assistants = server
        return server

    def close_assistants(self) -> None:
        if self.assistants is not None:
            self.assistants.stop()
            self.assistants = None

    def access(self) -> RemoteAccess | None:
        """The pairing codes (one per address of this machine) and the command line, while the door is open."""
        server = self.assistants
        if server is None:
            return None
        local = server.host == "127.0.0.1"
        addresses = ["127.0.0.1"] if local else lan_addresses()
        command = (f"anchor-console assist {server.scheme}://{addresses[0]}:{server.port}"
                   + (f" --fingerprint {server.fingerprint}" if server.fingerprint else "") + " --name 小李")
        return RemoteAccess(tuple(server.pairing_code(a) for a in addresses), command, server.token, server.tls, local)

    def status(self) -> RemoteStatus | None:
        """Who is paired, how many wrong tokens and lockouts, while the door is open."""
        server = self.assistants
        return server.status() if server is not None else None

    def on_event(self, event: Event) -> None:  # the bus's dispatcher thread
        server = self.assistants
        if server is not None:
            server.on_event(event)

    # --- 控制面板 control surfaces ---------------------------------------------------------------------------
    def open_control(self, host: str = "127.0.0.1", port: int = 4455, password: str | None = None):
        """Let Stream Deck, Touch Portal, Companion or a script drive the console. Loopback only unless a password
        is given. Returns the server; OSError (中文 / English) when the port is taken, ValueError for the LAN
        without a password."""
        from app.remote.obsws import ObsWebSocketServer

        self.close_control()
        server = ObsWebSocketServer(self._control(), host=host, port=port, password=password)
        _start(server, host, port)
        self.control = server
        return server

    def close_control(self) -> None:
        if self.control is not None:
            self.control.stop()
            self.control = None

    def emit(self, event_type: str, data: dict) -> None:
        """An obs-websocket event (a scene switched, the sound muted, the stream started) to the control
        surfaces that asked for it; nothing while the door is closed."""
        server = self.control
        if server is not None:
            server.emit(event_type, data)

    # --- 手机机位 / 连麦嘉宾 the guests' door --------------------------------------------------------------------
    def open_guests(self, host: str = "0.0.0.0", port: int = 8766):
        """Let phones and guests on the LAN join by the links the door hands out (`guests.invite(seat)` and
        `guests.link(invitation, address)`), over HTTPS with the console's own certificate. Returns the door;
        OSError (中文 / English) when the port is taken."""
        from app.guests.door import GuestDoor

        self.close_guests()
        door = GuestDoor(host=host, port=port, shelf=self._seats)
        _start(door, host, port)
        self.guests = door
        return door

    def close_guests(self) -> None:
        """Every phone is hung up and every invitation is void; the seats' slates stay in the scenes."""
        if self.guests is not None:
            self.guests.stop()
            self.guests = None

    def invite_guest(self, seat: str, kind: str = "camera", host: str = "0.0.0.0", port: int = 8766):
        """A fresh link for `seat` (the door opened on `host`:`port` first if it is closed): a `GuestInvite` with
        its QR code. app.guests.invites.Refused (中文 / English) for a bad name or kind, or too many seats."""
        from app.guests.feed import GuestInvite
        from app.guests.qr import qr_rows

        door = self.guests or self.open_guests(host, port)
        invitation = door.invite(seat, kind)
        addresses = ["127.0.0.1"] if door.host == "127.0.0.1" else lan_addresses()
        links = tuple(door.link(invitation, address) for address in addresses)
        return GuestInvite(invitation.seat, invitation.kind, links, qr_rows(links[0]), door.fingerprint,
                           invitation.ttl_s)

    def guest_seats(self) -> tuple:
        """Every seat of the open door as `GuestSeat` values (none while it is closed)."""
        from app.guests.feed import GuestSeat

        door = self.guests
        if door is None:
            return ()
        seats = []
        for view in door.book.seats():
            feed = door.feed(view.seat)
            state = feed.latest()
            size = None if state.frame is None else (state.frame.width, state.frame.height)
            seats.append(GuestSeat(view.seat, view.kind, view.state, view.accepted, state.connected, state.count,
                                   size, view.expires_in, state.peak, feed.gain, feed.heard))
        return tuple(seats)

    def accept_guest(self, seat: str, on_air: bool = True) -> bool:
        """Put the seat's phone on air (or take it off); False when the door is closed or has no such seat. Control
        surfaces hear it as a VendorEvent `guest_changed` (a Stream Deck's button lights)."""
        done = self.guests is not None and self.guests.accept(seat, on_air)
        if done:
            self._guest_changed(seat, on_air=on_air)
        return done

    def set_guest_level(self, seat: str, gain: float) -> float:
        """The seat's level in the program's mix, 0–2 (1: as it arrives); what was set."""
        gain = min(2.0, max(0.0, float(gain))) if gain == gain else 1.0  # NaN: as it arrives
        if self._seats is not None:
            self._seats.feed(seat).gain = gain
        return gain

    def hear_guest(self, seat: str, heard: bool = True) -> bool:
        """The seat's sound in the program while it is on air (a guest's is by default; a phone camera's — a
        close-up's sound, a phone as a wireless microphone — when asked); False when there is no such seat."""
        return self.guests is not None and self.guests.hear(seat, heard)

    def remove_guest(self, seat: str) -> bool:
        """Hang up the seat's phone and void its link and key; its slate stays in the scenes."""
        done = self.guests is not None and self.guests.revoke(seat)
        if done:
            self._guest_changed(seat, on_air=False, hung_up=True)
        return done

    def _guest_changed(self, seat: str, **change) -> None:
        from app.remote.obsws_requests import VENDOR

        data = {"seat": seat, "onAir": change["on_air"]} | ({"hungUp": True} if change.get("hung_up") else {})
        self.emit("VendorEvent", {"vendorName": VENDOR, "eventType": "guest_changed", "eventData": data})

    def guest_still(self, seat: str, width: int = 240):
        """The seat's newest picture, small, as BGR (to see who it is before accepting), or None."""
        frame = self._seats.feed(seat).latest().frame if self._seats is not None else None
        if frame is None:
            return None
        height = max(2, round(width * frame.height / frame.width / 2) * 2)
        return frame.to_ndarray(width=width, height=height, format="bgr24")

    def close(self) -> None:
        self.close_guests()
        self.close_control()
        self.close_assistants()


def _start(server, host: str, port: int) -> None:
    try:
        server.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise OSError(exc.errno, f"端口 {port} 已被占用，请换一个端口 / port {port} is already in use: choose "
                                     f"another port") from None
        raise OSError(exc.errno, f"无法在 {host}:{port} 上监听 / cannot listen on {host}:{port}: "
                                 f"{exc.strerror or exc}") from None
