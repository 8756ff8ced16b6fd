"""The simulator's table of name equivalents: how each name is spelled by each writer's scheme.

Written from the romanisation habits of the region's services, independently of
the correlator: Pakistani desks romanise Urdu (Muhammad, Umar, Abdur Rehman),
Iranian ones Persian (Mohammad, Omar, Hossein), Turkish ones write the Turkish
form (Mehmet, Ömer, Hüseyin, Abdurrahman), Greek ones often the Greek script or a
Greek-based romanisation, international bodies an English or French one
(Mohammed, Youssef, Oumar). Languages: ur (Urdu, also Pashto desks), fa
(Persian/Dari), ar (Arabic), tr (Turkish), el (Greek), en (international).
"""

from __future__ import annotations

from dataclasses import dataclass, field

WRITER_LANGUAGES = ("ur", "fa", "ar", "tr", "el", "en")


@dataclass(frozen=True)
class NameWord:
    """One name (given name, surname or honorific) and every way it is written."""

    key: str
    """Identity of the name in the table."""
    schemes: dict[str, tuple[str, ...]]
    """Spellings by writer language, the usual one first; ``en`` is the fallback."""
    arab: str | None = None
    """Arabic-script spelling (Urdu, Persian, Arabic writers)."""
    grek: str | None = None
    """Greek-script spelling."""
    equivalents: tuple[str, ...] = ()
    """Cross-language equivalents and short forms (Joseph for Yusuf, Mohd for Muhammad)."""
    joined: tuple[str, ...] = field(default=())
    """For compounds: joined or article forms (Abdurrahman, Abd al-Rahman)."""

    def spellings(self) -> tuple[str, ...]:
        """Every Latin spelling, without repeats, in a fixed order."""
        seen: dict[str, None] = {}
        for language in WRITER_LANGUAGES:
            for spelling in self.schemes.get(language, ()):
                seen[spelling] = None
        return tuple(seen)

    def usual(self, language: str) -> str:
        """The spelling a writer of ``language`` uses by habit."""
        return (self.schemes.get(language) or self.schemes["en"])[0]


def _w(key: str, en: str, **kw: object) -> NameWord:
    schemes = {
        lang: tuple(str(kw.pop(lang)).split("|")) for lang in WRITER_LANGUAGES[:-1] if lang in kw
    }
    schemes["en"] = tuple(en.split("|"))
    return NameWord(
        key=key,
        schemes=schemes,
        arab=kw.pop("arab", None),  # type: ignore[arg-type]
        grek=kw.pop("grek", None),  # type: ignore[arg-type]
        equivalents=tuple(str(kw.pop("eq", "")).split("|")) if "eq" in kw else (),
        joined=tuple(str(kw.pop("joined", "")).split("|")) if "joined" in kw else (),
    )


