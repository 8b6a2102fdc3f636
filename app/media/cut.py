"""A part of a recording as a clip to post (直播切片): the frames whose times lie in [start, end) — frame-exact at
both ends — and the sound of the same span with short fades at the cut points, as MP4 (H.264 High, AAC) with its
index first (`faststart`), so a platform plays it while it uploads.

Two ways to the picture. The smart cut (a clip without changes, when the recording is H.264 without B-frames, as
the console records it): only the frames before the first keyframe at or after `start` are decoded and encoded
again — with their own parameter sets (id 1), written beside the recording's in the MP4's `avcC` — and every
packet from that keyframe to `end` is copied as it is. Otherwise (`reencode=True`, another codec) every frame is
decoded from the keyframe before `start` and encoded again. The sound is always decoded, faded and encoded again
(cheap). Video and sound packets are written interleaved by time. A recording cut off by a crash is read up to
where it ends. Progress is reported as a share of the span; a cancelled cut leaves no file behind.
"""

from __future__ import annotations

import heapq
import math
import os
import queue
import re
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from app.media.loudness import LoudnessMeter, levelling_gain
from app.media.reframe import Look, Reframer

VIDEO_TIME_BASE = Fraction(1, 90_000)
AUDIO_RATE = 48_000
AAC_FRAME = 1024


class CutError(ValueError):
    """A clip that cannot be made (中文 / English)."""


class Cancelled(Exception):
    """The cut was cancelled; nothing was written."""


@dataclass(frozen=True)
class CutResult:
    path: Path
    frames: int
    first: float  # the recording's time of the clip's first frame
    last: float  # … of its last frame
    duration: float  # seconds of picture
    width: int
    height: int
    copied: int = 0  # frames copied without re-encoding (the smart cut)
    lufs: float | None = None  # the sound's loudness after levelling (None: not levelled, or no sound)


