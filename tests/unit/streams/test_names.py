"""Names across scripts and transliterations: which spellings are one name, which are not."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.names import TOKEN_MATCH, name_tokens, split_aliases, token_similarity


def _same_name(a: str, b: str) -> bool:
    """Every token of the shorter name has a match in the other."""
    ta, tb = name_tokens(a), name_tokens(b)
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return bool(short) and all(
        max(token_similarity(x, y) for y in long_) >= TOKEN_MATCH for x in short
    )


VARIANTS = [
    pytest.param(
        [
            "Abdul Rahman",
            "Abdurrahman",
            "Abd al-Rahman",
            "Abdel Rahman",
            "Abdurahman",
            "عبد الرحمن",
        ],
        id="abd-compound-joined-or-apart",
    ),
    pytest.param(["Umar", "Omar", "Ömer", "Omer", "عمر"], id="vowel-and-diacritic"),
    pytest.param(
        ["Haddad", "Hadad", "Al-Haddad", "al Haddad", "حداد", "الحداد"], id="doubled-letters"
    ),
    pytest.param(["Khan", "Kahn", "خان"], id="transposed-letters"),
    pytest.param(["Yusuf", "Yousef", "Joseph", "Youssef", "يوسف"], id="cross-language"),
    pytest.param(["Nikos", "Nikolaos", "Νίκος", "Νικόλαος"], id="greek-short-form"),
    pytest.param(["Mohammed", "Muhammad", "Mohammad", "Mehmet", "محمد"], id="muhammad"),
    pytest.param(
        ["Haji Baloch", "Hajji Balouch", "Baloch Haji", "حاجی بلوچ"], id="title-and-order"
    ),
    pytest.param(["Hussain", "Hussein", "Hüseyin", "Husain"], id="husayn"),
    pytest.param(["Qasim Zareef", "Kasim Zarif", "Kassim Zarif"], id="q-k-and-long-vowels"),
    pytest.param(["Murat Öztürk", "Murat Ozturk", "Mourat Ozturk"], id="turkish-diacritics"),
    pytest.param(
        ["Kostas Papadopoulos", "Κώστας Παπαδόπουλος", "Konstantinos Papadopoulos"],
        id="greek-script-and-hypocorism",
    ),
]


@pytest.mark.parametrize("variants", VARIANTS)
def test_spellings_of_one_name_match(variants: list[str]) -> None:
    for a, b in itertools.combinations(variants, 2):
        assert _same_name(a, b), (a, b, name_tokens(a), name_tokens(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Umar", "Amir", id="umar-amir"),
        pytest.param("Karim", "Rahim", id="karim-rahim"),
        pytest.param("Hassan", "Hussain", id="hasan-husayn"),
        pytest.param("Khan", "Khalid", id="khan-khalid"),
        pytest.param("Volkan Sahin", "Mehmet Sahin", id="same-surname-other-given-name"),
        pytest.param("Baloch", "Bugti", id="two-baloch-tribes"),
    ],
)
def test_different_names_do_not_match(a: str, b: str) -> None:
    assert not _same_name(a, b)


@pytest.mark.parametrize(
    ("name", "common"),
    [
        pytest.param("Muhammad Khan", [True, True], id="muhammad-khan"),
        pytest.param("محمد خان", [True, True], id="muhammad-khan-arabic-script"),
        pytest.param("Haji Baloch", [True, False], id="title-is-common"),
        pytest.param("Zubair Rind", [False, False], id="uncommon"),
    ],
)
def test_common_names_and_titles_are_flagged(name: str, common: list[bool]) -> None:
    assert [t.common for t in name_tokens(name)] == common


def test_compounds_become_one_token_whichever_way_they_are_written() -> None:
    canon = {tuple(t.canonical for t in name_tokens(n)) for n in ("Abdul Rahman", "Abdurrahman")}
    assert canon == {("abdrahman",)}


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    for x in name_tokens(a):
        for y in name_tokens(b):
            assert token_similarity(x, y) == token_similarity(y, x)
            assert 0.0 <= token_similarity(x, y) <= 1.0


@pytest.mark.parametrize(
    ("field", "names"),
    [
        pytest.param(
            "Abu Yusuf (aka Haji Baloch)", ["Abu Yusuf", "Haji Baloch"], id="aka-brackets"
        ),
        pytest.param("Haji Baloch a.k.a. Doctor", ["Haji Baloch", "Doctor"], id="a-k-a"),
        pytest.param("Kasim Zarif / قاسم ظریف", ["Kasim Zarif", "قاسم ظریف"], id="two-scripts"),
        pytest.param("Akram Khan", ["Akram Khan"], id="one-name"),
    ],
)
def test_one_field_with_several_names_is_split(field: str, names: list[str]) -> None:
    assert split_aliases(field) == names


@given(st.text(max_size=80))
def test_any_alias_field_splits_and_tokenises_without_error(text: str) -> None:
    for name in split_aliases(text):
        assert name.strip() == name and name
        for token in name_tokens(name):
            assert token.canonical and token.keys