GIVEN: tuple[NameWord, ...] = (
    _w("muhammad", "Mohammed|Mohamed|Muhammad", ur="Muhammad|Mohammad", fa="Mohammad|Mohamad",
       ar="Mohamed|Mohammed", tr="Mehmet|Muhammet|Muhammed", el="Mochamet|Mohamed",
       arab="محمد", grek="Μωχάμεντ", eq="Mohd|Md"),
    _w("abdul_rahman", "Abdul Rahman|Abdel Rahman", ur="Abdur Rehman|Abdul Rehman",
       fa="Abdolrahman|Abdul Rahman", ar="Abd al-Rahman|Abdel Rahman", tr="Abdurrahman",
       arab="عبدالرحمن", joined="Abdurrahman|Abdulrahman|Abd al-Rahman|Abdelrahman|Abdurrehman"),
    _w("umar", "Omar|Oumar", ur="Umar|Umer", fa="Omar", ar="Omar|Umar", tr="Ömer|Omer",
       el="Omar", arab="عمر", grek="Ομάρ"),
    _w("yusuf", "Youssef|Yousef|Yusuf", ur="Yousaf|Yusuf", fa="Yousef|Yusef", ar="Youssef|Yusuf",
       tr="Yusuf", el="Giousouf", arab="یوسف", grek="Γιουσούφ", eq="Joseph|Iosif"),
    _w("hussain", "Hussein|Husain", ur="Hussain|Husain", fa="Hossein|Hosein", ar="Hussein|Husayn",
       tr="Hüseyin|Huseyin", el="Chousein", arab="حسین", grek="Χουσεΐν"),
    _w("ahmad", "Ahmed|Ahmad", ur="Ahmad|Ahmed", fa="Ahmad", ar="Ahmed|Ahmad", tr="Ahmet",
       el="Achmet", arab="احمد", grek="Αχμέτ", eq="Achmed"),
    _w("ibrahim", "Ibrahim", ur="Ibrahim", fa="Ebrahim|Ibrahim", ar="Ibrahim|Brahim",
       tr="İbrahim|Ibrahim", el="Imprahim", arab="ابراهیم", grek="Ιμπραήμ", eq="Abraham"),
    _w("mustafa", "Mustafa|Moustafa", ur="Mustafa|Mustafa", fa="Mostafa", ar="Mustafa|Mostafa",
       tr="Mustafa", el="Moustafa", arab="مصطفی", grek="Μουσταφά", eq="Mustapha"),
    _w("suleiman", "Suleiman|Sulaiman", ur="Sulaiman|Suleman", fa="Soleiman|Soleyman",
       ar="Sulaiman|Slimane", tr="Süleyman|Suleyman", el="Souleiman", arab="سلیمان",
       eq="Solomon"),
    _w("ismail", "Ismail|Ismael", ur="Ismail|Ismaeel", fa="Esmail|Esmaeil", ar="Ismail|Smail",
       tr="İsmail|Ismail", el="Ismail", arab="اسماعیل", grek="Ισμαήλ"),
    _w("abdullah", "Abdullah|Abdallah", ur="Abdullah|Abdulla", fa="Abdollah",
       ar="Abdallah|Abdullah", tr="Abdullah", el="Ampntoulach", arab="عبدالله",
       joined="Abd Allah|Abdulla|Abd-Allah"),
    _w("hassan", "Hassan|Hasan", ur="Hassan|Hasan", fa="Hasan", ar="Hassan", tr="Hasan",
       el="Chasan", arab="حسن", grek="Χασάν"),
    _w("tariq", "Tariq|Tarik", ur="Tariq|Tarique", fa="Tareq", ar="Tarek|Tariq", tr="Tarık|Tarik",
       arab="طارق"),
    _w("nadeem", "Nadeem|Nadim", ur="Nadeem", fa="Nadim", ar="Nadim", arab="ندیم"),
    _w("javed", "Javed|Javid", ur="Javed|Javaid", fa="Javid", tr="Cavit", arab="جاوید"),
    _w("ghulam", "Ghulam|Gholam", ur="Ghulam", fa="Gholam|Qolam", arab="غلام"),
    _w("zubair", "Zubair|Zubayr", ur="Zubair|Zubeir", fa="Zobeir", ar="Zubayr|Zoubair", tr="Zübeyr",
       arab="زبیر"),
    _w("mirwais", "Mirwais|Mirvais", ur="Mirwais", fa="Mirvais|Mirways", arab="میرویس"),
    _w("jamshid", "Jamshid|Jamsheed", fa="Jamshid", ur="Jamsheed", tr="Cemşit", arab="جمشید"),
    _w("murat", "Murat|Murad", tr="Murat", ar="Mourad|Murad", fa="Morad", ur="Murad",
       el="Mourat", arab="مراد", grek="Μουράτ"),
    _w("kemal", "Kemal|Kamal", tr="Kemal", ar="Kamal", ur="Kamal", fa="Kamal", arab="کمال",
       grek="Κεμάλ"),
    _w("khalifa", "Khalifa|Khalifah", ar="Khalifa|Khelifa", ur="Khalifa", arab="خلیفه"),
    _w("hamza", "Hamza|Hamzah", ar="Hamza", ur="Hamza", tr="Hamza", arab="حمزه"),
    _w("nikolaos", "Nikolaos|Nicholas", el="Nikolaos|Nikos", tr="Nikolas", grek="Νικόλαος",
       eq="Nikos|Nick|Nikolas"),
    _w("georgios", "Georgios|George", el="Georgios|Giorgos|Yiorgos", tr="Yorgo", grek="Γεώργιος",
       eq="Giorgos|George"),
    _w("dimitrios", "Dimitrios|Demetrios", el="Dimitrios|Dimitris", grek="Δημήτριος",
       eq="Dimitris|Mitsos"),
)  # fmt: skip

