"""Writing a trust store: its JSON document, and its file written atomically."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from schemas.clearances import dump_clearance
from schemas.errors import TrustStoreError
from schemas.json_mapping import format_timestamp
from schemas.keys import public_key_b64
from schemas.truststore.entries import FORMAT, Agency
from schemas.truststore.store import TrustStore


def _optional_timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def dump_trust_store(store: TrustStore) -> dict[str, Any]:
    """The JSON document of ``store``."""
    return {
        "format": FORMAT,
        **({} if store.hub is None else {"hub": store.hub}),
        "agencies": {
            agency.agency_id: {
                "name": agency.name,
                "keys": [
                    {
                        "key_id": k.key_id,
                        "algorithm": "Ed25519",
                        "public_key": public_key_b64(k.public_key),
                        "status": k.status,
                        "valid_from": _optional_timestamp(k.valid_from),
                        "valid_until": _optional_timestamp(k.valid_until),
                        "compromised_at": _optional_timestamp(k.compromised_at),
                    }
                    for k in agency.keys.values()
                ],
                **_dump_encryption_keys(agency),
                **(
                    {} if agency.clearance is None else {"member": dump_clearance(agency.clearance)}
                ),
            }
            for agency in sorted(store.agencies.values(), key=lambda a: a.agency_id)
        },
    }


def _dump_encryption_keys(agency: Agency) -> dict[str, Any]:
    """The ``encryption_keys`` member, left out when there are none (older files stay as is)."""
    if not agency.encryption_keys:
        return {}
    return {
        "encryption_keys": [
            {
                "key_id": k.key_id,
                "algorithm": "X25519",
                "public_key": public_key_b64(k.public_key),
                "status": k.status,
            }
            for k in agency.encryption_keys.values()
        ]
    }


def save_trust_store(path: Path, store: TrustStore) -> None:
    """Write ``store`` to ``path`` atomically (readers never see half a file)."""
    text = json.dumps(dump_trust_store(store), indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise TrustStoreError(f"cannot write trust store {path}: {exc.strerror}") from exc
