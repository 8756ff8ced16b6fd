"""docs/taskforce-file.md documents exactly the keys the task-force loader accepts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from schemas import taskforce
from schemas.errors import ConfigError
from schemas.replication import KAFKA_KEYS
from schemas.taskforce import ROLES, parse_taskforce

DOC = (Path(__file__).parents[3] / "docs" / "taskforce-file.md").read_text("utf-8")


def _section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def _keys(title: str) -> set[str]:
    """The keys in the first column of a section's table (``[[agency]]`` style included)."""
    found = set()
    for line in _section(title).splitlines():
        match = re.match(r"^\| `([^`]+)` \|", line)
        if match:
            name = match.group(1)
            found.add(name.strip("[]").split(".")[-1].split()[-1])
    return found


def test_top_level_keys_are_documented() -> None:
    assert _keys("Top-level keys") == set(taskforce.TOP_LEVEL_KEYS)


def test_agency_keys_are_documented() -> None:
    documented = _keys("`[[agency]]`: one member agency")
    assert documented == set(taskforce.MEMBER_KEYS) | set(taskforce.WEBHOOK_KEYS)


def test_webhook_policy_keys_are_documented() -> None:
    assert _keys("`[webhooks]`: retry policy") == set(taskforce.WEBHOOK_POLICY_KEYS)


def test_kafka_keys_are_documented() -> None:
    assert _keys("`[kafka]`: replication of every topic") == set(KAFKA_KEYS)


def test_every_role_is_documented() -> None:
    for role in ROLES:
        assert f"`{role}`" in _section("`[[agency]]`: one member agency")


def test_the_documented_example_loads(tmp_path: Path) -> None:
    example = DOC[DOC.index("```toml") + len("```toml") : DOC.rindex("```")]
    loaded = parse_taskforce(tomllib.loads(example), tmp_path)
    iom = loaded.member("IOM")
    assert iom is not None and iom.tlp_clearance == "AMBER"
    assert iom.h2_share_with == frozenset({"international_organisation", "PK-FIA"})
    fia = loaded.member("PK-FIA")
    assert fia is not None and fia.tlp_clearance == taskforce.DEFAULT_TLP_CLEARANCE
    assert fia.h2_share_with == frozenset(taskforce.LAW_ENFORCEMENT_ROLES)
    assert loaded.registry_roots == tmp_path / "registry-roots.json"
    assert loaded.replication.replication_factor == 3
    assert loaded.replication.min_insync_replicas == 2


@pytest.mark.parametrize("key", sorted(taskforce.TOP_LEVEL_KEYS - {"agency"}))
def test_a_misspelt_top_level_key_is_refused(key: str, tmp_path: Path) -> None:
    document = {"agency": [{"id": "PK-FIA", "role": "coast_guard"}], key + "x": "v"}
    with pytest.raises(ConfigError, match=f"unknown top-level keys {key}x"):
        parse_taskforce(document, tmp_path)
