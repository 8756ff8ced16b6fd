"""The processes of one fault case: streams workers, delivery service, recipients' inboxes.

Each has a name (``worker-1``, ``delivery``, ``inbox-EU-EUROPOL``) and can be started,
killed (SIGKILL: no commit, no LeaveGroup, nothing flushed), stopped (SIGTERM) and
started again, its output appended to ``<name>.log`` in the case's directory.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Mapping
from pathlib import Path

from corridor_cli.environment import CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE
from throwaway_deployment import (
    Deployment,
    Service,
    delivery_args,
    start_corridor,
    streams_worker_args,
)

WORKER = "worker-1"
DELIVERY = "delivery"
KILL_WAIT_S = 30.0


def inbox_name(agency: str) -> str:
    """The service name of ``agency``'s inbox client."""
    return f"inbox-{agency}"


def store_path(directory: Path, agency: str) -> Path:
    """Where ``agency``'s inbox client keeps its store."""
    return directory / f"inbox-{agency}.db"


class FaultHub:
    """Starts, kills and restarts the pipeline's processes by name."""

    def __init__(
        self,
        deployment: Deployment,
        bootstrap: str,
        recipients: list[str],
        session_timeout: float | None = None,
    ) -> None:
        self.deployment = deployment
        self.bootstrap = bootstrap
        self.recipients = recipients
        self._session_timeout = session_timeout
        self.services: dict[str, Service] = {}
        self.kills = 0
        """SIGKILLs sent (by the harness or a failpoint)."""
        self._stopped: set[str] = set()
        """Services the harness stopped on purpose (and has not started again)."""

    @property
    def directory(self) -> Path:
        """The case's directory (logs, stores, streams data)."""
        return self.deployment.directory

    def store(self, agency: str) -> Path:
        """``agency``'s store."""
        return store_path(self.directory, agency)

    def _args(self, name: str) -> list[str]:
        session = []
        if self._session_timeout is not None:
            session = ["--session-timeout", f"{self._session_timeout:g}"]
        if name == DELIVERY:
            return [*delivery_args(self.deployment, self.bootstrap), *session]
        if name.startswith("worker-"):
            index = int(name.removeprefix("worker-"))
            args = streams_worker_args(self.deployment, self.bootstrap, index)
            return [*args, *session]
        agency = name.removeprefix("inbox-")
        return [
            "inbox",
            "--agency",
            agency,
            "--trust-store",
            str(self.directory / "trust-store.json"),
            "--db",
            str(self.store(agency)),
            "--output",
            str(self.directory / f"inbox-{agency}.jsonl"),
            "--bootstrap",
            self.bootstrap,
            "--topic-prefix",
            self.deployment.prefix,
            # A group of the case's own: another case's static member of the same agency
            # would otherwise hand this client its cached assignment, of another topic.
            "--group",
            f"{self.deployment.prefix}-inbox-{agency}",
            # A restarted client takes its partitions back at once (static membership), as
            # docs/operations.md advises for an inbox that runs unattended.
            "--group-instance-id",
            f"{agency}-inbox-1",
            *session,
        ]

    def start(self, name: str, *, kill_after_store: int | None = None) -> float:
        """Start ``name``; returns when (``time.monotonic()``).

        ``kill_after_store`` arms an inbox client's failpoint: it SIGKILLs itself after
        storing that many new deliveries, before committing their offsets.
        """
        if name in self.services and self.services[name].process.poll() is None:
            raise RuntimeError(f"{name} is already running")
        env: Mapping[str, str] | None = None
        if kill_after_store is not None:
            env = {CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE: str(kill_after_store)}
        self.services[name] = start_corridor(name, self._args(name), self.directory, env_extra=env)
        self._stopped.discard(name)
        return time.monotonic()

    def start_pipeline(self) -> None:
        """One streams worker, the delivery service and every recipient's inbox client."""
        for name in (WORKER, DELIVERY, *(inbox_name(r) for r in self.recipients)):
            self.start(name)

    def kill(self, name: str) -> None:
        """SIGKILL ``name`` and reap it."""
        process = self.services[name].process
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=KILL_WAIT_S)
        self.kills += 1

    def stop(self, name: str) -> None:
        """SIGTERM ``name`` (a clean leave), SIGKILL after a grace period."""
        self._stopped.add(name)
        self.services[name].stop()

    def running(self, name: str) -> bool:
        """Whether ``name`` was started and has not exited."""
        service = self.services.get(name)
        return service is not None and service.process.poll() is None

    def exited(self) -> list[str]:
        """``name (exit code N)`` of each service that ended by itself, not stopped by us.

        Nothing supervises the processes of a case: a service that exits on a fault it
        should ride out (a broker outage) stays down, and this names it.
        """
        return [
            f"{name} (exit code {service.process.returncode})"
            for name, service in self.services.items()
            if name not in self._stopped and service.process.poll() is not None
        ]

    def check_alive(self, *names: str) -> None:
        """Raise with its log's end if one of ``names`` exited."""
        for name in names:
            self.services[name].check_alive()

    def stop_all(self) -> None:
        """Stop every process still running, last started first."""
        for service in reversed(list(self.services.values())):
            service.stop()
