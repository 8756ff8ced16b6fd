"""Task-force files of throw-away deployments read back as the hub reads them."""

from __future__ import annotations

from pathlib import Path

from taskforce_file import Member, taskforce_toml

from schemas.replication import Replication
from schemas.taskforce import load_taskforce


def test_what_is_written_is_what_the_hub_reads(tmp_path: Path) -> None:
    members = [
        Member("PK-FIA", "investigation_agency"),
        Member("GR-HCG", "coast_guard", personal_data=True),
        Member("UNODC", "international_organisation", publishes=False, tlp_clearance="AMBER"),
        Member("TR-SG", "coast_guard", publishes=True, receives=False),
    ]
    path = tmp_path / "taskforce.toml"
    path.write_text(taskforce_toml("unit", "u1", members, Replication(3, 2)), "utf-8")
    (tmp_path / "trust-store.json").write_text('{"format": "corridor-trust-store/1"}', "utf-8")
    taskforce = load_taskforce(path)
    assert taskforce.topics.prefix == "u1"
    assert (
        taskforce.replication.replication_factor,
        taskforce.replication.min_insync_replicas,
    ) == (3, 2)
    assert [m.agency_id for m in taskforce.publishers] == ["PK-FIA", "GR-HCG", "TR-SG"]
    assert [m.agency_id for m in taskforce.recipients] == ["PK-FIA", "GR-HCG", "UNODC"]
    by_id = {m.agency_id: m for m in taskforce.recipients}
    assert by_id["UNODC"].tlp_clearance == "AMBER"
    assert by_id["GR-HCG"].personal_data and not by_id["PK-FIA"].personal_data