def annexb_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream (start codes 00 00 01 / 00 00 00 01)."""
    return [unit.rstrip(b"\x00") or unit for unit in re.split(b"\x00\x00\x01", data) if unit.strip(b"\x00")]


def parameter_sets(extradata: bytes) -> tuple[bytes, list[bytes], list[bytes], bytes]:
    """(an avcC header of 5 bytes or b"", the SPSs, the PPSs, what follows them) of H.264 extradata, as an avcC
    record (ISO/IEC 14496-15: what MP4 and Matroska hold) or as Annex B (what libx264 hands out)."""
    if extradata[:1] != b"\x01":
        units = annexb_units(extradata)
        return b"", [u for u in units if u[0] & 0x1F == 7], [u for u in units if u[0] & 0x1F == 8], b""
    if len(extradata) < 7:
        raise ValueError("not an avcC record")
    at, found = 6, []
    for count in (extradata[5] & 0x1F, None):
        if count is None:
            count, at = extradata[at], at + 1
        units = []
        for _ in range(count):
            (size,) = struct.unpack(">H", extradata[at:at + 2])
            units.append(extradata[at + 2:at + 2 + size])
            at += 2 + size
        found.append(units)
    return extradata[:5], found[0], found[1], extradata[at:]


def merged_avcc(copied: bytes, head: bytes) -> bytes:
    """One avcC holding the copied stream's parameter sets and the re-encoded head's (other ids) side by side."""
    header, sps, pps, rest = parameter_sets(copied)
    _header, head_sps, head_pps, _rest = parameter_sets(head)
    out = bytearray(header)
    out.append(0xE0 | (len(sps) + len(head_sps)))
    for unit in sps + head_sps:
        out += struct.pack(">H", len(unit)) + unit
    out.append(len(pps) + len(head_pps))
    for unit in pps + head_pps:
        out += struct.pack(">H", len(unit)) + unit
    return bytes(out + rest)


def length_prefixed(packet, size: int):
    """An Annex B packet (libx264's) as the avcC stream's samples are: each NAL unit after its length."""
    data = b"".join(len(u).to_bytes(size, "big") + u for u in annexb_units(bytes(packet)))
    out = av.Packet(data)
    out.pts, out.dts, out.time_base = packet.pts, packet.dts, packet.time_base
    out.is_keyframe = packet.is_keyframe
    return out


def _fade(samples: np.ndarray, t0: float, rate: int, start: float, end: float, fade: float) -> np.ndarray:
    """`samples` (channels × n, starting at time t0) with a linear fade in after `start` and out before `end`."""
    if fade <= 0:
        return samples
    times = t0 + np.arange(samples.shape[1]) / rate
    gain = np.clip(np.minimum(times - start, end - times) / fade, 0.0, 1.0).astype(samples.dtype)
    return samples * gain


@dataclass(frozen=True)
class _How:
    fade: float
    preset: str
    crf: int
    reencode: bool
    look: Look | None
    loudness: float | None
    threads: int


def cut(source: str | os.PathLike, start: float, end: float, out: str | os.PathLike, *, fade: float = 0.25,
        preset: str = "veryfast", crf: int = 20, reencode: bool = False, look: Look | None = None,
        loudness: float | None = None, threads: int = 0,
        progress: Callable[[float], None] | None = None,
        cancelled: Callable[[], bool] | None = None) -> CutResult:
    """Cut [start, end) (the recording's seconds) of `source` into `out` (MP4): with `look`, reframed (a vertical
    clip, layers burned in) and so encoded again; with `loudness` (LUFS), the sound levelled to it; `threads` bounds
    the encoder's. CutError when the span holds no picture; Cancelled (and no file) when `cancelled()` turns true."""
    if not end > start >= 0:
        raise CutError(f"片段的起止不对 / a clip needs 0 ≤ start < end: {start:.3f}–{end:.3f}")
    out = Path(out)
    partial = out.with_name(out.name + ".part")
    try:
        how = _How(fade, preset, crf, reencode, look, loudness, threads)
        result = _write(Path(source), start, end, partial, how, progress, cancelled)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return CutResult(out, *result)


FRAMES_AHEAD = 4  # decoded and reframed frames waiting for the encoder (1080x1920: 3 MB each)


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


def ahead(items: Iterator, size: int) -> Iterator:
    """`items` produced on a thread of their own, at most `size` ahead of the reader; the thread is stopped and
    joined when the reader stops (done, cancelled or failed), and its failure raised in the reader."""
    box: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, raised there
            put(_Failed(exc))

    thread = threading.Thread(target=run, name="clip frames", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


class _Picture:
    """The clip's video packets in order, and what they held."""

    def __init__(self, inp, out, start: float, end: float, preset: str, crf: int, reencode: bool,
                 look: Look | None = None, threads: int = 0) -> None:
        if not inp.streams.video:
            raise CutError("录像里没有画面 / the recording holds no picture")
        self.inp, self.start, self.end = inp, start, end
        self.video = video = inp.streams.video[0]
        ctx = video.codec_context
        self.reframer = Reframer(look, ctx.width, ctx.height) if look is not None else None
        self.width, self.height = (look.width, look.height) if look is not None else (ctx.width, ctx.height)
        self.fps = video.average_rate or video.guessed_rate or Fraction(30)
        self.smart = not reencode and look is None and ctx.name == "h264" and (ctx.extradata or b"")[:1] == b"\x01"
        options = {"preset": preset, "crf": str(crf), "profile": "high", "bf": "0"}
        if crf == 0:  # lossless (a reference picture for the benchmark's quality): a profile High cannot be
            del options["profile"]
        if threads:  # bounded: an export beside a live show leaves it its cores
            options["threads"] = str(threads)
        if self.smart:  # the head's parameter sets take id 1, beside the recording's (id 0) in one avcC
            self.stream = out.add_stream_from_template(video)
            enc = self.encoder = av.CodecContext.create("libx264", "w")
            enc.width, enc.height, enc.pix_fmt = self.width, self.height, "yuv420p"
            enc.time_base, enc.framerate = VIDEO_TIME_BASE, self.fps
            enc.flags |= av.codec.context.Flags.global_header
            enc.options = {**options, "x264-params": "sps-id=1"}
            enc.open()
            self.stream.codec_context.extradata = merged_avcc(ctx.extradata, enc.extradata)
            self.length_size = (ctx.extradata[4] & 0x03) + 1
        else:
            self.stream = out.add_stream("libx264", rate=self.fps)
            self.stream.width, self.stream.height, self.stream.pix_fmt = self.width, self.height, "yuv420p"
            self.stream.codec_context.time_base = VIDEO_TIME_BASE
            self.stream.options = options
            self.encoder = self.stream.codec_context
        self.t0: float | None = None
        self.frames = self.copied = 0
        self.first = self.last = None

    def packets(self) -> Iterator[tuple[float, object]]:
        """(time in the clip, packet with pts in VIDEO_TIME_BASE) in order."""
        if not self.smart:  # every frame encoded again: decoded and reframed on a thread beside the encoder
            for frame in ahead(self._frames(), FRAMES_AHEAD):
                yield from self._encode(frame)
            yield from self._encode(None)
            return
        video, start, end = self.video, self.start, self.end
        self.inp.seek(int(start / video.time_base), stream=video, backward=True, any_frame=False)
        copying = False
        for packet in self.inp.demux(video):
            t = None if packet.pts is None else float(packet.pts * video.time_base)
            if self.smart and not copying and t is not None and packet.is_keyframe and t >= start - 1e-6:
                for frame in video.codec_context.decode(None):  # the head's frames the decoder still holds
                    if frame.time is not None and start <= frame.time < end:
                        yield from self._encoded(frame)
                yield from self._encode(None)  # the head ends where the copy begins
                copying = True
            if copying:
                if t is None or packet.size == 0:
                    continue
                if t >= end:
                    return
                yield self._copied(packet, t)
                continue
            for frame in packet.decode():
                if frame.time is None or frame.time < start:
                    continue
                if frame.time >= end:
                    yield from self._encode(None)
                    return
                yield from self._encoded(frame)
        if not copying:
            yield from self._encode(None)

    def _frames(self) -> Iterator:
        """The span's frames decoded (the decoder on threads of its own), reframed and stamped for the clip."""
        video, start, end = self.video, self.start, self.end
        video.thread_type = "AUTO"
        self.inp.seek(int(start / video.time_base), stream=video, backward=True, any_frame=False)
        for packet in self.inp.demux(video):
            for frame in packet.decode():
                if frame.time is None or frame.time < start:
                    continue
                if frame.time >= end:
                    return
                yield self._prepared(frame)

    def _seen(self, t: float) -> float:
        if self.t0 is None:
            self.t0 = t
        self.first = t if self.first is None else self.first
        self.last = t
        return t - self.t0

    def _prepared(self, frame):
        """A decoded frame reframed (a look) and stamped with its time in the clip."""
        t = self._seen(frame.time)
        if self.reframer is not None:
            frame = self.reframer.frame(frame, t)
        frame.pts = round(t / VIDEO_TIME_BASE)
        frame.time_base = VIDEO_TIME_BASE
        frame.pict_type = av.video.frame.PictureType.NONE
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        self.frames += 1
        return frame

    def _encoded(self, frame) -> Iterator[tuple[float, object]]:
        return self._encode(self._prepared(frame))

    def _encode(self, frame) -> Iterator[tuple[float, object]]:
        """The encoder's packets for `frame` (None: the rest it holds), as the clip's stream wants them."""
        for packet in self.encoder.encode(frame):
            if self.smart:
                packet = length_prefixed(packet, self.length_size)
            yield float(packet.pts * VIDEO_TIME_BASE), packet

    def _copied(self, packet, t: float):
        packet.pts = packet.dts = round(self._seen(t) / VIDEO_TIME_BASE)
        packet.time_base = VIDEO_TIME_BASE
        self.frames += 1
        self.copied += 1
        return float(packet.pts * VIDEO_TIME_BASE), packet


def _samples(source: Path, t0: float, end: float) -> Iterator[tuple[float, np.ndarray]]:
    """(time in the recording, channels × n float samples at 48 kHz stereo) of the recording's sound in [t0, end)."""
    with av.open(str(source)) as inp:
        if not inp.streams.audio:
            return
        audio = inp.streams.audio[0]
        inp.seek(int(max(0.0, t0 - 1.0) / audio.time_base), stream=audio, backward=True)
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        for packet in inp.demux(audio):
            for decoded in packet.decode():
                for frame in resampler.resample(decoded):
                    ft = frame.time
                    if ft is None:
                        continue
                    if ft >= end:
                        return
                    data = frame.to_ndarray()
                    skip = max(0, round((t0 - ft) * AUDIO_RATE))
                    keep = max(0, round((end - ft) * AUDIO_RATE)) - skip
                    if keep > 0 and skip < data.shape[1]:
                        yield ft + skip / AUDIO_RATE, data[:, skip:skip + keep]


def measure(source: str | os.PathLike, start: float, end: float) -> LoudnessMeter:
    """The loudness of the recording's sound in [start, end) (BS.1770: app/media/loudness.py)."""
    meter = LoudnessMeter()
    for _t, data in _samples(Path(source), start, end):
        meter.feed(data)
    return meter


def _sound(source: Path, t0: float, end: float, fade: float, gain: float) -> Iterator[tuple[float, av.AudioFrame]]:
    """(time in the clip, AAC-sized frame) of the recording's sound from t0 to end, resampled, levelled by `gain`
    and faded."""
    fifo = av.AudioFifo()
    wanted = round((end - t0) * AUDIO_RATE)
    written = 0
    for ft, data in _samples(source, t0, end):
        data = _fade(data, ft, AUDIO_RATE, t0, end, fade)
        if gain != 1.0:
            data = data * np.float32(gain)
        piece = av.AudioFrame.from_ndarray(np.ascontiguousarray(data, dtype=np.float32), format="fltp",
                                           layout="stereo")
        piece.sample_rate = AUDIO_RATE
        fifo.write(piece)
        while fifo.samples >= AAC_FRAME and written < wanted:
            chunk = fifo.read(min(AAC_FRAME, wanted - written))
            chunk.pts, chunk.time_base = written, Fraction(1, AUDIO_RATE)
            yield written / AUDIO_RATE, chunk
            written += chunk.samples
        if written >= wanted:
            return
    if fifo.samples and written < wanted:
        chunk = fifo.read(min(fifo.samples, wanted - written))
        chunk.pts, chunk.time_base = written, Fraction(1, AUDIO_RATE)
        yield written / AUDIO_RATE, chunk


def _write(source, start, end, partial, how: _How, progress, cancelled):
    with av.open(str(source)) as inp, av.open(str(partial), "w", format="mp4",
                                             options={"movflags": "+faststart"}) as out:
        picture = _Picture(inp, out, start, end, how.preset, how.crf, how.reencode, how.look, how.threads)
        pictures = picture.packets()
        try:
            lufs = _mux(source, inp, out, picture, pictures, how, progress, cancelled)
        finally:
            pictures.close()  # its decoding thread stopped and joined before the recording is closed
        if picture.frames == 0:
            raise CutError(f"{start:.1f}–{end:.1f} 秒之间录像里没有画面 / no picture in the recording between "
                           f"{start:.1f} and {end:.1f} s")
    duration = min(end, picture.last + 1 / float(picture.fps)) - picture.t0
    return (picture.frames, picture.first, picture.last, duration, picture.width, picture.height, picture.copied,
            lufs)


def _mux(source, inp, out, picture: _Picture, pictures, how: _How, progress, cancelled) -> float | None:
    """Video packets and sound frames written interleaved by time; the sound levelled first when asked. The
    loudness reached (None: not levelled, or no sound)."""
    start, end = picture.start, picture.end
    ast = None
    if inp.streams.audio:
        ast = out.add_stream("aac", rate=AUDIO_RATE)
        ast.layout = "stereo"
        ast.bit_rate = 128_000
    pending: list = []  # (time, order, kind, item): the next video packet and the next sound frame
    order = 0
    lufs = None
    for t, packet in pictures:  # the first packet fixes the clip's zero
        heapq.heappush(pending, (t, order, "v", packet))
        order += 1
        break
    if picture.t0 is None:
        raise CutError(f"{start:.1f}–{end:.1f} 秒之间录像里没有画面 / no picture in the recording between "
                       f"{start:.1f} and {end:.1f} s")
    sources = {"v": pictures}
    if ast is not None:
        gain = 1.0
        if how.loudness is not None:
            meter = measure(source, picture.t0, end)
            level = meter.integrated()
            gain = levelling_gain(level, meter.peak, how.loudness)
            lufs = level + 20 * math.log10(gain) if math.isfinite(level) else None
        sounds = sources["a"] = _sound(source, picture.t0, end, how.fade, gain)
        for item in sounds:
            heapq.heappush(pending, (item[0], order, "a", item[1]))
            order += 1
            break
    while pending:
        if cancelled is not None and cancelled():
            raise Cancelled()
        t, _order, kind, item = heapq.heappop(pending)
        if kind == "v":
            item.stream = picture.stream
            out.mux(item)
            if progress is not None:
                progress(min(1.0, t / (end - start)))
        else:
            out.mux(ast.encode(item))
        for nxt in sources[kind]:
            heapq.heappush(pending, (nxt[0], order, kind, nxt[1]))
            order += 1
            break
    if ast is not None:
        out.mux(ast.encode(None))
    return lufs


__all__ = ["Cancelled", "CutError", "CutResult", "cut", "measure", "merged_avcc", "parameter_sets"]
