"""Transliteration-tolerant keys for names written by different agencies.

Smuggler aliases and place names reach the task force in Urdu, Pashto, Dari,
Arabic, Turkish and Greek, romanised differently by each agency ("Mohammad",
"Muhammed", "محمد"). A name key keeps what survives romanisation: the
consonant skeleton after folding common digraphs, so those variants meet.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

# Digraphs and letters that romanisations of the region's languages spell differently.
_FOLDS = (
    ("q", "k"),  # first, so that "cq" and "ck" fold alike (keys must be stable under refolding)
    ("sch", "s"),
    ("ph", "f"),
    ("kh", "x"),
    ("gh", "g"),
    ("sh", "s"),
    ("ch", "c"),
    ("zh", "z"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("w", "v"),
    ("j", "j"),
)
_VOWELS = set("aeiouyvh")
_NON_LETTERS = re.compile(r"[^a-z ]+")


def _fold_once(word: str) -> str:
    for old, new in _FOLDS:
        word = word.replace(old, new)
    if not word:
        return ""
    # Keep the first letter (initial vowels carry identity: "Ali" vs "Li"), then
    # consonants only, with doubled letters collapsed ("Hajji" ~ "Haji").
    out = [word[0]]
    for letter in word[1:]:
        if letter in _VOWELS:
            continue
        if letter != out[-1]:
            out.append(letter)
    return "".join(out)


def _fold_word(word: str) -> str:
    # Dropping vowels can create a new digraph ("caq" -> "ck"): fold until stable, so a
    # key folds to itself. Each pass keeps or shortens the word, so this ends.
    folded = _fold_once(word)
    while folded != word:
        word, folded = folded, _fold_once(folded)
    return folded


def name_tokens(name: str) -> tuple[str, ...]:
    """Folded tokens of a name, in order; empty tokens and one-letter initials dropped."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", name)).lower()
    words = _NON_LETTERS.sub(" ", ascii_text).split()
    return tuple(token for token in (_fold_word(w) for w in words) if len(token) > 1)


def name_key(name: str) -> str:
    """Order-independent key of a name ("Baloch Haji" and "Haji Baloch" agree)."""
    return " ".join(sorted(name_tokens(name)))
