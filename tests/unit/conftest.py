"""Fixtures for unit tests: keys, a trust store and alerts, no broker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from producers.scenarios import sample_datum
from schemas.keys import generate_private_key
from schemas.topics import TopicNames
from schemas.truststore import TrustStore

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def topics() -> TopicNames:
    return TopicNames("unit")


@pytest.fixture
def fia_key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def tr_key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def trust_store(fia_key: Ed25519PrivateKey, tr_key: Ed25519PrivateKey) -> TrustStore:
    store = TrustStore(agencies={})
    store = store.with_key("PK-FIA", "Federal Investigation Agency", fia_key.public_key())
    return store.with_key("TR-SG", "Turkish Coast Guard", tr_key.public_key())


@pytest.fixture
def alert() -> dict[str, Any]:
    return sample_datum("PK-FIA", 1, now=NOW)
