"""What the fault matrix publishes: an endless, seeded stream of signed-alert data.

Three agencies publish; some alerts get later revisions; some belong to an
*operation*, several agencies' alerts sharing one phone number, which the hub
correlates into an incident. Every other identifier is unique to its alert (fixed
width, so no two differ by one character the correlator would call "near"), so
unrelated alerts never link. Markings vary (TLP, handling code, a named TLP:RED
recipient), so the three recipients of the task force below are entitled to
different subsets. Pure: no broker, no clock but the ``now`` it is given.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from taskforce_file import Member

from producers.scenarios import sample_alert
from schemas.catalog import alert_schema
from schemas.json_mapping import from_json

PUBLISHERS = ("PK-FIA", "TR-SG", "GR-HCG")
#: Agencies whose ``corridor inbox --db`` stores the checker reads.
RECIPIENTS = ("EU-EUROPOL", "UNODC", "GR-HCG")
#: Entitlements differ: GR-HCG is not sent its own alerts; UNODC is cleared up to AMBER
#: only and, not being law enforcement, receives no H2 material; only EU-EUROPOL is named
#: on TLP:RED alerts.
MEMBERS = (
    Member("PK-FIA", "investigation_agency"),
    Member("TR-SG", "coast_guard"),
    Member("GR-HCG", "coast_guard"),
    Member("EU-EUROPOL", "eu_partner", publishes=False),
    Member("UNODC", "international_organisation", publishes=False, tlp_clearance="AMBER"),
)
#: The recipients that do not publish.
RECIPIENTS_ONLY = ("EU-EUROPOL", "UNODC")
MAX_REVISION = 3
#: Share of the stream that is a later revision of an alert already published.
REVISION_SHARE = 0.25
#: Share of new alerts that report an operation other agencies report too.
OPERATION_SHARE = 0.4
#: Markings drawn for each new alert (revisions keep their alert's).
TLP_CHOICES = ("GREEN", "AMBER", "AMBER", "AMBER_STRICT", "RED")
HANDLING_CHOICES = ("H0", "H1", "H1", "H2")
RED_RECIPIENT = "EU-EUROPOL"


@dataclass(frozen=True)
class PlannedAlert:
    """One alert revision to publish."""

    agency: str
    """The publishing agency (its key signs it)."""
    alert: dict[str, Any]
    """The alert as an Avro datum."""

    @property
    def key(self) -> str:
        """``AGENCY:alert_id``."""
        return f"{self.agency}:{self.alert['alert_id']}"


@dataclass
class _Operation:
    phone: str
    agencies: list[str]


class Workload:
    """Endless seeded stream of alert revisions, each alert's revisions in order."""

    def __init__(self, seed: int, now: dt.datetime | None = None) -> None:
        self._rng = random.Random(seed)
        self._now = now or dt.datetime.now(dt.UTC)
        self._serial = 0
        self._sequence = dict.fromkeys(PUBLISHERS, 0)
        self._open: list[PlannedAlert] = []
        """Alerts that may still get a revision."""
        self._operation: _Operation | None = None

    def __iter__(self) -> Iterator[PlannedAlert]:
        while True:
            yield self.next()

    def next(self) -> PlannedAlert:
        """The next alert revision to publish."""
        if self._open and self._rng.random() < REVISION_SHARE:
            return self._revise(self._open.pop(self._rng.randrange(len(self._open))))
        return self._new()

    def _revise(self, previous: PlannedAlert) -> PlannedAlert:
        alert = dict(previous.alert)
        alert["revision"] = previous.alert["revision"] + 1
        alert["estimated_persons"] = (previous.alert["estimated_persons"] or 0) + 5
        alert["narrative"] = f"{previous.alert['narrative']} Revised: more people seen."
        revised = PlannedAlert(previous.agency, alert)
        if alert["revision"] < MAX_REVISION:
            self._open.append(revised)
        return revised

    def _new(self) -> PlannedAlert:
        rng = self._rng
        self._serial += 1
        serial = self._serial
        phone = f"+92 3{rng.randint(10, 49)} {rng.randint(1_000_000, 9_999_999)}"
        agency = rng.choice(PUBLISHERS)
        if rng.random() < OPERATION_SHARE:
            operation = self._operation
            if operation is None or len(operation.agencies) >= len(PUBLISHERS):
                shared = f"+90 53{rng.randint(0, 9)} {rng.randint(1_000_000, 9_999_999)}"
                operation = self._operation = _Operation(shared, [])
            agency = rng.choice([a for a in PUBLISHERS if a not in operation.agencies])
            operation.agencies.append(agency)
            phone = operation.phone
        seq = self._sequence[agency]
        self._sequence[agency] += 1
        document = sample_alert(agency, seq, rng=rng, now=self._now)
        document["indicators"] = {
            "phone_numbers": [phone],
            "messaging_handles": [{"platform": "telegram", "handle": f"@fm{serial:07d}"}],
            "social_media_handles": [],
            "payment_channels": [{"method": "BANK_TRANSFER", "identifier": f"FMX{serial:09d}"}],
            "smuggler_aliases": [],
        }
        document["conveyances"] = [
            {"kind": "VEHICLE", "registration": f"FM{serial:07d}", "flag": "PK"}
        ]
        document["tlp"] = rng.choice(TLP_CHOICES)
        document["tlp_recipients"] = [RED_RECIPIENT] if document["tlp"] == "RED" else []
        document["handling_code"] = rng.choice(HANDLING_CHOICES)
        planned = PlannedAlert(agency, from_json(alert_schema().schema, document))
        self._open.append(planned)
        return planned
