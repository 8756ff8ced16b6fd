"""The streams worker SIGKILLed again and again during a backlog loses and reorders nothing.

Several agencies publish alerts with several revisions each; the worker is killed
(no commit, no LeaveGroup) whenever the alerts topic has grown by another slice of the
backlog, and restarted. A checker that reads the topics themselves then requires that
every acknowledged inbound record reached the verified and alerts topics with each
alert's revisions in order, that every revision passed dedupe (they were published in
order, so none is stale), and that a recipient's ``corridor inbox --db`` stored every
delivery it is entitled to exactly once, revision 1 as ``new`` and later ones as
``update``.

``make test`` kills the worker 3 times; ``make faults`` (CORRIDOR_FAULT_KILLS) many
more times, over a larger backlog.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from consumers.topic_reader import read_to_end
from schemas import hub_headers
from tests.integration.conftest import run_corridor
from tests.integration.crash_helpers import (
    PUBLISHERS,
    CrashHub,
    backlog,
    crash_hub,
    entitled,
    first_seen_order,
    out_of_order,
    revision_of,
)

pytestmark = pytest.mark.integration

KILLS = int(os.environ.get("CORRIDOR_FAULT_KILLS", "3"))
ALERTS_PER_AGENCY = 8 if KILLS <= 3 else 4 * KILLS
REVISIONS = 3
TIMEOUT = 120.0
RECIPIENT = "EU-EUROPOL"  # publishes nothing: every agency's alerts may reach it


@pytest.fixture
def hub(kafka_bootstrap: str, tmp_path: Path) -> Iterator[CrashHub]:
    yield from crash_hub(kafka_bootstrap, tmp_path)


def _stored(db: Path) -> list[tuple[str, int, str]]:
    """(``AGENCY:alert_id``, revision, new/update) of every alert the inbox stored."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT document FROM deliveries").fetchall()
    documents = [json.loads(row[0]) for row in rows]
    return [
        (f"{d['alert']['agency']}:{d['alert']['alert_id']}", d["alert"]["revision"], d["delivery"])
        for d in documents
        if d.get("kind") == "alert"
    ]


def test_killed_worker_passes_every_revision_on_in_partition_order(hub: CrashHub) -> None:
    order = backlog(ALERTS_PER_AGENCY, REVISIONS, seed=KILLS)
    total = ALERTS_PER_AGENCY * REVISIONS * len(PUBLISHERS)
    hub.start_delivery()
    kill_after = [total * (i + 1) // (KILLS + 1) for i in range(KILLS)]
    hub.run_with_kills(order, kill_after, TIMEOUT)

    topics = hub.taskforce.topics
    inbound = [r for a in PUBLISHERS for r in read_to_end(hub.bootstrap, topics.inbound(a))]
    published = {item for items in first_seen_order(inbound).values() for item in items}
    assert len(published) == total

    verified = first_seen_order(read_to_end(hub.bootstrap, topics.verified))
    assert {item for items in verified.values() for item in items} == published
    assert out_of_order(verified) == []

    alert_records = read_to_end(hub.bootstrap, topics.alerts)
    alerts = first_seen_order(alert_records)
    assert {item for items in alerts.values() for item in items} == published
    assert out_of_order(alerts) == []
    # The first time a revision passed, dedupe marked it new if it was the alert's first.
    passed: set[tuple[bytes, int]] = set()
    wrong_status = []
    for record in sorted(alert_records, key=lambda r: (r.partition, r.offset)):
        key = bytes(record.key)
        revision = revision_of(record)
        if (key, revision) in passed:
            continue
        first_revision = not any(k == key for k, _ in passed)
        passed.add((key, revision))
        status = hub_headers.header_value(list(record.headers), hub_headers.REVISION_STATUS)
        if status != (hub_headers.STATUS_NEW if first_revision else hub_headers.STATUS_UPDATE):
            wrong_status.append((key, revision, status))
    assert wrong_status == []

    hub.wait_for_delivery(TIMEOUT)
    db = hub.workdir / "inbox.db"
    result = run_corridor(
        "inbox",
        "--agency",
        RECIPIENT,
        "--trust-store",
        str(hub.workdir / "trust-store.json"),
        "--db",
        str(db),
        "--output",
        str(hub.workdir / "inbox.jsonl"),
        "--idle-timeout",
        "5",
        "--bootstrap",
        hub.bootstrap,
        "--topic-prefix",
        hub.prefix,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    stored = _stored(db)
    counts = Counter((key, revision) for key, revision, _ in stored)
    assert set(counts) == entitled(order, RECIPIENT, hub.taskforce)
    assert max(counts.values()) == 1
    assert all((status == "new") == (revision == 1) for _, revision, status in stored)
