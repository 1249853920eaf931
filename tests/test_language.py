"""Ukrainian phrases of the довідка: plural agreement (CLDR via Babel) and number formatting."""

import pytest

from app.reports.language import (
    NBSP,
    count_phrase,
    counted,
    format_number,
    format_p_value,
    format_percent,
    format_pp,
    join_list,
    level_phrase,
    lower_first,
    quoted,
    role_names,
    typeset,
)
from app.vocabulary import parse_level


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 відповідей"),
        (1, "1 відповідь"),
        (2, "2 відповіді"),
        (4, "4 відповіді"),
        (5, "5 відповідей"),
        (11, "11 відповідей"),
        (12, "12 відповідей"),
        (14, "14 відповідей"),
        (21, "21 відповідь"),
        (22, "22 відповіді"),
        (25, "25 відповідей"),
        (31, "31 відповідь"),
        (71, "71 відповідь"),
        (80, "80 відповідей"),
        (101, "101 відповідь"),
        (111, "111 відповідей"),
        (188, "188 відповідей"),
    ],
)
def test_count_phrase_agrees_with_the_number(n, expected):
    assert count_phrase(n) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (25.4, "25,4"),
        (80.6, "80,6"),
        (100, "100,0"),
        (0, "0,0"),
        (19.35, "19,4"),  # half-up, not banker's rounding
        (80.55, "80,6"),
        (0.05, "0,1"),
        (1234.5, f"1{NBSP}234,5"),
    ],
)
def test_format_number_uses_a_decimal_comma_and_half_up_rounding(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(25.4, f"25,4{NBSP}%"), (100.0, f"100,0{NBSP}%"), (7, f"7,0{NBSP}%"), (33.75, f"33,8{NBSP}%")],
)
def test_format_percent_has_a_no_break_space_before_the_sign(value, expected):
    assert format_percent(value) == expected


def test_percentage_points_and_p_values():
    assert format_pp(-40.8) == f"40,8{NBSP}в.{NBSP}п."
    assert format_p_value(0.0004) == f"p{NBSP}<{NBSP}0,001"
    assert format_p_value(0.0123) == f"p{NBSP}={NBSP}0,012"


@pytest.mark.parametrize(
    ("role", "n", "expected"),
    [
        ("teachers", 31, "31 вчителя"),
        ("teachers", 25, "25 вчителів"),
        ("teachers", 22, "22 вчителів"),
        ("students", 71, "71 здобувача освіти"),
        ("students", 11, "11 здобувачів освіти"),
        ("parents", 80, "80 батьків"),
        ("parents", 1, "1 з батьків"),  # never «1 батьків»
        ("parents", 21, "21 з батьків"),
        ("parents", 3, "3 батьків"),
    ],
)
def test_counted_respondents_in_the_genitive(role, n, expected):
    assert counted(n, role_names(role).counted) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("У повній мірі", "у повній мірі"),
        ("ІКТ, мережа інтернет", "ІКТ, мережа інтернет"),
        ("", ""),
    ],
)
def test_lower_first_keeps_abbreviations(text, expected):
    assert lower_first(text) == expected


def test_quoted_and_join_list():
    text = "Я розумію що таке критерії оцінювання."
    assert quoted(text) == "«Я розумію що таке критерії оцінювання»"
    assert join_list(["a", "b", "c"]) == "a, b та c"
    assert join_list(["a"]) == "a"
    assert join_list([]) == ""


@pytest.mark.parametrize(
    ("label", "phrase"),
    [
        ("sufficient", "достатній рівень"),
        ("Достатній", "достатній рівень"),
        ("high", "високий рівень"),
        ("needs_improvement", "рівень, що вимагає покращення"),
        ("вимагає покращення", "рівень, що вимагає покращення"),
        ("low", "низький рівень"),
    ],
)
def test_level_phrase(label, phrase):
    assert level_phrase(label) == phrase


def test_unknown_level():
    assert parse_level("дивовижний") is None
    assert parse_level(None) is None
    with pytest.raises(KeyError):
        level_phrase("дивовижний")


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        ("зворотний зв'язок, ім\u02bcя", "зворотний зв\u2019язок, ім\u2019я"),
        ("Інформацію я отримую...", "Інформацію я отримую…"),
        (f"зросла на 5,0 в.{NBSP}п..", f"зросла на 5,0 в.{NBSP}п."),
        (f"25,4{NBSP}% — «так»", f"25,4{NBSP}%{NBSP}— «так»"),
        ("у 2024-2025 навчальному році", "у 2024–2025 навчальному році"),
        ("з 03.02.2025 по 18.04.2025", "з 03.02.2025 до 18.04.2025"),
        ("03.02.2025 - 18.04.2025", "03.02.2025–18.04.2025"),
        ("Гімназія №1, наказ № 15", f"Гімназія №{NBSP}1, наказ №{NBSP}15"),
        ("учителя-предметника, 5-6 класи, 2025-2024", "учителя-предметника, 5-6 класи, 2025-2024"),
    ],
)
def test_typeset(raw, printed):
    assert typeset(raw) == printed
