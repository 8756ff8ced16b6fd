"""Start, stop and inspect the local Kafka broker or cluster: ``python deploy/local_kafka.py``.

``make kafka-up`` / ``make kafka-down`` / ``make kafka-status`` call it; the code lives in the
``kafka_local`` package beside this script (see kafka_local/cli.py for the options)::

    python deploy/local_kafka.py up [--home DIR] [--port 9092] [--brokers 3] [--secured ...]
    python deploy/local_kafka.py status [--home DIR]
    python deploy/local_kafka.py down [--home DIR]
"""

from __future__ import annotations

import sys

from kafka_local.cli import main

if __name__ == "__main__":
    sys.exit(main())
