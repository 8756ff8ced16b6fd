"""Who may poll which collection: the HTTP Basic users of the TAXII server, by agency.

The credentials file (``corridor-taxii-credentials/1``, JSON) lists users, each with
the one agency whose collection it reads and a salted scrypt hash of its password;
passwords are never stored. ``corridor taxii add-user`` writes it (mode 0600)::

    {"format": "corridor-taxii-credentials/1",
     "users": [{"user": "gr-hcg-analyst", "agency": "GR-HCG",
                "password": "scrypt$16384$8$1$<salt b64>$<hash b64>"}]}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.errors import ConfigError

FORMAT = "corridor-taxii-credentials/1"
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of ``password`` in the file's notation."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed`` (constant-time comparison)."""
    scheme, n, r, p, salt, digest = hashed.split("$")
    if scheme != "scrypt":
        raise ValueError(f"unknown password scheme {scheme!r}")
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
        maxmem=2**26,
    )
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class User:
    """One line of the credentials file."""

    name: str
    """The HTTP Basic user name."""
    agency: str
    """The agency whose collection this user reads."""
    password_hash: str
    """The scrypt hash of its password."""


class Credentials:
    """The users of a credentials file; ``authenticate`` is safe to call from many threads.

    scrypt costs tens of milliseconds by design, and a TAXII client sends the same
    credentials with every request, so a successful check is remembered as an HMAC of
    the password under a key of this process (never the password itself).
    """

    def __init__(self, users: list[User]) -> None:
        self._users = {u.name: u for u in users}
        self._key = secrets.token_bytes(32)
        self._known: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def users(self) -> list[User]:
        """Every user, in file order."""
        return list(self._users.values())

    def authenticate(self, name: str, password: str) -> str | None:
        """The agency of ``name`` if ``password`` is its password, else None."""
        user = self._users.get(name)
        if user is None:
            return None
        mac = hmac.new(self._key, f"{name}\0{password}".encode(), "sha256").digest()
        with self._lock:
            known = self._known.get(name)
        if known is not None and hmac.compare_digest(known, mac):
            return user.agency
        if not check_password(password, user.password_hash):
            return None
        with self._lock:
            self._known[name] = mac
        return user.agency


def load_credentials(path: Path) -> Credentials:
    """Read and check a credentials file; ``ConfigError`` names the file and the field."""
    try:
        doc = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: credentials file not found") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON credentials file: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ConfigError(f"{path}: format: expected {FORMAT!r}")
    users = doc.get("users")
    if not isinstance(users, list):
        raise ConfigError(f"{path}: users: expected a list")
    parsed: list[User] = []
    for index, entry in enumerate(users):
        parsed.append(_user(path, index, entry))
    names = [u.name for u in parsed]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{path}: users: user {name!r} appears more than once")
    return Credentials(parsed)


def _user(path: Path, index: int, entry: Any) -> User:
    where = f"{path}: users[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected an object")
    for field in ("user", "agency", "password"):
        if not isinstance(entry.get(field), str) or not entry[field]:
            raise ConfigError(f"{where}.{field}: expected a non-empty string")
    if ":" in entry["user"]:
        raise ConfigError(f"{where}.user: HTTP Basic user names cannot contain ':'")
    parts = entry["password"].split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        raise ConfigError(f"{where}.password: expected a scrypt hash (corridor taxii add-user)")
    return User(entry["user"], entry["agency"], entry["password"])


def add_user(path: Path, name: str, agency: str, password: str) -> None:
    """Add or replace ``name`` in the credentials file (created, mode 0600, if missing)."""
    if not name or ":" in name:
        raise ConfigError(f"user {name!r}: a non-empty HTTP Basic user name without ':'")
    if not agency:
        raise ConfigError("--agency: expected an agency id")
    if not password:
        raise ConfigError(f"user {name!r}: empty password")
    users = load_credentials(path).users if path.exists() else []
    users = [u for u in users if u.name != name]
    users.append(User(name, agency, hash_password(password)))
    doc = {
        "format": FORMAT,
        "users": [{"user": u.name, "agency": u.agency, "password": u.password_hash} for u in users],
    }
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, indent=2)
        out.write("\n")
    tmp.replace(path)
