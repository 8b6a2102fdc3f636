"""Benchmark: the app's encoder (PyAV's libx264, `app.media.encode.Encoder`) against the ffmpeg CLI on the very same
raw frames, nothing else in either process: is the encoder itself where the pipeline's CPU goes beyond the CLI's?

    .venv/bin/python bench/encode_alone.py --frames 300

The test pattern is drawn and converted to I420 once, before either clock starts (kept in memory and in a raw file
for the CLI). Both encode it with the pipeline's settings, paced at 30 fps (`--unpaced`: as fast as they can).
Prints CPU-seconds and the ratio; writes JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.media.encode import Encoder, EncoderSettings  # noqa: E402
from app.media.testsrc import TestPattern  # noqa: E402


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--bitrate", type=int, default=4_500_000)
    parser.add_argument("--unpaced", action="store_true")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    pattern = TestPattern(width, height)
    frames = [cv2.cvtColor(pattern.render_bgr(i, i / args.fps), cv2.COLOR_BGR2YUV_I420) for i in range(args.frames)]
    paced = not args.unpaced
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "frames.yuv"
        with raw.open("wb") as out:
            for frame in frames:
                out.write(frame.tobytes())
        encoder = Encoder(EncoderSettings(width=width, height=height, fps=args.fps, video_bitrate=args.bitrate))
        cpu0, start = cpu_self(), time.monotonic()
        for index, frame in enumerate(frames):
            delay = start + index / args.fps - time.monotonic()
            if paced and delay > 0:
                time.sleep(delay)
            encoder.encode_video(frame, index / args.fps)
        encoder.encode_video(None)
        app_cpu = cpu_self() - cpu0
        encoder.close()
        gop = 2 * args.fps
        cmd = ["ffmpeg", "-v", "error", "-y", *(["-re"] if paced else []), "-f", "rawvideo", "-pix_fmt", "yuv420p",
               "-s", f"{width}x{height}", "-r", str(args.fps), "-i", str(raw), "-c:v", "libx264", "-preset", "veryfast",
               "-tune", "zerolatency", "-b:v", str(args.bitrate), "-maxrate", str(args.bitrate), "-bufsize",
               str(args.bitrate), "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-f", "null", "-"]
        proc = subprocess.Popen(cmd)
        _, status, usage = os.wait4(proc.pid, 0)
        cli_cpu = usage.ru_utime + usage.ru_stime
    result = {"size": args.size, "frames": args.frames, "paced": paced, "app_encoder_cpu_s": app_cpu,
              "ffmpeg_cli_cpu_s": cli_cpu, "ratio": app_cpu / cli_cpu, "exit": os.waitstatus_to_exitcode(status),
              "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"encode_alone-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(f"| {args.size} × {args.frames}, {'paced' if paced else 'unpaced'} | app encoder {app_cpu:.2f} CPU-s | "
          f"ffmpeg CLI {cli_cpu:.2f} CPU-s | {result['ratio']:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
