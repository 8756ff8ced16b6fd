"""Markings in STIX: the official TLP 2.0 definitions, handling codes and Corridor's extension.

``stix2`` 3.0 ships only the TLP 1.0 marking definitions (``TLP_WHITE`` ..), so the
five TLP 2.0 objects are written out here exactly as OASIS publishes them
(oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0):
fixed ids, ``created`` 2022-10-01, the ``tlp_2_0`` property extension. A receiving
tool recognises them by id.

Handling codes (H0..H3) have no STIX standard: each is a ``statement`` marking
definition with a Corridor id, applied next to the TLP marking, so any STIX tool
shows the restriction. The same code, the Admiralty grades and the other alert
fields STIX has no property for travel in Corridor's property extension
(:data:`CORRIDOR_EXTENSION_ID`).
"""

from __future__ import annotations

from typing import Any

import stix2

from consumers.stix.ids import identity_id, stix_id
from schemas.marking import HANDLING_CODES, TLP_LEVELS, tlp_label

#: The OASIS TLP 2.0 extension definition every TLP 2.0 marking declares.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: ``created`` of the OASIS TLP 2.0 marking definitions.
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
#: The OASIS ids of the TLP 2.0 marking definitions, by Corridor TLP level.
TLP2_MARKING_IDS = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER_STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

#: Timestamp of Corridor's own fixed objects (identities, extension, handling markings):
#: they never change, so every bundle carries the same version of them.
FIXED_CREATED = "2026-01-01T00:00:00.000Z"
#: Who defines Corridor's extension and handling markings.
TASK_FORCE = "CORRIDOR"
CORRIDOR_EXTENSION_ID = stix_id("extension-definition", "corridor-alert/1")

HANDLING_STATEMENTS = {
    "H0": "H0: no handling restriction",
    "H1": "H1: not for use in judicial proceedings without the originator's permission",
    "H2": "H2: no onward dissemination without the originator's consent",
    "H3": "H3: other restrictions, see the handling note",
}


def tlp_marking(tlp: str) -> stix2.MarkingDefinition:
    """The official TLP 2.0 marking definition of a Corridor TLP level."""
    if tlp not in TLP_LEVELS:
        raise ValueError(f"unknown TLP level {tlp!r}")
    return stix2.MarkingDefinition(
        id=TLP2_MARKING_IDS[tlp],
        created=TLP2_CREATED,
        name=tlp_label(tlp),
        extensions={
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp_label(tlp).removeprefix("TLP:").lower(),
            }
        },
    )


def tlp_of(marking_refs: list[str]) -> str:
    """The Corridor TLP level among ``marking_refs`` (inverse of :func:`tlp_marking`)."""
    found = [tlp for tlp, ref in TLP2_MARKING_IDS.items() if ref in marking_refs]
    if len(found) != 1:
        raise ValueError(f"expected one TLP 2.0 marking, found {len(found)}")
    return found[0]


def handling_marking_id(code: str) -> str:
    """The id of the statement marking of a handling code."""
    if code not in HANDLING_CODES:
        raise ValueError(f"unknown handling code {code!r}")
    return stix_id("marking-definition", "handling", code)


def handling_marking(code: str) -> stix2.MarkingDefinition:
    """The statement marking definition of a handling code."""
    return stix2.MarkingDefinition(
        id=handling_marking_id(code),
        created=FIXED_CREATED,
        created_by_ref=identity_id(TASK_FORCE),
        name=f"Corridor handling code {code}",
        definition_type="statement",
        definition={"statement": HANDLING_STATEMENTS[code]},
    )


def handling_of(marking_refs: list[str]) -> str:
    """The handling code among ``marking_refs`` (inverse of :func:`handling_marking_id`)."""
    found = [code for code in HANDLING_CODES if handling_marking_id(code) in marking_refs]
    if len(found) != 1:
        raise ValueError(f"expected one handling marking, found {len(found)}")
    return found[0]


def marking_refs(tlp: str, handling: str) -> list[str]:
    """``object_marking_refs`` of an object: its TLP 2.0 marking and its handling code."""
    return [TLP2_MARKING_IDS[tlp], handling_marking_id(handling)]


def task_force_identity() -> stix2.Identity:
    """The identity that defines Corridor's extension and handling markings."""
    return stix2.Identity(
        id=identity_id(TASK_FORCE),
        created=FIXED_CREATED,
        modified=FIXED_CREATED,
        name="Corridor task force",
        identity_class="organization",
        description="The regional task force's intelligence-sharing pipeline.",
    )


def corridor_extension() -> stix2.ExtensionDefinition:
    """The definition of Corridor's property extension (see docs/stix-taxii.md)."""
    return stix2.ExtensionDefinition(
        id=CORRIDOR_EXTENSION_ID,
        created=FIXED_CREATED,
        modified=FIXED_CREATED,
        created_by_ref=identity_id(TASK_FORCE),
        name="Corridor alert and incident properties",
        description=(
            "Handling code, Admiralty grades and the other Corridor fields STIX has "
            "no property for; documented in Corridor's docs/stix-taxii.md."
        ),
        schema="docs/stix-taxii.md (Corridor extension)",
        version="1.0",
        extension_types=["property-extension"],
    )


def extension(properties: dict[str, Any]) -> dict[str, Any]:
    """The ``extensions`` value carrying ``properties`` in Corridor's extension."""
    return {CORRIDOR_EXTENSION_ID: {"extension_type": "property-extension", **properties}}


def shared_objects(tlps: set[str], handlings: set[str]) -> list[Any]:
    """The fixed objects a bundle using these markings references, in a stable order."""
    objects: list[Any] = [task_force_identity(), corridor_extension()]
    objects += [tlp_marking(t) for t in TLP_LEVELS if t in tlps]
    objects += [handling_marking(c) for c in HANDLING_CODES if c in handlings]
    return objects
