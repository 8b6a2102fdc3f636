"""One H.264 + AAC encode whose packets feed every output (see field notes: encoders in a null container)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

import logging

import av
import numpy as np

log = logging.getLogger(__name__)

VIDEO_TIME_BASE = Fraction(1, 1000)  # milliseconds: what FLV and Matroska store anyway


@dataclass(frozen=True)
class EncoderSettings:
    width: int = 1280
    height: int = 720
    fps: int = 30
    video_bitrate: int = 2_500_000
    keyframe_seconds: float = 2.0
    preset: str = "veryfast"
    profile: str = "high"  # baseline | main | high
    no_b_frames: bool = True  # some ingests refuse B-frames; zerolatency has none anyway
    video_codec: str = "libx264"  # libx264 | h264_nvenc | auto (nvenc when it opens, else libx264)
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
    """H.264 (libx264, or h264_nvenc when chosen and it opens) and AAC, opened once; `specs` describe them.

    An NVENC encoder that cannot open (no GPU, no driver) fails over to libx264 before streaming starts;
    `fallback` then says why, for the streamer to see.
    """

    def __init__(self, settings: EncoderSettings) -> None:
        self.settings = s = settings
        self.fallback: str | None = None
        wanted = s.video_codec
        candidates = ["h264_nvenc", "libx264"] if wanted == "auto" else [wanted]
        if candidates[-1] != "libx264":
            candidates.append("libx264")
        for name in candidates:
            try:
                self._null, self._video, self._audio = self._open(name)
                self.video_codec = name
                break
            except Exception as exc:  # NVENC without a GPU fails in several ways; libx264 always opens
                if name == "libx264":
                    raise
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                self.fallback = f"{name} unavailable ({reason}); using libx264"
                log.warning("%s", self.fallback)
        self._next_keyframe = 0.0

    def _open(self, codec: str):
        s = self.settings
        null = av.open(os.devnull, "w", format="null")
        global_header = av.codec.context.Flags.global_header
        video = null.add_stream(codec, rate=s.fps)
        ctx = video.codec_context
        ctx.width, ctx.height, ctx.pix_fmt = s.width, s.height, "yuv420p"
        ctx.time_base = VIDEO_TIME_BASE
        ctx.bit_rate = s.video_bitrate
        ctx.gop_size = s.gop  # a backstop: keyframes are forced by stream time in encode_video
        common = {"maxrate": str(s.video_bitrate), "bufsize": str(s.video_bitrate),  # 1 s of VBV: steady ingest
                  "forced-idr": "1", "profile": s.profile}
        if s.no_b_frames:
            common["bf"] = "0"
        if codec == "h264_nvenc":
            ctx.options = {**common, "preset": "p4", "tune": "ll", "rc": "cbr"}
        else:
            ctx.options = {**common, "preset": s.preset, "tune": "zerolatency",
                           "sc_threshold": "0"}  # keyframes on the clock only, so outputs can cut on them
        ctx.flags |= global_header
        try:
            ctx.open()  # fail here, per codec, rather than inside start_encoding
        except Exception:
            null.close()
            raise

        audio = null.add_stream("aac", rate=s.sample_rate)
        actx = audio.codec_context
        actx.layout = "stereo" if s.channels == 2 else "mono"
        actx.bit_rate = s.audio_bitrate
        actx.flags |= global_header
        null.start_encoding()  # parameters and extradata are final from here on
        return null, video, audio

    @property
    def specs(self) -> tuple[StreamSpec, StreamSpec]:
        v, a = self._video.codec_context, self._audio.codec_context
        return (
            # "libx264" only names an H.264 codec for the mux-only template; any H.264 encoder's packets fit
            StreamSpec("video", "libx264", VIDEO_TIME_BASE, bytes(v.extradata or b""),
                       width=v.width, height=v.height, pix_fmt="yuv420p", bit_rate=v.bit_rate),
            StreamSpec("audio", "aac", Fraction(1, a.sample_rate), bytes(a.extradata or b""),
                       sample_rate=a.sample_rate, layout=a.layout.name, bit_rate=a.bit_rate),
        )

    def encode_video(self, i420: np.ndarray | None, stream_time: float = 0.0) -> list[EncodedPacket]:
        """Encode one yuv420p frame stamped `stream_time` seconds; None flushes the encoder. The array is encoded
        from its own memory: it is the encoder's from here on."""
        frame = None
        if i420 is not None:
            frame = _wrap(i420)
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


def _wrap(i420: np.ndarray) -> av.VideoFrame:
    """The frame around the array's own memory (held until the encoder is done with it): the array must not be
    written after this. PyAV infers the height as rows // 6 * 4, so a height not divisible by 4 is copied."""
    if i420.shape[0] % 6 == 0 and i420.flags.c_contiguous:
        return av.VideoFrame.from_numpy_buffer(i420, format="yuv420p")
    return av.VideoFrame.from_ndarray(i420, format="yuv420p")


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
