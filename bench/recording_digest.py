"""Benchmark: what digesting a recording as it is written costs (issue #31, app/media/digest.py), and how fast a
recording is checked against its digests.

    ulimit -v 8000000; .venv/bin/python bench/recording_digest.py [--mb 512] [--bitrate 6000000]

A file of `mb` MB (random bytes, as incompressible as H.264) is written once; then, three times each in the same
run, over the same bytes in the same 10-second segments the console digests at `bitrate`:
- reference: the segments read back from the file (the operating system's part alone);
- ours: each segment digested as the output thread does (`digest_range`: read back and SHA-256).
The output thread's cost per hour of recording at `bitrate` follows (CPU seconds; a share of one core). Prints JSON
and writes it to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.media.digest import SEGMENT_S, digest_range  # noqa: E402

CHUNK = 1 << 20


def make(path: Path, mb: int) -> None:
    with open(path, "wb") as out:
        for _ in range(mb):
            out.write(os.urandom(CHUNK))


def read_segments(path: Path, size: int, segment: int) -> float:
    t0 = time.process_time()
    with open(path, "rb") as source:
        for start in range(0, size, segment):
            left = min(segment, size - start)
            while left > 0:
                left -= len(source.read(min(CHUNK, left)))
    return time.process_time() - t0


def digest_segments(path: Path, size: int, segment: int) -> float:
    """The digests as the output thread takes them (`GrowingFile._segment`): each segment's bytes read back from
    the file and hashed (`digest_range`)."""
    t0 = time.process_time()
    for start in range(0, size, segment):
        digest_range(path, start, min(start + segment, size))
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=512)
    parser.add_argument("--bitrate", type=int, default=6_000_000)
    args = parser.parse_args()
    segment = int(args.bitrate / 8 * SEGMENT_S)
    with tempfile.TemporaryDirectory(prefix="digest-bench-", dir=str(Path.home())) as folder:
        path = Path(folder) / "recording.mkv"
        make(path, args.mb)
        size = path.stat().st_size
        read_segments(path, size, segment)  # the page cache warm for both
        reference, ours = [], []
        for _ in range(3):
            reference.append(read_segments(path, size, segment))
            ours.append(digest_segments(path, size, segment))
    mb = size / 2**20
    ref_s, our_s = statistics.median(reference), statistics.median(ours)
    hour_mb = args.bitrate / 8 * 3600 / 2**20
    result = {
        "file_mb": round(mb), "bitrate": args.bitrate, "segment_bytes": segment,
        "reference_read_cpu_s": [round(x, 3) for x in reference],
        "digest_cpu_s": [round(x, 3) for x in ours],
        "digest_mb_per_cpu_s": round(mb / our_s), "read_mb_per_cpu_s": round(mb / ref_s) if ref_s else None,
        "cpu_s_per_hour_recorded": round(our_s / mb * hour_mb, 1),
        "share_of_one_core": round(our_s / mb * hour_mb / 3600, 4),
        "per_segment_ms": round(our_s / (size / segment) * 1000, 1),
        "check_s_per_hour_recorded": round(our_s / mb * hour_mb, 1),
    }
    print(json.dumps(result, indent=1))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "recording_digest.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
