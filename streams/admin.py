"""Creating the pipeline's topics on a cluster (idempotent)."""

from __future__ import annotations

from collections.abc import Sequence

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import AuthorizationError, KafkaError, TopicAlreadyExistsError

from producers.kafka_client import access_error, client_config, connect
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import CorridorError
from streams.topology import TopicSpec


class TopicAdminError(CorridorError):
    """Topics could not be created."""

    retriable = True


def create_topics(
    bootstrap: str,
    specs: Sequence[TopicSpec],
    replication_factor: int = 1,
    security: ClientSecurity = PLAINTEXT_CLIENT,
) -> list[str]:
    """Create the missing topics of ``specs``; returns the names it created."""
    admin = connect(
        KafkaAdminClient,
        bootstrap=bootstrap,
        security=security,
        unavailable=TopicAdminError,
        **client_config(bootstrap, security),
        client_id="corridor-admin",
    )
    try:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        created: list[str] = []
        for spec in missing:
            topic = NewTopic(
                name=spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs=dict(spec.config),
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
