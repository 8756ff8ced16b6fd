"""Personal names across scripts and transliterations: tokens, blocking keys, similarity.

A name is romanised with ``anyascii`` (Arabic, Persian, Urdu, Greek, Cyrillic
scripts), split into tokens, ``Abd X`` compounds are joined whichever way they
were written (*Abdul Rahman*, *Abdurrahman*, *Abd al-Rahman*), articles and
connectors dropped, and each token mapped to its canonical spelling through the
documented table of equivalents (``streams.name_equivalents``). Tokens are
compared with Jaro-Winkler similarity (``rapidfuzz``) on a spelling-folded form,
and blocked by a phonetic key (Metaphone from ``jellyfish``, without vowels and
``h``), so that *Khan*/*Kahn*, *Haddad*/*Hadad* and a vowel-less Arabic-script
rendering meet without comparing every pair of names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler

from streams.name_equivalents import (
    ABD_PREFIXES,
    ARTICLES,
    COMMON_TOKENS,
    CONNECTORS,
    TITLES,
    equivalence_index,
)

_EQUIVALENT = equivalence_index()
_NON_LETTERS = re.compile(r"[^a-z]+")
_VOWELS = "aeiou"
# Spelling choices that differ between romanisation schemes of the same sound.
_FOLDS = (
    ("kh", "k"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("sh", "s"),
    ("ch", "c"),
    ("q", "k"),
    ("w", "v"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("y", "i"),
    ("e", "a"),
    ("o", "u"),
)
_CONSONANT_FOLDS = (
    ("kh", "k"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("sh", "s"),
    ("ch", "c"),
    ("zh", "z"),
    ("q", "k"),
)
#: Two tokens are the same name at or above this similarity.
TOKEN_MATCH = 0.88


@dataclass(frozen=True)
class NameToken:
    """One token of a personal name, ready to compare."""

    canonical: str
    """Canonical spelling (table of equivalents) or the romanised token."""
    folded: str
    """Spelling-folded form compared by similarity."""
    keys: tuple[str, ...]
    """Blocking keys: Metaphone code and consonant skeleton."""
    index_keys: tuple[str, ...]
    """The blocking keys as indexed (``name:`` + key); empty for a common token."""
    skeleton: str
    """Consonant skeleton (what an abjad spelling keeps)."""
    vowelless: bool
    """Written in an abjad (Arabic script): vowels were never there to compare."""
    common: bool
    """A title or very frequent name: weak evidence on its own."""
    title: bool = False
    """A title or kinship word: differing ones do not make two names different."""


def fold(token: str) -> str:
    """Spelling-folded form: digraphs and vowel spellings unified, doubled letters single."""
    for old, new in _FOLDS:
        token = token.replace(old, new)
    out: list[str] = []
    for letter in token:
        if not out or letter != out[-1]:
            out.append(letter)
    return "".join(out)


def skeleton(token: str) -> str:
    """Consonants of a romanised token, long-vowel letters (internal w, y) dropped."""
    for old, new in _CONSONANT_FOLDS:
        token = token.replace(old, new)
    out = [token[0]] if token and token[0] not in _VOWELS else []
    for letter in token[1:]:
        if letter in _VOWELS or letter in "wy":
            continue
        if not out or letter != out[-1]:
            out.append(letter)
    return "".join(out)


def phonetic_key(token: str) -> str:
    """Metaphone without vowels and ``h``: stable across vowel and aspiration spellings."""
    code = jellyfish.metaphone(token) if token.isalpha() else token
    key = "".join(c for c in code.upper() if c not in "AEIOUH")
    return key or token.upper()


def _abd_compound(rest: str) -> str:
    """``Abd`` + the divine name, however the article between them was written."""
    match = re.match(r"^[aeiou]?l(?=[^aeiou])", rest)
    if match:
        rest = rest[match.end() :]
    elif re.match(r"^[aeiou]?([^aeiou])\1", rest):
        rest = rest[2:] if rest[0] in _VOWELS else rest[1:]
    elif rest[:1] in _VOWELS and len(rest) > 3:
        rest = rest[1:]
    return "abd" + _EQUIVALENT.get(rest, rest)


def _join_compounds(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in ABD_PREFIXES and i + 1 < len(words):
            nxt = words[i + 1]
            if nxt in ARTICLES and i + 2 < len(words):
                word, i = word + nxt + words[i + 2], i + 3
            else:
                word, i = word + nxt, i + 2
        else:
            i += 1
        if word in _EQUIVALENT:
            out.append(_EQUIVALENT[word])
            continue
        prefix = next(
            (p for p in ABD_PREFIXES if word.startswith(p) and len(word) > len(p) + 2), ""
        )
        out.append(_abd_compound(word[3:]) if prefix else word)
    return out


def _abjad_words(words: list[str]) -> list[str]:
    """Undo what romanising an abjad glues or drops: the article "l-", the "a" of "abd"."""
    out: list[str] = []
    for word in words:
        if word == "bd":
            word = "abd"
        elif word.startswith("l") and len(word) >= 4:
            word = word[1:]
        out.append(word)
    return out


def _is_abjad(text: str) -> bool:
    return any("ARABIC" in unicodedata.name(ch, "") for ch in text)


@lru_cache(maxsize=65536)
def name_tokens(name: str) -> tuple[NameToken, ...]:
    """Tokens of a personal name, in order; connectors, articles and initials dropped."""
    text = unicodedata.normalize("NFKC", name)
    vowelless = _is_abjad(text)
    ascii_text = anyascii(text).lower().replace("'", "").replace("`", "")
    words = [w for w in _NON_LETTERS.split(ascii_text) if w]
    words = [w for w in words if w not in CONNECTORS]
    if vowelless:
        words = _abjad_words(words)
    kept = [w for i, w in enumerate(words) if not (w in ARTICLES and i + 1 < len(words))]
    tokens: list[NameToken] = []
    for word in _join_compounds(kept):
        if len(word) < 2:
            continue
        canonical = _EQUIVALENT.get(word, word)
        if canonical == word and fold(word) in _FOLDED_EQUIVALENT:
            canonical = _FOLDED_EQUIVALENT[fold(word)]
        readings = _SKELETON_INDEX.get(skeleton(word), set()) if vowelless else set()
        if len(readings) == 1:
            canonical = next(iter(readings))
        common = canonical in COMMON_TOKENS or bool(readings and readings <= COMMON_TOKENS)
        keys = (phonetic_key(canonical), "s" + skeleton(canonical))
        tokens.append(
            NameToken(
                canonical=canonical,
                folded=fold(canonical),
                keys=keys,
                index_keys=() if common else tuple(f"name:{k}" for k in keys),
                skeleton=skeleton(canonical),
                vowelless=vowelless,
                common=common,
                title=canonical in TITLES,
            )
        )
    return tuple(tokens)


_FOLDED_EQUIVALENT = {fold(spelling): canonical for spelling, canonical in _EQUIVALENT.items()}
_SKELETON_INDEX: dict[str, set[str]] = {}
for _canonical in set(_EQUIVALENT.values()):
    _SKELETON_INDEX.setdefault(skeleton(_canonical), set()).add(_canonical)


def token_similarity(a: NameToken, b: NameToken) -> float:
    """Similarity in [0, 1]: 1 for the same canonical name, else Jaro-Winkler of folded forms."""
    if a.canonical == b.canonical:
        return 1.0
    memo = (a.canonical, b.canonical, a.vowelless, b.vowelless)
    found = _SIMILARITY.get(memo)
    if found is None:
        if (a.vowelless or b.vowelless) and a.skeleton == b.skeleton and len(a.skeleton) >= 2:
            found = 0.93
        else:
            found = float(JaroWinkler.normalized_similarity(a.folded, b.folded, processor=None))
        if len(_SIMILARITY) > _SIMILARITY_MEMO:
            _SIMILARITY.clear()
        _SIMILARITY[memo] = found
    return found


#: Token pairs compared recently (the same names recur across an operation's reports).
_SIMILARITY: dict[tuple[str, str, bool, bool], float] = {}
_SIMILARITY_MEMO = 200_000


#: What officers write between two names of one person ("Haji Baloch aka Doctor").
_ALIAS_SEPARATORS = re.compile(
    r"\s*(?:\b(?:a\.?k\.?a\.?|alias|also known as|known as|called|lakab(?:i|\u0131)|diger adi|"
    r"detto|dit)\b|[/|;,()\[\]])\s*",
    re.IGNORECASE,
)


def _strip_name(part: str) -> str:
    """Without surrounding blanks, quotes and punctuation (repeatedly: '" Kaptan ."')."""
    before = None
    while before != part:
        before, part = part, part.strip().strip(".:-'\"“”«»")
    return part


def split_aliases(text: str) -> list[str]:
    """The names in one written alias field ("Abu Yusuf (aka Haji Baloch)" gives two)."""
    parts = (_strip_name(part) for part in _ALIAS_SEPARATORS.split(text) if part)
    return [part for part in parts if part]


def name_key(name: str) -> str:
    """Order-independent key of a name: its sorted phonetic token keys."""
    return " ".join(sorted(t.keys[0] for t in name_tokens(name)))
