"""The guests' locks under load, with the watchdog of tests/live/test_stress.py: the invitations' (the window
inviting, accepting and revoking while the door's thread claims and rejoins), a seat's feed (the door putting
pictures and sound, the show's render thread and the window reading, shows starting and stopping their GuestAudio,
revocations clearing it) and the program's sound ring (the pipeline writing, two guests reading). Every thread
must keep making progress, the run must end, and what was read must be whole."""

from __future__ import annotations

import os
import threading
import time

import av
import numpy as np

from app.guests.audio import GuestAudio
from app.guests.feed import FeedShelf
from app.guests.invites import InviteBook, Refused
from app.guests.program import ProgramSound
from app.guests.source import GuestSource
from tests.live.test_stress import looping, run_watched

SECONDS = min(float(os.environ.get("ANCHOR_STRESS_SECONDS", "60")), 10.0)
SEATS = ("手机1", "手机2", "嘉宾", "台面")


class Clock:
    def now(self) -> float:
        return time.monotonic()


def test_the_guests_locks_from_every_side_never_deadlock(qapp_offscreen):
    book, shelf, ring = InviteBook(), FeedShelf(), ProgramSound()
    for seat in SEATS:
        shelf.feed(seat).kind, shelf.feed(seat).heard = "guest", True
        shelf.feed(seat).delay_s = 0.01
    picture = av.VideoFrame.from_ndarray(np.full((54, 64), 100, np.uint8), format="yuv420p")
    sound = av.AudioFrame.from_ndarray(np.full((1, 1920), 8000, np.int16), format="s16", layout="stereo")
    sound.sample_rate = 48000
    stop, progress, problems = threading.Event(), {}, []
    secrets: list[str] = []

    def run(name, step):
        return looping(name, step, stop, progress, problems)

    def window(rnd):  # invites, accepts, revokes, reads
        seat = rnd.choice(SEATS)
        move = rnd.randrange(4)
        try:
            if move == 0:
                secrets.append(book.invite(seat, rnd.choice(("camera", "guest"))).token)
            elif move == 1:
                on_air = rnd.random() < 0.5
                if book.accept(seat, on_air):
                    shelf.feed(seat).set_accepted(on_air)
            elif move == 2 and book.revoke(seat):
                shelf.feed(seat).clear()
            book.seats()
            shelf.feed(seat).latest()
        except Refused:
            pass
        time.sleep(0.001)

    def door(rnd):  # claims, rejoins, pictures and sound in
        for secret in secrets[-3:]:
            try:
                ticket = book.claim(secret) if rnd.random() < 0.5 else book.rejoin(secret)
                secrets.append(ticket.key)
            except Refused:
                pass
        feed = shelf.feed(rnd.choice(SEATS))
        feed.set_connected(True)
        feed.put(picture)
        feed.put_audio(sound)
        del secrets[:-50]

    sources = [GuestSource(shelf.feed(seat), 64, 36) for seat in SEATS]

    def render(rnd):  # the show's render thread: each seat drawn
        for source in sources:
            frame = source.i420_at(0.0, 64, 36)
            assert frame is None or frame.shape == (54, 64)
            assert source.frame_at(0.0).ndim == 3

    def shows(rnd):  # go-lives and stops: a seat's sound listened to, pulled, let go
        audio = GuestAudio(shelf.feed(rnd.choice(SEATS)))
        audio.start(Clock())
        for _ in range(5):
            assert audio.samples(rnd.randrange(10**6), 960).shape == (2, 960)
        audio.stop()

    def pipeline(rnd):
        ring.put(0, np.full((2, 1600), 0.25, np.float32))
        time.sleep(0.0005)

    readers = [ring.reader(), ring.reader()]

    def guest(rnd):
        got = rnd.choice(readers)(960)
        assert got.shape == (2, 960) and set(np.unique(got)) <= {0.0, 0.25}

    threads = [run("窗口", window), run("门", door), run("渲染", render), run("开播停播", shows),
               run("管线", pipeline), run("嘉宾", guest)]
    run_watched(threads, stop, progress, problems, SECONDS)
    assert all(count > 50 for count in progress.values()), progress
