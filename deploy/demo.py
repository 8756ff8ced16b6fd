"""``make demo``: the whole pipeline on the local broker, end to end, then stopped.

Several partner agencies publish realistic alerts (and one forged and one tampered
message), the hub verifies and delivers them, and each task-force member's inbox
is read and verified; an analyst's tool (taxii2-client, polling as MISP and OpenCTI
do) pulls GR-HCG's incidents as STIX 2.1 from `corridor taxii serve` over HTTPS. A
Prometheus (Debian's package) scrapes the hub meanwhile; the demo ends with the
operator's overview (`corridor status`) and an investigator's view of one alert's
path through the audit chain (`corridor trace`, `corridor audit verify`).
Everything it starts, it stops.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "deploy")]

from demo_steps.harness import WORKDIR, DemoRun, corridor, say  # noqa: E402
from demo_steps.hub import start_hub  # noqa: E402
from demo_steps.publishing import publish_alerts, publish_bad_input  # noqa: E402
from demo_steps.receiving import show_inboxes, show_receipts, wait_for_deliveries  # noqa: E402
from demo_steps.reports import show_incidents, show_metrics, show_status, show_trace  # noqa: E402
from demo_steps.taxii import taxii_step  # noqa: E402
from kafka_local.config import BrokerConfig  # noqa: E402
from kafka_local.node import LocalKafka  # noqa: E402
from processes import stop_process  # noqa: E402


def main() -> int:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    broker: LocalKafka | None = None
    if not bootstrap:
        say("Starting the local Kafka 4.2 broker (KRaft, 127.0.0.1:9092)")
        broker = LocalKafka(BrokerConfig())
        was_running = broker.is_running()
        bootstrap = broker.start()
        print(f"broker at {bootstrap}" + (" (already running, reused)" if was_running else ""))
        if was_running:
            broker = None  # not ours to stop
    prefix = f"demo-{uuid.uuid4().hex[:6]}"
    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    config = WORKDIR / "taskforce.toml"
    shutil.copy(REPO / "deploy" / "local" / "taskforce.toml", config)
    kafka = ("--bootstrap", bootstrap, "--topic-prefix", prefix)
    processes: list[subprocess.Popen[bytes]] = []
    stoppers: list[Callable[[], object]] = []
    try:
        run = DemoRun(bootstrap=bootstrap, prefix=prefix, config=config, kafka=kafka)
        hub = start_hub(run, processes, stoppers)
        victim_alert = publish_alerts(run)
        publish_bad_input(run)
        wait_for_deliveries(run, hub)
        show_inboxes(run, victim_alert)
        show_receipts(hub)
        show_incidents(run)

        say("An analyst's tool pulls the task force's incidents over TAXII 2.1")
        processes.append(taxii_step(config, kafka, bootstrap, prefix))

        say("What was quarantined, and why: `corridor quarantine`")
        corridor("quarantine", *kafka)

        show_metrics(hub)
        show_status(hub)
        show_trace(run, victim_alert["alert_id"])
    finally:
        say("Stopping what the demo started")
        for process in processes:
            stop_process(process, str(process.args))
        for stopper in stoppers:
            stopper()
        if broker is not None:
            broker.stop()
            print("local broker stopped")
    print("\ndemo complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
