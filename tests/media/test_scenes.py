"""场景 Scenes: each source in its place, size, crop and opacity on landscape and portrait canvases; a switch is a
cut or a fade on the next frame; a go-live switched back and forth loses no frame and keeps sound in sync."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from app.console import ConsoleService, LiveOptions
from app.kernel.events import SYSTEM
from app.media import yuv
from app.media.scene_source import SceneSource
from app.media.scenes import SceneError, default_scenes, make_item, make_scene, scenes_from_json, scenes_to_json
from app.media.sources import ImageSource, PinnedPicture, wait_until
from app.store.db import Database
from app.store.eventlog import load_events
from tests.media.probe import av_offsets, probe

RED, GREEN, BLUE = (0, 0, 255), (0, 255, 0), (255, 0, 0)


def picture(tmp_path, name: str, colour, size=(320, 240)):
    """A solid picture written to disk and opened as the app opens any picture (a real ImageSource)."""
    path = tmp_path / f"{name}.png"
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:] = colour
    cv2.imwrite(str(path), image)
    return ImageSource(str(path))


def at(frame: np.ndarray, fx: float, fy: float) -> tuple[int, int, int]:
    h, w = frame.shape[:2]
    return tuple(int(v) for v in frame[min(h - 1, int(fy * h)), min(w - 1, int(fx * w))])


@pytest.mark.parametrize("width, height", [(1280, 720), (720, 1280)])
def test_the_default_scenes_place_their_sources_on_either_canvas(tmp_path, width, height):
    source = SceneSource({"camera": picture(tmp_path, "camera", RED), "product": picture(tmp_path, "p", GREEN, (200, 200))},
                         default_scenes(), width, height)
    assert source.scene_names == ("主播全屏 Host", "主播+商品 Host + product", "商品特写 Product")
    host = source.frame_at(0.0)
    assert host.shape == (height, width, 3) and at(host, 0.5, 0.5) == RED
    source.switch("主播+商品 Host + product")
    both = source.frame_at(0.04)
    assert at(both, 0.3, 0.45) == RED and at(both, 0.79, 0.73) == GREEN  # the product beside the host
    source.switch("商品特写 Product")
    product = source.frame_at(0.08)
    assert at(product, 0.5, 0.5) == GREEN and at(product, 0.83, 0.17) == RED  # the host small, top right
    assert source.frame_at(0.12) is not source.frame_at(0.16)  # a fresh canvas each frame: overlays draw into it


def test_crop_opacity_visibility_and_order(tmp_path):
    half = np.zeros((100, 200, 3), np.uint8)
    half[:, :100] = BLUE
    half[:, 100:] = RED
    path = tmp_path / "half.png"
    cv2.imwrite(str(path), half)
    inputs = {"two": ImageSource(str(path)), "green": picture(tmp_path, "g", GREEN)}
    scene = make_scene("测试", [make_item("two", crop=(0.5, 0, 0, 0)),  # the blue left half cut away
                                make_item("green", 0.5, 0.0, 0.5, 1.0, opacity=0.5),
                                make_item("green", 0.0, 0.0, 0.25, 0.25, visible=False)])
    frame = SceneSource(inputs, [scene], 400, 200).frame_at(0.0)
    assert at(frame, 0.1, 0.1) == RED and at(frame, 0.25, 0.5) == RED  # hidden item not drawn
    b, g, r = at(frame, 0.75, 0.5)
    assert b == 0 and 120 <= g <= 135 and 120 <= r <= 135  # half green over red


def test_a_fade_blends_for_its_length_then_shows_the_new_scene(tmp_path):
    inputs = {"camera": picture(tmp_path, "c", RED), "product": picture(tmp_path, "p", GREEN)}
    scenes = [make_scene("A", [make_item("camera")]), make_scene("B", [make_item("product")])]
    source = SceneSource(inputs, scenes, 320, 240, fade_s=0.3)
    source.frame_at(1.0)
    assert source.switch("B", "fade") and not source.switch("B", "fade")
    b, g, r = at(source.frame_at(1.15), 0.5, 0.5)
    assert 100 <= g <= 155 and 100 <= r <= 155  # half way
    assert at(source.frame_at(1.31), 0.5, 0.5) == GREEN
    assert source.switch("A") and at(source.frame_at(1.34), 0.5, 0.5) == RED  # a cut: the very next frame
    with pytest.raises(SceneError, match="no scene"):
        source.switch("C")
    with pytest.raises(SceneError, match="transition"):
        source.switch("B", "wipe")


def test_the_product_input_follows_the_pinned_product(tmp_path):
    cup = tmp_path / "cup.png"
    cv2.imwrite(str(cup), np.full((50, 50, 3), 200, np.uint8))
    pinned = {"path": None}
    product = PinnedPicture(lambda: pinned["path"])
    assert product.frame_at(0.0) is None
    pinned["path"] = str(cup)
    assert product.frame_at(0.1) is None  # asked again only every 0.2 s of stream time
    assert product.frame_at(0.25).shape == (50, 50, 3)
    pinned["path"] = str(tmp_path / "missing.png")
    assert product.frame_at(0.5) is None  # a picture that cannot be read draws nothing, never raises


class Frames:
    """A source giving the pictures handed to it, one per frame (a camera: a new array each time)."""

    def __init__(self, *pictures):
        self.pictures = list(pictures)

    def frame_at(self, stream_time):
        return self.pictures.pop(0) if len(self.pictures) > 1 else self.pictures[0]


def test_a_still_picture_is_fitted_once_and_a_new_one_again(tmp_path, monkeypatch):
    import app.media.scene_source as scenes_module

    fitted = []
    real_fit = scenes_module.fit
    monkeypatch.setattr(scenes_module, "fit", lambda *a, **k: fitted.append(a[1:3]) or real_fit(*a, **k))
    red, blue = np.full((100, 100, 3), RED, np.uint8), np.full((100, 100, 3), BLUE, np.uint8)
    source = SceneSource({"still": Frames(red), "camera": Frames(red, blue.copy(), blue)},
                         [make_scene("s", [make_item("camera", 0, 0, 0.5, 1.0),
                                           make_item("still", 0.5, 0, 0.5, 0.5, crop=(0.1, 0, 0, 0))])], 200, 100)
    frames = [source.frame_at(i / 30) for i in range(4)]
    assert fitted.count((100, 50)) == 1  # the still: once, whatever the number of frames
    assert fitted.count((100, 100)) == 3  # the camera: each new array; the 4th frame repeats the 3rd's array
    assert at(frames[0], 0.25, 0.5) == RED and at(frames[1], 0.25, 0.5) == BLUE == at(frames[3], 0.25, 0.5)
    assert all(at(f, 0.75, 0.25) == RED for f in frames) and at(frames[3], 0.75, 0.75) == (0, 0, 0)


def test_saved_scenes_read_back_and_bad_ones_are_named():
    saved = scenes_to_json(default_scenes())
    assert scenes_to_json(scenes_from_json(saved)) == saved
    bad = [dict(saved[0]), {"name": "坏", "items": [{"input": "camera", "x": 1.5}]}]
    with pytest.raises(SceneError, match="scene 2.*x must be between 0 and 1"):
        scenes_from_json(bad)
    with pytest.raises(SceneError, match="two scenes are named"):
        scenes_from_json([saved[0], saved[0]])
    for junk in (None, [], [1], [{"name": "x"}], [{"name": "", "items": []}], [{"name": "x", "items": [5]}]):
        with pytest.raises(SceneError):
            scenes_from_json(junk)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["input", "x", "y", "width", "height", "visible", "opacity", "crop", "fit"]),
                       st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                                 st.text(max_size=50), st.lists(st.floats(-1, 2), max_size=5))))
def test_any_saved_item_is_a_scene_or_a_scene_error(item):
    try:
        scene = scenes_from_json([{"name": "场景", "items": [item]}])[0]
    except SceneError:
        return
    made = scene.items[0]
    assert 0 <= made.x <= 1 and 0 < made.width <= 1 and 0 <= made.opacity <= 1 and made.fit in ("crop", "letterbox")
    SceneSource({}, [scene], 64, 36).frame_at(0.0)  # an input the show does not have is skipped


def test_switching_scenes_on_air_loses_no_frame_and_keeps_sound_in_sync(tmp_path, monkeypatch, qapp_offscreen):
    """The frame-coded test pattern through cuts and fades for 6 s: every frame in the recording, in order, and
    the beeps within 40 ms of the flashes."""
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'console.db'}"))
    try:
        service.desk.set_scenes([make_scene("A", [make_item("camera", fit="letterbox")]),
                            make_scene("B", [make_item("camera", fit="letterbox"),
                                             make_item("product", 0.35, 0.3, 0.3, 0.3, fit="letterbox")])])
        recording = tmp_path / "scenes.mkv"
        service.go_live(LiveOptions(rehearsal=False, simulated_audience=False, recording_path=str(recording),
                                    duration=6))
        broadcast = service.broadcast
        broadcast.act("pin_product", broadcast.snapshot().state.run_sheet[0])  # the product input has a picture
        switches = [("B", "cut"), ("A", "fade"), ("B", "fade"), ("A", "cut"), ("B", "cut")]
        for number, (name, transition) in enumerate(switches, 1):
            assert wait_until(lambda n=number: (broadcast.stream_time() or 0) > n, 10)
            assert service.desk.switch_scene(name, transition)
        service.wait()
        service.stop()
        assert service.desk.program_scene == "B"
        logged = [(e.payload["scene"], e.payload["transition"], e.actor)
                  for e in load_events(service.database, broadcast.core.session_id) if e.type == "scene_switched"]
        # on the one event path, in the log: the scene on air at go-live first (a clip's region follows it)
        assert logged == [("A", "start", SYSTEM)] + [(n, t, service.actor) for n, t in switches]
        report = probe(recording)
        assert report.frames == 180 and report.frame_codes == list(range(180))
        offsets = av_offsets(recording)
        assert len(offsets) >= 5 and max(abs(o) for o in offsets) <= 0.040, offsets
    finally:
        service.close()


def _overlay_frame(tmp_path, scene):
    """One frame of `scene` through a real (preview-only) pipeline whose compositor holds three overlay layers:
    "card" half transparent at (10, 10), "ticker" opaque at (100, 60), the protected "mark" at (150, 80)."""
    from app.media.compose import Compositor
    from app.media.encode import EncoderSettings
    from app.media.pipeline import Pipeline

    compositor = Compositor(200, 100)
    half = np.zeros((20, 40, 4), np.uint8)
    half[:] = (128, 128, 128, 128)  # white at α 128, premultiplied
    compositor.set_layer("card", half, 10, 10, z=1)
    compositor.set_layer("ticker", np.full((20, 40, 4), 255, np.uint8), 100, 60, z=2)
    compositor.set_layer("mark", np.full((10, 20, 4), 255, np.uint8), 150, 80, z=3)
    compositor.protect("mark")
    source = SceneSource({"camera": picture(tmp_path, "black", (0, 0, 0)), "red": picture(tmp_path, "red", RED)},
                         [scene], 200, 100)
    frames = []
    pipeline = Pipeline(EncoderSettings(width=200, height=100, fps=30), [], duration=0.1, video_source=source,
                        compositor=compositor)
    pipeline.preview_sink = lambda i420: frames.append(yuv.to_bgr(i420))  # the frame as it is encoded
    pipeline.run()
    return frames[-1]


def grey(pixel, level: int) -> bool:
    """The pixel is grey `level`, within what the encoder's I420 and back changes (±2)."""
    return all(abs(int(value) - level) <= 2 for value in pixel)


