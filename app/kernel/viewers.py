"""Every viewer of a show in a few bytes: a table from a viewer's id to a small number (what they did, as bits),
kept as a 64-bit keyed hash of the id and the number in two flat arrays — no object a viewer, and no id kept as
text beyond the latest few thousand.

An exact UV must remember everyone who came. Kept as dict keys (issue #11: out of the collector's walk), a viewer
cost its id's string (~56 bytes, kept alive by the dict) and an entry in each dict (~40 bytes): with the room's and
the metrics' dicts about 136 bytes, and the process grew ~44 MB while 128,000 more viewers came (issue #32). Here a
viewer costs 8 bytes of key and the value's bytes in each table, times 1.5 to 3 (from a third to two thirds of the
slots in use; docs/benchmarks.md, "The viewers the collector does not walk").

What that gives up: two ids with the same 64-bit hash are one viewer. The hash is keyed with a salt of the table's
own (BLAKE2b), so no id can be made to collide ahead of time; by chance, among a million viewers the odds of any
pair colliding are about 1 in 37 million. A table's keys are pseudonyms of its ids, but linkable with its salt
(kept beside them in a checkpoint): personal data still, and dropped with the checkpoint when a viewer is erased.

Keying an id costs about a microsecond (BLAKE2b); the keys of the latest 4,096 ids are kept at hand (those in the
room now come back with every comment and like), so the metrics take ~0.7 µs an event more than with dict keys
(bench/metrics_cost.py). Not thread-safe: its owner's lock guards it (the metrics', the room's)."""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Iterator

import numpy

SALT_BYTES = 16
RECENT = 4096  # the ids whose keys are at hand (a dict, emptied when full): those in the room now come back often
_FIRST_SLOTS = 8  # a power of two; the table doubles when more than two slots in three are used
_INT32_SLOTS = 2**30  # the largest table placed with 32-bit arrays (a slot plus a count fit in them)


class ViewerTable:
    __slots__ = ("salt", "_keys", "_values", "_mask", "_size", "_typecode", "_recent")

    def __init__(self, typecode: str = "B", salt: bytes | None = None) -> None:
        """Values of `typecode` (array's: "B" for bits up to 255, "I" for larger stamps). `salt`: the key of the
        hash, 16 bytes (a checkpoint's own, to go on with its keys); a new random one by default."""
        if salt is None:
            salt = os.urandom(SALT_BYTES)
        if not isinstance(salt, bytes) or len(salt) != SALT_BYTES:
            raise ValueError(f"a viewer table's salt is {SALT_BYTES} bytes")
        self.salt = salt
        self._typecode = typecode
        self._keys = array("Q", bytes(8 * _FIRST_SLOTS))
        self._values = array(typecode, bytes(array(typecode).itemsize * _FIRST_SLOTS))
        self._mask = _FIRST_SLOTS - 1
        self._size = 0
        self._recent: dict[str, int] = {}  # id → key of the latest ids keyed (a hash costs ~1 µs, a dict ~0.05)

    def key(self, user: object) -> int:
        """The viewer's key: never 0 (an empty slot). An id that is not text is keyed by its text (1 and "1" are
        one viewer, as the platform's id would be)."""
        text = user if isinstance(user, str) else str(user)
        recent = self._recent
        key = recent.get(text)
        if key is None:
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8, key=self.salt).digest()
            key = int.from_bytes(digest, "little") or 1
            if len(recent) >= RECENT:
                recent.clear()
            recent[text] = key
        return key

    def _slot(self, key: int) -> int:
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key or not found:
                return slot
            slot = (slot + 1) & mask

    def at(self, key: int, default: int = 0) -> int:
        """The value kept for `key` (from `key`), or `default`."""
        slot = self._slot(key)
        return self._values[slot] if self._keys[slot] else default

    def find(self, user: object) -> tuple[int, int]:
        """(the viewer's key, the value kept for them or 0): `key` and `at` in one call, for the event path."""
        key = self._recent.get(user) if isinstance(user, str) else None
        if key is None:
            key = self.key(user)
        return key, self._values[self._slot(key)]  # an empty slot's value is 0 (`put` writes a key after its value)

    def put(self, key: int, value: int) -> None:
        """Keep `value` for `key`. Raises OverflowError for a value the table's type cannot hold."""
        slot = self._slot(key)
        if self._keys[slot]:
            self._values[slot] = value
            return
        self._values[slot] = value  # before the key: a value out of range leaves no viewer behind
        self._keys[slot] = key
        self._size += 1
        if 3 * self._size > 2 * (self._mask + 1):
            self._grow()

    def get(self, user: object, default: int = 0) -> int:
        return self.at(self.key(user), default)

    def __setitem__(self, user: object, value: int) -> None:
        self.put(self.key(user), value)

    def __contains__(self, user: object) -> bool:
        return bool(self._keys[self._slot(self.key(user))])

    def __len__(self) -> int:
        return self._size

    def items(self) -> Iterator[tuple[int, int]]:
        """(key, value) of every viewer, in the table's order."""
        return ((key, value) for key, value in zip(self._keys, self._values) if key)

    def values(self) -> Iterator[int]:
        return (value for key, value in zip(self._keys, self._values) if key)

    def holding(self, bits: int) -> int:
        """How many viewers' values hold every one of `bits` (counted in C: a restored show's figures at once)."""
        keys = numpy.frombuffer(self._keys, dtype=numpy.uint64)
        values = numpy.frombuffer(self._values, dtype=numpy.dtype(self._typecode))
        return int(numpy.count_nonzero((values & bits == bits) & (keys != 0)))

    def copy(self) -> ViewerTable:
        """A copy (the arrays' blocks copied: quick under its owner's lock)."""
        twin = ViewerTable.__new__(ViewerTable)
        twin.salt, twin._typecode, twin._mask, twin._size = self.salt, self._typecode, self._mask, self._size
        twin._recent = {}
        twin._keys, twin._values = array("Q", self._keys), array(self._typecode, self._values)
        return twin

    def packed(self) -> tuple[bytes, bytes]:
        """(keys, values) of every viewer as little-endian bytes, in the table's order: what `unpacked` reads.
        The used slots are picked in C (numpy over the arrays' own memory): a checkpoint packs 200,000 viewers in
        milliseconds, where a loop over every slot took ~45 ms of the writer's thread (bench/checkpoint_cost.py)."""
        keys = numpy.frombuffer(self._keys, dtype=numpy.uint64)
        used = keys != 0
        values = numpy.frombuffer(self._values, dtype=numpy.dtype(self._typecode))
        return (keys[used].astype("<u8", copy=False).tobytes(),
                values[used].astype(values.dtype.newbyteorder("<"), copy=False).tobytes())

    @classmethod
    def unpacked(cls, typecode: str, salt: bytes, keys: bytes, values: bytes) -> ViewerTable:
        """The table `packed` described, with its salt. Raises ValueError for bytes that are not one: lengths
        that do not match, a key 0, a key twice."""
        table = cls(typecode, salt)
        dtype = numpy.dtype(typecode)
        if len(keys) % 8 or len(values) != len(keys) // 8 * dtype.itemsize:
            raise ValueError("a viewer table's keys and values do not match")
        read_keys = numpy.frombuffer(keys, dtype="<u8").astype(numpy.uint64)
        read_values = numpy.frombuffer(values, dtype=dtype.newbyteorder("<")).astype(dtype)
        ordered = numpy.sort(read_keys)
        if len(ordered) and (not ordered[0] or (ordered[1:] == ordered[:-1]).any()):
            raise ValueError("a viewer table holds a key 0 or a key twice")
        slots = _FIRST_SLOTS
        while 3 * len(read_keys) > 2 * slots:
            slots *= 2
        table._keys, table._values = _placed(read_keys, read_values, slots, typecode)
        table._mask, table._size = slots - 1, len(read_keys)
        return table

    def nbytes(self) -> int:
        """The bytes its two arrays hold."""
        return len(self._keys) * 8 + len(self._values) * self._values.itemsize

    def _grow(self) -> None:
        keys = numpy.frombuffer(self._keys, dtype=numpy.uint64)
        used = keys != 0
        values = numpy.frombuffer(self._values, dtype=numpy.dtype(self._typecode))
        self._keys, self._values = _placed(keys[used], values[used], 2 * (self._mask + 1), self._typecode)
        self._mask = len(self._keys) - 1


