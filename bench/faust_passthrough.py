"""Bare Faust pass-through for the bench: one agent forwarding topic X to topic Y unchanged.

The app uses the same settings as the pipeline's worker (``streams/app.py``: raw bytes,
``acks=all``, ``earliest``, in-memory store, web server on 127.0.0.1) but its only agent
copies each record (key, value, headers) to the sink topic: no verification, one hop.
``--acks`` says how it waits for the broker's acknowledgements:

* ``per-event``: every send is awaited until acknowledged before the next event (what
  the pipeline's ``send_acknowledged`` does today);
* ``batched``: events are taken in batches (``stream.take_events``), every send of a
  batch is made, then all its acknowledgements are awaited before the batch is acked;
* ``none``: sends are never awaited (the old baseline; it flatters Faust).

The pipeline bench (``python -m bench.pipeline``) runs it as a subprocess::

    python bench/faust_passthrough.py --bootstrap 127.0.0.1:PORT --source X --sink Y \\
        --app-id bench-passthrough-ID --web-port PORT --data-dir DIR [--acks per-event]

It runs until SIGTERM/SIGINT. Only faust-streaming is needed (no Corridor package).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

import faust


def _headers(message: Any) -> list[tuple[str, bytes]]:
    """The record's headers as a list, converted the way the pipeline's agents do."""
    raw = message.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return [(str(name), bytes(value)) for name, value in items]


def build_app(args: argparse.Namespace) -> Any:
    """The Faust app with its single forwarding agent (not started)."""
    app = faust.App(
        args.app_id,
        broker=[f"kafka://{host}" for host in args.bootstrap.split(",")],
        datadir=args.data_dir,
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=args.partitions,
        topic_replication_factor=1,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        web_enabled=True,
        web_bind="127.0.0.1",
        web_port=args.web_port,
        web_in_thread=False,
    )
    source = app.topic(args.source, key_type=bytes, value_type=bytes)
    sink = app.topic(args.sink, key_type=bytes, value_type=bytes)

    async def send(event: Any) -> Any:
        message = event.message
        return await sink.send(key=message.key, value=message.value, headers=_headers(message))

    if args.acks == "batched":

        @app.agent(source)
        async def forward_batched(stream: Any) -> None:
            """Send a batch on, then await every acknowledgement of it."""
            async for events in stream.take_events(args.batch, within=args.within):
                pending = [await send(event) for event in events]
                await asyncio.gather(*pending)

    elif args.acks == "per-event":

        @app.agent(source)
        async def forward_acked(stream: Any) -> None:
            """Send every record on and await its acknowledgement before the next."""
            async for event in stream.events():
                await (await send(event))

    else:

        @app.agent(source)
        async def forward(stream: Any) -> None:
            """Send every record on, byte for byte, never awaiting the acknowledgement."""
            async for event in stream.events():
                await send(event)

    return app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--source", required=True, help="topic to read")
    parser.add_argument("--sink", required=True, help="topic to write")
    parser.add_argument("--app-id", required=True, help="Faust app id (consumer group)")
    parser.add_argument("--web-port", type=int, required=True, help="Faust web port")
    parser.add_argument("--data-dir", required=True, help="Faust data directory")
    parser.add_argument(
        "--acks",
        choices=("per-event", "batched", "none"),
        default="per-event",
        help="how sends are awaited (default %(default)s)",
    )
    parser.add_argument("--batch", type=int, default=500, help="batched: events per batch")
    parser.add_argument(
        "--within", type=float, default=0.05, help="batched: seconds to wait to fill a batch"
    )
    parser.add_argument("--partitions", type=int, default=3, help="partitions of its topics")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the worker until it is stopped; returns its exit code."""
    args = _parser().parse_args(argv)
    worker = faust.Worker(build_app(args), loglevel="WARNING", quiet=True, redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