def test_an_overlay_named_in_a_scene_is_drawn_once_in_its_place_and_order(tmp_path, qapp_offscreen):
    own_place = _overlay_frame(tmp_path, make_scene("A", [make_item("camera"), make_item("overlay.card")]))
    assert grey(own_place[20, 30], 128)  # drawn once where the overlay set put it (twice would be ~191)
    assert grey(own_place[70, 120], 255) and grey(own_place[5, 5], 0)  # the rest as before

    moved = _overlay_frame(tmp_path, make_scene("B", [
        make_item("camera"), make_item("overlay.card", 0.5, 0.0, 0.1, 0.1),
        make_item("overlay.ticker", visible=False), make_item("overlay.mark", visible=False)]))
    assert grey(moved[20, 30], 0)  # gone from its own place ...
    assert grey(moved[5, 105], 128) and grey(moved[5, 125], 0)  # ... 40x20 → 20x10, no larger
    assert grey(moved[70, 120], 0)  # hidden in this scene
    assert grey(moved[85, 160], 255)  # the protected mark stays, whatever a scene says

    below = _overlay_frame(tmp_path, make_scene("C", [make_item("overlay.card"), make_item("red")]))
    assert all(abs(int(a) - b) <= 3 for a, b in zip(below[20, 30], RED))  # a scene item above the overlay covers it: the scene's order holds

    faint = _overlay_frame(tmp_path, make_scene("D", [make_item("camera"), make_item("overlay.ticker", opacity=0.5)]))
    assert abs(int(faint[70, 120, 0]) - 128) <= 3  # the item's opacity

    cut = _overlay_frame(tmp_path, make_scene("E", [make_item("camera"),
                                                    make_item("overlay.card", crop=(0.25, 0.25, 0.25, 0.25))]))
    assert grey(cut[20, 30], 128)  # the middle of the card, where it was: x 20–40, y 15–25 are left
    assert all(grey(cut[y, x], 0) for y, x in ((12, 30), (20, 15), (20, 45), (27, 30)))  # each side cut

    roomy = _overlay_frame(tmp_path, make_scene("F", [make_item("camera"),
                                                      make_item("overlay.card", 0.0, 0.55, 0.45, 0.3)]))
    assert grey(roomy[74, 39], 128)  # a place bigger than the card: its own size (40x20), never larger
    assert grey(roomy[65, 41], 0) and grey(roomy[76, 20], 0)

    narrow = _overlay_frame(tmp_path, make_scene("G", [make_item("camera"),
                                                       make_item("overlay.card", 0.0, 0.0, 0.15, 0.5)]))
    assert grey(narrow[14, 29], 128)  # 30 wide, 50 high: the narrower side decides, 40x20 → 30x15
    assert grey(narrow[16, 10], 0) and grey(narrow[5, 31], 0)


