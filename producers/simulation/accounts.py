"""Messaging and social accounts and payment channels: what a network uses, how it is written."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from producers.simulation.agencies import Profile
from producers.simulation.knobs import Dice
from producers.simulation.phones import Phone, write_phone

_HANDLE_WORDS = (
    "safar", "europe", "yunan", "italia", "germany", "london", "dunki", "visa", "jobs", "kaam",
    "rozgar", "travel", "tours", "road", "yol", "gemi", "overseas", "express", "royal", "golden",
    "star", "madina", "khyber", "pardes", "manzil", "rahi", "musafir", "sahil", "deniz", "ege",
    "kaptan", "bahr", "umeed", "naya", "sitara", "asman",
)  # fmt: skip


@dataclass(frozen=True)
class Account:
    """An account on a platform."""

    platform: str
    """telegram, signal, facebook, instagram or tiktok."""
    handle: str
    """The username, as the platform stores it."""
    display: str
    """The display name shown on the profile."""


def new_account(rng: random.Random, social: bool, attempt: int) -> Account:
    """A fresh account; ``attempt`` grows the suffix when names run short."""
    if social:
        platform = rng.choice(("facebook", "facebook", "tiktok", "instagram"))
    else:
        platform = rng.choice(("telegram", "telegram", "telegram", "signal"))
    first, second = rng.sample(_HANDLE_WORDS, 2)
    suffix = rng.choice(("", "", f"{rng.randint(1, 99)}", "pk", "official", "24"))
    if attempt > 50:
        suffix = f"{suffix}{rng.randint(100, 9999)}"
    separator = {"telegram": "_", "signal": "", "tiktok": "_"}.get(platform, ".")
    handle = separator.join(p for p in (first, second, suffix) if p)
    if platform == "signal":
        handle = f"{handle}.{rng.randint(1, 99):02d}"
    display = " ".join(w.capitalize() for w in (first, second, suffix) if w)
    return Account(platform, handle, display)


def write_account(dice: Dice, account: Account) -> dict[str, str]:
    """``{"platform", "handle"}`` as an officer copies it from a phone or a screenshot."""
    rng = dice.rng
    platform = rng.choice((account.platform, account.platform, account.platform.capitalize()))
    if account.platform == "telegram" and rng.random() < 0.15:
        platform = "TG"
    if dice.happens("handle_display_name"):
        return {"platform": platform, "handle": account.display}
    name = account.handle
    if dice.happens("handle_separator_slip"):
        name = _slip(rng, name)
    if dice.happens("handle_case"):
        name = rng.choice((name.upper(), name.title(), name.capitalize()))
    forms = {
        "telegram": (f"@{name}", name, f"t.me/{name}", f"https://t.me/{name}"),
        "signal": (name, f"@{name}"),
        "facebook": (name, f"facebook.com/{name}", f"https://www.facebook.com/{name}"),
        "instagram": (f"@{name}", name, f"instagram.com/{name}/"),
        "tiktok": (f"@{name}", f"tiktok.com/@{name}", name),
    }[account.platform]
    return {"platform": platform, "handle": rng.choice(forms)}


def _slip(rng: random.Random, name: str) -> str:
    """``_`` or ``.`` dropped, or one swapped for the other (a handle dictated over the phone)."""
    marks = [m.start() for m in re.finditer(r"[._]", name)]
    if not marks:
        return name
    i = rng.choice(marks)
    replacement = rng.choice(("", "." if name[i] == "_" else "_"))
    return name[:i] + replacement + name[i + 1 :]


# --------------------------------------------------------------------------- payments

_HAWALA_NAMES = (
    "Al-Madina", "Bismillah", "Al-Noor", "Khyber", "Zamzam", "Shah Jahan", "Kabul", "Al-Haram",
    "Madni", "Shaheen", "Ravi", "Bolan", "Makran", "Al-Rehman", "Sultan", "Hijaz", "Peshawar",
)  # fmt: skip
_HAWALA_KINDS = {
    "Exchange": "Exch.",
    "Money Changer": "M/C",
    "Traders": "Trdrs",
    "Goods Transport": "GTS",
    "Jewellers": "Jewl.",
}
HAWALA_CITIES = {
    "PK": ("Quetta", "Karachi", "Peshawar", "Lahore", "Turbat"),
    "IR": ("Zahedan", "Tehran", "Mashhad"),
    "TR": ("Aksaray Istanbul", "Zeytinburnu Istanbul", "Van", "Izmir"),
    "GR": ("Omonia Athens",),
    "LY": ("Benghazi", "Tripoli"),
    "AE": ("Deira Dubai", "Sharjah"),
}
_BANKS = {
    "PK": ("SCBL", "HABB", "MUCB", "UNIL", "ABPA", "MEZN"),
    "TR": ("000100", "000120", "000460", "000620", "000640"),
    "AE": ("033", "035", "026"),
    "GR": ("0110125", "0140101", "0172000"),
}
_IBAN_LENGTH = {"PK": 24, "TR": 26, "AE": 23, "GR": 27}
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True)
class Payment:
    """Where migrants pay."""

    method: str
    """PaymentMethod symbol: HAWALA, BANK_TRANSFER, MOBILE_MONEY or CRYPTO."""
    value: str
    """Shop name and city, IBAN, or wallet address (mobile money: see ``phone``)."""
    phone: Phone | None = None
    """The wallet's number, for mobile money."""


