"""Read back what an output wrote: streams, decoded frame codes, keyframe times (PyAV, independent of the app)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from app.media import framecode


@dataclass
class MediaReport:
    video_codec: str | None
    audio_codec: str | None
    width: int
    height: int
    frame_codes: list[int]
    keyframe_times: list[float]
    audio_packets: int

    @property
    def frames(self) -> int:
        return len(self.frame_codes)

    @property
    def max_keyframe_interval(self) -> float:
        times = self.keyframe_times
        return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def probe(path: Path) -> MediaReport:
    with av.open(str(path)) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        codes, keyframes, audio_packets = [], [], 0
        streams = [s for s in (video, audio) if s is not None]
        for packet in container.demux(*streams):
            if packet.stream is audio:
                audio_packets += packet.size > 0
                continue
            # the empty packet at the end flushes the decoder: the frames it still holds come out
            if packet.is_keyframe and packet.pts is not None:
                keyframes.append(float(packet.pts * packet.time_base))
            for frame in packet.decode():
                codes.append(framecode.read(frame.to_ndarray(format="gray")))
        return MediaReport(
            video.codec_context.name if video else None,
            audio.codec_context.name if audio else None,
            video.codec_context.width if video else 0,
            video.codec_context.height if video else 0,
            codes, keyframes, audio_packets,
        )


def flash_and_beep_times(path: Path) -> tuple[list[float], list[float]]:
    """Onset times (s) of the test pattern's white flash bar and of its 1 kHz beep, read from a recording."""
    flashes, beeps = [], []
    with av.open(str(path)) as container:
        was_flash = False
        for frame in container.decode(video=0):
            luma = frame.to_ndarray(format="gray")
            band = luma[-max(2, luma.shape[0] // 24) :]
            is_flash = band.mean() > 200
            if is_flash and not was_flash:
                flashes.append(frame.time)
            was_flash = is_flash
    with av.open(str(path)) as container:
        chunks, first_time, rate = [], None, 48000
        for frame in container.decode(audio=0):
            if first_time is None:
                first_time, rate = frame.time, frame.sample_rate
            data = frame.to_ndarray()
            chunks.append(np.abs(data[0] if data.ndim == 2 else data))
    if chunks:
        mono = np.concatenate(chunks)
        block = rate // 1000  # 1 ms envelope
        envelope = mono[: len(mono) // block * block].reshape(-1, block).max(axis=1)
        loud = envelope > 0.05
        last_loud = -10_000
        for ms in np.flatnonzero(loud):
            if ms - last_loud > 300:
                beeps.append(first_time + ms / 1000)
            last_loud = ms
    return flashes, beeps


def av_offsets(path: Path) -> list[float]:
    """Beep onset minus flash onset for each second both mark (positive: audio late)."""
    flashes, beeps = flash_and_beep_times(path)
    offsets = []
    for flash in flashes:
        nearest = min(beeps, key=lambda b: abs(b - flash), default=None)
        if nearest is not None and abs(nearest - flash) < 0.5:
            offsets.append(nearest - flash)
    return offsets
