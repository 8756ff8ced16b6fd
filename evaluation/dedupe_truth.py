"""Which published records should collapse into one delivery, and which the pipeline collapsed.

Records are taken in the order they sit on their partition (all revisions of an
alert share one). Truth: records of the same alert and revision belong together;
a late older revision belongs with the revision that superseded it. Prediction:
a delivered record starts a cluster; a record that was not delivered joins the
latest delivery of its alert if that is a higher revision, else the delivery of
its own revision; a message
delivered a second time is a cluster of its own (a duplicate that got through).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from schemas.codec import decode_single_object
from schemas.envelope import Envelope

Label = tuple[str, ...]


def dedupe_clusters(
    published: Iterable[Envelope], delivered_message_ids: Iterable[str]
) -> tuple[dict[str, Label | None], dict[str, Label | None]]:
    """``(truth, predicted)`` cluster labels per published record, in partition order."""
    remaining = Counter(delivered_message_ids)
    truth: dict[str, Label | None] = {}
    predicted: dict[str, Label | None] = {}
    highest: dict[str, int] = {}
    deliveries: dict[tuple[str, int], str] = {}
    latest_delivery: dict[str, str] = {}
    delivered_revision: dict[str, int] = {}
    occurrences: Counter[str] = Counter()
    for envelope in published:
        _, alert = decode_single_object(envelope.payload)
        alert_key = f"{alert['agency']}:{alert['alert_id']}"
        revision = alert["revision"]
        message_id = envelope.header.message_id
        occurrences[message_id] += 1
        item = f"{message_id}#{occurrences[message_id]}"
        top = max(highest.get(alert_key, revision), revision)
        highest[alert_key] = top
        truth[item] = (alert_key, str(top if revision < top else revision))
        if remaining[message_id] > 0:
            remaining[message_id] -= 1
            label = f"{message_id}/{occurrences[message_id]}"
            predicted[item] = ("delivery", label)
            deliveries.setdefault((alert_key, revision), label)
            latest_delivery[alert_key] = label
            delivered_revision[alert_key] = revision
        elif alert_key in latest_delivery and revision < delivered_revision[alert_key]:
            predicted[item] = ("delivery", latest_delivery[alert_key])  # dropped as stale
        elif (alert_key, revision) in deliveries:
            predicted[item] = ("delivery", deliveries[(alert_key, revision)])
        elif alert_key in latest_delivery:
            predicted[item] = ("delivery", latest_delivery[alert_key])
        else:
            predicted[item] = None  # dropped without anything delivered: lost
    return truth, predicted
