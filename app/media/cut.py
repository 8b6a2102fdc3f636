"""A part of a recording as a clip to post (直播切片): the frames whose times lie in [start, end) — frame-exact at
both ends — and the sound of the same span with short fades at the cut points, as MP4 (H.264 High, AAC) with its
index first (`faststart`), so a platform plays it while it uploads.

The picture is decoded from the keyframe before `start` and encoded again; the sound is decoded, faded and
encoded again. A recording cut off by a crash is read up to where it ends (the clip is as long as what is there).
Progress is reported as a share of the span; a cancelled cut leaves no file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

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


def _fade(samples: np.ndarray, t0: float, rate: int, start: float, end: float, fade: float) -> np.ndarray:
    """`samples` (channels × n, starting at time t0) with a linear fade in after `start` and out before `end`."""
    if fade <= 0:
        return samples
    times = t0 + np.arange(samples.shape[1]) / rate
    gain = np.clip(np.minimum(times - start, end - times) / fade, 0.0, 1.0).astype(samples.dtype)
    return samples * gain


def cut(source: str | os.PathLike, start: float, end: float, out: str | os.PathLike, *, fade: float = 0.25,
        preset: str = "veryfast", crf: int = 20, progress: Callable[[float], None] | None = None,
        cancelled: Callable[[], bool] | None = None) -> CutResult:
    """Cut [start, end) (the recording's seconds) of `source` into `out` (MP4). CutError when the span holds no
    picture; Cancelled (and no file) when `cancelled()` turns true."""
    if not end > start >= 0:
        raise CutError(f"片段的起止不对 / a clip needs 0 ≤ start < end: {start:.3f}–{end:.3f}")
    out = Path(out)
    partial = out.with_name(out.name + ".part")
    try:
        with av.open(str(source)) as inp:
            result = _cut(inp, start, end, partial, fade, preset, crf, progress, cancelled)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return CutResult(out, *result)


def _cut(inp, start, end, partial, fade, preset, crf, progress, cancelled):
    if not inp.streams.video:
        raise CutError("录像里没有画面 / the recording holds no picture")
    video = inp.streams.video[0]
    audio = inp.streams.audio[0] if inp.streams.audio else None
    width, height = video.codec_context.width, video.codec_context.height
    fps = video.average_rate or video.guessed_rate or 30
    inp.seek(int(start / video.time_base), stream=video, backward=True, any_frame=False)
    with av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.codec_context.time_base = VIDEO_TIME_BASE
        vs.options = {"preset": preset, "crf": str(crf), "profile": "high", "bf": "0"}
        ast = None
        if audio is not None:
            ast = out.add_stream("aac", rate=AUDIO_RATE)
            ast.layout = "stereo"
            ast.bit_rate = 128_000
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
            fifo = av.AudioFifo()
        t0 = None  # the first frame's time: the clip's zero
        picture_end = end
        frames, first, last = 0, None, None
        sound: list = []  # audio frames read before the first picture frame fixed t0
        done_video = False
        samples_out = 0
        for packet in inp.demux(*(s for s in (video, audio) if s is not None)):
            if cancelled is not None and cancelled():
                raise Cancelled()
            if packet.stream is video:
                if done_video:
                    continue
                for frame in packet.decode():
                    t = frame.time
                    if t is None or t < start:
                        continue
                    if t >= end:
                        done_video = True
                        break
                    if t0 is None:
                        t0 = t
                    frame.pts = round((t - t0) / VIDEO_TIME_BASE)
                    frame.time_base = VIDEO_TIME_BASE
                    frame.pict_type = av.video.frame.PictureType.NONE
                    out.mux(vs.encode(frame.reformat(format="yuv420p") if frame.format.name != "yuv420p" else frame))
                    frames += 1
                    first = t if first is None else first
                    last = t
                    if progress is not None:
                        progress(min(1.0, (t - start) / (end - start)))
            elif ast is not None:
                for frame in packet.decode():
                    sound.extend(resampler.resample(frame))
            if t0 is not None and ast is not None and sound:
                samples_out = _sound(out, ast, fifo, sound, t0, start, end, fade, samples_out)
                sound = []
            if done_video and (ast is None or _heard_until(samples_out, t0) >= end):
                break
        if frames == 0:
            raise CutError(f"{start:.1f}–{end:.1f} 秒之间录像里没有画面 / no picture in the recording between "
                           f"{start:.1f} and {end:.1f} s")
        picture_end = min(end, last + 1 / float(fps))
        out.mux(vs.encode(None))
        if ast is not None:
            if sound:
                samples_out = _sound(out, ast, fifo, sound, t0, start, picture_end, fade, samples_out)
            _flush_sound(out, ast, fifo, samples_out, t0, picture_end)
    return frames, first, last, picture_end - t0, width, height


def _heard_until(samples_out: int, t0: float | None) -> float:
    return -1.0 if t0 is None else t0 + samples_out / AUDIO_RATE


def _sound(out, ast, fifo, frames, t0, start, end, fade, samples_out) -> int:
    """The resampled sound frames from t0 on (trimmed to the sample), faded, through the FIFO into the encoder in
    AAC's frames; returns how many samples went in so far."""
    for frame in frames:
        ft = frame.time
        data = frame.to_ndarray()
        if ft is None:
            continue
        skip = max(0, round((t0 - ft) * AUDIO_RATE))  # before the first picture frame
        keep = max(0, round((end - ft) * AUDIO_RATE)) - skip  # after the span
        data = data[:, skip:skip + max(0, keep)]
        if data.shape[1] == 0:
            continue
        data = _fade(data, ft + skip / AUDIO_RATE, AUDIO_RATE, t0, end, fade)
        piece = av.AudioFrame.from_ndarray(np.ascontiguousarray(data, dtype=np.float32), format="fltp",
                                           layout="stereo")
        piece.sample_rate = AUDIO_RATE
        piece.pts = None
        fifo.write(piece)
        while fifo.samples >= AAC_FRAME:
            chunk = fifo.read(AAC_FRAME)
            chunk.pts, chunk.time_base = samples_out, Fraction(1, AUDIO_RATE)
            samples_out += AAC_FRAME
            out.mux(ast.encode(chunk))
    return samples_out


def _flush_sound(out, ast, fifo, samples_out, t0, end) -> None:
    wanted = round((end - t0) * AUDIO_RATE)
    if fifo.samples and samples_out < wanted:
        chunk = fifo.read(min(fifo.samples, wanted - samples_out))
        chunk.pts, chunk.time_base = samples_out, Fraction(1, AUDIO_RATE)
        out.mux(ast.encode(chunk))
    out.mux(ast.encode(None))


__all__ = ["Cancelled", "CutError", "CutResult", "cut"]
