"""The alerting rules under deploy/prometheus, checked and unit-tested by Debian's promtool.

The package is installed by deploy/local_prometheus.py like the broker's jars: a machine
where it cannot be installed fails these tests, it does not skip them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from prometheus_local.errors import PrometheusToolError
from prometheus_local.installation import Installation, ensure_prometheus
from prometheus_local.layout import RULES_FILE, RULES_TEST_FILE


@pytest.fixture(scope="module")
def installation() -> Installation:
    try:
        return ensure_prometheus()
    except PrometheusToolError as exc:
        pytest.fail(f"could not install Debian's prometheus package: {exc}", pytrace=False)


def promtool(installation: Installation, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installation.promtool), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def alert_names() -> list[str]:
    return re.findall(r"^\s*- alert: (\S+)$", RULES_FILE.read_text("utf-8"), re.MULTILINE)


def test_the_rules_check(installation: Installation) -> None:
    checked = promtool(installation, "check", "rules", RULES_FILE)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rules = len(alert_names()) + RULES_FILE.read_text("utf-8").count("- record: ")
    assert f"SUCCESS: {rules} rules found" in checked.stdout


def test_the_rule_unit_tests_pass(installation: Installation) -> None:
    tested = promtool(installation, "test", "rules", RULES_TEST_FILE)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    tests = RULES_TEST_FILE.read_text("utf-8")
    names = alert_names()
    assert {
        "CorridorComponentDown",
        "CorridorBadSignatures",
        "CorridorQuarantineGrowing",
        "CorridorConsumerLagGrowing",
        "CorridorDeliveriesUnacknowledged",
        "CorridorSigningKeyExpiringSoon",
        "CorridorKeyRegistryExpiringSoon",
        "CorridorKeyRegistryExpired",
        "CorridorPoisonRecords",
        "CorridorOversizedRecordQuarantined",
        "CorridorConsumerRestarted",
    } <= set(names)
    for name in names:
        quiet = re.search(rf"alertname: {name}\n\s+exp_alerts: \[\]\n", tests)
        firing = re.search(rf"alertname: {name}\n\s+exp_alerts:\n\s+- exp_labels:", tests)
        assert quiet, f"{name} has no test in which it does not fire"
        assert firing, f"{name} has no test in which it fires"


def test_a_wrong_expectation_fails_the_unit_tests(
    installation: Installation, tmp_path: Path
) -> None:
    """The promtool run above could fail: the same tests with one SLA changed do."""
    shutil.copy(RULES_TEST_FILE, tmp_path / "rules_test.yml")
    rules = RULES_FILE.read_text("utf-8")
    assert "corridor_oldest_unacknowledged_delivery_seconds) > 900" in rules
    (tmp_path / "rules.yml").write_text(
        rules.replace(
            "corridor_oldest_unacknowledged_delivery_seconds) > 900",
            "corridor_oldest_unacknowledged_delivery_seconds) > 9000",
        ),
        "utf-8",
    )
    tested = promtool(installation, "test", "rules", tmp_path / "rules_test.yml")
    assert tested.returncode != 0
    assert "alertname: CorridorDeliveriesUnacknowledged" in tested.stdout + tested.stderr


def test_a_broken_expression_fails_the_check(installation: Installation, tmp_path: Path) -> None:
    broken = tmp_path / "rules.yml"
    broken.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: sum by (\n",
        "utf-8",
    )
    checked = promtool(installation, "check", "rules", broken)
    assert checked.returncode != 0
