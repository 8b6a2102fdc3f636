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
        self.picture = np.full((40, 60, 3), colour, np.uint8)

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
    assert near(out[26, 40], (0, 0, 255))  # the picture
    assert near(out[18, 40], (255, 255, 255))  # its frame above it (edges on even pixels: 21 → 20)
    assert near(out[26, 20], (0, 0, 0), 1) and near(out[40, 60], (0, 0, 0), 1)  # the rest untouched


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
