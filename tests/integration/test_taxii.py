"""TAXII 2.1 on the real broker: publish through the pipeline, poll with taxii2-client over HTTPS.

Each member's collection must hold exactly the STIX objects of what the sharing policy
delivered to its inbox: a TLP:RED alert only for the member it names, an alert never
for its originator, the incident for every member entitled to all its alerts.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import stix2validator
from taxii2client.v21 import Collection, Server, as_pages

from consumers.inbox.check import check_delivery
from consumers.stix.bundle import delivery_objects, mappable
from consumers.stix.ids import collection_id, report_id
from consumers.stix.markings import CORRIDOR_EXTENSION_ID
from consumers.topic_reader import read_to_end
from kafka_local.config import free_port
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from tests.integration.conftest import Pipeline, run_corridor, start_corridor, wait_for
from tests.tls_files import Tls, make_tls_files

pytestmark = pytest.mark.integration

TIMEOUT = 90.0
PASSWORDS = {"GR-HCG": "gr-analyst-pass", "TR-SG": "tr-analyst-pass"}


@dataclass
class Taxii:
    """A running ``corridor taxii serve`` and how to reach it."""

    url: str
    tls: Tls
    db: Path

    def server(self, agency: str, password: str | None = None) -> Server:
        return Server(
            f"{self.url}/taxii2/",
            user=agency.lower(),
            password=PASSWORDS[agency] if password is None else password,
            verify=str(self.tls.ca),
        )

    def collection(self, agency: str) -> Collection:
        (collection,) = self.server(agency).api_roots[0].collections
        return collection


def _indicators(phone: str) -> dict[str, Any]:
    return {
        "phone_numbers": [phone],
        "messaging_handles": [{"platform": "telegram", "handle": f"@t_{uuid.uuid4().hex[:10]}"}],
        "social_media_handles": [],
        "payment_channels": [],
        "smuggler_aliases": [f"Alias {uuid.uuid4().hex[:8]}"],
    }


def _alert(
    agency: str, seq: int, phone: str, route: str = "aegean-crossing", **changes: Any
) -> dict[str, Any]:
    """An alert whose only identifier another alert may share is ``phone`` (no vessel)."""
    datum = sample_datum(agency, seq, route=route)
    datum.update(indicators=_indicators(phone), conveyances=[], handling_code="H0", **changes)
    return datum


def _publish(pipeline: Pipeline, alerts: list[dict[str, Any]]) -> None:
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=pipeline.taskforce.topics)
    for alert in alerts:
        with AlertPublisher(settings, pipeline.keys[alert["agency"]]) as publisher:
            outcomes = publisher.publish([publisher.sign(alert)])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]


def _delivered_ids(pipeline: Pipeline, agency: str) -> set[str]:
    """The STIX ids of everything verified in ``agency``'s inbox, mapped independently."""
    topics = pipeline.taskforce.topics
    ids: set[str] = set()
    for record in read_to_end(pipeline.bootstrap, topics.inbox(agency)):
        item = check_delivery(
            record.value, list(record.headers), pipeline.trust_store, topics, agency=agency
        )
        if mappable(item.document):
            ids |= {o["id"] for o in delivery_objects(item.document)}
    return ids


def _everything(collection: Collection, **filters: Any) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for envelope in as_pages(collection.get_objects, per_request=25, **filters):
        objects += envelope.get("objects", [])
    return objects


def _wait_until_served(pipeline: Pipeline, agency: str, collection: Collection) -> set[str]:
    """Wait until the collection holds exactly the objects of ``agency``'s inbox; those ids."""

    def same() -> set[str] | None:
        delivered = _delivered_ids(pipeline, agency)
        return delivered if {o["id"] for o in _everything(collection)} == delivered else None

    return wait_for(same, 30, f"{agency}'s collection to hold exactly its inbox")


def _incident_of(collection: Collection, members: set[str]) -> bool:
    """Whether ``collection`` holds a grouping of an incident with all of ``members``."""
    return any(
        members <= set(g["extensions"][CORRIDOR_EXTENSION_ID]["members"])
        for g in _everything(collection, type="grouping")
    )


def _ids(collection: Collection, stix_type: str) -> set[str]:
    return {o["id"] for o in _everything(collection, type=stix_type)}


