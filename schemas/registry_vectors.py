"""Test vectors of the signed key registry and of the sealing recipients it implies.

Written to ``schemas/vectors/registry-v1.json`` by ``python -m schemas.vectorgen``
(docs/wire-format.md sections 9.4.5 and 6.8). Three fixed test roots, threshold 2;
two accepted versions and a sequence of updates a follower must refuse, each with
its reason; then, from the accepted version 2, the recipients a producer seals an
alert's personal data to for several markings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from schemas import registry as reg
from schemas.clearances import Clearance
from schemas.json_mapping import format_timestamp
from schemas.keys import key_id, raw_public_key
from schemas.personal_data_vectors import RECIPIENT_SEEDS
from schemas.truststore import TrustStore, dump_trust_store

#: Root holders' test seeds. **Test keys; never deploy them.**
ROOT_SEEDS = {
    "chair": bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"),
    "deputy": bytes.fromhex("1f2e3d4c5b6a79889706b5c4d3e2f1000112233445566778899aabbccddeeff1"),
    "auditor": bytes.fromhex("2f3e4d5c6b7a89980716c5d4e3f201100112233445566778899aabbccddeeff2"),
}
THRESHOLD = 2
ISSUED_AT = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
VALID_FOR = dt.timedelta(days=30)
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)

_LE = frozenset({"interior_ministry", "investigation_agency", "border_guard", "coast_guard"})
CLEARANCES = {
    "PK-FIA": Clearance("investigation_agency", True, "AMBER_STRICT", True, _LE | {"eu_partner"}),
    "GR-HCG": Clearance("coast_guard", True, "AMBER_STRICT", True, _LE | {"eu_partner"}),
    "TR-SG": Clearance("coast_guard", True, "AMBER_STRICT", False, _LE | {"eu_partner"}),
    "EU-EUROPOL": Clearance("eu_partner", True, "AMBER_STRICT", True, _LE | {"eu_partner"}),
    "IOM": Clearance("international_organisation", True, "AMBER", True, _LE | {"eu_partner"}),
}

#: Markings of the vectors' alert (from PK-FIA), and whom the rule of section 6.8 clears
#: for its personal data and which of those have no encryption key (worked out by hand).
SEALING_CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    (
        "amber-h1",
        {"tlp": "AMBER", "tlp_recipients": [], "handling_code": "H1"},
        ["EU-EUROPOL", "GR-HCG", "IOM"],
        ["IOM"],
    ),
    (
        "amber-h2-law-enforcement-only",
        {"tlp": "AMBER", "tlp_recipients": [], "handling_code": "H2"},
        ["EU-EUROPOL", "GR-HCG"],
        [],
    ),
    (
        "amber-strict-above-iom",
        {"tlp": "AMBER_STRICT", "tlp_recipients": [], "handling_code": "H0"},
        ["EU-EUROPOL", "GR-HCG"],
        [],
    ),
    (
        "red-named",
        {"tlp": "RED", "tlp_recipients": ["GR-HCG", "TR-SG"], "handling_code": "H1"},
        ["GR-HCG"],
        [],
    ),
    (
        "h3-named-without-key",
        {"tlp": "GREEN", "tlp_recipients": ["IOM"], "handling_code": "H3"},
        ["IOM"],
        ["IOM"],
    ),
]


def _root(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(ROOT_SEEDS[name])


def roots() -> reg.RootKeys:
    """The vectors' root file."""
    return reg.make_roots([(n, _root(n).public_key()) for n in ROOT_SEEDS], THRESHOLD)


def _store(signing: dict[str, Ed25519PrivateKey], hub: Ed25519PrivateKey) -> TrustStore:
    store = (
        TrustStore(agencies={}).with_hub("TF-HUB").with_key("TF-HUB", "TF-HUB", hub.public_key())
    )
    for agency in CLEARANCES:
        if agency in signing:
            store = store.with_key(agency, agency, signing[agency].public_key())
        else:
            seed = hashlib.sha256(b"corridor-test-vectors/" + agency.encode()).digest()
            store = store.with_key(
                agency, agency, Ed25519PrivateKey.from_private_bytes(seed).public_key()
            )
    for agency, seed in RECIPIENT_SEEDS.items():
        public = X25519PrivateKey.from_private_bytes(seed).public_key()
        store = store.with_encryption_key(agency, agency, public)
    return store.with_clearances(CLEARANCES)


def _version(
    store: TrustStore,
    version: int,
    previous: reg.SignedRegistry | None,
    signers: tuple[str, ...],
    *,
    issued_at: dt.datetime = ISSUED_AT,
) -> reg.SignedRegistry:
    signed = reg.draft(
        store,
        version=version,
        issued_at=issued_at,
        expires_at=issued_at + VALID_FOR,
        previous_digest=None if previous is None else previous.digest,
    )
    for name in signers:
        signed = signed.signed_by(_root(name))
    return signed


def _step(
    name: str,
    description: str,
    installed: str | None,
    value: bytes,
    now: dt.datetime,
    expected: str,
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "installed": installed,
        "now": format_timestamp(now),
        "value_hex": value.hex(),
        "expected": expected,
    }


