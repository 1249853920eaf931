"""A clearly marked demo school with two campaigns of synthetic responses (``anketa demo``).

The answers are random but seeded, and plausibly skewed: most answers are positive, teachers are
more positive than students and parents (so the analysis finds perception gaps), and the previous
year is a little weaker than the current one (so dynamics have something to show). Running it
twice creates nothing new; it only gives the demo users fresh passwords to print.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import AnketaError
from app.extensions import db
from app.models import (
    Answer,
    Campaign,
    Direction,
    Option,
    Question,
    QuestionType,
    Response,
    School,
    User,
)
from app.staff import services
from app.surveys.respondent.answer_rows import answer_rows, segment_question_id
from app.vocabulary import StaffRole

DEMO_SLUG = "demo"
DEMO_NAME = "ДЕМО: Ліцей №1 (навчальні дані)"  # i18n: data (stored as the school's name)
DEMO_DIRECTION = "assessment-system"
DEMO_USERS = (
    ("director@demo.anketa.local", StaffRole.DIRECTOR.value),
    ("member@demo.anketa.local", StaffRole.MEMBER.value),
)


@dataclass(frozen=True)
class DemoYear:
    """One demo campaign: its year, survey period, how many answer and how positive they are."""

    academic_year: str
    opens_on: date
    closes_on: date
    respondents: dict[str, int]
    expected: dict[str, int]
    # Share of answers in the upper half of an ordinal scale, per role.
    positivity: dict[str, float]


DEMO_YEARS = (
    DemoYear(
        academic_year="2023-2024",
        opens_on=date(2024, 2, 5),
        closes_on=date(2024, 4, 19),
        respondents={"teachers": 29, "students": 164, "parents": 112},
        expected={"teachers": 33, "students": 230, "parents": 200},
        positivity={"teachers": 0.86, "students": 0.55, "parents": 0.60},
    ),
    DemoYear(
        academic_year="2024-2025",
        opens_on=date(2025, 2, 3),
        closes_on=date(2025, 4, 18),
        respondents={"teachers": 31, "students": 180, "parents": 120},
        expected={"teachers": 34, "students": 240, "parents": 210},
        positivity={"teachers": 0.92, "students": 0.62, "parents": 0.68},
    ),
)

COMMENTS = {  # i18n: data (synthetic answers, stored as typed)
    "teachers": (
        "Потрібні спільні критерії оцінювання для паралелей.",
        "Бракує часу на формувальне оцінювання у великих класах.",
        "Корисно було б провести семінар щодо самооцінювання учнів.",
    ),
    "students": (
        "Хочу, щоб критерії пояснювали на початку кожної теми.",
        "Іноді незрозуміло, за що знизили оцінку.",
        "Подобається, коли вчитель пояснює помилки.",
    ),
    "parents": (
        "Хотілося б частіше отримувати інформацію про успіхи дитини.",
        "Критерії варто публікувати на сайті школи.",
        "Дякуємо вчителям за підтримку.",
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    """What ``create_demo`` did: the school, its campaigns (oldest first), how many responses it
    stored now (0 on a repeated run), and the demo users with their fresh passwords."""

    school: School
    campaigns: tuple[Campaign, ...]
    responses_created: int
    users: tuple[tuple[str, str, str], ...]  # (email, role, password)


def create_demo(seed: int = 1) -> DemoSummary:
    """Create (or complete) the demo school, its two campaigns and their responses.

    Idempotent: an existing demo school, campaign or response set is reused, never duplicated.
    The demo users get new passwords on every run (they are returned to be printed).
    Raises ``AnketaError`` when the bundled direction is not loaded or a demo e-mail belongs to
    a user outside the demo school.
    """
    if Direction.library(DEMO_DIRECTION) is None:
        raise AnketaError(_("Бібліотеку анкет не завантажено: спершу виконайте «anketa init»."))
    school = _demo_school()
    users = tuple(_demo_user(school, email, role) for email, role in DEMO_USERS)
    campaigns: list[Campaign] = []
    created = 0
    for year in DEMO_YEARS:
        campaign = _demo_campaign(school, year)
        if sum(campaign.response_counts().values()) == 0:
            created += _fill(campaign, year, seed)
        campaigns.append(campaign)
    return DemoSummary(school, tuple(campaigns), created, users)


def _demo_school() -> School:
    school = School.by_slug(DEMO_SLUG)
    if school is None:
        school = School(slug=DEMO_SLUG, name=DEMO_NAME, is_demo=True)
        db.session.add(school)
    elif not school.is_demo:
        raise AnketaError(_("Заклад «demo» уже існує і не є демонстраційним."))
    db.session.commit()
    return school


def _demo_user(school: School, email: str, role: str) -> tuple[str, str, str]:
    user = User.by_email(email)
    if user is None:
        user = User(email=email, role=role, school=school)
        db.session.add(user)
    elif user.school_id != school.id:
        raise AnketaError(
            _("Користувач %(email)s уже існує поза демонстраційним закладом.", email=email)
        )
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    db.session.commit()
    return email, role, password


def _demo_campaign(school: School, year: DemoYear) -> Campaign:
    direction = services.find_direction(school, DEMO_DIRECTION)
    campaign = db.session.scalar(
        select(Campaign).where(
            Campaign.school_id == school.id,
            Campaign.direction_id == direction.id,
            Campaign.academic_year == year.academic_year,
        )
    )
    if campaign is None:
        campaign = services.create_campaign(
            school,
            DEMO_DIRECTION,
            year.academic_year,
            opens_on=year.opens_on,
            closes_on=year.closes_on,
        )
        services.set_expected_counts(campaign, year.expected)
    return campaign


def _fill(campaign: Campaign, year: DemoYear, seed: int) -> int:
    """Store the year's synthetic responses for every linked role in one commit."""
    rng = random.Random(f"{seed}:{year.academic_year}")
    responses: list[Response] = []
    for link in campaign.links:
        questions = list(link.questionnaire.questions)
        segment = segment_question_id(link.questionnaire)
        for number in range(year.respondents.get(link.role, 0)):
            response = Response(
                campaign_id=campaign.id,
                questionnaire_id=link.questionnaire_id,
                role=link.role,
                submission_id=f"demo-{campaign.id}-{link.role}-{number}",
                source="demo",
                submitted_on=_day(rng, year),
            )
            given = [
                answer
                for question in questions
                for answer in _answers(rng, question, link.role, year.positivity, seed)
            ]
            response.answers = [
                Answer(campaign_id=campaign.id, **row) for row in answer_rows(given, segment)
            ]
            responses.append(response)
    db.session.add_all(responses)
    db.session.commit()
    return len(responses)


