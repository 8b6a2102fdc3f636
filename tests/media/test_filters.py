"""绿幕抠像 and 美颜 on real pictures: a host in front of a green screen keyed over a background in a scene, the
green spill pulled out of what stays, skin smoothed where it is skin only; bad settings refused with a reason."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from app.media.filters import ChromaKeyer, FilterError, FilteredSource, key_colour_at, make_chroma, smooth_skin
from app.media.scene_source import SceneSource
from app.media.scenes import make_item, make_scene
from app.media.sources import ImageSource

GREEN_SCREEN = (64, 177, 0)  # BGR
SHADOWED_GREEN = (30, 90, 0)  # the same screen in a shadow: darker, the same hue
HOST = (60, 80, 200)  # a red jumper


def studio_shot(tmp_path, width=320, height=240):
    """A host (a red block) in front of a green screen with a shadow on it, as a camera would give it."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = GREEN_SCREEN
    image[:, : width // 4] = SHADOWED_GREEN
    image[height // 4: 3 * height // 4, 3 * width // 8: 5 * width // 8] = HOST
    path = tmp_path / "shot.png"
    cv2.imwrite(str(path), image)
    return ImageSource(str(path)), image


def test_the_green_screen_and_its_shadow_go_and_the_host_stays(tmp_path):
    _, image = studio_shot(tmp_path)
    keyed = ChromaKeyer(make_chroma(GREEN_SCREEN)).apply(image)
    assert keyed.shape == (240, 320, 4)
    assert keyed[10, 200, 3] == 0 and keyed[10, 20, 3] == 0  # lit and shadowed green: transparent
    assert keyed[120, 160, 3] == 255 and tuple(keyed[120, 160, :3]) == HOST  # the host: opaque, untouched


@pytest.mark.parametrize("screen", [GREEN_SCREEN, (0, 255, 0), (90, 160, 60)])  # picked, pure, a pale one
def test_skin_stays_whatever_green_the_key_colour_is(screen):
    """The settings scale with how far the key colour is from grey: with the defaults, a face in front of a pale
    picked green stays whole (before, similarity 0.4 on (64, 177, 0) left skin at alpha 45 of 255)."""
    picture = np.zeros((128, 128, 3), np.uint8)
    picture[:] = screen
    picture[32:96, 32:96] = (120, 150, 200)  # skin
    keyed = ChromaKeyer(make_chroma(screen)).apply(picture)
    assert keyed[64, 64, 3] == 255 and keyed[5, 5, 3] == 0


def test_spill_is_pulled_out_of_what_stays():
    greenish = np.full((8, 8, 3), (90, 200, 110), np.uint8)  # a shoulder lit green by the screen
    without = ChromaKeyer(make_chroma(GREEN_SCREEN, similarity=0.05, spill=0.0)).apply(greenish)
    with_spill = ChromaKeyer(make_chroma(GREEN_SCREEN, similarity=0.05, spill=1.0)).apply(greenish)
    assert without[0, 0, 1] == 200 and with_spill[0, 0, 1] < 130  # green capped near red and blue
    blue_side = np.full((8, 8, 3), (120, 200, 90), np.uint8)
    some = ChromaKeyer(make_chroma(GREEN_SCREEN, similarity=0.05, spill=0.25)).apply(blue_side)
    assert some[0, 0, 1] == 120 + 48 and tuple(some[0, 0, [0, 2]]) == (120, 90)  # capped at the higher other + 48


def test_a_keyed_camera_over_a_background_in_a_scene(tmp_path):
    camera, _ = studio_shot(tmp_path)
    background = np.zeros((240, 320, 3), np.uint8)
    background[:] = (200, 120, 40)  # a blue set picture
    cv2.imwrite(str(tmp_path / "set.png"), background)
    keyed = FilteredSource(camera, chroma=make_chroma(GREEN_SCREEN))
    scene = make_scene("绿幕", [make_item("background"), make_item("camera")])
    frame = SceneSource({"camera": keyed, "background": ImageSource(str(tmp_path / "set.png"))}, [scene],
                        640, 480).frame_at(0.0)
    assert tuple(frame[40, 40]) == (200, 120, 40) and tuple(frame[40, 400]) == (200, 120, 40)  # the set shows
    assert tuple(frame[240, 320]) == HOST


def test_skin_is_smoothed_and_the_rest_is_left_alone():
    rng = np.random.default_rng(3)
    skin = np.clip(rng.normal((120, 150, 200), 12, (64, 64, 3)), 0, 255).astype(np.uint8)  # a cheek, with pores
    wall = np.clip(rng.normal((200, 60, 40), 12, (64, 64, 3)), 0, 255).astype(np.uint8)  # a blue wall, as noisy
    picture = np.hstack([skin, wall])
    smoothed = smooth_skin(picture, 1.0)
    grain = lambda image: float(image.std(axis=(0, 1)).max())  # noqa: E731 - per channel, not between them
    assert grain(smoothed[:, :64]) < grain(picture[:, :64]) * 0.7  # the cheek: smoother
    assert abs(grain(smoothed[:, 80:]) - grain(picture[:, 80:])) < 1.0  # the wall: as it was
    assert smooth_skin(picture, 0.0) is picture


@pytest.mark.parametrize("bad", [dict(similarity=1.5), dict(smoothness=float("nan")), dict(spill=-0.1),
                                 dict(colour=(0, 300, 0)), dict(colour="green"), dict(colour=(True, 0, 0))])
def test_bad_settings_are_refused_with_a_reason(bad):
    with pytest.raises(FilterError, match="/"):
        make_chroma(**bad)


@settings(max_examples=60, deadline=None)
@given(st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
       st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_any_valid_key_gives_a_picture_of_the_same_size(colour, similarity, smoothness, spill):
    picture = np.random.default_rng(1).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    keyed = ChromaKeyer(make_chroma(colour, similarity, smoothness, spill)).apply(picture)
    assert keyed.shape == (24, 32, 4) and keyed.dtype == np.uint8


def test_a_go_live_keys_and_smooths_the_camera_only(tmp_path, monkeypatch, qapp_offscreen):
    from app.console import ConsoleService, LiveOptions
    from app.media.sources import PinnedPicture
    from app.store.db import Database

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        with pytest.raises(FilterError):
            service.desk.set_filters({"colour": (0, 255, 0), "similarity": 2}, 0.5)
        assert service.desk.settings.chroma is None and service.desk.settings.beauty == 0  # nothing changed
        with pytest.raises(FilterError, match="background"):
            service.desk.set_filters({"colour": (64, 177, 0)}, 0.5, str(tmp_path / "missing.png"))
        set_picture = tmp_path / "set.png"
        cv2.imwrite(str(set_picture), np.full((90, 160, 3), (200, 120, 40), np.uint8))
        service.desk.set_filters({"colour": (64, 177, 0)}, 0.5, str(set_picture))
        service.go_live(LiveOptions(simulated_audience=False, recording_path=str(tmp_path / "k.mkv"), duration=2))
        inputs = service.broadcast.scenes.unwrapped_inputs
        assert isinstance(inputs["camera"], FilteredSource) and inputs["camera"].beauty == 0.5
        assert isinstance(inputs["product"], PinnedPicture)  # the product's picture is never filtered
        assert "background" in inputs  # behind the keyed screen, in the host scenes
        service.wait()
        stats = service.broadcast.stats  # every frame encoded or counted (how many keep up: bench/filters.py)
        assert stats.frames_encoded > 0 and stats.frames_encoded + sum(stats.dropped.values()) == 60
    finally:
        service.close()


def test_the_key_colour_is_the_median_around_the_click(tmp_path):
    """从画面取色: where the streamer clicks on the camera's picture; one speck of noise does not decide."""
    picture = np.zeros((100, 200, 3), np.uint8)
    picture[:, 100:] = GREEN_SCREEN
    picture[50, 150] = (255, 255, 255)
    assert key_colour_at(picture, 0.75, 0.5) == GREEN_SCREEN
    assert key_colour_at(picture, 0.1, 0.5) == (0, 0, 0)
    assert key_colour_at(picture, 5.0, -3.0) == GREEN_SCREEN  # outside: the nearest corner (top right)
    keyed = np.dstack([picture, np.zeros((100, 200), np.uint8)])  # a BGRA picture: its colour, not its alpha
    assert key_colour_at(keyed, 0.75, 0.5) == GREEN_SCREEN
    shot = FilteredSource(studio_shot(tmp_path)[0], chroma=make_chroma(GREEN_SCREEN))
    assert shot.frame_at(0.0).shape[2] == 4 and shot.last_raw.shape[2] == 3  # picked before the key, not after
    assert key_colour_at(shot.last_raw, 0.9, 0.1) == GREEN_SCREEN


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True),
       st.integers(1, 30), st.integers(1, 30))
def test_no_click_raises_past_the_picker(x, y, width, height):
    picture = np.random.default_rng(width * 31 + height).integers(0, 256, (height, width, 3), dtype=np.uint8)
    try:
        colour = key_colour_at(picture, x, y)
    except FilterError as refused:
        assert not (np.isfinite(x) and np.isfinite(y)) and " / " in str(refused)
        return
    assert len(colour) == 3 and all(isinstance(c, int) and 0 <= c <= 255 for c in colour)
