"""连麦 for real: a guest (aiortc, sending a 440 Hz tone and its picture) joins a recorded show whose scene is its
seat; the recording's sound has the tone beside the test pattern's beep only once the console accepted the guest,
and a phone camera's sound only when the streamer asked for it. The guest gets the program back: its picture, and
the show's sound without its own (the beep, not the tone); a phone camera gets nothing back."""

from __future__ import annotations

import asyncio
import time

import av
import numpy as np
import pytest

from app.assembly import LiveOptions
from app.console import ConsoleService
from app.media.scenes import check_input, make_item, make_scene
from app.store.db import Database
from tests.guests.phone import Phone, ToneTrack


def tone_share(samples: np.ndarray, rate: int = 48000, hertz: float = 440.0) -> float:
    """The share of a second's energy within 20 Hz of `hertz`."""
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    frequencies = np.fft.rfftfreq(samples.size, 1 / rate)
    return float(spectrum[np.abs(frequencies - hertz) < 20].sum() / max(spectrum.sum(), 1e-12))


def seconds_of_sound(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=48000)
        mono = np.concatenate([piece.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                               for piece in resampler.resample(frame)])
    return [mono[i:i + 48000] for i in range(0, mono.size - 48000 + 1, 48000)]


@pytest.mark.parametrize("kind, heard", [("guest", True), ("camera", False), ("camera", True)])
def test_a_guest_is_heard_once_accepted_and_a_phone_camera_when_asked(kind, heard, tmp_path, monkeypatch,
                                                                     qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'show.db'}"), view=False)
    recording = tmp_path / "show.mkv"
    try:
        service.desk.set_inputs(dict([check_input("嘉宾", "guest:嘉宾")]))
        service.desk.set_scenes([make_scene("连麦 Guest", [make_item("camera", 0, 0, 0.5, 1),
                                                           make_item("嘉宾", 0.5, 0, 0.5, 1)])])
        invite = service.doors.invite_guest("嘉宾", kind, host="127.0.0.1", port=0)
        assert service.doors.guest_seats()[0].heard is (kind == "guest")  # the kind's default
        assert service.doors.hear_guest("嘉宾", heard)
        token = invite.links[0].split("#t=")[1].split("&")[0]
        service.go_live(LiveOptions(recording_path=str(recording), width=320, height=180, fps=15, duration=8,
                                    audience_rate=5))
        started = time.monotonic()
        back = {}

        async def guest():
            phone = Phone(service.doors.guests.port, audio=ToneTrack())
            await phone.join(token=token)
            await asyncio.sleep(4.0 - (time.monotonic() - started))
            service.doors.accept_guest("嘉宾")
            await asyncio.sleep(8.5 - (time.monotonic() - started))
            back.update(pictures=phone.pictures, sound=phone.sound)
            await phone.hang_up()

        asyncio.run(guest())
        service.wait()
        service.stop()
    finally:
        service.close()
    shares = [tone_share(second) for second in seconds_of_sound(recording)]
    assert len(shares) >= 7
    assert max(shares[:3]) < 0.05  # before it is accepted: the beep and silence only
    if heard:
        assert min(shares[5:7]) > 0.5  # on air: the tone is most of the sound
    else:
        assert max(shares) < 0.05  # a phone camera's own sound stays out of the program unless asked for
    if kind == "guest":
        assert len(back["pictures"]) == 30 and back["pictures"][-1].std() > 20  # the program's picture (the scene)
        returned = np.concatenate(back["sound"])[-4 * 48000:]
        assert tone_share(returned, hertz=1000) > 0.3 and tone_share(returned) < 0.05  # the beep, never its own voice
    else:
        assert back["pictures"] == [] and back["sound"] == []  # and nothing goes back to a phone camera
