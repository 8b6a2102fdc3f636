"""Soak: one long stream to a real nginx-rtmp and a local recording at once, then both files read back whole.

    ulimit -v 8000000; .venv/bin/python bench/soak.py --minutes 60

The `anchor-console stream` CLI runs the test pattern with the demo overlays burned in (so compositing runs too)
→ rtmp://127.0.0.1 (nginx records it to FLV) + MKV, with --stats-json. Every 10 s this script samples the
resident memory of the CLI and its push process. Afterwards it decodes both recordings completely: every frame
code (which frames arrived, in order), the test pattern's flash against its beep each second (A/V offset at the
start, middle and end: drift), and reports memory growth, drops by cause and reconnects. The reference in the same
run is the stream's own first minutes: drift and growth are measured against them.
Prints a Markdown table and writes JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.media import framecode  # noqa: E402
from tests.conftest import start_nginx, stop_nginx  # noqa: E402


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def read_back(path: Path) -> dict:
    """One pass over the video (frame codes, flash onsets) and one over the audio (beep onsets)."""
    codes, flashes = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        was_flash = False
        for frame in container.decode(stream):
            luma = frame.to_ndarray(format="gray")
            codes.append(framecode.read(luma))
            h, w = luma.shape
            band = luma[-max(2, h // 24):, w * 45 // 100: w * 55 // 100]  # the middle: no overlay sits there
            is_flash = band.mean() > 200
            if is_flash and not was_flash:
                flashes.append(frame.time)
            was_flash = is_flash
    beeps = []
    with av.open(str(path)) as container:
        last_loud, first, rate, position = -10.0, None, 48000, 0
        for frame in container.decode(audio=0):
            if first is None:
                first, rate = frame.time, frame.sample_rate
            data = frame.to_ndarray()
            mono = np.abs(data[0] if data.ndim == 2 else data)
            block = rate // 1000
            envelope = mono[: len(mono) // block * block].reshape(-1, block).max(axis=1)
            for ms in np.flatnonzero(envelope > 0.05):
                t = first + (position + ms * block) / rate
                if t - last_loud > 0.3:
                    beeps.append(t)
                last_loud = t
            position += len(mono)
    offsets = []
    beep_array = np.array(beeps)
    for flash in flashes:
        if len(beep_array):
            nearest = beep_array[np.abs(beep_array - flash).argmin()]
            if abs(nearest - flash) < 0.5:
                offsets.append((flash, float(nearest - flash)))
    expected = list(range(len(codes)))
    missing = len(set(range(max(codes) + 1)) - set(codes)) if codes else 0
    return {"frames": len(codes), "in_order": codes == sorted(codes), "first_code": codes[0] if codes else None,
            "last_code": codes[-1] if codes else None, "missing_codes": missing,
            "exactly_all": codes == expected, "offsets": offsets}


def drift(offsets: list[tuple[float, float]], minutes: float) -> dict:
    """Mean A/V offset (ms) over the first, middle and last minute of the stream."""
    def mean_in(start: float, end: float) -> float | None:
        values = [o for t, o in offsets if start <= t < end]
        return round(1000 * sum(values) / len(values), 1) if values else None
    total = minutes * 60
    return {"first_min_ms": mean_in(0, 60), "middle_min_ms": mean_in(total / 2 - 30, total / 2 + 30),
            "last_min_ms": mean_in(total - 60, total), "worst_ms": round(1000 * max((abs(o) for _, o in offsets),
                                                                                     default=0), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    seconds = args.minutes * 60
    work = Path(tempfile.mkdtemp(prefix="anchor-soak-"))
    server = start_nginx(work / "nginx")
    mkv, stats_path = work / "soak.mkv", work / "stats.jsonl"
    command = [sys.executable, "-m", "app", "stream", "--source", "testsrc", "--size", args.size, "--overlay-demo",
               "--to", server.url("soak-key"), "--to", str(mkv), "--duration", f"{seconds:g}",
               "--stats-json", str(stats_path)]
    started = time.monotonic()
    cli = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory = []
    try:
        while cli.poll() is None:
            time.sleep(10)
            kids = children(cli.pid)
            main_mb = rss_mb(cli.pid)
            if main_mb:  # 0: it has just exited
                memory.append((round(time.monotonic() - started), round(main_mb, 1),
                               round(sum(rss_mb(k) for k in kids), 1)))
        error = cli.stderr.read().decode(errors="replace")
    finally:
        if cli.poll() is None:
            cli.send_signal(signal.SIGINT)
            cli.wait(60)
        time.sleep(2)
        stop_nginx(server)
    flv = sorted((work / "nginx").rglob("*.flv"))
    stats = [json.loads(line) for line in stats_path.read_text().splitlines()]
    local, pushed = read_back(mkv), (read_back(flv[-1]) if flv else None)
    drops: dict[str, int] = {}
    for line in stats[-1:]:
        drops = line["dropped"]
    steady = [m for m in memory if m[0] >= 60]
    result = {
        "minutes": args.minutes, "size": args.size, "exit": cli.returncode, "stderr_tail": error[-500:],
        "stats_lines": len(stats), "capture_fps_min": min(s["capture_fps"] for s in stats[1:-1]) if len(stats) > 2 else None,
        "dropped": drops, "reconnects": max((o["reconnects"] for s in stats for o in s["outputs"]), default=0),
        "cpu_mean": round(sum(s["cpu_percent"] for s in stats) / len(stats), 1),
        "push_cpu_mean": round(sum(s.get("push_cpu_percent", 0) for s in stats) / len(stats), 1),
        "rss_main_mb": {"after_1_min": steady[0][1] if steady else None, "end": memory[-1][1] if memory else None,
                        "max": max((m[1] for m in memory), default=None)},
        "rss_push_mb": {"after_1_min": steady[0][2] if steady else None, "end": memory[-1][2] if memory else None},
        "mkv": {k: v for k, v in local.items() if k != "offsets"}, "mkv_av": drift(local["offsets"], args.minutes),
        "flv": {k: v for k, v in pushed.items() if k != "offsets"} if pushed else None,
        "flv_av": drift(pushed["offsets"], args.minutes) if pushed else None,
        "flv_files": len(flv), "memory_samples": memory,
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "memory_samples"}, indent=2))
    for path in [mkv, *flv]:
        path.unlink(missing_ok=True)  # gigabytes: the numbers are kept, the files are not
    return 0 if cli.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
