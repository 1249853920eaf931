"""Hand-written analysis inputs shared by the tests of the pure engine and of the довідка
builder: the answer scales, a direction definition and the campaign's description."""

from __future__ import annotations

from app.analysis.engine import OptionDef
from app.analysis.results import CampaignInfo

DEGREE = (
    OptionDef("full", "У повній мірі", 4),
    OptionDef("mostly", "Здебільшого", 3),
    OptionDef("partly", "Частково", 2),
    OptionDef("none", "Зовсім ні", 1),
)
YES_NO = (OptionDef("yes", "Так", 2), OptionDef("no", "Ні", 1), OptionDef("dont_know", "Не знаю"))
SOURCES = (
    OptionDef("teacher", "Від учителя-предметника"),
    OptionDef("class_teacher", "Від класного керівника"),
    OptionDef("site", "На сайті школи"),
)


def grades(*numbers: int) -> tuple[OptionDef, ...]:
    """The options of a grade (segment) question: g5 «5 клас», …"""
    return tuple(OptionDef(f"g{n}", f"{n} клас") for n in numbers)


DEFINITION = {
    "id": "assessment-system",
    "title": "Система оцінювання здобувачів освіти",
    "requirements": [
        {
            "id": "2.1",
            "title": "Наявність відкритої, прозорої і зрозумілої системи оцінювання",
            "topics": [
                {"id": "criteria", "title": "Розуміння критеріїв оцінювання"},
                {"id": "informing", "title": "Інформування про критерії оцінювання"},
            ],
        },
        {
            "id": "2.2",
            "title": "Систематичне відстеження та коригування",
            "topics": [{"id": "support", "title": "Підтримка учнів"}],
        },
    ],
}

INFO = CampaignInfo(
    id=1,
    school="Гімназія №1",
    school_slug="school-a",
    direction_code="assessment-system",
    direction_title="Система оцінювання здобувачів освіти",
    academic_year="2024-2025",
    title="Самооцінювання 2024-2025",
)
