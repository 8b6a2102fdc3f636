"""Benchmark: the pipeline against the ffmpeg CLI doing the same encode, side by side in one run.

    .venv/bin/python bench/pipeline_vs_ffmpeg.py --size 1920x1080 --seconds 60

1. pipeline: test pattern + three overlay layers (product card, comment ticker, coupon banner) → libx264 +
   AAC → MKV, in real time; process CPU, drops, encode/compose/render times.
2. reference: the ffmpeg CLI encoding the same composited frames (rendered by this script and piped in as raw
   yuv420p at real-time pace) with the same x264 settings and an AAC sine track; its CPU from wait4().
3. latency: 1280x720 pipeline run, capture → muxed packet p95.
4. compositing alone: three layers on one I420 frame, repeated.

With `--scene` the picture is a two-source scene (issue 18, section 5): the test pattern as the camera, full frame,
and an 800x800 product picture placed picture-in-picture ("主播+商品 Host + product", the default scene), the same
three overlays above. The encode-alone reference is handed those frames ready; a third run, the ffmpeg CLI doing the
whole job itself (`testsrc2` + the product picture + the overlays as one PNG, composited by its `overlay` filter in
yuv420p), is the reference for the same scene made by ffmpeg.
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
import threading
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.media import yuv  # noqa: E402
from app.media.compose import Compositor  # noqa: E402
from app.media.encode import EncoderSettings  # noqa: E402
from app.media.outputs import open_destination  # noqa: E402
from app.media.pipeline import Pipeline  # noqa: E402
from app.media.scene_source import SceneSource  # noqa: E402
from app.media.scenes import default_scenes  # noqa: E402
from app.media.sources import ImageSource, TestPatternSource  # noqa: E402
from app.media.testsrc import TestPattern  # noqa: E402
from app.overlays.sample import OverlayDemo  # noqa: E402
from app.overlays.overlay_set import OverlaySet  # noqa: E402
from app.media.qtrender import ensure_qt  # noqa: E402


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


PRODUCT_SIZE = 800  # a platform's product main picture (淘宝/抖音 主图 800x800)
SCENE = "主播+商品 Host + product"


def product_picture(folder: Path) -> Path:
    """The sample catalogue's bag, at a real product picture's size."""
    root = Path(__file__).resolve().parents[1]
    image = cv2.imread(str(root / "resources" / "sample" / "images" / "bag.png"), cv2.IMREAD_COLOR)
    path = folder / "product.png"
    cv2.imwrite(str(path), cv2.resize(image, (PRODUCT_SIZE, PRODUCT_SIZE), interpolation=cv2.INTER_CUBIC))
    return path


def scene_source(width: int, height: int, fps: int, product: Path | None):
    """The video source: the test pattern alone, or the two-source scene with the product picture."""
    if product is None:
        return TestPatternSource(width, height, fps)
    scenes = default_scenes()
    return SceneSource({"camera": TestPatternSource(width, height, fps), "product": ImageSource(str(product))},
                       scenes, width, height, program=SCENE)


class ThreadCpu:
    """CPU-seconds per thread of this process while it runs, by Python thread name; threads Python did not start
    (x264's workers, Qt's) are "native". Read from /proc twice a second (a thread's last reading before it ends)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="thread cpu", daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> "ThreadCpu":
        self._base = self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _read(self) -> dict[str, tuple[str, float]]:
        names = {str(t.native_id): t.name for t in threading.enumerate()}
        out = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[tid] = (names.get(tid, "native"), (int(fields[11]) + int(fields[12])) / self._tick)
        return out

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for tid, (name, cpu) in self._read().items():
                self._seen[tid] = (self._seen.get(tid, (name,))[0] if name == "native" else name, cpu)

    def by_name(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for tid, (name, cpu) in self._seen.items():
            name = name.split(" /")[0]  # "output /tmp/…/x.mkv" → "output"
            totals[name] = totals.get(name, 0.0) + cpu - self._base.get(tid, ("", 0.0))[1]
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def run_pipeline(width: int, height: int, fps: int, seconds: float, bitrate: int, out: Path,
                 product: Path | None = None) -> dict:
    compositor = Compositor(width, height)
    demo = OverlayDemo(OverlaySet(compositor))
    demo.start()
    snapshots = []
    pipeline = Pipeline(EncoderSettings(width=width, height=height, fps=fps, video_bitrate=bitrate),
                        [open_destination(str(out))], duration=seconds, on_stats=snapshots.append,
                        compositor=compositor, video_source=scene_source(width, height, fps, product))
    cpu0, wall0 = cpu_self(), time.monotonic()
    with ThreadCpu() as threads:
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
        "thread_cpu_s": {name: round(cpu, 2) for name, cpu in threads.by_name().items()},
    }


def x264_args(fps: int, bitrate: int) -> list[str]:
    gop = 2 * fps
    return ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-b:v", str(bitrate),
            "-maxrate", str(bitrate), "-bufsize", str(bitrate), "-g", str(gop), "-keyint_min", str(gop),
            "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]


def run_ffmpeg(width: int, height: int, fps: int, seconds: float, bitrate: int, out: Path,
               product: Path | None = None) -> dict:
    """The same composited frames, piped raw to the ffmpeg CLI at real-time pace."""
    compositor = Compositor(width, height)
    overlays = OverlaySet(compositor)
    demo = OverlayDemo(overlays)
    demo._tick(5)  # the same three layers, rendered once: the reference encodes, it does not composite
    video = scene_source(width, height, fps, product)
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
           "-r", str(fps), "-i", "pipe:", "-f", "lavfi", "-i", "sine=f=1000:sample_rate=48000",
           *x264_args(fps, bitrate), "-t", str(seconds), "-f", "matroska", str(out)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    frames = int(seconds * fps)
    generator_cpu0 = cpu_self()
    start = time.monotonic()
    for index in range(frames):
        delay = start + index / fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        frame = compositor.compose(yuv.from_bgr(video.frame_at(index / fps)))  # as the pipeline makes it
        try:
            proc.stdin.write(frame.data)
        except BrokenPipeError:
            break
    proc.stdin.close()
    generator_cpu = cpu_self() - generator_cpu0  # drawing, compositing, converting and piping the frames
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return {"frames": frames, "cpu_s": cpu, "cpu_ms_per_frame": cpu / frames * 1000, "exit": proc.returncode,
            "generator_cpu_s": generator_cpu}


def overlays_png(width: int, height: int, folder: Path) -> Path:
    """The three overlay layers flattened into one straight-alpha PNG (for ffmpeg's overlay filter)."""
    compositor = Compositor(width, height)
    OverlayDemo(OverlaySet(compositor))._tick(5)
    colour = np.zeros((height, width, 3), np.float32)  # premultiplied
    alpha = np.zeros((height, width, 1), np.float32)
    for layer in compositor.layers():
        x0, y0, x1, y1 = layer.rect
        keep = 1.0 - layer.bgra[:, :, 3:].astype(np.float32) / 255.0
        colour[y0:y1, x0:x1] = colour[y0:y1, x0:x1] * keep + layer.bgra[:, :, :3]
        alpha[y0:y1, x0:x1] = alpha[y0:y1, x0:x1] * keep + (1.0 - keep) * 255.0
    straight = np.where(alpha > 0, colour * 255.0 / np.maximum(alpha, 1e-3), 0)
    path = folder / "overlays.png"
    cv2.imwrite(str(path), np.dstack([np.clip(straight, 0, 255), alpha]).round().astype(np.uint8))
    return path


def run_ffmpeg_whole_job(width: int, height: int, fps: int, seconds: float, bitrate: int, out: Path,
                         product: Path, folder: Path) -> dict:
    """The ffmpeg CLI making the same scene itself: testsrc2 as the camera, the product picture decoded once and
    placed where the scene places it (letterboxed), the overlays above, composited in yuv420p, paced by -re."""
    item = next(i for i in next(s for s in default_scenes() if s.name == SCENE).items if i.input == "product")
    x0, y0, x1, y1 = item.rect(width, height)
    side = min(x1 - x0, y1 - y0)  # the square picture letterboxed into its place
    px, py = x0 + (x1 - x0 - side) // 2, y0 + (y1 - y0 - side) // 2
    graph = (f"[1:v]loop=loop=-1:size=1:start=0,scale={side}:{side},setpts=N/{fps}/TB[p];"
             f"[2:v]loop=loop=-1:size=1:start=0,setpts=N/{fps}/TB[o];"
             f"[0:v][p]overlay=x={px}:y={py}:format=yuv420:shortest=1[s];"
             f"[s][o]overlay=format=yuv420:shortest=1,format=yuv420p[v]")
    cmd = ["ffmpeg", "-v", "error", "-y", "-re", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}",
           "-i", str(product), "-i", str(overlays_png(width, height, folder)),
           "-f", "lavfi", "-i", "sine=f=1000:sample_rate=48000", "-filter_complex", graph,
           "-map", "[v]", "-map", "3:a", *x264_args(fps, bitrate), "-t", str(seconds), "-f", "matroska", str(out)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    cpu = usage.ru_utime + usage.ru_stime
    frames = int(subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                                 "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(out)],
                                capture_output=True, text=True).stdout.strip() or 0)
    return {"frames": frames, "cpu_s": cpu, "cpu_ms_per_frame": cpu / max(1, frames) * 1000, "wall_s": wall,
            "exit": os.waitstatus_to_exitcode(status)}


