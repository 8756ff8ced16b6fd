"""Which failed sends are worth retrying (pure): the same rules for kafka-python and aiokafka.

A send that failed because the broker was slow, down or electing a leader may succeed
later; one the client or broker refused for the record itself (too large, invalid) or
for the sender's rights (authorization, authentication) fails the same way every time.
Retrying those for ever stops a stage behind one record, so callers quarantine the
input of a refused record and stop the process on an access refusal.

Both client libraries name their errors alike but disagree on ``retriable`` (aiokafka's
``KafkaTimeoutError`` says False), so the classes are matched by name, along the whole
``__cause__``/``__context__`` chain (Faust wraps aiokafka's errors in its own).
"""

from __future__ import annotations

import enum


class SendFailure(enum.Enum):
    """What a failed send means for the caller."""

    RETRIABLE = "retriable"
    """The broker may take it later (timeouts, leader changes, too few replicas, unknown)."""
    RECORD_REFUSED = "record_refused"
    """This record can never be written (too large, invalid): no retry can change that."""
    ACCESS_REFUSED = "access_refused"
    """Nothing can be written by this identity to this topic until an operator acts."""


#: Errors about the record itself (the client's size check, the broker's record checks).
RECORD_ERRORS = frozenset(
    {
        "MessageSizeTooLargeError",
        "RecordTooLargeError",
        "RecordListTooLargeError",
        "InvalidRecordError",
        "CorruptRecordError",
        "UnsupportedForMessageFormatError",
    }
)
#: Errors about the sender's rights or the topic's existence as a valid name.
ACCESS_ERRORS = frozenset(
    {
        "AuthorizationError",
        "TopicAuthorizationFailedError",
        "ClusterAuthorizationFailedError",
        "TransactionalIdAuthorizationFailedError",
        "AuthenticationFailedError",
        "SaslAuthenticationFailedError",
        "InvalidTopicError",
    }
)


def error_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it was raised from or during, without cycles."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and not any(current is s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException) -> SendFailure:
    """What the failure ``exc`` of a send means: retry, quarantine the input, or stop."""
    names = {cls.__name__ for error in error_chain(exc) for cls in type(error).__mro__}
    if names & RECORD_ERRORS:
        return SendFailure.RECORD_REFUSED
    if names & ACCESS_ERRORS:
        return SendFailure.ACCESS_REFUSED
    return SendFailure.RETRIABLE


def cause_name(exc: BaseException) -> str:
    """The class name of the error that decided :func:`classify`, for logs and details."""
    for error in error_chain(exc):
        names = {cls.__name__ for cls in type(error).__mro__}
        if names & (RECORD_ERRORS | ACCESS_ERRORS):
            return type(error).__name__
    return type(exc).__name__
