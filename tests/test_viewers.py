"""The viewers' table (app/kernel/viewers.py): a viewer's id → a small number in a hashed key and a value, as a dict
would keep it; packed and read back; its refusals; a v1 checkpoint's ids read into it."""

from __future__ import annotations


import numpy
import pytest
from hypothesis import example, given, settings, strategies as st

from app.kernel.viewers import SALT_BYTES, ViewerTable

SALT = bytes(range(SALT_BYTES))
IDS = st.text(max_size=12) | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1,
                                     max_size=2)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(IDS, st.integers(0, 255)), max_size=300), probes=st.lists(IDS, max_size=20))
def test_it_keeps_what_a_dict_would_through_its_growth(steps, probes):
    """Any ids (a lone surrogate too), set and set again: the same values, the same count, as a dict; what was never
    set reads as the default; packed and read back, the same table."""
    table, expected = ViewerTable("B", SALT), {}
    for user, value in steps:
        table[user] = value
        expected[user] = value
        assert len(table) == len(expected)
    for user in list(expected) + probes:
        assert table.get(user, -1) == expected.get(user, -1)
        assert (user in table) == (user in expected)
    assert sorted(table.values()) == sorted(expected.values())
    for bits in (0, 1, 4, 5, 6, 255):  # how many hold every one of `bits`: what a restored show's figures count
        assert table.holding(bits) == sum(value & bits == bits for value in expected.values())
    assert sorted(table.items()) == sorted((table.key(u), v) for u, v in expected.items())
    again = ViewerTable.unpacked("B", SALT, *table.packed())
    assert sorted(again.items()) == sorted(table.items()) and len(again) == len(table)
    assert all(again.get(u) == v for u, v in expected.items())


def test_it_doubles_when_two_slots_in_three_are_used_and_keeps_nine_bytes_a_viewer_at_most_three_times():
    table = ViewerTable("B", SALT)
    assert table.nbytes() == 8 * 9
    for n in range(5):
        table[f"u{n}"] = 1
    assert table.nbytes() == 8 * 9  # 5 of 8: under two thirds
    table["u5"] = 1
    assert table.nbytes() == 16 * 9  # 6 of 8: past them
    for n in range(6, 200_000):
        table[f"u{n}"] = 1
    assert len(table) == 200_000 and 1.5 * 9 <= table.nbytes() / len(table) <= 3 * 9
    assert table.get("u0") == table.get("u199999") == 1 and table.get("u200000") == 0


def test_a_doubling_takes_for_a_moment_under_32_bytes_a_viewer_beyond_the_table_it_makes():
    """The placing's arrays are 32-bit and worked in place (with int64 arrays and a new one for every step the
    moment's peak was ~60 bytes a viewer: ~10 MB at 175,000 viewers, under the metrics' lock)."""
    import tracemalloc

    table = ViewerTable("B", SALT)
    viewers = 2 * 131_072 // 3  # the next one doubles the table
    for n in range(viewers):
        table[f"u{n}"] = 1
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        table["one more"] = 1
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.nbytes() == 262_144 * 9 and (after - before) / viewers == pytest.approx(27.6, abs=0.5)
    assert (peak - after) / viewers < 32
    assert table.get("u0") == table.get(f"u{viewers - 1}") == table.get("one more") == 1


def test_a_key_is_never_zero_its_salt_changes_it_and_an_id_not_text_is_keyed_by_its_text(monkeypatch):
    import hashlib

    table, other = ViewerTable("B", SALT), ViewerTable("B", bytes(SALT_BYTES))
    assert table.key("u1") == table.key("u1") != other.key("u1")
    assert table.key(5) == table.key("5") and table.key(None) == table.key("None")
    assert table.key("\ud800") != table.key("\ud801")  # a lone surrogate is an id like any other
    expected = hashlib.blake2b("主播".encode(), digest_size=8, key=SALT).digest()
    assert table.key("主播") == int.from_bytes(expected, "little")

    class Zero:
        def digest(self):
            return bytes(8)

    monkeypatch.setattr(hashlib, "blake2b", lambda *a, **k: Zero())
    assert table.key("anything") == 1  # 0 marks an empty slot


