"""A scene drawn straight in I420 (`SceneSource.i420_at`, issue #32): the same picture as drawing it in BGR and
converting (every luma pixel; every chroma sample but those an odd edge shares), and None — the BGR path — wherever
it cannot be: a fade, a key, an overlay the scene places, a translucent item, another canvas."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from app.media import yuv
from app.media.interfaces import VideoSource
from app.media.scene_source import BGR_AGAIN_S, SceneSource
from app.media.scenes import default_scenes, make_item, make_scene
from app.media.sources import ImageSource, TestPatternSource as Pattern

HOST_AND_PRODUCT = "主播+商品 Host + product"


class Pictures(VideoSource):
    """Whatever picture the test sets (BGR, or BGRA as a keyed camera gives), counting the frames asked."""

    def __init__(self, picture: np.ndarray | None) -> None:
        self.picture, self.asked, self.times = picture, 0, set()

    def frame_at(self, stream_time: float) -> np.ndarray | None:
        self.asked += 1
        self.times.add(stream_time)
        return self.picture


def noise(height: int, width: int, seed: int = 1, channels: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), np.uint8)


def product_file(tmp_path, size=(200, 150)):
    path = tmp_path / "product.png"
    cv2.imwrite(str(path), noise(size[1], size[0], seed=7))
    return ImageSource(str(path))


def edge_samples(rect: tuple[int, int, int, int]) -> np.ndarray:
    """A mask of the chroma samples (of a 1280x720 frame) that an odd edge of `rect` shares with what is beside it."""
    x0, y0, x1, y1 = rect
    mask = np.zeros((360, 640), bool)
    cx = slice(x0 // 2, (x1 + 1) // 2)
    cy = slice(y0 // 2, (y1 + 1) // 2)
    if x0 % 2:
        mask[cy, x0 // 2] = True
    if x1 % 2:
        mask[cy, x1 // 2] = True
    if y0 % 2:
        mask[y0 // 2, cx] = True
    if y1 % 2:
        mask[y1 // 2, cx] = True
    return mask


def both_ways(source: SceneSource, t: float) -> tuple[np.ndarray, np.ndarray]:
    straight = source.i420_at(t, source.width, source.height)
    assert straight is not None
    return straight, yuv.from_bgr(source.frame_at(t))


@settings(max_examples=25, deadline=None)
@given(x=st.floats(0.0, 0.9), y=st.floats(0.0, 0.9), w=st.floats(0.05, 0.6), h=st.floats(0.05, 0.6),
       fit=st.sampled_from(["crop", "letterbox"]))
def test_a_picture_over_a_picture_is_the_bgr_scenes_planes_but_for_its_odd_edges(x, y, w, h, fit):
    camera = Pictures(noise(720, 1280))
    product = Pictures(noise(150, 200, seed=2))
    item = make_item("product", x, y, min(w, 1 - x), min(h, 1 - y), fit=fit)
    scene = make_scene("两个", [make_item("camera"), item])
    source = SceneSource({"camera": camera, "product": product}, [scene], 1280, 720)
    straight = source.i420_at(0.25, 1280, 720)
    assert source.last_picture("camera") is camera.picture  # a BGR picture as its source gave it
    converted = yuv.from_bgr(source.frame_at(0.25))
    assert camera.times == product.times == {0.25}
    sy, su, sv = yuv.planes(straight)
    cy, cu, cv = yuv.planes(converted)
    assert np.array_equal(sy, cy)
    shared = edge_samples(item.rect(1280, 720))
    assert np.array_equal(su[~shared], cu[~shared]) and np.array_equal(sv[~shared], cv[~shared])


def test_the_test_pattern_comes_as_its_own_i420_and_the_product_is_written_over_it(tmp_path):
    camera = Pattern(1280, 720, 30)
    source = SceneSource({"camera": camera, "product": product_file(tmp_path)}, default_scenes(), 1280, 720,
                         program=HOST_AND_PRODUCT)
    straight = source.i420_at(1.0, 1280, 720)
    pattern = camera.i420_at(1.0, 1280, 720)
    x0, y0, x1, y1 = next(i for i in source.scene(HOST_AND_PRODUCT).items if i.input == "product").rect(1280, 720)
    sy, py = yuv.planes(straight)[0], yuv.planes(pattern)[0]
    outside = np.ones(sy.shape, bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(sy[outside], py[outside])  # the pattern as it draws itself in YUV
    # what the sketch and the key picker see is the camera's own picture, not the frame written over
    assert np.array_equal(source.last_picture("camera"), yuv.to_bgr(pattern))
    stills = source.stills(192)
    assert stills["camera"].picture.shape == (108, 192, 4) and "product" in stills
    converted = yuv.from_bgr(source.frame_at(1.0))
    assert np.array_equal(sy[y0:y1, x0:x1], yuv.planes(converted)[0][y0:y1, x0:x1])  # the product as in BGR
    assert straight is not source.i420_at(1.0 + 1 / 30, 1280, 720)  # a new array each frame: overlays go into it


def test_the_cameras_own_i420_picture_is_copied_a_few_times_a_second_not_every_frame():
    """`last_picture` (the key colour's still, the scene editor's sketch) is the camera's own picture at most
    SEEN_EVERY_S old: a 1080p copy every frame was a tenth of the render thread. A new show's time starting again
    takes a new copy at once."""
    from app.media.scene_source import SEEN_EVERY_S

    camera = Pattern(1280, 720, 30)
    source = SceneSource({"camera": camera}, default_scenes(), 1280, 720, program=default_scenes()[0].name)
    first = source.i420_at(1.0, 1280, 720)
    assert first is not None
    at_one = yuv.to_bgr(camera.i420_at(1.0, 1280, 720))
    assert np.array_equal(source.last_picture("camera"), at_one)
    source.i420_at(1.0 + 1 / 30, 1280, 720)
    assert not np.array_equal(yuv.to_bgr(camera.i420_at(1.0 + 1 / 30, 1280, 720)), at_one)  # the pattern moved
    assert np.array_equal(source.last_picture("camera"), at_one)  # not copied again within SEEN_EVERY_S
    later = 1.0 + SEEN_EVERY_S + 1 / 30
    source.i420_at(later, 1280, 720)
    assert np.array_equal(source.last_picture("camera"), yuv.to_bgr(camera.i420_at(later, 1280, 720)))
    source.i420_at(0.0, 1280, 720)  # a new show on the same sources
    assert np.array_equal(source.last_picture("camera"), yuv.to_bgr(camera.i420_at(0.0, 1280, 720)))


def test_a_still_picture_above_is_converted_once(tmp_path, monkeypatch):
    import app.media.scene_source as module

    made = []
    real = module.yuv.opaque
    monkeypatch.setattr(module.yuv, "opaque", lambda *a: made.append(a[1:]) or real(*a))
    source = SceneSource({"camera": Pattern(1280, 720, 30), "product": product_file(tmp_path)},
                         default_scenes(), 1280, 720, program=HOST_AND_PRODUCT)
    for n in range(5):
        source.i420_at(n / 30, 1280, 720)
    assert len(made) == 1


def test_what_only_bgr_can_draw_is_left_to_it(tmp_path):
    camera = Pictures(noise(720, 1280))
    inputs = {"camera": camera, "product": Pictures(noise(100, 100, seed=3))}
    plain = make_scene("一", [make_item("camera"), make_item("product", 0.5, 0.5, 0.3, 0.3)])
    scenes = [plain,
              make_scene("半透明", [make_item("camera"), make_item("product", 0.5, 0.5, 0.3, 0.3, opacity=0.5)]),
              make_scene("叠加", [make_item("camera"), make_item("overlay.product_card", 0.1, 0.1, 0.3, 0.3)]),
              make_scene("小", [make_item("camera", 0.1, 0.1, 0.5, 0.5)]),
              make_scene("裁", [make_item("camera", crop=(0.1, 0.0, 0.0, 0.0))])]
    source = SceneSource(inputs, scenes, 1280, 720)
    assert source.i420_at(0.0, 1280, 720) is not None
    assert source.i420_at(0.0, 640, 360) is None  # another canvas
    for name in ("半透明", "叠加", "小", "裁"):
        source.switch(name)
        assert source.i420_at(0.1, 1280, 720) is None, name
    source.fade_s = 0.25
    source.switch("一")
    assert source.i420_at(0.5, 1280, 720) is not None
    source.switch("小", "fade")
    source.switch("一", "fade")  # fading from 小 since 0.5
    assert source.i420_at(0.625, 1280, 720) is None
    assert source.i420_at(0.75, 1280, 720) is not None  # the fade over, to the moment
    hidden = make_scene("藏", [make_item("camera"), make_item("overlay.comments", visible=False),
                              make_item("overlay.coupon", opacity=0.0), make_item("product", 0.2, 0.2, 0.2, 0.2,
                                                                                 opacity=0.0)])
    source.set_scenes([hidden])
    assert source.i420_at(1.0, 1280, 720) is not None  # hidden items are nothing to draw
    assert source.draws_layers == {"comments", "coupon"}  # the compositor leaves out what the scene hides


def test_a_keyed_picture_is_drawn_in_bgr_and_looked_at_again_later():
    camera = Pictures(noise(720, 1280, channels=4))  # keyed: BGRA
    source = SceneSource({"camera": camera, "background": Pictures(noise(720, 1280, seed=5))},
                         [make_scene("绿幕", [make_item("background"), make_item("camera")])], 1280, 720)
    assert source.i420_at(0.0, 1280, 720) is None
    asked = camera.asked
    assert source.i420_at(BGR_AGAIN_S / 2, 1280, 720) is None and camera.asked == asked  # not asked again yet
    camera.picture = noise(720, 1280)  # the key switched off
    assert source.i420_at(BGR_AGAIN_S, 1280, 720) is not None


@pytest.mark.parametrize("keyed_above", [False, True])
def test_a_picture_above_that_is_keyed_leaves_the_frame_to_bgr(keyed_above):
    above = Pictures(noise(100, 100, channels=4 if keyed_above else 3))
    source = SceneSource({"camera": Pictures(noise(720, 1280)), "pip": above},
                         [make_scene("画中画", [make_item("camera"), make_item("pip", 0.6, 0.6, 0.2, 0.2)])], 1280, 720)
    assert (source.i420_at(0.0, 1280, 720) is None) == keyed_above
    asked = above.asked
    source.i420_at(BGR_AGAIN_S / 2, 1280, 720)
    assert (above.asked == asked) == keyed_above  # a keyed scene is not looked at again at once


def test_a_picture_above_that_gives_nothing_or_has_no_room_leaves_the_rest_drawn():
    product = Pictures(noise(100, 100, seed=4))
    scene = make_scene("三层", [make_item("camera"), make_item("nothing", 0.1, 0.1, 0.2, 0.2),
                              make_item("edge", 1.0, 0.5, 0.1, 0.1), make_item("edge", 0.5, 1.0, 0.1, 0.1),
                              make_item("product", 0.5, 0.5, 0.2, 0.2)])
    source = SceneSource({"camera": Pictures(noise(720, 1280)), "nothing": Pictures(None),
                          "edge": Pictures(noise(50, 50, seed=6)), "product": product}, [scene], 1280, 720)
    straight, converted = both_ways(source, 0.0)
    x0, y0, x1, y1 = scene.items[-1].rect(1280, 720)
    assert np.array_equal(yuv.planes(straight)[0][y0:y1, x0:x1], yuv.planes(converted)[0][y0:y1, x0:x1])


def test_an_odd_edge_takes_the_pictures_own_colour():
    red = np.zeros((10, 10, 3), np.uint8)
    red[:] = (0, 0, 255)
    frame = yuv.from_bgr(np.zeros((20, 20, 3), np.uint8))
    yuv.opaque(red, 3, 5).place(frame)
    _, u, v = yuv.planes(frame)
    _, red_u, red_v = yuv.planes(yuv.from_bgr(np.dstack([np.full((2, 2), c, np.uint8) for c in (0, 0, 255)])))
    assert (u[2:8, 1:7] == red_u[0, 0]).all() and (v[2:8, 1:7] == red_v[0, 0]).all()  # the shared samples too
    assert (u[:2] == 128).all() and (u[:, 7:] == 128).all()  # nothing beyond
    for x, y, w, h in ((2, 4, 9, 10), (2, 4, 10, 9)):  # one odd edge only: right, bottom
        frame = yuv.from_bgr(np.zeros((20, 20, 3), np.uint8))
        yuv.opaque(red[:h, :w], x, y).place(frame)
        assert (yuv.planes(frame)[1][y // 2:(y + h + 1) // 2, x // 2:(x + w + 1) // 2] == red_u[0, 0]).all()


def test_nothing_to_stand_on_is_left_to_bgr_and_what_lies_below_the_top_picture_is_not_drawn():
    class Nothing(VideoSource):
        def frame_at(self, stream_time: float):
            return None

    below = Pictures(noise(720, 1280, seed=9))
    source = SceneSource({"camera": Nothing(), "background": below},
                         [make_scene("底", [make_item("background"), make_item("camera")])], 1280, 720)
    assert source.i420_at(0.0, 1280, 720) is None  # the camera gave nothing: BGR draws what is below
    source = SceneSource({"camera": Pictures(noise(720, 1280)), "background": below},
                         [make_scene("底", [make_item("background"), make_item("camera")])], 1280, 720)
    straight, converted = both_ways(source, 0.0)
    assert np.array_equal(straight, converted) and below.asked == 1  # only frame_at drew the background
