"""Room notices (公告) on a schedule: "20:00 福袋", "21:00 秒杀" — the host is reminded a minute ahead on the
teleprompter (never on stream); putting a notice on stream is a separate choice (the room's `pin_notice` verb).

A schedule is text, one notice a line: a clock time (H:MM or HH:MM, a full-width colon too) and what happens then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.kernel.moderation import clean_text
from app.text import graphemes

MAX_TEXT = 60
MAX_NOTICES = 100
AHEAD_S = 60.0  # the host is reminded this long before a notice's time
KEPT_S = 60.0  # and it stays shown this long after it
DAY_S = 24 * 3600

_LINE = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*(\S.*?)\s*$")


class ScheduleError(ValueError):
    """A schedule line that cannot be read; the message names the line (中文 / English)."""


@dataclass(frozen=True)
class Notice:
    at_s: int  # seconds after midnight (the machine's local clock)
    text: str

    @property
    def clock(self) -> str:
        return f"{self.at_s // 3600:02d}:{self.at_s % 3600 // 60:02d}"


def parse_schedule(text: str) -> list[Notice]:
    """The schedule's notices by time; blank lines and lines starting with # are skipped. ScheduleError names
    every line that is not "HH:MM what"."""
    notices, problems = [], []  # problems: (中文, English)
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _LINE.match(line)
        if found is None:
            problems.append((f"第 {number} 行须为“20:00 福袋”", f"line {number} must be like '20:00 lucky draw'"))
            continue
        hour, minute, what = int(found[1]), int(found[2]), clean_text(found[3], MAX_TEXT + 1).strip()
        if hour > 23 or minute > 59:
            problems.append((f"第 {number} 行的时间 {found[1]}:{found[2]} 不存在",
                             f"line {number}: there is no time {found[1]}:{found[2]}"))
        elif not what:
            problems.append((f"第 {number} 行没有内容", f"line {number} says nothing after the time"))
        elif graphemes(what) > MAX_TEXT:
            problems.append((f"第 {number} 行最多 {MAX_TEXT} 字", f"line {number} is over {MAX_TEXT} characters"))
        else:
            notices.append(Notice(hour * 3600 + minute * 60, what))
    if len(notices) > MAX_NOTICES:
        problems.append((f"最多 {MAX_NOTICES} 条", f"at most {MAX_NOTICES} notices"))
    if problems:
        more = f" (+{len(problems) - 5})" if len(problems) > 5 else ""
        raise ScheduleError("；".join(zh for zh, _ in problems[:5]) + more + " / "
                            + "; ".join(en for _, en in problems[:5]) + more)
    return sorted(notices, key=lambda n: n.at_s)


def format_schedule(notices: Iterable[Notice]) -> str:
    return "\n".join(f"{n.clock} {n.text}" for n in notices)


def due(notices: Iterable[Notice], now_s: float, ahead_s: float = AHEAD_S, kept_s: float = KEPT_S
        ) -> list[tuple[Notice, float]]:
    """The notices to remind the host of at `now_s` (seconds after local midnight): due within `ahead_s` or passed
    less than `kept_s` ago, with the seconds until each (negative once passed); across midnight too."""
    out = []
    for notice in notices:
        delta = (notice.at_s - now_s + DAY_S / 2) % DAY_S - DAY_S / 2  # in [-12 h, 12 h)
        if -kept_s < delta <= ahead_s:
            out.append((notice, delta))
    return sorted(out, key=lambda item: item[1])
