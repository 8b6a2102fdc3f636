"""Cameras as the OS names them: sysfs read like Linux lays it out (a camera's picture node listed, its metadata
node not), and this machine, which has none."""

from __future__ import annotations

import sys

import pytest

from app.media.devices import Camera, cameras


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sysfs is Linux's")
def test_picture_nodes_are_listed_by_number_with_their_names(tmp_path):
    for number, name, index in ((0, "HD Pro Webcam C920\n", "0"), (1, "HD Pro Webcam C920\n", "1"),
                                (10, "USB  Capture\tHDMI\n", "0"), (2, "Integrated Camera: Integrated C\n", "0")):
        node = tmp_path / f"video{number}"
        node.mkdir()
        (node / "name").write_text(name)
        (node / "index").write_text(index + "\n")
    (tmp_path / "not-a-camera").mkdir()
    assert cameras(tmp_path) == [Camera(0, "HD Pro Webcam C920"), Camera(2, "Integrated Camera: Integrated C"),
                                 Camera(10, "USB Capture HDMI")]
    assert cameras(tmp_path / "missing") == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sysfs is Linux's")
def test_this_machine_has_no_camera():
    assert cameras() == []
