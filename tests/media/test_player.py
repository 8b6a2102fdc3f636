"""The review's player on a real recording: seek lands on the frame on air at that stream time, play moves
forward frame by frame, pause holds, the end stops; a missing or broken file is a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from app.media import framecode
from app.media.player import PlayerError, RecordingPlayer
from app.media.sources import wait_until
from tests.conftest import run_cli


def code(player: RecordingPlayer) -> int:
    _seq, frame = player.frame()
    return framecode.read(np.ascontiguousarray(frame[:, :, 1]))  # green ≈ luma for the black/white blocks


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("player") / "session.mkv"
    result = run_cli("stream", "--size", "640x360", "--to", str(path), "--duration", "4")
    assert result.returncode == 0, result.output
    return path


def test_seek_play_pause_and_the_end(recording):
    player = RecordingPlayer(recording, width=640)
    try:
        assert 3.9 <= player.duration <= 4.2
        assert wait_until(lambda: player.frame()[1] is not None, 5)
        assert code(player) == 0
        first = player.position  # the first frame's stream time (a few ms after go-live)
        assert 0 <= first < 0.1
        seq = player.frame()[0]
        player.seek(first + 2.0)
        assert wait_until(lambda: player.frame()[0] != seq, 5)
        assert code(player) == 60 and player.position == pytest.approx(first + 2.0, abs=0.002)
        seq = player.frame()[0]
        player.seek(first + 2.0 - 0.01)  # just before frame 60 went out, frame 59 was on air
        assert wait_until(lambda: player.frame()[0] != seq, 5)
        assert code(player) == 59
        seq = player.frame()[0]
        player.seek(first + 2.0 - 0.01, first_after=True)  # the first frame stamped from then on: frame 60
        assert wait_until(lambda: player.frame()[0] != seq, 5)
        assert code(player) == 60
        player.play()
        assert wait_until(lambda: code(player) >= 66, 10)  # it moves on by itself
        player.pause()
        assert wait_until(lambda: not player.playing, 2)
        held = player.frame()[0]
        assert not wait_until(lambda: player.frame()[0] != held, 0.3)  # paused: nothing new
        player.seek(3.8)
        player.play()
        assert wait_until(lambda: not player.playing, 10)  # stops at the end, on the last frame
        assert code(player) == 119
        player.play()  # from the end: starts again at the beginning
        assert wait_until(lambda: code(player) < 30, 5)
    finally:
        player.close()


def test_missing_or_broken_recordings_are_clear_errors(tmp_path):
    with pytest.raises(PlayerError, match="missing"):
        RecordingPlayer(tmp_path / "gone.mkv")
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(np.random.default_rng(3).bytes(20_000))
    with pytest.raises(PlayerError, match="cannot open"):
        RecordingPlayer(broken)