SURNAMES: tuple[NameWord, ...] = (
    _w("khan", "Khan", ur="Khan|Khaan", fa="Khan", tr="Han", el="Chan", arab="خان", grek="Χαν"),
    _w("baloch", "Baloch|Baluch", ur="Baloch|Balouch", fa="Baluch|Balouch", arab="بلوچ"),
    _w("haddad", "Haddad", ar="Haddad|al-Haddad", fa="Haddad", tr="Haddat", arab="حداد",
       grek="Χαντάντ", joined="al-Haddad|El-Haddad|Alhaddad"),
    _w("yousafzai", "Yousafzai|Yusufzai", ur="Yousafzai|Yusufzai", fa="Yousefzai", arab="یوسفزئی"),
    _w("afridi", "Afridi", ur="Afridi|Afreedi", fa="Afridi", arab="آفریدی"),
    _w("qureshi", "Qureshi|Kureshi", ur="Qureshi", ar="Qurashi", tr="Kureyşi", arab="قریشی",
       eq="Kureishi"),
    _w("rahimi", "Rahimi", fa="Rahimi|Rahimy", ur="Raheemi", arab="رحیمی"),
    _w("karimi", "Karimi", fa="Karimi", ur="Kareemi", arab="کریمی"),
    _w("yilmaz", "Yilmaz", tr="Yılmaz|Yilmaz", el="Gilmaz", grek="Γιλμάζ"),
    _w("demir", "Demir", tr="Demir", el="Ntemir", grek="Ντεμίρ"),
    _w("shah", "Shah", ur="Shah", fa="Shah", tr="Şah|Sah", arab="شاه"),
    _w("papadopoulos", "Papadopoulos", el="Papadopoulos", tr="Papadopulos", grek="Παπαδόπουλος"),
    _w("karagiannis", "Karagiannis", el="Karagiannis|Karayannis", grek="Καραγιάννης"),
    _w("doukas", "Doukas", el="Doukas|Dukas", grek="Δούκας", eq="Ducas"),
    _w("celik", "Celik", tr="Çelik|Celik", el="Tselik", grek="Τσελίκ"),
    _w("masri", "Masri|El Masry", ar="al-Masri|el-Masry", ur="Misri", arab="المصري",
       joined="Al-Masri|Elmasry|Almasri"),
    _w("tarhouni", "Tarhouni|Tarhuni", ar="Tarhouni", arab="الترهوني", joined="Al-Tarhouni"),
    _w("shinwari", "Shinwari", ur="Shinwari|Shinwary", fa="Shinwari", arab="شینواری"),
    _w("achakzai", "Achakzai", ur="Achakzai|Achakzay", fa="Achakzai", arab="اچکزئی"),
    _w("bugti", "Bugti", ur="Bugti|Bughti", arab="بگٹی"),
    _w("mengal", "Mengal", ur="Mengal|Mingal", arab="مینگل"),
    _w("sultani", "Sultani|Soltani", fa="Soltani", ur="Sultani", arab="سلطانی"),
    _w("hotak", "Hotak|Hotaki", ur="Hotak", fa="Hotaki", arab="هوتک"),
)  # fmt: skip