def bench_compose(width: int, height: int, repeats: int = 300) -> dict:
    compositor = Compositor(width, height)
    OverlayDemo(OverlaySet(compositor))._tick(5)
    frame = yuv.from_bgr(TestPattern(width, height).render_bgr(0, 0.0))
    times = {"i420": []}
    for _ in range(repeats):
        started = time.perf_counter()
        compositor.compose(frame)
        times["i420"].append((time.perf_counter() - started) * 1000)
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
    parser.add_argument("--scene", action="store_true", help="a two-source scene (camera + product picture)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="the pipeline and the CLI's encode alternated this many times; the figures are the "
                             "round with the median ratio, every round's ratio beside them")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    bitrate = int(float(args.bitrate.rstrip("kK")) * 1000) if args.bitrate[-1] in "kK" else int(args.bitrate)
    ensure_qt()
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        product = product_picture(tmp) if args.scene else None
        rounds = []  # (pipeline, ffmpeg) alternated: the machine's drift falls on both
        for _ in range(max(1, args.rounds)):
            rounds.append((run_pipeline(width, height, args.fps, args.seconds, bitrate, tmp / "pipeline.mkv", product),
                           run_ffmpeg(width, height, args.fps, args.seconds, bitrate, tmp / "ffmpeg.mkv", product)))
        ratios = [p["cpu_s"] / r["cpu_s"] for p, r in rounds]
        pipe, ref = rounds[sorted(range(len(rounds)), key=ratios.__getitem__)[len(rounds) // 2]]
        whole = (run_ffmpeg_whole_job(width, height, args.fps, args.seconds, bitrate, tmp / "whole.mkv", product, tmp)
                 if product else None)
        latency = (run_pipeline(1280, 720, args.fps, args.latency_seconds, 2_500_000, tmp / "latency.mkv")
                   if args.latency_seconds > 0 else None)  # 0: no latency run
    compose = bench_compose(width, height)
    result = {"size": args.size, "fps": args.fps, "seconds": args.seconds, "bitrate": bitrate, "pipeline": pipe,
              "scene": SCENE if args.scene else None, "ffmpeg_whole_job": whole,
              "cpu_ratio_whole_job": pipe["cpu_s"] / whole["cpu_s"] if whole else None,
              "ffmpeg": ref, "cpu_ratio": pipe["cpu_s"] / ref["cpu_s"], "cpu_ratio_by_round": ratios,
              "cpu_ratio_same_job": pipe["cpu_s"] / (ref["cpu_s"] + ref["generator_cpu_s"]), "latency_720p": latency,
              "compose": compose, "cores": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out_dir / f"pipeline_vs_ffmpeg{'-scene' if args.scene else ''}-{stamp}.json").write_text(json.dumps(result, indent=2))
    dropped = sum(pipe["dropped"].values())
    print("| metric | pipeline | ffmpeg CLI | ratio |\n|---|---|---|---|")
    print(f"| {args.size}@{args.fps} {args.seconds:g} s, CPU-s | {pipe['cpu_s']:.1f} | {ref['cpu_s']:.1f} | "
          f"{result['cpu_ratio']:.2f}× |")
    if len(ratios) > 1:
        print(f"| every round's ratio, in order | | | {', '.join(f'{r:.2f}×' for r in ratios)} |")
    print(f"| CPU ms / frame | {pipe['cpu_ms_per_frame']:.1f} | {ref['cpu_ms_per_frame']:.1f} | |")
    same = ref["cpu_s"] + ref["generator_cpu_s"]
    print(f"| same job: + drawing/compositing/converting/piping the frames, CPU-s | {pipe['cpu_s']:.1f} | "
          f"{same:.1f} (ffmpeg {ref['cpu_s']:.1f} + frames {ref['generator_cpu_s']:.1f}) | "
          f"{result['cpu_ratio_same_job']:.2f}× |")
    if whole:
        print(f"| ffmpeg CLI making the same scene itself (testsrc2 + product + overlays), CPU-s | {pipe['cpu_s']:.1f} "
              f"| {whole['cpu_s']:.1f} ({whole['frames']} frames) | {result['cpu_ratio_whole_job']:.2f}× |")
    print(f"| frames / dropped | {pipe['frames']} / {dropped} {pipe['dropped'] or ''} | {ref['frames']} / – | |")
    print(f"| min capture fps (1 s windows) | {pipe['min_capture_fps']:.1f} | – | |")
    print(f"| encode ms mean / p95 | {pipe['encode_ms_mean']:.1f} / {pipe['encode_ms_p95']:.1f} | – | |")
    print(f"| render ms mean (source+overlays+I420) | {pipe['render_ms_mean']:.2f} | – | |")
    print(f"| compose ms mean / p95 (3 layers, in pipeline) | {pipe['compose_ms_mean']:.2f} / "
          f"{pipe['compose_ms_p95']:.2f} | – | |")
    print(f"| compose alone (in the I420 frame), mean (p95) | {compose['i420']['mean']:.2f} "
          f"({compose['i420']['p95']:.2f}) | – | |")
    print(f"| test pattern render / BGR→I420 alone, mean ms | {compose['pattern_render']['mean']:.2f} / "
          f"{compose['bgr_to_i420']['mean']:.2f} | – | |")
    print(f"| pipeline CPU-s by thread (native: x264's workers) | "
          f"{', '.join(f'{k} {v:.1f}' for k, v in pipe['thread_cpu_s'].items())} | – | |")
    if latency is not None and latency["latency_ms_p95"] is not None:
        print(f"| 1280x720 capture→muxed latency p95 ms | {latency['latency_ms_p95']:.1f} | – | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
