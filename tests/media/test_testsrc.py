"""The test pattern drawn straight in I420 (issue #32): its text line is kept drawn and a frame redraws only the digits
that changed — so a frame must still depend on its number and time alone, never on the frames drawn before it."""

from __future__ import annotations

import threading

import cv2

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from app.media import framecode, yuv
from app.media import testsrc
from app.media.testsrc import BeepTone, TestPattern as Pattern

WIDTH, HEIGHT = 320, 180
FPS = 30

frames = st.one_of(
    st.integers(0, 3_000),  # the first minutes
    st.integers(999_990, 1_000_010),  # the frame number takes a seventh digit (a show past 9 h 15 min at 30 fps)
    st.integers(10_799_990, 10_800_010),  # 100 hours: the hours take a third digit
)


def fresh(index: int, stream_time: float) -> np.ndarray:
    return Pattern(WIDTH, HEIGHT).render_i420(index, stream_time)


@settings(max_examples=40, deadline=None)
@given(st.lists(frames, min_size=1, max_size=12))
def test_a_frame_is_the_same_whatever_frames_were_drawn_before_it(indices):
    pattern = Pattern(WIDTH, HEIGHT)
    for index in indices:
        drawn = pattern.render_i420(index, index / FPS)
        assert np.array_equal(drawn, fresh(index, index / FPS)), index
        drawn = pattern.render_bgr(index, index / FPS)
        assert np.array_equal(drawn, Pattern(WIDTH, HEIGHT).render_bgr(index, index / FPS)), index


def test_a_frame_is_a_new_array_and_writing_on_it_changes_no_later_frame():
    pattern = Pattern(WIDTH, HEIGHT)
    first = pattern.render_i420(7, 7 / FPS)
    first[:] = 0  # the compositor blends overlays into the frame it is handed
    assert np.array_equal(pattern.render_i420(8, 8 / FPS), fresh(8, 8 / FPS))
    assert np.array_equal(pattern.render_i420(7, 7 / FPS), fresh(7, 7 / FPS))


