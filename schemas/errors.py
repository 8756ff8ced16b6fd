"""The project's root exception and the errors of the shared wire contract.

Every error a user can cause derives from :class:`CorridorError`, so entry points
catch one type and print its message instead of a traceback.
"""

from __future__ import annotations


class CorridorError(Exception):
    """Root of every error Corridor raises on purpose."""

    #: True when retrying the same operation later may succeed (a broker that is down).
    retriable: bool = False


class ConfigError(CorridorError):
    """A configuration file or setting is missing or invalid."""


class DocumentError(CorridorError):
    """A JSON or TOML file written by a person cannot be read: missing, not UTF-8, not valid,
    nested too deeply, a duplicate key or a lone surrogate (see :mod:`schemas.user_files`).

    The message names the file and, where there is one, the line and column.
    """

    def __init__(self, message: str, *, syntax: bool = False) -> None:
        super().__init__(message)
        #: True for a syntax error (the text is not JSON, or not TOML, at all).
        self.syntax = syntax

    @classmethod
    def at(
        cls,
        source: str,
        line: int,
        problem: str,
        column: int | None = None,
        *,
        syntax: bool = False,
    ) -> DocumentError:
        """``SOURCE line N: PROBLEM (column C)``."""
        where = "" if column is None else f" (column {column})"
        return cls(f"{source} line {line}: {problem}{where}", syntax=syntax)


class SchemaError(CorridorError):
    """A schema file cannot be loaded or is unknown."""


class ValidationError(CorridorError):
    """An alert does not satisfy the schema or the contract's semantic rules.

    ``problems`` lists every problem found, each prefixed with the field path.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class EncodeError(CorridorError):
    """A value could not be encoded to bytes."""


class KeyFileError(CorridorError):
    """A private or public key file is missing, unreadable or of the wrong kind."""


class SealError(CorridorError):
    """Personal data cannot be sealed: nobody it may go to has an encryption key."""


class TrustStoreError(ConfigError):
    """The trust store file is missing or malformed."""


class RegistryError(CorridorError):
    """A key registry (or its root-key file) is malformed, under-signed, stale or expired.

    ``reason`` is a stable code (see :mod:`schemas.registry`) for metrics and logs;
    ``detail`` is for humans.
    """

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"key registry {reason}: {detail}")


class VerifyError(CorridorError):
    """A received message failed verification.

    ``reason`` is a stable machine-readable code (see :mod:`schemas.reasons`) that
    quarantine records and metrics carry; ``detail`` is for humans.
    """

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


class KafkaAccessError(CorridorError):
    """The cluster refused this client: it could not authenticate, or no ACL allows the operation.

    Not retriable: the credentials or the ACLs must change first.
    """


class AuthenticationFailed(KafkaAccessError):
    """The broker rejected the client's credentials (password, certificate or TLS settings)."""


class NotAuthorized(KafkaAccessError):
    """The client authenticated, but no ACL allows what it tried."""
