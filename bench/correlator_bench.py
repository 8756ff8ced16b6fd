"""The correlator alone, in process: alerts/s on a simulated scenario, and incident sizes.

Features are extracted and decoded first (that runs in the dedupe agent, not the
correlator); the figure is the rate of ``Correlator.add`` over the scenario's
distinct alerts in their simulated arrival order, in CPU time of this process
(on a shared machine the wall clock measures the neighbours too). Usage:
``python bench/correlator_bench.py [--operations 450] [--decoys 675]
[--difficulty 0.5] [--seed 7]`` (about 2,000 alerts by default).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from producers.simulation import simulate
from schemas.catalog import alert_schema
from schemas.json_mapping import from_json
from streams.correlator import Correlator
from streams.features import AlertFeatures, features_of


def scenario_features(
    seed: int, difficulty: float, operations: int, decoys: int
) -> list[AlertFeatures]:
    """Distinct alerts (latest line of each key wins) of a simulated scenario, as features."""
    scenario = simulate(seed, difficulty=difficulty, operations=operations, decoys=decoys)
    schema = alert_schema().schema
    seen: dict[str, AlertFeatures] = {}
    for alert in scenario.alerts:
        seen.setdefault(alert.key, features_of(from_json(schema, alert.document)))
    return list(seen.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=450)
    parser.add_argument("--decoys", type=int, default=675)
    parser.add_argument("--difficulty", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    features = scenario_features(args.seed, args.difficulty, args.operations, args.decoys)
    # Features arrive as JSON on the correlation topic.
    decoded = [AlertFeatures.from_json(f.to_json()) for f in features]
    correlator = Correlator()
    versions = 0
    start = time.process_time()
    for item in decoded:
        versions += len(correlator.add(item))
    seconds = time.process_time() - start
    sizes = [len(i["members"]) for i in correlator.active_incidents()]
    print(
        f"correlator (in process, CPU time): {len(decoded)} alerts in {seconds:.2f} s = "
        f"{len(decoded) / seconds:,.0f} alerts/s; {versions} incident versions; "
        f"{len(sizes)} incidents, largest {max(sizes, default=0)}, "
        f"mean {sum(sizes) / max(1, len(sizes)):.1f} members"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
