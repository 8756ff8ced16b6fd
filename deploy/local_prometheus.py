"""Run a Prometheus server on 127.0.0.1 that scrapes a local Corridor pipeline.

The server is Debian's ``prometheus`` package, installed by this script without root and
without touching the system: the package manager's own client downloads the ``.deb``
(``apt-get download``, which checks the archive's signed Release file and the package's
hash), this script checks its SHA256 once more against the package index
(``apt-cache show``), unpacks it with ``dpkg-deb -x`` and keeps only what runs::

    .local/prometheus/dist/bin/prometheus   the server (a Go binary; it needs only libc)
    .local/prometheus/dist/bin/promtool     rule checks and rule unit tests
    .local/prometheus/dist/web/             the server's web assets
    .local/prometheus/dist/PACKAGE          package, version and SHA256 of the .deb used

If the package index is empty (a fresh machine), ``apt-get update`` is run first when this
process may (root); otherwise the error says to run it.

A running server keeps everything under one *home* directory::

    <home>/prometheus.yml    written on every start from the PrometheusConfig
    <home>/data/             the time-series database (retention: a few days)
    <home>/prometheus.log    the server's output
    <home>/prometheus.pid    pid of the running server (also its process-group id)

The generated configuration scrapes one job per pipeline component (``worker`` 9401,
``delivery`` 9402, ``webhooks`` 9403, ``receipts`` 9404, ``recalls`` 9405, ``audit`` 9406
by default) and loads the alerting rules of ``deploy/prometheus/rules.yml``.

Command line (``make monitor`` / ``make monitor-down``)::

    python deploy/local_prometheus.py up [--port 9090] [--target JOB=HOST:PORT ...]
    python deploy/local_prometheus.py status | down | install

The code is in the ``prometheus_local`` package beside this script. Library use (tests)::

    from prometheus_local.config import PrometheusConfig
    from prometheus_local.server import LocalPrometheus

    server = LocalPrometheus(PrometheusConfig(home=tmp, port=free_port(),
                                              targets={"worker": ("127.0.0.1:9401",)}))
    url = server.start()
    server.query('up{job="worker"}')
    server.stop()

Only the standard library is used (and deploy/processes.py).
"""

from __future__ import annotations

import sys

from prometheus_local.cli import main

if __name__ == "__main__":
    sys.exit(main())
