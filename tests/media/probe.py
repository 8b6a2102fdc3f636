"""Read back what an output wrote: streams, decoded frame codes, keyframe times (PyAV, independent of the app)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

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
            if packet.size == 0:
                continue
            if packet.stream is audio:
                audio_packets += 1
                continue
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
