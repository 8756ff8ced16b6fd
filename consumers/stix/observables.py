"""Identifiers as STIX observables and indicator patterns.

STIX 2.1 has no phone-number, vessel or payment observable. Phones, messaging and
social-media handles and payment identifiers are accounts someone uses, so each
becomes a ``user-account`` (``account_type`` ``phone``, the platform's name, or
``payment-<method>``) with an indicator pattern on it. Vessels, vehicles and
aircraft become ``infrastructure`` (no pattern fits them). Values are normalised as
correlation normalises them (:mod:`streams.indicators`), so the same identifier in
two agencies' alerts, or in an incident, is one observable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import stix2

from consumers.stix.ids import stix_id
from consumers.stix.route import Authorship

#: Indicator kinds (an incident's ``shared_indicators``) that map to an account.
ACCOUNT_KINDS = ("phone", "handle", "payment")
#: Indicator kinds that map to infrastructure.
CONVEYANCE_KINDS = ("imo", "mmsi", "plate")


@dataclass(frozen=True)
class Account:
    """One identifier as a STIX user account."""

    account_type: str
    """``phone``, the platform (``telegram``) or ``payment-<method>``."""
    login: str
    """The normalised identifier."""

    def observable(self, marking_refs: list[str]) -> stix2.UserAccount:
        """The ``user-account`` SCO (its id depends only on type and login)."""
        return stix2.UserAccount(
            account_type=self.account_type,
            account_login=self.login,
            object_marking_refs=marking_refs,
        )

    def pattern(self) -> str:
        """A STIX pattern matching this account."""
        return (
            f"[user-account:account_type = '{quote(self.account_type)}'"
            f" AND user-account:account_login = '{quote(self.login)}']"
        )


def account_of(kind: str, value: str) -> Account:
    """The account of a normalised identifier of ``kind`` (see :data:`ACCOUNT_KINDS`).

    ``handle`` values are ``platform:name``, ``payment`` values ``METHOD:identifier``.
    """
    if kind == "phone":
        return Account("phone", value)
    head, sep, tail = value.partition(":")
    if not sep:
        # The correlator's shared value: compact, without the platform or method it was
        # written with (agencies label those differently); kept under a generic type.
        head, tail = ("handle" if kind == "handle" else "PAYMENT"), value
    if kind == "handle":
        return Account(head, tail)
    if kind == "payment":
        return Account(f"payment-{head.lower().replace('_', '-')}", tail)
    raise ValueError(f"{kind!r} is not an account kind")


def quote(text: str) -> str:
    """``text`` as the inside of a STIX pattern string literal."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def account_objects(
    accounts: list[tuple[str, Account]], who: Authorship, valid_from: dt.datetime
) -> tuple[list[Any], list[str]]:
    """Per account: its observable and an indicator. Returns them and the indicator ids.

    ``accounts`` pairs each account with what it is (``phone``, ``messaging handle``..).
    """
    objects: list[Any] = []
    indicators: list[str] = []
    seen: set[Account] = set()
    for what, account in accounts:
        if account in seen:
            continue
        seen.add(account)
        pattern = account.pattern()
        indicator = stix2.Indicator(
            id=stix_id("indicator", who.key, pattern),
            name=f"{what} {account.login}",
            description=f"A {what} reported in {who.key}.",
            pattern=pattern,
            pattern_type="stix",
            valid_from=valid_from,
            indicator_types=["malicious-activity"],
            **who.common(),
        )
        objects += [account.observable(who.marking_refs), indicator]
        indicators.append(indicator.id)
    return objects, indicators


def conveyance_object(
    local: str, name: str, identifiers: list[str], description: str, who: Authorship
) -> stix2.Infrastructure:
    """A vessel, vehicle or aircraft as ``infrastructure`` (``local`` names it within ``who``)."""
    return stix2.Infrastructure(
        id=stix_id("infrastructure", who.key, local),
        name=name,
        infrastructure_types=["staging"],
        aliases=identifiers or None,
        description=description,
        **who.common(),
    )
