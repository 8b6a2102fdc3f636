"""Cameras and microphones as the OS names them: sysfs read like Linux lays it out (a camera's picture node listed, its metadata
node not), and this machine, which has none."""

from __future__ import annotations

import sys

import pytest

from app.media.devices import Camera, Microphone, cameras, microphones


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


def test_microphones_are_the_inputs_portaudio_lists():
    listed = [{"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "index": 0, "max_input_channels": 2},
              {"name": "HDMI 0", "index": 1, "max_input_channels": 0},  # an output only
              {"name": "  USB\tMic ", "index": 4, "max_input_channels": 1},
              "not a device", {"name": "broken", "max_input_channels": "two"}, {"index": 7, "max_input_channels": 1}]
    assert microphones(lambda: listed) == [Microphone(0, "HDA Intel PCH: ALC3246 Analog (hw:0,0)"),
                                           Microphone(4, "USB Mic"), Microphone(7, "input 7")]

    def no_portaudio():
        raise OSError("PortAudio library not found")

    assert microphones(no_portaudio) is None


def test_this_machine_has_no_microphone():
    assert not microphones()  # no sound card: an empty list (or None without PortAudio)


def test_the_chosen_microphone_none_or_a_missing_one():
    from app.media.audio import SilenceSource
    from app.media.sources import open_sources

    _video, sound = open_sources("testsrc", 320, 180, 30, audio="mic", microphone="off")
    assert isinstance(sound, SilenceSource) and sound.notice is None  # asked for no microphone: nothing to say
    _video, sound = open_sources("testsrc", 320, 180, 30, audio="mic", microphone="7")
    assert isinstance(sound, SilenceSource) and "7" in sound.notice and " / " in sound.notice
    _video, sound = open_sources("testsrc", 320, 180, 30, microphone="7")
    assert not isinstance(sound, SilenceSource)  # the test pattern keeps its own beep


def test_the_devices_command_lists_what_there_is():
    from tests.conftest import run_cli

    shown = run_cli("devices")
    assert shown.returncode == 0 and "摄像头 cameras" in shown.stdout and "麦克风 microphones" in shown.stdout
    bad = run_cli("stream", "--to", "x.mkv", "--microphone", "usb")
    assert bad.returncode == 2 and "device number" in bad.stderr
