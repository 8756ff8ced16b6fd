"""The fault matrix's checker: lost, doubled, spurious and unentitled, from stores alone."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from taskforce_file import taskforce_toml

from consumers.delivery.routing import delivery_id
from faults.checker import (
    Acknowledged,
    FinalIncident,
    StoredDelivery,
    check,
    entitled_recipients,
    incident_mismatches,
    last_versions,
)
from faults.workload import MEMBERS, RECIPIENTS, Workload
from schemas.taskforce import TaskForce, load_taskforce


@pytest.fixture
def taskforce(tmp_path: Path) -> TaskForce:
    path = tmp_path / "taskforce.toml"
    path.write_text(taskforce_toml("fault matrix", "unit", MEMBERS), "utf-8")
    return load_taskforce(path)


def _acknowledged(count: int) -> list[Acknowledged]:
    alerts = itertools.islice(Workload(seed=3), count)
    return [Acknowledged(a.agency, a.alert, f"m-{i}", float(i)) for i, a in enumerate(alerts)]


def _document(ack: Acknowledged) -> dict[str, Any]:
    alert = {k: ack.alert[k] for k in ("agency", "alert_id", "revision")}
    return {"kind": "alert", "message_id": ack.message_id, "alert": alert}


def _perfect(acks: list[Acknowledged], taskforce: TaskForce) -> dict[str, list[StoredDelivery]]:
    stores: dict[str, list[StoredDelivery]] = {r: [] for r in RECIPIENTS}
    for ack in acks:
        for r in entitled_recipients(ack.agency, ack.alert, taskforce, RECIPIENTS):
            stores[r].append(StoredDelivery(delivery_id(r, ack.message_id), True, _document(ack)))
    return stores


def _check(acks: list[Acknowledged], taskforce: TaskForce, stores: Any, quarantined: Any = ()):  # type: ignore[no-untyped-def]
    return check(acks, taskforce, stores, list(quarantined), {}, {}, lambda d: "")


def test_every_expected_delivery_stored_once_is_clean(taskforce: TaskForce) -> None:
    acks = _acknowledged(60)
    verdict = _check(acks, taskforce, _perfect(acks, taskforce))
    assert verdict.clean
    assert verdict.stored == verdict.expected > len(acks)


def test_recipients_are_entitled_to_different_alerts(taskforce: TaskForce) -> None:
    acks = _acknowledged(60)
    entitled = {
        r: {
            a.message_id
            for a in acks
            if r in entitled_recipients(a.agency, a.alert, taskforce, [r])
        }
        for r in RECIPIENTS
    }
    assert len({frozenset(ids) for ids in entitled.values()}) == len(RECIPIENTS)
    assert all(entitled.values())


def test_a_missing_row_is_lost_and_a_second_copy_is_doubled(taskforce: TaskForce) -> None:
    acks = _acknowledged(30)
    stores = _perfect(acks, taskforce)
    dropped = stores["EU-EUROPOL"].pop(0)
    copy = stores["UNODC"][0]
    stores["UNODC"].append(StoredDelivery("another-id", True, copy.document))
    verdict = _check(acks, taskforce, stores)
    label = dropped.document["alert"]
    assert verdict.lost == [
        f"EU-EUROPOL {label['agency']}:{label['alert_id']} r{label['revision']}"
    ]
    assert len(verdict.doubled) == 1
    assert verdict.unentitled == ["UNODC " + verdict.doubled[0].split(" ", 1)[1].rsplit(" ", 1)[0]]


def test_quarantined_and_rejected_records_are_spurious(taskforce: TaskForce) -> None:
    acks = _acknowledged(10)
    stores = _perfect(acks, taskforce)
    row = stores["GR-HCG"][0]
    stores["GR-HCG"][0] = StoredDelivery(row.delivery_id, False, {**row.document, "reason": "x"})
    verdict = _check(acks, taskforce, stores, ["k @0:0: {}"])
    assert len(verdict.spurious) == 2
    assert not verdict.clean


def test_a_send_reported_unknown_may_be_stored_but_only_where_entitled(
    taskforce: TaskForce,
) -> None:
    # two-down: a send the client reported unknown (its batch expired) had been written,
    # and was delivered: genuine, neither expected nor unentitled.
    acks = _acknowledged(40)
    sent, unknown = acks[:-1], acks[-1]
    stores = _perfect(acks, taskforce)
    verdict = check(sent, taskforce, stores, [], {}, {}, lambda d: "", unknown=[unknown])
    assert verdict.clean and verdict.expected == sum(len(rows) for rows in stores.values()) - len(
        entitled_recipients(unknown.agency, unknown.alert, taskforce, RECIPIENTS)
    )
    outsider = next(
        r
        for r in RECIPIENTS
        if r not in entitled_recipients(unknown.agency, unknown.alert, taskforce, RECIPIENTS)
    )
    stores[outsider].append(
        StoredDelivery(delivery_id(outsider, unknown.message_id), True, _document(unknown))
    )
    verdict = check(sent, taskforce, stores, [], {}, {}, lambda d: "", unknown=[unknown])
    assert len(verdict.unentitled) == 1 and verdict.unentitled[0].startswith(outsider)


def test_incident_mismatches_name_missing_extra_and_different() -> None:
    reference = {i: FinalIncident(i, "d") for i in ("a", "b", "c")}
    actual = {
        "a": FinalIncident("a", "d"),
        "b": FinalIncident("b", "other"),
        "z": FinalIncident("z", "d"),
    }
    assert incident_mismatches(actual, reference) == ["missing c", "extra z", "different b"]


def test_last_versions_keeps_the_highest_version_of_each_incident() -> None:
    versions = [
        {"incident_id": "a", "version": 2},
        {"incident_id": "a", "version": 3},
        {"incident_id": "a", "version": 1},
        {"incident_id": "b", "version": 1},
    ]
    assert {k: v["version"] for k, v in last_versions(versions).items()} == {"a": 3, "b": 1}
