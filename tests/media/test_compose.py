"""Compositor arithmetic in the encoder's I420: the colours a BGR blend then a conversion would give, z-order,
visibility, clipping, odd places, picture-in-picture."""

from __future__ import annotations

import cv2
import pytest
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.media import yuv
from app.media.compose import Compositor, VideoLayer
from app.media.interfaces import VideoSource


def bgra(h: int, w: int, colour: tuple[int, int, int], alpha: int) -> np.ndarray:
    """A premultiplied BGRA block."""
    out = np.zeros((h, w, 4), np.uint8)
    out[:, :, :3] = np.rint(np.array(colour) * alpha / 255)
    out[:, :, 3] = alpha
    return out


def composed(comp: Compositor, bgr: np.ndarray) -> np.ndarray:
    """The frame as the pipeline makes it (BGR → I420 → layers), read back as BGR."""
    i420 = yuv.from_bgr(bgr)
    assert comp.compose(i420) is i420  # in place: the frame the encoder takes
    return yuv.to_bgr(i420)


def near(pixel, colour, tolerance: int = 3) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(pixel, colour))


def test_opaque_layer_replaces_and_transparent_leaves_alone():
    comp = Compositor(64, 48)
    canvas = np.full((48, 64, 3), 100, np.uint8)
    comp.set_layer("a", bgra(10, 10, (10, 20, 250), 255), 6, 6)
    comp.set_layer("ghost", bgra(10, 10, (0, 0, 0), 0), 30, 30)
    out = composed(comp, canvas)
    assert near(out[10, 10], (10, 20, 250))
    assert near(out[35, 35], (100, 100, 100), 1) and near(out[0, 0], (100, 100, 100), 1)
    assert [layer.name for layer in comp.layers()] == ["a"]  # the transparent layer costs no frame anything


def test_half_alpha_and_opacity_mix():
    comp = Compositor(20, 20)
    comp.set_layer("a", bgra(4, 4, (200, 200, 200), 128), 0, 0)
    comp.set_layer("b", bgra(4, 4, (200, 200, 200), 255), 10, 10, opacity=0.5)
    out = composed(comp, np.zeros((20, 20, 3), np.uint8))
    assert near(out[1, 1], (100, 100, 100))  # 200 · 128/255
    assert near(out[11, 11], (100, 100, 100))  # 200 · 0.5
    assert near(out[15, 15], (0, 0, 0), 1)
    white = yuv.from_bgr(np.full((20, 20, 3), 255, np.uint8))
    comp.compose(white)
    assert yuv.planes(white)[0].max() == 235  # white stays white: no overflow wrap


def test_z_order_visibility_and_clipping():
    comp = Compositor(30, 30)
    canvas = np.zeros((30, 30, 3), np.uint8)
    comp.set_layer("top", bgra(10, 10, (0, 0, 255), 255), 0, 0, z=2)
    comp.set_layer("bottom", bgra(10, 10, (255, 0, 0), 255), 0, 0, z=1)
    assert near(composed(comp, canvas)[4, 4], (0, 0, 255))
    comp.set_visible("top", False)
    assert near(composed(comp, canvas)[4, 4], (255, 0, 0))
    comp.set_layer("edge", bgra(10, 10, (0, 255, 0), 255), 24, -4)  # hangs over two edges
    out = composed(comp, canvas)
    assert near(out[0, 29], (0, 255, 0)) and near(out[4, 26], (0, 255, 0))
    comp.move("edge", 100, 100)  # fully outside: nothing drawn, nothing raised
    assert composed(comp, canvas)[:, 20:].max() <= 1
    comp.remove("bottom")
    assert composed(comp, canvas).max() <= 1


def test_a_layer_on_odd_pixels_blends_its_edge_chroma_by_coverage():
    comp = Compositor(16, 16)
    comp.set_layer("red", bgra(5, 5, (0, 0, 255), 255), 3, 3)  # a 5x5 red square from (3, 3): odd edges
    frame = yuv.from_bgr(np.zeros((16, 16, 3), np.uint8))
    comp.compose(frame)
    y, u, v = yuv.planes(frame)
    assert (y[3:8, 3:8] == 82).all() and y[2, 2] == 16 and y[8, 8] == 16  # luma exact, pixel for pixel
    assert v[2, 2] == 240  # a chroma sample the square covers wholly (pixels 4..5)
    assert v[1, 1] == round(128 + (240 - 128) / 4)  # one pixel of its four is red
    assert v[0, 0] == 128  # untouched


