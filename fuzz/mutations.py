"""Byte-level mutations: bit flips, truncation, extension, splicing, length and varint fields.

Every function takes the input's own :class:`random.Random`, so an input is a pure
function of (seed, target, index) and can be generated again to reproduce a finding.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Sequence

#: Integers that break length fields and counters most often.
INTERESTING_INTS = (
    0,
    1,
    2,
    7,
    8,
    63,
    64,
    127,
    128,
    255,
    256,
    4095,
    4096,
    4097,
    32767,
    32768,
    65535,
    65536,
    1_048_576,
    1_048_577,
    2**31 - 1,
    2**31,
    2**32 - 1,
    2**63 - 1,
)
INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xC3, 0xFE, 0xFF)


def random_bytes(rng: random.Random, size: int) -> bytes:
    """``size`` random bytes."""
    return rng.getrandbits(8 * size).to_bytes(size, "little") if size else b""


def zigzag_varint(value: int) -> bytes:
    """Avro's zig-zag variable-length encoding of a (64-bit) ``value``."""
    encoded = ((value << 1) ^ (value >> 63)) & (2**64 - 1)
    out = bytearray()
    while encoded >= 0x80:
        out.append((encoded & 0x7F) | 0x80)
        encoded >>= 7
    out.append(encoded)
    return bytes(out)


def _flip_bit(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    if data:
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)


def _set_byte(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    if data:
        data[rng.randrange(len(data))] = rng.choice(INTERESTING_BYTES)


def _random_byte(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    if data:
        data[rng.randrange(len(data))] = rng.randrange(256)


def _truncate(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    del data[rng.randrange(len(data) + 1) :]


def _extend(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    data.extend(random_bytes(rng, rng.choice((1, 2, 8, 64, rng.randrange(1, 2048)))))


def _insert(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    at = rng.randrange(len(data) + 1)
    data[at:at] = random_bytes(rng, rng.randrange(1, 17))


def _delete(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    if data:
        at = rng.randrange(len(data))
        del data[at : at + rng.randrange(1, 17)]


def _duplicate(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    if data:
        at = rng.randrange(len(data))
        chunk = data[at : at + rng.randrange(1, 65)]
        to = rng.randrange(len(data) + 1)
        data[to:to] = chunk * rng.choice((1, 2, 16))


def _splice(rng: random.Random, data: bytearray, others: Sequence[bytes]) -> None:
    """Replace a tail (or a middle) of ``data`` with a piece of another seed."""
    if not others:
        return
    other = rng.choice(others)
    at = rng.randrange(len(data) + 1)
    start = rng.randrange(len(other) + 1)
    piece = other[start : start + rng.randrange(1, len(other) + 2)]
    end = at if rng.random() < 0.5 else min(len(data), at + len(piece))
    data[at:end] = piece


def _length_field(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    """Overwrite a big-endian 2- or 4-byte field with an interesting length."""
    width = rng.choice((2, 4))
    if len(data) < width:
        return
    at = rng.randrange(len(data) - width + 1)
    value = rng.choice((*INTERESTING_INTS, len(data), len(data) - 1, len(data) + 1))
    data[at : at + width] = struct.pack(">H" if width == 2 else ">I", value % (256**width))


def _varint(rng: random.Random, data: bytearray, _: Sequence[bytes]) -> None:
    """Replace a byte with a zig-zag varint: huge, negative, or over-long (11 bytes)."""
    at = rng.randrange(len(data) + 1)
    choice = rng.random()
    if choice < 0.15:
        encoded = b"\xff" * rng.randrange(9, 12) + b"\x01"  # longer than any 64-bit varint
    else:
        value = rng.choice(INTERESTING_INTS)
        encoded = zigzag_varint(-value if choice < 0.5 else value)
    data[at : at + 1] = encoded


Mutator = Callable[[random.Random, bytearray, Sequence[bytes]], None]
MUTATORS: tuple[Mutator, ...] = (
    _flip_bit,
    _set_byte,
    _random_byte,
    _truncate,
    _extend,
    _insert,
    _delete,
    _duplicate,
    _splice,
    _length_field,
    _varint,
)


def mutate(rng: random.Random, data: bytes, others: Sequence[bytes] = ()) -> bytes:
    """``data`` after one to eight stacked mutations (``others``: material for splicing)."""
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
        rng.choice(MUTATORS)(rng, out, others)
    return bytes(out)


def junk(rng: random.Random) -> bytes:
    """Random bytes of a random, mostly small, length."""
    return random_bytes(rng, rng.choice((0, 1, 4, 10, 74, 75, 128, rng.randrange(4096))))