def test_a_fade_leaves_out_the_overlays_of_both_scenes(tmp_path):
    source = SceneSource({}, [make_scene("A", [make_item("overlay.card")]),
                              make_scene("B", [make_item("overlay.coupon", visible=False)])], 64, 36)
    source.frame_at(0.0)
    assert source.draws_layers == {"card"} and source.scene("A").inputs == ()
    source.switch("B", "fade")
    source.frame_at(0.1)
    assert source.draws_layers == {"card", "coupon"}  # both scenes show (or hide) their own during the fade
    source.frame_at(1.0)
    assert source.draws_layers == {"coupon"}


def test_scenes_edited_on_air_keep_the_program_by_name(tmp_path):
    red, blue = picture(tmp_path, "red", RED), picture(tmp_path, "blue", BLUE)
    source = SceneSource({"red": red, "blue": blue}, [make_scene("A", [make_item("red")]),
                                                      make_scene("B", [make_item("blue")])], 64, 36, program="B")
    source.switch("A", "fade")
    source.set_scenes([make_scene("B", [make_item("red")]), make_scene("A", [make_item("blue")])])
    assert source.program == "A" and source.scene_names == ("B", "A")
    assert at(source.frame_at(0.05), 0.5, 0.5) == BLUE  # A's new layout at once, the fade cut short
    source.set_scenes([make_scene("C", [make_item("red")])])
    assert source.program == "C" and at(source.frame_at(0.1), 0.5, 0.5) == RED  # A is gone: the first scene
    with pytest.raises(SceneError):
        source.set_scenes([])


