"""The parts a picture is built from: the one way the preview and a go-live build theirs.

`LiveOptions` says what a go-live asks for; from them and the studio's settings come the sources
(`open_sources_for`), the scenes with their inputs (`open_scenes`: the chosen source as the camera with its key
and smoothing, the pinned product's picture, the background, the studio's own sources with a slate for one that
cannot open), and the compositor with its overlays switched and placed (`build_overlays`, `apply_layout`; the
演练 mark on a rehearsal's frames). `FrameSlot` hands the newest picture to the window. The `stream` command takes
its picture's parts from here too: the simulated overlays (`demo_overlays`, marked 演练) and a picture-in-picture
(`picture_in_picture`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from app.desk import StudioSettings
from app.guests.audio import GuestAudio
from app.guests.source import GuestSource
from app.media import yuv
from app.media.audio import MixedAudio
from app.media.compose import Compositor
from app.media.encode import EncoderSettings
from app.media.filters import FilteredSource
from app.media.scene_source import SceneSource
from app.media.scenes import GUEST
from app.media.slate import SlateSource
from app.media.sources import ImageSource, PinnedPicture, SourceError, open_sources, open_video_source, parse_camera_mode
from app.overlays.cards import render_rehearsal_mark
from app.overlays.overlay_set import KINDS, OverlaySet

__all__ = ["FrameSlot", "LiveOptions", "apply_layout", "build_overlays", "demo_overlays", "mark_rehearsal",
           "open_scenes", "open_sources_for", "overlay_boxes", "picture_in_picture", "studio_inputs", "with_guests"]

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 640
REHEARSAL_LAYER = "rehearsal_mark"


@dataclass(frozen=True)
class LiveOptions:
    """What a go-live asks for. `rehearsal` (演练) is the safe default: the simulated audience and the demo
    assistant are allowed, every frame carries the 演练 mark, the session is kept apart in the review; a push
    then needs `test_server_confirmed` (the user said the destination is a private test server). A Live (直播)
    session takes real room events only (platform bridge, LAN assistants, the console's own verbs)."""

    rehearsal: bool = True
    test_server_confirmed: bool = False
    destinations: tuple[str, ...] = ()
    record: bool = True
    width: int = 1280
    height: int = 720
    fps: int = 30
    bitrate: int = 2_500_000
    simulated_audience: bool = True
    audience_rate: float = 20.0
    demo_assistant: bool = False
    source: str = "testsrc"  # testsrc | cam:N | a media file | an image
    mirror: bool = False
    camera_mode: str = ""  # e.g. "1920x1080@30": what to ask the camera for; empty: the canvas size and rate
    microphone: str = ""  # with a camera: "" the OS's default microphone, "3" PortAudio's device 3, "off" none
    feed_url: str = ""  # a platform bridge's ws:// URL (docs/protocol.md): real comments, orders, viewers
    feed_token: str = ""  # sent as "Authorization: Bearer …" when given; a secret
    recording_path: str | None = None  # default: a new file in the recordings folder
    duration: float | None = None  # seconds; None: until stop()
    title: str = ""  # the session's title (场次标题); empty: the mode and the date
    host: str = ""  # 主播: who presents the show (the manager compares hosts across shows)



class FrameSlot:
    """The newest picture for the window's preview: written by the render thread, read by the UI's timer."""

    def __init__(self) -> None:
        self._frame: np.ndarray | None = None
        self._seq = 0

    def put(self, i420: np.ndarray) -> None:
        # the one copy the preview costs: the planes scaled small and converted, in the render thread
        self._frame = yuv.small_bgr(i420, PREVIEW_WIDTH)
        self._seq += 1

    def get(self) -> tuple[int, np.ndarray | None]:
        """(sequence number, newest image as BGR) — redraw only when the number changed."""
        return self._seq, self._frame


def open_sources_for(options: LiveOptions):
    """The chosen source and its sound (`open_sources`); SourceError (a ValueError) says why not."""
    mode = parse_camera_mode(options.camera_mode) if options.camera_mode else None
    return open_sources(options.source, options.width, options.height, options.fps, loop=True,
                        audio="auto", mirror=options.mirror, camera_mode=mode, microphone=options.microphone)


def camera_input(video, desk_settings: StudioSettings):
    """The camera as the scenes take it: with the studio's 绿幕 key and 美颜 when set (never the product's picture)."""
    if desk_settings.chroma is None and desk_settings.beauty <= 0:
        return video
    return FilteredSource(video, chroma=desk_settings.chroma, beauty=desk_settings.beauty)


def background_input(desk_settings: StudioSettings) -> dict:
    """{"background": the studio's picture} when it has one that opens, else {} (the scenes then skip it)."""
    if not desk_settings.background:
        return {}
    try:
        return {"background": ImageSource(desk_settings.background)}
    except SourceError as exc:
        log.warning("background picture not used: %s", exc)
        return {}


def studio_inputs(desk_settings: StudioSettings, width: int, height: int, fps: int, guests=None) -> dict:
    """The studio's own sources, each opened for the scenes; one that cannot open keeps its place in them with a
    slate saying so (the show goes on without it). A media file gives its picture only (the show's sound is the
    chosen source's). "guest:SEAT" is that seat of the guests' door (`guests`, a FeedShelf): its phone's picture
    once accepted, its slate until then."""
    inputs = {}
    for name, spec in desk_settings.inputs.items():
        if spec.startswith(GUEST) and guests is not None:
            inputs[name] = GuestSource(guests.feed(spec[len(GUEST):].strip()), width, height)
            continue
        try:
            inputs[name] = open_video_source(spec, width, height, fps, loop=True)
        except (SourceError, ValueError) as exc:
            log.warning("source %s not opened: %s", name, exc)
            inputs[name] = SlateSource(width, height, f"{name}：无法打开 / cannot open", str(exc)[:80])
    return inputs


def open_scenes(video, sound, desk_settings: StudioSettings, options: LiveOptions, pinned_image,
                guests=None) -> SceneSource:
    """The scenes as a go-live or the preview draws them: the chosen source as "camera" (with the studio's key and
    smoothing), `pinned_image` (what to show as the product's picture) as "product", the background picture and the
    studio's own sources, the program scene as the studio left it. A file that is also the sound is started once."""
    camera = camera_input(video, desk_settings)
    inputs = {**studio_inputs(desk_settings, options.width, options.height, options.fps, guests), "camera": camera,
              "product": PinnedPicture(pinned_image), **background_input(desk_settings)}
    return SceneSource(inputs, desk_settings.scenes, options.width, options.height, program=desk_settings.on_air_scene,
                       started_elsewhere=(sound, camera) if sound is video else (sound,))


def with_guests(sound, scenes: SceneSource, settings: EncoderSettings, guests=None):
    """The program's sound with each phone seat's sound beside the show's own (`GuestAudio`: heard once the seat
    is on air and is a guest's), the show's own handed to `guests` (the FeedShelf) for the guests to hear; the
    show's own sound alone when the scenes name no seat."""
    seats = [source for source in scenes.unwrapped_inputs.values() if isinstance(source, GuestSource)]
    if not seats:
        return sound
    return MixedAudio(sound, [GuestAudio(seat.feed, settings.sample_rate, settings.channels) for seat in seats],
                      tap=guests.program_sound.put if guests is not None else None)


def mark_rehearsal(compositor: Compositor) -> None:
    """The 演练 REHEARSAL mark on every frame of `compositor` (bottom-right, above everything, not switchable)."""
    scale = min(compositor.width, compositor.height) / 720
    mark, margin = render_rehearsal_mark(scale), round(16 * scale)
    compositor.set_layer(REHEARSAL_LAYER, mark, compositor.width - mark.shape[1] - margin,
                         compositor.height - mark.shape[0] - margin, z=1000)
    compositor.protect(REHEARSAL_LAYER)  # no scene can take it over or hide it


def build_overlays(settings: EncoderSettings, desk_settings: StudioSettings,
                   rehearsal: bool) -> tuple[Compositor, OverlaySet]:
    """A compositor with the overlay layers switched and placed as the streamer left them; a rehearsal's frames
    also carry the 演练 REHEARSAL mark (bottom-right corner, above everything, not switchable; the top-left is
    the test pattern's frame code)."""
    compositor = Compositor(settings.width, settings.height)
    if rehearsal:
        mark_rehearsal(compositor)
    overlays = OverlaySet(compositor)
    apply_layout(overlays, desk_settings)
    return compositor, overlays


def apply_layout(overlays: OverlaySet, desk_settings: StudioSettings) -> None:
    """Each overlay switched and placed as the studio's settings say (a kind without a place: its default)."""
    for kind, enabled in desk_settings.overlay_enabled.items():
        overlays.set_enabled(kind, enabled)
    for kind in KINDS:
        overlays.place(kind, *desk_settings.overlay_positions.get(kind, (None, None)))


def overlay_boxes(compositor: Compositor | None) -> dict[str, tuple[int, int, int, int]]:
    """Where each overlay shown now sits on the canvas: kind → (x, y, width, height)."""
    if compositor is None:
        return {}
    return {layer.name: (layer.x, layer.y, layer.width, layer.height)
            for layer in compositor.layers() if layer.name in KINDS and layer.visible}


def demo_overlays(width: int, height: int):
    """A compositor with simulated overlays (product card, coupon countdown, comment ticker) changing by themselves,
    every frame marked 演练 REHEARSAL: (compositor, the running demo — stop() it after the show)."""
    from app.media.qtrender import ensure_qt
    from app.overlays.sample import OverlayDemo

    ensure_qt()  # Qt's font database, from the main thread
    compositor = Compositor(width, height)
    mark_rehearsal(compositor)  # simulated: never mistaken for a real show, wherever it goes
    demo = OverlayDemo(OverlaySet(compositor))
    demo.start()
    return compositor, demo


def picture_in_picture(compositor: Compositor | None, spec: str, width: int, height: int, fps: int,
                       sample_rate: int) -> Compositor:
    """`spec` (a media file, an image or cam:N) as a quarter-width picture in the bottom-right corner of the canvas,
    above the overlays' defaults (a compositor is made when none is given); SourceError when it cannot open."""
    from app.media.compose import VideoLayer

    compositor = compositor or Compositor(width, height)
    pip_w = (width // 4) // 2 * 2
    pip_h = (pip_w * 9 // 16) // 2 * 2 if width >= height else (pip_w * 16 // 9) // 2 * 2
    margin = max(8, width // 60)
    source = open_video_source(spec, pip_w, pip_h, fps, loop=True, sample_rate=sample_rate)
    compositor.set_video_layer(VideoLayer("pip", source, width - pip_w - margin, height - pip_h - margin,
                                          pip_w, pip_h, z=50))
    return compositor