@settings(max_examples=60, deadline=None)
@given(st.integers(-12, 40), st.integers(-12, 30), st.integers(1, 24), st.integers(1, 20),
       st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)), st.integers(0, 255),
       st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_blending_in_i420_matches_blending_in_bgr_then_converting(x, y, w, h, colour, alpha, opacity, seed):
    """Luma as a BGR blend converted, within rounding; chroma within rounding where the layer covers a whole 2x2
    block (at its edge I420 averages, where OpenCV's conversion takes one pixel of four)."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
    layer = bgra(h, w, colour, alpha)
    comp = Compositor(48, 32)
    comp.set_layer("l", layer, x, y, opacity=opacity)
    frame = yuv.from_bgr(background)
    comp.compose(frame)

    reference = background.astype(np.float32)
    x0, y0, x1, y1 = max(0, x), max(0, y), min(48, x + w), min(32, y + h)
    if x1 > x0 and y1 > y0:
        part = layer[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32) * opacity
        reference[y0:y1, x0:x1] = reference[y0:y1, x0:x1] * (1 - part[:, :, 3:] / 255) + part[:, :, :3]
    expected = yuv.planes(yuv.from_bgr(np.clip(np.rint(reference), 0, 255).astype(np.uint8)))
    got = yuv.planes(frame)
    assert np.abs(got[0].astype(int) - expected[0]).max() <= 2
    inside = np.zeros((16, 24), bool)
    inside[(y0 + 1) // 2:y1 // 2, (x0 + 1) // 2:x1 // 2] = True
    outside = np.ones((16, 24), bool)
    outside[y0 // 2:(y1 + 1) // 2, x0 // 2:(x1 + 1) // 2] = x1 <= x0 or y1 <= y0
    for plane in (1, 2):
        difference = np.abs(got[plane].astype(int) - expected[plane])
        assert difference[inside].max(initial=0) <= 2 and difference[outside].max(initial=0) == 0


class _Still:
    def __init__(self, colour):
        self.picture = np.full((40, 60, 3), colour, np.uint8)  # 3:2, placed in 5:3 places

    def start(self, clock, at=0.0):
        pass

    def stop(self):
        pass

    def frame_at(self, t):
        return self.picture


def test_a_picture_in_picture_is_pasted_with_its_white_frame():
    comp = Compositor(64, 48)
    comp.set_video_layer(VideoLayer("pip", _Still((0, 0, 255)), 31, 21, 20, 12, z=5, border=2))
    out = composed(comp, np.zeros((48, 64, 3), np.uint8))
    for y, x in ((20, 30), (20, 49), (31, 30), (31, 49), (26, 40)):  # the picture (a 60x40 still, cropped to fill)
        assert near(out[y, x], (0, 0, 255)), (y, x)
    for y, x in ((18, 40), (19, 40), (26, 28), (26, 29), (26, 50), (26, 51), (32, 40), (33, 40)):
        assert near(out[y, x], (255, 255, 255), 2), (y, x)  # its frame around it (edges on even pixels: 21 → 20)
    for y, x in ((16, 40), (26, 26), (26, 53), (35, 40), (40, 60)):
        assert near(out[y, x], (0, 0, 0), 1), (y, x)  # the rest untouched


def test_a_picture_in_picture_over_the_canvas_edge_shows_the_part_inside():
    picture = np.zeros((12, 20, 3), np.uint8)
    picture[:, :10], picture[:, 10:] = (0, 0, 255), (255, 0, 0)  # red left half, blue right half
    source = _Still((0, 0, 0))
    source.picture = picture
    comp = Compositor(64, 48)
    comp.set_video_layer(VideoLayer("pip", source, -6, -4, 20, 12, border=2))
    out = composed(comp, np.zeros((48, 64, 3), np.uint8))
    assert near(out[2, 1], (0, 0, 255)) and near(out[2, 6], (255, 0, 0))  # its columns 6.. at x 0..
    assert near(out[7, 6], (255, 0, 0)) and near(out[9, 6], (255, 255, 255), 2)  # its last rows, then its frame
    assert near(out[2, 15], (255, 255, 255), 2) and near(out[20, 20], (0, 0, 0), 1)


def test_the_preview_is_the_frame_made_small():
    frame = yuv.from_bgr(np.full((360, 640, 3), (30, 60, 200), np.uint8))
    small = yuv.small_bgr(frame, 320)
    assert small.shape == (180, 320, 3) and near(small[90, 160], (30, 60, 200))
    assert yuv.small_bgr(frame, 1000).shape == (360, 640, 3)
    assert cv2.cvtColor(frame, cv2.COLOR_YUV2BGR_I420).shape == (360, 640, 3)


@pytest.mark.parametrize("size", [(640, 360), (320, 90)])  # 90: a height PyAV cannot wrap (rows // 6 * 4): copied
def test_a_known_patch_reads_back_after_encoding_and_decoding(tmp_path, size):
    """The colours as a viewer sees them: an opaque patch and a half-transparent one over black, through libx264
    into a file and decoded by PyAV (not by the app)."""
    import av

    from app.media.encode import EncoderSettings
    from app.media.outputs import open_destination
    from app.media.pipeline import Pipeline

    width, height = size
    comp = Compositor(width, height)
    comp.set_layer("opaque", bgra(40, 60, (40, 180, 220), 255), 20, 20)
    comp.set_layer("half", bgra(40, 60, (250, 250, 250), 128), 120, 20)
    out = tmp_path / "patch.mkv"
    pipeline = Pipeline(EncoderSettings(width=width, height=height, fps=30, video_bitrate=2_000_000),
                        [open_destination(str(out))], duration=0.5, compositor=comp, video_source=_Black(width, height))
    assert pipeline.run().frames_encoded == 15
    with av.open(str(out)) as container:
        frames = [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]
    assert len(frames) == 15 and frames[-1].shape == (height, width, 3)
    last = frames[-1].astype(int)
    assert np.abs(last[30:50, 30:70].reshape(-1, 3).mean(axis=0) - (40, 180, 220)).max() <= 4
    assert np.abs(last[30:50, 130:170].reshape(-1, 3).mean(axis=0) - 125).max() <= 4  # 250 · 128/255
    assert last[30:50, 90:110].max() <= 8  # black between them


class _Black(VideoSource):
    """A black camera."""

    def __init__(self, width, height):
        self.picture = np.zeros((height, width, 3), np.uint8)

    def frame_at(self, t):
        return self.picture


def test_transparent_borders_are_trimmed_and_transparent_pixels_left_exactly_as_they_were():
    picture = bgra(12, 14, (0, 0, 255), 255)
    picture[:3], picture[:, :4] = 0, 0  # transparent rows on top, columns on the left
    picture[6:9, 7:10] = 0  # a transparent hole in the middle
    comp = Compositor(40, 30)
    comp.set_layer("card", picture, 10, 8)
    (layer,) = comp.layers()
    assert layer.rect == (14, 11, 24, 20) and layer.bgra.shape == (9, 10, 4)  # only what shows costs a frame
    background = np.random.default_rng(3).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    frame = yuv.from_bgr(background)
    before = yuv.planes(frame)[0].copy()
    comp.compose(frame)
    y = yuv.planes(frame)[0]
    assert (y[11:14, 14:17] == 82).all() and (y[14:17, 17:20] == before[14:17, 17:20]).all()  # red; the hole
    assert (y[:11] == before[:11]).all() and (y[:, :14] == before[:, :14]).all()  # nothing above or left of it


def test_skipped_layers_are_left_out_but_never_a_protected_one():
    comp = Compositor(20, 20)
    comp.set_layer("card", bgra(4, 4, (0, 0, 255), 255), 0, 0)
    comp.set_layer("mark", bgra(4, 4, (255, 0, 0), 255), 10, 10)
    comp.protect("mark")
    comp.protect("other")
    frame = yuv.from_bgr(np.zeros((20, 20, 3), np.uint8))
    comp.compose(frame, skip=frozenset({"card", "mark"}))  # a scene says it drew both itself
    y = yuv.planes(frame)[0]
    assert y[1, 1] == 16 and y[11, 11] == 41  # the card left out; the 演练 mark drawn whatever a scene says


class _Clocked:
    """A picture-in-picture source that says when it was started and for which stream times it was asked."""

    def __init__(self):
        self.started, self.asked, self.stopped = [], [], 0

    def start(self, clock, at=0.0):
        self.started.append((clock, at))

    def stop(self):
        self.stopped += 1

    def frame_at(self, t):
        self.asked.append(t)
        return np.full((12, 20, 3), 200, np.uint8)


def test_a_picture_in_picture_starts_with_the_clock_is_asked_its_stream_time_and_can_be_removed():
    class Clock:
        def now(self):
            return 4.5

    clock, source = Clock(), _Clocked()
    comp = Compositor(64, 48)
    comp.set_video_layer(VideoLayer("pip", source, 20, 20, 20, 12))
    comp.start_sources(clock)
    assert source.started == [(clock, 4.5)]
    comp.compose(yuv.from_bgr(np.zeros((48, 64, 3), np.uint8)), stream_time=7.25)
    assert source.asked == [7.25]
    comp.stop_sources()
    assert source.stopped == 1
    comp.remove("pip")
    assert comp.layers() == ()


def test_moving_a_layer_keeps_what_is_not_said_and_changes_what_is():
    comp = Compositor(40, 40)
    comp.set_layer("card", bgra(4, 4, (0, 0, 255), 255), 0, 0, z=3, opacity=0.5)
    comp.set_visible("card", False)
    comp.move("card", 10, 12)
    (hidden,) = comp._layers.values()
    assert (hidden.x, hidden.y, hidden.z, hidden.opacity, hidden.visible) == (10, 12, 3, 0.5, False)
    assert comp.layers() == ()  # still hidden
    comp.set_visible("card", True)
    comp.move("card", 2, 4, z=7, opacity=1.0)
    (layer,) = comp.layers()
    assert (layer.x, layer.y, layer.z, layer.opacity, layer.rect) == (2, 4, 7, 1.0, (2, 4, 6, 8))
    comp.remove("card")
    comp.move("card", 1, 1)  # gone: nothing to move, nothing raised
    assert comp.layers() == () and comp._sources == {}


@pytest.mark.parametrize("size, width, small", [((640, 360), 320, (180, 320)), ((640, 360), 640, (360, 640)),
                                                ((100, 40), 51, (20, 50)), ((64, 48), 3, (2, 2))])
def test_the_preview_keeps_the_aspect_on_even_sides(size, width, small):
    frame = yuv.from_bgr(np.full((size[1], size[0], 3), 90, np.uint8))
    assert yuv.small_bgr(frame, width).shape[:2] == small


def test_a_layer_moved_off_the_canvas_and_back_keeps_its_order_opacity_and_visibility():
    comp = Compositor(40, 40)
    comp.set_layer("card", bgra(4, 4, (0, 0, 255), 255), 0, 0, z=3, opacity=0.5)
    comp.move("card", 100, 100)  # nothing of it shows: no frame pays for it
    assert comp.layers() == ()
    comp.move("card", 10, 10)
    (layer,) = comp.layers()
    assert (layer.name, layer.z, layer.opacity, layer.visible, layer.rect) == ("card", 3, 0.5, True, (10, 10, 14, 14))


def test_a_picture_in_picture_over_the_bottom_right_edge_on_a_coloured_picture():
    """On a coloured background a misplaced neutral chroma shows; an odd place starts the picture one pixel early."""
    picture = np.full((12, 20, 3), (255, 0, 0), np.uint8)
    picture[:, 0], picture[0, :] = (0, 0, 255), (0, 0, 255)  # its first column and row red, the rest blue
    source = _Still((0, 0, 0))
    source.picture = picture
    comp = Compositor(64, 48)
    comp.set_video_layer(VideoLayer("pip", source, 51, 41, 20, 12, border=2))
    out = composed(comp, np.full((48, 64, 3), (0, 160, 0), np.uint8))
    assert near(out[45, 50], (0, 0, 255), 4) and near(out[40, 56], (0, 0, 255), 4)  # column 0 at x 50, row 0 at y 40
    assert near(out[45, 56], (255, 0, 0), 4) and near(out[47, 63], (255, 0, 0), 4)  # clipped at the edges
    assert near(out[38, 56], (255, 255, 255), 2) and near(out[45, 48], (255, 255, 255), 2)  # the frame
    for y, x in ((36, 56), (45, 46), (20, 20), (2, 60), (46, 2)):
        assert near(out[y, x], (0, 160, 0), 3), (y, x)  # the green around it untouched, chroma too
