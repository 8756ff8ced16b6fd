"""Structure-aware mutations of signed envelope records: framing, sections, datums, headers.

Most mutations change one part of the envelope (the protected header, the payload, a
length field), frame it again and, usually, sign it again with the seed's key: the
signature check then passes and the parsing behind it is what gets tested.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from typing import Any

from fuzz import datums, mutations
from fuzz.seeds import RecordSeed, signers
from schemas.catalog import header_schema, payload_schemas
from schemas.codec import (
    SINGLE_OBJECT_MAGIC,
    SINGLE_OBJECT_PREFIX_LEN,
    decode_binary,
    encode_binary,
)
from schemas.envelope import (
    HEADER_AGENCY,
    HEADER_ENVELOPE,
    HEADER_KEY_ID,
    HEADER_KIND,
    HEADER_MESSAGE_ID,
    MAGIC,
    SIGNING_CONTEXT,
    RecordHeaders,
)

#: A header name whose bytes are not UTF-8, as a tolerant Kafka client hands it over.
UNDECODABLE_NAME = b"\xff\xfe-name".decode("utf-8", "surrogateescape")
_NAMES = (
    HEADER_ENVELOPE,
    HEADER_KIND,
    HEADER_AGENCY,
    HEADER_KEY_ID,
    HEADER_MESSAGE_ID,
    "corridor-personal-data",
    "",
    UNDECODABLE_NAME,
    "\u00e9\ufffd",
    "x" * 2000,
)


@dataclass(frozen=True)
class RecordInput:
    """One generated Kafka record."""

    topic: str
    """Topic it is read from."""
    key: bytes | None
    """Its key."""
    headers: RecordHeaders
    """Its headers."""
    value: bytes | None
    """Its value (None: a tombstone)."""


def split(value: bytes) -> tuple[bytes, bytes]:
    """(protected header, payload) of a well-framed envelope."""
    (header_len,) = struct.unpack_from(">H", value, 4)
    header = value[6 : 6 + header_len]
    (payload_len,) = struct.unpack_from(">I", value, 6 + header_len)
    return header, value[10 + header_len : 10 + header_len + payload_len]


def frame(header: bytes, payload: bytes, signer_id: str | None, rng: random.Random) -> bytes:
    """Frame the sections, signed by ``signer_id``'s key (None: 64 random signature bytes)."""
    signed = b"".join(
        (
            MAGIC,
            struct.pack(">H", len(header) % 65536),
            header,
            struct.pack(">I", len(payload)),
            payload,
        )
    )
    key = signers().get(signer_id) if signer_id is not None else None
    if key is None:
        return signed + mutations.random_bytes(rng, 64)
    return signed + key.sign(SIGNING_CONTEXT + signed)


def _header_datum(header: bytes) -> dict[str, Any] | None:
    try:
        return decode_binary(header_schema(), header)
    except Exception:  # a mutated header: nothing to mutate structurally
        return None


def _encode_or(info: Any, datum: Any, fallback: bytes) -> bytes:
    try:
        return encode_binary(info, datum)
    except Exception:  # the writer refuses some mutated datums in its own ways: use bytes
        return fallback


def _mutate_payload(rng: random.Random, payload: bytes, others: list[bytes]) -> bytes:
    if len(payload) < SINGLE_OBJECT_PREFIX_LEN or payload[:2] != SINGLE_OBJECT_MAGIC:
        return mutations.mutate(rng, payload, others)
    fingerprint, body = payload[2:SINGLE_OBJECT_PREFIX_LEN], payload[SINGLE_OBJECT_PREFIX_LEN:]
    choice = rng.random()
    info = payload_schemas().get(fingerprint)
    if choice < 0.45 and info is not None:
        datum = _payload_datum(info, body)
        if datum is not None:
            mutated = datums.mutate_document(rng, datum)
            body = _encode_or(info, mutated, mutations.mutate(rng, body))
    elif choice < 0.8:
        body = mutations.mutate(rng, body, others)
    elif choice < 0.9:
        fingerprint = rng.choice([*payload_schemas(), mutations.random_bytes(rng, 8)])
    else:
        return rng.choice(others) if others else payload
    return SINGLE_OBJECT_MAGIC + fingerprint + body


