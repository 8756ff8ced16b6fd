"""Receipts: signing and verifying them, the recipient's choice, and the hub's ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.inbox.check import InboxItem
from consumers.receipts.ledger import (
    ACTIONED,
    RECEIVED,
    REJECTED,
    VERIFIED,
    ReceiptLedger,
    receipt_datum,
)
from consumers.receipts.sender import receipts_for_item
from schemas import reasons
from schemas.catalog import receipt_schema
from schemas.errors import VerifyError
from schemas.signing import RECEIPT_KIND, _seal_payload, sign_receipt
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import verify_receipt

TOPICS = TopicNames("t")
AT = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _receipt(recipient: str = "GR-HCG", status: str = VERIFIED) -> dict[str, object]:
    return receipt_datum(
        delivery_id="d-1",
        message_id="m-1",
        origin="PK-FIA",
        recipient=recipient,
        status=status,
        at=AT,
    )


@pytest.fixture(scope="module")
def keys() -> dict[str, Ed25519PrivateKey]:
    return {a: Ed25519PrivateKey.generate() for a in ("GR-HCG", "TR-SG")}


@pytest.fixture(scope="module")
def trust_store(keys: dict[str, Ed25519PrivateKey]) -> TrustStore:
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    return store


def test_a_signed_receipt_verifies(
    keys: dict[str, Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    record = sign_receipt(_receipt(), keys["GR-HCG"], TOPICS)
    assert record.topic == "t.receipts.GR-HCG"
    assert record.key == b"d-1"
    verified = verify_receipt(record.value, record.headers, trust_store, TOPICS)
    assert verified.receipt["status"] == VERIFIED
    assert verified.receipt["at"] == AT


def test_an_agency_cannot_sign_a_receipt_for_another(
    keys: dict[str, Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    # TR-SG signs, for its own receipts topic, a receipt that speaks for GR-HCG.
    forged = _receipt(recipient="GR-HCG")
    header, value = _seal_payload(
        RECEIPT_KIND,
        TOPICS.receipts("TR-SG"),
        "TR-SG",
        receipt_schema(),
        forged,
        keys["TR-SG"],
        None,
        None,
    )
    with pytest.raises(VerifyError) as info:
        verify_receipt(value, header.record_headers(), trust_store, TOPICS)
    assert info.value.reason == reasons.AGENCY_MISMATCH


def test_a_receipt_signed_for_another_agencys_topic_is_refused(
    keys: dict[str, Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    header, value = _seal_payload(
        RECEIPT_KIND,
        TOPICS.receipts("GR-HCG"),
        "TR-SG",
        receipt_schema(),
        _receipt(recipient="TR-SG"),
        keys["TR-SG"],
        None,
        None,
    )
    with pytest.raises(VerifyError) as info:
        verify_receipt(value, header.record_headers(), trust_store, TOPICS)
    assert info.value.reason == reasons.WRONG_TOPIC


def test_receipt_status_is_checked() -> None:
    with pytest.raises(ValueError, match="not one of"):
        _receipt(status="SEEN")


@pytest.mark.parametrize(
    ("verified", "statuses", "note"),
    [
        pytest.param(True, [RECEIVED, VERIFIED], None, id="verified"),
        pytest.param(False, [RECEIVED, REJECTED], "bad_signature", id="rejected"),
    ],
)
def test_receipts_for_an_item(verified: bool, statuses: list[str], note: str | None) -> None:
    item = InboxItem(
        delivery_id="d-9",
        partition=0,
        offset=3,
        verified=verified,
        document={} if verified else {"reason": "bad_signature"},
        message_id="m-9",
        origin="PK-FIA",
    )
    receipts = receipts_for_item("GR-HCG", item, AT)
    assert [r["status"] for r in receipts] == statuses
    assert receipts[-1]["note"] == note
    assert {r["recipient"] for r in receipts} == {"GR-HCG"}


def test_no_receipt_without_a_delivery_id() -> None:
    item = InboxItem(delivery_id=None, partition=0, offset=0, verified=False, document={})
    assert receipts_for_item("GR-HCG", item, AT) == []


def test_ledger_pairs_deliveries_and_receipts_in_either_order() -> None:
    ledger = ReceiptLedger()
    ledger.delivered("a", "GR-HCG", 100.0)
    ledger.delivered("b", "GR-HCG", 110.0)
    ledger.delivered("c", "TR-SG", 120.0)
    assert ledger.unacknowledged(130.0) == {"GR-HCG": (2, 30.0), "TR-SG": (1, 10.0)}

    outcome = ledger.receipt("a", "GR-HCG", RECEIVED, 101.5)
    assert (outcome.accepted, outcome.first, outcome.latency_s) == (True, True, 1.5)
    assert ledger.receipt("a", "GR-HCG", RECEIVED, 102.0).first is False
    assert ledger.unacknowledged(130.0) == {"GR-HCG": (1, 20.0), "TR-SG": (1, 10.0)}

    # A receipt that arrives before the delivery is paired when the delivery shows up.
    early = ledger.receipt("d", "TR-SG", VERIFIED, 140.0)
    assert early.latency_s is None
    assert ledger.delivered("d", "TR-SG", 139.0) == [(VERIFIED, 1.0)]

    # An agency cannot acknowledge someone else's delivery.
    assert not ledger.receipt("b", "TR-SG", ACTIONED, 150.0).accepted
    assert ledger.unacknowledged(150.0)["GR-HCG"] == (1, 40.0)


def test_ledger_drops_early_receipts_of_the_wrong_agency() -> None:
    ledger = ReceiptLedger()
    ledger.receipt("x", "TR-SG", VERIFIED, 10.0)
    assert ledger.delivered("x", "GR-HCG", 9.0) == []
    assert ledger.unacknowledged(20.0) == {"GR-HCG": (1, 11.0)}


def test_ledger_forgets_before_the_horizon() -> None:
    ledger = ReceiptLedger()
    ledger.delivered("old", "GR-HCG", 10.0)
    ledger.delivered("new", "GR-HCG", 100.0)
    assert ledger.forget_before(50.0) == 1
    assert len(ledger) == 1
    assert ledger.unacknowledged(110.0) == {"GR-HCG": (1, 10.0)}
