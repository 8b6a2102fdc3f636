"""Benchmark: cutting a clip (直播切片) from a show's recording, against the ffmpeg CLI cutting the same span the same way.

    ulimit -v 8000000; .venv/bin/python bench/clips.py [--seconds 60] [--span 40]

Records `--seconds` of the demo (1280×720 test pattern at 30 fps, H.264 + AAC in MKV, as a show records), then cuts
a `--span`-second clip from its middle, each way three times:
- ours, smart (`app.media.cut.cut`: the partial GOP at the start encoded again, the other packets copied; the sound
  faded and encoded again; frame-exact at both ends), against the ffmpeg CLI copying the packets
  (`-ss … -to … -c copy`: not frame-exact, its start snaps to a keyframe) — the reference for a copy;
- ours, re-encoded (`reencode=True`: libx264 veryfast CRF 20, AAC 128 kb/s with fades), against the ffmpeg CLI
  doing the same re-encode (`-c:v libx264 -preset veryfast -crf 20 -bf 0 -c:a aac -b:a 128k`).
Every output MP4 with `+faststart`. Reports the median seconds and how many times real time each is.
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
        runs: dict[str, list[float]] = {"ours_smart": [], "cli_copy": [], "ours_reencoded": [], "cli_reencoded": []}
        cli = ["ffmpeg", "-v", "error", "-y", "-ss", f"{start}", "-to", f"{end}", "-i", str(source)]
        tail = ["-movflags", "+faststart"]
        for n in range(args.repeats):
            for name, make in (
                    ("ours_smart", lambda n=n: cut(source, start, end, folder / f"smart{n}.mp4")),
                    ("cli_copy", lambda n=n: subprocess.run(cli + ["-c", "copy", *tail, str(folder / f"copy{n}.mp4")],
                                                            check=True, timeout=600)),
                    ("ours_reencoded", lambda n=n: cut(source, start, end, folder / f"ours{n}.mp4", reencode=True)),
                    ("cli_reencoded", lambda n=n: subprocess.run(
                        cli + ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-profile:v", "high", "-bf", "0",
                               "-c:a", "aac", "-b:a", "128k", *tail, str(folder / f"cli{n}.mp4")],
                        check=True, timeout=600))):
                t = time.perf_counter()
                make()
                runs[name].append(time.perf_counter() - t)
    result = {"span_s": args.span}
    for name, times in runs.items():
        result[f"{name}_s"] = round(statistics.median(times), 3)
        result[f"{name}_x_realtime"] = round(args.span / statistics.median(times), 1)
        result[f"{name}_runs"] = [round(x, 3) for x in times]
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "clips.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
