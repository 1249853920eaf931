"""Small factory functions for test objects (no framework). Each commits and returns the object."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import count
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Answer,
    Campaign,
    Direction,
    Option,
    Question,
    Questionnaire,
    RespondentLink,
    Response,
    School,
    User,
)
from app.surveys.respondent.answer_rows import answer_rows, segment_question_id
from app.surveys.respondent.service import new_submission_id

PASSWORD = "correct horse battery staple"
_submission_numbers = count(1)

FREQUENCY = [
    ("always", "Так, завжди", 4),
    ("mostly", "Переважно так", 3),
    ("sometimes", "Іноді", 2),
    ("never", "Ніколи", 1),
]
DEGREE = [
    ("full", "У повній мірі", 4),
    ("mostly", "Здебільшого", 3),
    ("partly", "Частково", 2),
    ("none", "Зовсім ні", 1),
]
YES_NO_DK = [("yes", "Так", 2), ("no", "Ні", 1), ("dont_know", "Не знаю", None)]

SMALL_DIRECTION = {
    "id": "test-direction",
    "title": "Система оцінювання здобувачів освіти",
    "requirements": [
        {
            "id": "2.1",
            "title": "Наявність відкритої, прозорої і зрозумілої системи оцінювання",
            "topics": [{"id": "criteria", "title": "Розуміння критеріїв оцінювання"}],
        },
        {
            "id": "2.2",
            "title": "Систематичне відстеження та коригування",
            "topics": [{"id": "support", "title": "Підтримка учнів"}],
        },
    ],
    "levels": {"high": 80, "sufficient": 60, "needs_improvement": 40},
}


def make_school(slug: str = "school-a", name: str = "Гімназія №1", is_demo: bool = False) -> School:
    school = School(slug=slug, name=name, is_demo=is_demo)
    db.session.add(school)
    db.session.commit()
    return school


def make_user(
    email: str, role: str = "member", school: School | None = None, password: str = PASSWORD
) -> User:
    user = User(email=email.lower(), role=role, school=school)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Log the client in (CSRF must be off in the app, as in the default test config)."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def make_direction(
    definition: Mapping[str, Any] = SMALL_DIRECTION, school: School | None = None
) -> Direction:
    direction = Direction(
        code=definition["id"],
        title=definition["title"],
        definition=dict(definition),
        school_id=school.id if school else None,
    )
    db.session.add(direction)
    db.session.commit()
    return direction


def make_questionnaire(
    direction: Direction,
    role: str,
    questions: Sequence[Mapping[str, Any]],
    version: int = 1,
    title: str | None = None,
) -> Questionnaire:
    """Build a questionnaire from question dicts.

    A question dict has ``key``, ``text``, ``type`` (single/multiple/text) and optionally
    ``options`` as (key, text, value) tuples, ``number``, ``required``, ``topic``, ``measures``,
    ``segment``, ``instruction``.
    """
    questionnaire = Questionnaire(
        direction=direction, role=role, version=version, title=title or f"Анкета ({role})"
    )
    for position, spec in enumerate(questions, start=1):
        question = Question(
            key=spec["key"],
            number=spec.get("number", position),
            position=position,
            text=spec["text"],
            type=spec.get("type", "single"),
            instruction=spec.get("instruction"),
            required=spec.get("required", True),
            topic=spec.get("topic"),
            measures=spec.get("measures"),
            segment=spec.get("segment", False),
            scale=spec.get("scale"),
        )
        for option_position, (key, text, value) in enumerate(spec.get("options", ()), start=1):
            question.options.append(
                Option(key=key, text=text, value=value, position=option_position)
            )
        questionnaire.questions.append(question)
    db.session.add(questionnaire)
    db.session.commit()
    return questionnaire


def small_questionnaires(direction: Direction) -> dict[str, Questionnaire]:
    """Three short questionnaires (one per role) linked by ``measures: criteria_understanding``."""
    teachers = make_questionnaire(
        direction,
        "teachers",
        [
            {
                "key": "understand",
                "number": 7,
                "text": "Я розумію що таке критерії оцінювання.",
                "options": DEGREE,
                "topic": "criteria",
                "measures": "criteria_understanding",
                "instruction": "Виберіть лише один варіант.",
            },
            {
                "key": "comment",
                "number": 8,
                "text": "Ваші пропозиції",
                "type": "text",
                "required": False,
            },
        ],
    )
    students = make_questionnaire(
        direction,
        "students",
        [
            {
                "key": "grade",
                "number": 1,
                "text": "У якому класі ви навчаєтесь?",
                "segment": True,
                "options": [("g5", "5 клас", None), ("g6", "6 клас", None), ("g7", "7 клас", None)],
            },
            {
                "key": "clear",
                "number": 2,
                "text": "Оцінювання моїх навчальних досягнень містить зрозумілі для мене вимоги.",
                "options": DEGREE,
                "topic": "criteria",
                "measures": "criteria_understanding",
                "instruction": "Виберіть лише один варіант.",
            },
            {
                "key": "sources",
                "number": 9,
                "type": "multiple",
                "required": False,
                "text": "Інформацію про критерії оцінювання я отримую…",
                "topic": "criteria",
                "options": [
                    ("teacher", "Від учителя-предметника", None),
                    ("class_teacher", "Від класного керівника", None),
                    ("site", "На сайті школи, у соцмережах", None),
                ],
            },
            {
                "key": "access",
                "number": 4,
                "text": "Чи доступна інформація про критерії?",
                "options": YES_NO_DK,
                "topic": "criteria",
                "required": False,
            },
        ],
    )
    parents = make_questionnaire(
        direction,
        "parents",
        [
            {
                "key": "understand",
                "number": 5,
                "text": "Я розумію що таке критерії оцінювання.",
                "options": DEGREE,
                "topic": "criteria",
                "measures": "criteria_understanding",
            },
        ],
    )
    return {"teachers": teachers, "students": students, "parents": parents}


def make_campaign(
    school: School,
    direction: Direction,
    questionnaires: Mapping[str, Questionnaire],
    year: str = "2024-2025",
    title: str | None = None,
    **fields: Any,
) -> Campaign:
    campaign = Campaign(
        school=school,
        direction=direction,
        academic_year=year,
        title=title or f"Самооцінювання {year}",
        **fields,
    )
    for role, questionnaire in questionnaires.items():
        campaign.links.append(RespondentLink(role=role, questionnaire=questionnaire))
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_response(
    campaign: Campaign,
    role: str,
    answers: Mapping[str, Any],
    submission_id: str | None = None,
    source: str = "test",
) -> Response:
    """Store one response. ``answers`` maps a question key to an option key, a list of option
    keys (multiple choice) or a text (text questions)."""
    link = campaign.link_for(role)
    assert link is not None, f"campaign has no link for {role}"
    questionnaire = link.questionnaire
    by_key = {question.key: question for question in questionnaire.questions}
    response = Response(
        campaign_id=campaign.id,
        questionnaire_id=questionnaire.id,
        role=role,
        submission_id=submission_id or f"test-{next(_submission_numbers)}",
        source=source,
    )
    given: list[tuple[int, int | None, str | None]] = []
    for key, value in answers.items():
        question = by_key[key]
        if question.type == "text":
            given.append((question.id, None, value))
            continue
        options = {option.key: option for option in question.options}
        for option_key in [value] if isinstance(value, str) else value:
            given.append((question.id, options[option_key].id, None))
    response.answers = [
        Answer(campaign_id=campaign.id, **row)
        for row in answer_rows(given, segment_question_id(questionnaire))
    ]
    db.session.add(response)
    db.session.commit()
    return response


def make_responses(
    campaign: Campaign, role: str, distribution: Iterable[tuple[Mapping[str, Any], int]]
) -> None:
    """Store ``n`` identical responses for each (answers, n) pair."""
    for answers, n in distribution:
        for _ in range(n):
            make_response(campaign, role, answers)


def link_by_token(token: str) -> RespondentLink | None:
    """Return the respondent link with this token, or None when no link has it."""
    return db.session.scalar(select(RespondentLink).where(RespondentLink.token == token))


def submission_id_for(link: RespondentLink) -> str:
    """Return a submission id as the server issues it with ``link``'s form (signed with the
    app's secret), for a test that posts without reading it from the page first."""
    return new_submission_id(link)


def positive_option_keys(question: Question, direction: Direction) -> set[str]:
    """The option keys of a stored question's positive share, by the engine's own rule."""
    from app.analysis.engine import positive_keys
    from app.results.aggregate import question_def

    role = question.questionnaire.role
    return set(positive_keys(question_def(question, role), direction.definition))


def question_requirement(question: Question, direction: Direction) -> str | None:
    """The requirement a stored question reports under, by the engine's own rule."""
    from app.analysis.engine import requirement_of, requirements_from
    from app.results.aggregate import question_def

    role = question.questionnaire.role
    return requirement_of(
        question_def(question, role), requirements_from(direction.definition or {})
    )
