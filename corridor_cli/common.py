"""Options and helpers shared by the ``corridor`` subcommands."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from corridor_cli import environment
from monitoring.gc_pauses import GcPauses
from monitoring.health import LoopHealth, with_health
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity, load_client_security
from schemas.errors import ConfigError
from schemas.group_membership import DEFAULT_SESSION_TIMEOUT_S, GroupMembership
from schemas.taskforce import TaskForce, load_taskforce
from schemas.topics import TopicNames

EXIT_OK = 0
EXIT_FAILED = 1
"""Some alerts were rejected or not acknowledged; the rest went through."""
EXIT_USAGE = 2
"""Bad input or configuration: nothing was done."""
EXIT_UNAVAILABLE = 3
"""Kafka could not be reached: try again later."""


def add_kafka_options(parser: argparse.ArgumentParser) -> None:
    """``--bootstrap``, ``--kafka-security`` and ``--topic-prefix``."""
    parser.add_argument(
        "--bootstrap",
        default=environment.bootstrap(),
        help=f"Kafka bootstrap servers (env {environment.KAFKA_BOOTSTRAP}; default %(default)s)",
    )
    parser.add_argument(
        "--kafka-security",
        metavar="FILE",
        default=environment.kafka_security(),
        help="client security file: TLS, SASL/SCRAM or client certificate, e.g. "
        f"USER.toml of `make kafka-up SECURED=1` (env {environment.CORRIDOR_KAFKA_SECURITY}; "
        "default: PLAINTEXT)",
    )
    parser.add_argument(
        "--topic-prefix",
        default=environment.topic_prefix(),
        help=f"topic name prefix (env {environment.CORRIDOR_TOPIC_PREFIX}; default: from the "
        "task-force config, else 'corridor')",
    )


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config``: the task-force file."""
    parser.add_argument(
        "--config",
        default=environment.config_path(),
        help=f"task-force TOML file (env {environment.CORRIDOR_CONFIG}; default %(default)s)",
    )


def add_metrics_options(parser: argparse.ArgumentParser, default_port: int | None) -> None:
    """``--metrics-port`` and ``--metrics-addr``."""
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=default_port,
        help="serve Prometheus metrics on this port (0: none; default %(default)s)",
    )
    parser.add_argument(
        "--metrics-addr", default="127.0.0.1", help="address to serve metrics on (%(default)s)"
    )


def add_group_options(parser: argparse.ArgumentParser, static: bool = True) -> None:
    """``--session-timeout`` and (``static``) ``--group-instance-id``: a service in its group."""
    parser.add_argument(
        "--session-timeout",
        default=environment.session_timeout() or str(DEFAULT_SESSION_TIMEOUT_S),
        metavar="SECONDS",
        help="seconds after which the broker gives a silent (crashed) member's partitions to "
        f"another; heartbeats every third of it (env {environment.CORRIDOR_SESSION_TIMEOUT}; "
        "default %(default)s)",
    )
    if not static:
        parser.set_defaults(group_instance_id=None)
        return
    parser.add_argument(
        "--group-instance-id",
        default=environment.group_instance_id(),
        metavar="ID",
        help="static group membership under this id, unique per running instance: a "
        "restarted instance gets its partitions back at once (env "
        f"{environment.CORRIDOR_GROUP_INSTANCE_ID}; default: dynamic membership)",
    )


def membership_from(args: argparse.Namespace) -> GroupMembership:
    """The group membership of ``--session-timeout`` and ``--group-instance-id``."""
    try:
        timeout = float(args.session_timeout)
    except ValueError:
        timeout = -1.0
    if not 0 < timeout < float("inf"):
        raise ConfigError(
            f"--session-timeout must be a positive number of seconds, not {args.session_timeout!r}"
        )
    return GroupMembership(session_timeout_s=timeout, instance_id=args.group_instance_id)


def taskforce_from(args: argparse.Namespace) -> TaskForce:
    """Load the task-force file named by ``--config``, honouring ``--topic-prefix``."""
    return load_taskforce(Path(args.config), topic_prefix=args.topic_prefix)


def security_from(args: argparse.Namespace) -> ClientSecurity:
    """The client security of ``--kafka-security`` (PLAINTEXT when none is given)."""
    path = getattr(args, "kafka_security", None)
    return load_client_security(Path(path)) if path else PLAINTEXT_CLIENT


def topics_from(args: argparse.Namespace) -> TopicNames:
    """Topic names from ``--topic-prefix`` (without a task-force file)."""
    return TopicNames(args.topic_prefix) if args.topic_prefix else TopicNames()


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: scrapes every few seconds would drown the service's log."""

    def log_message(self, format: str, *args: object) -> None:
        return


def serve_metrics(
    args: argparse.Namespace, registry: CollectorRegistry, health: LoopHealth | None = None
) -> None:
    """Serve ``/metrics`` (and ``/health`` of ``health``) in a thread if a port was given,
    with the process's garbage-collection pauses among them."""
    if not args.metrics_port:
        return
    GcPauses(registry).install()
    app = make_wsgi_app(registry)
    if health is not None:
        app = with_health(app, health)
    server = make_server(
        args.metrics_addr, args.metrics_port, app, ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()


@contextlib.contextmanager
def loop_reported(health: LoopHealth, name: str) -> Iterator[None]:
    """Report the loop run inside as running, then stopped, or crashed on an exception."""
    health.running(name)
    try:
        yield
    except BaseException as exc:
        health.crashed(name, exc)
        raise
    health.stopped(name)


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, for clean shutdown of long-running loops.

    The handler does not set the event itself. It runs in the main thread, which may be
    inside ``stop.wait()`` holding the event's lock at that very moment: setting the event
    there takes the same lock again and deadlocks, and the service then ignores SIGTERM for
    good. The handler writes a byte to a pipe instead (no lock), and a daemon thread that
    reads the pipe sets the event.
    """
    stop = threading.Event()
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)

    def relay() -> None:
        os.read(read_fd, 1)
        stop.set()

    threading.Thread(target=relay, name="stop-on-signal", daemon=True).start()

    def handler(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(BlockingIOError):  # a byte already waits: enough
            os.write(write_fd, b"\0")

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> dt.timedelta:
    """``90s``, ``15m``, ``24h``, ``30d`` or ``2w`` as a timedelta (argparse ``type``)."""
    unit = _DURATION_UNITS.get(text[-1:].lower())
    number = text[:-1]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit is None or not number or value < 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration like 90s, 15m, 24h, 30d or 2w"
        )
    return dt.timedelta(seconds=value * unit)


def parse_instant(text: str) -> dt.datetime:
    """``now`` or an RFC 3339 timestamp with offset (argparse ``type``)."""
    if text == "now":
        return dt.datetime.now(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an RFC 3339 timestamp") from exc
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset (add Z or +05:00)")
    return parsed.astimezone(dt.UTC)
