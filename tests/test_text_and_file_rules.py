"""The exact rules of app/text.py and app/files.py at their edges (what mutation testing asked for: each limit at
its boundary, each copy made only when something changed, each message's figures)."""

from __future__ import annotations

import zipfile

import pytest

from app import files
from app.files import FileRefused, check_size, check_xlsx, from_spreadsheet_cell, read_bounded
from app.text import MAX_DEPTH, clean_line, cut, graphemes, safe, safe_value

MIB = 1024 * 1024


def nested(levels: int):
    value: object = "底"
    for _ in range(levels):
        value = [value]
    return value


def depth_of(value) -> int:
    levels = 0
    while isinstance(value, list):
        value, levels = value[0], levels + 1
    return levels


def test_safe_value_copies_only_what_changed_and_keeps_the_shapes():
    clean = {"user_id": "u1", "text": "好看 👍🏽", 3: [1, ("a",)]}
    assert safe_value(clean) is clean  # nothing to change: the very object (the bus runs this on every event)
    plain = ["a", "b"]
    assert safe_value(plain) is plain and safe_value(("a",)) == ("a",)
    dirty = {"\ud800k": ["ok", ("\u202e反", 7)], 3: "\x00x", "same": "同"}
    cleaned = safe_value(dirty)
    assert cleaned == {"\ufffdk": ["ok", ("反", 7)], 3: "x", "same": "同"} and cleaned is not dirty
    assert isinstance(cleaned["\ufffdk"], list) and isinstance(cleaned["\ufffdk"][1], tuple)
    assert dirty["\ud800k"][1][0] == "\u202e反"  # the caller's value is never changed in place


def test_safe_value_stops_at_its_depth():
    assert depth_of(safe_value(nested(MAX_DEPTH))) == MAX_DEPTH  # as deep as it walks: kept whole
    assert depth_of(safe_value(nested(MAX_DEPTH + 1))) == MAX_DEPTH  # one deeper: the innermost list is None
    assert safe_value(nested(MAX_DEPTH + 1)) is not None
    inner = safe_value(nested(MAX_DEPTH + 1))
    for _ in range(MAX_DEPTH):
        inner = inner[0]
    assert inner is None and safe_value("\ud800", depth=MAX_DEPTH + 5) == "\ufffd"  # a string is never dropped


def test_safe_keeps_what_is_not_unsafe():
    assert safe("abc") == "abc" and safe("a\x00b") == "ab" and safe("\x00") == ""
    assert safe("中\u202e文\u2066\ud800") == "中文\ufffd" and safe("tab\tand\nline") == "tab\tand\nline"


def test_clean_line_rules():
    assert clean_line(None, 5) == "" and clean_line(12345, 3) == "123" and clean_line("", 5) == ""
    assert clean_line("a\x00b\x07c", 10) == "abc"
    assert clean_line("一\n二\r\n三\t四\u2028五", 20) == "一 二 三 四 五"
    # NFC first (e + U+0301 is é), then at most two combining marks after a character: the rest are cut
    assert clean_line("e\u0301\u0302\u0303\u0304\u0305好", 10) == "\u00e9\u0302\u0303好"
    assert clean_line("x\u0302\u0303q\u0302\u0303", 10) == "x\u0302\u0303q\u0302\u0303"  # two each: all kept
    assert clean_line("  前后  ", 10) == "前后"
    assert clean_line("杯子👨\u200d👩\u200d👧", 3, points=4) == "杯子"  # a column's code points, never half a family


def test_cut_at_its_edges():
    assert cut("ab", 1) == "a" and cut("ab", 0) == "" and cut("ab", 5, points=1) == "a" and cut("ab", 5) == "ab"
    assert cut("杯子杯子杯", 10, points=3) == "杯子杯"  # the code points add up over the clusters
    assert cut("杯子杯子杯", 2) == "杯子" and cut("杯子", 5, points=0) == ""
    assert graphemes("ab") == 2 and graphemes("🇨🇳👍🏽") == 2


def _zip(path, parts: dict[str, bytes], stored: bool = True):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_check_size_and_read_bounded_at_the_limit(tmp_path, monkeypatch):
    exact = tmp_path / "exact.csv"
    exact.write_bytes(b"x" * (2 * MIB))
    assert check_size(exact, 2 * MIB) == 2 * MIB and len(read_bounded(exact, 2 * MIB)) == 2 * MIB
    exact.write_bytes(b"x" * (2 * MIB + 1))
    with pytest.raises(FileRefused) as refused:
        check_size(exact, 2 * MIB)
    assert "(2.0 MB, at most 2 MB)" in str(refused.value) and "（2.0 MB，最多 2 MB）" in str(refused.value)
    monkeypatch.setattr(files, "check_size", lambda path, limit: 0)  # it grew between the check and the read
    with pytest.raises(FileRefused, match="over 2 MB"):
        read_bounded(exact, 2 * MIB)
    with pytest.raises(FileRefused, match="cannot read the file: No such file"):
        check_size(tmp_path / "none.csv", MIB)


