"""The fault matrix's cases, shortened: a fault or two each, checked by the independent checker.

``make faults`` runs the full cases (``python -m faults.run``); these keep each case's
injector, recovery timing and checker working in every ``make test``. A case fails on
anything lost, doubled or spuriously quarantined, on incidents that do not converge to
the fault-free reference, and on a fault after which deliveries never flowed again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faults.cases import cases
from faults.matrix import CaseSettings, run_case
from faults.report import problems, recoveries, table

pytestmark = pytest.mark.integration

#: A tenth of the full matrix: 1 worker kill, 2 inbox kills, an 8 s storm.
SCALE = 0.1
#: About 40 s each. The delivery-kill case (about 75 s, for one group session timeout and
#: the restart) runs in ``make faults`` only, to keep ``make test`` within its budget; so do
#: the broker cases: each needs the three-node cluster, a broker JVM restart (20-40 s on a
#: 2-core machine) and, for two-down and all-down, an outage past the producers' 30 s
#: delivery timeout, well over the suite's budget of about 60 s for one more case.
IN_TEST_SUITE = ("worker-kill", "inbox-kill", "rebalance-storm")
SHORT = {name: case for name, case in cases(SCALE).items() if name in IN_TEST_SUITE}


@pytest.mark.parametrize("name", IN_TEST_SUITE)
def test_case_loses_doubles_and_quarantines_nothing(
    name: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    report = run_case(SHORT[name], CaseSettings(bootstrap=kafka_bootstrap, workdir=tmp_path))
    print(table([report]))
    print(recoveries(report))
    assert report.verdict.acknowledged > 0
    assert report.verdict.expected > 0
    assert problems(report) == []
    assert report.passed