HONORIFICS: tuple[NameWord, ...] = (
    _w("haji", "Haji|Hajji", ur="Haji", fa="Haji|Hajji", ar="Hajj|Haji", tr="Hacı|Haci",
       el="Chatzi", arab="حاجی", grek="Χατζή"),
    _w("kaka", "Kaka", ur="Kaka", fa="Kaka", arab="کاکا"),
    _w("ustad", "Ustad|Ostad", ur="Ustad|Ustaad", fa="Ostad", arab="استاد"),
    _w("sheikh", "Sheikh|Shaikh", ar="Sheikh|Cheikh", ur="Shaikh", fa="Sheikh", tr="Şeyh",
       arab="شیخ"),
    _w("reis", "Reis|Rais", tr="Reis", ar="Rais", el="Reis", arab="رئیس"),
    _w("kapetan", "Kapetan|Captain", el="Kapetan|Kapetanios", tr="Kaptan", grek="Καπετάν"),
    _w("doctor", "Doctor|Dr", ur="Doctor|Dr.", fa="Doktor", tr="Doktor", arab="ڈاکٹر"),
)  # fmt: skip

#: Full names so common that sharing one means nothing: (given, surname) keys.
COMMON_NAMES: tuple[tuple[str, str], ...] = (
    ("muhammad", "khan"),
    ("ali", "hassan"),
    ("ahmad", "shah"),
    ("muhammad", "yilmaz"),
    ("abdullah", "khan"),
    ("hussain", "shah"),
)

_ALI = _w("ali", "Ali", ur="Ali", fa="Ali", ar="Ali", tr="Ali", el="Ali", arab="علی", grek="Αλή")
WORDS: dict[str, NameWord] = {w.key: w for w in (*GIVEN, *SURNAMES, *HONORIFICS, _ALI)}
#: Where each surname comes from: pk (Pakistani, Baloch, Pashtun), fa (Iranian, Afghan), ar, tr, el.
SURNAME_CULTURE = {
    "khan": "pk", "baloch": "pk", "yousafzai": "pk", "afridi": "pk", "qureshi": "pk",
    "shah": "pk", "shinwari": "pk", "achakzai": "pk", "bugti": "pk", "mengal": "pk",
    "rahimi": "fa", "karimi": "fa", "sultani": "fa", "hotak": "fa",
    "haddad": "ar", "masri": "ar", "tarhouni": "ar",
    "yilmaz": "tr", "demir": "tr",
    "papadopoulos": "el", "karagiannis": "el", "doukas": "el", "celik": "tr",
}  # fmt: skip
#: Given names used only in some cultures; every other given name is common to the Muslim ones.
GIVEN_CULTURES = {
    "nikolaos": ("el",), "georgios": ("el",), "dimitrios": ("el",),
    "murat": ("tr", "ar"), "kemal": ("tr", "ar", "pk"), "mirwais": ("fa", "pk"),
    "jamshid": ("fa",), "ghulam": ("pk", "fa"), "nadeem": ("pk",), "javed": ("pk", "fa"),
    "khalifa": ("ar",), "tariq": ("pk", "ar"),
}  # fmt: skip
#: Which cultures' smugglers work where.
CULTURES_OF_COUNTRY = {
    "PK": ("pk", "pk", "fa"),
    "IR": ("fa", "pk"),
    "TR": ("tr", "fa", "pk"),
    "GR": ("tr", "el", "pk"),
    "LY": ("ar", "ar", "pk"),
    "AE": ("pk", "ar"),
}


def given_names(culture: str) -> tuple[str, ...]:
    """Given names a smuggler of ``culture`` may bear."""
    muslim = culture != "el"
    return tuple(
        w.key
        for w in GIVEN
        if culture in GIVEN_CULTURES.get(w.key, ("pk", "fa", "ar", "tr") if muslim else ())
    )


def surnames(culture: str) -> tuple[str, ...]:
    """Surnames of ``culture`` that are not among the most common ones."""
    return tuple(
        k for k, c in SURNAME_CULTURE.items() if c == culture and k not in {"khan", "shah"}
    )
