"""Property-based fuzzing of the respondent pages (Hypothesis): thousands of malformed posts.

Unknown and repeated fields, wrong option ids, huge and binary-looking values, NUL bytes, broken
UTF-8 in raw bodies, wrong content types, missing or mangled tokens and submission ids, wrong
methods. Whatever arrives: never a 500, never a row stored for a refused post (and never a
partial one), and a clear message on the page when a person could have caused the problem.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import Answer, Response
from tests import factories

SETTINGS = {
    "deadline": None,
    "database": None,  # no .hypothesis/ folder in the tree; failures print their example
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,  # the campaign is read-only for these tests
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}
SUMMARY = "Перевірте відповіді"
#: The shape of an issued submission id, but not signed by the server: refused wherever it goes.
SELF_MADE_ID = f"{'G' * 22}.{'G' * 22}"

# The small questionnaires of tests/factories.py: students (grade, clear, sources, access)
# and teachers (understand, comment: a text).
OPTIONS = {
    "grade": ["g5", "g6", "g7"],
    "clear": ["full", "mostly", "partly", "none"],
    "sources": ["teacher", "class_teacher", "site"],
    "access": ["yes", "no", "dont_know"],
    "understand": ["full", "mostly", "partly", "none"],
}
VALID_STUDENT = [
    ("q-grade", "g6"),
    ("q-clear", "full"),
    ("q-sources", "teacher"),
    ("q-access", "yes"),
]

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),  # control chars, NUL
    st.sampled_from(
        [
            "\x00",
            "g6\x00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "%00",
            "\ufeff",
            "\u202e",
            "𝕏" * 10,
            "\ud7ff",
            "🙂",
            "full ",
            " FULL",
            "Full",
        ]
    ),
    st.builds(lambda char, n: char * n, st.sampled_from("xЖ\x00🙂"), st.integers(5001, 60_000)),
    st.binary(max_size=64).map(lambda raw: raw.decode("latin-1")),
)
field_names = st.one_of(
    st.sampled_from([f"q-{key}" for key in OPTIONS] + ["q-comment"]),
    st.sampled_from(["q-", "q-q-grade", "q-GRADE", "q-grade ", "submission_id", "csrf_token"]),
    st.sampled_from(["answers", "q", "q_grade", "grade", "role", "campaign_id", "response_id"]),
    st.text(max_size=20).map(lambda name: f"q-{name}"),
    st.text(min_size=1, max_size=20),
)
option_values = st.one_of(
    st.sampled_from(sorted({value for values in OPTIONS.values() for value in values})),
    nasty_text,
)


@pytest.fixture
def links(school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    return {role: campaign.link_for(role).token for role in ("students", "teachers")}


def stored_rows() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count(Response.id))),
        db.session.scalar(select(func.count(Answer.id))),
    )


def issued_id(token: str) -> str:
    """Return a submission id as the server issues it with the form of the link ``token``."""
    return factories.submission_id_for(factories.link_by_token(token))


def assert_refused_clearly(response) -> None:
    """A refused post re-renders the form with a summary of what to fix; a body over the size
    limit (three drawn 60,000-character values can pass 2 MiB) or with more fields than the form
    can send gets the 413 page saying so."""
    assert response.status_code in (200, 400, 413), response.status_code
    page = response.get_data(as_text=True)
    assert "Traceback" not in page
    if response.status_code == 413:
        # Too large a body, or more fields than the form has (counted before parsing them).
        assert "Надіслані дані завеликі" in page or "більше полів" in page, page[:500]
        return
    assert SUMMARY in page, page[:500]
    assert 'name="submission_id"' in page  # the form is there to be sent again


def assert_no_partial_responses() -> None:
    assert db.session.scalar(select(func.count(Response.id)).where(~Response.answers.any())) == 0


# --- malformed form posts ---------------------------------------------------------------------


def defect(pairs: list[tuple[str, str]]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Strategies that break an otherwise valid post in exactly the ways a form can't."""
    return st.one_of(
        # an unknown field
        st.tuples(
            field_names.filter(
                lambda n: (
                    n not in {"submission_id", "csrf_token"} and n not in {p[0] for p in pairs}
                )
            ),
            nasty_text,
        )
        .filter(lambda pair: not pair[0].startswith("q-") or pair[0][2:] not in OPTIONS)
        .map(lambda pair: [*pairs, pair]),
        # a wrong option id for a known question
        st.tuples(st.sampled_from(["q-grade", "q-clear", "q-sources", "q-access"]), nasty_text)
        .filter(lambda pair: pair[1] not in OPTIONS[pair[0][2:]])
        .map(lambda pair: [p for p in pairs if p[0] != pair[0]] + [pair]),
        # a single-choice answer sent twice (same or different option)
        st.sampled_from(["q-grade", "q-clear", "q-access"]).flatmap(
            lambda name: st.sampled_from(OPTIONS[name[2:]]).map(
                lambda value: [*pairs, (name, value)]
            )
        ),
        # a repeated option of a multiple choice
        st.just([*pairs, ("q-sources", "teacher")]),
        # a required answer missing
        st.sampled_from(["q-grade", "q-clear"]).map(
            lambda name: [p for p in pairs if p[0] != name]
        ),
    )


