# ruff: noqa: E501 -- the tables below quote the seed texts whole, one row per question
"""The bundled library questionnaires/assessment-system: it validates, loads, round-trips, and
holds the questions, options, scales and construct links that the seed довідка quotes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Direction, Questionnaire
from app.surveys.definitions.library import (
    check_files,
    dump_questionnaire,
    load_questionnaires,
    parse_role_file,
)
from app.vocabulary import ROLES
from tests.factories import positive_option_keys, question_requirement

LIBRARY = Path(__file__).resolve().parent.parent / "questionnaires"
FOLDER = LIBRARY / "assessment-system"
ONE = "Виберіть лише один варіант."
ALL = "Виберіть усе, що підходить."


@pytest.fixture
def library(app) -> Direction:
    load_questionnaires()
    direction = Direction.library("assessment-system")
    assert direction is not None
    return direction


def questions(direction: Direction, role: str) -> dict:
    questionnaire = Questionnaire.latest(direction.id, role)
    return {question.key: question for question in questionnaire.questions}


def test_the_library_validates() -> None:
    assert check_files([LIBRARY]) == (4, [])
    assert sorted(path.name for path in FOLDER.iterdir()) == [
        "direction.yaml",
        "parents.yaml",
        "students.yaml",
        "teachers.yaml",
    ]


def test_the_check_command_passes_on_the_library(runner) -> None:
    result = runner.invoke(args=["questionnaires", "check", str(LIBRARY)])
    assert (result.exit_code, result.output) == (0, "OK: 4 files\n")


def test_the_library_loads_once(library: Direction) -> None:
    assert not load_questionnaires().changed
    versions = db.session.scalars(select(Questionnaire.version)).all()
    assert versions == [1, 1, 1]


def test_the_direction(library: Direction) -> None:
    assert library.title == "Система оцінювання здобувачів освіти"
    assert library.language == "uk"
    assert [(r["id"], len(r["topics"])) for r in library.requirements] == [
        ("2.1", 4),
        ("2.2", 3),
        ("2.3", 3),
    ]
    first, second, third = library.requirements
    assert first["title"].startswith("Наявність відкритої, прозорої і зрозумілої")
    assert second["title"].startswith("Застосування внутрішнього моніторингу")
    assert third["title"].startswith("Спрямованість системи оцінювання на формування")
    assert [t["title"] for t in first["topics"]] == [
        "Розуміння критеріїв оцінювання",
        "Інформування про критерії оцінювання",
        "Справедливість та задоволеність оцінюванням",
        "Вплив оцінювання на досягнення результатів",
    ]
    assert library.definition["levels"] == {"high": 80, "sufficient": 60, "needs_improvement": 40}
    assert library.definition["key_gap"] == {"min_difference_pp": 15, "max_p_value": 0.05}
    assert library.definition["min_group_size"] == 5


@pytest.mark.parametrize(
    ("scale", "options", "positive"),
    [
        (
            "degree",
            [("full", "У повній мірі", 4), ("mostly", "Здебільшого", 3),
             ("partly", "Частково", 2), ("none", "Зовсім ні", 1)],
            ["full", "mostly"],
        ),
        (
            "frequency",
            [("always", "Так, завжди", 4), ("mostly", "Переважно так", 3),
             ("sometimes", "Іноді", 2), ("never", "Ніколи", 1)],
            ["always", "mostly"],
        ),
        ("yes_no", [("yes", "Так", 2), ("no", "Ні", 1), ("dont_know", "Не знаю", None)], ["yes"]),
        (
            "agreement",
            [("yes", "Так", 4), ("mostly_yes", "Переважно так", 3),
             ("mostly_no", "Переважно ні", 2), ("no", "Ні", 1)],
            ["yes", "mostly_yes"],
        ),
    ],
)  # fmt: skip
def test_the_scales(library: Direction, scale: str, options: list, positive: list) -> None:
    definition = library.definition["scales"][scale]
    assert [(o["id"], o["text"], o["value"]) for o in definition["options"]] == options
    assert definition["positive"] == positive


def test_question_counts_and_numbering(library: Direction) -> None:
    counts = {}
    for role in ROLES:
        questionnaire = Questionnaire.latest(library.id, role)
        numbers = [q.number for q in questionnaire.questions]
        assert numbers == sorted(set(numbers)), role
        assert all(q.key == f"{role[0]}{q.number}" for q in questionnaire.questions), role
        counts[role] = len(numbers)
    assert counts == {"teachers": 9, "students": 24, "parents": 11}


# (role, id, text, instruction, type, scale) for every question the seed quotes with its number
SEED_QUESTIONS = [
    ("teachers", "t2", "Яку підтримку ви надаєте здобувачам освіти у їхньому навчанні? (можна обрати кілька варіантів відповідей)", None, "multiple", None),
    ("teachers", "t3", "Для оцінювання здобувачів освіти ви використовуєте: (можна обрати кілька варіантів відповідей)", None, "multiple", None),
    ("teachers", "t4", "Які форми роботи ви використовуєте для впровадження формувального оцінювання?", None, "multiple", None),
    ("teachers", "t6", "Як здобувачі освіти дізнаються про критерії, за якими ви оцінюєте їх навчальні досягнення? (можна обрати кілька варіантів відповідей)", None, "multiple", None),
    ("teachers", "t7", "Я розумію що таке критерії оцінювання.", ONE, "single", "degree"),
    ("teachers", "t8", "Чи досягають здобувачі освіти бажаних результатів у навчанні, враховуючи різні види оцінювання?", ONE, "single", "degree"),
    ("students", "s2", "Оцінювання моїх навчальних досягнень (оцінки, які я отримую) містить зрозумілі для мене вимоги для отримання певних результатів у навчанні.", ONE, "single", "degree"),
    ("students", "s3", "Різні види оцінювання (усні, письмові, тестування) з різних предметів дозволяють мені досягти бажаних результатів у навчанні.", ONE, "single", "degree"),
    ("students", "s5", "Оцінювання моїх навчальних досягнень розвиває в мене впевненість у власних здібностях та можливостях.", "Виберіть лише один варіант", "single", "degree"),
    ("students", "s6", "У системі оцінювання навчальних досягнень здобувачів освіти в закладі освіти використовується самооцінювання.", ONE, "single", "degree"),
    ("students", "s9", "Інформацію про критерії оцінювання з навчальних предметів я отримую... (можна обрати кілька варіантів)", ALL, "multiple", None),
    ("students", "s10", "Здобувачі освіти отримують інформацію про критерії оцінювання навчальних досягнень та вимоги до виконання завдань під час... (можна обрати кілька варіантів)", ALL, "multiple", None),
    ("students", "s12", "Я задоволений тим, як мене оцінюють вчителі з предметів.", ONE, "single", "degree"),
    ("students", "s20", "Від кого (чого) залежать Ваші результати навчання? (можна обрати декілька варіантів відповідей)", None, "multiple", None),
    ("students", "s21", "Ваша думка вислуховується і враховується вчителями під час проведення уроків?", None, "single", None),
    ("students", "s22", "Укажіть твердження, з яким Ви найбільше погоджуєтесь:", None, "single", None),
    ("parents", "p1", "Чи отримуєте Ви інформацію про критерії, правила і процедуру оцінювання навчальних досягнень учнів?", None, "single", "frequency"),
    ("parents", "p2", "Учителі справедливо оцінюють навчальні досягнення Вашої дитини", None, "single", "frequency"),
    ("parents", "p4", "Інформацію про критерії оцінювання з навчальних предметів Ви отримуєте... (можна обрати кілька варіантів)", ALL, "multiple", None),
    ("parents", "p5", "Я розумію що таке критерії оцінювання.", ONE, "single", "degree"),
    ("parents", "p6", "Оцінювання навчальних досягнень Вашої дитини розвиває в ній впевненість у власних здібностях та можливостях.", ONE, "single", "degree"),
    ("parents", "p7", "Різні види оцінювання (усні, письмові, тестування) з різних предметів дозволяють Вашій дитині досягти бажаних результатів в навчанні.", ONE, "single", "degree"),
]  # fmt: skip


@pytest.mark.parametrize(("role", "key", "text", "instruction", "type_", "scale"), SEED_QUESTIONS)
def test_the_seed_questions(
    library: Direction, role: str, key: str, text: str, instruction, type_: str, scale
) -> None:
    question = questions(library, role)[key]
    assert question.number == int(key[1:])
    assert (question.text, question.instruction, question.type, question.scale) == (
        text,
        instruction,
        type_,
        scale,
    )
    assert question_requirement(question, library) is not None


# Questions the seed quotes only as a sentence, with the options its percentages name.
SENTENCE_QUESTIONS = [
    ("students", "s4", "Чи доступна Вам інформація про критерії", ["Так", "Ні", "Не знаю"]),
    ("students", "s7", "Чи здійснюєте ви самооцінювання результатів своєї роботи під час навчання?", ["Так", "Здебільшого так", "Дуже рідко", "Ні"]),
    ("students", "s8", "Чи практикують учителі проведення взаємооцінювання робіт один одного?", ["Так, з усіх предметів", "Так, але з окремих предметів", "Інколи", "Ніколи"]),
    ("students", "s11", "Наскільки вчителі доступно пояснюють та аргументують виставлені оцінки?", ["Завжди пояснюють і аргументують, чому поставили саме таку оцінку", "В переважній більшості пояснюють", "Дуже рідко пояснюють та аргументують", "Ніколи не аргументують"]),
    ("students", "s13", "аргументацію виставлених оцінок", ["Від усіх учителів", "Від більшості вчителів", "Від окремих учителів", "У поодиноких випадках"]),
    ("students", "s14", "Учителі вірять в мене і мої успіхи", ["Так", "Переважно так", "Переважно ні", "Ні"]),
    ("students", "s15", "Чи допомагають вам вчителі, коли ви до них звертаєтесь по допомогу?", ["Так", "Переважно так", "Переважно ні", "Ні"]),
    ("students", "s16", "Учителі мене поважають", ["Так", "Переважно так", "Переважно ні", "Ні"]),
    ("students", "s19", "участь у розробці критеріїв оцінювання", ["Завжди", "Інколи", "Ніколи"]),
    ("students", "s23", "Чи відповідають Ваші результати контрольних робіт поточним оцінкам?", ["Так", "Інколи", "Не відповідають"]),
    ("students", "s24", "форма контролю за рівнем знань", ["Тест", "Письмова робота з розгорнутою відповіддю", "Усне опитування"]),
    ("parents", "p3", "Учителі вірять у Вашу дитину", ["Так", "Переважно так", "Переважно ні", "Ні"]),
    ("parents", "p8", "заохочують учителі Вашу дитину до навчання", ["Усі вчителі", "Більшість учителів", "Дехто з учителів", "Ніхто"]),
]  # fmt: skip


@pytest.mark.parametrize(("role", "key", "text_part", "option_texts"), SENTENCE_QUESTIONS)
def test_the_questions_quoted_as_sentences(
    library: Direction, role: str, key: str, text_part: str, option_texts: list[str]
) -> None:
    question = questions(library, role)[key]
    assert text_part in question.text
    assert [option.text for option in question.options] == option_texts
    assert question.type == "single" and question.required


@pytest.mark.parametrize(
    ("role", "key", "option_texts"),
    [
        ("teachers", "t2", ["Проводжу додаткові заняття", "Консультую", "Впроваджую різнорівневі завдання", "Створюю самостійно наочні посібники", "Створюю проєкти", "Впроваджую творчі, пошукові завдання", "Проводжу індивідуальні заняття", "Проводжу роботу з обдарованими дітьми", "Використовую ІКТ, мережу інтернет"]),
        ("teachers", "t4", ["Словесне оцінювання", "Зворотний зв'язок", "Портфоліо", "Листи самооцінки"]),
        ("students", "s20", ["Виключно від моєї праці", "Від рівня викладання", "Від праці учнів та праці батьків, які мотивують до навчання", "Від об'єктивності оцінювання навчальних досягнень", "Від більш поблажливого ставлення вчителів до навчальних досягнень учнів", "Від допомоги однокласників", "Від погодних умов", "Від обладнання та інтер'єру"]),
        ("parents", "p9", ["Виключно від праці і наполегливості учня", "Від рівня викладання предметів", "Від форми навчання (очної чи дистанційної)", "Від мотивації вчитися", "Від праці дитини та батьків", "Від більш поблажливого ставлення вчителів до учнів"]),
    ],
)  # fmt: skip
def test_the_multiple_choice_lists(
    library: Direction, role: str, key: str, option_texts: list[str]
) -> None:
    question = questions(library, role)[key]
    assert question.type == "multiple" and not question.required
    assert [option.text for option in question.options] == option_texts
    assert all(option.value is None for option in question.options)


def test_self_and_peer_assessment_are_options_of_t3(library: Direction) -> None:
    options = [option.text for option in questions(library, "teachers")["t3"].options]
    assert options[:2] == ["Самооцінювання", "Взаємооцінювання"]


def test_the_grade_question(library: Direction) -> None:
    grade = questions(library, "students")["s1"]
    assert (grade.number, grade.position, grade.segment, grade.required, grade.type) == (
        1,
        1,
        True,
        True,
        "single",
    )
    assert [o.text for o in grade.options] == [f"{n} клас" for n in range(5, 12)]
    assert all(o.value is None for o in grade.options)
    assert [q.key for q in Questionnaire.latest(library.id, "students").questions if q.segment] == [
        "s1"
    ]


CONSTRUCTS = {
    "criteria_understanding": {"teachers": "t7", "students": "s2", "parents": "p5"},
    "criteria_access": {"students": "s4", "parents": "p1"},
    "fairness": {"students": "s12", "parents": "p2"},
    "assessment_effect": {"teachers": "t8", "students": "s3", "parents": "p7"},
    "confidence": {"students": "s5", "parents": "p6"},
    "criteria_sources": {"students": "s9", "parents": "p4"},
    "teachers_belief": {"students": "s14", "parents": "p3"},
    "results_factors": {"students": "s20", "parents": "p9"},
}


def test_the_construct_links(library: Direction) -> None:
    found: dict[str, dict[str, str]] = {}
    for role in ROLES:
        for question in Questionnaire.latest(library.id, role).questions:
            if question.measures:
                found.setdefault(question.measures, {})[role] = question.key
    assert found == CONSTRUCTS


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_linked_questions_are_comparable(library: Direction, construct: str) -> None:
    linked = [questions(library, role)[key] for role, key in CONSTRUCTS[construct].items()]
    assert len({question.type for question in linked}) == 1
    if linked[0].type == "single":
        for question in linked:
            positive = positive_option_keys(question, library)
            assert positive, question.key
            assert {o.value for o in question.options if o.key in positive} <= {2, 3, 4}
    else:
        common = set.intersection(*({o.key for o in q.options} for q in linked))
        assert len(common) >= 3, common


def test_information_sources_share_option_ids(library: Direction) -> None:
    s9 = {o.key: o.text for o in questions(library, "students")["s9"].options}
    p4 = {o.key: o.text for o in questions(library, "parents")["p4"].options}
    assert {
        "subject_teacher",
        "class_teacher",
        "site",
        "diary",
        "not_received",
    } <= s9.keys() & p4.keys()
    assert s9["subject_teacher"] == p4["subject_teacher"] == "Від учителя-предметника"


def test_positive_shares_of_the_seed_scales(library: Direction) -> None:
    assert positive_option_keys(questions(library, "teachers")["t7"], library) == {"full", "mostly"}
    assert positive_option_keys(questions(library, "students")["s4"], library) == {"yes"}
    assert positive_option_keys(questions(library, "parents")["p1"], library) == {
        "always",
        "mostly",
    }
    assert positive_option_keys(questions(library, "students")["s11"], library) == {
        "always",
        "mostly",
    }
    assert positive_option_keys(questions(library, "students")["s19"], library) == {"always"}
    assert positive_option_keys(questions(library, "students")["s24"], library) == set()


def test_every_topic_has_questions_and_every_ordinal_question_a_topic(library: Direction) -> None:
    used = set()
    for role in ROLES:
        for question in Questionnaire.latest(library.id, role).questions:
            if question.topic:
                used.add(question.topic)
            if any(option.value is not None for option in question.options):
                assert question.topic, question.key
    topics = {t["id"] for r in library.requirements for t in r["topics"]}
    assert used == topics


@pytest.mark.parametrize("role", ROLES)
def test_every_bundled_questionnaire_round_trips(
    library: Direction, tmp_path: Path, role: str
) -> None:
    stored = Questionnaire.latest(library.id, role)
    copy = tmp_path / f"{role}.yaml"
    copy.write_text(dump_questionnaire(stored))
    assert parse_role_file(copy, library.definition) == parse_role_file(FOLDER / f"{role}.yaml")
