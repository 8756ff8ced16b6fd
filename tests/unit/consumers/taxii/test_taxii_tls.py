"""The TAXII server over TLS on 127.0.0.1 with OASIS's taxii2-client (no broker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry
from taxii2client.v21 import Server, as_pages

from consumers.stix.bundle import delivery_objects, to_dict
from consumers.taxii.credentials import Credentials, User, hash_password
from consumers.taxii.endpoint import TaxiiEndpoint, TaxiiSettings
from consumers.taxii.metrics import TaxiiMetrics
from consumers.taxii.server import TaxiiServer
from consumers.taxii.store import TaxiiStore
from tests.tls_files import Tls, make_tls_files
from tests.unit.consumers.stix.stix_fixtures import alert_document, incident_document

USERS = Credentials([User("gr", "GR-HCG", hash_password("gr-pass"))])


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Tls, int]]:
    # requests lets these override the CA file the client is given.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    tls = make_tls_files(tmp_path)
    with TaxiiStore(tmp_path / "t.db") as store:
        for document in (alert_document("PK-FIA", 1), incident_document()):
            store.add("GR-HCG", [to_dict(o) for o in delivery_objects(document)], None)
        endpoint = TaxiiEndpoint(
            TaxiiSettings(agencies=frozenset({"GR-HCG", "TR-SG"})),
            USERS,
            store,
            TaxiiMetrics.create(CollectorRegistry()),
        )
        server = TaxiiServer(endpoint, "127.0.0.1", 0, tls.cert, tls.key)
        server.start()
        try:
            yield f"https://127.0.0.1:{server.port}/taxii2/", tls, store.count("GR-HCG")
        finally:
            server.stop()


def test_taxii2_client_reads_the_collection_in_pages(served: tuple[str, Tls, int]) -> None:
    url, tls, stored = served
    server = Server(url, user="gr", password="gr-pass", verify=str(tls.ca))
    (api_root,) = server.api_roots
    (collection,) = api_root.collections
    assert collection.can_read
    assert not collection.can_write
    pages = list(as_pages(collection.get_objects, per_request=10))
    ids = [o["id"] for page in pages for o in page.get("objects", [])]
    assert len(pages) > 1
    assert len(ids) == len(set(ids)) == stored
    manifest = collection.get_manifest()
    assert len(manifest["objects"]) == min(stored, 100)


def test_a_wrong_password_gets_401_over_tls(served: tuple[str, Tls, int]) -> None:
    url, tls, _ = served
    with pytest.raises(requests.HTTPError) as refused:
        _ = Server(url, user="gr", password="nope", verify=str(tls.ca)).title
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")