@pytest.fixture
def taxii(pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Taxii]:
    # requests lets these variables override a session's own CA file (taxii2-client sets
    # the session's), so a machine that sets them would not trust the test CA.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    tls = make_tls_files(tmp_path)
    users = tmp_path / "taxii-users.json"
    for agency, password in PASSWORDS.items():
        added = run_corridor(
            "taxii", "add-user", "--credentials", str(users), "--user", agency.lower(),
            "--agency", agency, "--password-stdin", stdin=password + "\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    port = free_port()
    db = tmp_path / "taxii.db"
    process = start_corridor(
        [
            "taxii", "serve", "--config", str(pipeline.config), "--bootstrap", pipeline.bootstrap,
            "--credentials", str(users), "--db", str(db), "--listen", f"127.0.0.1:{port}",
            "--tls-cert", str(tls.cert), "--tls-key", str(tls.key), "--metrics-port", "0",
        ],
        tmp_path / "taxii.log",
    )  # fmt: skip
    running = Taxii(f"https://127.0.0.1:{port}", tls, db)

    def listening() -> bool:
        assert process.poll() is None, (tmp_path / "taxii.log").read_text()
        try:
            return bool(running.server("GR-HCG").title)
        except requests.ConnectionError:
            return False

    try:
        wait_for(listening, 30, "the TAXII server to listen")
        yield running
    finally:
        stop_process(process, "taxii server")


def test_each_member_polls_exactly_its_deliveries_over_taxii(
    pipeline: Pipeline, taxii: Taxii
) -> None:
    shared_phone = "+90 532 600 1144"
    amber = _alert("PK-FIA", 7001, shared_phone, tlp="AMBER")
    # Elsewhere: linked into the incident, its RED would keep the incident from TR-SG.
    red = _alert(
        "PK-FIA",
        7002,
        "+92 300 555 0102",
        route="balochistan-iran-turkey",
        tlp="RED",
        tlp_recipients=["GR-HCG"],
    )
    green = _alert("TR-SG", 7003, shared_phone, tlp="GREEN")
    _publish(pipeline, [amber, red, green])

    def report(alert: dict[str, Any]) -> str:
        return report_id(alert["agency"], alert["alert_id"], alert["revision"])

    gr, tr = taxii.collection("GR-HCG"), taxii.collection("TR-SG")
    assert gr.id == collection_id("GR-HCG")
    assert tr.id == collection_id("TR-SG")
    # The shared phone links PK-FIA's AMBER and TR-SG's GREEN alert into an incident,
    # which both members are entitled to (each to the other's alert, and its own).
    linked = {f"{a['agency']}:{a['alert_id']}#{a['revision']}" for a in (amber, green)}
    for collection in (gr, tr):
        wait_for(lambda c=collection: _incident_of(c, linked), TIMEOUT, "the incident")
    ours = {report(amber), report(red), report(green)}
    wait_for(lambda: ours <= _ids(gr, "report"), TIMEOUT, "GR-HCG's three reports")
    wait_for(pipeline.delivery_caught_up, 60, "the delivery service to commit")
    # TR-SG: not the RED alert (it is not named), not its own alert. (Other tests of the
    # session may have delivered more: the inbox comparison below covers those.)
    assert _ids(tr, "report") & ours == {report(amber)}
    for agency, collection in (("GR-HCG", gr), ("TR-SG", tr)):
        _wait_until_served(pipeline, agency, collection)

    # Incremental poll: after the newest date_added seen, only the new alert's objects.
    cut = {
        agency: max(
            m["date_added"]
            for page in as_pages(collection.get_manifest, per_request=100)
            for m in page.get("objects", [])
        )
        for agency, collection in (("GR-HCG", gr), ("TR-SG", tr))
    }
    before = {agency: _delivered_ids(pipeline, agency) for agency in cut}
    later = _alert("PK-FIA", 7004, "+92 321 555 0199", route="makran-coast", tlp="GREEN")
    _publish(pipeline, [later])
    for agency, collection in (("GR-HCG", gr), ("TR-SG", tr)):
        wait_for(lambda c=collection: report(later) in _ids(c, "report"), TIMEOUT, "the new one")
        delivered = _wait_until_served(pipeline, agency, collection)
        new = {o["id"] for o in _everything(collection, added_after=cut[agency])}
        assert report(later) in new
        assert new == delivered - before[agency]

    # A wrong credential gets 401; one member never sees another's collection.
    with pytest.raises(requests.HTTPError) as refused:
        _ = taxii.server("GR-HCG", password="guess").title
    assert refused.value.response.status_code == 401
    foreign = Collection(
        tr.url, user="gr-hcg", password=PASSWORDS["GR-HCG"], verify=str(taxii.tls.ca)
    )
    with pytest.raises(requests.HTTPError) as hidden:
        foreign.get_objects()
    assert hidden.value.response.status_code == 404


def test_stix_export_writes_a_valid_bundle_of_the_inbox(pipeline: Pipeline, tmp_path: Path) -> None:
    alert = _alert("GR-HCG", 7101, "+30 694 555 7101", tlp="GREEN")
    _publish(pipeline, [alert])
    wanted = report_id(alert["agency"], alert["alert_id"], alert["revision"])
    wait_for(lambda: wanted in _delivered_ids(pipeline, "TR-SG"), TIMEOUT, "the delivery")
    out = tmp_path / "tr-sg.stix.json"
    done = run_corridor(
        "stix", "export", "--agency", "TR-SG", "--trust-store",
        str(pipeline.workdir / "trust-store.json"), "--bootstrap", pipeline.bootstrap,
        "--topic-prefix", pipeline.taskforce.topics.prefix, "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert stix2validator.validate_string(text).is_valid
    exported = {o["id"] for o in json.loads(text)["objects"]}
    assert exported == _delivered_ids(pipeline, "TR-SG")
    assert wanted in exported
