"""开播前检查 Pre-live checklist: each check measured, not assumed, with its reason and its fix, for the window and
for a studio's morning routine (`anchor-console check`).

- 推流服务器 Stream server: for each destination, the RTMP handshake and the `connect` to its application complete
  (a TCP port that accepts and then says nothing fails here, not at go-live). The stream key is never sent:
  the check stops before `publish`, so nothing goes on air and the key does not leave the machine.
- 上行测速 Upload test (asked for only: it publishes, with the key): the test pattern pushed to the destination for a
  few seconds at the show's bitrate with headroom; what the link carried, whether the push ever backed up or
  dropped. On a platform this is a short live: run it on the ingest before the show is announced.
- 录制空间 Disk: free space for the recording at the chosen bitrate for the planned length, with 20 % headroom.
- 违禁词 Extreme words: product titles, selling points and scripts (Advertising Law list).
- 商品 Run sheet: every product in stock with a live price.
- 优惠券 Coupons: at least one defined (a warning only: a show may sell without coupons).
- 画面 Video source: the camera (or file) delivers frames, at what rate; 麦克风 Microphone (with a camera): its
  level moves.
- 直播间数据 Room feed: the connector connects and receives messages.

Each check returns a `Check`; `run_checks` runs the ones asked for. Nothing here raises past a check.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from app.redaction import redact_url

OK, WARN, FAIL = "ok", "warn", "fail"
MARK = {OK: "✓", WARN: "⚠", FAIL: "✗"}


@dataclass(frozen=True)
class Check:
    name: str  # "中文 English"
    status: str  # ok | warn | fail
    detail: str  # what was measured (中文 / English where it matters)
    fix: str = ""  # what to do when it is not ok

    def line(self) -> str:
        fix = f" → {self.fix}" if self.fix and self.status != OK else ""
        return f"{MARK[self.status]} {self.name}: {self.detail}{fix}"


# --- RTMP: handshake + connect, never publish ------------------------------------------------------------------

class RtmpProbeError(Exception):
    """Why a server did not complete the handshake or the connect (a sentence)."""


def _amf_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"\x02" + struct.pack(">H", len(data)) + data


def _amf_number(value: float) -> bytes:
    return b"\x00" + struct.pack(">d", value)


def _amf_object(fields: dict[str, str]) -> bytes:
    out = b"\x03"
    for key, value in fields.items():
        name = key.encode("utf-8")
        out += struct.pack(">H", len(name)) + name + _amf_string(value)
    return out + b"\x00\x00\x09"


def _chunks(payload: bytes, csid: int = 3, type_id: int = 20, chunk: int = 128) -> bytes:
    """One AMF0 command message as RTMP chunks (type-0 header, then type-3 continuation headers)."""
    header = bytes([csid]) + b"\x00\x00\x00" + struct.pack(">I", len(payload))[1:] + bytes([type_id]) + b"\x00" * 4
    out, rest = header + payload[:chunk], payload[chunk:]
    while rest:
        out += bytes([0xC0 | csid]) + rest[:chunk]
        rest = rest[chunk:]
    return out


class _Reader:
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline = sock, deadline

    def exact(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout
            self.sock.settimeout(left)
            part = self.sock.recv(count - len(data))
            if not part:
                raise RtmpProbeError("服务器断开了连接 / the server closed the connection")
            data += part
        return data


def _command_name(payload: bytes) -> str | None:
    if len(payload) >= 3 and payload[0] == 0x02:
        size = struct.unpack(">H", payload[1:3])[0]
        return payload[3:3 + size].decode("utf-8", "replace")
    return None


def _read_reply(reader: _Reader) -> tuple[str, bytes]:
    """Read chunks until an AMF0 command message arrives; return its name and payload."""
    chunk_size = 128
    partial: dict[int, tuple[int, int, bytes]] = {}  # csid → (length, type, data so far)
    previous: dict[int, tuple[int, int]] = {}  # csid → (length, type) of its last message header
    for _ in range(1000):
        first = reader.exact(1)[0]
        fmt, csid = first >> 6, first & 0x3F
        if csid == 0:
            csid = 64 + reader.exact(1)[0]
        elif csid == 1:
            low, high = reader.exact(2)
            csid = 64 + low + high * 256
        timestamp = 0
        if fmt == 0:
            header = reader.exact(11)
            timestamp = int.from_bytes(header[:3], "big")
            length, type_id = int.from_bytes(header[3:6], "big"), header[6]
        elif fmt == 1:
            header = reader.exact(7)
            timestamp = int.from_bytes(header[:3], "big")
            length, type_id = int.from_bytes(header[3:6], "big"), header[6]
        else:
            if fmt == 2:
                timestamp = int.from_bytes(reader.exact(3), "big")
            length, type_id = previous.get(csid, (0, 0))
        if timestamp == 0xFFFFFF:
            reader.exact(4)
        previous[csid] = (length, type_id)
        if length > 1 << 20:
            raise RtmpProbeError("服务器的回复不是 RTMP / the server's reply is not RTMP")
        known, kind, data = partial.get(csid, (length, type_id, b""))
        data += reader.exact(min(chunk_size, known - len(data)))
        if len(data) < known:
            partial[csid] = (known, kind, data)
            continue
        partial.pop(csid, None)
        if kind == 1 and len(data) >= 4:  # Set Chunk Size
            chunk_size = max(1, struct.unpack(">I", data[:4])[0] & 0x7FFFFFFF)
        elif kind == 20:
            return _command_name(data) or "", data
    raise RtmpProbeError("服务器没有回复 connect / the server never answered connect")


def probe_rtmp(url: str, timeout: float = 5.0) -> float:
    """Handshake and `connect` to the URL's application; the key (the last path part) is not sent. Returns the
    seconds it took; raises RtmpProbeError with the reason (中文 / English)."""
    parts = urlsplit(url)
    if parts.scheme not in ("rtmp", "rtmps") or not parts.hostname:
        raise RtmpProbeError("不是 rtmp:// 地址 / not an rtmp:// address")
    port = parts.port or (443 if parts.scheme == "rtmps" else 1935)
    path = parts.path.strip("/").split("/")
    app = "/".join(path[:-1]) if len(path) > 1 else (path[0] if path else "")
    started = time.monotonic()
    deadline = started + timeout
    try:
        sock = socket.create_connection((parts.hostname, port), timeout=timeout)
    except socket.timeout:
        raise RtmpProbeError(f"连接超时 / no answer from {parts.hostname}:{port} in {timeout:g} s") from None
    except OSError as exc:
        raise RtmpProbeError(f"连不上服务器 / cannot reach {parts.hostname}:{port} ({exc.strerror or exc})") from None
    try:
        if parts.scheme == "rtmps":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        reader = _Reader(sock, deadline)
        c1 = struct.pack(">II", 0, 0) + os.urandom(1528)
        sock.sendall(b"\x03" + c1)
        s0 = reader.exact(1)
        if s0 != b"\x03":
            raise RtmpProbeError("服务器的回复不是 RTMP / the server's reply is not RTMP")
        s1 = reader.exact(1536)
        reader.exact(1536)  # S2
        sock.sendall(s1)  # C2
        tc_url = f"{parts.scheme}://{parts.hostname}:{port}/{app}"
        command = (_amf_string("connect") + _amf_number(1.0)
                   + _amf_object({"app": app, "type": "nonprivate", "flashVer": "FMLE/3.0 (compatible; AnchorConsole)",
                                  "tcUrl": tc_url}))
        sock.sendall(_chunks(command))
        name, payload = _read_reply(reader)
        if name != "_result":
            detail = b"NetConnection.Connect.Rejected" in payload and "rejected" or name or "?"
            raise RtmpProbeError(f"服务器拒绝了应用 {app!r} / the server refused application {app!r} ({detail})")
        return time.monotonic() - started
    except socket.timeout:
        raise RtmpProbeError(f"握手超时：端口开着但服务器不说话 / the port accepts but the server says nothing "
                             f"(no RTMP handshake in {timeout:g} s)") from None
    except ssl.SSLError as exc:
        raise RtmpProbeError(f"TLS 失败 / TLS failed: {exc.reason or exc}") from None
    except OSError as exc:
        raise RtmpProbeError(f"连接中断 / connection broken: {exc.strerror or exc}") from None
    finally:
        sock.close()


# --- the checks -------------------------------------------------------------------------------------------------

def check_destination(url: str, timeout: float = 5.0) -> Check:
    shown = redact_url(url)
    try:
        seconds = probe_rtmp(url, timeout)
    except RtmpProbeError as exc:
        return Check("推流服务器 Stream server", FAIL, f"{shown}: {exc}",
                     "核对推流地址（服务器与应用名）和网络 / check the server URL and the network")
    return Check("推流服务器 Stream server", OK, f"{shown}: 握手与连接 {seconds * 1000:.0f} ms / handshake + "
                                                 f"connect in {seconds * 1000:.0f} ms (key not sent)")


UPLOAD_HEADROOM = 1.5  # the upload test pushes this much more than the show will


def check_upload(url: str, bitrate: int, seconds: float = 10.0, headroom: float = UPLOAD_HEADROOM) -> Check:
    """上行测速: push the test pattern to `url` (the key is sent: this publishes) at `bitrate` × `headroom` for
    `seconds`; ok when every packet went out and the send buffer never backed up (OBS's congestion < 0.5), warn when
    it backed up without dropping, fail when it dropped, failed or never connected."""
    from app.media.encode import EncoderSettings
    from app.media.outputs import DestinationError, open_destination
    from app.media.pipeline import Pipeline

    shown = redact_url(url)
    name = "上行测速 Upload test"
    asked = int(bitrate * headroom)
    try:
        output = open_destination(url)
    except DestinationError as exc:
        return Check(name, FAIL, f"{shown}: {exc}", "核对推流地址 / check the stream URL")
    worst = [0.0]

    def watch(stats) -> None:
        for out in stats.outputs:
            worst[0] = max(worst[0], out.stats.congestion)

    settings = EncoderSettings(video_bitrate=asked)
    try:
        final = Pipeline(settings, [output], duration=seconds, on_stats=watch).run()
    except Exception as exc:  # noqa: BLE001 - a check reports, it never raises past itself
        return Check(name, FAIL, f"{shown}: {exc}", "核对推流地址和网络 / check the stream URL and the network")
    sent = final.outputs[0] if final.outputs else None
    if sent is None or sent.stats.error or not sent.stats.packets:
        reason = (sent.stats.error if sent is not None else None) or "nothing sent"
        return Check(name, FAIL, f"{shown}: 推流失败 / the push failed ({reason})",
                     "核对推流地址、密钥和网络 / check the URL, the key and the network")
    kbps = sent.stats.bytes * 8 / 1000 / max(seconds, 1e-9)
    detail = (f"{shown}: {seconds:g} 秒推送 {kbps:,.0f} kbps（要求 {asked / 1000:,.0f} kbps = 码率 × {headroom:g}），"
              f"丢弃 {sent.lost}，拥塞峰值 {worst[0]:.2f} / pushed {kbps:,.0f} kbps for {seconds:g} s (asked "
              f"{asked / 1000:,.0f} kbps = the bitrate × {headroom:g}), {sent.lost} dropped, congestion peak "
              f"{worst[0]:.2f}")
    if sent.lost:
        return Check(name, FAIL, detail, "网络带宽不够：降低码率或换网络 / not enough upload: lower the bitrate or "
                                         "use another network")
    if worst[0] >= 0.5:
        return Check(name, WARN, detail, "余量不足：考虑降低码率 / little headroom: consider a lower bitrate")
    return Check(name, OK, detail)


def check_disk(folder: Path, bitrate: int, minutes: float) -> Check:
    need = bitrate / 8 * minutes * 60 * 1.2
    existing = folder
    while not existing.exists() and existing != existing.parent:  # a folder made at go-live: its disk
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError as exc:
        return Check("录制空间 Disk", FAIL, f"{folder}: {exc.strerror or exc}", "选择可写的录制文件夹 / pick a writable folder")
    detail = (f"{folder}: 可用 {free / 1e9:.1f} GB，需要 {need / 1e9:.1f} GB / free {free / 1e9:.1f} GB, "
              f"need {need / 1e9:.1f} GB for {minutes:g} min at {bitrate / 1e6:g} Mb/s")
    if free < need:
        return Check("录制空间 Disk", FAIL, detail, "清理磁盘或降低码率 / free some space or lower the bitrate")
    return Check("录制空间 Disk", OK, detail)


def check_words(report: list[tuple[str, str, list]]) -> Check:
    if not report:
        return Check("违禁词 Extreme words", OK, "标题、卖点、话术未发现 / none in titles, selling points, scripts")
    first = report[0]
    words = "、".join(sorted({h.word for h in first[2]}))
    return Check("违禁词 Extreme words", FAIL, f"{len(report)} 处 places, e.g. {first[0]} · {first[1]}: {words}",
                 "改写这些文字（广告法）/ reword them (Advertising Law)")


def check_products(products: list[tuple[str, int, int]]) -> Check:
    """(title, stock, live price in fen) of the run sheet's products."""
    if not products:
        return Check("商品 Run sheet", FAIL, "没有商品 / no products", "导入商品表 / import the catalogue")
    empty = [title for title, stock, _ in products if stock <= 0]
    unpriced = [title for title, _, price in products if price <= 0]
    if empty or unpriced:
        detail = "; ".join(part for part in (f"无库存 out of stock: {'、'.join(empty)}" if empty else "",
                                             f"未设直播价 no live price: {'、'.join(unpriced)}" if unpriced else "")
                           if part)
        return Check("商品 Run sheet", FAIL, detail, "补库存或设直播价 / restock or set the live price")
    return Check("商品 Run sheet", OK, f"{len(products)} 个商品有库存和直播价 / products in stock with live prices")


def check_coupons(count: int) -> Check:
    if count:
        return Check("优惠券 Coupons", OK, f"{count} 张已定义 / defined")
    return Check("优惠券 Coupons", WARN, "没有优惠券 / none defined", "需要时在商品栏新建 / create one if the show needs it")


def check_source(source: str, seconds: float = 2.0) -> Check:
    """Open the video source for a couple of seconds and count the new frames it delivers."""
    from app.media.clock import MediaClock
    from app.media.sources import CameraSource, SourceError, open_sources

    try:
        video, audio = open_sources(source, 1280, 720, 30, audio="silence")
    except (SourceError, ValueError, OSError) as exc:
        return Check("画面 Video source", FAIL, f"{source}: {exc}", "检查摄像头连接或换一个来源 / check the camera")
    clock = MediaClock()
    frames, last = 0, None
    camera = isinstance(video.unwrapped(), CameraSource)
    try:
        video.start(clock)
        if not camera:  # a pattern, a picture, a file: it opened; one frame shows it decodes
            ok = video.frame_at(0.0) is not None
            return Check("画面 Video source", OK if ok else FAIL, f"{source}: {'有画面 delivers' if ok else '无画面'}",
                         "" if ok else "换一个文件 / try another file")
        while clock.now() < seconds:
            frame = video.frame_at(clock.now())
            if frame is not None and frame is not last:
                frames, last = frames + 1, frame
            time.sleep(1 / 30)  # the canvas rate: a new frame per look is the most a camera can deliver
    except (SourceError, OSError) as exc:
        return Check("画面 Video source", FAIL, f"{source}: {exc}", "检查摄像头连接或换一个来源 / check the camera")
    finally:
        video.stop()
        audio.stop()
    fps = frames / seconds
    if fps < 5:
        return Check("画面 Video source", FAIL, f"{source}: {fps:.0f} fps", "摄像头没有画面 / the camera sends nothing")
    return Check("画面 Video source", OK, f"{source}: {fps:.0f} fps")


def check_microphone(seconds: float = 1.0, microphone=None) -> Check:
    """The default microphone: opened, and its level moving (someone speaks, or the room's noise)."""
    from app.media.audio import open_microphone
    from app.media.clock import MediaClock

    source = microphone if microphone is not None else open_microphone()
    if source.notice:
        return Check("麦克风 Microphone", WARN, source.notice, "接上麦克风，或确认用画面自带的声音 / plug one in, "
                                                               "or use the source's own sound")
    clock = MediaClock()
    try:
        source.start(clock)
        time.sleep(seconds)
        block = source.samples(0, int(seconds * 48000))
    finally:
        source.stop()
    level = float(np.sqrt(np.mean(np.square(block)))) if block.size else 0.0
    db = 20 * np.log10(max(level, 1e-9))
    if level < 1e-4:
        return Check("麦克风 Microphone", FAIL, f"电平 level {db:.0f} dBFS: 没有声音 / silent",
                     "检查麦克风开关与系统输入 / check its switch and the system input")
    return Check("麦克风 Microphone", OK, f"电平 level {db:.0f} dBFS")


def check_feed(url: str, token: str | None, seconds: float = 5.0) -> Check:
    from app.kernel.bus import EventBus
    from app.live.connectors import open_feed

    shown = redact_url(url)
    try:
        feed = open_feed(url, EventBus(), token)
    except ValueError as exc:
        return Check("直播间数据 Room feed", FAIL, f"{shown}: {exc}", "核对地址 / check the address")
    feed.start()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (feed.stats.connected and feed.stats.received):
            time.sleep(0.05)
        stats = feed.stats_copy()
    finally:
        feed.stop()
    if not stats.connected:
        return Check("直播间数据 Room feed", FAIL, f"{shown}: 连不上 / not connected ({stats.last_error or '—'})",
                     "启动弹幕工具或核对地址 / start the bridge or check the address")
    if not stats.received:
        return Check("直播间数据 Room feed", WARN, f"{shown}: 已连接，{seconds:g} 秒内没有消息 / connected, no message "
                                                 f"in {seconds:g} s", "直播间开着吗？/ is the room open?")
    return Check("直播间数据 Room feed", OK, f"{shown}: 已连接并收到消息 / connected and receiving")


def run_checks(database, destinations: list[str], bitrate: int, minutes: float, recordings: Path,
               source: str | None = None, feed: str | None = None, feed_token: str | None = None,
               upload_s: float | None = None) -> list[Check]:
    """The checklist, in the order a studio reads it; `upload_s`: also the upload test, that long, to each
    destination whose handshake passed (it publishes)."""
    from sqlalchemy import func, select

    from app.catalogue import Catalogue
    from app.store.models import Coupon

    checks = [check_destination(url) for url in destinations]
    if upload_s:
        checks += [check_upload(url, bitrate, upload_s) for url, check in zip(destinations, list(checks))
                   if check.status == OK]
    checks.append(check_disk(recordings, bitrate, minutes))
    catalogue = Catalogue(database)
    checks.append(check_words(catalogue.compliance_report()))
    state = catalogue.room_snapshot().state
    checks.append(check_products([(state.products[i].title, state.products[i].stock, state.products[i].live_price_cents)
                                  for i in state.run_sheet]))
    with database.session() as db:
        checks.append(check_coupons(db.scalar(select(func.count()).select_from(Coupon)
                                              .where(Coupon.studio_id == database.studio_id)) or 0))
    if source:
        checks.append(check_source(source))
        if source.startswith("cam:"):  # a camera's show speaks through the microphone
            checks.append(check_microphone())
    if feed:
        checks.append(check_feed(feed, feed_token))
    return checks