def test_find_gives_the_key_and_the_value_and_the_latest_keys_are_kept_at_most_recent_at_a_time():
    from app.kernel.viewers import RECENT

    table, fresh = ViewerTable("B", SALT), ViewerTable("B", SALT)
    assert table.find("u1") == (fresh.key("u1"), 0)
    table["u1"] = 5
    assert table.find("u1") == (fresh.key("u1"), 5) and table.find(7) == (fresh.key("7"), 0)
    assert table.find(["u1"]) == (fresh.key("['u1']"), 0)  # an id of no text type: keyed by its text, never looked up
    for n in range(RECENT - 3):
        table.key(f"v{n}")
    assert len(table._recent) == RECENT  # u1, "7", "['u1']" and the RECENT - 3 others
    assert table.key("one more") == fresh.key("one more") and len(table._recent) == 1  # emptied, then kept
    assert table.get("u1") == 5 and table.key("v0") == fresh.key("v0")  # keyed again the same
    twin = table.copy()
    assert twin._recent == {} and twin.get("u1") == 5


def test_a_new_table_has_a_salt_of_its_own_and_a_bad_salt_is_refused():
    assert ViewerTable().salt != ViewerTable().salt and len(ViewerTable().salt) == SALT_BYTES
    for bad in (b"", bytes(SALT_BYTES - 1), bytes(SALT_BYTES + 1), "x" * SALT_BYTES):
        with pytest.raises(ValueError, match="^a viewer table's salt is 16 bytes$"):
            ViewerTable("B", bad)


def test_colliding_slots_probe_on_and_wrap_around_the_table():
    """Keys that share their low bits take the next free slots, past the table's end too; each keeps its value."""
    table = ViewerTable("I", SALT)
    keys = [6 + 8 * n for n in range(5)]  # slot 6 each in eight slots: 6, 7, 0, 1, 2
    for value, key in enumerate(keys, start=1):
        table.put(key, value)
    assert [table.at(key) for key in keys] == [1, 2, 3, 4, 5] and table.at(6 + 8 * 9) == 0
    assert list(table.items()) == [(keys[2], 3), (keys[3], 4), (keys[4], 5), (keys[0], 1), (keys[1], 2)]
    table.put(keys[3], 40)
    assert table.at(keys[3]) == 40 and len(table) == 5


def test_a_value_out_of_range_leaves_no_viewer_behind():
    table = ViewerTable("B", SALT)
    with pytest.raises(OverflowError):
        table["u1"] = 256
    assert len(table) == 0 and "u1" not in table and list(table.items()) == []
    table["u1"] = 255
    assert table.get("u1") == 255


def test_a_copy_is_its_own():
    table = ViewerTable("B", SALT)
    table["a"] = 1
    twin = table.copy()
    twin["a"], twin["b"] = 3, 4
    assert (table.get("a"), "b" in table, len(table)) == (1, False, 1)
    assert (twin.get("a"), twin.get("b"), len(twin), twin.salt) == (3, 4, 2, SALT)


def test_packed_bytes_are_little_endian_in_the_tables_order_and_what_is_not_a_table_is_refused():
    table = ViewerTable("I", SALT)
    table.put(9, 2**20)
    table.put(2, 7)
    keys, values = table.packed()
    assert keys == (9).to_bytes(8, "little") + (2).to_bytes(8, "little")  # by slot: 9 in slot 1, 2 in slot 2
    assert values == (2**20).to_bytes(4, "little") + (7).to_bytes(4, "little")
    assert sorted(ViewerTable.unpacked("I", SALT, keys, values).items()) == [(2, 7), (9, 2**20)]
    unlike = "^a viewer table's keys and values do not match$"
    twice = "^a viewer table holds a key 0 or a key twice$"
    for bad_keys, bad_values, why in ((keys[:-1], values, unlike), (keys, values[:-4], unlike),
                                      (keys + bytes(8), values + bytes(4), twice), (bytes(8), bytes(4), twice),
                                      (keys + keys[:8], values + values[:4], twice)):
        with pytest.raises(ValueError, match=why):
            ViewerTable.unpacked("I", SALT, bad_keys, bad_values)
    assert ViewerTable("I", SALT).nbytes() == 8 * (8 + 4)  # eight slots of a key and four bytes


