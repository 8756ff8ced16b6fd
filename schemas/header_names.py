"""Kafka header names that are not UTF-8: read without failing, recognised, quarantined.

The Kafka protocol makes a header name a UTF-8 string, but the broker does not check it.
A record whose header name is not UTF-8 made both Kafka clients fail on every fetch of
its partition (kafka-python: ``CorruptRecordError``, aiokafka: ``UnicodeDecodeError``), so
the partition stopped for every hub service. The clients' record parsing is wrapped
(``consumers.kafka_clients``, ``streams.kafka_transport``) to decode such a name with
``surrogateescape`` instead, as an :class:`UndecodableName`: its lone surrogates can come
from no UTF-8 name, and a hub stage quarantines the record with
``reasons.UNDECODABLE_HEADER`` before any other check.
"""

from __future__ import annotations

from typing import Any

from schemas.envelope import RecordHeaders


class UndecodableName(str):
    """A header name whose bytes are not UTF-8, decoded with ``surrogateescape``.

    ``encode()`` gives back the original bytes by default, so a client that measures or
    writes the name again (kafka-python counts header sizes this way) does not fail.
    """

    def encode(self, encoding: str = "utf-8", errors: str = "surrogateescape") -> bytes:
        return str.encode(self, encoding, errors)


def decode_name(raw: bytes) -> str:
    """A header name's bytes as text: UTF-8, else an :class:`UndecodableName`."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return UndecodableName(raw.decode("utf-8", "surrogateescape"))


def is_undecodable(name: str) -> bool:
    """True for a name read from bytes that are not UTF-8 (it holds lone surrogates)."""
    try:
        str.encode(name, "utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(name: str) -> str:
    """``name`` as valid text: the bytes of an undecodable one written as ``\\xNN``."""
    if not is_undecodable(name):
        return name
    return str.encode(name, "utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def undecodable_problem(headers: RecordHeaders) -> str | None:
    """Why ``headers`` cannot be handled (a name that is not UTF-8), or None."""
    for name, _ in headers:
        if is_undecodable(name):
            raw = str.encode(name, "utf-8", "surrogateescape")
            return f"Kafka header name {raw[:64].hex()} (hex) is not UTF-8"
    return None


class _TolerantSlice(bytes):
    """A slice of a record batch whose ``decode()`` is :func:`decode_name`."""

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return decode_name(bytes(self))


class TolerantBuffer(bytearray):
    """A record batch's bytes whose slices decode header names with :func:`decode_name`.

    Both clients' pure-Python record parsers read a header name as
    ``buffer[start:end].decode("utf-8")``, and nothing else of a record is decoded that
    way: giving them this buffer, on the rare record that failed, is the whole patch.
    """

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        return _TolerantSlice(item) if isinstance(index, slice) else item
