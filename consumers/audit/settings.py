"""How the auditor runs: its typed, frozen settings."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.taskforce import TaskForce


@dataclass(frozen=True)
class AuditorSettings:
    """How the auditor runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Members (whose topics are read), topic names and the hub id."""
    hub_key: Ed25519PrivateKey
    """The hub's signing key: signs the checkpoints."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the auditor authenticates (the hub's identity on a secured cluster)."""
    checkpoint_every: int = 1000
    """A checkpoint after at most this many event records."""
    checkpoint_interval_s: float = 60.0
    """A checkpoint at least this often while records arrive (and at shutdown)."""
    poll_timeout_ms: int = 200
    """How long one poll waits for records."""
    max_batch: int = 500
    """Source records per poll, hence per acknowledged batch."""
    send_timeout_s: float = 30.0
    """How long a batch's appends may take before it is retried."""
    lag_interval_s: float = 5.0
    """How often the lag gauge is measured."""
