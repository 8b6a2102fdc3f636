"""Benchmark: cutting a clip (直播切片) from a show's recording, against the ffmpeg CLI cutting the same span the same way.

    ulimit -v 8000000; .venv/bin/python bench/clips.py [--seconds 60] [--span 40]

Records `--seconds` of the demo (1280×720 test pattern at 30 fps, H.264 + AAC in MKV, as a show records), then cuts
a `--span`-second clip from its middle three times with `app.media.cut.cut` (re-encoded: libx264 veryfast CRF 20,
AAC 128 kb/s with fades, MP4 faststart) and three times with the ffmpeg CLI doing the same re-encode
(`-ss … -to … -c:v libx264 -preset veryfast -crf 20 -c:a aac -b:a 128k -movflags +faststart`): the reference.
Reports the median seconds and how many times real time each is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.media.cut import cut  # noqa: E402


def record(folder: Path, seconds: float) -> Path:
    out = folder / "show.mkv"
    env = {**os.environ, "ANCHOR_CONSOLE_DATA": str(folder / "data")}
    subprocess.run([sys.executable, "-m", "app", "demo", "--duration", str(seconds), "--out", str(out)], check=True,
                   env=env, capture_output=True, timeout=seconds * 4 + 60)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--span", type=float, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = record(folder, args.seconds)
        start = (args.seconds - args.span) / 2
        end = start + args.span
        ours, theirs = [], []
        for n in range(args.repeats):
            t = time.perf_counter()
            cut(source, start, end, folder / f"ours{n}.mp4")
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{start}", "-to", f"{end}", "-i", str(source),
                            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-profile:v", "high", "-bf", "0",
                            "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(folder / f"cli{n}.mp4")],
                           check=True, timeout=600)
            theirs.append(time.perf_counter() - t)
    result = {"span_s": args.span, "ours_s": round(statistics.median(ours), 2),
              "ours_x_realtime": round(args.span / statistics.median(ours), 1),
              "ffmpeg_cli_s": round(statistics.median(theirs), 2),
              "ffmpeg_cli_x_realtime": round(args.span / statistics.median(theirs), 1),
              "ours_runs": [round(x, 2) for x in ours], "cli_runs": [round(x, 2) for x in theirs]}
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "clips.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