def test_the_studios_own_sources_open_or_hold_their_place_with_a_slate(tmp_path, qapp_offscreen):
    from app.assembly import studio_inputs
    from app.desk import StudioSettings
    from app.media.scenes import check_input
    from app.media.sources import TestPatternSource

    logo = tmp_path / "logo.png"
    cv2.imwrite(str(logo), np.full((40, 40, 3), BLUE, np.uint8))
    studio = StudioSettings(inputs=dict([check_input(" 场控台 ", "testsrc"), check_input("logo", str(logo)),
                                 check_input("产品视频", str(tmp_path / "gone.mp4"))]))
    inputs = studio_inputs(studio, 320, 180, 30)
    assert isinstance(inputs["场控台"], TestPatternSource) and inputs["logo"].frame_at(0).shape == (40, 40, 3)
    missing = inputs["产品视频"]
    assert "无法打开" in missing.notice and missing.frame_at(0).shape == (180, 320, 3)  # its place kept, said why
    scene = make_scene("S", [make_item("logo"), make_item("产品视频", 0.5, 0.5, 0.5, 0.5)])
    source = SceneSource(inputs, [scene], 320, 180)
    frame = source.frame_at(0.0)
    assert at(frame, 0.25, 0.25) == BLUE and at(frame, 0.75, 0.75) != BLUE and "产品视频" in source.notice