def test_a_checkpoint_of_the_first_version_is_read_into_the_table():
    """A state kept before the table (v1: the ids as text, a list a bit) gives the same figures, and the state it
    keeps now holds no id as text."""
    import zlib

    from app.kernel.events import Event, EventType as T
    from app.metrics.live import SessionMetrics
    from app.store import checkpoint

    def ev(t, kind, **payload):
        return Event(kind, payload, stream_time=t)

    events = [ev(0.5, T.PRODUCT_PINNED, product_id=1), ev(1, T.ENTER, user_id="甲"), ev(2, T.ENTER, user_id="乙"),
              ev(3, T.COMMENT, user_id="乙", text="hi"),
              ev(4, T.ORDER, user_id="丙", product_id=1, amount_cents=100, order_id="o1"),
              ev(5, T.COMMENT, user_id="丁", text="x")]
    metrics = SessionMetrics().feed(events)
    state = metrics.state()
    blob = checkpoint.encode(state)
    start = len(checkpoint.MAGIC) + 8
    kept = zlib.decompress(blob[start:start + int.from_bytes(blob[len(checkpoint.MAGIC):start], "little")]).decode()
    assert state["v"] == 3 and not any(user.encode() in blob for user in "甲乙丁")  # only a buyer's id is kept as text
    assert "丙" in kept
    old = {k: v for k, v in state.items() if k != "viewers"}
    old.update(v=1, viewers=["甲", "乙"], interacting=["乙", "丁"], buyers=["丙"],
               windows=[{**state["windows"][0], "entrants": ["甲", "乙"]}])
    for restored in (SessionMetrics.from_state(old), SessionMetrics.from_state(checkpoint.decode(blob))):
        counts = restored.room_counts()
        assert (counts.uv, counts.interacting_viewers, restored._buyer_count, restored._buying_viewers) == (2, 1, 1, 0)
        assert len(restored.windows[0].entrants) == 2 and "甲" in restored.windows[0].entrants
        later = [ev(6, T.ENTER, user_id="丙"), ev(7, T.ENTER, user_id="甲"),  # a buyer enters: a viewer who bought
                 ev(8, T.ORDER, user_id="乙", product_id=1, amount_cents=50, order_id="o2")]
        whole = SessionMetrics().feed(events + later).snapshot(now=9)
        assert restored.feed(later).snapshot(now=9) == whole and whole.products[0].conversion == 2 / 3  # 乙, 丙 of 3
    for broken in ({**state["viewers"], "salt": "zz"}, {**state["viewers"], "keys": ["!!"]},
                   {**state["viewers"], "keys": state["viewers"]["keys"][:-1]}, {**state["viewers"], "bits": b""},
                   {**state["viewers"], "bits": []}, {k: v for k, v in state["viewers"].items() if k != "salt"}):
        with pytest.raises(ValueError, match="not a metrics state"):
            SessionMetrics.from_state({**state, "viewers": broken})
    with pytest.raises(ValueError, match="of this version"):
        SessionMetrics.from_state({**state, "v": 4})


def _every_key_reachable(table: ViewerTable) -> None:
    """Linear probing's rule: from a key's home slot to its own, no slot is empty (a lookup would stop there)."""
    keys, mask = list(table._keys), table._mask
    for slot, key in enumerate(keys):
        if key:
            probe = key & mask
            while probe != slot:
                assert keys[probe], f"key {key} at {slot}: slot {probe} on its way is empty"
                probe = (probe + 1) & mask