@settings(max_examples=300, **SETTINGS)
@given(data=st.data())
def test_malformed_posts_are_refused_with_a_message_and_store_nothing(client, links, data):
    base = list(VALID_STUDENT)
    broken = data.draw(defect(base), label="answers")
    good_id = issued_id(links["students"])
    submission = data.draw(
        st.one_of(
            st.just([("submission_id", good_id)]),
            st.just([]),
            st.just([("submission_id", good_id), ("submission_id", issued_id(links["students"]))]),
            st.just([("submission_id", SELF_MADE_ID)]),
            nasty_text.map(lambda value: [("submission_id", value)]),
        ),
        label="submission_id",
    )
    order = data.draw(st.permutations(broken + submission), label="order")
    response = client.post(f"/s/{links['students']}", data=_multidict(order))
    assert_refused_clearly(response)
    assert stored_rows() == (0, 0)


random_pairs = st.lists(st.tuples(field_names, option_values), max_size=12)
VALID = {"students": VALID_STUDENT, "teachers": [("q-understand", "mostly"), ("q-comment", "Ок")]}


@settings(max_examples=300, **SETTINGS)
@given(data=st.data(), role=st.sampled_from(["students", "teachers"]))
def test_any_post_never_fails_and_stores_whole_responses_only(client, links, data, role):
    pairs = data.draw(
        st.one_of(
            random_pairs,
            # a valid answer, sometimes with a little more: some of these are stored
            st.lists(st.tuples(field_names, option_values), max_size=1).map(
                lambda extra: VALID[role] + extra
            ),
        ),
        label="pairs",
    )
    if data.draw(st.integers(0, 9), label="id") > 0:
        pairs = [*pairs, ("submission_id", issued_id(links[role]))]
    before = stored_rows()
    response = client.post(f"/s/{links[role]}", data=_multidict(pairs))
    assert response.status_code in (200, 303, 400, 413), response.status_code
    event(f"status {response.status_code}")
    after = stored_rows()
    if response.status_code == 303:
        assert after[0] == before[0] + 1 and after[1] > before[1]
    else:
        assert after == before
        assert_refused_clearly(response)
    assert_no_partial_responses()


def _multidict(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


@pytest.mark.parametrize("length", [5001, 20_000])
def test_an_overlong_text_answer_is_refused_with_its_limit(client, links, length):
    data = {"q-understand": "full", "q-comment": "я" * length}
    data["submission_id"] = issued_id(links["teachers"])
    response = client.post(f"/s/{links['teachers']}", data=data)
    assert response.status_code == 400
    assert "Відповідь задовга" in response.get_data(as_text=True)
    assert stored_rows() == (0, 0)


@pytest.mark.parametrize(
    "text",
    [
        "до\x00після",
        "\x00",
        "рядок\x0bз\x1fкерівними\x7fсимволами",
        "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    ],
)
def test_control_characters_in_a_text_answer_never_break_the_store(client, links, text):
    data = {"q-understand": "full", "q-comment": text}
    data["submission_id"] = issued_id(links["teachers"])
    response = client.post(f"/s/{links['teachers']}", data=data)
    assert response.status_code in (303, 400)
    if response.status_code == 303:
        stored = db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))).all()
        assert all("\x00" not in value for value in stored)
    assert_no_partial_responses()


def test_a_body_over_the_size_limit_is_413_and_stores_nothing(client, links):
    data = {"q-understand": "full", "q-comment": "x" * (3 * 1024 * 1024)}
    data["submission_id"] = issued_id(links["teachers"])
    response = client.post(f"/s/{links['teachers']}", data=data)
    assert response.status_code == 413
    assert "Надіслані дані завеликі" in response.get_data(as_text=True)
    assert stored_rows() == (0, 0)


# --- raw bodies: broken encodings and content types ---------------------------------------------

content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "application/json",
        "text/plain",
        "application/octet-stream",
        "",
    ]
)
raw_bodies = st.one_of(
    st.binary(max_size=2048),
    st.builds(
        lambda prefix, junk, suffix: prefix + junk + suffix,
        st.sampled_from([b"q-grade=", b"submission_id=", b"q-clear=full&q-grade=", b"q-\xff="]),
        st.binary(max_size=64),
        st.sampled_from([b"", b"&q-clear=full", b"&submission_id=" + SELF_MADE_ID.encode(), b"%"]),
    ),
    st.sampled_from(
        [
            b"q-grade=%FF%FE&q-clear=full&submission_id=" + SELF_MADE_ID.encode(),
            b"q-grade=g6&q-clear=%C3%28&submission_id=" + SELF_MADE_ID.encode(),
            b"%%%%&&&===",
            b'{"q-grade": "g6"}',
            b'--xyz\r\nContent-Disposition: form-data; name="q-grade"\r\n\r\ng6\r\n--xyz--',
            b'--xyz\r\nContent-Disposition: form-data; name="f"; filename="a.exe"\r\n\r\nMZ'
            b"\r\n--xyz--",
            b"\x00" * 100,
        ]
    ),
)


