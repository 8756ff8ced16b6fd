"""The numbers behind ``corridor status``: what to ask Prometheus and how to group the answers.

Everything here is pure except :func:`~monitoring.status.collect.collect`, which runs the
queries through any object with the :class:`~monitoring.status.collect.Source` methods
(the real :class:`~monitoring.prometheus_api.PrometheusApi` or a fake in tests).
:mod:`~monitoring.status.figures` holds the stages and rows, ``queries`` the PromQL,
``answers`` the grouping, ``view`` the text and JSON an operator reads.
"""