# keys whose low bits are the last few slots of a table of 8 to 1,024 slots: runs that go past the end and wrap
CROWDED = st.builds(lambda bits, back, high: ((1 << bits) - 1 - back) + (high << bits),
                    st.integers(3, 10), st.integers(0, 3), st.integers(0, 2**50))


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.integers(1, 2**64 - 1) | CROWDED, unique=True, max_size=400))
def test_doubling_and_reading_back_place_every_key_where_a_lookup_finds_it(keys):
    """Keys crowding the tables' last slots (runs past the end) through every doubling, and the same read back from
    their packed bytes: each found with its value, each on a path of used slots from its home, none lost."""
    table = ViewerTable("I", SALT)
    for value, key in enumerate(keys, start=1):
        table.put(key, value)
        if value & (value - 1) == 0 or value == len(keys):  # after each doubling's point, and at the end
            _every_key_reachable(table)
    assert len(table) == len(keys) and all(table.at(key) == value for value, key in enumerate(keys, start=1))
    again = ViewerTable.unpacked("I", SALT, *table.packed())
    _every_key_reachable(again)
    assert again.nbytes() == table.nbytes() and len(again) == len(keys)
    assert all(again.at(key) == value for value, key in enumerate(keys, start=1))
    absent = next(key for key in range(1, len(keys) + 2) if key not in keys)
    assert table.at(absent, -1) == again.at(absent, -1) == -1
    # `find` reads an empty slot's value as what a new viewer has: every empty slot holds 0, doubled or read back
    assert table.find("never came") == (table.key("never came"), 0)
    assert again.find("never came") == (again.key("never came"), 0)
    assert all(not value for key, value in zip(again._keys, again._values) if not key)
    assert all(not value for key, value in zip(table._keys, table._values) if not key)


def test_a_doubling_moves_a_run_past_the_end_to_the_first_free_slots_from_the_start():
    """Five keys at home in the last slot of eight, then of sixteen: the doubled table puts one at 15 and the rest
    in the first free slots from the start, after a key at home in slot 0, which keeps its slot."""
    table = ViewerTable("B", SALT)
    crowded = [15 + 16 * n for n in range(5)]  # slot 7 of 8 and slot 15 of 16
    for key in crowded:
        table.put(key, 1)
    table.put(16 * 7, 2)  # slot 0 of 8 and of 16: the sixth key; 6 of 8 used, so the table doubles
    assert table._mask == 15
    # in eight slots they were at 7, 0, 1, 2, 3 and 16 * 7 at 4: taken in that order, 31 first at its home 15
    assert list(table._keys) == [16 * 7, 47, 63, 79, 15] + [0] * 10 + [31]
    assert table.at(16 * 7) == 2 and all(table.at(key) == 1 for key in crowded)


@settings(max_examples=50, deadline=None)
@given(keys=st.lists(st.integers(1, 2**64 - 1) | CROWDED, unique=True, min_size=1, max_size=300))
@example(keys=[int(k) for k in numpy.unique(numpy.random.default_rng(5).integers(1, 2**63, 5_000))])
@example(keys=[1_023 - n % 4 + (n << 10) for n in range(600)])  # runs past the end of 1,024 slots
def test_a_table_too_large_for_32_bit_placing_is_placed_the_same_with_64_bit_arrays(keys):
    """Past 2**30 slots the placing's arrays are 64-bit (a slot plus a count would not fit in 32): with that limit
    lowered, every table small enough to build here is placed through the 64-bit path, to the same slots."""
    import app.kernel.viewers as viewers

    values = numpy.arange(1, len(keys) + 1, dtype=numpy.uint32)
    ordered = numpy.array(keys, dtype=numpy.uint64)
    slots = 8
    while 3 * len(keys) > 2 * slots:
        slots *= 2
    narrow = viewers._placed(ordered, values, slots, "I")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(viewers, "_INT32_SLOTS", 4)
        wide = viewers._placed(ordered, values, slots, "I")
    assert list(wide[0]) == list(narrow[0]) and list(wide[1]) == list(narrow[1])
    assert sorted(k for k in wide[0] if k) == sorted(keys)
