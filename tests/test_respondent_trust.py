"""Issue 11, the respondent's side: what a hostile client or a watching teacher cannot do.

- a submission id the server did not issue (signed for the link) stores nothing;
- a response keeps its Kyiv date, no time;
- export rows and open answers come in no order that tells when they arrived;
- Back and «Надіслати» again stores one response, and the link then says it was sent from this
  device (a flag without an identifier), with a deliberate «Надіслати ще одну»;
- a post of 200,000 made-up fields is refused before its fields are looked at, in a short page;
- HEAD /s/<token> is a GET without a body.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import UTC, date, datetime
from http.cookies import SimpleCookie

import pytest
import werkzeug.formparser
from openpyxl import load_workbook
from sqlalchemy import DateTime, func, inspect, select

from app.dashboard.services import open_answers
from app.exports.writers import csv_chunks, write_responses_xlsx
from app.extensions import db
from app.models import Answer, Response
from app.surveys.respondent.forms import RespondentForm
from app.surveys.respondent.service import (
    InvalidAnswers,
    is_issued_submission_id,
    new_submission_id,
    store_response,
)
from app.vocabulary import today as kyiv_today
from tests import factories

SUBMISSION_ID = re.compile(r'name="submission_id" type="hidden" value="([^"]+)"')
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
STUDENT_ANSWERS = {"q-grade": "g6", "q-clear": "mostly", "q-sources": ["teacher", "site"]}
UNISSUED = "Цю форму видав не цей сервер або її змінено, тому відповіді не збережено."
ALREADY_SENT = "Ви вже надіслали відповіді з цього пристрою."


@pytest.fixture
def campaign(school):
    direction = factories.make_direction()
    return factories.make_campaign(school, direction, factories.small_questionnaires(direction))


@pytest.fixture
def students(campaign):
    return campaign.link_for("students")


@pytest.fixture
def teachers(campaign):
    return campaign.link_for("teachers")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def issued(page: str) -> str:
    match = SUBMISSION_ID.search(page)
    assert match, "the page carries no submission_id"
    return match.group(1)


def self_made_id() -> str:
    """A submission id of the issued shape that the server never signed."""
    return f"{secrets.token_urlsafe(16)}.{secrets.token_urlsafe(16)}"


# --- forged responses ---------------------------------------------------------------------------


def test_self_made_submission_ids_are_refused_and_store_nothing(client, students):
    for _ in range(10):
        forged = self_made_id()
        response = client.post(
            f"/s/{students.token}", data={**STUDENT_ANSWERS, "submission_id": forged}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert UNISSUED in page
        # The answers are kept, under an id the server did issue: sending again works.
        assert 'value="g6" id="q-grade-1" checked>' in page
        assert 'value="site" id="q-sources-2" checked>' in page
        fresh = issued(page)
        assert fresh != forged and is_issued_submission_id(fresh, students)
    assert count(Response) == 0 and count(Answer) == 0

    retry = client.post(f"/s/{students.token}", data={**STUDENT_ANSWERS, "submission_id": fresh})
    assert retry.status_code == 303
    assert count(Response) == 1


def test_an_id_for_another_link_another_secret_or_altered_is_refused(app, students, teachers):
    valid = new_submission_id(students)
    nonce, signature = valid.split(".")
    with app.app_context():
        app.config["SECRET_KEY"] = "another-installation"
        other_secret = new_submission_id(students)
        app.config["SECRET_KEY"] = "test-secret-key"
    altered = f"{nonce[:-1]}{'A' if nonce[-1] != 'A' else 'B'}.{signature}"
    client = app.test_client()
    for forged in (new_submission_id(teachers), other_secret, altered, f"{nonce}.{nonce}"):
        assert not is_issued_submission_id(forged, students)
        response = client.post(
            f"/s/{students.token}", data={**STUDENT_ANSWERS, "submission_id": forged}
        )
        assert response.status_code == 400, forged
        assert UNISSUED in response.get_data(as_text=True)
    assert count(Response) == 0
    assert is_issued_submission_id(valid, students)


def test_store_response_refuses_an_unissued_web_id_but_takes_import_keys(students):
    answers = {"grade": "g5", "clear": "full"}
    with pytest.raises(InvalidAnswers) as refused:
        store_response(students, answers, self_made_id())
    assert refused.value.malformed and UNISSUED in str(refused.value)
    assert count(Response) == 0
    imported = store_response(students, answers, "imp:" + "0" * 40, source="import")
    assert imported.source == "import" and count(Response) == 1


class TestWithCsrf:
    """The issue's case: one CSRF token and 10 self-made ids gave 10 responses."""

    @pytest.fixture
    def app_config(self) -> dict:
        return {"WTF_CSRF_ENABLED": True}

    def test_ten_self_made_ids_with_one_csrf_token_store_nothing(self, client, students):
        page = client.get(f"/s/{students.token}").get_data(as_text=True)
        csrf_token, submission_id = CSRF_TOKEN.search(page).group(1), issued(page)
        for _ in range(10):
            data = {**STUDENT_ANSWERS, "csrf_token": csrf_token, "submission_id": self_made_id()}
            response = client.post(f"/s/{students.token}", data=data)
            assert response.status_code == 400
            assert UNISSUED in response.get_data(as_text=True)
        assert count(Response) == 0

        # The id the page carried stores one response, however often it is sent.
        data = {**STUDENT_ANSWERS, "csrf_token": csrf_token, "submission_id": submission_id}
        for _ in range(10):
            assert client.post(f"/s/{students.token}", data=data).status_code == 303
        assert count(Response) == 1


