"""Going back to a consumer group's last commit after a failed batch (kafka-python)."""

from __future__ import annotations

from typing import Any


def rewind_to_last_commit(consumer: Any) -> None:
    """Seek every assigned partition to its committed offset (the beginning if none).

    The failed batch is then read again; kafka-python errors propagate to the caller.
    """
    for tp in consumer.assignment():
        committed = consumer.committed(tp)
        if committed is None:
            consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)
