"""One H.264 + AAC encode whose packets feed every output (see field notes: encoders in a null container)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

VIDEO_TIME_BASE = Fraction(1, 1000)  # milliseconds: what FLV and Matroska store anyway


@dataclass(frozen=True)
class EncoderSettings:
    width: int = 1280
    height: int = 720
    fps: int = 30
    video_bitrate: int = 2_500_000
    keyframe_seconds: float = 2.0
    preset: str = "veryfast"
    audio_bitrate: int = 128_000
    sample_rate: int = 48_000
    channels: int = 2

    @property
    def gop(self) -> int:
        return max(1, int(round(self.fps * self.keyframe_seconds)))


@dataclass(frozen=True)
class StreamSpec:
    """What an output needs to mux a stream without an encoder of its own: picklable, so a child process can
    build its streams from it."""

    kind: str  # "video" | "audio"
    codec: str  # encoder name, e.g. "libx264", "aac"
    time_base: Fraction
    extradata: bytes
    width: int = 0
    height: int = 0
    pix_fmt: str = ""
    sample_rate: int = 0
    layout: str = ""
    bit_rate: int = 0


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """An encoded packet detached from PyAV objects: safe to hand to another thread or process."""

    kind: str  # "video" | "audio"
    data: bytes
    pts: int
    dts: int
    time_base: Fraction
    is_keyframe: bool

    @property
    def seconds(self) -> float:
        return float(self.dts * self.time_base)


class Encoder:
    """libx264 (zerolatency, CBR-like VBV, fixed GOP) and AAC, opened once; `specs` describe the result."""

    def __init__(self, settings: EncoderSettings) -> None:
        self.settings = s = settings
        self._null = av.open(os.devnull, "w", format="null")
        global_header = av.codec.context.Flags.global_header

        video = self._null.add_stream("libx264", rate=s.fps)
        ctx = video.codec_context
        ctx.width, ctx.height, ctx.pix_fmt = s.width, s.height, "yuv420p"
        ctx.time_base = VIDEO_TIME_BASE
        ctx.bit_rate = s.video_bitrate
        ctx.gop_size = s.gop  # a backstop: keyframes are forced by stream time in encode_video
        ctx.options = {
            "preset": s.preset,
            "tune": "zerolatency",
            "maxrate": str(s.video_bitrate),
            "bufsize": str(s.video_bitrate),  # one second of VBV: steady for live ingest
            "sc_threshold": "0",  # keyframes on the clock only (see encode_video), so outputs can cut on them
            "forced-idr": "1",
        }
        ctx.flags |= global_header

        audio = self._null.add_stream("aac", rate=s.sample_rate)
        actx = audio.codec_context
        actx.layout = "stereo" if s.channels == 2 else "mono"
        actx.bit_rate = s.audio_bitrate
        actx.flags |= global_header

        self._null.start_encoding()  # parameters and extradata are final from here on
        self._video, self._audio = video, audio
        self._next_keyframe = 0.0

    @property
    def specs(self) -> tuple[StreamSpec, StreamSpec]:
        v, a = self._video.codec_context, self._audio.codec_context
        return (
            StreamSpec("video", "libx264", VIDEO_TIME_BASE, bytes(v.extradata or b""),
                       width=v.width, height=v.height, pix_fmt="yuv420p", bit_rate=v.bit_rate),
            StreamSpec("audio", "aac", Fraction(1, a.sample_rate), bytes(a.extradata or b""),
                       sample_rate=a.sample_rate, layout=a.layout.name, bit_rate=a.bit_rate),
        )

    def encode_video(self, i420: np.ndarray | None, stream_time: float = 0.0) -> list[EncodedPacket]:
        """Encode one yuv420p frame stamped `stream_time` seconds; None flushes the encoder."""
        frame = None
        if i420 is not None:
            frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
            frame.pts = int(round(stream_time / VIDEO_TIME_BASE))
            frame.time_base = VIDEO_TIME_BASE
            if stream_time >= self._next_keyframe:  # by the clock, so skipped frames never stretch a GOP
                frame.pict_type = av.video.frame.PictureType.I
                self._next_keyframe = stream_time + self.settings.keyframe_seconds - 0.5 / self.settings.fps
        return [_detach("video", p) for p in self._video.encode(frame)]

    def encode_audio(self, samples: np.ndarray | None, first_sample: int = 0) -> list[EncodedPacket]:
        """Encode planar float samples (channels, n) starting at sample index `first_sample`; None flushes."""
        frame = None
        if samples is not None:
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=self._audio.codec_context.layout)
            frame.sample_rate = self.settings.sample_rate
            frame.pts = first_sample
            frame.time_base = Fraction(1, self.settings.sample_rate)
        return [_detach("audio", p) for p in self._audio.encode(frame)]

    def close(self) -> None:
        self._null.close()


def _detach(kind: str, packet: av.Packet) -> EncodedPacket:
    return EncodedPacket(kind, bytes(packet), packet.pts, packet.dts, packet.time_base, packet.is_keyframe)


def add_streams(container: av.container.OutputContainer, specs: tuple[StreamSpec, ...]) -> dict[str, av.stream.Stream]:
    """Create mux-only streams in `container` from specs (no encoder is opened); return them by kind."""
    streams = {}
    for spec in specs:
        template_owner = av.open(os.devnull, "w", format="null")
        template = template_owner.add_stream(spec.codec, rate=spec.sample_rate or None)
        stream = container.add_stream_from_template(template)
        template_owner.close()
        ctx = stream.codec_context
        if spec.kind == "video":
            ctx.width, ctx.height, ctx.pix_fmt = spec.width, spec.height, spec.pix_fmt
        else:
            ctx.sample_rate, ctx.layout = spec.sample_rate, spec.layout
        ctx.bit_rate = spec.bit_rate
        ctx.extradata = spec.extradata
        stream.time_base = spec.time_base
        streams[spec.kind] = stream
    return streams


def to_av_packet(packet: EncodedPacket, stream: av.stream.Stream) -> av.Packet:
    out = av.Packet(packet.data)
    out.pts, out.dts, out.time_base = packet.pts, packet.dts, packet.time_base
    out.is_keyframe = packet.is_keyframe
    out.stream = stream
    return out
