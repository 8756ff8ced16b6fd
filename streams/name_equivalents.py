"""Documented table of personal-name equivalents and of names that say little.

Smuggler aliases reach the task force romanised by officers of five languages.
Edit distance alone cannot tell that *Yusuf* and *Joseph*, *Nikos* and
*Nikolaos* or *Mehmet* and *Muhammad* are one name; this table can. Each entry
lists spellings of one name as found in Latin renderings of Arabic, Urdu,
Pashto, Dari/Persian, Turkish and Greek, plus the cross-language equivalent
(Biblical/English form) where officers use it. Sources: common romanisation
practice (ALA-LC, UN, Turkish and Greek official spelling, English press usage).

``COMMON_TOKENS`` are titles, kinship words and given names so frequent in the
region that sharing one is weak evidence; a name built only of them (*Muhammad
Khan*, *Haji Ali*) weighs little. The correlator also damps a token by how many
alerts hold it, so names not listed here that turn out common weigh little too.
"""

from __future__ import annotations

#: canonical spelling -> other spellings of the same name (lower case, ASCII).
EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "muhammad": (
        "mohammed",
        "mohammad",
        "muhammed",
        "mohamed",
        "mohamad",
        "muhamad",
        "mohd",
        "mehmet",
        "mehmed",
        "mahomed",
        "muhammet",
        "mamad",
        "mohammod",
    ),
    "ahmad": ("ahmed", "ahmet", "ahmmad", "ehmad"),
    "mahmud": ("mahmoud", "mahmood", "mahmut", "mehmood"),
    "yusuf": (
        "yousef",
        "yousuf",
        "yusef",
        "youssef",
        "yosef",
        "joseph",
        "josef",
        "iosif",
        "yousaf",
    ),
    "umar": ("omar", "omer", "umer", "oumar"),
    "uthman": ("osman", "othman", "usman", "osmane", "usmaan"),
    "ali": ("aly", "alee"),
    "hasan": ("hassan", "hasen", "hassen"),
    "husayn": ("hussein", "hussain", "husain", "hosein", "hossein", "huseyin", "husseyn"),
    "ibrahim": ("ebrahim", "ibraheem", "abraham", "ibrahem", "brahim"),
    "ismail": ("ismael", "esmail", "ismayil", "smail"),
    "ishaq": ("ishak", "isaac", "ishaak", "eshaq"),
    "yaqub": ("yakub", "yacoub", "yaqoob", "yakoub", "yakup", "jacob", "iakovos", "yaqoub"),
    "musa": ("moussa", "mousa", "moses", "mosa"),
    "isa": ("issa", "eesa", "esa"),
    "dawud": ("daud", "daoud", "dawood", "davud", "david", "dawoud"),
    "sulayman": ("suleiman", "sulaiman", "suleyman", "soliman", "sleiman", "solomon", "suleman"),
    "ilyas": ("elias", "ilias", "elyas", "iliyas"),
    "yunus": ("younes", "younis", "yunis", "jonah", "younus"),
    "mustafa": ("mostafa", "moustafa", "mustapha", "mostapha"),
    "khalid": ("khaled", "halid", "khalid", "haled"),
    "said": ("saeed", "saied", "saeid", "sayeed", "sait"),
    "sayyid": ("sayed", "syed", "seyed", "sayyed", "seyyed", "sayid"),
    "jafar": ("jaafar", "jafer", "cafer", "jaffar"),
    "tariq": ("tarek", "tarik", "tareq", "tarik"),
    "zakariya": ("zakaria", "zakariah", "zakariyya", "zachariah", "zacharias", "zekeriya"),
    "hamza": ("hamzah", "hamze"),
    "abdullah": ("abdallah", "abdulla", "abdellah", "abdollah", "abdallah", "abdulah"),
    "nasrullah": ("nasrallah", "nasrollah"),
    "nikolaos": ("nikos", "nicholas", "nikolas", "nicolas", "nikola", "nicola"),
    "ioannis": ("giannis", "yannis", "yiannis", "john", "ioanis", "yanni", "gianni"),
    "georgios": ("giorgos", "yiorgos", "george", "georgeos", "giorgio"),
    "dimitrios": ("dimitris", "demetrios", "demetrius", "mitsos"),
    "konstantinos": ("kostas", "constantinos", "constantine", "costas", "kostis"),
    "panagiotis": ("panayiotis", "panos", "panagiotes"),
    "vasileios": ("vasilis", "vassilis", "basil", "vasilios"),
    "spyridon": ("spyros", "spiros", "spiridon"),
    "athanasios": ("thanasis", "thanos", "athanassios"),
    "evangelos": ("vangelis", "evangelos", "vaggelis"),
    "christos": ("hristos", "khristos"),
    "haddad": ("hadad", "al-haddad", "hadded"),
    "khan": ("kahn", "khaan"),
    "baloch": ("balouch", "baluch", "baloch", "balooch", "beloch"),
    "chaudhry": ("chaudhary", "choudhry", "chaudhri", "chowdhury", "choudhary"),
    "qureshi": ("kureshi", "qureishi", "koreshi", "kuraishi"),
    "haji": ("hajji", "hadji", "haci", "hajj", "hagi"),
    "shaykh": ("sheikh", "shaikh", "sheik", "seyh", "cheikh", "shaik"),
    "mulla": ("mullah", "molla", "mollah"),
    "ustad": ("ustadh", "ustaz", "usta", "ostad"),
    "agha": ("aga", "aqa", "agaa"),
    "abu": ("abou", "abo", "ebu"),
    "kaka": ("kakaa",),
    "rahman": ("rehman", "rahmaan", "rachman"),
    "rahim": ("raheem", "rehim", "rahiim"),
    "karim": ("kareem", "kerim", "karem"),
    "qadir": ("kadir", "kader", "qader", "qadeer"),
    "aziz": ("azeez", "azis"),
    "hamid": ("hameed", "hamed"),
    "rashid": ("rasheed", "rachid", "reshid", "resit"),
    "nawaz": ("navaz", "nawaaz"),
    "mirwais": ("mirvais", "mir wais", "mirways"),
    "gul": ("gol", "gull"),
    "jan": ("jaan", "can"),
    "faisal": ("faysal", "feisal", "faysel"),
    "nasir": ("nasser", "naser", "nassir", "nasir"),
    "amir": ("ameer", "emir", "amer"),
    "zahir": ("zaheer", "zaher"),
    "bashir": ("basheer", "beshir", "besir"),
    "walid": ("waleed", "velid"),
    "shah": ("sha",),
}

