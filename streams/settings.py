"""Settings of the stream-processing worker."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.access import DEFAULT_STREAMS_APP_ID
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.freshness import FreshnessPolicy
from schemas.group_membership import DYNAMIC, GroupMembership
from schemas.taskforce import TaskForce
from streams.consumer_thread import DEFAULT_FETCH_MAX_WAIT_MS
from streams.correlator import DEFAULT_FULL_WEIGHT_UPTO, DEFAULT_MAX_FANOUT
from streams.heap import DEFAULT_FREEZE_INTERVAL_S

#: Producer linger of the worker (see ``StreamSettings.producer_linger_s``).
DEFAULT_PRODUCER_LINGER_S = 0.005
#: Producer batch size of the worker (see ``StreamSettings.producer_max_batch_bytes``).
DEFAULT_PRODUCER_MAX_BATCH_BYTES = 256 * 1024

#: One hour old at most, five minutes ahead at most.
DEFAULT_FRESHNESS = FreshnessPolicy()


@dataclass(frozen=True)
class StreamSettings:
    """How the Faust worker runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Publishing agencies (inbound topics) and topic names."""
    hub_key: Ed25519PrivateKey
    """The hub's signing key (signs incidents as ``taskforce.hub_id``)."""
    app_id: str = DEFAULT_STREAMS_APP_ID
    """Faust application id: the consumer group and prefix of internal topics."""
    data_dir: str = ".local/streams"
    """Faust's local data directory (table stores)."""
    store: str = "memory://"
    """Table store URL (``memory://`` for tests and the demo)."""
    web_port: int = 6066
    """Faust's own web server (health); bound to 127.0.0.1."""
    partitions: int = 3
    """Partitions of topics Faust declares itself (replicated as ``taskforce.replication``)."""
    commit_interval_s: float = 1.0
    """How often consumed offsets are committed."""
    dedupe_retention_s: float = 30 * 24 * 3600.0
    """How long (event time) deduplication remembers an alert's highest revision."""
    freshness: FreshnessPolicy = DEFAULT_FRESHNESS
    """How old (or how far ahead) a signed produce time may be at arrival; record digests
    for replay detection are kept for this window only."""
    correlation_retention_s: float = 30 * 24 * 3600.0
    """Alerts observed longer ago than this (before the newest) leave correlation."""
    correlation_max_fanout: int = DEFAULT_MAX_FANOUT
    """A value shared by more alerts than this is common and links nothing."""
    correlation_full_weight_upto: int = DEFAULT_FULL_WEIGHT_UPTO
    """A value counts fully while at most this many alerts share it, then less."""
    correlation_batch: int = 500
    """At most this many alerts are correlated together (one incident version per batch)."""
    incident_coalesce_s: float = 0.2
    """How long the correlator gathers alerts before publishing the incidents they changed:
    versions of an incident within this interval (or batch) are coalesced into one."""
    stage_batch: int = 500
    """At most this many records are verified (or deduplicated) together, their outputs
    sent at once and acknowledged together."""
    stage_batch_s: float = 0.05
    """How long verify and dedupe gather records for a batch at most."""
    producer_linger_s: float = DEFAULT_PRODUCER_LINGER_S
    """How long the worker's producer waits for more records before sending a partition's
    batch. A stage hands a whole batch to the producer at once, so a burst is sent in few
    requests whatever this is; a single urgent record waits at most this long."""
    producer_max_batch_bytes: int = DEFAULT_PRODUCER_MAX_BATCH_BYTES
    """Largest batch of records per partition in one produce request (Faust's default is
    16 KiB: an incident of a large cluster alone fills it)."""
    incident_size_warning: int = 200
    """An incident version with more members than this is flagged to operators."""
    fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS
    """How long the broker may hold the worker's fetch when none of its partitions has new
    records (:mod:`streams.consumer_thread`; Faust's own 1.5 s stalled partitions)."""
    gc_freeze_interval_s: float = DEFAULT_FREEZE_INTERVAL_S
    """How often the worker freezes the objects that survived into the collector's
    permanent generation, keeping full collections short (:mod:`streams.heap`; 0: never)."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the worker authenticates (the hub's identity on a secured cluster)."""
    membership: GroupMembership = DYNAMIC
    """Session timeout and static identity in the Faust consumer group."""