def test_check_xlsx_limits_at_their_edges(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_XLSX_PARTS", 3)
    check_xlsx(_zip(tmp_path / "three.xlsx", {f"p{n}.xml": b"x" for n in range(3)}))
    with pytest.raises(FileRefused, match="4 parts"):
        check_xlsx(_zip(tmp_path / "four.xlsx", {f"p{n}.xml": b"x" for n in range(4)}))
    monkeypatch.setattr(files, "MAX_XLSX_PARTS", 100)
    monkeypatch.setattr(files, "MAX_XLSX_PART", 1000)
    monkeypatch.setattr(files, "MAX_SHARED_STRINGS", 600)
    monkeypatch.setattr(files, "MAX_XLSX_TOTAL", 1500)
    check_xlsx(_zip(tmp_path / "edge.xlsx", {"a.xml": b"x" * 1000, "b.xml": b"x" * 500}))  # at each limit: fine
    for parts, words in (({"a.xml": b"x" * 1001}, "a.xml unpacks to"),
                         ({"a.xml": b"x" * 900, "b.xml": b"x" * 601}, "unpacks to 0 MB in all"),
                         ({"xl/sharedStrings.xml": b"x" * 601}, "xl/sharedStrings.xml unpacks to")):
        with pytest.raises(FileRefused, match=words):
            check_xlsx(_zip(tmp_path / "over.xlsx", parts))
    check_xlsx(_zip(tmp_path / "sheet.xlsx", {"xl/worksheets/sheet1.xml": b"x" * 601}))  # a sheet may be larger
    with pytest.raises(FileRefused, match="not a readable XLSX file \\(BadZipFile\\)"):
        (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
        check_xlsx(tmp_path / "bad.xlsx")


def test_the_packing_ratio_counts_for_parts_over_a_mib(tmp_path):
    check_xlsx(_zip(tmp_path / "small.xlsx", {"a.xml": b"\0" * MIB}, stored=False))  # 1 MiB: ratio not asked
    with pytest.raises(FileRefused) as refused:
        check_xlsx(_zip(tmp_path / "packed.xlsx", {"a.xml": b"\0" * (MIB + 1)}, stored=False))
    message = str(refused.value)
    ratio = (MIB + 1) // zipfile.ZipFile(tmp_path / "packed.xlsx").infolist()[0].compress_size
    assert f"a.xml 压缩比 {ratio:,}:1" in message and f"a.xml is packed {ratio:,}:1" in message
    assert message.startswith("表格文件异常，已拒绝（可能是压缩炸弹）：a.xml 压缩比") and "zip bomb): a.xml is" in message
    check_xlsx(_zip(tmp_path / "plain.xlsx", {"a.xml": bytes(range(256)) * 8192}))  # 2 MiB stored: 1 to 1


def test_a_cell_read_back_loses_only_the_escape():
    assert [from_spreadsheet_cell(c) for c in ("'=1", "'+86", "'abc", "=1", "'", "x'=1")] == \
        ["=1", "+86", "'abc", "=1", "'", "x'=1"]


def test_safe_value_walks_dicts_to_the_same_depth_and_keeps_what_is_not_a_container():
    value: object = 7
    for _ in range(MAX_DEPTH):
        value = {"k": value}
    kept = safe_value(value)
    for _ in range(MAX_DEPTH):
        kept = kept["k"]
    assert kept == 7  # a number as deep as it walks is kept (only containers past the depth go)
    deeper = safe_value({"k": value})
    for _ in range(MAX_DEPTH):
        deeper = deeper["k"]
    assert deeper is None
    assert clean_line("\u0301\u0301\u0301a", 5) == "\u0301\u0301a"  # marks with no character before: two kept


def test_the_bomb_messages_say_the_sizes(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_XLSX_PART", MIB)
    monkeypatch.setattr(files, "MAX_RATIO", 10**6)
    with pytest.raises(FileRefused) as part:
        check_xlsx(_zip(tmp_path / "part.xlsx", {"a.xml": b"x" * (3 * MIB)}))
    assert str(part.value) == ("表格文件异常，已拒绝（可能是压缩炸弹）：a.xml 解压后 3 MB / the spreadsheet was refused (shaped "
                               "like a zip bomb): a.xml unpacks to 3 MB (at most 1)")
    monkeypatch.setattr(files, "MAX_XLSX_PART", 4 * MIB)
    monkeypatch.setattr(files, "MAX_XLSX_TOTAL", 2 * MIB)
    with pytest.raises(FileRefused) as total:
        check_xlsx(_zip(tmp_path / "total.xlsx", {"a.xml": b"x" * (3 * MIB // 2), "b.xml": b"x" * (3 * MIB // 2)}))
    assert "：解压后共 3 MB / the spreadsheet" in str(total.value) and "unpacks to 3 MB in all (at most 2)" in str(
        total.value)
    grown = tmp_path / "grown.csv"
    grown.write_bytes(b"x" * (3 * MIB))
    monkeypatch.setattr(files, "check_size", lambda path, limit: 0)
    with pytest.raises(FileRefused) as late:
        read_bounded(grown, 2 * MIB)
    assert str(late.value) == "文件太大（超过 2 MB）/ the file is too large (over 2 MB)"
