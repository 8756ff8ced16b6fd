"""The demo's TAXII step: an analyst's tool polls GR-HCG's incidents as STIX 2.1 over HTTPS."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from consumers.stix.markings import CORRIDOR_EXTENSION_ID, tlp_of
from consumers.topic_reader import read_to_end
from demo_steps.harness import (
    WORKDIR,
    corridor,
    port_or_free,
    start,
    wait_for,
)
from local_security import SecurityFiles, ensure_broker_tls, issue_server_pem
from schemas.envelope import HEADER_KIND
from schemas.marking import tlp_label
from schemas.taskforce import load_taskforce


def taxii_step(
    config: Path, kafka: tuple[str, ...], bootstrap: str, prefix: str
) -> subprocess.Popen[bytes]:
    """``corridor taxii serve`` over HTTPS; GR-HCG's analyst polls it with taxii2-client.

    MISP and OpenCTI poll TAXII 2.1 the same way. Returns the server process (the caller
    stops it).
    """
    from taxii2client.v21 import Server, as_pages

    tls = SecurityFiles(WORKDIR / "tls")
    ensure_broker_tls(tls)  # the local CA (and a broker certificate the demo does not use)
    pem = WORKDIR / "tls" / "taxii.pem"
    issue_server_pem(tls, "corridor-taxii", pem)
    users, password = WORKDIR / "taxii-users.json", uuid.uuid4().hex
    corridor(
        "taxii", "add-user", "--credentials", str(users), "--user", "gr-hcg-analyst",
        "--agency", "GR-HCG", "--password-stdin", stdin=password + "\n",
    )  # fmt: skip
    port = port_or_free(9443)
    print(f"$ corridor taxii serve --listen 127.0.0.1:{port} ... (log in {WORKDIR}/taxii.log)")
    server = start(
        "taxii", "taxii", "serve", "--config", str(config), *kafka, "--credentials", str(users),
        "--db", str(WORKDIR / "taxii.db"), "--listen", f"127.0.0.1:{port}",
        "--tls-cert", str(pem), "--tls-key", str(pem), "--metrics-port", "0",
    )  # fmt: skip
    # requests would let these override the CA file the client is given.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(name, None)
    url = f"https://127.0.0.1:{port}/taxii2/"
    inbox = read_to_end(
        bootstrap, load_taskforce(config, topic_prefix=prefix).topics.inbox("GR-HCG")
    )
    expected = sum((HEADER_KIND, b"incident") in (r.headers or []) for r in inbox)
    print(f">>> Server({url!r}, user='gr-hcg-analyst', verify=ca.pem).api_roots[0].collections")
    groupings: list[dict[str, Any]] = []
    waiting: list[str] = []

    def incidents_served() -> bool:
        try:
            client = Server(url, user="gr-hcg-analyst", password=password, verify=str(tls.ca_cert))
            (collection,) = client.api_roots[0].collections
            groupings[:] = [
                o
                for page in as_pages(collection.get_objects, per_request=100, type="grouping")
                for o in page.get("objects", [])
            ]
        except (OSError, ValueError) as exc:  # not listening yet (requests errors are OSErrors)
            if not waiting:
                print(f"  (server not ready yet: {type(exc).__name__}; retrying)", flush=True)
            waiting.append(type(exc).__name__)
            time.sleep(0.5)
            return False
        return len(groupings) >= expected

    wait_for(incidents_served, 120, "the TAXII server to serve GR-HCG's incident versions")
    latest: dict[str, dict[str, Any]] = {}
    for grouping in groupings:
        incident = grouping["external_references"][0]["external_id"]
        if incident not in latest or grouping["modified"] > latest[incident]["modified"]:
            latest[incident] = grouping
    print(f"  {len(groupings)} incident versions (STIX groupings) served; the latest of each:")
    for _, grouping in sorted(latest.items()):
        refs = grouping["object_refs"]
        reports = sum(str(r).startswith("report--") for r in refs)
        tlp = tlp_label(tlp_of(grouping["object_marking_refs"]))
        status = grouping["extensions"][CORRIDOR_EXTENSION_ID]["status"]
        print(
            f"  {grouping['name']} ({status}): {tlp}, confidence {grouping['confidence']}, "
            f"{reports} alert reports, {len(refs) - reports} other objects (route, identifiers)"
        )
    print("(ids are deterministic, so the analyst's tool updates rather than duplicates)")
    wrong = Server(url, user="gr-hcg-analyst", password=uuid.uuid4().hex, verify=str(tls.ca_cert))
    try:
        _ = wrong.title
    except OSError as exc:  # requests.HTTPError
        print(f"  a wrong password: {exc}")
    corridor(
        "stix", "export", "--agency", "GR-HCG", "--trust-store",
        str(WORKDIR / "trust-store.json"), *kafka, "--out", str(WORKDIR / "GR-HCG.stix.json"),
    )  # fmt: skip
    return server
