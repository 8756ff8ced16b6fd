"""A local Prometheus on 127.0.0.1 that scrapes the pipeline (``deploy/local_prometheus.py``).

* :mod:`prometheus_local.installation`: Debian's package, installed without root;
* :mod:`prometheus_local.config`: :class:`PrometheusConfig` and the generated prometheus.yml;
* :mod:`prometheus_local.server`: :class:`LocalPrometheus`, the running server;
* :mod:`prometheus_local.layout`: file names, the rules files, the default scrape jobs;
* :mod:`prometheus_local.errors`: :class:`PrometheusToolError`;
* :mod:`prometheus_local.cli`: ``up``, ``status``, ``down``, ``install``.

Not ``deploy/prometheus/``: that folder holds the alert rules and their promtool tests.
"""