# --- dates --------------------------------------------------------------------------------------


def test_a_response_keeps_its_kyiv_date_and_no_time(client, students):
    page = client.get(f"/s/{students.token}").get_data(as_text=True)
    data = {**STUDENT_ANSWERS, "submission_id": issued(page)}
    assert client.post(f"/s/{students.token}", data=data).status_code == 303

    columns = inspect(db.engine).get_columns("response")
    assert not [column["name"] for column in columns if isinstance(column["type"], DateTime)]
    (stored,) = db.session.execute(select(Response.__table__)).all()
    assert type(stored.submitted_on) is date
    assert stored.submitted_on == kyiv_today()
    for value in stored:
        assert not isinstance(value, datetime)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2025, 1, 1, 21, 59, tzinfo=UTC), date(2025, 1, 1)),  # 23:59 EET
        (datetime(2025, 1, 1, 22, 0, tzinfo=UTC), date(2025, 1, 2)),  # midnight in Kyiv
        (datetime(2025, 7, 1, 20, 59, tzinfo=UTC), date(2025, 7, 1)),  # 23:59 EEST
        (datetime(2025, 7, 1, 21, 0, tzinfo=UTC), date(2025, 7, 2)),
    ],
)
def test_the_date_is_the_kyiv_one(moment, day):
    assert kyiv_today(moment) == day


def test_imports_and_factories_store_dates_too(campaign):
    response = factories.make_response(campaign, "students", {"grade": "g5", "clear": "full"})
    db.session.expire_all()
    assert db.session.get(Response, response.id).submitted_on == kyiv_today()


# --- no arrival order ---------------------------------------------------------------------------

ARRIVALS = 30


def _thirty_teachers(teachers) -> list[str]:
    """Store 30 teachers' responses through the service, in a known order; return their
    comments in that order (the comment names the arrival)."""
    comments = [f"відповідь {number:02d}" for number in range(ARRIVALS)]
    for number, comment in enumerate(comments):
        answers = {
            "understand": ["full", "mostly", "partly", "none"][number % 4],
            "comment": comment,
        }
        store_response(teachers, answers, new_submission_id(teachers))
    return comments


def _by_shuffle_key(role: str) -> list[str]:
    """The teachers' comments in the order of their responses' shuffle keys."""
    rows = db.session.execute(
        select(Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.role == role, Answer.text.is_not(None))
        .order_by(Response.shuffle_key)
    )
    return [text for (text,) in rows]


def test_export_rows_are_not_in_arrival_order(campaign, teachers):
    arrival = _thirty_teachers(teachers)

    table = list(csv.reader(io.StringIO("".join(csv_chunks(campaign, "teachers"))[1:])))
    header, rows = table[0], table[1:]
    comments = [row[-1] for row in rows]
    assert sorted(comments) == arrival  # every response, once
    assert comments != arrival and comments != arrival[::-1]
    # The order is the random keys', and the row numbers only count the rows in it.
    assert comments == _by_shuffle_key("teachers")
    assert [row[0] for row in rows] == [str(number) for number in range(1, ARRIVALS + 1)]
    assert header[:2] == ["№", "Дата"]
    assert {row[1] for row in rows} == {kyiv_today().isoformat()}  # the day, nothing finer

    target = io.BytesIO()
    write_responses_xlsx(campaign, target, roles=["teachers"])
    sheet = load_workbook(io.BytesIO(target.getvalue()), read_only=True)["Вчителі"]
    assert [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)] == comments


