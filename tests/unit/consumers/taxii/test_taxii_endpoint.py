"""The TAXII 2.1 endpoint without sockets: auth, per-agency collections, filters, pages."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from consumers.stix.bundle import delivery_objects, to_dict
from consumers.stix.ids import collection_id
from consumers.taxii.credentials import Credentials, User, hash_password
from consumers.taxii.endpoint import (
    TaxiiEndpoint,
    TaxiiRequest,
    TaxiiResponse,
    TaxiiSettings,
)
from consumers.taxii.metrics import TaxiiMetrics
from consumers.taxii.store import TaxiiStore
from tests.unit.consumers.stix.stix_fixtures import alert_document, incident_document

USERS = Credentials(
    [User("gr", "GR-HCG", hash_password("gr-pass")), User("tr", "TR-SG", hash_password("tr-pw"))]
)
GR = collection_id("GR-HCG")
TR = collection_id("TR-SG")
ACCEPT = "application/taxii+json;version=2.1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TaxiiStore]:
    with TaxiiStore(tmp_path / "taxii.db") as opened:
        for document in (alert_document("PK-FIA", 1), incident_document()):
            opened.add("GR-HCG", [to_dict(o) for o in delivery_objects(document)], None)
        opened.add(
            "TR-SG", [to_dict(o) for o in delivery_objects(alert_document("PK-FIA", 2))], None
        )
        yield opened


@pytest.fixture
def endpoint(store: TaxiiStore) -> TaxiiEndpoint:
    settings = TaxiiSettings(agencies=frozenset({"GR-HCG", "TR-SG"}), page_size=7)
    return TaxiiEndpoint(settings, USERS, store, TaxiiMetrics.create(CollectorRegistry()))


def _get(
    endpoint: TaxiiEndpoint,
    target: str,
    user: str = "gr",
    password: str = "gr-pass",
    accept: str = ACCEPT,
    method: str = "GET",
) -> TaxiiResponse:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    headers = [("Authorization", f"Basic {token}"), ("Accept", accept), ("Host", "h:1")]
    return endpoint(TaxiiRequest(method, target, headers))


def _all_objects(endpoint: TaxiiEndpoint, path: str, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = _get(endpoint, f"{path}?{query}")
    while True:
        assert response.status == 200, response.body
        found += response.body.get("objects", [])
        if not response.body["more"]:
            return found
        response = _get(endpoint, f"{path}?{query}&next={response.body['next']}")


@pytest.mark.parametrize(
    ("user", "password"), [("gr", "wrong"), ("nobody", "gr-pass"), ("gr", "")], ids=str
)
def test_a_wrong_credential_gets_401_with_a_basic_challenge(
    endpoint: TaxiiEndpoint, user: str, password: str
) -> None:
    response = _get(endpoint, "/taxii2/", user, password)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert "objects" not in response.body


def test_no_credential_gets_401(endpoint: TaxiiEndpoint) -> None:
    response = endpoint(TaxiiRequest("GET", f"/corridor/collections/{GR}/objects/", []))
    assert response.status == 401


def test_discovery_and_api_root(endpoint: TaxiiEndpoint) -> None:
    discovery = _get(endpoint, "/taxii2/").body
    assert discovery["api_roots"] == ["https://h:1/corridor/"]
    assert _get(endpoint, "/corridor/").body["versions"] == [ACCEPT]


def test_each_user_lists_only_its_own_collection(endpoint: TaxiiEndpoint) -> None:
    listed = _get(endpoint, "/corridor/collections/").body["collections"]
    assert [c["id"] for c in listed] == [GR]
    assert listed[0]["can_read"] is True
    assert listed[0]["can_write"] is False
    assert [
        c["id"] for c in _get(endpoint, "/corridor/collections/", "tr", "tr-pw").body["collections"]
    ] == [TR]


@pytest.mark.parametrize("suffix", ["", "objects/", "manifest/"])
def test_another_agencys_collection_is_not_found(endpoint: TaxiiEndpoint, suffix: str) -> None:
    response = _get(endpoint, f"/corridor/collections/{TR}/{suffix}")
    assert response.status == 404
    assert "objects" not in response.body


def test_pages_cover_the_collection_once(endpoint: TaxiiEndpoint, store: TaxiiStore) -> None:
    objects = _all_objects(endpoint, f"/corridor/collections/{GR}/objects/", limit="5")
    ids = [o["id"] for o in objects]
    assert len(ids) == len(set(ids)) == store.count("GR-HCG")
    first_page = _get(endpoint, f"/corridor/collections/{GR}/objects/")
    assert len(first_page.body["objects"]) == 7  # the server's default page size
    assert (
        first_page.headers["X-TAXII-Date-Added-First"]
        <= (first_page.headers["X-TAXII-Date-Added-Last"])
    )


def test_added_after_returns_only_later_objects(endpoint: TaxiiEndpoint) -> None:
    manifest = _all_objects(endpoint, f"/corridor/collections/{GR}/manifest/")
    cut = manifest[9]["date_added"]
    later = _all_objects(endpoint, f"/corridor/collections/{GR}/objects/", added_after=cut)
    assert [o["id"] for o in later] == [m["id"] for m in manifest[10:]]
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest)


def test_match_type_and_id(endpoint: TaxiiEndpoint) -> None:
    path = f"/corridor/collections/{GR}/objects/"
    groupings = _all_objects(endpoint, path, **{"match[type]": "grouping,note"})
    assert sorted(o["type"] for o in groupings) == ["grouping", "note"]
    one = groupings[0]["id"]
    assert [o["id"] for o in _all_objects(endpoint, path, **{"match[id]": one})] == [one]
    single = _get(endpoint, f"{path}{one}/")
    assert [o["id"] for o in single.body["objects"]] == [one]
    assert _get(endpoint, f"{path}report--00000000-0000-4000-8000-000000000000/").status == 404
    versions = _get(endpoint, f"{path}{one}/versions/").body["versions"]
    assert versions == [groupings[0]["modified"]]


@pytest.mark.parametrize(
    ("target", "status"),
    [
        (f"/corridor/collections/{GR}/objects/?added_after=yesterday", 400),
        (f"/corridor/collections/{GR}/objects/?limit=0", 400),
        (f"/corridor/collections/{GR}/objects/?next=abc", 400),
        (f"/corridor/collections/{GR}/objects/?match[version]=latest", 400),
        ("/corridor/elsewhere/", 404),
        ("/admin/", 404),
    ],
)
def test_malformed_requests(endpoint: TaxiiEndpoint, target: str, status: int) -> None:
    assert _get(endpoint, target).status == status


def test_writes_are_refused_and_other_media_types_not_acceptable(endpoint: TaxiiEndpoint) -> None:
    path = f"/corridor/collections/{GR}/objects/"
    assert _get(endpoint, path, method="POST").status == 403
    assert _get(endpoint, path, method="PUT").status == 405
    assert _get(endpoint, path, accept="application/json").status == 406
    assert _get(endpoint, path, accept="application/taxii+json;version=2.0").status == 406
    assert _get(endpoint, path, accept="*/*").status == 200