def _hub_with_encryption_key(v2: reg.SignedRegistry) -> reg.SignedRegistry:
    """Version 3 whose document gives the hub an encryption key (signed by two roots)."""
    import json

    body = json.loads(v2.document)
    gr = body["trust_store"]["agencies"]["GR-HCG"]["encryption_keys"]
    body["trust_store"]["agencies"]["TF-HUB"]["encryption_keys"] = gr
    body["version"] = 3
    body["previous_digest"] = v2.digest
    document = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return reg.SignedRegistry(document).signed_by(_root("chair")).signed_by(_root("deputy"))


def build(signing: dict[str, Ed25519PrivateKey], hub: Ed25519PrivateKey) -> dict[str, Any]:
    """The registry vectors document (``signing``: the envelope vectors' agency keys)."""
    store = _store(signing, hub)
    v1 = _version(store, 1, None, ("chair", "deputy"))
    v2 = _version(store, 2, v1, ("chair", "auditor"))
    other_v2 = _version(
        store, 2, v1, ("chair", "deputy"), issued_at=ISSUED_AT + dt.timedelta(hours=1)
    )
    one_root = _version(store, 3, v2, ("chair",))
    forged = reg.SignedRegistry(
        one_root.document,
        (
            *one_root.signatures,
            reg.RegistrySignature(
                key_id(_root("deputy").public_key()),
                bytes(64),
            ),
        ),
    )
    off_chain = _version(store, 3, v1, ("chair", "deputy"))
    old = _version(store, 3, v2, ("chair", "deputy"), issued_at=ISSUED_AT - VALID_FOR)
    steps = [
        _step("install-v1", "version 1, two of three roots", None, v1.to_bytes(), NOW, "accept"),
        _step(
            "install-v2", "version 2 names version 1's digest", "v1", v2.to_bytes(), NOW, "accept"
        ),
        _step(
            "reread-v2", "the installed version read again", "v2", v2.to_bytes(), NOW, "unchanged"
        ),
        _step("rollback", "version 1 after version 2", "v2", v1.to_bytes(), NOW, reg.ROLLBACK),
        _step(
            "one-root",
            "version 3 signed by one root",
            "v2",
            one_root.to_bytes(),
            NOW,
            reg.INSUFFICIENT_SIGNATURES,
        ),
        _step(
            "forged-second-signature",
            "version 3 with a second signature of zeros",
            "v2",
            forged.to_bytes(),
            NOW,
            reg.INSUFFICIENT_SIGNATURES,
        ),
        _step(
            "version-conflict",
            "another document under version 2",
            "v2",
            other_v2.to_bytes(),
            NOW,
            reg.VERSION_CONFLICT,
        ),
        _step(
            "chain-mismatch",
            "version 3 naming version 1's digest",
            "v2",
            off_chain.to_bytes(),
            NOW,
            reg.CHAIN_MISMATCH,
        ),
        _step(
            "expired",
            "version 3 whose expires_at has passed",
            "v2",
            old.to_bytes(),
            NOW,
            reg.EXPIRED,
        ),
        _step(
            "hub-encryption-key",
            "version 3 giving the hub an encryption key",
            "v2",
            _hub_with_encryption_key(v2).to_bytes(),
            NOW,
            reg.MALFORMED,
        ),
    ]
    return {
        "format": "corridor-registry-vectors/1",
        "description": "Key registry versions, refusals and sealing recipients; see "
        "docs/wire-format.md 9.4.5 and 6.8",
        "signing_context_hex": reg.SIGNING_CONTEXT.hex(),
        "root_keys": [
            {
                "name": name,
                "private_key_seed_hex": seed.hex(),
                "public_key_hex": raw_public_key(_root(name).public_key()).hex(),
                "key_id": key_id(_root(name).public_key()),
            }
            for name, seed in ROOT_SEEDS.items()
        ],
        "roots": reg.dump_roots(roots()),
        "versions": {
            "v1": {"value_hex": v1.to_bytes().hex(), "digest": v1.digest},
            "v2": {"value_hex": v2.to_bytes().hex(), "digest": v2.digest},
        },
        "steps": steps,
        "trust_store_v2": dump_trust_store(store),
        "sealing": {
            "registry": "v2",
            "alert_agency": "PK-FIA",
            "cases": [_sealing_case(store, *case) for case in SEALING_CASES],
        },
    }


def _sealing_case(
    store: TrustStore,
    name: str,
    markings: dict[str, Any],
    cleared: list[str],
    without_key: list[str],
) -> dict[str, Any]:
    from producers.sealing import Sealing  # the reference implementation must agree

    plan = Sealing(store.directory(), store).plan({"agency": "PK-FIA", **markings})
    if list(plan.cleared) != cleared or list(plan.without_key) != without_key:
        raise AssertionError(f"sealing case {name}: the rule gives {plan}")
    return {
        "name": name,
        "markings": markings,
        "expected_cleared": cleared,
        "expected_without_key": without_key,
        "expected_recipients": [
            [agency, k.key_id] for agency in cleared for k in store.sealing_keys(agency)
        ],
    }
