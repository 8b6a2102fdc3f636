"""A phone on air for real: a show with a scene that is the phone's seat goes live to nginx-rtmp; headless Chromium,
its fake camera a magenta video, joins by the seat's link; the stream nginx recorded shows the seat's slate until
the console accepts the phone, then the phone's magenta."""

from __future__ import annotations

import time

import av
import cv2
import numpy as np
import pytest

from app.assembly import LiveOptions
from app.console import ConsoleService
from app.media.scenes import check_input, make_item, make_scene
from app.store.db import Database
from tests import browser
from tests.guests.test_browser_guest import chromium_args, wait_for

pytestmark = pytest.mark.skipif(not browser.chromium(), reason="Chromium is not installed (the test command "
                                                                 "installs it)")
MAGENTA = (255, 0, 255)


def y4m(path, width: int = 640, height: int = 360, frames: int = 30):
    """A short video Chromium's fake camera plays in a loop: all magenta."""
    i420 = cv2.cvtColor(np.full((height, width, 3), MAGENTA, np.uint8), cv2.COLOR_BGR2YUV_I420)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + i420.tobytes())
    return path


def magenta(picture) -> bool:
    blue, green, red = picture[picture.shape[0] // 2, picture.shape[1] // 2].astype(int)
    return red > 180 and blue > 180 and green < 90


def test_a_phone_joins_a_live_show_and_is_on_air_once_accepted(tmp_path, monkeypatch, rtmp_server, qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'show.db'}"), view=False)
    try:
        service.desk.set_inputs(dict([check_input("手机", "guest:手机1")]))
        service.desk.set_scenes([make_scene("手机全屏 Phone", [make_item("手机")])])
        door = service.doors.open_guests("127.0.0.1", 0)
        invitation = door.invite("手机1")
        camera = f"--use-file-for-fake-video-capture={y4m(tmp_path / 'magenta.y4m')}"
        with browser.Browser(args=(*chromium_args(tmp_path / "data"), camera)) as chrome:
            service.go_live(LiveOptions(destinations=(rtmp_server.url("phone-show-7f3a9c"),), record=False, width=640,
                                        height=360, fps=15, duration=9, audience_rate=5,
                                        test_server_confirmed=True))
            chrome.navigate(door.link(invitation, "127.0.0.1"))
            wait_for(lambda: door.feed("手机1").latest().count >= 15)
            time.sleep(2)  # the slate on air a while: the phone is there, not yet accepted
            door.accept("手机1")
            service.wait()
        service.stop()
    finally:
        service.close()
    [flv] = rtmp_server.wait_recording_closed()
    with av.open(str(flv)) as container:
        pictures = [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]
    on_air = [magenta(p) for p in pictures]
    assert len(pictures) > 100 and not on_air[0] and all(on_air[-30:])  # the slate first, the phone at the end
    first = on_air.index(True)
    assert first > 15 and all(on_air[first + 15:])  # once on air it stays (the phone never dropped)
