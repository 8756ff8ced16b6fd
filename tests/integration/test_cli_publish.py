"""``corridor publish`` against the real broker, and against one that is down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kafka_local.config import free_port
from producers.scenarios import sample_alert
from tests.integration.conftest import Pipeline
from tests.integration.conftest import run_corridor as _corridor

pytestmark = pytest.mark.integration


def _key(pipeline: Pipeline, tmp_path: Path) -> Path:
    from schemas.keys import write_private_key

    path = tmp_path / "PK-FIA.key"
    write_private_key(path, pipeline.keys["PK-FIA"])
    return path


def test_publish_reports_each_acknowledged_alert(pipeline: Pipeline, tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(sample_alert("PK-FIA", 4000 + i)) for i in range(2))
    result = _corridor(
        "publish",
        "--agency",
        "PK-FIA",
        "--key",
        str(_key(pipeline, tmp_path)),
        "--json",
        "--bootstrap",
        pipeline.bootstrap,
        "--topic-prefix",
        pipeline.taskforce.topics.prefix,
        stdin=lines,
    )
    assert result.returncode == 0, result.stderr
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["status"] for o in outcomes] == ["published", "published"]
    assert all(isinstance(o["offset"], int) for o in outcomes)


def test_publish_to_a_broker_that_is_down_exits_3(pipeline: Pipeline, tmp_path: Path) -> None:
    result = _corridor(
        "publish",
        "--agency",
        "PK-FIA",
        "--key",
        str(_key(pipeline, tmp_path)),
        "--bootstrap",
        f"127.0.0.1:{free_port()}",
        stdin=json.dumps(sample_alert("PK-FIA", 4100)),
    )
    assert result.returncode == 3
    assert "cannot reach Kafka" in result.stderr
    assert "Traceback" not in result.stderr
    assert "published " not in result.stdout


def test_publish_to_a_missing_topic_is_refused(pipeline: Pipeline, tmp_path: Path) -> None:
    result = _corridor(
        "publish",
        "--agency",
        "PK-FIA",
        "--key",
        str(_key(pipeline, tmp_path)),
        "--bootstrap",
        pipeline.bootstrap,
        "--topic-prefix",
        "no-such-deployment",
        stdin=json.dumps(sample_alert("PK-FIA", 4200)),
    )
    assert result.returncode != 0
    assert "no-such-deployment.inbound.PK-FIA" in result.stderr
    assert "Traceback" not in result.stderr
