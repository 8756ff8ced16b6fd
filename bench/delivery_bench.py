"""Costs issue 4 added per alert: sealing personal data, per-recipient stripping, opening,
and the sharing policy's decisions.

Usage: ``python bench/delivery_bench.py [--alerts N] [--recipients R]``

Pure, in-process figures (no broker): the originator seals one victim record to R cleared
recipients; the hub strips the attachment once per recipient; one recipient opens it; the
policy decides for every member of the local task-force file. Inputs are built untimed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script: make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from consumers.delivery.policy import ALERT, INCIDENT, decide_all
from schemas.marking import HANDLING_CODES, TLP_LEVELS, Release
from schemas.personal_data import (
    RecipientKey,
    check_attachment,
    decode_attachment,
    open_sealed,
    restrict_attachment,
    seal,
)
from schemas.taskforce import load_taskforce

PERSONAL_DATA = {
    "persons": [
        {
            "role": "VICTIM",
            "full_name": "Example Person",
            "date_of_birth": "2009-03",
            "nationality": "AF",
            "document_number": "P1234567",
            "notes": "Unaccompanied minor; medical needs.",
        },
        {
            "role": "WITNESS",
            "full_name": "Another Person",
            "date_of_birth": None,
            "nationality": "PK",
            "document_number": None,
            "notes": None,
        },
    ]
}


def rate(label: str, count: int, run: Callable[[], None], unit: str) -> None:
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    print(
        f"  {label:<44} {count / elapsed:>12,.0f} {unit}/s  ({elapsed / count * 1e6:,.1f} us each)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--recipients", type=int, default=4)
    args = parser.parse_args()
    keys = [X25519PrivateKey.generate() for _ in range(args.recipients)]
    recipients = [RecipientKey.of(k.public_key()) for k in keys]
    print(f"personal data: {args.alerts:,} alerts, {args.recipients} cleared recipients each")

    sealed = []

    def seal_all() -> None:
        for i in range(args.alerts):
            sealed.append(
                seal(
                    PERSONAL_DATA,
                    agency="PK-FIA",
                    alert_id=f"PK-FIA-{i}",
                    revision=1,
                    recipients=recipients,
                )
            )

    rate("seal (originator)", args.alerts, seal_all, "alerts")
    sizes = [len(s.attachment) for s in sealed]
    own = {recipients[0].key_id}

    def strip_all() -> None:
        for s in sealed:
            for r in recipients:
                restrict_attachment(s.attachment, {r.key_id})

    rate("strip per recipient (hub delivery)", args.alerts * args.recipients, strip_all, "copies")
    restricted = [restrict_attachment(s.attachment, own) for s in sealed]
    one = [len(r) for r in restricted if r is not None]

    def open_all() -> None:
        for i, (s, data) in enumerate(zip(sealed, restricted, strict=True)):
            assert data is not None
            headers = [("corridor-personal-data", data)]
            check_attachment(s.commitment, headers, required=True)
            opened = open_sealed(
                s.commitment,
                decode_attachment(data),
                agency="PK-FIA",
                alert_id=f"PK-FIA-{i}",
                revision=1,
                private_key=keys[0],
            )
            assert opened == PERSONAL_DATA

    rate("check and open (cleared recipient)", args.alerts, open_all, "alerts")
    print(
        f"  attachment: {sizes[0]} bytes with {args.recipients} wraps on the hub's topics, "
        f"{one[0]} bytes as delivered to one recipient"
    )

    taskforce = load_taskforce(
        Path(__file__).resolve().parent.parent / "deploy/local/taskforce.toml"
    )
    members = [m.agency_id for m in taskforce.members]
    releases = [
        Release.of_alert(members[i % len(members)], tlp, members[:2], code)
        for i, (tlp, code) in enumerate((t, h) for t in TLP_LEVELS for h in HANDLING_CODES)
    ]
    incident = Release.combine(releases[:6])
    decisions = args.alerts * len(members)
    print(f"sharing policy: {len(members)} members")

    def decide_alerts() -> None:
        for i in range(args.alerts):
            decide_all(ALERT, releases[i % len(releases)], taskforce)

    rate("decide an alert for every member", decisions, decide_alerts, "decisions")

    def decide_incidents() -> None:
        for _ in range(args.alerts):
            decide_all(INCIDENT, incident, taskforce)

    rate(
        "decide an incident (6 members) for every member", decisions, decide_incidents, "decisions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
