"""Seeded damage to FIT files: what a dying watch, a bad USB cable or a broken upload does.

Used by the fuzz test (tests/test_fuzz.py, a few dozen mutants) and ``benchmarks/fuzz.py``
(thousands). The same ``(data, seed)`` always gives the same mutant, so a crash found by the
benchmark is reproduced from the seed it prints.

Kinds of damage, each a small function of ``(data, rng) -> bytes``:

- ``flip``: 1–8 random bit flips anywhere (header, definitions, data, CRC)
- ``cut``: the file ends at a random point (a watch whose battery died; an interrupted copy)
- ``duplicate``: a random chunk repeated in place (a flash page written twice)
- ``drop``: a random chunk removed (a lost page)
- ``header``: the header's size, data-size or protocol fields overwritten
- ``crc``: the header or file CRC changed
- ``zero``: a random chunk overwritten with zero bytes (erased flash)

CRCs are *not* repaired: the decoders must survive both checked and unchecked damage, and
python-fitparse rejects a bad file CRC, so most mutants exercise fitfast first.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator

Mutation = Callable[[bytes, random.Random], bytes]


def _span(data: bytes, rng: random.Random, most: int = 512) -> tuple[int, int]:
    start = rng.randrange(len(data))
    return start, min(len(data), start + rng.randint(1, most))


def flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def cut(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def duplicate(data: bytes, rng: random.Random) -> bytes:
    a, b = _span(data, rng)
    return data[:b] + data[a:b] + data[b:]


def drop(data: bytes, rng: random.Random) -> bytes:
    a, b = _span(data, rng)
    return data[:a] + data[b:]


def header(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    if len(out) < 14:
        return bytes(out)
    which = rng.choice(("size", "data_size", "protocol"))
    if which == "size":
        out[0] = rng.choice((0, 1, 11, 13, 15, 255))
    elif which == "data_size":
        out[4:8] = struct.pack("<I", rng.choice((0, 1, len(data) * 2, 2**31, 2**32 - 1, rng.randrange(2**32))))
    else:
        out[1] = rng.randrange(256)
    return bytes(out)


def crc(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    i = rng.choice((12, len(out) - 2)) if len(out) >= 14 else len(out) - 2
    out[i : i + 2] = rng.randbytes(2)
    return bytes(out)


def zero(data: bytes, rng: random.Random) -> bytes:
    a, b = _span(data, rng, most=4096)
    return data[:a] + bytes(b - a) + data[b:]


MUTATIONS: dict[str, Mutation] = {
    "flip": flip,
    "cut": cut,
    "duplicate": duplicate,
    "drop": drop,
    "header": header,
    "crc": crc,
    "zero": zero,
}


def mutant(data: bytes, seed: int) -> tuple[str, bytes]:
    """One mutant of ``data`` for ``seed``: (the kinds of damage applied, the damaged bytes).

    Most mutants get one kind of damage, one in four gets two (real damage rarely comes alone).
    """
    rng = random.Random(seed)
    names = [rng.choice(sorted(MUTATIONS))]
    if rng.random() < 0.25:
        names.append(rng.choice(sorted(MUTATIONS)))
    out = data
    for name in names:
        if out:
            out = MUTATIONS[name](out, rng)
    return "+".join(names), out


def mutants(data: bytes, n: int, seed: int = 0) -> Iterator[tuple[int, str, bytes]]:
    """``n`` mutants of ``data``: (seed, kinds, bytes) for seeds ``seed … seed + n - 1``."""
    for s in range(seed, seed + n):
        kinds, out = mutant(data, s)
        yield s, kinds, out


def cut_at(data: bytes, fraction: float) -> bytes:
    """The first ``fraction`` of the file: a watch that died part-way (no session, no CRC)."""
    return data[: max(14, int(len(data) * fraction))]
