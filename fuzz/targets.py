"""The fuzz targets: one per parser, each a generator of inputs and a check of one input.

A check returns ``accepted`` or the rejection's reason code; any other exception, or a
reason code outside the parser's published set, is a crash. Invariants of accepted
inputs (the fast Avro decoder agrees with the reference, an accepted JSON alert encodes)
are checked too: a broken invariant is a crash as well.
"""

from __future__ import annotations

import base64
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry

from fuzz import datums, mutations, registry_inputs
from fuzz.envelope_inputs import RecordInput, mutated_record
from fuzz.seeds import alert_documents, record_seeds, registry_roots, registry_seeds
from schemas import reasons
from schemas.catalog import alert_schema, header_schema, personal_data_schema
from schemas.codec import decode_single_object, encode_single_object, reference_decode_binary
from schemas.envelope import check_record_headers, open_envelope
from schemas.errors import DocumentError, RegistryError, ValidationError, VerifyError
from schemas.json_mapping import alert_from_json, to_json
from schemas.quarantine import MAX_RECORD_BYTES, SourceRecord
from schemas.registry import REJECTION_REASONS, RegistryState
from schemas.user_files import loads_json_bytes
from streams.metrics import StreamMetrics
from streams.verifier import Rejected, Verifier

ACCEPTED = "accepted"


class InvariantBroken(AssertionError):
    """An input was accepted, but what was accepted breaks a property the code relies on."""


@dataclass(frozen=True)
class Target:
    """One parser under test."""

    name: str
    """Its name on the command line and in the report."""
    codes: frozenset[str]
    """The reason codes its rejections may carry."""
    generate: Callable[[random.Random], Any]
    """One input, from the input's own random generator."""
    check: Callable[[Any], str]
    """``accepted`` or the rejection's reason code; raises on a crash."""
    describe: Callable[[Any], dict[str, Any]]
    """The input as JSON (saved beside a crash or a hang)."""


def _hex(data: bytes | None) -> str | None:
    return None if data is None else data.hex()


def _describe_record(record: RecordInput) -> dict[str, Any]:
    return {
        "topic": record.topic,
        "key_hex": _hex(record.key),
        "headers": [
            [name.encode("utf-8", "surrogateescape").hex(), value.hex()]
            for name, value in record.headers
        ],
        "value_hex": _hex(record.value),
    }


def _record(rng: random.Random) -> tuple[int, RecordInput]:
    seeds = record_seeds()
    index = rng.randrange(len(seeds))
    return index, mutated_record(rng, seeds[index], seeds)


# -- the envelope decoder (schemas/envelope.py, schemas/codec.py) ----------------------