def new_payment(rng: random.Random, country: str, phone: Phone, attempt: int) -> Payment:
    """A fresh payment channel used in ``country`` (``phone``: a fresh number for a wallet)."""
    methods = ["HAWALA", "HAWALA", "CRYPTO"]
    if country == "PK":
        methods.append("MOBILE_MONEY")
    if country in _BANKS:
        methods.append("BANK_TRANSFER")
    method = rng.choice(methods)
    if method == "HAWALA":
        cities = HAWALA_CITIES.get(country, HAWALA_CITIES["PK"])
        name = f"{rng.choice(_HAWALA_NAMES)} {rng.choice(sorted(_HAWALA_KINDS))}"
        if attempt > 50:
            name = f"{name} {rng.randint(2, 99)}"
        return Payment(method, f"{name}, {rng.choice(cities)}")
    if method == "BANK_TRANSFER":
        bank = rng.choice(_BANKS[country])
        digits = _IBAN_LENGTH[country] - 4 - len(bank)
        bban = bank + "".join(rng.choice("0123456789") for _ in range(digits))
        numeric = "".join(str(int(c, 36)) for c in f"{bban}{country}00")
        return Payment(method, f"{country}{98 - int(numeric) % 97:02d}{bban}")
    if method == "MOBILE_MONEY":
        return Payment(method, phone.e164, phone)
    return Payment(method, "T" + "".join(rng.choice(_BASE58) for _ in range(33)))


def write_payment(dice: Dice, payment: Payment, writer: Profile) -> str:
    """The payment identifier as written."""
    rng = dice.rng
    if payment.method == "MOBILE_MONEY" and payment.phone is not None:
        number = write_phone(dice, payment.phone, writer)
        return f"{rng.choice(('JazzCash', 'Easypaisa'))} {number}" if rng.random() < 0.3 else number
    if payment.method == "BANK_TRANSFER":
        grouped = " ".join(payment.value[i : i + 4] for i in range(0, len(payment.value), 4))
        return rng.choice(
            (payment.value, grouped, grouped, f"IBAN {grouped}", payment.value.lower())
        )
    if payment.method == "CRYPTO":
        if dice.happens("wallet_shortened"):
            return f"{payment.value[:6]}...{payment.value[-4:]}"
        return payment.value
    shop, city = payment.value.rsplit(", ", 1)
    if dice.happens("hawala_form"):
        for kind, short in _HAWALA_KINDS.items():
            shop = shop.replace(kind, short)
        return rng.choice((shop, f"{shop} ({city})"))
    return rng.choice((payment.value, f"{shop} - {city}", f"{shop} {city}"))
