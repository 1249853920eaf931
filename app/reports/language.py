"""Ukrainian phrases for the довідка: numbers, counts with plural agreement, role names.

Plural agreement follows the CLDR rules through Babel (``Locale("uk").plural_form``), never
hand-written if-chains: 1, 21, 31 … відповідь; 2–4, 22–24 … відповіді; 0, 5–20, 25–30 …
відповідей. Numbers use the Ukrainian decimal comma («25,4»). A percentage is written with a
no-break space before the sign («25,4 %», ДСТУ 3582): Word never splits the figure from its sign
at the end of a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import gettext as _

from app.analysis.rules import round_half_up
from app.vocabulary import N_, ROLE_LABELS, parse_level

LOCALE = Locale("uk")
NBSP = "\u00a0"
PERCENT_SIGN = f"{NBSP}%"
DASH = "—"


@dataclass(frozen=True)
class Noun:
    """The forms of a counted noun by CLDR plural category (one / few / many / other)."""

    one: str
    few: str
    many: str
    other: str

    def form(self, n: int | float) -> str:
        """Return the form that agrees with the number ``n``."""
        return getattr(self, LOCALE.plural_form(n))


# The case and plural forms below are Ukrainian grammar, kept as data until the plural forms of
# the catalogs replace them (ngettext).
# «31 відповідь», «22 відповіді», «80 відповідей»; «other» is for fractions (1,5 відповіді).
ANSWERS = Noun("відповідь", "відповіді", "відповідей", "відповіді")  # i18n: data
# Genitive after a verbal noun: «анкетування 31 вчителя / 25 вчителів».
TEACHERS_GENITIVE = Noun("вчителя", "вчителів", "вчителів", "вчителя")  # i18n: data
STUDENTS_GENITIVE = Noun(  # i18n: data
    "здобувача освіти", "здобувачів освіти", "здобувачів освіти", "здобувача освіти"
)
# «батьки» has no singular: «анкетування 1 з батьків», never «1 батьків».
PARENTS_GENITIVE = Noun("з батьків", "батьків", "батьків", "батьків")  # i18n: data
PERCENTAGE_POINTS = N_("в.\u00a0п.")
# Accusative after an impersonal passive: «внесено 1 анкету / 4 анкети / 5 анкет».
QUESTIONNAIRES_ACCUSATIVE = Noun("анкету", "анкети", "анкет", "анкети")  # i18n: data


@dataclass(frozen=True)
class RoleNames:
    """The forms of a respondent role's name that the довідка needs."""

    plural: str  # «Вчителі» — the subject of a finding sentence
    genitive: str  # «вчителів» — «позитивно оцінюють 100,0 % вчителів»
    surveyed_genitive: str  # «опитаних вчителів»
    instrumental: str  # «з вчителями»
    counted: Noun  # «анкетування 31 вчителя»
    questionnaire: str  # «анкета вчителів» (for the caption of a role's block)


ROLE_NAMES: dict[str, RoleNames] = {
    "teachers": RoleNames(
        plural=ROLE_LABELS["teachers"],
        genitive=N_("вчителів"),
        surveyed_genitive=N_("опитаних вчителів"),
        instrumental=N_("вчителями"),
        counted=TEACHERS_GENITIVE,
        questionnaire=N_("анкети для вчителів"),
    ),
    "students": RoleNames(
        plural=ROLE_LABELS["students"],
        genitive=N_("учнів"),
        surveyed_genitive=N_("опитаних учнів"),
        instrumental=N_("учнями"),
        counted=STUDENTS_GENITIVE,
        questionnaire=N_("анкети для учнів"),
    ),
    "parents": RoleNames(
        plural=ROLE_LABELS["parents"],
        genitive=N_("батьків"),
        surveyed_genitive=N_("опитаних батьків"),
        instrumental=N_("батьками"),
        counted=PARENTS_GENITIVE,
        questionnaire=N_("анкети для батьків"),
    ),
}

# Adjective forms of a level, as in «визначено достатній рівень».
LEVEL_PHRASES: dict[str, str] = {
    "high": N_("високий рівень"),
    "sufficient": N_("достатній рівень"),
    "needs_improvement": N_("рівень, що вимагає покращення"),
    "low": N_("низький рівень"),
}


def role_names(role: str) -> RoleNames:
    """Return the name forms of a respondent role; raises KeyError for an unknown role."""
    return ROLE_NAMES[role]


def format_number(value: float, places: int = 1) -> str:
    """Return ``value`` with a decimal comma and ``places`` decimals: 25.4 → «25,4»."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(round_half_up(value, places), format=pattern, locale=LOCALE)


def format_percent(value: float, places: int = 1) -> str:
    """Return a percentage (given in percent, not as a fraction): 25.4 → «25,4 %» (no-break
    space before the sign)."""
    return format_number(value, places) + PERCENT_SIGN


def format_pp(value: float) -> str:
    """Return a difference in percentage points: 40.8 → «40,8 в. п.» (absolute value)."""
    return f"{format_number(abs(value))}{NBSP}{_(PERCENTAGE_POINTS)}"


def format_p_value(p: float) -> str:
    """Return «p < 0,001» for tiny p-values, otherwise «p = 0,012» (three decimals)."""
    if p < 0.001:
        return f"p{NBSP}<{NBSP}0,001"
    return f"p{NBSP}={NBSP}{format_number(p, 3)}"


def count_phrase(n: int) -> str:
    """Return the count of answers with the agreeing noun: 31 → «31 відповідь»."""
    return f"{n} {ANSWERS.form(n)}"


def counted(n: int, noun: Noun) -> str:
    """Return ``n`` followed by the form of ``noun`` that agrees with it («31 вчителя»)."""
    return f"{n} {noun.form(n)}"


def quoted(text: str) -> str:
    """Return ``text`` in Ukrainian quotation marks «…», trailing punctuation dropped."""
    return f"«{text.strip().rstrip('.:;?!…').strip()}»"


def quoted_question(text: str) -> str:
    """Return a question's text in «…» keeping its question mark («Чи …?»)."""
    stripped = text.strip().rstrip(".:;…").strip()
    return f"«{stripped}»"


