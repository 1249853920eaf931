"""Property-based fuzzing of the staff forms a person types into (Hypothesis): the login and a
new campaign. Whatever is typed: never a 500, never a login without the password, never a
campaign stored from a refused form."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, User
from app.surveys.definitions.library import load_questionnaires
from tests import factories

SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
typed = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.sampled_from(["member@a.ua", " MEMBER@A.UA ", "member@a.ua\x00", "' OR 1=1 --", "я" * 300]),
    st.builds(lambda n: "x" * n, st.integers(250, 5000)),
)


@settings(max_examples=200, **SETTINGS)
@given(email=typed, password=typed, target=typed)
def test_any_login_attempt_is_answered_without_error(client, member, email, password, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"email": email, "password": password}
    )
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        # Only the right password logs in, and never to another site.
        assert password == factories.PASSWORD
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//")
        client.post("/logout")
    db.session.expire_all()
    user = db.session.get(User, member.id)
    user.failed_logins, user.locked_until = 0, None  # keep the account usable for the next one
    db.session.commit()


@pytest.fixture
def library(app):
    load_questionnaires()


@settings(max_examples=150, **SETTINGS)
@given(
    direction=st.one_of(st.just("assessment-system"), typed),
    year=st.one_of(st.sampled_from(["2024-2025", "2025-2024", "1999-2000", "2024"]), typed),
    title=typed,
    opens=st.one_of(
        st.just(""), st.sampled_from(["2025-01-10", "2025-13-40", "01.02.2025"]), typed
    ),
    closes=st.one_of(st.just(""), st.sampled_from(["2025-01-01", "2025-02-30"]), typed),
)
def test_any_new_campaign_form_is_answered_without_error(
    library, member_client, direction, year, title, opens, closes
):
    before = db.session.scalar(select(func.count(Campaign.id)))
    data = {
        "direction": direction,
        "academic_year": year,
        "title": title,
        "opens_on": opens,
        "closes_on": closes,
    }
    response = member_client.post("/campaigns/new", data=data)
    assert response.status_code in (200, 302, 400), response.status_code
    after = db.session.scalar(select(func.count(Campaign.id)))
    assert after == before + (1 if response.status_code == 302 else 0)
    event(f"status {response.status_code}")
