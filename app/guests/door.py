"""The guests' door (手机机位 / 连麦嘉宾): an HTTPS server on the studio LAN that serves the join page (plain
HTML/JS from resources/guest, no outside script) and, on /signal, a WebSocket that trades one WebRTC offer for an
answer; the picture then comes by WebRTC (aiortc) into the seat's feed.

Signalling, JSON text frames (docs/protocol.md, "Guest door v1"):
  → {"type": "join", "token": "…", "sdp": "<offer>"}     the link's one-time token (or "key": the rejoin key)
  ← {"type": "answer", "sdp": "…", "seat": "手机1", "kind": "camera", "key": "…", "accepted": false}
  ← {"type": "state", "accepted": true}                  when the console puts the seat on air or takes it off
  ← {"type": "error", "reason": "…"}                     then the door closes the socket
  → {"type": "bye"}                                      the page hangs up

The peer lives as long as its socket: a dropped socket or a failed connection hangs up, and the page comes back
with its rejoin key. The door's discipline is the assistants' door's: wrong secrets per address (a delay, then a
lockout), sockets waiting to join capped, one phone per seat (a rejoin replaces the one before), bounded frames and
offers, no secret in logs; the browser is asked to send at most `video_kbps` (b=AS in the answer).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from websockets.exceptions import ConnectionClosed

from app.config import resource_dir
from app.guests.audio import PICTURE_DELAY_S
from app.guests.feed import FeedShelf, GuestFeed
from app.guests.invites import InviteBook, Invitation, Refused, Ticket, seat_name
from app.guests.program import program_tracks
from app.remote.door import WebSocketDoor
from app.remote.guard import MAX_UNPAIRED, WRONG_TOKEN_DELAY_S, PairingGuard
from app.remote.tls import server_context
from app.text import outside_json

log = logging.getLogger(__name__)

PAGES = {"/": ("join.html", "text/html; charset=utf-8"), "/join.js": ("join.js", "text/javascript; charset=utf-8")}
HEADERS = (("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
           ("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; "
                                       "style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob:"))
MAX_SDP_CHARS = 32_000  # a browser's offer with every codec is ~6,000
SECRET_MAX_CHARS = 64
JOIN_TIMEOUT_S = 5.0  # a page sends its offer as soon as it has its candidates (loopback: ~50 ms)
VIDEO_KBPS = 4000  # 720p30 from a phone looks good at 2,500–4,000 kb/s
MAX_SECTIONS = 4  # a camera and a microphone (and a data channel): more would each cost a decoder
MAX_PIXELS = 1920 * 1080  # a bigger picture is not drawn (decoding it costs the show; a phone sends 720p)


class GuestDoor(WebSocketDoor):
    thread_name = "guests' door"

    def __init__(self, book: InviteBook | None = None, host: str = "0.0.0.0", port: int = 8766,
                 folder: Path | None = None, video_kbps: int = VIDEO_KBPS, shelf: FeedShelf | None = None) -> None:
        super().__init__(host, port)
        self.book = book or InviteBook()
        self.video_kbps = video_kbps
        self._context, self.fingerprint = server_context(folder)
        self._pages = {path: ((resource_dir() / "guest" / name).read_bytes(), kind) for path, (name, kind) in
                       PAGES.items()}
        self.guard = PairingGuard()
        self.shelf = shelf or FeedShelf()
        self._peers: dict[str, _Peer] = {}  # the door's loop only
        self._unpaired = 0
        self.joined = 0  # phones let in (claims and rejoins), since the door opened

    # --- the console's side (any thread) -----------------------------------------------------------------
    def feed(self, seat: str) -> GuestFeed:
        return self.shelf.feed(seat)

    def invite(self, seat: str, kind: str = "camera") -> Invitation:
        held = seat_name(seat) in self.book
        invitation = self.book.invite(seat, kind)
        feed = self.feed(invitation.seat)
        if not held or feed.kind != invitation.kind:  # a fresh link for a held seat keeps what was set for it
            feed.kind = invitation.kind
            self.hear(invitation.seat, invitation.kind == "guest")  # a guest is heard; a phone camera when asked
        feed.set_accepted(self.book.accepted(invitation.seat))
        self._call_soon(lambda: self._hang_up(invitation.seat))  # a new link: the phone before it is let go
        return invitation

    def accept(self, seat: str, on_air: bool = True) -> bool:
        if not self.book.accept(seat, on_air):
            return False
        self.feed(seat).set_accepted(on_air)
        self._call_soon(lambda: self._tell(seat, {"type": "state", "accepted": on_air}))
        return True

    def hear(self, seat: str, heard: bool = True) -> bool:
        """The seat's sound into the program while it is on air (or not); its picture is then held to meet its
        sound, which comes later (app/guests/audio.py). False for a seat that is not there."""
        if seat not in self.book:
            return False
        feed = self.feed(seat)
        feed.heard = bool(heard)
        feed.delay_s = PICTURE_DELAY_S if feed.heard else 0.0
        return True

    def revoke(self, seat: str) -> bool:
        found = self.book.revoke(seat)
        self.feed(seat).clear()
        self._call_soon(lambda: self._hang_up(seat))
        return found

    def link(self, invitation: Invitation, address: str) -> str:
        """What the QR code holds: the token in the fragment (a browser sends it to no server, no Referer); a
        guest's link says so, so the page opens the front camera (a phone camera's, the back one)."""
        kind = "&k=guest" if invitation.kind == "guest" else ""
        return f"https://{address}:{self.port}/#t={invitation.token}{kind}"

    # --- the door ------------------------------------------------------------------------------------------
    def _serve_options(self) -> dict:
        return {"ssl": self._context, "process_request": self._http}

    def _http(self, connection, request):
        from websockets.datastructures import Headers
        from websockets.http11 import Response

        path = request.path.split("?", 1)[0]
        if path == "/signal":
            return None  # the WebSocket handshake goes on
        page = self._pages.get(path)
        if page is None:
            return connection.respond(404, "Not Found\n")
        body, kind = page
        return Response(200, "OK", Headers([("Content-Type", kind), ("Content-Length", str(len(body))), *HEADERS]),
                        body)

    async def _handler(self, socket) -> None:
        address = socket.remote_address[0] if socket.remote_address else "?"
        if self.guard.locked_for(address) > 0 or self._unpaired >= MAX_UNPAIRED:
            await _refuse(socket, "请稍后再试 / too many attempts: try again later")
            return
        self._unpaired += 1
        try:
            ticket, offer = self._join(await asyncio.wait_for(socket.recv(), JOIN_TIMEOUT_S))
        except Refused as exc:
            self.guard.failed(address)
            await asyncio.sleep(WRONG_TOKEN_DELAY_S)
            await _refuse(socket, str(exc))
            return
        except ValueError as exc:
            await _refuse(socket, str(exc))
            return
        except (asyncio.TimeoutError, OSError, ConnectionClosed):
            return
        finally:
            self._unpaired -= 1
        self.guard.succeeded(address)
        self.joined += 1
        await self._connect(socket, ticket, offer)

    def _join(self, raw) -> tuple[Ticket, str]:
        """The first frame: a join with one secret and an offer. ValueError (bilingual) for a malformed one,
        Refused for a secret that lets no one in."""
        try:
            message = outside_json(raw) if isinstance(raw, str) else None
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "join":
            raise ValueError("需先发送 join / the first frame is a join")
        sdp = message.get("sdp")
        if not isinstance(sdp, str) or not 0 < len(sdp) <= MAX_SDP_CHARS or "m=video" not in sdp:
            raise ValueError("连接请求无效 / the offer is not valid")
        if sdp.count("\nm=") + sdp.startswith("m=") > MAX_SECTIONS:
            raise ValueError(f"连接请求的媒体流过多（最多 {MAX_SECTIONS} 路）/ the offer has more than {MAX_SECTIONS} media "
                             f"sections")
        token, key = message.get("token"), message.get("key")
        for secret in (token, key):
            if secret is not None and (not isinstance(secret, str) or len(secret) > SECRET_MAX_CHARS):
                raise Refused("邀请无效 / this invitation is not valid")
        if key is not None:
            return self.book.rejoin(key), sdp
        return self.book.claim(token), sdp

    async def _connect(self, socket, ticket: Ticket, offer: str) -> None:
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        self._hang_up(ticket.seat)
        feed = self.feed(ticket.seat)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # the LAN: no STUN server to ask
        peer = _Peer(socket, pc)
        self._peers[ticket.seat] = peer

        @pc.on("track")
        def _track(track) -> None:
            peer.tasks.append(asyncio.ensure_future(_pull(track, feed)))

        @pc.on("connectionstatechange")
        async def _state() -> None:
            feed.set_connected(pc.connectionState == "connected")
            if pc.connectionState in ("failed", "closed"):
                await socket.close()

        try:
            try:
                await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
                if ticket.kind == "guest":  # 连麦: the program goes back so the guest can talk with the host
                    offered = {transceiver.kind for transceiver in pc.getTransceivers()}
                    for track in program_tracks(self.shelf.program_picture, self.shelf.program_sound):
                        if track.kind in offered:  # an answer cannot add a section the offer did not have
                            pc.addTrack(track)
                await pc.setLocalDescription(await pc.createAnswer())
            except Exception as exc:  # noqa: BLE001 - an offer is outside input; aiortc raises many kinds at it
                log.info("a guest's offer for seat %s was not answered: %s", ticket.seat, type(exc).__name__)
                await _refuse(socket, "无法建立连接：浏览器的请求无法应答 / the browser's offer could not be answered")
                return
            await socket.send(json.dumps({"type": "answer", "sdp": cap_bitrate(pc.localDescription.sdp,
                                                                               self.video_kbps),
                                          "seat": ticket.seat, "kind": ticket.kind, "key": ticket.key,
                                          "accepted": self.book.accepted(ticket.seat)}, ensure_ascii=False))
            async for message in socket:
                if _is_bye(message):
                    break
        except (OSError, ConnectionClosed):
            pass
        finally:
            if self._peers.get(ticket.seat) is peer:
                del self._peers[ticket.seat]
                feed.set_connected(False)
            await peer.close()
            if ticket.seat not in self.book:  # revoked meanwhile: a picture that came in since is not kept
                feed.clear()

    def _hang_up(self, seat: str) -> None:  # the door's loop
        peer = self._peers.pop(seat, None)
        if peer is not None:
            self.feed(seat).set_connected(False)
            asyncio.ensure_future(peer.socket.close(1000, "replaced"))

    def _tell(self, seat: str, message: dict) -> None:  # the door's loop
        peer = self._peers.get(seat)
        if peer is not None:
            asyncio.ensure_future(_send_quietly(peer.socket, json.dumps(message)))


class _Peer:
    def __init__(self, socket, pc) -> None:
        self.socket, self.pc, self.tasks = socket, pc, []

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.pc.close()


async def _pull(track, feed: GuestFeed) -> None:
    """Every decoded frame is taken at once (aiortc queues them without bound otherwise): the picture into the
    seat's one slot; the sound to whoever listens (the show's mix), else let go."""
    from aiortc.mediastreams import MediaStreamError

    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if track.kind == "video":
            if frame.width * frame.height <= MAX_PIXELS:
                feed.put(frame)
        else:
            feed.put_audio(frame)


def cap_bitrate(sdp: str, kbps: int) -> str:
    """The answer with "b=AS:kbps" in its video section (after its c= line, where SDP wants it): the browser sends
    at most that."""
    lines, out, video = sdp.split("\r\n"), [], False
    for line in lines:
        if line.startswith("m="):
            video = line.startswith("m=video")
        elif video and line.startswith("b="):
            continue  # ours replaces any
        out.append(line)
        if video and line.startswith("c="):
            out.append(f"b=AS:{int(kbps)}")
    return "\r\n".join(out)


def _is_bye(message) -> bool:
    try:
        parsed = outside_json(message) if isinstance(message, str) else None
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "bye"


async def _refuse(socket, reason: str) -> None:
    await _send_quietly(socket, json.dumps({"type": "error", "reason": reason}, ensure_ascii=False))
    try:
        await socket.close(1008, "refused")
    except OSError:
        pass


async def _send_quietly(socket, text: str) -> None:
    try:
        await socket.send(text)
    except (OSError, ConnectionClosed):
        pass

