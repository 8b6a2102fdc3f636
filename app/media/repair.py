"""A recording cut off by a crash (kill -9, power loss) has every frame but no duration in its header, so players
show no length and seek badly. `repair_recording` writes the header by copying the packets into a new file (no
re-encode) and putting it in the old one's place only when the copy is whole. The bytes as recorded are kept beside
it (`STEM.as-recorded.SUFFIX`): the show's log holds their digests (app/media/digest.py), which a remuxed copy cannot
match."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import av

from app.media.digest import as_recorded

log = logging.getLogger(__name__)


QUIET_S = 30.0  # a file written to within this is a show still recording (here or elsewhere): never touched


def needs_repair(path: str | Path) -> bool:
    """Whether the file is a Matroska recording without a duration (what an interrupted write leaves) that nothing
    has written to for QUIET_S (a recording in progress has no duration yet either)."""
    path = Path(path)
    if path.suffix.lower() not in (".mkv", ".mka", ".webm") or not path.is_file():
        return False
    if time.time() - path.stat().st_mtime < QUIET_S:
        return False
    try:
        with av.open(str(path)) as container:
            return not container.duration and bool(container.streams.video or container.streams.audio)
    except av.error.FFmpegError:
        return False  # not readable at all: nothing a remux could save


def repair_recording(path: str | Path) -> bool:
    """Give an interrupted MKV its duration (and cues, so it seeks); True if it was repaired. The original stays
    untouched when anything fails; nothing raises."""
    path = Path(path)
    if not needs_repair(path):
        return False
    temporary = path.with_name(f".{path.name}.repairing")
    try:
        with av.open(str(path)) as source, av.open(str(temporary), "w", format="matroska") as target:
            streams = {}
            for stream in source.streams:
                if stream.type in ("video", "audio"):
                    streams[stream.index] = target.add_stream_from_template(stream)
            for packet in source.demux(*[s for s in source.streams if s.index in streams]):
                if packet.dts is None and packet.pts is None:
                    continue  # the demuxer's end-of-stream marker, or a packet cut off by the crash
                packet.stream = streams[packet.stream.index]
                target.mux(packet)
        kept = as_recorded(path)
        os.replace(path, kept)
        try:
            os.replace(temporary, path)
        except OSError:
            os.replace(kept, path)
            raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        log.warning("recording %s not repaired: %s", path.name, exc)
        temporary.unlink(missing_ok=True)
        return False
    log.info("recording %s repaired: its duration is written", path.name)
    return True


def repair_in_background(paths) -> threading.Thread | None:
    """Repair the recordings of interrupted sessions in a thread of their own (the console starts meanwhile);
    join it before the process ends."""
    paths = [p for p in paths if p]
    if not paths:
        return None

    def run() -> None:
        for path in paths:
            repair_recording(path)

    thread = threading.Thread(target=run, name="recording repair", daemon=True)
    thread.start()
    return thread