#: Tokens that say little on their own: titles, kinship words, the most frequent names.
#: Titles, honorifics and kinship words: they say nothing, and differing ones do not conflict.
TITLES: frozenset[str] = frozenset(
    {
        "haji",
        "shaykh",
        "mulla",
        "ustad",
        "agha",
        "abu",
        "kaka",
        "sayyid",
        "doctor",
        "dr",
        "sahib",
        "sahab",
        "bhai",
        "baba",
        "mama",
        "chacha",
        "lala",
        "mir",
        "bey",
        "effendi",
        "usta",
        "hoca",
        "kapitan",
        "captain",
        "kaptan",
        "kapetan",
        "rais",
        "reis",
        "boss",
        "chaudhry",
        "malik",
        "sardar",
    }
)
COMMON_TOKENS: frozenset[str] = TITLES | frozenset(
    {
        # Clan and honorific words that double as names.
        "khan",
        "shah",
        "gul",
        "jan",
        # The most frequent given names of the corridor.
        "muhammad",
        "ahmad",
        "ali",
        "hasan",
        "husayn",
        "abdullah",
        "umar",
        "ibrahim",
        "yusuf",
        "mahmud",
        "mustafa",
        "khalid",
        "rahman",
        "karim",
        "amir",
        "said",
        "mehmet",
        "georgios",
        "ioannis",
        "konstantinos",
        "dimitrios",
        "nikolaos",
        # The most frequent surnames (Pakistan, Afghanistan, Turkey, Greece, Arab world).
        "butt",
        "baig",
        "qureshi",
        "ahmadi",
        "mohammadi",
        "rahimi",
        "karimi",
        "hakimi",
        "yilmaz",
        "kaya",
        "demir",
        "sahin",
        "celik",
        "yildiz",
        "yildirim",
        "ozturk",
        "aydin",
        "ozdemir",
        "arslan",
        "dogan",
        "kilic",
        "aslan",
        "cetin",
        "kara",
        "koc",
        "kurt",
        "papadopoulos",
        "papadakis",
        "georgiou",
        "oikonomou",
        "nikolaou",
        "vlachos",
        "haddad",
        "masri",
        "najjar",
    }
)

#: Connectors written between names that carry no identity ("bin", "ibn", "ould").
CONNECTORS: frozenset[str] = frozenset({"bin", "ibn", "bint", "ben", "ould", "walad", "s", "o"})
#: Arabic definite article as romanised, written apart or hyphenated ("al-Haddad").
ARTICLES: frozenset[str] = frozenset(
    {"al", "el", "ul", "ar", "ur", "as", "us", "ad", "an", "ash", "at", "az"}
)
#: Spellings of the first half of ``Abd X`` compounds ("servant of ..."), joined or apart.
ABD_PREFIXES: tuple[str, ...] = (
    "abdul",
    "abdel",
    "abdal",
    "abdol",
    "abdur",
    "abdus",
    "abdu",
    "abd",
)


def equivalence_index() -> dict[str, str]:
    """Every listed spelling (and the canonical one) -> canonical spelling."""
    index: dict[str, str] = {}
    for canonical, variants in EQUIVALENTS.items():
        index[canonical] = canonical
        for variant in variants:
            index.setdefault(variant.replace("-", "").replace(" ", ""), canonical)
    return index
