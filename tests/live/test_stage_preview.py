"""The stage's preview: a step that fails after the sources opened closes them (a camera holds its device from the
moment it opens: left open, its light stays on and no other program can have it), and the next preview opens."""

from __future__ import annotations

import pytest

import app.stage as stage_module
from app.console import ConsoleService, LiveOptions
from app.store.db import Database


def test_a_preview_that_fails_after_its_sources_opened_closes_every_one_of_them(tmp_path, monkeypatch,
                                                                                qapp_offscreen):
    monkeypatch.setenv("ANCHOR_CONSOLE_DATA", str(tmp_path / "data"))
    service = ConsoleService(Database(f"sqlite:///{tmp_path / 'stage.db'}"), view=False)
    stage, opened, stopped = service.stage, [], []
    real_open, real_build = stage_module.open_sources_for, stage_module.build_overlays

    def opening(options):
        video, sound = real_open(options)
        for source in (video, sound):
            close = source.stop
            source.stop = lambda close=close, source=source: (stopped.append(source), close())
            opened.append(source)
        return video, sound

    def failing(*_args, **_kwargs):
        raise RuntimeError("叠加层无法建立 / the overlays could not be built")

    monkeypatch.setattr(stage_module, "open_sources_for", opening)
    monkeypatch.setattr(stage_module, "build_overlays", failing)
    try:
        with pytest.raises(RuntimeError, match="overlays"):
            stage.start_preview(LiveOptions(width=320, height=180, fps=15))
        assert len(opened) == 2 and all(source in stopped for source in opened)
        assert not stage.previewing and stage._scenes is None

        monkeypatch.setattr(stage_module, "build_overlays", real_build)
        stopped.clear()
        stage.start_preview(LiveOptions(width=320, height=180, fps=15))  # the next one opens as usual
        assert stage.previewing and stopped == []
    finally:
        stage.close()
        service.database.close()
