"""How an officer writes a smuggler's name: scheme, script, compounds, typos, order, honorifics."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from producers.simulation.knobs import Dice
from producers.simulation.name_table import HONORIFICS, WORDS

#: Script family of each writer language that writes names natively.
SCRIPT_OF_LANGUAGE = {"ur": "arab", "fa": "arab", "ar": "arab", "el": "grek"}
#: The honorific a writer adds by habit.
HABITUAL_HONORIFIC = {
    "ur": "haji",
    "fa": "haji",
    "ar": "sheikh",
    "tr": "reis",
    "el": "kapetan",
    "en": "doctor",
}


@dataclass(frozen=True)
class Alias:
    """A person's name as the table knows it."""

    words: tuple[str, ...]
    """Keys of :data:`name_table.WORDS`, given names first, surname last."""
    honorific: str | None
    """Key of the honorific the person is known by, if any."""


def write_alias(dice: Dice, alias: Alias, language: str) -> str:
    """One officer's rendering of ``alias``."""
    rng = dice.rng
    honorific = alias.honorific
    if dice.happens("name_honorific"):
        honorific = None if honorific else HABITUAL_HONORIFIC.get(language, "haji")
    keys = [*([honorific] if honorific else []), *alias.words]
    script = SCRIPT_OF_LANGUAGE.get(language)
    words = [WORDS[k] for k in keys]
    if script is not None and dice.happens("name_native_script"):
        native = [(w.arab if script == "arab" else w.grek) for w in words]
        if all(native):
            return " ".join(n for n in native if n)
    written: list[str] = []
    for word in words:
        text = word.usual(language)
        if dice.happens("name_other_scheme"):
            text = rng.choice(word.spellings())
        if word.equivalents and dice.happens("name_equivalent"):
            text = rng.choice(word.equivalents)
        if word.joined and dice.happens("name_compound"):
            text = rng.choice(word.joined)
        written.append(text)
    if dice.happens("name_typo"):
        index = rng.randrange(len(written))
        written[index] = typo(rng.random(), rng.random(), written[index])
    if dice.happens("name_case_diacritics"):
        if rng.random() < 0.5:
            written = [strip_diacritics(w) for w in written]
        else:
            written[-1] = written[-1].upper()
    if len(alias.words) > 1 and dice.happens("name_surname_first"):
        first = 1 if honorific else 0
        written = [*written[:first], written[-1], *written[first:-1]]
    return " ".join(written)


def typo(where: float, which: float, word: str) -> str:
    """A doubled letter made single, a single consonant doubled, or two letters transposed."""
    letters = list(word)
    doubled = [i for i in range(1, len(letters)) if letters[i] == letters[i - 1]]
    if doubled and which < 0.5:
        i = doubled[int(where * len(doubled))]
        return "".join(letters[:i] + letters[i + 1 :])
    inner = [i for i in range(1, len(letters) - 1) if letters[i].isalpha()]
    if not inner:
        return word
    i = inner[int(where * len(inner))]
    if which < 0.75 and letters[i].lower() not in "aeiou":
        return "".join([*letters[: i + 1], letters[i], *letters[i + 1 :]])
    if letters[i + 1].isalpha():
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    return "".join(letters)


def strip_diacritics(text: str) -> str:
    """Ömer -> Omer, Yılmaz -> Yilmaz: what a keyboard without the letters gives."""
    text = text.replace("ı", "i").replace("İ", "I")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def honorific_keys() -> tuple[str, ...]:
    """Every honorific in the table."""
    return tuple(w.key for w in HONORIFICS)
