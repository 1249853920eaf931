"""The working group's texts: parsing, round trip and the messages for bad input."""

from __future__ import annotations

import pytest

from app.reports.errors import ReportError
from app.reports.texts import Recommendation, ReportTexts


def test_empty_and_none_give_empty_texts():
    assert ReportTexts.from_mapping(None) == ReportTexts()
    assert ReportTexts.from_mapping({}) == ReportTexts()
    assert ReportTexts.from_mapping({"period": None, "shortcomings": None}) == ReportTexts()


def test_round_trip():
    texts = ReportTexts(
        period="лютому – квітні 2025 р.",
        order_number="15",
        order_date="03.02.2025",
        working_group=("Іваненко О. П.",),
        introduction="Перший абзац.\n\nДругий абзац.",
        requirement_notes={"2.1": "Примітка"},
        topic_notes={"criteria_understanding": "Примітка до теми"},
        shortcomings=("Недолік",),
        improvements=("шлях",),
        recommendations=(Recommendation("Рекомендація"), Recommendation("Група", ("a", "b"))),
        level_override="sufficient",
        level_justification="Бо так.",
        closing="Кінець.",
        signed_by="Голова",
    )
    assert ReportTexts.from_mapping(texts.to_mapping()) == texts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("- перший\n- другий\n\n", ("перший", "другий")),
        ("1. перший\n2) другий", ("перший", "другий")),
        ("• перший\n○ другий", ("перший", "другий")),
        (["  перший ", "", 3], ("перший", "3")),
    ],
)
def test_lists_from_text_or_list(value, expected):
    assert ReportTexts.from_mapping({"shortcomings": value}).shortcomings == expected


@pytest.mark.parametrize(
    ("label", "code"),
    [("високий", "high"), ("Достатній", "sufficient"), ("low", "low"), ("", None)],
)
def test_level_override_accepts_codes_and_ukrainian_labels(label, code):
    assert ReportTexts.from_mapping({"level_override": label}).level_override == code


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": "red"}, "Невідоме поле текстів довідки: colour"),
        ({"period": ["a"]}, "Поле «period» має бути текстом"),
        ({"period": True}, "Поле «period» має бути текстом"),
        ({"shortcomings": {"a": 1}}, "Поле «shortcomings» має бути списком"),
        ({"shortcomings": [{"a": 1}]}, "Поле «shortcomings» має бути списком рядків"),
        ({"topic_notes": ["a"]}, "Поле «topic_notes» має бути словником"),
        ({"topic_notes": {"t": ["a"]}}, "Поле «topic_notes.t» має бути текстом"),
        ({"recommendations": 5}, "Поле «recommendations» має бути списком"),
        ({"recommendations": [5]}, "Кожна рекомендація має бути текстом"),
        ({"level_override": "чудовий"}, "Невідомий рівень «чудовий»"),
        ("text", "Тексти довідки мають бути словником"),
    ],
)
def test_bad_texts_name_the_field(data, message):
    with pytest.raises(ReportError, match=message):
        ReportTexts.from_mapping(data)