def test_shuffle_keys_do_not_follow_arrival(teachers):
    _thirty_teachers(teachers)
    keys = db.session.scalars(select(Response.shuffle_key).order_by(Response.id)).all()
    assert len(set(keys)) == ARRIVALS
    assert keys != sorted(keys) and keys != sorted(keys, reverse=True)
    # Neither does the tiebreak, which only equal keys would need: the submission ids are
    # random nonces too.
    submission_ids = db.session.scalars(select(Response.submission_id).order_by(Response.id))
    assert list(submission_ids) != sorted(submission_ids)


ARRIVING_TEXTS = ["Їжак у школі", "бджоли", "Ґанок", "яблуко", "Авто", "єнот", "гуртки", "Іспити"]


def test_open_answers_are_listed_by_text_not_by_arrival(campaign, teachers):
    for text in ARRIVING_TEXTS:
        store_response(
            teachers, {"understand": "full", "comment": text}, new_submission_id(teachers)
        )

    (group,) = open_answers(campaign)

    # The Ukrainian alphabet's order (г before ґ, е before є, и before і before ї), case aside.
    assert group.answers == (
        "Авто", "бджоли", "гуртки", "Ґанок", "єнот", "Іспити", "Їжак у школі", "яблуко"
    )  # fmt: skip
    assert list(group.answers) not in (ARRIVING_TEXTS, ARRIVING_TEXTS[::-1])
    assert group.total == len(ARRIVING_TEXTS)


def test_open_answers_over_the_limit_are_a_sample_by_shuffle_key(campaign, teachers):
    arrival = _thirty_teachers(teachers)

    (group,) = open_answers(campaign, limit=5)

    assert group.total == ARRIVALS
    assert group.answers == tuple(sorted(_by_shuffle_key("teachers")[:5]))
    assert group.answers not in (tuple(arrival[:5]), tuple(arrival[-5:]))


