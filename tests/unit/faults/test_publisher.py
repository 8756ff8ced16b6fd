"""The fault publisher keeps sends the client reported failed or unknown apart from acks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faults.publisher import SteadyPublisher
from faults.workload import PUBLISHERS, Workload
from producers.outcomes import PublishOutcome
from throwaway_deployment import Deployment


class _ScriptedPublisher:
    """Stands in for AlertPublisher: reports the outcomes it is given, in turn."""

    def __init__(self, outcomes: list[dict[str, Any]]) -> None:
        self._outcomes = outcomes

    def sign(self, alert: dict[str, Any]) -> dict[str, Any]:
        return alert

    def publish(self, records: list[dict[str, Any]]) -> list[PublishOutcome]:
        alert = records[0]
        result = self._outcomes.pop(0)
        return [
            PublishOutcome(alert["alert_id"], alert["revision"], alert["alert_id"], "t", **result)
        ]


def test_failed_and_unknown_sends_are_recorded_apart_and_never_acknowledged(
    tmp_path: Path,
) -> None:
    deployment = Deployment("unit", tmp_path, tmp_path / "t.toml", {}, [])
    steady = SteadyPublisher("127.0.0.1:1", deployment, Workload(seed=1), rate=10.0)
    script = [
        {"partition": 2, "offset": 7},
        {"error": "NotEnoughReplicas", "unknown": False},
        {"error": "sent, not acknowledged", "unknown": True},
    ]
    scripted = _ScriptedPublisher(script)
    publishers: dict[str, Any] = dict.fromkeys(PUBLISHERS, scripted)
    for _ in range(3):
        steady._publish_one(publishers)
    assert steady.attempted == 3
    assert len(steady.acknowledged) == 1
    assert [s.status for s in steady.unacknowledged] == ["failed", "unknown"]
    assert all(not s.acknowledged for s in steady.unacknowledged)
    assert steady.acknowledged[0].message_id not in {s.message_id for s in steady.unacknowledged}
    assert steady.last_acknowledged is not None
    assert steady.last_acknowledged.partition == 2
