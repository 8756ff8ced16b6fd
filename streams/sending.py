"""Acknowledged sends of the Faust worker: retry what may succeed, refuse what cannot.

A stage takes its next record only once its outputs are acknowledged (acks=all), so
that no offset is committed past an unacknowledged output. A failure the broker may
get over (timeouts, leader changes) is retried with backoff; one that no retry can
change (:mod:`producers.send_failures`) raises :class:`~producers.errors.SendRefused`
at once: the stage quarantines the input of a refused record, and an access refusal
stops the process (:func:`exits_on_unrecoverable`). A worker asked to stop while it
retries (or whose send the broker leaves unanswered) exits within :data:`STOP_POLL_S`
without committing the record's offset.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from producers.errors import SendInterrupted, SendRefused
from producers.send_failures import SendFailure, cause_name, classify, error_chain
from schemas.envelope import RecordHeaders

logger = logging.getLogger(__name__)

#: Backoff between attempts of a send the broker did not acknowledge.
RETRY_BACKOFF_S = (0.5, 30.0)
#: How often a retrying send looks whether the worker was asked to stop.
STOP_POLL_S = 0.5
#: Exit code of a worker that stopped on an access refusal (configuration: ACLs).
EXIT_REFUSED = 2
#: Exit code of a worker stopped while a send was unacknowledged (Kafka; retry later).
EXIT_INTERRUPTED = 3

#: Failures after which the (idempotent) producer sends nothing more: retrying on it is
#: useless, a new producer is needed (:meth:`streams.kafka_transport.IdempotentProducer.renew`).
PRODUCER_BROKEN = frozenset({"OutOfOrderSequenceNumber"})

_stop = threading.Event()


def producer_broken(exc: BaseException) -> bool:
    """Whether the send failed because the producer itself can send nothing more."""
    return any(type(error).__name__ in PRODUCER_BROKEN for error in error_chain(exc))


async def _renew_if_broken(topic: Any, failures: Sequence[BaseException]) -> None:
    """Have the topic's app start a new producer if ``failures`` say the old one is broken."""
    if not any(producer_broken(f) for f in failures):
        return
    renew = getattr(getattr(getattr(topic, "app", None), "producer", None), "renew", None)
    if renew is None:
        logger.error("the producer is broken and cannot be renewed; retrying on it")
        return
    await renew()


def request_stop() -> None:
    """Tell retrying sends that the worker was asked to stop (SIGTERM, SIGINT)."""
    _stop.set()


def stop_requested() -> bool:
    """Whether :func:`request_stop` was called in this process."""
    return _stop.is_set()


async def _unless_stopped(pending: Awaitable[Any], stopping: Callable[[], bool]) -> Any:
    """Await ``pending``, but raise :class:`SendInterrupted` once ``stopping()`` is true.

    Faust cancels its agents when the worker stops, and then acknowledges the event in
    hand: its offset would be committed without this output. A stop that cancels an
    unacknowledged send therefore ends the process before Faust can commit.
    """
    task = asyncio.ensure_future(pending)
    while True:
        try:
            done, _ = await asyncio.wait({task}, timeout=STOP_POLL_S)
        except asyncio.CancelledError:
            if stopping():
                logger.error(
                    "stopped while a send was unacknowledged; its record will be read again"
                )
                _exit(EXIT_INTERRUPTED)
            raise
        if done:
            return task.result()
        if stopping():
            task.cancel()
            raise SendInterrupted("asked to stop while a send was unacknowledged")


async def send_acknowledged(
    topic: Any,
    key: bytes | None,
    value: bytes,
    headers: RecordHeaders | None = None,
    *,
    backoff: tuple[float, float] = RETRY_BACKOFF_S,
    retried: Any = None,
    stopping: Callable[[], bool] = stop_requested,
) -> None:
    """Send until the broker acknowledged it (acks=all); retry with backoff meanwhile.

    In Faust an exception escaping an agent still acks the event, and the
    producer flush before a commit does not fail on a lost send: either way the
    source offset would be committed without the output. So the send is retried
    here, and the agent takes no further event (commits nothing new) until it
    succeeds. ``retried`` (a counter, optional) is incremented for every retry.

    Raises :class:`SendRefused` without retrying when the failure cannot change
    (the record is too large or invalid, or this client may not write the topic),
    and :class:`SendInterrupted` when ``stopping()`` is true while the send is still
    unacknowledged :data:`STOP_POLL_S` after it started (or during a backoff): a healthy
    send in hand when the worker is asked to stop completes.
    """
    delay, ceiling = backoff
    while True:
        try:
            await _unless_stopped(_send(topic, key, value, headers), stopping)
            return
        except SendInterrupted:
            raise
        except Exception as exc:  # ProducerSendError, KafkaError, timeouts: classified
            name = topic.get_topic_name()
            failure = classify(exc)
            if failure is not SendFailure.RETRIABLE:
                raise SendRefused(
                    name, cause_name(exc), record_refused=failure is SendFailure.RECORD_REFUSED
                ) from exc
            logger.warning("send to %s not acknowledged, retrying in %.1fs: %r", name, delay, exc)
            if retried is not None:
                retried.inc()
            await _renew_if_broken(topic, [exc])
            await _unless_stopped(asyncio.sleep(delay), stopping)
            delay = min(delay * 2, ceiling)


