"""The pipeline bench: Corridor's throughput, latency and CPU cost against bare Kafka and Faust.

Run it with ``python -m bench.pipeline`` (or ``bench/pipeline_bench.py``) from the
repository root; ``python -m bench.pipeline --help`` lists the options. Modules:

* :mod:`bench.pipeline.cli`: options and the order of the measurements;
* :mod:`bench.pipeline.datasets`: the worst-case and the realistic alerts, re-signed;
* :mod:`bench.pipeline.hub_runs`: burst and steady runs through the real hub processes;
* :mod:`bench.pipeline.baselines`: bare kafka-python and bare Faust hops;
* :mod:`bench.pipeline.micro`: in-process rates (sign, verify, decode, correlate);
* :mod:`bench.pipeline.kafka_io`: the timed producer and the collecting consumer;
* :mod:`bench.pipeline.cpu`: CPU accounting from /proc, the broker's pid, py-spy;
* :mod:`bench.pipeline.results` and :mod:`bench.pipeline.report`: figures and the report;
* :mod:`bench.pipeline.bottleneck`: CPU per alert, the CPU ceilings, the bottleneck;
* :mod:`bench.pipeline.targets`: issue 14's targets, met or not.

The throw-away task force and the hub processes come from ``deploy/throwaway_deployment.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
# deploy/ holds plain modules and packages (kafka_local, processes, ...), not a package.
for _path in (str(REPO_ROOT), str(REPO_ROOT / "deploy")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