def _payload_datum(info: Any, body: bytes) -> dict[str, Any] | None:
    try:
        return decode_binary(info, body)
    except Exception:  # an undecodable body is mutated as bytes instead
        return None


def _mutate_headers(rng: random.Random, headers: RecordHeaders) -> RecordHeaders:
    out = list(headers)
    for _ in range(rng.choice((1, 1, 2, 3))):
        action = rng.random()
        if action < 0.2 and out:
            del out[rng.randrange(len(out))]
        elif action < 0.35 and out:
            out.append(rng.choice(out))
        elif action < 0.6 and out:
            at = rng.randrange(len(out))
            out[at] = (out[at][0], mutations.mutate(rng, out[at][1]))
        elif action < 0.75 and out:
            at = rng.randrange(len(out))
            out[at] = (rng.choice(_NAMES), out[at][1])
        elif action < 0.9:
            value = rng.choice((b"", b"\xff\xfe", b"\x80" * 3, mutations.junk(rng)))
            out.insert(rng.randrange(len(out) + 1), (rng.choice(_NAMES), value))
        else:
            out = []
    return out


def _consistent_headers(datum: dict[str, Any], old: RecordHeaders) -> RecordHeaders:
    """Headers that match a mutated protected header, plus the seed's other headers."""
    try:
        fresh = [
            (HEADER_ENVELOPE, b"1"),
            (HEADER_KIND, str(datum["kind"]).encode("utf-8", "surrogatepass")),
            (HEADER_AGENCY, str(datum["agency"]).encode("utf-8", "surrogatepass")),
            (HEADER_KEY_ID, str(datum["key_id"]).encode("utf-8", "surrogatepass")),
            (HEADER_MESSAGE_ID, str(datum["message_id"]).encode("utf-8", "surrogatepass")),
        ]
    except (KeyError, TypeError):
        return old
    names = {name for name, _ in fresh}
    return fresh + [(n, v) for n, v in old if n not in names]


def mutated_record(
    rng: random.Random, seed: RecordSeed, seeds: tuple[RecordSeed, ...]
) -> RecordInput:
    """A record derived from ``seed`` (``seeds``: material for splicing)."""
    others = [s.value for s in seeds]
    value: bytes | None = seed.value
    headers = seed.headers
    key = seed.key
    choice = rng.random()
    header, payload = split(seed.value)
    datum = _header_datum(header)
    signer_id = None if datum is None else datum["key_id"]
    if choice < 0.02:
        value = None
    elif choice < 0.1:
        value = mutations.junk(rng) if rng.random() < 0.5 else MAGIC + mutations.junk(rng)
    elif choice < 0.3:
        value = mutations.mutate(rng, seed.value, others)
    elif choice < 0.55 and datum is not None:
        changed = datums.mutate_document(rng, datum)
        header = _encode_or(header_schema(), changed, mutations.mutate(rng, header))
        if rng.random() < 0.7:
            headers = _consistent_headers(changed, headers)
        value = frame(header, payload, signer_id if rng.random() < 0.9 else None, rng)
    elif choice < 0.8:
        payload = _mutate_payload(rng, payload, [split(o)[1] for o in others])
        value = frame(header, payload, signer_id if rng.random() < 0.9 else None, rng)
    elif choice < 0.9:
        header = mutations.mutate(rng, header, [split(o)[0] for o in others])
        value = frame(header, payload, signer_id, rng)
    if rng.random() < 0.3:
        headers = _mutate_headers(rng, headers)
    if rng.random() < 0.05:
        key = rng.choice((None, b"", mutations.junk(rng)))
    return RecordInput(topic=seed.topic, key=key, headers=headers, value=value)
