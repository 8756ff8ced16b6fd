"""The recall-notice vectors: the hub's notice to GR-HCG, and copies that must fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.catalog import recall_schema
from schemas.json_mapping import from_json
from schemas.message_vectors.hub import HUB_ID, HUB_PRODUCED_AT, hub_key
from schemas.message_vectors.ids import delivery_id, recall_message_id
from schemas.message_vectors.records import MustFail, _record_json, _resealed, headers_hex
from schemas.signing import SignedRecord, sign_recall
from schemas.topics import TopicNames


def _recall_json(alert: SignedRecord, recipient: str) -> dict[str, Any]:
    header = alert.header
    return {
        "recalled_delivery_id": delivery_id(recipient, header.message_id),
        "recipient": recipient,
        "message_id": header.message_id,
        "origin": header.agency,
        "key_id": header.key_id,
        "alert_id": alert.alert_id,
        "revision": alert.revision,
        "produced_at": "2026-11-24T08:30:00.250Z",
        "compromised_at": "2026-11-24T08:00:00Z",
        "registry_version": 2,
        "reason": "key_compromised",
        "issued_at": "2026-11-24T10:15:00Z",
    }


def _recall_vectors(
    topics: TopicNames, keys: dict[str, Ed25519PrivateKey], alert: SignedRecord
) -> dict[str, Any]:
    recall_json = _recall_json(alert, "GR-HCG")
    datum = from_json(recall_schema().schema, recall_json)
    message_id = recall_message_id(recall_json["recalled_delivery_id"])

    def signed(body: dict[str, Any], key: Ed25519PrivateKey, signer: str) -> SignedRecord:
        return sign_recall(
            body, key, topics, signer, produced_at=HUB_PRODUCED_AT, message_id=message_id
        )

    good = signed(datum, hub_key(), HUB_ID)
    did = delivery_id("GR-HCG", message_id).encode()
    headers = [*good.headers, ("corridor-delivery-id", did)]
    by_member = signed(datum, keys["PK-FIA"], "PK-FIA")
    other_recipient = _resealed(
        signed({**datum, "recipient": "EU-EUROPOL"}, hub_key(), HUB_ID),
        hub_key(),
        topic=topics.inbox("GR-HCG"),
    )

    def reader(agency: str) -> Callable[[MustFail], MustFail]:
        def add(vector: MustFail) -> MustFail:
            return MustFail(
                vector.name,
                vector.description,
                vector.value,
                vector.headers,
                vector.reason,
                {"reader": agency},
            )

        return add

    invalid = [
        reader("EU-EUROPOL")(
            MustFail(
                "copied-into-another-inbox",
                "GR-HCG's genuine notice read by EU-EUROPOL (its inbox)",
                good.value,
                headers,
                reasons.WRONG_TOPIC,
                {},
            )
        ),
        reader("GR-HCG")(
            MustFail(
                "signed-by-a-member",
                "PK-FIA signs a recall notice",
                by_member.value,
                [*by_member.headers, ("corridor-delivery-id", did)],
                reasons.AGENCY_MISMATCH,
                {},
            )
        ),
        reader("GR-HCG")(
            MustFail(
                "names-another-recipient",
                "the hub signs, for GR-HCG's inbox, a notice whose recipient is EU-EUROPOL",
                other_recipient[0],
                [*other_recipient[1], ("corridor-delivery-id", did)],
                reasons.AGENCY_MISMATCH,
                {},
            )
        ),
    ]
    valid = _record_json(good, "expected_recall", recall_json)
    valid["headers"] = headers_hex(headers)
    return {
        "valid": [{"name": "key-compromised", "reader": "GR-HCG", **valid}],
        "invalid": [v.to_json() for v in invalid],
    }
