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


def test_an_ordinal_is_not_a_rank_claim():
    checker = ExtremeWordChecker.from_file()
    assert checker.check("今天第一个福利品，第一次来的家人") == []  # "the first one", "first time": ordinals
    assert [h.word for h in checker.check("销量第一的第一个福利品")] == ["销量第一"]
    assert [h.word for h in checker.check("全国第一")] == ["第一"]