def lower_first(text: str) -> str:
    """Return ``text`` with its first letter in lower case unless the first word is an
    abbreviation (ІКТ, МОН): «У повній мірі» → «у повній мірі»."""
    text = text.strip()
    if not text:
        return text
    first_word = text.split()[0]
    if len(first_word) > 1 and first_word.isupper():
        return text
    return text[0].lower() + text[1:]


def level_phrase(level: str) -> str:
    """Return «достатній рівень» for a level key or label; raises KeyError when unknown."""
    key = parse_level(level)
    if key is None:
        raise KeyError(level)
    return _(LEVEL_PHRASES[key])


def join_list(items: list[str]) -> str:
    """Return «a, b та c» (Ukrainian enumeration with «та» before the last item)."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _(" та ") + items[-1]


# Typography of the printed text --------------------------------------------------------------
# Every text enters the довідка through ``typeset``: the generated sentences, the working
# group's texts and the questionnaires' wording alike, so one rule holds for all of them.

APOSTROPHE = "\u2019"  # ’ — the one apostrophe of the довідка («зв’язок»)
ELLIPSIS = "…"
EN_DASH = "–"
NUMERO = "№"

_APOSTROPHES = re.compile(r"(?<=\w)['\u02bc](?=\w)")
_THREE_DOTS = re.compile(r"\.{3,}")
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
_SPACED_DASH = re.compile(r"[ \t]+—")
_YEAR_RANGE = re.compile(r"(?<![\d-])((?:19|20)\d\d)\s*[-‐‑–]\s*((?:19|20)\d\d)(?![\d-])")
_DATE = r"\d{1,2}\.\d{1,2}\.\d{4}"
_DATE_FROM_TO = re.compile(rf"\b([зЗ])\s+({_DATE})\s+по\s+({_DATE})")  # i18n: data
_DATE_TO = "до"  # i18n: data — the word that replaces «по» in a Ukrainian date range
_DATE_RANGE = re.compile(rf"({_DATE})\s*[-‐‑–—]\s*({_DATE})")
_NUMERO = re.compile(r"№[ \t\u00a0]*(?=\S)")


def apostrophes(text: str) -> str:
    """Return ``text`` with the typewriter ' and the modifier letter ʼ inside a word written
    as ’ (U+2019): «зв'язок» → «зв’язок»."""
    return _APOSTROPHES.sub(APOSTROPHE, text)


def ellipses(text: str) -> str:
    """Return ``text`` with «...» written as one character «…»."""
    return _THREE_DOTS.sub(ELLIPSIS, text)


def single_full_stops(text: str) -> str:
    """Return ``text`` without a doubled full stop: «на 5,0 в. п..» → «на 5,0 в. п.»."""
    return _DOUBLE_STOP.sub(".", text)


def unbroken_dashes(text: str) -> str:
    """Return ``text`` with a no-break space before every «—», so no line starts with a dash
    («25,4 % — повністю»)."""
    return _SPACED_DASH.sub(NBSP + "—", text)


def year_ranges(text: str) -> str:
    """Return ``text`` with an en dash between the years of a range: «2024-2025» →
    «2024–2025» (the academic year is stored with a hyphen)."""

    def replace(match: re.Match[str]) -> str:
        first, last = match.group(1), match.group(2)
        return f"{first}{EN_DASH}{last}" if int(last) > int(first) else match.group(0)

    return _YEAR_RANGE.sub(replace, text)


def date_ranges(text: str) -> str:
    """Return ``text`` with date ranges written «з 03.02.2025 до 18.04.2025» (never «по»),
    and a bare «03.02.2025 - 18.04.2025» as «03.02.2025–18.04.2025»."""
    text = _DATE_FROM_TO.sub(rf"\1 \2 {_DATE_TO} \3", text)
    return _DATE_RANGE.sub(rf"\1{EN_DASH}\2", text)


def numero(text: str) -> str:
    """Return ``text`` with a no-break space after «№»: «№1» → «№ 1»."""
    return _NUMERO.sub(NUMERO + NBSP, text)


TYPOGRAPHY_RULES = (
    apostrophes,
    ellipses,
    single_full_stops,
    unbroken_dashes,
    year_ranges,
    date_ranges,
    numero,
)


def typeset(text: str) -> str:
    """Return ``text`` with every rule of the довідка's typography applied (see above)."""
    for rule in TYPOGRAPHY_RULES:
        text = rule(text)
    return text