def test_results_page_says_how_the_open_answers_are_ordered(member_client, campaign, teachers):
    for text in ARRIVING_TEXTS:
        store_response(
            teachers, {"understand": "full", "comment": text}, new_submission_id(teachers)
        )
    page = member_client.get(f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert (
        page.index("<li>Авто</li>") < page.index("<li>бджоли</li>") < page.index("<li>яблуко</li>")
    )
    assert "найновіших" not in page


# --- Back after submit --------------------------------------------------------------------------


def _send(client, link, answers=STUDENT_ANSWERS, query=""):
    page = client.get(f"/s/{link.token}{query}").get_data(as_text=True)
    data = {**answers, "submission_id": issued(page)}
    return client.post(f"/s/{link.token}", data=data), data


def test_a_sent_response_leaves_a_flag_for_this_link_only(client, students, teachers):
    response, _ = _send(client, students)
    assert response.status_code == 303

    (header,) = response.headers.getlist("Set-Cookie")
    cookie = SimpleCookie(header)["anketa_sent"]
    assert cookie.value == "1"  # a flag: no identifier, nothing that tells devices apart
    assert cookie["path"] == f"/s/{students.token}"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 180 * 24 * 3600

    again = client.get(f"/s/{students.token}")
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert ALREADY_SENT in page
    assert "Надіслати ще одну" in page
    assert '<input type="hidden" name="again" value="1">' in page
    assert 'name="submission_id"' not in page and 'method="post"' not in page

    # Another link (another campaign's or role's) is not affected.
    other = client.get(f"/s/{teachers.token}").get_data(as_text=True)
    assert ALREADY_SENT not in other and 'name="submission_id"' in other
    assert count(Response) == 1


def test_back_and_send_again_stores_one_response(client, students):
    """The phone's Back shows the sent page again; «Надіслати» posts its id a second time."""
    first, data = _send(client, students)
    assert first.status_code == 303
    for changed in (data, {**data, "q-clear": "none"}):
        again = client.post(f"/s/{students.token}", data=changed)
        assert again.status_code == 303
        assert again.headers["Location"] == f"/s/{students.token}/thanks"
    assert count(Response) == 1
    clear = db.session.scalar(select(func.count()).select_from(Answer).where(Answer.text.is_(None)))
    assert clear == 4  # grade, clear (the first answer), two sources


def test_send_another_one_stores_a_second_response(client, students):
    assert _send(client, students)[0].status_code == 303
    second, _ = _send(client, students, query="?again=1")
    assert second.status_code == 303
    assert count(Response) == 2


# --- 200,000 fields -----------------------------------------------------------------------------


def test_a_post_of_200000_made_up_fields_is_refused_before_reading_them(
    client, students, monkeypatch
):
    parsed: list[int] = []
    real_parse = werkzeug.formparser.parse_qsl

    def counting_parse(*args, **kwargs):
        parsed.append(1)
        return real_parse(*args, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("the fields were looked at")

    monkeypatch.setattr(werkzeug.formparser, "parse_qsl", counting_parse)
    monkeypatch.setattr(RespondentForm, "check_envelope", never)
    body = "&".join(f"q-{number:05x}=" for number in range(200_000))
    body += "&submission_id=" + new_submission_id(students)
    assert len(body) < 2 * 1024 * 1024  # under MAX_CONTENT_LENGTH: the count refuses it

    response = client.post(
        f"/s/{students.token}", data=body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert len(response.data) < 20 * 1024
    page = response.get_data(as_text=True)
    assert "Форма містить більше полів, ніж може мати ця анкета (не більше 16)" in page
    assert parsed == []  # the body was counted, never split into fields
    assert count(Response) == 0 and count(Answer) == 0


def test_a_multipart_post_over_the_limit_is_refused_too(client, students):
    data = {f"q-x{number}": "1" for number in range(40)}
    data["submission_id"] = new_submission_id(students)
    response = client.post(f"/s/{students.token}", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Форма містить більше полів" in response.get_data(as_text=True)
    assert count(Response) == 0


def test_unknown_fields_are_reported_in_one_line(client, students):
    page = client.get(f"/s/{students.token}").get_data(as_text=True)
    data = {**STUDENT_ANSWERS, "submission_id": issued(page)}
    data.update({f"q-x{number}": "1" for number in range(7)})
    data["extra"] = "1"

    response = client.post(f"/s/{students.token}", data=data)
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    summary = page[page.index('class="sum"') : page.index("</ul>")]
    assert summary.count("<li>") == 1
    assert "<li>Форма містить невідомі поля: «q-x0», «q-x1», «q-x2» і ще 5.</li>" in summary
    assert "Анкета не містить питання" not in page
    assert count(Response) == 0


def test_a_real_form_with_every_option_ticked_is_within_the_limit(client, school):
    from app.models import Direction, Questionnaire
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()
    direction = Direction.library("assessment-system")
    questionnaire = Questionnaire.latest(direction.id, "students")
    link = factories.make_campaign(school, direction, {"students": questionnaire}).link_for(
        "students"
    )
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    data: dict[str, object] = {"submission_id": issued(page)}
    for question in link.questionnaire.questions:
        if question.type == "text":
            data[f"q-{question.key}"] = "Так"
        elif question.type == "multiple":
            data[f"q-{question.key}"] = [option.key for option in question.options]
        else:
            data[f"q-{question.key}"] = question.options[-1].key
    assert client.post(f"/s/{link.token}", data=data).status_code == 303


# --- HEAD ---------------------------------------------------------------------------------------


def test_head_is_answered_like_get(client, school, students):
    response = client.head(f"/s/{students.token}")
    assert response.status_code == 200
    assert response.data == b""
    assert response.mimetype == "text/html"
    assert "Set-Cookie" not in response.headers
    assert client.head(f"/s/{students.token}/thanks").status_code == 200
    assert client.head("/s/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404

    direction = factories.make_direction()
    closed = factories.make_campaign(
        school,
        direction,
        factories.small_questionnaires(direction),
        year="2023-2024",
        closes_on=date(2000, 1, 1),
    )
    head = client.head(f"/s/{closed.link_for('students').token}")
    assert head.status_code == 200 and head.data == b""
    assert count(Response) == 0
