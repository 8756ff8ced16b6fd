"""Creating the pipeline's topics on a cluster (idempotent), replicated as the task force says."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import AuthorizationError, KafkaError, TopicAlreadyExistsError

from producers.kafka_client import access_error, client_config, connect
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import CorridorError
from schemas.replication import Replication
from streams.topology import TopicSpec

logger = logging.getLogger(__name__)


class TopicAdminError(CorridorError):
    """Topics could not be created."""

    retriable = True


def create_topics(
    bootstrap: str,
    specs: Sequence[TopicSpec],
    replication: Replication | None = None,
    security: ClientSecurity = PLAINTEXT_CLIENT,
    *,
    warn: Callable[[str], None] = logger.warning,
) -> list[str]:
    """Create the missing topics of ``specs``; returns the names it created.

    Every topic gets ``replication`` (default: one copy): its factor, its
    ``min.insync.replicas`` and unclean leader election off; a spec's own config wins
    for any other key. The settings are checked against the cluster's broker count
    first: a factor above it raises, a risky choice is passed to ``warn``. Topics that
    exist already are left as they are.

    Raises:
        ReplicationError: more copies asked for than the cluster has brokers.
        TopicAdminError: the cluster could not be reached or refused a topic.
    """
    replication = replication if replication is not None else Replication()
    admin = connect(
        KafkaAdminClient,
        bootstrap=bootstrap,
        security=security,
        unavailable=TopicAdminError,
        **client_config(bootstrap, security),
        client_id="corridor-admin",
    )
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        for warning in replication.check_cluster(brokers):
            warn(warning)
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        created: list[str] = []
        for spec in missing:
            topic = NewTopic(
                name=spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication.replication_factor,
                topic_configs={**replication.topic_config(), **dict(spec.config)},
            )
            try:
                admin.create_topics([topic])
                created.append(spec.name)
            except TopicAlreadyExistsError:
                continue
            except AuthorizationError as exc:
                raise access_error(exc, security, action="create", resource=spec.name) from exc
        return created
    except KafkaError as exc:
        raise TopicAdminError(f"creating topics on {bootstrap} failed: {exc}") from exc
    finally:
        admin.close()