@settings(max_examples=250, **SETTINGS)
@given(body=raw_bodies, content_type=content_types)
def test_raw_bodies_never_fail_and_store_nothing(client, links, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(f"/s/{links['students']}", data=body, headers=headers)
    assert response.status_code in (200, 400), response.status_code
    if content_type.startswith("application/json"):
        # Not something a browser form sends: a short error page is enough (Flask-WTF reads
        # JSON bodies as form data and refuses invalid JSON with a 400).
        page = response.get_data(as_text=True)
        assert SUMMARY in page or "Недопустимий запит" in page
    else:
        assert_refused_clearly(response)
    assert stored_rows() == (0, 0)


# --- tokens, paths and methods ------------------------------------------------------------------


@settings(max_examples=300, **SETTINGS)
@given(
    token=st.one_of(
        st.text(min_size=1, max_size=80),
        st.text(alphabet="ABCDEFabcdef0123456789_-", min_size=16, max_size=64),
        st.binary(min_size=1, max_size=40).map(lambda raw: quote(raw, safe="")),
    ),
    method=st.sampled_from(["GET", "POST"]),
    suffix=st.sampled_from(["", "/thanks", "/", "/thanks/x"]),
)
def test_unknown_or_mangled_tokens_are_a_friendly_404(client, links, token, method, suffix):
    if token in links.values():
        return
    url = "/s/" + quote(token, safe="%") + suffix
    response = client.open(
        url, method=method, data={"q-grade": "g6", "submission_id": SELF_MADE_ID}
    )
    assert response.status_code in (404, 405, 308), (url, response.status_code)
    if response.status_code == 404:
        page = response.get_data(as_text=True)
        assert "не знайдено" in page.lower() or "немає" in page
    assert stored_rows() == (0, 0)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("page", ["form", "thanks"])
def test_wrong_methods_are_405_with_a_page(client, links, method, page):
    url = f"/s/{links['students']}" + ("/thanks" if page == "thanks" else "")
    response = client.open(url, method=method, data=dict(VALID_STUDENT))
    assert response.status_code == 405
    assert "Недопустимий запит" in response.get_data(as_text=True)
    assert stored_rows() == (0, 0)


def test_posting_to_the_thanks_page_is_405(client, links):
    response = client.post(f"/s/{links['students']}/thanks", data=dict(VALID_STUDENT))
    assert response.status_code == 405
    assert stored_rows() == (0, 0)


def test_a_valid_post_after_all_that_is_stored_once(client, links):
    """The control: the same client and campaign do accept a well-formed post."""
    data = _multidict([*VALID_STUDENT, ("submission_id", issued_id(links["students"]))])
    assert client.post(f"/s/{links['students']}", data=data).status_code == 303
    assert client.post(f"/s/{links['students']}", data=data).status_code == 303
    assert stored_rows() == (1, 4)


class TestWithCsrf:
    """With CSRF on (production), a post without a valid token stores nothing and says so."""

    @pytest.fixture
    def app_config(self) -> dict:
        return {"WTF_CSRF_ENABLED": True}

    @settings(max_examples=150, **SETTINGS)
    @given(token=st.one_of(st.none(), nasty_text, st.just("")))
    def test_bad_csrf_tokens_are_refused(self, client, links, token):
        pairs = [*VALID_STUDENT, ("submission_id", issued_id(links["students"]))]
        if token is not None:
            pairs.append(("csrf_token", token))
        response = client.post(f"/s/{links['students']}", data=_multidict(pairs))
        assert response.status_code == 400
        assert "Сторінка застаріла" in response.get_data(as_text=True)
        assert stored_rows() == (0, 0)


@pytest.mark.parametrize("body", [b"0", b"[1, 2]", b'"q-s1"', b"null", b"1.5", b'{"q-s1": "g5"}'])
def test_a_json_body_of_any_shape_is_refused_and_stores_nothing(client, links, body):
    """A JSON body is no form (Flask-WTF used to read it as a mapping: ``0`` or a list gave a
    TypeError and a 500, found by a random draw of the test above); it is an empty post."""
    response = client.post(
        f"/s/{links['students']}", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert SUMMARY in page or "Недопустимий запит" in page
    assert stored_rows() == (0, 0)