def label_band(i420: np.ndarray) -> np.ndarray:
    """The luma rows of the text line (below the frame code, above the box)."""
    y = yuv.planes(i420)[0]
    height, width = y.shape
    return y[framecode.MARGIN + framecode.block_size(width) + 1:height // 2 - height // 12]


def test_the_text_line_is_white_on_neutral_chroma_and_a_digit_changes_only_its_own_place():
    width, height = 1280, 720
    pattern = Pattern(width, height)
    one, two = pattern.render_i420(120, 4.0), pattern.render_i420(121, 4.0)  # only the frame number's last digit
    band_one, band_two = label_band(one), label_band(two)
    assert (band_one == 235).sum() > 2000  # the text is there, in full white
    changed = np.flatnonzero((band_one != band_two).any(axis=0))
    assert changed.size and changed[-1] - changed[0] < 0.03 * width  # one digit's width, not the line's
    # where a 2x2 block is fully covered by the text its chroma is neutral: white, not the bar's colour
    y, u, v = yuv.planes(one)
    full = (y[0::2, 0::2] == 235) & (y[1::2, 0::2] == 235) & (y[0::2, 1::2] == 235) & (y[1::2, 1::2] == 235)
    rows = slice((framecode.MARGIN + framecode.block_size(width)) // 2 + 1, height // 4 - height // 24)
    assert full[rows].sum() > 100
    assert (u[rows][full[rows]] == 128).all() and (v[rows][full[rows]] == 128).all()
    assert (u[rows] != 128).sum() > 10 * full[rows].sum()  # the bars' colours beside it


def test_the_frame_number_and_time_are_written_as_digits_that_differ():
    """Every digit drawn differs from the others in its cell (a tile keyed by the digit alone would not)."""
    pattern = Pattern(WIDTH, HEIGHT)
    bands = [label_band(pattern.render_i420(index, 0.0)) for index in range(10)]
    assert len({band.tobytes() for band in bands}) == 10


def test_two_threads_drawing_at_once_each_get_their_own_frames():
    pattern = Pattern(WIDTH, HEIGHT)
    wrong: list[int] = []
    problems: list[BaseException] = []

    def draw(start: int) -> None:
        try:
            for index in range(start, start + 300, 3):
                if not np.array_equal(pattern.render_i420(index, index / FPS), fresh(index, index / FPS)):
                    wrong.append(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            problems.append(exc)

    threads = [threading.Thread(target=draw, args=(start,)) for start in (0, 1_000_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not problems and not any(thread.is_alive() for thread in threads)
    assert wrong == []


@pytest.mark.parametrize("index", [5, 1_234, 1_000_001])
def test_the_bgr_frame_places_the_text_line_as_the_i420_frame_does(index):
    """A scene's fade draws the pattern in BGR: its text must not jump sideways between the two."""
    pattern = Pattern(1280, 720)
    straight = yuv.planes(pattern.render_i420(index, index / FPS))[0].astype(int)
    converted = yuv.planes(yuv.from_bgr(pattern.render_bgr(index, index / FPS)))[0].astype(int)
    band = slice(720 // 5 - 720 // 10, 720 // 5 + 720 // 40)
    assert (straight[band] == 235).sum() > 2000
    assert np.abs(straight[band] - converted[band]).max() <= 2


@pytest.mark.parametrize("index", [0, 2, 3, 31, 47, 1_000_001])
def test_the_bgr_and_the_i420_frames_are_the_same_picture_but_for_the_frame_codes_white(index):
    """The box, the noise, the flash and the text where they are in both (the BGR box reaches one pixel further;
    the BGR frame code is drawn as BGR 235 / 16, the I420 one as luma 235 / 16)."""
    width, height = 640, 360
    pattern = Pattern(width, height)
    t = index / FPS
    straight = yuv.planes(pattern.render_i420(index, t))[0].astype(int)
    converted = yuv.planes(yuv.from_bgr(pattern.render_bgr(index, t)))[0].astype(int)
    below_code = framecode.MARGIN + framecode.block_size(width)
    differ = np.abs(straight - converted)[below_code:] > 2
    assert differ.mean() < 0.003, differ.mean()
    flash = straight[height - height // 24]
    assert (flash == 235).all() == (t % 1.0 < 0.1)
    assert framecode.read(straight) == framecode.read(converted) == index


def test_the_beep_is_a_tenth_of_a_second_of_1_khz_at_its_level_then_silence_every_second():
    tone = BeepTone(48_000, 2)
    second = tone.samples(0, 48_000)
    assert second.shape == (2, 48_000) and second.dtype == np.float32
    beep = second[:, :4_800]
    assert np.allclose(np.abs(beep).max(), 0.25, atol=1e-3) and not second[:, 4_800:].any()
    crossings = np.count_nonzero(np.diff(np.signbit(beep[0])))
    assert 199 <= crossings <= 201  # 100 periods in 100 ms
    assert np.array_equal(second[0], second[1])
    # any stretch, across a second's end too, is the same second again
    assert np.array_equal(tone.samples(47_000, 3_000), np.concatenate([second[:, 47_000:], second[:, :2_000]], axis=1))
    assert np.array_equal(tone.samples(48_000 * 7 + 100, 50), second[:, 100:150])


def chroma_averaged(bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """U and V of a BGR picture, each sample the mean of its 2x2 pixels' own chroma (every pixel doubled, converted,
    then averaged): what a white text's edge over a bar should give."""
    height, width = bgr.shape[:2]
    doubled = cv2.resize(bgr, (2 * width, 2 * height), interpolation=cv2.INTER_NEAREST)
    _, u, v = yuv.planes(yuv.from_bgr(doubled))
    return tuple(cv2.resize(p, (width // 2, height // 2), interpolation=cv2.INTER_AREA).astype(int) for p in (u, v))


@pytest.mark.parametrize("index", [3, 47, 1_000_001])
def test_the_i420_frames_chroma_is_the_bars_but_neutral_under_the_white_and_grey(index):
    """Under the box, the noise, the flash and the frame code exactly 128; under the text the bar's colour mixed
    with white by how much of each 2x2 block the text covers; elsewhere exactly the bars'."""
    width, height = 640, 360
    pattern = Pattern(width, height)
    t = index / FPS
    frame = pattern.render_i420(index, t)
    bars = yuv.from_bgr(Pattern(width, height)._base)
    expected_u, expected_v = (p.astype(int) for p in yuv.planes(bars)[1:])
    side = height // 6
    x = int((t * width / 4) % (width - side))
    top = height // 2 - side // 2
    neutral = [(top, top + side, x, x + side), (pattern._noise_rows.start, pattern._noise_rows.stop, 0, width)]
    if t % 1.0 < 0.1:
        neutral.append((height - height // 12, height, 0, width))
    code = framecode.block_size(width)
    neutral.append((framecode.MARGIN, framecode.MARGIN + code, framecode.MARGIN,
                    framecode.MARGIN + framecode.BITS * code))
    for r0, r1, c0, c1 in neutral:
        for plane in (expected_u, expected_v):
            plane[r0 // 2:(r1 + 1) // 2, c0 // 2:(c1 + 1) // 2] = 128
    band = slice((height // 5 - height // 10) // 2, (height // 5 + height // 40) // 2)
    _, u, v = (p.astype(int) for p in yuv.planes(frame))
    outside = np.ones(u.shape, bool)
    outside[band] = False
    assert np.array_equal(u[outside], expected_u[outside]) and np.array_equal(v[outside], expected_v[outside])
    text_u, text_v = chroma_averaged(pattern.render_bgr(index, t))
    assert np.abs(u[band] - text_u[band]).max() <= 1 and np.abs(v[band] - text_v[band]).max() <= 1
    assert (u[band] != expected_u[band]).sum() > 100  # the text is in it


def test_the_noise_is_the_bgr_noises_luma():
    pattern = Pattern(640, 360)
    rows = pattern._noise_rows
    for index in range(3):
        straight = yuv.planes(pattern.render_i420(index, 0.5))[0][rows].astype(float)
        converted = yuv.planes(yuv.from_bgr(pattern.render_bgr(index, 0.5)))[0][rows].astype(float)
        assert np.abs(straight - converted).max() <= 1 and abs(straight.mean() - converted.mean()) < 0.1


def test_the_stream_time_reads_as_hours_minutes_seconds_and_milliseconds():
    assert testsrc._hms(0.0) == "00:00:00.000"
    assert testsrc._hms(3_723.4567) == "01:02:03.457"
    assert testsrc._hms(59.9996) == "00:01:00.000"
    assert testsrc._hms(3_600.0) == "01:00:00.000" and testsrc._hms(3_599.9994) == "00:59:59.999"
    assert testsrc._hms(100 * 3_600 + 61.5) == "100:01:01.500"


def test_a_frame_draws_only_the_digits_it_has_not_drawn_before(monkeypatch):
    """The line's letters are drawn once; a frame draws a digit only the first time it is in that place (two
    texts: its luma and its coverage), and none once every digit has been drawn in every place."""
    pattern = Pattern(640, 360)  # the whole line fits
    pattern.render_i420(0, 0.0)
    drawn: list[str] = []
    real = cv2.putText

    def counting(img, text, *args, **kwargs):
        drawn.append(text)
        return real(img, text, *args, **kwargs)

    monkeypatch.setattr(testsrc.cv2, "putText", counting)
    pattern.render_i420(1, 1 / FPS)  # the frame number's last digit and the milliseconds' two last
    assert sorted(drawn) == sorted(["1", "1", "3", "3", "3", "3"])  # #000001, 00:00:00.033
    drawn.clear()
    pattern.render_i420(0, 0.0)
    pattern.render_i420(1, 1 / FPS)
    assert drawn == []
    pattern.render_bgr(0, 0.0)
    drawn.clear()
    pattern.render_bgr(1, 1 / FPS)  # the BGR picture's own line, drawn the same way: one text a new digit
    assert sorted(drawn) == ["1", "3", "3"]


def test_a_picture_must_have_even_sides():
    for width, height in ((321, 180), (320, 181)):
        with pytest.raises(ValueError, match="even"):
            Pattern(width, height)
    assert Pattern(322, 182).render_i420(0, 0.0).shape == (273, 322)


@pytest.mark.parametrize("index", [0, 4_321, 1_000_001])
def test_the_line_is_its_pieces_drawn_at_their_places_on_the_still_picture(index):
    """Drawn afresh, in one go on the still picture, each letter run and digit at the place `_layout` gives it:
    the kept line and its tiles make exactly that (BGR; I420's luma)."""
    width, height = 1280, 720
    pattern = Pattern(width, height)
    for earlier in (index + 7, index + 1, index - 1 if index else 3):
        pattern.render_bgr(earlier, earlier / FPS)
        pattern.render_i420(earlier, earlier / FPS)
    t = index / FPS
    text = testsrc._line_text(index, t)
    places = pattern._layout(text)
    assert [piece for _, piece in places][:2] == ["Anchor Console  #", text[17]]
    assert places[0][0] == framecode.MARGIN and places[1][0] > framecode.MARGIN + 300
    scale, thickness = pattern._font_scale, pattern._thickness
    bgr, luma = Pattern(width, height)._base.copy(), yuv.planes(yuv.from_bgr(Pattern(width, height)._base))[0].copy()
    for x, piece in places:
        cv2.putText(bgr, piece, (x, height // 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness,
                    cv2.LINE_AA)
        cv2.putText(luma, piece, (x, height // 5), cv2.FONT_HERSHEY_SIMPLEX, scale, 235, thickness, cv2.LINE_AA)
    rows = slice(height // 5 - height // 10, height // 5 + height // 40)
    assert (bgr[rows, :places[1][0]] == 255).all(axis=2).sum() > 1000  # the letters are there
    assert np.array_equal(pattern.render_bgr(index, t)[rows], bgr[rows])
    assert np.array_equal(yuv.planes(pattern.render_i420(index, t))[0][rows], luma[rows])


def test_the_line_sits_on_a_fifth_of_the_height_and_spans_a_little_over_half_the_width():
    width, height = 1280, 720
    luma = yuv.planes(Pattern(width, height).render_i420(0, 0.0))[0]
    rows = slice(height // 10, height // 4)
    white = luma[rows] == 235
    across, down = np.flatnonzero(white.any(axis=0)), np.flatnonzero(white.any(axis=1)) + rows.start
    assert framecode.MARGIN <= across[0] <= framecode.MARGIN + 4 and 0.53 * width < across[-1] < 0.6 * width
    assert 0.16 * height < down[0] and down[-1] <= height // 5


def test_a_frame_writes_only_the_cells_whose_digit_changed():
    """The kept line is written where a digit changed and nowhere else (that is what makes a frame cheap): a mark
    left in the place of a digit that stays is still there in the next frame."""
    pattern = Pattern(640, 360)
    pattern.render_i420(10, 0.5)
    kept = yuv.planes(pattern._labels.i420.drawn(testsrc._line_text(10, 0.5)))[0]
    first = pattern._labels.i420._cells[0]  # the frame number's first digit: 0 in both frames
    kept[72 - 4, first + 2] = 7  # inside the line's rows (its baseline at 72)
    drawn = yuv.planes(pattern.render_i420(11, 0.5))[0]
    expected = yuv.planes(Pattern(640, 360).render_i420(11, 0.5))[0].copy()
    expected[72 - 4, first + 2] = 7
    assert np.array_equal(drawn, expected)  # the frame number's last digit redrawn, the mark left as it was
