"""Benchmark: the pipeline against the ffmpeg CLI doing the same encode, side by side in one run.

    .venv/bin/python bench/pipeline_vs_ffmpeg.py --size 1920x1080 --seconds 60

1. pipeline: test pattern + three overlay layers (product card, comment ticker, coupon banner) → libx264 +
   AAC → MKV, in real time; process CPU, drops, encode/compose/render times.
2. reference: the ffmpeg CLI encoding the same composited frames (rendered by this script and piped in as raw
   yuv420p at real-time pace) with the same x264 settings and an AAC sine track; its CPU from wait4().
3. latency: 1280x720 pipeline run, capture → muxed packet p95.
4. compositing alone: three layers on one canvas frame, repeated.
Prints a Markdown table and writes JSON to bench/out/.
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
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.media.compose import Compositor  # noqa: E402
from app.media.encode import EncoderSettings  # noqa: E402
from app.media.outputs import open_destination  # noqa: E402
from app.media.pipeline import Pipeline  # noqa: E402
from app.media.testsrc import TestPattern  # noqa: E402
from app.overlays.sample import OverlayDemo  # noqa: E402
from app.overlays.overlay_set import OverlaySet  # noqa: E402
from app.media.qtrender import ensure_qt  # noqa: E402


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_pipeline(width: int, height: int, fps: int, seconds: float, bitrate: int, out: Path) -> dict:
    compositor = Compositor(width, height)
    demo = OverlayDemo(OverlaySet(compositor))
    demo.start()
    snapshots = []
    pipeline = Pipeline(EncoderSettings(width=width, height=height, fps=fps, video_bitrate=bitrate),
                        [open_destination(str(out))], duration=seconds, on_stats=snapshots.append,
                        compositor=compositor)
    cpu0, wall0 = cpu_self(), time.monotonic()
    final = pipeline.run()
    cpu, wall = cpu_self() - cpu0, time.monotonic() - wall0
    demo.stop()
    output = final.outputs[0].stats
    return {
        "frames": final.frames_encoded,
        "dropped": final.dropped,
        "cpu_s": cpu,
        "wall_s": wall,
        "cpu_ms_per_frame": cpu / max(1, final.frames_encoded) * 1000,
        "encode_ms_mean": final.encode_ms_mean,
        "encode_ms_p95": final.encode_ms_p95,
        "render_ms_mean": final.render_ms_mean,
        "compose_ms_mean": final.compose_ms_mean,
        "compose_ms_p95": final.compose_ms_p95,
        "min_capture_fps": min((s.capture_fps for s in snapshots[1:-1]), default=final.capture_fps),
        "latency_ms_p95": output.latency_ms_p95,
        "output_dropped": dict(output.dropped),
    }


def run_ffmpeg(width: int, height: int, fps: int, seconds: float, bitrate: int, out: Path) -> dict:
    """The same composited frames, piped raw to the ffmpeg CLI at real-time pace."""
    compositor = Compositor(width, height)
    overlays = OverlaySet(compositor)
    demo = OverlayDemo(overlays)
    demo._tick(5)  # the same three layers, rendered once: the reference encodes, it does not composite
    pattern = TestPattern(width, height)
    gop = 2 * fps
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
           "-r", str(fps), "-i", "pipe:", "-f", "lavfi", "-i", "sine=f=1000:sample_rate=48000",
           "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-b:v", str(bitrate),
           "-maxrate", str(bitrate), "-bufsize", str(bitrate), "-g", str(gop), "-keyint_min", str(gop),
           "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
           "-t", str(seconds), "-f", "matroska", str(out)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    frames = int(seconds * fps)
    generator_cpu0 = cpu_self()
    start = time.monotonic()
    for index in range(frames):
        delay = start + index / fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        canvas = compositor.compose(pattern.render_bgr(index, index / fps), in_place=True)
        try:
            proc.stdin.write(cv2.cvtColor(canvas, cv2.COLOR_BGR2YUV_I420).tobytes())
        except BrokenPipeError:
            break
    proc.stdin.close()
    generator_cpu = cpu_self() - generator_cpu0  # drawing, compositing, converting and piping the frames
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return {"frames": frames, "cpu_s": cpu, "cpu_ms_per_frame": cpu / frames * 1000, "exit": proc.returncode,
            "generator_cpu_s": generator_cpu}


def bench_compose(width: int, height: int, repeats: int = 300) -> dict:
    compositor = Compositor(width, height)
    OverlayDemo(OverlaySet(compositor))._tick(5)
    canvas = TestPattern(width, height).render_bgr(0, 0.0)
    times = {"in_place": [], "copy": []}
    for mode in times:
        for _ in range(repeats):
            started = time.perf_counter()
            compositor.compose(canvas, in_place=(mode == "in_place"))
            times[mode].append((time.perf_counter() - started) * 1000)
    pattern = TestPattern(width, height)
    times["pattern_render"], times["bgr_to_i420"] = [], []
    for index in range(repeats):
        started = time.perf_counter()
        frame = pattern.render_bgr(index, index / 30)
        converted = time.perf_counter()
        cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
        times["pattern_render"].append((converted - started) * 1000)
        times["bgr_to_i420"].append((time.perf_counter() - converted) * 1000)
    return {mode: {"mean": float(np.mean(t)), "p95": float(np.percentile(t, 95))} for mode, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--bitrate", default="4500k")
    parser.add_argument("--latency-seconds", type=float, default=20)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    bitrate = int(float(args.bitrate.rstrip("kK")) * 1000) if args.bitrate[-1] in "kK" else int(args.bitrate)
    ensure_qt()
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pipe = run_pipeline(width, height, args.fps, args.seconds, bitrate, tmp / "pipeline.mkv")
        ref = run_ffmpeg(width, height, args.fps, args.seconds, bitrate, tmp / "ffmpeg.mkv")
        latency = run_pipeline(1280, 720, args.fps, args.latency_seconds, 2_500_000, tmp / "latency.mkv")
    compose = bench_compose(width, height)
    result = {"size": args.size, "fps": args.fps, "seconds": args.seconds, "bitrate": bitrate, "pipeline": pipe,
              "ffmpeg": ref, "cpu_ratio": pipe["cpu_s"] / ref["cpu_s"],
              "cpu_ratio_same_job": pipe["cpu_s"] / (ref["cpu_s"] + ref["generator_cpu_s"]), "latency_720p": latency,
              "compose": compose, "cores": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out_dir / f"pipeline_vs_ffmpeg-{stamp}.json").write_text(json.dumps(result, indent=2))
    dropped = sum(pipe["dropped"].values())
    print(f"| metric | pipeline | ffmpeg CLI | ratio |\n|---|---|---|---|")
    print(f"| {args.size}@{args.fps} {args.seconds:g} s, CPU-s | {pipe['cpu_s']:.1f} | {ref['cpu_s']:.1f} | "
          f"{result['cpu_ratio']:.2f}× |")
    print(f"| CPU ms / frame | {pipe['cpu_ms_per_frame']:.1f} | {ref['cpu_ms_per_frame']:.1f} | |")
    same = ref["cpu_s"] + ref["generator_cpu_s"]
    print(f"| same job: + drawing/compositing/converting/piping the frames, CPU-s | {pipe['cpu_s']:.1f} | "
          f"{same:.1f} (ffmpeg {ref['cpu_s']:.1f} + frames {ref['generator_cpu_s']:.1f}) | "
          f"{result['cpu_ratio_same_job']:.2f}× |")
    print(f"| frames / dropped | {pipe['frames']} / {dropped} {pipe['dropped'] or ''} | {ref['frames']} / – | |")
    print(f"| min capture fps (1 s windows) | {pipe['min_capture_fps']:.1f} | – | |")
    print(f"| encode ms mean / p95 | {pipe['encode_ms_mean']:.1f} / {pipe['encode_ms_p95']:.1f} | – | |")
    print(f"| render ms mean (source+overlays+I420) | {pipe['render_ms_mean']:.2f} | – | |")
    print(f"| compose ms mean / p95 (3 layers, in pipeline) | {pipe['compose_ms_mean']:.2f} / "
          f"{pipe['compose_ms_p95']:.2f} | – | |")
    print(f"| compose alone, in place / with copy, mean (p95) | {compose['in_place']['mean']:.2f} "
          f"({compose['in_place']['p95']:.2f}) / {compose['copy']['mean']:.2f} ({compose['copy']['p95']:.2f}) | – | |")
    print(f"| test pattern render / BGR→I420 alone, mean ms | {compose['pattern_render']['mean']:.2f} / "
          f"{compose['bgr_to_i420']['mean']:.2f} | – | |")
    print(f"| 1280x720 capture→muxed latency p95 ms | {latency['latency_ms_p95']:.1f} | – | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
