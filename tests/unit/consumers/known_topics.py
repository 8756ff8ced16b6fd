"""A fake group consumer's answer to the topic-metadata load of ``kafka_consumer``."""

from __future__ import annotations


class KnownTopics:
    """Every topic is known, with one partition (see ``load_topic_metadata``)."""

    def topics(self) -> set[str]:
        return set()

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}
