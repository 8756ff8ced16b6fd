"""Alert ids in each agency's format, and the order of the lines sent (re-sends, revisions)."""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

from producers.simulation.agencies import alert_id
from producers.simulation.knobs import Dice
from producers.simulation.report import Draft
from producers.simulation.scenario import SimulatedAlert
from schemas.json_mapping import format_timestamp


def assign_ids(rng: random.Random, drafts: list[Draft]) -> list[tuple[Draft, dict[str, Any]]]:
    """Number each agency's alerts in issue order, the agency's way; documents completed."""
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].issued_at, i))
    counters: dict[tuple[str, str], int] = {}
    numbered = []
    for i in order:
        draft = drafts[i]
        counter = (draft.agency, draft.station if draft.agency == "GR-HCG" else "")
        seq = counters.get(counter, rng.randint(40, 900)) + rng.randint(1, 3)
        counters[counter] = seq
        document = dict(draft.document)
        document["alert_id"] = alert_id(draft.agency, seq, draft.issued_at, draft.station)
        numbered.append((draft, document))
    return numbered


def publish_order(dice: Dice, numbered: list[tuple[Draft, dict[str, Any]]]) -> list[SimulatedAlert]:
    """Originals plus re-sends, revisions and stale re-sends, sorted by publish time."""
    rng = dice.rng
    timed: list[tuple[dt.datetime, int, SimulatedAlert]] = []

    def add(draft: Draft, document: dict[str, Any], kind: str, at: dt.datetime) -> None:
        line = SimulatedAlert(draft.agency, document, draft.operation, kind, at)
        timed.append((at, len(timed), line))

    for draft, document in numbered:
        sent = draft.issued_at + dt.timedelta(minutes=rng.randint(0, 20))
        add(draft, document, "original", sent)
        revised_at = None
        if dice.happens("revision"):
            revised_at = sent + dt.timedelta(hours=rng.randint(6, 96))
            add(draft, revised(rng, document, revised_at), "revision", revised_at)
            if dice.happens("stale"):
                stale_at = revised_at + dt.timedelta(minutes=rng.randint(10, 1440))
                add(draft, copy.deepcopy(document), "stale", stale_at)
        if dice.happens("duplicate"):
            limit = (revised_at - sent) if revised_at else dt.timedelta(hours=18)
            resent = sent + limit * rng.uniform(0.02, 0.9)
            add(draft, copy.deepcopy(document), "duplicate", resent)
    timed.sort(key=lambda entry: (entry[0], entry[1]))
    return [line for _, _, line in timed]


def revised(rng: random.Random, document: dict[str, Any], issued_at: dt.datetime) -> dict[str, Any]:
    revised = copy.deepcopy(document)
    revised["revision"] = 2
    revised["issued_at"] = format_timestamp(issued_at)
    persons = document["estimated_persons"] or rng.randint(5, 40)
    change = rng.choice((-1, 1)) * rng.randint(1, max(2, persons // 4))
    revised["estimated_persons"] = max(1, persons + change)
    revised["narrative"] = (
        f"{document['narrative']} Revision 2: head count updated after interviews."
    )
    return revised
