"""绿幕抠像 and 美颜 on real pictures: a host in front of a green screen keyed over a background in a scene, the
green spill pulled out of what stays, skin smoothed where it is skin only; bad settings refused with a reason."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

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


def _crcb(colours) -> tuple[np.ndarray, np.ndarray]:
    ycrcb = cv2.cvtColor(np.asarray(colours, np.uint8).reshape(-1, 1, 3), cv2.COLOR_BGR2YCrCb).reshape(-1, 3)
    return ycrcb[:, 1].astype(np.float64), ycrcb[:, 2].astype(np.float64)


def _expected_alpha(colours, colour, similarity, smoothness) -> np.ndarray:
    """The key's alpha worked out in float64 from its definition: the distance in CrCb from the key colour, 0 up to
    `similarity`, a ramp `smoothness` long, both on a 0–256 scale shortened by how far the key colour lies from grey
    against how far pure green (0, 255, 0) does."""
    key_cr, key_cb = _crcb([colour])
    green_cr, green_cb = _crcb([(0, 255, 0)])
    reach = min(1.0, float(np.hypot(key_cr - 128, key_cb - 128)[0] / np.hypot(green_cr - 128, green_cb - 128)[0]))
    low, span = similarity * 256 * reach, max(1.0, smoothness * 256 * reach)
    cr, cb = _crcb(colours)
    return np.clip((np.hypot(cr - key_cr, cb - key_cb) - low) * 255 / span, 0, 255)


@settings(max_examples=80, deadline=None)
@given(st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
       st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.integers(0, 2 ** 32 - 1))
@example((0, 0, 255), 0.3, 0.1, 0.0, 1)  # red and blue lie further from grey than pure green: their reach is 1
@example((255, 0, 0), 0.3, 0.1, 0.5, 2)
@example((255, 0, 255), 0.2, 0.05, 0.0, 3)
def test_each_pixels_alpha_and_spill_follow_the_definition(colour, similarity, smoothness, spill, seed):
    """A strip 8 pixels high (keyed at full size) of 200 colours, half of them near the key colour: each pixel's
    alpha is the definition's (truncated, to one level for float32) and the key's strongest channel is capped at
    the higher of the other two plus (1 − spill) · 64."""
    rng = np.random.default_rng(seed)
    near = np.clip(np.asarray(colour) + rng.integers(-40, 41, (100, 3)), 0, 255)
    colours = np.vstack([near, rng.integers(0, 256, (100, 3))]).astype(np.uint8)
    strip = np.repeat(colours[None, :, :], 8, axis=0)
    keyed = ChromaKeyer(make_chroma(colour, similarity, smoothness, spill)).apply(strip)
    expected = np.floor(_expected_alpha(colours, colour, similarity, smoothness))
    assert np.abs(keyed[3, :, 3].astype(int) - expected).max() <= 1
    assert (keyed[:, :, 3] == keyed[3, :, 3]).all()
    channel = int(np.argmax(colour))
    others = [c for c in range(3) if c != channel]
    cap = np.minimum(255, colours[:, others].max(axis=1).astype(int) + round((1 - spill) * 64))
    wanted = colours.astype(int).copy()
    if spill > 0:
        wanted[:, channel] = np.minimum(wanted[:, channel], cap)
    assert (keyed[3, :, :3].astype(int) == wanted).all()


def test_a_picture_64_pixels_each_way_is_keyed_at_half_size_and_a_smaller_one_whole():
    """At half size the edge between screen and host is a pixel of ramp (as OBS's smoothness gives); below 64
    pixels either way the picture is keyed whole, edge hard. The halves' own alpha is the definition's."""
    def edged(width, height):
        picture = np.empty((height, width, 3), np.uint8)
        picture[:] = GREEN_SCREEN
        picture[:, 31:] = HOST  # an edge at an odd column: it falls inside a half-size pixel
        return ChromaKeyer(make_chroma(GREEN_SCREEN)).apply(picture)[:, :, 3]

    for width, height in ((63, 64), (64, 63), (40, 40)):
        assert set(np.unique(edged(width, height))) == {0, 255}, (width, height)
    soft = edged(64, 64)
    ramp = sorted({int(c) for c in np.nonzero((soft > 0) & (soft < 255))[1]})
    assert ramp and set(ramp) <= {29, 30, 31, 32} and soft[:, :29].max() == 0 and soft[:, 33:].min() == 255, ramp
    across = np.ascontiguousarray(np.transpose(np.dstack([edged(64, 64)] * 3), (1, 0, 2)))  # the edge turned
    turned = np.empty((64, 64, 3), np.uint8)
    turned[:] = GREEN_SCREEN
    turned[31:] = HOST
    lying = ChromaKeyer(make_chroma(GREEN_SCREEN)).apply(turned)[:, :, 3]
    assert (lying == across[:, :, 0]).all()  # a horizontal edge keyed as the vertical one turned
    rng = np.random.default_rng(7)
    quadrants = rng.integers(0, 256, (4, 3)).astype(np.uint8)
    quadrants[0] = (110, 140, 90)  # one on the ramp (alpha ~102)
    picture = np.empty((128, 128, 3), np.uint8)
    for n, (row, column) in enumerate(((0, 0), (0, 64), (64, 0), (64, 64))):
        picture[row:row + 64, column:column + 64] = quadrants[n]
    keyed = ChromaKeyer(make_chroma(GREEN_SCREEN, 0.3, 0.2)).apply(picture)
    expected = np.floor(_expected_alpha(quadrants, GREEN_SCREEN, 0.3, 0.2))
    centres = [keyed[32, 32, 3], keyed[32, 96, 3], keyed[96, 32, 3], keyed[96, 96, 3]]
    assert 0 < expected[0] < 255 and np.abs(np.asarray(centres, int) - expected).max() <= 1


def test_filtered_source_smooths_then_keys_and_keeps_the_picture_as_it_came():
    from app.media.sources import TestPatternSource

    pattern = TestPatternSource(160, 96, 30)
    plain = FilteredSource(TestPatternSource(160, 96, 30))
    assert plain.keyer is None and plain.beauty == 0.0 and plain.last_raw is None
    first = plain.frame_at(0.5)
    assert first is plain.last_raw and (first == pattern.frame_at(0.5)).all()  # nothing applied, that time's picture
    first = first.copy()  # the pattern draws each picture into one buffer
    assert not (plain.frame_at(0.9) == first).all()  # another time, another picture
    for beauty in (0.6, 1.0):
        smoothing = FilteredSource(TestPatternSource(160, 96, 30), beauty=beauty)
        assert (smoothing.frame_at(0.5) == smooth_skin(pattern.frame_at(0.5), beauty)).all()
        assert (smoothing.last_raw == pattern.frame_at(0.5)).all()
    both = FilteredSource(TestPatternSource(160, 96, 30), chroma=make_chroma(GREEN_SCREEN), beauty=0.5)
    keyed = ChromaKeyer(make_chroma(GREEN_SCREEN)).apply(smooth_skin(pattern.frame_at(0.5), 0.5))
    assert (both.frame_at(0.5) == keyed).all()
    with pytest.raises(FilterError, match="^strength 需在 0–1 之间 / strength must be between 0 and 1$"):
        FilteredSource(pattern, beauty=1.5)


@pytest.mark.parametrize("settings_given,named", [
    (dict(similarity=1.5), "similarity"), (dict(smoothness=-0.01), "smoothness"), (dict(spill=2), "spill"),
    (dict(similarity=True), "similarity"), (dict(smoothness="0.5"), "smoothness"), (dict(spill=None), "spill"),
    (dict(similarity=float("inf")), "similarity")])
def test_each_setting_out_of_range_is_refused_by_its_name(settings_given, named):
    with pytest.raises(FilterError, match=f"^{named} 需在 0–1 之间 / {named} must be between 0 and 1$"):
        make_chroma(**settings_given)


@pytest.mark.parametrize("colour", [(0, 256, 0), (1, 2), (1, 2, 3, 4), (0, 0, -1), (0.5, 0, 0), [0, 0], "abc"])
def test_a_key_colour_that_is_not_three_whole_numbers_is_refused(colour):
    with pytest.raises(FilterError) as refused:
        make_chroma(colour)
    assert str(refused.value) == "抠像颜色需为 3 个 0–255 的整数 / the key colour is three whole numbers 0–255 (B, G, R)"


def test_skin_strength_is_refused_by_its_name():
    with pytest.raises(FilterError, match="^strength 需在 0–1 之间 / strength must be between 0 and 1$"):
        smooth_skin(np.zeros((8, 8, 3), np.uint8), -0.5)


@pytest.mark.parametrize("x,y", [(float("nan"), 0.5), (0.5, float("nan")), (float("inf"), 0.5), (0.5, -float("inf")),
                                 ("a", 0.5), (0.5, "a"), (None, 0.5), (0.5, None)])
def test_a_click_that_is_not_a_point_is_refused(x, y):
    with pytest.raises(FilterError, match="取色位置无效 / not a point in the picture"):
        key_colour_at(np.zeros((10, 10, 3), np.uint8), x, y)


@pytest.mark.parametrize("shape", [(10, 10), (10, 10, 2), (0, 10, 3), (10, 0, 3), (0, 0, 3)])
def test_no_picture_to_pick_from_is_refused(shape):
    with pytest.raises(FilterError, match="没有画面可取色 / no picture to pick from"):
        key_colour_at(np.zeros(shape, np.uint8), 0.5, 0.5)


def _skin_test_picture(cr: int, cb: int, seed: int = 5) -> np.ndarray:
    """A 64×64 patch of one chroma (Cr, Cb) with grainy brightness, as BGR."""
    rng = np.random.default_rng(seed)
    ycrcb = np.empty((64, 64, 3), np.uint8)
    ycrcb[:, :, 0] = np.clip(rng.normal(150, 14, (64, 64)), 0, 255)
    ycrcb[:, :, 1], ycrcb[:, :, 2] = cr, cb
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2BGR)


def test_skin_is_the_crcb_range_and_strength_mixes_the_smoothed_picture_in_by_its_share():
    inner = (slice(16, 48), slice(16, 48))  # away from the edges, where the mask's blur is whole
    grain = lambda image: float(image[inner].std(axis=(0, 1)).max())  # noqa: E731 - per channel
    skin = _skin_test_picture(150, 100)
    full = smooth_skin(skin, 1.0)
    assert grain(full) < grain(skin) * 0.7
    # the documented blur: a bilateral of a 5-pixel neighbourhood on the half-size picture, scaled back up
    small = cv2.resize(skin, (32, 32), interpolation=cv2.INTER_AREA)
    blur = cv2.resize(cv2.bilateralFilter(small, 5, 40, 5), (64, 64), interpolation=cv2.INTER_LINEAR).astype(float)
    for strength in (0.3, 0.75, 1.0):
        mixed = smooth_skin(skin, strength).astype(float)
        wanted = strength * blur + (1 - strength) * skin.astype(float)
        assert np.abs(mixed[inner] - wanted[inner]).max() <= 1.0, strength
    for cr, cb in ((125, 100), (181, 100), (150, 69), (150, 135)):  # just outside each side of the range
        picture = _skin_test_picture(cr, cb)
        assert (smooth_skin(picture, 1.0)[inner] == picture[inner]).all(), (cr, cb)
    for cr, cb in ((138, 82), (168, 82), (138, 122), (168, 122)):  # just inside each corner
        picture = _skin_test_picture(cr, cb)
        assert grain(smooth_skin(picture, 1.0)) < grain(picture) * 0.7, (cr, cb)


@pytest.mark.parametrize("width,height", [(40, 30), (7, 7), (9, 4), (1, 1)])
def test_the_picked_colour_is_the_median_of_the_square_around_the_click_inside_the_picture(width, height):
    """Each channel a ramp (blue by column, green by row), so the median says exactly which pixels were taken."""
    rows, columns = np.mgrid[0:height, 0:width]
    picture = np.dstack([columns * 5, rows * 7, (columns + rows) % 3 * 100]).astype(np.uint8)
    for row in range(height):
        for column in range(width):
            window = picture[max(0, row - 3): row + 4, max(0, column - 3): column + 4].reshape(-1, 3)
            wanted = tuple(int(round(v)) for v in np.median(window, axis=0))
            x, y = (column + 0.5) / width, (row + 0.5) / height
            assert key_colour_at(picture, x, y) == wanted, (column, row)
    assert key_colour_at(picture, 1.0, 1.0) == key_colour_at(picture, (width - 0.5) / width, (height - 0.5) / height)
    assert key_colour_at(picture, 0.0, 0.0) == key_colour_at(picture, 0.5 / width, 0.5 / height)
