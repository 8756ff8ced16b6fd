"""The originator's markings on the wire: TLP 2.0 levels, handling codes, the release they imply.

Both orders run from least to most restrictive; the Avro enums spell AMBER+STRICT
as ``AMBER_STRICT`` because Avro symbols cannot contain ``+``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

#: TLP 2.0, least to most restrictive.
TLP_LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER_STRICT", "RED")
#: Law-enforcement handling codes in the style of Europol's, least to most restrictive.
HANDLING_CODES = ("H0", "H1", "H2", "H3")


def tlp_rank(tlp: str) -> int:
    """Position of ``tlp`` in :data:`TLP_LEVELS` (higher is more restrictive)."""
    return TLP_LEVELS.index(tlp)


def handling_rank(code: str) -> int:
    """Position of ``code`` in :data:`HANDLING_CODES` (higher is more restrictive)."""
    return HANDLING_CODES.index(code)


def tlp_label(tlp: str) -> str:
    """The TLP 2.0 label as people write it (``TLP:AMBER+STRICT``)."""
    return "TLP:" + tlp.replace("_", "+")


@dataclass(frozen=True)
class Release:
    """Who may receive an item, as its originators' markings say (an alert or an incident).

    An incident carries every member alert's information, so its release is the most
    restrictive combination of its members' (see :meth:`combine`).
    """

    originators: frozenset[str]
    """Agencies whose information the item carries."""
    tlp: str
    """The most restrictive TLP of the item (shown to recipients)."""
    clearances: frozenset[tuple[str, str]]
    """``(originator, TLP)`` of each non-RED part: recipients other than that originator
    must be cleared for that TLP."""
    named: frozenset[str] | None
    """When a part is TLP:RED or H3: the only agencies that may receive the item."""
    handling: str
    """The highest handling code."""
    h2_originators: frozenset[str] = frozenset()
    """Originators of H2 parts, whose consent lists the recipients must be on."""

    @classmethod
    def of_alert(
        cls, agency: str, tlp: str, tlp_recipients: Iterable[str], handling: str
    ) -> Release:
        """The release of one alert: RED and H3 go only to the named recipients."""
        restricted = tlp == "RED" or handling == "H3"
        return cls(
            originators=frozenset({agency}),
            tlp=tlp,
            clearances=frozenset() if tlp == "RED" else frozenset({(agency, tlp)}),
            named=frozenset(tlp_recipients) if restricted else None,
            handling=handling,
            h2_originators=frozenset({agency}) if handling == "H2" else frozenset(),
        )

    @classmethod
    def combine(cls, parts: Iterable[Release]) -> Release:
        """The release of an item made of ``parts``: entitled only if entitled to every part.

        An originator is entitled to its own part, so a restricted part admits its
        named recipients and its originators.
        """
        items = list(parts)
        if not items:
            raise ValueError("an incident has at least one member")
        named: frozenset[str] | None = None
        for part in items:
            if part.named is not None:
                allowed = part.named | part.originators
                named = allowed if named is None else named & allowed
        return cls(
            originators=frozenset().union(*(p.originators for p in items)),
            tlp=max((p.tlp for p in items), key=tlp_rank),
            clearances=frozenset().union(*(p.clearances for p in items)),
            named=named,
            handling=max((p.handling for p in items), key=handling_rank),
            h2_originators=frozenset().union(*(p.h2_originators for p in items)),
        )

    def to_json(self) -> str:
        """Compact JSON (the hub's ``corridor-release`` header on the incidents topic)."""
        return json.dumps(
            {
                "originators": sorted(self.originators),
                "tlp": self.tlp,
                "clearances": sorted([o, t] for o, t in self.clearances),
                "named": None if self.named is None else sorted(self.named),
                "handling": self.handling,
                "h2_originators": sorted(self.h2_originators),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Release:
        """Parse :meth:`to_json` output; ``ValueError`` if it is not one."""
        try:
            doc = json.loads(text)
            named = doc["named"]
            release = cls(
                originators=frozenset(doc["originators"]),
                tlp=doc["tlp"],
                clearances=frozenset((str(o), str(t)) for o, t in doc["clearances"]),
                named=None if named is None else frozenset(named),
                handling=doc["handling"],
                h2_originators=frozenset(doc["h2_originators"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a release document: {exc}") from exc
        if release.tlp not in TLP_LEVELS or release.handling not in HANDLING_CODES:
            raise ValueError("not a release document: unknown TLP or handling code")
        if any(t not in TLP_LEVELS for _, t in release.clearances):
            raise ValueError("not a release document: unknown clearance")
        return release