def _day(rng: random.Random, year: DemoYear) -> date:
    days = (year.closes_on - year.opens_on).days
    return year.opens_on + timedelta(days=rng.randint(0, days))


def _answers(
    rng: random.Random,
    question: Question,
    role: str,
    positivity: dict[str, float],
    seed: int,
) -> list[tuple[int, int | None, str | None]]:
    """Return one respondent's answers to a question: (question id, option id, text) triples."""

    def answer(
        option_id: int | None = None, text: str | None = None
    ) -> tuple[int, int | None, str | None]:
        return (question.id, option_id, text)

    # Per-question character (how positive, how popular each option) is fixed across years, so
    # the two campaigns differ by the yearly trend rather than by noise.
    character = random.Random(f"{seed}:{role}:{question.key}")
    if question.type == QuestionType.TEXT:
        if question.required or rng.random() < 0.12:
            return [answer(text=rng.choice(COMMENTS.get(role, COMMENTS["teachers"])))]
        return []
    if not question.required and rng.random() < 0.03:
        return []
    options = list(question.options)
    if not options:
        return []
    if question.type == QuestionType.MULTIPLE:
        shares = [character.uniform(0.15, 0.75) for _option in options]
        ticked = [
            option for option, share in zip(options, shares, strict=True) if rng.random() < share
        ]
        return [answer(option.id) for option in ticked or [rng.choice(options)]]
    weights = _single_weights(options, positivity.get(role, 0.7), character)
    (chosen,) = rng.choices(options, weights=weights)
    return [answer(chosen.id)]


def _single_weights(
    options: Sequence[Option], positivity: float, character: random.Random
) -> list[float]:
    """Return a weight per option: ordinal options skewed to the top, the rest uneven."""
    valued = sorted((o for o in options if o.value is not None), key=lambda o: -(o.value or 0))
    if not valued:
        return [character.uniform(0.7, 1.3) for _option in options]
    share = min(0.97, max(0.2, positivity + character.uniform(-0.1, 0.08)))
    top = valued[: (len(valued) + 1) // 2]
    bottom = valued[len(top) :]
    weights: dict[int, float] = {}
    for group, mass, ratio in ((top, share, 0.8), (bottom, 1 - share, 0.6)):
        decay = [ratio**i for i in range(len(group))]
        for option, part in zip(group, decay, strict=True):
            weights[option.id] = mass * part / sum(decay)
    unvalued = [o for o in options if o.value is None]
    for option in unvalued:
        # «Не знаю»: a few per cent of the answers.
        weights[option.id] = 0.06 / len(unvalued)
    return [weights[option.id] for option in options]
