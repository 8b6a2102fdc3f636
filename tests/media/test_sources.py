"""Sources end to end: a media file (with its own audio), an image, a looping file, a camera that vanishes."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from app.media.clock import MediaClock
from app.media.sources import CameraSource, fit, open_sources, parse_camera_mode, wait_until
from tests.conftest import run_cli
from tests.media.probe import av_offsets, probe

KEY = "sk-sources-91ab"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 4 s test-pattern clip made by our own pipeline: frame codes, flashes and beeps to check against."""
    path = tmp_path_factory.mktemp("clip") / "clip.mkv"
    result = run_cli("stream", "--size", "640x360", "--fps", "30", "--to", str(path), "--duration", "4")
    assert result.returncode == 0, result.output
    return path


def test_file_source_to_rtmp_keeps_every_frame_and_lip_sync(rtmp_server, clip, tmp_path):
    stats = tmp_path / "stats.jsonl"
    result = run_cli("stream", "--source", str(clip), "--size", "1280x720", "--fps", "30",
                     "--to", rtmp_server.url(KEY), "--to", str(tmp_path / "local.mkv"), "--stats-json", str(stats))
    assert result.returncode == 0, result.output  # no --duration: ends with the file
    server = probe(rtmp_server.wait_recording_closed()[0])
    assert server.video_codec == "h264" and server.audio_codec == "aac"
    assert server.max_keyframe_interval <= 2.0 + 1e-3
    # every frame of the file reaches the server, except the ones the pipeline skipped and counted because the
    # machine was busy (a shared test machine): nothing is lost without being counted
    dropped = json.loads(stats.read_text().splitlines()[-1])["dropped"]
    assert set(dropped) <= {"capture late"}, dropped
    missing = set(range(120)) - set(server.frame_codes)
    assert len(missing) == sum(dropped.values()), f"missing {sorted(missing)}, counted {dropped}"
    assert server.frame_codes == sorted(server.frame_codes)
    assert 120 - len(missing) <= server.frames <= 124
    offsets = av_offsets(rtmp_server.recordings()[0])
    assert len(offsets) >= 3
    assert max(abs(o) for o in offsets) <= 0.040, offsets


def test_looped_file_starts_over(clip, tmp_path):
    out = tmp_path / "loop.mkv"
    result = run_cli("stream", "--source", str(clip), "--loop", "--size", "640x360", "--to", str(out),
                     "--duration", "6")
    assert result.returncode == 0, result.output
    codes = probe(out).frame_codes
    restart = codes.index(0, 100)  # the clip's first frame again after its last
    assert codes[restart - 1] == 119
    assert codes[restart : restart + 30] == list(range(30))


def test_a_file_gives_the_encoder_yuv_at_the_canvas_aspect_and_bgr_otherwise(clip):
    from app.media import framecode, yuv
    from app.media.sources import FileSource

    source = FileSource(str(clip))
    clock = MediaClock()
    source.start(clock)
    try:
        assert wait_until(source.ready, timeout=5)
        first = source.i420_at(0.0, 1280, 720)  # 640x360 → 1280x720: scaled in YUV, no BGR picture made
        again = source.i420_at(0.0, 1280, 720)
        assert first.shape == (1080, 1280) and again is not first  # a new array: the compositor draws into it
        assert framecode.read(yuv.planes(first)[0]) == 0
        assert source.i420_at(0.0, 640, 480) is None  # another aspect: the pipeline fits the BGR picture
        assert source.frame_at(0.0).shape == (360, 640, 3)
    finally:
        source.stop()


def test_image_source_letterboxed_on_portrait_canvas(tmp_path):
    image = np.full((360, 640, 3), (40, 200, 40), np.uint8)  # a green landscape card
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), image)
    out = tmp_path / "portrait.mkv"
    result = run_cli("stream", "--source", str(path), "--size", "720x1280", "--to", str(out), "--duration", "1")
    assert result.returncode == 0, result.output
    import av

    with av.open(str(out)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="bgr24")
    assert frame.shape == (1280, 720, 3)
    assert frame[640, 360, 1] > 150 and frame[640, 360, 0] < 90  # centre: the green card
    assert frame[50, 360].max() < 30 and frame[1230, 360].max() < 30  # bars above and below


