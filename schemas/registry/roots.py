"""The root file (``corridor-registry-roots/1``): the task force's root keys and threshold,
which each party holds beside, never inside, the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas.errors import DocumentError, RegistryError
from schemas.keys import key_id, public_key_b64, public_key_from_b64
from schemas.registry.documents import MALFORMED, ROOTS_FORMAT, RootKeys
from schemas.user_files import read_json_file


def parse_roots(document: Any) -> RootKeys:
    """Build :class:`RootKeys` from a decoded root file."""
    if not isinstance(document, dict) or document.get("format") != ROOTS_FORMAT:
        raise RegistryError(MALFORMED, f'not a root file: expected "format": "{ROOTS_FORMAT}"')
    raw = document.get("roots")
    if not isinstance(raw, list) or not raw:
        raise RegistryError(MALFORMED, "roots: expected a non-empty list")
    keys: dict[str, Ed25519PublicKey] = {}
    names: dict[str, str] = {}
    for i, entry in enumerate(raw):
        where = f"roots[{i}]"
        if not isinstance(entry, dict):
            raise RegistryError(MALFORMED, f"{where}: expected an object")
        try:
            public_key = public_key_from_b64(entry["public_key"])
        except KeyError as exc:
            raise RegistryError(MALFORMED, f"{where}: public_key is missing") from exc
        except (ValueError, TypeError) as exc:
            raise RegistryError(MALFORMED, f"{where}.public_key: {exc}") from exc
        kid = key_id(public_key)
        if entry.get("key_id", kid) != kid:
            raise RegistryError(MALFORMED, f"{where}.key_id: does not match the public key")
        if kid in keys:
            raise RegistryError(MALFORMED, f"{where}: root {kid} is listed twice")
        keys[kid] = public_key
        names[kid] = str(entry.get("name", kid))
    threshold = document.get("threshold")
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise RegistryError(MALFORMED, "threshold: expected an integer")
    if not 1 <= threshold <= len(keys):
        raise RegistryError(MALFORMED, f"threshold: must be between 1 and {len(keys)}")
    return RootKeys(keys=keys, threshold=threshold, names=names)


def dump_roots(roots: RootKeys) -> dict[str, Any]:
    """The root file's JSON document."""
    return {
        "format": ROOTS_FORMAT,
        "threshold": roots.threshold,
        "roots": [
            {"key_id": kid, "name": roots.names.get(kid, kid), "public_key": public_key_b64(key)}
            for kid, key in roots.keys.items()
        ],
    }


def make_roots(public_keys: Sequence[tuple[str, Ed25519PublicKey]], threshold: int) -> RootKeys:
    """Root keys from ``(name, public key)`` pairs, validated like a root file."""
    document = {
        "format": ROOTS_FORMAT,
        "threshold": threshold,
        "roots": [{"name": name, "public_key": public_key_b64(key)} for name, key in public_keys],
    }
    return parse_roots(document)


def load_roots(path: Path) -> RootKeys:
    """Read and validate the root file at ``path``."""
    try:
        document = read_json_file(path, "root file")
    except DocumentError as exc:
        raise RegistryError(MALFORMED, str(exc)) from exc
    try:
        return parse_roots(document)
    except RegistryError as exc:
        raise RegistryError(exc.reason, f"root file {path}: {exc.detail}") from exc
