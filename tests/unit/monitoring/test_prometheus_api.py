"""The Prometheus API client: answers parsed, errors explained."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from monitoring.errors import MonitoringError, PrometheusUnavailable
from monitoring.prometheus_api import PrometheusApi, parse_alerts, parse_vector


def test_a_vector_answer_becomes_samples() -> None:
    data = {
        "resultType": "vector",
        "result": [
            {"metric": {"job": "worker"}, "value": [1.0, "1"]},
            {"metric": {}, "value": [1.0, "NaN"]},
            {"metric": {"agency": "IOM"}, "value": [1.0, "+Inf"]},
        ],
    }
    samples = parse_vector(data)
    assert samples[0].labels == {"job": "worker"} and samples[0].value == 1
    assert math.isnan(samples[1].value)
    assert samples[2].value == math.inf


def test_a_scalar_answer_is_one_unlabelled_sample_and_a_matrix_is_refused() -> None:
    assert parse_vector({"resultType": "scalar", "result": [1.0, "2.5"]})[0].value == 2.5
    with pytest.raises(MonitoringError, match="instant vector"):
        parse_vector({"resultType": "matrix", "result": []})


def test_alerts_keep_name_state_and_summary() -> None:
    data = {
        "alerts": [
            {
                "labels": {"alertname": "CorridorComponentDown", "job": "webhooks"},
                "annotations": {"summary": "webhooks is down"},
                "state": "firing",
                "activeAt": "2026-11-24T12:00:00Z",
            }
        ]
    }
    (alert,) = parse_alerts(data)
    assert (alert.name, alert.state, alert.summary) == (
        "CorridorComponentDown",
        "firing",
        "webhooks is down",
    )


class _Handler(BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def do_GET(self) -> None:
        status, body = self.answers.get(self.path.split("?")[0], (404, b"not found"))
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_errors_say_what_went_wrong(server: str) -> None:
    _Handler.answers = {
        "/api/v1/query": (400, json.dumps({"status": "error", "error": "parse error"}).encode()),
        "/api/v1/alerts": (200, b"<html>not prometheus</html>"),
    }
    api = PrometheusApi(server)
    with pytest.raises(MonitoringError, match=r"refused query: .*parse error"):
        api.query("sum(")
    with pytest.raises(MonitoringError, match="did not answer like Prometheus"):
        api.alerts()


def test_an_unreachable_server_is_retriable_and_names_the_fix() -> None:
    with pytest.raises(PrometheusUnavailable, match="make monitor") as caught:
        PrometheusApi("http://127.0.0.1:9").query("up")
    assert caught.value.retriable