def _placed(keys, values, slots: int, typecode: str) -> tuple[array, array]:
    """Two arrays of `slots` slots (a power of two) holding `keys` (numpy uint64, none 0, none twice) with their
    `values` as `put` would have placed them in some order: each key at its home slot (its low bits) or the first
    free one after it, past the end to the start. Made in C (numpy) in one pass, where a loop over the slots held the
    owner's lock for ~33 ms at 175,000 viewers and ~130 ms at 700,000 (each doubling of the table).

    In the order of their home slots, a key goes to its home or to the slot after the one before it, whichever is
    later: its slot is i + the running maximum of (home - i). Those pushed past the end take the first free slots
    from the start, in order (a key's probe goes on from the end to the start).

    The placing's own arrays are 32-bit and worked in place, and the new table is made after them: a doubling's
    moment takes ~27 bytes a viewer beyond the new table, where int64 arrays and a new one for each step took ~60
    (~10 MB at 175,000 viewers), and it is quicker (docs/benchmarks.md, "Opening a long show's review")."""
    count = len(keys)
    if count:
        small = numpy.int32 if slots <= _INT32_SLOTS else numpy.int64  # a slot + a count fit
        home = (keys & numpy.uint64(slots - 1)).astype(small)
        order = numpy.argsort(home, kind="stable").astype(small)
        at = home[order]
        del home
        step = numpy.arange(count, dtype=small)
        at -= step
        numpy.maximum.accumulate(at, out=at)
        at += step
        del step
        inside = int(numpy.searchsorted(at, slots))  # `at` rises: those past the end are its tail
    new_keys = array("Q", [0]) * slots  # made at their size (no zeroed bytes copied), after the placing's arrays
    new_values = array(typecode, [0]) * slots
    if count:
        key_view = numpy.frombuffer(new_keys, dtype=numpy.uint64)
        value_view = numpy.frombuffer(new_values, dtype=numpy.dtype(typecode))
        key_view[at[:inside]] = keys[order[:inside]]
        value_view[at[:inside]] = values[order[:inside]]
        slot = 0
        for index in order[inside:].tolist():  # the last run's tail, past the end: rare, and a few keys
            while new_keys[slot]:
                slot += 1
            new_keys[slot], new_values[slot] = int(keys[index]), int(values[index])
    return new_keys, new_values
