"""Sealing personal data: round trip, tamper evidence, redaction and stripping (properties)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import personal_data as pd
from schemas import reasons
from schemas.catalog import (
    PERSONAL_DATA_PROPERTY,
    alert_schema,
    personal_data_fields,
    personal_data_schema,
    sealed_fields,
)
from schemas.errors import SealError, ValidationError, VerifyError
from schemas.json_mapping import from_json
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import verify_alert

AGENCY, ALERT_ID, REVISION = "PK-FIA", "PK-FIA-2026-000001", 3
# One fixed set of keys: X25519 key generation is not what is under test.
KEYS = [X25519PrivateKey.generate() for _ in range(4)]
RECIPIENTS = [pd.RecipientKey.of(k.public_key()) for k in KEYS]
OUTSIDER = X25519PrivateKey.generate()

_text = st.one_of(st.none(), st.text(max_size=40))
persons = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["VICTIM", "MIGRANT", "WITNESS"]),
            "full_name": _text,
            "date_of_birth": st.one_of(
                st.none(), st.from_regex(r"[0-9]{4}(-[0-9]{2})?", fullmatch=True)
            ),
            "nationality": _text,
            "document_number": _text,
            "notes": _text,
        }
    ),
    min_size=1,
    max_size=5,
)
personal_datas = st.builds(lambda p: {"persons": p}, persons)


def _seal(personal: dict[str, Any], recipients: list[pd.RecipientKey] = RECIPIENTS) -> pd.Sealed:
    return pd.seal(
        personal, agency=AGENCY, alert_id=ALERT_ID, revision=REVISION, recipients=recipients
    )


def _open(
    commitment: dict[str, Any], attachment: bytes, key: X25519PrivateKey
) -> dict[str, Any] | None:
    """What a recipient does: check against the commitment, then decrypt."""
    checked = pd.check_attachment(commitment, [(pd.HEADER, attachment)], required=True)
    assert checked is not None
    return pd.open_sealed(
        commitment, checked, agency=AGENCY, alert_id=ALERT_ID, revision=REVISION, private_key=key
    )


@given(personal_datas)
def test_every_recipient_recovers_exactly_what_was_sealed(personal: dict[str, Any]) -> None:
    sealed = _seal(personal)
    for key in KEYS:
        assert _open(sealed.commitment, sealed.attachment, key) == personal


@given(personal_datas)
def test_a_key_that_was_not_sealed_to_cannot_open(personal: dict[str, Any]) -> None:
    sealed = _seal(personal)
    assert _open(sealed.commitment, sealed.attachment, OUTSIDER) is None
    # Relabelling someone else's wrap with the outsider's key id does not help it either.
    attachment = pd.decode_attachment(sealed.attachment)
    stolen = {**attachment["wraps"][0], "key_id": pd.RecipientKey.of(OUTSIDER.public_key()).key_id}
    relabelled = pd.encode_attachment({**attachment, "wraps": [stolen]})
    with pytest.raises(VerifyError) as info:
        _open(sealed.commitment, relabelled, OUTSIDER)
    assert info.value.reason == reasons.PERSONAL_DATA_MISMATCH


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(personal_datas, st.data())
def test_any_byte_flip_of_the_attachment_never_yields_the_data(
    personal: dict[str, Any], data: st.DataObject
) -> None:
    sealed = _seal(personal, RECIPIENTS[:1])
    position = data.draw(st.integers(0, len(sealed.attachment) - 1), label="position")
    bit = data.draw(st.integers(0, 7), label="bit")
    flipped = bytearray(sealed.attachment)
    flipped[position] ^= 1 << bit
    try:
        opened = _open(sealed.commitment, bytes(flipped), KEYS[0])
    except VerifyError as exc:
        assert exc.reason == reasons.PERSONAL_DATA_MISMATCH
    else:
        # Only a flip inside the wrap's key id can get this far: then no wrap is ours.
        assert opened is None


def _flip(value: bytes, position: int) -> bytes:
    flipped = bytearray(value)
    flipped[position % len(value)] ^= 0x01
    return bytes(flipped)


@given(personal_datas, st.integers(min_value=0), st.sampled_from(["ciphertext", "wrap", "eph"]))
def test_a_flipped_ciphertext_or_wrap_byte_is_rejected(
    personal: dict[str, Any], position: int, part: str
) -> None:
    sealed = _seal(personal, RECIPIENTS[:2])
    attachment = pd.decode_attachment(sealed.attachment)
    if part == "ciphertext":
        attachment["ciphertext"] = _flip(attachment["ciphertext"], position)
    elif part == "wrap":
        attachment["wraps"][0]["wrapped_key"] = _flip(
            attachment["wraps"][0]["wrapped_key"], position
        )
    else:
        wrap = attachment["wraps"][0]
        wrap["ephemeral_public"] = _flip(wrap["ephemeral_public"], position)
    with pytest.raises(VerifyError) as info:
        _open(sealed.commitment, pd.encode_attachment(attachment), KEYS[0])
    assert info.value.reason == reasons.PERSONAL_DATA_MISMATCH


@given(
    personal_datas,
    st.integers(min_value=0),
    st.sampled_from(["nonce", "ciphertext_sha256", "key_commitment"]),
)
def test_a_flipped_commitment_byte_is_rejected(
    personal: dict[str, Any], position: int, field: str
) -> None:
    sealed = _seal(personal, RECIPIENTS[:1])
    commitment = {**sealed.commitment, field: _flip(sealed.commitment[field], position)}
    with pytest.raises(VerifyError) as info:
        _open(commitment, sealed.attachment, KEYS[0])
    assert info.value.reason == reasons.PERSONAL_DATA_MISMATCH


@given(personal_datas)
def test_ciphertext_is_bound_to_the_alert_revision(personal: dict[str, Any]) -> None:
    sealed = _seal(personal, RECIPIENTS[:1])
    checked = pd.check_attachment(
        sealed.commitment, [(pd.HEADER, sealed.attachment)], required=True
    )
    assert checked is not None
    with pytest.raises(VerifyError):
        pd.open_sealed(
            sealed.commitment,
            checked,
            agency=AGENCY,
            alert_id=ALERT_ID,
            revision=REVISION + 1,
            private_key=KEYS[0],
        )


@given(personal_datas, st.integers(0, len(KEYS) - 1))
def test_stripping_for_a_recipient_leaves_exactly_its_wrap(
    personal: dict[str, Any], chosen: int
) -> None:
    sealed = _seal(personal)
    mine = RECIPIENTS[chosen].key_id
    headers = [("corridor-kind", b"alert"), (pd.HEADER, sealed.attachment), ("x", b"y")]
    stripped = pd.headers_for_recipient(headers, cleared=True, key_ids={mine})
    assert [n for n, _ in stripped] == ["corridor-kind", pd.HEADER, "x"]
    value = pd.attachment_of(stripped)
    assert value is not None
    attachment = pd.decode_attachment(value)
    original = pd.decode_attachment(sealed.attachment)
    assert attachment["ciphertext"] == original["ciphertext"]
    assert attachment["wraps"] == [w for w in original["wraps"] if w["key_id"] == mine]
    assert len(attachment["wraps"]) == 1
    assert _open(sealed.commitment, value, KEYS[chosen]) == personal
    for index, key in enumerate(KEYS):
        if index != chosen:
            assert _open(sealed.commitment, value, key) is None


@given(personal_datas, st.booleans())
def test_redaction_leaves_no_attachment(personal: dict[str, Any], has_keys: bool) -> None:
    sealed = _seal(personal)
    headers = [(pd.HEADER, sealed.attachment), ("corridor-kind", b"alert")]
    key_ids = {r.key_id for r in RECIPIENTS} if has_keys else set()
    assert pd.headers_for_recipient(headers, cleared=False, key_ids=key_ids) == [
        ("corridor-kind", b"alert")
    ]
    # Cleared, but no key of its own among the wraps: nothing either.
    outsider = {pd.RecipientKey.of(OUTSIDER.public_key()).key_id}
    assert pd.headers_for_recipient(headers, cleared=True, key_ids=outsider) == [
        ("corridor-kind", b"alert")
    ]


@given(personal_datas)
def test_no_plaintext_field_appears_in_the_attachment_or_commitment(
    personal: dict[str, Any],
) -> None:
    sealed = _seal(personal)
    commitment_bytes = b"".join(sealed.commitment.values())
    for person in personal["persons"]:
        for name in ("full_name", "document_number", "notes"):
            value = person[name]
            if value is not None and len(value.encode()) >= 8:
                assert value.encode() not in sealed.attachment
                assert value.encode() not in commitment_bytes


def test_sealing_needs_a_recipient() -> None:
    with pytest.raises(SealError):
        _seal({"persons": [{"role": "VICTIM"}]}, [])


def test_two_attachments_are_a_mismatch() -> None:
    sealed = _seal({"persons": [{"role": "VICTIM"}]})
    headers = [(pd.HEADER, sealed.attachment), (pd.HEADER, sealed.attachment)]
    with pytest.raises(VerifyError) as info:
        pd.check_attachment(sealed.commitment, headers, required=True)
    assert info.value.reason == reasons.PERSONAL_DATA_MISMATCH


def test_schema_marks_plaintext_fields_and_the_alert_has_none_in_clear() -> None:
    assert personal_data_fields(alert_schema().schema) == []
    assert sealed_fields() == ["personal_data"]
    assert personal_data_fields() == [
        "persons",
        "persons[].full_name",
        "persons[].date_of_birth",
        "persons[].nationality",
        "persons[].document_number",
        "persons[].notes",
    ]
    assert personal_data_schema().schema.other_props[PERSONAL_DATA_PROPERTY] is True


# --- through signing and verification -------------------------------------------------------

CANARY = "Canary-Personal-7f3a9c"
PERSONAL = from_json(
    personal_data_schema().schema,
    {"persons": [{"role": "VICTIM", "full_name": CANARY, "date_of_birth": "2008-04"}]},
)


def _signed_with_personal_data(
    alert: dict[str, Any], key: Ed25519PrivateKey, topics: TopicNames
) -> Any:
    return sign_alert(
        alert, key, topics, personal_data=copy.deepcopy(PERSONAL), recipients=RECIPIENTS[:2]
    )


def test_a_signed_record_carries_the_commitment_and_never_the_plaintext(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = _signed_with_personal_data(alert, fia_key, topics)
    assert CANARY.encode() not in record.value
    assert all(CANARY.encode() not in v for _, v in record.headers)
    verified = verify_alert(
        record.value, record.headers, trust_store, topics, read_topic=record.topic
    )
    assert set(verified.alert["personal_data"]) == {"nonce", "ciphertext_sha256", "key_commitment"}
    assert verified.attachment is not None
    opened = pd.open_sealed(
        verified.alert["personal_data"],
        verified.attachment,
        agency=alert["agency"],
        alert_id=alert["alert_id"],
        revision=alert["revision"],
        private_key=KEYS[1],
    )
    assert opened == PERSONAL


def test_hub_rejects_an_inbound_record_without_its_attachment(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = _signed_with_personal_data(alert, fia_key, topics)
    headers = [(n, v) for n, v in record.headers if n != pd.HEADER]
    with pytest.raises(VerifyError) as info:
        verify_alert(record.value, headers, trust_store, topics, read_topic=record.topic)
    assert info.value.reason == reasons.PERSONAL_DATA_MISMATCH
    # An inbox copy may come without: the hub redacted it for that recipient.
    assert (
        verify_alert(record.value, headers, trust_store, topics, read_topic=None).attachment is None
    )


def test_an_attachment_on_an_alert_without_commitment_is_rejected(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = sign_alert(alert, fia_key, topics)
    sealed = _seal(PERSONAL)
    headers = [*record.headers, (pd.HEADER, sealed.attachment)]
    with pytest.raises(VerifyError) as info:
        verify_alert(record.value, headers, trust_store, topics, read_topic=record.topic)
    assert info.value.reason == reasons.PERSONAL_DATA_MISMATCH


def test_an_attachment_sealed_anew_by_someone_else_is_rejected(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = _signed_with_personal_data(alert, fia_key, topics)
    forged = pd.seal(
        {"persons": [{"role": "MIGRANT", "full_name": "someone else"}]},
        agency=alert["agency"],
        alert_id=alert["alert_id"],
        revision=alert["revision"],
        recipients=RECIPIENTS[:1],
    )
    headers = [(n, v) for n, v in record.headers if n != pd.HEADER] + [
        (pd.HEADER, forged.attachment)
    ]
    with pytest.raises(VerifyError) as info:
        verify_alert(record.value, headers, trust_store, topics, read_topic=None)
    assert info.value.reason == reasons.PERSONAL_DATA_MISMATCH


def test_plaintext_personal_data_in_the_alert_is_refused_before_signing(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    with pytest.raises(ValidationError) as info:
        sign_alert({**alert, "personal_data": PERSONAL}, fia_key, topics)
    assert CANARY not in str(info.value)


def test_personal_data_rules_never_quote_the_data(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    bad = {"persons": [{"role": "VICTIM", "full_name": CANARY, "date_of_birth": CANARY}]}
    with pytest.raises(ValidationError) as info:
        sign_alert(alert, fia_key, topics, personal_data=bad, recipients=RECIPIENTS[:1])
    assert info.value.problems == [
        "personal_data.persons[0].date_of_birth: write YYYY, YYYY-MM or YYYY-MM-DD"
    ]
    assert CANARY not in str(info.value)
