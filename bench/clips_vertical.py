"""Benchmark: vertical clips (直播切片 9:16, 1080×1920) with the card, a caption and a logo burned in and the sound
levelled, per x264 preset, against the ffmpeg CLI making the same vertical picture; what each preset costs in
quality; and an export beside a show on air.

    ulimit -v 8000000; QT_QPA_PLATFORM=offscreen .venv/bin/python bench/clips_vertical.py [--seconds 60] [--span 40]

1. Records `--seconds` of the demo (1280×720 test pattern at 30 fps, H.264 + AAC in MKV, as a show records) and
   cuts a `--span`-second clip from its middle, cropped and letterboxed, at each preset (`app.media.cut.cut` with
   the look `app.clips.look_for` makes: rehearsal mark, logo, caption, product card; the sound levelled to -14
   LUFS). Reference, same run: the ffmpeg CLI cropping (or scaling and padding) the same span to 1080×1920 and
   overlaying the same layers as PNGs at the same places, same preset and CRF, AAC 128k.
2. Quality: a 10 s span of each shape encoded losslessly (CRF 0) as the reference picture; each preset's clip of
   that span against it by ffmpeg's SSIM and PSNR, with its bitrate.
3. Beside a show on air: the demo live for `--live` seconds (its own 720p encode and recording), alone, then with
   vertical exports running beside it at normal priority, then as the console runs them (`background=True`: nice
   +10, x264 on two threads). Reported: the show's dropped frames, its lowest frames per second in any second, the
   exports' seconds per clip. `--live-size 1920x1080 --only-live`: the live side is the pipeline alone at 1080p
   (test pattern, three overlays, x264 veryfast: most of a core), the export beside it the same.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from app.clips import ClipContext, ClipSpan, ClipStyle, look_for, lower_priority, restore_priority  # noqa: E402
from app.media.cut import cut  # noqa: E402
from bench.clips import record  # noqa: E402  (the demo recorded as a show records it)

PRESETS = ("veryfast", "superfast", "ultrafast")
CRF = 20


def make_look(folder: Path, shape: str, span: ClipSpan):
    logo = np.zeros((80, 240, 4), np.uint8)
    logo[..., :] = (40, 160, 255, 255)
    cv2.imwrite(str(folder / "logo.png"), logo)
    style = ClipStyle(shape, caption="今天的福利价 一起来看看这款好物", logo=str(folder / "logo.png"))
    context = ClipContext(products={1: ("【直播专享】真空保温杯 500ml", 15900, 8900, "")})
    return look_for(style, context, span, rehearsal=True)


def layer_pngs(folder: Path, look, shape: str) -> list[tuple[Path, int, int]]:
    """The look's layers as straight-alpha PNGs for the CLI's overlay filter."""
    out = []
    for n, layer in enumerate(look.layers):
        bgra = layer.bgra.astype(np.float32)
        alpha = bgra[..., 3:4]
        straight = np.where(alpha > 0, bgra[..., :3] * 255.0 / np.maximum(alpha, 1), 0)
        image = np.concatenate([np.clip(straight, 0, 255), alpha], axis=2).astype(np.uint8)
        path = folder / f"{shape}-layer{n}.png"
        cv2.imwrite(str(path), image)
        out.append((path, layer.x, layer.y))
    return out


def cli_vertical(source: Path, start: float, end: float, look, layers, preset: str, out: Path) -> None:
    if look.shape == "crop":
        x, y, w, h = look.region_at(0).pixels(1280, 720, 1080, 1920)
        base = f"[0:v]crop={w}:{h}:{x}:{y},scale=1080:1920[v0]"
    else:
        base = "[0:v]scale=1080:608,pad=1080:1920:0:656:black[v0]"
    chain, last = [base], "v0"
    for n, (_path, x, y) in enumerate(layers):
        chain.append(f"[{last}][{n + 1}:v]overlay={x}:{y}[v{n + 1}]")
        last = f"v{n + 1}"
    command = ["ffmpeg", "-v", "error", "-y", "-ss", f"{start}", "-to", f"{end}", "-i", str(source)]
    for path, _x, _y in layers:
        command += ["-i", str(path)]
    command += ["-filter_complex", ";".join(chain), "-map", f"[{last}]", "-map", "0:a", "-c:v", "libx264",
                "-preset", preset, "-crf", str(CRF), "-profile:v", "high", "-bf", "0", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(out)]
    subprocess.run(command, check=True, timeout=900)


def quality(clip: Path, reference: Path) -> dict:
    done = subprocess.run(["ffmpeg", "-hide_banner", "-i", str(clip), "-i", str(reference), "-lavfi",
                           "[0:v][1:v]ssim;[0:v][1:v]psnr", "-f", "null", "-"], capture_output=True, text=True,
                          timeout=600)
    ssim = re.findall(r"SSIM .*All:([\d.]+)", done.stderr)
    psnr = re.findall(r"PSNR .*average:([\d.inf]+)", done.stderr)
    return {"ssim": float(ssim[-1]) if ssim else None, "psnr_db": float(psnr[-1]) if psnr else None}


def bitrate_kbps(path: Path, seconds: float) -> float:
    return round(path.stat().st_size * 8 / seconds / 1000, 0)


def live_show(folder: Path, seconds: float, tag: str, beside=None, size: str = "") -> dict:
    """The demo on air for `seconds` (or, with `size`, the pipeline alone at that size: test pattern, the three
    demo overlays, x264 veryfast), with `beside(stop)` running on a thread meanwhile."""
    env = {**os.environ, "ANCHOR_CONSOLE_DATA": str(folder / f"live-{tag}")}
    command = ([sys.executable, "-m", "app", "stream", "--source", "testsrc", "--overlay-demo", "--size", size]
               if size else [sys.executable, "-m", "app", "demo"])
    show = subprocess.Popen(command + ["--duration", str(seconds), "--" + ("to" if size else "out"),
                                       str(folder / f"live-{tag}.mkv")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    stop = threading.Event()
    results: list = []
    worker = None
    if beside is not None:
        time.sleep(3)  # the show is on air first
        worker = threading.Thread(target=beside, args=(stop, results))
        worker.start()
    output, _ = show.communicate(timeout=seconds * 3 + 60)
    stop.set()
    if worker is not None:
        worker.join()
    fps = [float(m) for m in re.findall(r"\| fps\s+([\d.]+) \|", output)][2:-1]  # whole seconds on air
    drops = [int(m) for m in re.findall(r"\| drops (\d+) \|", output)]
    return {"dropped": drops[-1] if drops else None, "lowest_fps": min(fps) if fps else None,
            "median_fps": statistics.median(fps) if fps else None,
            "export_s_per_clip": round(statistics.median(results), 2) if results else None,
            "clips_made": len(results)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--span", type=float, default=40)
    parser.add_argument("--live", type=float, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--live-size", default="", help="WxH: the live side as the pipeline alone at that size "
                                                         "(default: the 720p demo)")
    parser.add_argument("--only-live", action="store_true", help="skip the clip timings and the quality")
    args = parser.parse_args()
    result: dict = {"span_s": args.span}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = record(folder, args.seconds)
        start = (args.seconds - args.span) / 2
        end = start + args.span
        span = ClipSpan(1, "保温杯", start, end, 0, 0)
        for shape in () if args.only_live else ("crop", "letterbox"):
            look = make_look(folder, shape, span)
            layers = layer_pngs(folder, look, shape)
            for preset in PRESETS:
                ours, theirs = [], []
                for n in range(args.repeats):
                    t = time.perf_counter()
                    cut(source, start, end, folder / f"{shape}-{preset}-{n}.mp4", look=look, preset=preset,
                        crf=CRF, loudness=-14.0)
                    ours.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    cli_vertical(source, start, end, look, layers, preset, folder / f"cli-{shape}-{preset}-{n}.mp4")
                    theirs.append(time.perf_counter() - t)
                key = f"{shape}_{preset}"
                result[key] = {"ours_s": round(statistics.median(ours), 2),
                               "ours_x_realtime": round(args.span / statistics.median(ours), 2),
                               "cli_s": round(statistics.median(theirs), 2),
                               "cli_x_realtime": round(args.span / statistics.median(theirs), 2),
                               "ours_runs": [round(x, 2) for x in ours], "cli_runs": [round(x, 2) for x in theirs]}
                print(key, result[key], flush=True)
            # quality over 10 s: each preset against the lossless encoding of the same look
            q0 = start + 5
            reference = folder / f"{shape}-lossless.mp4"
            cut(source, q0, q0 + 10, reference, look=look, preset="ultrafast", crf=0, loudness=None)
            for preset in PRESETS:
                clip = folder / f"{shape}-q-{preset}.mp4"
                cut(source, q0, q0 + 10, clip, look=look, preset=preset, crf=CRF, loudness=None)
                result[f"{shape}_{preset}"].update(quality(clip, reference), kbps=bitrate_kbps(clip, 10))
                print(shape, preset, result[f"{shape}_{preset}"], flush=True)
        look = make_look(folder, "crop", span)

        def exporting(background: bool):
            def run(stop: threading.Event, results: list) -> None:
                old = lower_priority() if background else None
                try:
                    n = 0
                    while not stop.is_set():
                        t = time.perf_counter()
                        cut(source, start, start + 20, folder / f"beside-{background}-{n}.mp4", look=look,
                            preset="superfast", loudness=-14.0, threads=2 if background else 0,
                            cancelled=stop.is_set)
                        results.append(time.perf_counter() - t)
                        n += 1
                except Exception as exc:  # noqa: BLE001 - a cancelled last clip ends the loop
                    if type(exc).__name__ != "Cancelled":
                        raise
                finally:
                    restore_priority(old)
            return run

        size = args.live_size
        result["live_size"] = size or "1280x720 demo"
        result["live_alone"] = live_show(folder, args.live, "alone", size=size)
        print("alone", result["live_alone"], flush=True)
        result["live_with_export_normal"] = live_show(folder, args.live, "normal", exporting(False), size)
        print("normal", result["live_with_export_normal"], flush=True)
        result["live_with_export_background"] = live_show(folder, args.live, "background", exporting(True), size)
        print("background", result["live_with_export_background"], flush=True)
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    name = "clips_vertical_live.json" if args.only_live else "clips_vertical.json"
    (out / name).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
