"""Extreme-word checker (极限词检测): finds banned superlatives and absolute claims with their category.

Matching is case-insensitive, longest word first, non-overlapping; ordinary words on the allow line (最近…)
shadow the words inside them. The list lives in resources/compliance/extreme_words.txt and is editable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.config import resource_dir

DEFAULT_LIST = resource_dir() / "compliance" / "extreme_words.txt"


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    word: str
    category: str
    reason: str


class ExtremeWordChecker:
    def __init__(self, categories: dict[str, tuple[str, list[str]]], allow: list[str] | None = None) -> None:
        entries = [(w.casefold(), key, reason) for key, (reason, words) in categories.items() for w in words]
        entries += [(w.casefold(), "", "") for w in allow or []]  # allowed: matched, then not reported
        self._entries = sorted(entries, key=lambda e: len(e[0]), reverse=True)

    @classmethod
    def from_file(cls, path: Path = DEFAULT_LIST) -> ExtremeWordChecker:
        categories, allow = {}, []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            key, reason, words = (line.split("\t") + ["", ""])[:3]
            if key == "allow":
                allow += words.split()
            else:
                categories[key] = (reason, words.split())
        return cls(categories, allow)

    def check(self, text: str) -> list[Hit]:
        folded = text.casefold()
        taken = [False] * len(text)
        hits = []
        for word, key, reason in self._entries:
            start = folded.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    if key:
                        hits.append(Hit(start, end, text[start:end], key, reason))
                start = folded.find(word, start + 1)
        return sorted(hits, key=lambda h: h.start)