@dataclass(frozen=True)
class Sending:
    """One record of :func:`send_all_acknowledged`."""

    topic: Any
    """The Faust topic."""
    key: bytes | None
    """Record key."""
    value: bytes
    """Record value."""
    headers: RecordHeaders | None = None
    """Record headers."""
    retried: Any = None
    """Counter incremented for each retry of this record (optional)."""


async def send_all_acknowledged(
    sendings: Sequence[Sending],
    *,
    backoff: tuple[float, float] = RETRY_BACKOFF_S,
    stopping: Callable[[], bool] = stop_requested,
) -> list[SendRefused | None]:
    """Send every record at once, then wait until the broker acknowledged each of them.

    The batch form of :func:`send_acknowledged`, with its guarantees: what the broker
    did not acknowledge is sent again (in the original order, after a backoff) until
    it is; returns, per record, None (acknowledged) or the :class:`SendRefused` of a
    record the broker refused itself (too large, invalid: the caller quarantines its
    input); raises :class:`SendRefused` for a refusal of this client (authorization)
    and :class:`SendInterrupted` when ``stopping()`` while any is unacknowledged.
    """
    outcomes: list[SendRefused | None] = [None] * len(sendings)
    waiting = list(range(len(sendings)))
    delay, ceiling = backoff
    while waiting:
        results = await _unless_stopped(_attempt([sendings[i] for i in waiting]), stopping)
        retry = []
        for index, result in zip(waiting, results, strict=True):
            if result is None:
                continue
            name = sendings[index].topic.get_topic_name()
            failure = classify(result)
            if failure is SendFailure.RETRIABLE:
                retry.append(index)
                continue
            refused = SendRefused(
                name, cause_name(result), record_refused=failure is SendFailure.RECORD_REFUSED
            )
            if not refused.record_refused:
                raise refused from result
            outcomes[index] = refused
        if retry:
            first = sendings[retry[0]]
            logger.warning(
                "%d sends (to %s ...) not acknowledged, retrying in %.1fs",
                len(retry),
                first.topic.get_topic_name(),
                delay,
            )
            for index in retry:
                if sendings[index].retried is not None:
                    sendings[index].retried.inc()
            failed = [r for r in results if r is not None]
            await _renew_if_broken(first.topic, failed)
            await _unless_stopped(asyncio.sleep(delay), stopping)
            delay = min(delay * 2, ceiling)
        waiting = retry
    return outcomes


async def _attempt(sendings: Sequence[Sending]) -> list[BaseException | None]:
    """Hand every record to the producer, then await each acknowledgement: the failures."""
    pending: list[Any] = []
    for sending in sendings:
        try:
            pending.append(
                await sending.topic.send(
                    key=sending.key, value=sending.value, headers=sending.headers
                )
            )
        except Exception as exc:  # ProducerSendError, KafkaError, timeouts: classified
            pending.append(exc)
    results: list[BaseException | None] = []
    for item in pending:
        if isinstance(item, BaseException):
            results.append(item)
            continue
        try:
            await item
        except Exception as exc:  # as above
            results.append(exc)
        else:
            results.append(None)
    return results


async def _send(topic: Any, key: bytes | None, value: bytes, headers: RecordHeaders | None) -> None:
    pending = await topic.send(key=key, value=value, headers=headers)
    await pending


def exits_on_unrecoverable(
    agent: Callable[[Any], Awaitable[None]],
) -> Callable[[Any], Awaitable[None]]:
    """Decorate a Faust agent: end the process on a refusal or an interrupted send.

    The process exits as the error leaves the agent, before Faust acknowledges the
    event, so the offset of the record whose output is missing is never committed;
    and it exits non-zero at once rather than staying up without the agent.
    """

    @functools.wraps(agent)
    async def guarded(stream: Any) -> None:
        try:
            await agent(stream)
        except SendInterrupted as exc:
            logger.error("%s: %s; exiting, its record will be read again", agent.__name__, exc)
            _exit(EXIT_INTERRUPTED)
        except SendRefused as exc:
            logger.critical("%s stopped: %s; exiting", agent.__name__, exc)
            _exit(EXIT_REFUSED)

    return guarded


def _exit(code: int) -> None:
    logging.shutdown()
    os._exit(code)