def test_fit_crop_fills_the_canvas():
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[:, 280:360] = 255  # a white stripe in the middle
    cropped = fit(frame, 720, 1280, "crop")
    assert cropped.shape == (1280, 720, 3)
    assert cropped[0, 360].min() > 200 and cropped[-1, 360].min() > 200  # stripe runs the full height
    boxed = fit(frame, 720, 1280, "letterbox")
    assert boxed[0, 360].max() == 0


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{tmp}/missing.mp4", "not found"),
        ("{tmp}/garbage.mp4", "not a readable media file"),
        ("{tmp}/garbage.png", "cannot read image"),
        ("cam:7", "camera 7 not found"),
    ],
)
def test_bad_sources_one_line_exit_2(tmp_path, source, message):
    (tmp_path / "garbage.mp4").write_bytes(np.random.default_rng(1).bytes(50_000))
    (tmp_path / "garbage.png").write_bytes(b"not a png at all")
    result = run_cli("stream", "--source", source.format(tmp=tmp_path), "--to", str(tmp_path / "x.mkv"),
                     "--duration", "1")
    assert result.returncode == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_camera_loss_shows_slate_and_recovers(clip, qapp_offscreen):
    """No camera exists here, so OpenCV's capture reads a clip: its end is a camera that vanished, and
    reopening it is the camera coming back."""
    camera = CameraSource(str(clip), 640, 360, 30, reopen_every=0.3)
    camera.start(MediaClock())
    try:
        assert wait_until(lambda: camera.frame_at(0) is not None and camera.notice is None, 5)
        assert wait_until(lambda: camera.notice == "camera lost", 10)
        slate = camera.frame_at(0)
        assert slate.shape == (360, 640, 3) and slate.mean() < 60  # the dark slate, not a stale frame
        assert wait_until(lambda: camera.notice is None, 5), "camera never reopened"
        assert camera.losses >= 1
    finally:
        camera.stop()


def test_picture_in_picture_from_an_image_and_a_clip(clip, tmp_path):
    import av

    card = tmp_path / "green.png"
    cv2.imwrite(str(card), np.full((90, 160, 3), (40, 200, 40), np.uint8))
    out = tmp_path / "pip.mkv"
    result = run_cli("stream", "--pip", str(card), "--to", str(out), "--duration", "1")
    assert result.returncode == 0, result.output
    with av.open(str(out)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="bgr24")
    # 1280x720 canvas: a 320x180 picture 21 px from the bottom-right corner, framed in white
    assert frame[620, 1100, 1] > 150 and frame[620, 1100, 0] < 90
    assert frame[100, 100, 1] < 150 or frame[100, 100, 0] > 90  # the main picture is still there

    out = tmp_path / "pip-clip.mkv"
    result = run_cli("stream", "--pip", str(clip), "--to", str(out), "--duration", "2")
    assert result.returncode == 0, result.output
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    corner = [f[540:700, 940:1260].astype(int) for f in (frames[5], frames[50])]
    assert np.abs(corner[0] - corner[1]).mean() > 5  # the clip plays inside the picture
    result = run_cli("stream", "--pip", str(tmp_path / "nope.mp4"), "--to", str(out), "--duration", "1")
    assert result.returncode == 2 and "picture-in-picture" in result.stderr


@pytest.mark.parametrize(("text", "mode"), [("1920x1080@60", (1920, 1080, 60)), ("640X480", (640, 480, 30)),
                                            (" 1280x720@25 ", (1280, 720, 25))])
def test_camera_mode_parses(text, mode):
    assert parse_camera_mode(text) == mode


@pytest.mark.parametrize("text", ["1080p", "1920x1080@0", "8x8@30", "axb@30"])
def test_bad_camera_mode_is_refused_with_the_expected_shape(text):
    with pytest.raises(ValueError, match="camera mode"):
        parse_camera_mode(text)


def test_camera_is_asked_for_its_own_mode_not_the_canvas(clip, qapp_offscreen):
    video, _audio = open_sources(f"cam:{clip}", 1280, 720, 30, audio="silence", camera_mode=(640, 480, 15))
    assert video.want == (640, 480, 15)
    video.stop()
    result = run_cli("stream", "--camera-mode", "big", "--to", "x.mkv")
    assert result.returncode == 2 and "1280x720@30" in result.stderr
