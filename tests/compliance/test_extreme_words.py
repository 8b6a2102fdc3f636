"""The Advertising Law checker: categories, longest match, allowed ordinary words."""

from __future__ import annotations

from app.compliance.extreme_words import ExtremeWordChecker


def test_finds_words_with_their_category_and_reason():
    checker = ExtremeWordChecker.from_file()
    hits = checker.check("全网最低价！顶级品质，100%纯棉，销量第一，能根治失眠")
    assert [(h.word, h.category) for h in hits] == [("全网最低", "superlative"), ("顶级", "grade"),
                                                    ("100%", "certainty"), ("销量第一", "rank"), ("根治", "medical")]
    assert "superlatives" in hits[0].reason


def test_longest_match_and_allowed_words_and_case():
    checker = ExtremeWordChecker.from_file()
    assert [h.word for h in checker.check("最近很火，最终价格，史上最好")] == ["史上最"]
    assert [h.word for h in checker.check("我们是top1")] == ["top1"]
    assert checker.check("普通的描述，没有问题") == []
