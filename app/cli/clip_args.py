"""The `clips` command's arguments (直播切片): the sub-parser and the typed values it reads — a span of a show, a
vertical clip's region, a place as a share — each refused in both languages by argparse when it cannot be one."""

from __future__ import annotations

import argparse
import math


def _share(text: str) -> float:
    """A share 0–1 (a place on a vertical clip)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"要是 0–1 之间的比例 / a share 0-1, not {text[:40]!r}")
    return value


def _clip_region(text: str):
    """CX,CY,H: a vertical clip's region (app.media.reframe.Region), each a share 0–1."""
    from app.media.reframe import Region

    try:
        parts = [float(part) for part in text.split(",")]
        if len(parts) != 3:
            raise ValueError(text)
        return Region(*parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"区域写作 中心x,中心y,高度（0–1） / a region is CX,CY,H, shares 0-1, not "
                                         f"{text[:40]!r}") from None


def _clip_range(text: str) -> tuple[float, float]:
    """START-END of a show, each seconds (12.5) or [h:]mm:ss (1:02:03): a clip's span."""
    import re

    def seconds(part: str) -> float:
        if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?|(\d{1,2}:){1,2}\d{1,2}(\.\d{1,3})?", part):
            raise ValueError(part)
        value = 0.0
        for piece in part.split(":"):
            value = value * 60 + float(piece)
        return value

    start, dash, end = text.strip().partition("-")
    try:
        if not dash:
            raise ValueError(text)
        span = seconds(start.strip()), seconds(end.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"范围写作 开始-结束（秒或 时:分:秒） / a range is START-END in seconds or "
                                         f"[h:]mm:ss, e.g. 12:30-14:00, not {text[:40]!r}") from None
    if not span[0] < span[1]:
        raise argparse.ArgumentTypeError(f"范围要 开始 < 结束 / a range needs start < end: {text[:40]!r}")
    return span


def add_clips_command(sub) -> None:
    """`anchor-console clips N …` on the command line's sub-parsers."""
    clips = sub.add_parser("clips", help="直播切片: a show's explanations (or one range) cut from its recording into "
                                         "MP4 clips to post, named by product, show and time, with manifest.csv")
    clips.add_argument("session", type=int, help="session number (anchor-console review lists them)")
    clips.add_argument("--product", type=int, metavar="ID", help="only this product's explanations")
    clips.add_argument("--range", type=_clip_range, metavar="START-END",
                       help="one clip of this span instead: seconds or [h:]mm:ss, e.g. 12:30-14:00")
    clips.add_argument("--moments", action="store_true",
                       help="the moments that sold (成交高光: order peaks by the documented rule) instead")
    clips.add_argument("--vertical", choices=["crop", "letterbox"],
                       help="9:16, 1080x1920: cut from a region of the picture (crop) or the whole of it with bars")
    clips.add_argument("--region", type=_clip_region, metavar="CX,CY,H",
                       help="the region a vertical crop shows: its centre and height as shares of the picture "
                            "(default 0.5,0.5,1)")
    clips.add_argument("--caption", default="", help="a caption line burned into vertical clips (checked for "
                                                     "extreme words)")
    clips.add_argument("--caption-y", type=_share, metavar="SHARE",
                       help="where the caption's top sits, a share of the clip's height (0 top – 1 bottom)")
    clips.add_argument("--card-y", type=_share, metavar="SHARE", help="where the product card's top sits, likewise")
    clips.add_argument("--logo", default="", metavar="PICTURE", help="the studio's logo burned in, top right")
    clips.add_argument("--no-card", action="store_true", help="vertical clips without the product card")
    clips.add_argument("--no-level", action="store_true", help="keep the sound as recorded (not levelled to -14 LUFS)")
    clips.add_argument("--out", metavar="FOLDER", help="where the clips go (default: clips-N beside the recording)")


__all__ = ["_clip_range", "_clip_region", "_share", "add_clips_command"]
