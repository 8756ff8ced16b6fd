"""Stable reason codes for rejected messages.

They appear in quarantine records, in the ``reason`` label of metrics and in the
test vectors, so partners can rely on them: never rename one, only add.
"""

from __future__ import annotations

MALFORMED_ENVELOPE = "malformed_envelope"
"""The bytes are not a Corridor envelope (magic, version, lengths)."""
MALFORMED_HEADER = "malformed_header"
"""The protected header does not decode with the EnvelopeHeader schema."""
HEADER_MISMATCH = "header_mismatch"
"""A Kafka record header disagrees with the signed header, or a required one is missing."""
WRONG_TOPIC = "wrong_topic"
"""The signed topic is not the topic the message was read from (or the sender's inbound topic)."""
WRONG_KIND = "wrong_kind"
"""The signed message kind is not accepted where the message was read."""
UNKNOWN_AGENCY = "unknown_agency"
"""The signing agency is not in the trust store."""
UNKNOWN_KEY = "unknown_key"
"""The key id is not registered for the signing agency."""
KEY_NOT_VALID = "key_not_valid"
"""The key exists but is revoked, expired or not yet valid at the produce time."""
BAD_SIGNATURE = "bad_signature"
"""The Ed25519 signature does not verify over the received bytes."""
UNKNOWN_SCHEMA = "unknown_schema"
"""The payload's schema fingerprint is not one this verifier knows."""
SCHEMA_MISMATCH = "schema_mismatch"
"""The payload's schema differs from the one named in the signed header, or from the kind's."""
MALFORMED_PAYLOAD = "malformed_payload"
"""The payload does not decode with its schema."""
AGENCY_MISMATCH = "agency_mismatch"
"""The alert claims an originating agency other than its signer."""
INVALID_ALERT = "invalid_alert"
"""The alert decodes but breaks a semantic rule of the contract."""
PERSONAL_DATA_MISMATCH = "personal_data_mismatch"
"""The encrypted personal data (Kafka header) is malformed, missing on an inbound topic,
or does not match the signed commitment: substituted or damaged on the way."""
REPLAYED = "replayed"
"""A message the hub already accepted arrived again in another Kafka record (same signed
message id): a replay, whatever topic partition or key it came with."""
STALE_MESSAGE = "stale_message"
"""The signed produce time is older than the freshness window allows at arrival."""
FUTURE_MESSAGE = "future_message"
"""The signed produce time is later than arrival plus the allowed clock skew."""
REGISTRY_EXPIRED = "registry_expired"
"""The verifier's key registry has expired (or no valid one has been received yet): it
verifies nothing until a fresh registry arrives."""
TOMBSTONE = "tombstone"
"""The record has no value (a Kafka tombstone): a hub service quarantines it before any
other check, on any topic it reads."""
RECORD_TOO_LARGE = "record_too_large"
"""What the hub would pass on for this record was refused by the Kafka client or broker
for the record itself (too large, invalid): no retry can write it."""
UNPROCESSABLE = "unprocessable"
"""The record made a hub stage fail in a way no other reason describes (an unforeseen
shape); quarantined so that the stage goes on with the next record."""

UNDECODABLE_HEADER = "undecodable_header"
"""A Kafka header name of the record is not UTF-8 (the protocol requires it, the broker does
not check): quarantined before any other check, on any topic a hub service reads."""

POISON = (TOMBSTONE, RECORD_TOO_LARGE, UNPROCESSABLE, UNDECODABLE_HEADER)
"""Reasons about a record's size or shape rather than its content: counted apart
(``corridor_poison_records``) and alerted on, whatever the service."""

ALL = (
    MALFORMED_ENVELOPE,
    MALFORMED_HEADER,
    HEADER_MISMATCH,
    WRONG_TOPIC,
    WRONG_KIND,
    UNKNOWN_AGENCY,
    UNKNOWN_KEY,
    KEY_NOT_VALID,
    BAD_SIGNATURE,
    UNKNOWN_SCHEMA,
    SCHEMA_MISMATCH,
    MALFORMED_PAYLOAD,
    AGENCY_MISMATCH,
    INVALID_ALERT,
    PERSONAL_DATA_MISMATCH,
    REPLAYED,
    STALE_MESSAGE,
    FUTURE_MESSAGE,
    REGISTRY_EXPIRED,
    TOMBSTONE,
    RECORD_TOO_LARGE,
    UNPROCESSABLE,
    UNDECODABLE_HEADER,
)