def _same(a: Any, b: Any) -> bool:
    """Equal datums, where NaN equals NaN (both decoders read the same NaN bits)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _fast_agrees_with_reference(info: Any, body: bytes, fast: dict[str, Any]) -> None:
    reference = reference_decode_binary(info, body)
    if not _same(reference, fast):
        raise InvariantBroken(f"fastavro and the reference decode {info.fullname} differently")


def check_envelope(record: RecordInput) -> str:
    """Frame, protected header, Kafka headers and payload of one record; no signature."""
    try:
        envelope = open_envelope(record.value or b"")
        check_record_headers(envelope.header, record.headers)
        info, datum = decode_single_object(envelope.payload)
    except VerifyError as exc:
        return exc.reason
    header_bytes = envelope.signed[6 : 6 + len(envelope.signed) - 10 - len(envelope.payload)]
    _fast_agrees_with_reference(header_schema(), header_bytes, envelope.header.to_datum())
    _fast_agrees_with_reference(info, envelope.payload[10:], datum)
    return ACCEPTED


# -- the verifier's whole check of an inbound record (streams/verifier.py) -------------


class VerifierTarget:
    """One :class:`Verifier` per vector file (trust store and topics), fresh metrics."""

    def __init__(self) -> None:
        self._verifiers: dict[int, Verifier] = {}
        self._metrics = StreamMetrics.create(CollectorRegistry())

    def generate(self, rng: random.Random) -> tuple[int, RecordInput]:
        return _record(rng)

    def check(self, case: tuple[int, RecordInput]) -> str:
        index, record = case
        seed = record_seeds()[index]
        verifier = self._verifiers.get(id(seed.trust_store))
        if verifier is None:
            verifier = Verifier(seed.trust_store, seed.topics, self._metrics)
            self._verifiers[id(seed.trust_store)] = verifier
        source = SourceRecord(
            record.topic, 0, index, record.key, record.value, list(record.headers)
        )
        result = verifier.check(source, seed.arrived_at)
        if not isinstance(result, Rejected):
            return ACCEPTED
        if len(result.quarantine_value) > MAX_RECORD_BYTES:
            raise InvariantBroken("quarantine record over its bound")
        json.loads(result.quarantine_value)
        return result.reason


# -- the JSON mapping (schemas/json_mapping.py) -----------------------------------------


def generate_json(rng: random.Random) -> bytes:
    """An alerts-file document: a mutated alert, mutated text, deep nesting or junk."""
    document = rng.choice(alert_documents())
    choice = rng.random()
    if choice < 0.55:
        text = json.dumps(datums.mutate_document(rng, document, json_only=True))
        return text.encode("utf-8", "surrogatepass")
    raw = json.dumps(document, ensure_ascii=rng.random() < 0.5).encode()
    if choice < 0.9:
        return mutations.mutate(rng, raw)
    if choice < 0.95:
        return datums.deeply_nested(rng).encode()
    return mutations.junk(rng)


def check_json(data: bytes) -> str:
    """Decode an alerts-file document and map it to the alert datum and its personal data."""
    try:
        document = loads_json_bytes(data, "alerts file")
    except DocumentError:
        return reasons.MALFORMED_PAYLOAD
    try:
        alert, personal = alert_from_json(document)
    except ValidationError as exc:
        if not exc.problems:
            raise InvariantBroken("a ValidationError without problems") from exc
        return reasons.INVALID_ALERT
    # What the mapping accepts, the Avro writer must encode, and map back to itself.
    encode_single_object(alert_schema(), alert)
    if personal is not None:
        encode_single_object(personal_data_schema(), personal)
    again, _ = alert_from_json(to_json(alert))
    if again != alert:
        raise InvariantBroken("to_json and alert_from_json do not round-trip")
    return ACCEPTED


# -- the key registry parser (schemas/registry/, schemas/truststore/) -------------


class RegistryTarget:
    """A follower with nothing installed, and one with the first version installed."""

    def __init__(self) -> None:
        roots, _, self._now = registry_roots()
        self._empty = RegistryState(roots)
        self._installed = RegistryState(roots)
        self._installed.apply(registry_seeds()[0].value, self._now)

    def check(self, case: tuple[bool, bytes]) -> str:
        installed, value = case
        state = self._installed if installed else self._empty
        try:
            state.check(value, self._now)
        except RegistryError as exc:
            return exc.reason
        return ACCEPTED


def _registry_generate(rng: random.Random) -> tuple[bool, bytes]:
    return rng.random() < 0.5, registry_inputs.generate(rng)


def targets() -> dict[str, Target]:
    """Every target, by name (built once per process: they hold verifiers and states)."""
    verifier = VerifierTarget()
    registry = RegistryTarget()
    return {
        "envelope": Target(
            "envelope",
            frozenset(reasons.ALL),
            lambda rng: _record(rng)[1],
            check_envelope,
            _describe_record,
        ),
        "verifier": Target(
            "verifier",
            frozenset(reasons.ALL),
            verifier.generate,
            verifier.check,
            lambda case: {"seed": record_seeds()[case[0]].name, **_describe_record(case[1])},
        ),
        "json": Target(
            "json",
            frozenset((reasons.MALFORMED_PAYLOAD, reasons.INVALID_ALERT)),
            generate_json,
            check_json,
            lambda data: {"document_b64": base64.b64encode(data).decode()},
        ),
        "registry": Target(
            "registry",
            frozenset(REJECTION_REASONS),
            _registry_generate,
            registry.check,
            lambda case: {"installed": case[0], "value_b64": base64.b64encode(case[1]).decode()},
        ),
    }
