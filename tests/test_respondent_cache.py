"""The respondent pages keep each questionnaire version's questions in a per-process cache
(app/surveys/definitions/structure.py).
What must hold: an edit of a version without responses shows at
once and its answers are stored on the new rows (even when the content comes back to an earlier
one), two versions of a questionnaire never mix, the cached blank form carries nothing of a
request, and a cached version is not read from the database again."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from app.config import LIBRARY_DIR
from app.extensions import db
from app.models import Answer, Campaign, Option, Question, Questionnaire, Response
from app.staff.services import create_campaign
from app.surveys.definitions.library import load_questionnaires
from app.surveys.definitions.structure import QuestionnaireCache
from tests import factories
from tests.test_builder import QUESTION_DEFAULTS, base, build_teachers

FIRST_TEXT = "Я розумію, що таке критерії оцінювання."
SUBMISSION_ID = re.compile(
    r'name="submission_id" type="hidden" value="([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})"'
)


@pytest.fixture
def campaign(app, school) -> Campaign:
    load_questionnaires()
    return create_campaign(school, "assessment-system", "2024-2025")


def edit_t1(client, campaign: Campaign, text: str) -> None:
    """Change the text of the builder's question t1 (see ``build_teachers``)."""
    response = client.post(
        f"{base(campaign)}/teachers/questions/t1",
        data={**QUESTION_DEFAULTS, "key": "t1", "number": "1", "scale": "degree",
              "text": text, "required": "y",
              "topic": "criteria_understanding", "measures": "criteria_understanding",
              "report_lead": "Учителі розуміють критерії"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()


def form_page(client, token: str) -> str:
    # ?again=1: this client may have sent a response through the link already (the page
    # would first ask whether to send another one).
    response = client.get(f"/s/{token}?again=1")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def submit(client, token: str, answers: dict) -> int:
    submission_id = SUBMISSION_ID.search(form_page(client, token)).group(1)
    return client.post(f"/s/{token}", data={**answers, "submission_id": submission_id}).status_code


def stored_rows(questionnaire_id: int) -> list[tuple[str, str | None, str | None]]:
    """The stored answers as (question key, option key, text), joined through the ids the
    answer rows carry to the questions of ``questionnaire_id`` (a stale id drops out)."""
    rows = db.session.execute(
        select(Question.key, Option.key, Answer.text)
        .join(Question, Answer.question_id == Question.id)
        .outerjoin(Option, Answer.option_id == Option.id)
        .where(Question.questionnaire_id == questionnaire_id)
        .order_by(Answer.id)
    )
    return [tuple(row) for row in rows]


def answer_count() -> int:
    return db.session.scalar(select(func.count(Answer.id)))


def test_a_builder_edit_without_responses_shows_at_once(member_client, campaign):
    build_teachers(member_client, campaign)
    token = campaign.link_for("teachers").token
    assert FIRST_TEXT in form_page(member_client, token)

    edit_t1(member_client, campaign, "Я знаю критерії оцінювання.")
    page = form_page(member_client, token)
    assert "Я знаю критерії оцінювання." in page
    assert FIRST_TEXT not in page

    answers = {"q-t1": "mostly", "q-t2": ["board", "none"], "q-t3": "Приклади"}
    assert submit(member_client, token, answers) == 303
    link = campaign.link_for("teachers")
    assert stored_rows(link.questionnaire_id) == [
        ("t1", "mostly", None),
        ("t2", "board", None),
        ("t2", "none", None),
        ("t3", None, "Приклади"),
    ]


def test_an_edit_back_to_the_same_content_stores_answers_on_the_new_rows(member_client, campaign):
    """A → B → A: the content hash is the first one again, but the questions and options were
    deleted and inserted anew; answers must point at the rows that exist now."""
    build_teachers(member_client, campaign)
    token = campaign.link_for("teachers").token
    first_hash = Questionnaire.latest(campaign.direction_id, "teachers").content_hash
    assert FIRST_TEXT in form_page(member_client, token)  # version A is cached now

    edit_t1(member_client, campaign, "Інший текст")
    assert "Інший текст" in form_page(member_client, token)
    edit_t1(member_client, campaign, FIRST_TEXT)
    again = Questionnaire.latest(campaign.direction_id, "teachers")
    assert again.content_hash == first_hash

    answers = {"q-t1": "full", "q-t2": "site", "q-t3": ""}
    assert submit(member_client, token, answers) == 303
    assert stored_rows(again.id) == [("t1", "full", None), ("t2", "site", None)]
    assert answer_count() == 2


def test_two_versions_of_a_questionnaire_do_not_mix(app, client, school, tmp_path: Path):
    library = tmp_path / "library"
    shutil.copytree(LIBRARY_DIR, library)
    load_questionnaires([library])
    answered = create_campaign(school, "assessment-system", "2024-2025", title="Перша")
    old_token = answered.link_for("students").token
    old_version = answered.link_for("students").questionnaire_id
    answers = {
        f"q-{q.key}": q.options[0].key if q.options else "Так"
        for q in db.session.get(Questionnaire, old_version).questions
        if q.required
    }
    assert "У якому класі ви навчаєтесь?" in form_page(client, old_token)
    assert submit(client, old_token, answers) == 303

    # The library's students file changes: the answered version stays, a version 2 appears.
    students = library / "assessment-system" / "students.yaml"
    text = students.read_text(encoding="utf-8")
    students.write_text(
        text.replace("У якому класі ви навчаєтесь?", "У якому класі ти навчаєшся?"),
        encoding="utf-8",
    )
    load_questionnaires([library])
    other_school = factories.make_school("school-b", "Ліцей №2")
    fresh = create_campaign(other_school, "assessment-system", "2024-2025", title="Друга")
    new_token = fresh.link_for("students").token
    new_version = fresh.link_for("students").questionnaire_id
    assert new_version != old_version

    old_page, new_page = form_page(client, old_token), form_page(client, new_token)
    assert "У якому класі ви навчаєтесь?" in old_page
    assert "ти навчаєшся" not in old_page
    assert "У якому класі ти навчаєшся?" in new_page
    assert "ви навчаєтесь" not in new_page

    assert submit(client, new_token, answers) == 303
    assert submit(client, old_token, answers) == 303
    for version in (old_version, new_version):
        responses = db.session.scalars(
            select(Response).where(Response.questionnaire_id == version)
        ).all()
        stored = stored_rows(version)
        # Every answer row of a response points at its own version's questions.
        assert len(stored) == sum(
            db.session.scalar(select(func.count(Answer.id)).where(Answer.response_id == r.id))
            for r in responses
        )
    assert len(stored_rows(old_version)) == 2 * len(stored_rows(new_version))


def test_a_cached_version_is_not_read_again(client, campaign):
    token = campaign.link_for("students").token
    form_page(client, token)
    statements: list[str] = []

    def remember(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = form_page(client, token)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert "У якому класі ви навчаєтесь?" in page
    assert statements, "the link is still read on every request"
    assert not any(re.search(r"\bFROM option\b", s) for s in statements)


def test_the_cached_blank_form_carries_nothing_of_a_request(client, campaign):
    token = campaign.link_for("students").token
    first, second = form_page(client, token), form_page(client, token)
    assert SUBMISSION_ID.search(first).group(1) != SUBMISSION_ID.search(second).group(1)

    # A post with a problem shows the answers and the error; the next blank form shows neither.
    submission_id = SUBMISSION_ID.search(second).group(1)
    refused = client.post(f"/s/{token}", data={"q-s1": "g6", "submission_id": submission_id})
    assert refused.status_code == 200
    shown = refused.get_data(as_text=True)
    assert 'value="g6" id="q-s1-1" checked>' in shown
    assert 'class="err"' in shown
    blank = form_page(client, token)
    assert " checked" not in blank
    assert 'class="err"' not in blank
    assert blank.count("<fieldset") == shown.count("<fieldset")


def test_the_cache_forgets_the_least_recently_used_version(monkeypatch):
    from app.surveys.definitions import structure

    loads: list[int] = []
    monkeypatch.setattr(
        structure,
        "load_structure",
        lambda questionnaire_id, version=None: (
            loads.append(questionnaire_id)
            or structure.QuestionnaireStructure(questionnaire_id, (), version)
        ),
    )
    cache = QuestionnaireCache(size=2)
    one, two, three = (Questionnaire(id=number, content_hash=f"h{number}") for number in (1, 2, 3))
    for questionnaire in (one, two, one, three, one, two):
        cache.structure(questionnaire, 0)
    # «two» was the least recently used when «three» came, so it was read again.
    assert loads == [1, 2, 3, 2]
    # A new stamp of the same content is another entry; no hash at all is never cached.
    cache.structure(one, 5)
    unhashed = Questionnaire(id=4, content_hash="")
    cache.structure(unhashed, 0)
    cache.structure(unhashed, 0)
    assert loads == [1, 2, 3, 2, 1, 4, 4]


def test_a_post_after_an_autocommit_get_is_still_all_or_nothing(client, campaign, monkeypatch):
    """The form's GET reads in autocommit; the pooled connection must come back transactional,
    so a post whose answer rows fail stores no response either."""
    from sqlalchemy.exc import IntegrityError

    from app.surveys.respondent import service

    link = campaign.link_for("students")
    token = link.token
    answers = {
        f"q-{q.key}": q.options[0].key if q.options else "Так"
        for q in link.questionnaire.questions
        if q.required
    }
    db.session.remove()  # a fresh session, as each request in production gets
    page = form_page(client, token)  # this GET runs in autocommit
    db.session.remove()
    real_rows = service.answer_rows

    def rows_with_a_missing_question(given, segment):
        rows = real_rows(given, segment)
        return [*rows, {**rows[0], "question_id": 10**9}]

    monkeypatch.setattr(service, "answer_rows", rows_with_a_missing_question)
    submission_id = SUBMISSION_ID.search(page).group(1)
    with pytest.raises(IntegrityError):
        client.post(f"/s/{token}", data={**answers, "submission_id": submission_id})
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert answer_count() == 0
