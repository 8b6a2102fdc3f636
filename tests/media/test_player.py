"""The review's player on a real recording: seek lands on the frame on air at that stream time, play moves
forward frame by frame, pause holds, the end stops; a missing or broken file is a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from app.media import framecode
from app.media.player import AudioSink, PlayerError, RecordingPlayer
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


def test_a_frame_being_converted_when_pause_comes_is_not_shown(recording):
    """Pause pressed while the decode thread converts the next frame (a busy machine makes that window wide): the
    frame is dropped, so once `pause` has returned the picture holds (the flake behind "paused: nothing new")."""
    import threading

    player = RecordingPlayer(recording, width=640)
    paused, held = threading.Event(), []
    real = player._picture

    def converting(frame):
        picture = real(frame)
        if player.position > 0.5 and not paused.is_set():  # playing, some frames in: pause arrives now
            held.append(player.frame()[0])
            player.pause()
            paused.set()
        return picture

    try:
        assert wait_until(lambda: player.frame()[1] is not None, 5)
        player._picture = converting
        player.play()
        assert paused.wait(10)
        assert not player.playing
        assert not wait_until(lambda: player.frame()[0] != held[0], 0.5)
    finally:
        player.close()


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


class DrivenSink:
    """Stands in for a sound card (this machine has none): takes 10 ms of sound every 10 ms of wall time from its
    own thread, like PortAudio's callback, and keeps what it took with the sound clock before each take."""

    latency = 0.0

    def __init__(self) -> None:
        import threading

        self.blocks: list[tuple[float, float | None, np.ndarray]] = []  # (wall time, sound time, samples)
        self.player = None
        self._stop = threading.Event()
        self._thread = None

    def start(self, rate, channels, pull) -> None:
        import threading
        import time

        def run() -> None:
            next_at = time.monotonic()
            while not self._stop.is_set():
                before = self.player.sound.time if self.player is not None else None
                block = pull(rate // 100)
                assert block.shape == (rate // 100, channels) and block.dtype == np.float32
                self.blocks.append((time.monotonic(), before, block))
                next_at += 0.01
                self._stop.wait(max(0.0, next_at - time.monotonic()))

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def test_the_sound_plays_with_the_picture(recording):
    """With a sound output the sound is the clock: the frame shown follows the sound within a frame or two, the
    sound runs at its own speed, and the beeps come out at the seconds where the recording has them."""
    import time

    sink = DrivenSink()
    player = RecordingPlayer(recording, width=320, sink=sink)
    sink.player = player
    try:
        assert wait_until(lambda: player.frame()[1] is not None, 5)
        player.seek(0.5)
        assert wait_until(lambda: abs(player.position - 0.5) < 0.05, 5)
        player.play()
        samples: list[tuple[float, float, float]] = []
        started = time.monotonic()
        while time.monotonic() - started < 2.5:
            if player.sound.time is not None and player.playing:
                samples.append((time.monotonic(), player.position, player.sound.time))
            time.sleep(0.005)
        player.pause()
    finally:
        player.close()
    steady = [(w, v, a) for w, v, a in samples if w - started > 0.3]
    lags = sorted(a - v for _, v, a in steady)  # how far the picture is behind the sound
    assert lags[len(lags) // 2] < 1 / 30 + 0.02 and lags[int(len(lags) * 0.95)] < 0.1 and lags[0] > -0.02
    (w0, _, a0), (w1, _, a1) = steady[0], steady[-1]
    assert (a1 - a0) / (w1 - w0) == pytest.approx(1.0, abs=0.05)  # the sound plays at its own speed
    # the beeps come out where the recording has them (the file's own sound, read with PyAV; that the file's sound
    # and picture agree is the pipeline's to keep, measured by the soak): first loud block after quiet
    onsets, quiet = [], True
    for _, at, block in sink.blocks:
        loud = at is not None and float(np.abs(block).max()) > 0.05
        if loud and quiet:
            onsets.append(at + int(np.argmax(np.abs(block).max(axis=1) > 0.05)) / 48000)
        quiet = not loud and (at is None or float(np.abs(block).max()) < 0.01)
    heard_until = max(at for _, at, _ in sink.blocks if at is not None)
    expected = [t for t in beep_onsets(recording) if 0.6 < t < heard_until]
    assert len(expected) >= 2 and len(onsets) >= len(expected)
    assert [round(t, 3) for t in onsets if t > 0.6][:len(expected)] == pytest.approx(expected, abs=0.002)


def beep_onsets(path) -> list[float]:
    """Where the recording's sound gets loud after 50 ms of quiet, by its own timestamps."""
    import av

    times, levels = [], []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            levels.append(np.abs(frame.to_ndarray()).max(axis=0))
            times.append((frame.time or 0.0) + np.arange(frame.samples) / frame.sample_rate)
    loud = np.concatenate(levels) > 0.05
    at = np.concatenate(times)
    quiet_before = np.convolve(loud, np.ones(2400), mode="full")[:len(loud)] - loud == 0  # none in the 50 ms before
    return [float(t) for t in at[loud & quiet_before]]


class PullingSink(AudioSink):
    """A sound output that pulls as fast as it can (the sound's lock against the decode thread's pushes)."""

    def __init__(self) -> None:
        import threading

        self.pulls, self._stop, self._thread = 0, threading.Event(), None

    def start(self, rate, channels, pull) -> None:
        import threading

        def run() -> None:
            while not self._stop.is_set():
                assert pull(rate // 100).shape == (rate // 100, channels)
                self.pulls += 1
                self._stop.wait(0.001)

        self._thread = threading.Thread(target=run, name="pulling sink", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def test_the_players_locks_under_hands_seeks_and_readers(recording, monkeypatch):
    """The review player's condition and its sound's lock under load, with the watchdog of tests/live/test_stress.py:
    play, pause and toggle pressed, the playhead dragged, the view reading frames and the sound output pulling, all
    at once. Every thread keeps making progress; the frame number never goes back; once the hands stop and pause
    has returned the picture holds; the decode thread is alive (it still seeks) and close ends it."""
    import os
    import threading
    import time

    from tests.live.test_stress import _stacks, looping, run_watched

    seconds = min(float(os.environ.get("ANCHOR_STRESS_SECONDS", "60")), 8.0)
    died: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: died.append(f"{args.thread.name}: {args.exc_value!r}"))
    sink = PullingSink()
    player = RecordingPlayer(recording, width=320, sink=sink)
    stop, progress, problems, seen = threading.Event(), {}, [], [0]

    def hands(rnd):
        rnd.choice((player.play, player.pause, player.toggle))()
        time.sleep(rnd.random() * 0.02)

    def drag(rnd):
        player.seek(rnd.uniform(-1.0, player.duration + 1.0), first_after=rnd.random() < 0.3)
        time.sleep(rnd.random() * 0.05)

    def view(rnd):
        seq, frame = player.frame()
        if seq < seen[0]:
            problems.append(f"the frame number went back: {seen[0]} → {seq}")
        if frame is not None and frame.shape[1] != 320:
            problems.append(f"a frame {frame.shape} at the player's width 320")
        seen[0] = seq
        time.sleep(0.001)

    threads = [looping("按钮", hands, stop, progress, problems), looping("拖动", drag, stop, progress, problems),
               looping("画面", view, stop, progress, problems)]
    try:
        run_watched(threads, stop, progress, problems, seconds)
        player.pause()
        assert wait_until(lambda: player._seek_to is None, 5), _stacks()  # the last drag shown
        time.sleep(0.3)
        held = player.frame()[0]
        assert not wait_until(lambda: player.frame()[0] != held, 0.5)  # paused: the picture holds
        player.seek(1.0)
        assert wait_until(lambda: player.frame()[0] > held and abs(player.position - 1.0) < 0.05, 5), _stacks()
    finally:
        stop.set()
        player.close()
    assert not player._thread.is_alive()
    assert not died, died
    assert seen[0] > 20 and sink.pulls > 100 and all(count > 20 for count in progress.values()), (seen, progress)
