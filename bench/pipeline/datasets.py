"""The bench's alerts: today's worst case and a realistic scenario, re-signed for the bench.

* ``worst``: :func:`producers.scenarios.sample_datum`, whose few routes and shared
  indicators link almost every alert into a handful of huge incidents.
* ``realistic``: a ``corridor simulate`` scenario at its default difficulty, its
  operations and decoys scaled to the number of alerts asked for. The simulator runs
  through its command line and only the alert files it writes are read
  (``OUT/alerts-<AGENCY>.jsonl``), so a rewrite of its internals does not break the bench.

Every alert is re-signed by one of the bench's own publishing agencies (the
simulated agencies are mapped onto them in order of appearance) and gets a unique
``alert_id`` and revision 1, so that N alerts are N deliveries; alerts that name
their recipients (TLP:RED, H3) name the bench's recipients.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from producers.scenarios import sample_datum
from schemas.json_mapping import alert_from_json
from schemas.signing import SignedRecord, sign_alert
from throwaway_deployment import REPO_ROOT, Deployment

log = logging.getLogger("bench")

DATASETS = ("worst", "realistic")
SIM_LINES_PER_UNIT = 2.0
"""Alert lines ``corridor simulate`` writes per (0.4 operation + 0.6 decoy), a bit under
what it writes at the default difficulty (about 2.1); the bench asks again if short."""
SIM_OPERATION_SHARE = 0.4
"""Operations among operations + decoys, as in the simulator's defaults (40 and 60)."""
SCENARIO_ALERTS = 5_000
"""Alerts taken from one simulated scenario at most (its identifier pools are finite)."""


def worst_case(deployment: Deployment, count: int, first_seq: int) -> list[dict[str, Any]]:
    """``count`` sample alert datums, round-robin over the publishers."""
    publishers = deployment.publishers
    return [sample_datum(publishers[i % len(publishers)], first_seq + i) for i in range(count)]


def simulate_files(seed: int, lines: int, out: Path) -> list[Path]:
    """Run ``corridor simulate`` for about ``lines`` alert lines; return its alert files."""
    units = lines / SIM_LINES_PER_UNIT
    operations = max(1, math.ceil(units * SIM_OPERATION_SHARE))
    decoys = max(1, math.ceil(units * (1 - SIM_OPERATION_SHARE)))
    argv = [sys.executable, "-m", "corridor_cli.main", "simulate", "--seed", str(seed)]
    argv += ["--operations", str(operations), "--decoys", str(decoys), "--out", str(out)]
    done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"corridor simulate failed ({done.returncode}): {done.stderr.strip()}")
    return sorted(out.glob("alerts-*.jsonl"))


def _interleave(files: Sequence[Path]) -> list[dict[str, Any]]:
    """The documents of every agency file, taken round-robin (each file keeps its order)."""
    per_file = [
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        for path in files
    ]
    merged: list[dict[str, Any]] = []
    for row in range(max((len(docs) for docs in per_file), default=0)):
        merged.extend(docs[row] for docs in per_file if row < len(docs))
    return merged


def _scenario(seed: int, count: int, work_dir: Path) -> list[dict[str, Any]]:
    """At least ``count`` alert documents of one simulated scenario."""
    lines = count
    for attempt in range(3):
        out = work_dir / f"simulate-{seed}-{count}-{attempt}"  # fresh: no --force needed
        documents = _interleave(simulate_files(seed, lines, out))
        if len(documents) >= count:
            return documents
        lines = math.ceil(lines * 1.5 * count / max(1, len(documents)))
    raise RuntimeError(f"corridor simulate wrote {len(documents)} alerts, {count} needed")


def rebadge(
    document: dict[str, Any], index: int, agency: str, recipients: Sequence[str]
) -> dict[str, Any]:
    """A simulated alert as a bench agency's own alert number ``index`` (a datum)."""
    datum, _ = alert_from_json(document)  # personal data, if any, is left out
    datum["agency"] = agency
    datum["alert_id"] = f"B{index:06d}-{datum['alert_id']}"[:128]
    datum["revision"] = 1
    if datum["tlp"] == "RED" or datum["handling_code"] == "H3":
        datum["tlp_recipients"] = list(recipients)
    return datum


def realistic(
    deployment: Deployment, count: int, work_dir: Path, seed: int
) -> list[dict[str, Any]]:
    """``count`` simulated alert datums, re-badged for the deployment's publishers.

    One simulated scenario runs out of distinct identifiers somewhere short of 20,000
    alerts, so a larger data set is several scenarios (seeds ``seed``, ``seed + 1`` ...)
    of at most :data:`SCENARIO_ALERTS` each, one after the other.
    """
    documents: list[dict[str, Any]] = []
    part = 0
    while len(documents) < count:
        wanted = min(SCENARIO_ALERTS, count - len(documents))
        documents += _scenario(seed + part, wanted, work_dir)[:wanted]
        part += 1
    publishers = deployment.publishers
    mapping: dict[str, str] = {}
    data = []
    for index, document in enumerate(documents[:count]):
        original = str(document.get("agency"))
        agency = mapping.setdefault(original, publishers[len(mapping) % len(publishers)])
        data.append(rebadge(document, index, agency, deployment.recipients))
    return data


def alert_data(
    name: str, deployment: Deployment, count: int, work_dir: Path, seed: int
) -> list[dict[str, Any]]:
    """``count`` alert datums of data set ``name`` (one of :data:`DATASETS`)."""
    if name == "worst":
        return worst_case(deployment, count, first_seq=1)
    if name == "realistic":
        return realistic(deployment, count, work_dir, seed)
    raise ValueError(f"unknown data set {name!r}")


def sign_all(deployment: Deployment, data: Sequence[dict[str, Any]]) -> list[SignedRecord]:
    """Sign each datum with its agency's key."""
    return [sign_alert(d, deployment.keys[d["agency"]], deployment.topics) for d in data]