@pytest.mark.parametrize("name, spec, why", [("camera", "testsrc", "built-in"), ("overlay.x", "testsrc", "built-in"),
                                             ("", "testsrc", "name"), ("a" * 41, "testsrc", "name"),
                                             ("台", "cam:", "number"), ("台", "", "cam:N"), ("台", 3, "cam:N"),
                                             ("台", "guest: ", "seat needs its name"),
                                             ("台", "a\nb", "cam:N")])
def test_a_source_the_studio_cannot_have_is_refused_with_why(name, spec, why):
    from app.media.scenes import check_input

    with pytest.raises(SceneError, match=why):
        check_input(name, spec)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), st.none(), st.integers()), st.one_of(st.text(max_size=60), st.none()))
def test_any_source_name_and_spec_is_checked_or_refused(name, spec):
    from app.media.scenes import check_input

    try:
        checked = check_input(name, spec)
    except SceneError:
        return
    assert checked[0] and checked[0] not in ("camera", "product", "background") and checked[1] == checked[1].strip()


def test_a_crop_cuts_each_side_by_its_own_share(tmp_path):
    grey = (90, 90, 90)
    image = np.zeros((100, 200, 3), np.uint8)
    image[:] = grey
    image[:, :20] = RED  # left 10 %
    image[:, 160:] = BLUE  # right 20 %
    image[:10] = GREEN  # top 10 %
    image[80:] = (255, 255, 255)  # bottom 20 %
    path = tmp_path / "edges.png"
    cv2.imwrite(str(path), image)
    source = SceneSource({"p": ImageSource(str(path))},
                         [make_scene("S", [make_item("p", crop=(0.1, 0.1, 0.2, 0.2), fit="letterbox")])], 140, 70)
    frame = source.frame_at(0.0)
    for fx, fy in ((0.01, 0.5), (0.99, 0.5), (0.5, 0.01), (0.5, 0.99), (0.01, 0.01), (0.99, 0.99), (0.5, 0.5)):
        assert at(frame, fx, fy) == grey, (fx, fy)  # 140x70 of grey exactly: every edge cut, nothing else


def test_an_overlay_is_fitted_once_per_picture_of_it(tmp_path, monkeypatch):
    from app.media.compose import Compositor

    compositor = Compositor(200, 100)
    compositor.set_layer("card", np.full((20, 40, 4), 255, np.uint8), 10, 10)
    source = SceneSource({}, [make_scene("S", [make_item("overlay.card", 0.5, 0.5, 0.1, 0.1)])], 200, 100)
    source.take_layers(compositor.layers)
    fitted = []
    real = SceneSource._fit_layer
    monkeypatch.setattr(SceneSource, "_fit_layer", lambda self, *a: fitted.append(a) or real(self, *a))
    for t in range(3):
        source.frame_at(t / 30)
    assert len(fitted) == 1
    compositor.set_layer("card", np.full((20, 40, 4), 128, np.uint8), 10, 10)  # new content: a new layer
    frame = source.frame_at(0.1)
    assert len(fitted) == 2 and grey(frame[55, 105], 128)  # fitted again, the new picture shown


def test_any_saved_sources_are_taken_checked_or_refused_whole(tmp_path, monkeypatch):
    """The studio's own sources come back from the settings file, which a person may have edited: any JSON value
    is either taken (every name and source checked) or refused with a SceneError, leaving the sources as they
    were; nothing else raises."""
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                               lambda inner: st.lists(inner, max_size=4)
                               | st.dictionaries(st.text(max_size=30), inner, max_size=4), max_leaves=12)
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        @settings(max_examples=300, deadline=None)
        @given(json_values)
        def check(value):
            service.desk.set_inputs({"台": "testsrc"})
            try:
                service.desk.set_inputs(value)
            except SceneError:
                assert service.desk.settings.inputs == {"台": "testsrc"}  # refused whole: nothing half-taken
                return
            assert isinstance(value, dict) and len(service.desk.settings.inputs) <= len(value)  # " a" and "a" are one
            assert all(isinstance(spec, str) and spec for spec in service.desk.settings.inputs.values())

        check()
    finally:
        service.close()
