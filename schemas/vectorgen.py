"""Builds the test vectors under ``schemas/vectors/`` (deterministic).

``python -m schemas.vectorgen`` rewrites every file there, each built by its own module:
``envelope-v1.json`` (:mod:`schemas.envelope_vectors`, whose test keys the others sign
with), ``personal-data-v1.json`` (:mod:`schemas.personal_data_vectors`) and the rest. Ed25519
signatures are deterministic, so the output only changes when the contract does;
a test regenerates it and compares byte for byte.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from schemas.envelope_vectors import (
    PRODUCED_AT,
    SEEDS,
    TOPICS,
    _alert_json,
    _key,
    build,
    first_alert,
)
from schemas.truststore import TrustStore

VECTORS_PATH = Path(__file__).parent / "vectors" / "envelope-v1.json"
PERSONAL_DATA_VECTORS_PATH = Path(__file__).parent / "vectors" / "personal-data-v1.json"
MESSAGE_VECTORS_PATH = Path(__file__).parent / "vectors" / "messages-v1.json"
REGISTRY_VECTORS_PATH = Path(__file__).parent / "vectors" / "registry-v1.json"
WEBHOOK_VECTORS_PATH = Path(__file__).parent / "vectors" / "webhooks-v1.json"
AUDIT_VECTORS_PATH = Path(__file__).parent / "vectors" / "audit-v1.json"
EVOLUTION_VECTORS_PATH = Path(__file__).parent / "vectors" / "alert-v2.json"


def render() -> str:
    """The vectors file's text."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def render_personal_data() -> str:
    """The personal-data vectors file's text (signed with the same test keys)."""
    from schemas import personal_data_vectors

    store = TrustStore(agencies={})
    for agency in SEEDS:
        store = store.with_key(agency, agency, _key(agency).public_key())
    document = personal_data_vectors.build({a: _key(a) for a in SEEDS}, TOPICS, store)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_messages() -> str:
    """The incident, receipt and recall vectors file's text."""
    from schemas import message_vectors

    document = message_vectors.build({a: _key(a) for a in SEEDS}, TOPICS, first_alert())
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_registry() -> str:
    """The key-registry and sealing-recipients vectors file's text."""
    from schemas import message_vectors, registry_vectors

    document = registry_vectors.build({a: _key(a) for a in SEEDS}, message_vectors.hub_key())
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_webhooks() -> str:
    """The webhook-request vectors file's text."""
    from schemas import webhook_vectors

    document = webhook_vectors.build_webhooks(TOPICS, {a: _key(a) for a in SEEDS}, first_alert())
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_audit() -> str:
    """The audit-chain vectors file's text."""
    from schemas import audit_vectors

    document = audit_vectors.build_audit(TOPICS, {a: _key(a) for a in SEEDS}, first_alert())
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_evolution() -> str:
    """The schema-evolution vectors file's text."""
    from schemas import evolution_vectors

    document = evolution_vectors.build(
        TOPICS,
        _key("PK-FIA"),
        _alert_json("PK-FIA", "PK-FIA-2026-000042"),
        first_alert(),
        PRODUCED_AT,
    )
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def renderers() -> dict[Path, Callable[[], str]]:
    """Every vectors file and the function that writes its text."""
    return {
        VECTORS_PATH: render,
        PERSONAL_DATA_VECTORS_PATH: render_personal_data,
        MESSAGE_VECTORS_PATH: render_messages,
        REGISTRY_VECTORS_PATH: render_registry,
        WEBHOOK_VECTORS_PATH: render_webhooks,
        AUDIT_VECTORS_PATH: render_audit,
        EVOLUTION_VECTORS_PATH: render_evolution,
    }


def main() -> int:
    """Write the vectors files."""
    for path, text in renderers().items():
        path.write_text(text(), "utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
