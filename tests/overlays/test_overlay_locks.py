"""No lock is held while calling out (issue #27): a card rendering does not hold the overlay set, and two stops of
one show (the window's and a control surface's) stop it once, the second waiting for the first without a lock."""

from __future__ import annotations

import threading

import numpy as np

from app.media.compose import Compositor
from app.overlays import overlay_set
from app.overlays.overlay_set import OverlaySet


def test_placing_an_overlay_never_waits_for_a_card_being_rendered(monkeypatch):
    rendering, release = threading.Event(), threading.Event()

    def slow_card(content, scale):
        rendering.set()
        assert release.wait(10)  # the render is held here until the main thread has placed the overlay
        return np.full((20, 40, 4), 200, np.uint8)

    monkeypatch.setitem(overlay_set._KINDS, "notice", (slow_card, 45, (0.5, 0.0)))
    overlays = OverlaySet(Compositor(320, 180))
    worker = threading.Thread(target=overlays.update, args=("notice", "20:00 福袋"), daemon=True)
    worker.start()
    assert rendering.wait(10)
    placed = threading.Thread(target=lambda: (overlays.place("notice", 5, 6), overlays.set_enabled("notice", False)),
                              daemon=True)
    placed.start()
    placed.join(10)
    try:
        assert not placed.is_alive(), "place() waited for the render: the set's lock is held across it"
    finally:
        release.set()
        worker.join(10)
    assert "notice" not in [layer.name for layer in overlays.compositor.layers()]  # switched off meanwhile
    overlays.set_enabled("notice", True)
    layer = next(layer for layer in overlays.compositor.layers() if layer.name == "notice")
    assert (layer.x, layer.y) == (5, 6)  # the render landed where the overlay was moved to


def test_a_render_overtaken_by_newer_content_is_dropped(monkeypatch):
    first_started, release_first = threading.Event(), threading.Event()

    def card(content, scale):
        if content == "旧":
            first_started.set()
            assert release_first.wait(10)
            return np.full((10, 10, 4), 1, np.uint8)
        return np.full((10, 20, 4), 2, np.uint8)

    monkeypatch.setitem(overlay_set._KINDS, "notice", (card, 45, (0.0, 0.0)))
    overlays = OverlaySet(Compositor(320, 180))
    old = threading.Thread(target=overlays.update, args=("notice", "旧"), daemon=True)
    old.start()
    assert first_started.wait(10)
    assert overlays.update("notice", "新")
    release_first.set()
    old.join(10)
    layer = next(layer for layer in overlays.compositor.layers() if layer.name == "notice")
    assert layer.width == 20 and overlays.content("notice") == "新" and overlays.renders("notice") == 1


def test_two_stops_of_one_show_stop_it_once(tmp_path, monkeypatch, qapp_offscreen):
    from app.console import ConsoleService, LiveOptions
    from app.store.db import Database

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        broadcast = service.go_live(LiveOptions(recording_path=str(tmp_path / "s.mkv"), width=320, height=180,
                                                fps=15, audience_rate=50))
        calls = []
        real_stop = broadcast.stop
        entered, release = threading.Event(), threading.Event()

        def slow_stop():
            calls.append(threading.current_thread().name)
            entered.set()
            assert release.wait(10)
            real_stop()

        broadcast.stop = slow_stop
        first = threading.Thread(target=service.stop, name="window", daemon=True)
        first.start()
        assert entered.wait(10)
        second = threading.Thread(target=service.stop, name="control surface", daemon=True)
        second.start()
        second.join(0.5)
        assert second.is_alive()  # it waits for the first stop …
        assert not service._stopping.locked()  # … without the lock held while the show is being stopped
        release.set()
        first.join(30)
        second.join(30)
        assert calls == ["window"] and not service.live and not first.is_alive() and not second.is_alive()
    finally:
        service.close()


def test_two_go_lives_at_once_open_one_show_and_the_other_is_told_why(tmp_path, monkeypatch, qapp_offscreen):
    """The window's 开播 (on its worker) and a control surface's StartStream at the same moment: one opens, the
    other is refused at once — never two shows opened, never a wait on the lock while the first one opens."""
    import app.broadcast as broadcast_module
    from app.console import ConsoleService, LiveOptions
    from app.store.db import Database

    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'c.db'}"))
    entered, release = threading.Event(), threading.Event()
    real_open = broadcast_module.open_sources_for
    opened_by, refused = [], []

    def slow_sources(options):
        opened_by.append(threading.current_thread().name)
        entered.set()
        assert release.wait(10)
        return real_open(options)

    def go_live():
        try:
            service.go_live(LiveOptions(recording_path=str(tmp_path / f"{threading.current_thread().name}.mkv"),
                                        width=320, height=180, fps=15, audience_rate=50))
        except ValueError as exc:
            refused.append((threading.current_thread().name, str(exc)))

    monkeypatch.setattr(broadcast_module, "open_sources_for", slow_sources)
    try:
        first = threading.Thread(target=go_live, name="window", daemon=True)
        first.start()
        assert entered.wait(10)
        second = threading.Thread(target=go_live, name="control surface", daemon=True)
        second.start()
        second.join(10)  # the watchdog: refused at once, while the first still opens
        assert not second.is_alive() and not service._stopping.locked()  # noqa: SLF001
        assert refused == [("control surface", "正在开播 / a go-live is already under way")]
        release.set()
        first.join(30)
        assert not first.is_alive() and opened_by == ["window"] and service.live
        service.stop()
        service.go_live(LiveOptions(recording_path=str(tmp_path / "again.mkv"), width=320, height=180, fps=15,
                                    audience_rate=50))  # the flag is down again once the first go-live ended
        assert service.live and opened_by == ["window", "MainThread"]
    finally:
        release.set()
        service.close()
