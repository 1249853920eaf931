"""Who may open what: every staff URL of the app, requested by every kind of user.

``EXPECTED`` says, for each route (endpoint) and method, what anonymous visitors, a member of
another school, the director and a member of the campaign's school, and an administrator get.
A new staff route that is not in the table fails ``test_every_staff_route_is_in_the_table``:
nobody adds a page without deciding who may see it.

Outcomes: ``LOGIN`` a redirect to /login, ``UNAUTHORIZED`` 401 (the JSON API), ``HIDDEN`` 404
(another school's campaign is never confirmed to exist), ``FORBIDDEN`` 403 (directors read but
do not edit), ``OK`` the page or action (200, or a redirect/re-render after a POST).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from app.builder.service import start_own_questionnaires
from app.extensions import db
from app.models import Direction
from app.staff.services import create_campaign
from app.surveys.definitions.library import load_questionnaires
from tests import factories

LOGIN = "login"
UNAUTHORIZED = "unauthorized"
HIDDEN = "hidden"
FORBIDDEN = "forbidden"
OK = "ok"
OK_OR_MISSING = "ok-or-missing"  # allowed, but the object named in the URL does not exist

ACTORS = ("anonymous", "other_school", "director", "member", "admin")
# Not staff pages: respondents, login, health, static files.
PUBLIC = {
    "respondent.entry",
    "respondent.thanks",
    "auth.login",
    "health.healthz",
    "health.livez",
    "static",
}


@dataclass(frozen=True)
class Expect:
    anonymous: str
    other_school: str
    director: str
    member: str
    admin: str


READ = Expect(LOGIN, HIDDEN, OK, OK, OK)  # any staff of the school reads it
EDIT = Expect(LOGIN, HIDDEN, FORBIDDEN, OK, OK)  # the working group only
API = Expect(UNAUTHORIZED, HIDDEN, OK, OK, OK)
EVERY_STAFF = Expect(LOGIN, OK, OK, OK, OK)  # not tied to a campaign

EXPECTED: dict[tuple[str, str], Expect] = {
    ("staff.index", "GET"): EVERY_STAFF,
    ("staff.campaigns", "GET"): EVERY_STAFF,
    ("staff.new_campaign", "GET"): Expect(LOGIN, OK, FORBIDDEN, OK, OK),
    ("staff.new_campaign", "POST"): Expect(LOGIN, OK, FORBIDDEN, OK, OK),
    ("staff.campaign", "GET"): READ,
    ("staff.expected_counts", "POST"): EDIT,
    ("staff.rotate", "GET"): EDIT,  # the confirmation page
    ("staff.rotate", "POST"): EDIT,
    ("staff.qr", "GET"): READ,
    ("staff.sheet", "GET"): READ,
    # Logging out ends on the login page for everybody (checked below: the session is gone).
    ("auth.logout", "POST"): Expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("api.campaign_results", "GET"): API,
    ("reports.report", "GET"): READ,
    ("dashboard.results", "GET"): READ,
    ("dashboard.groups", "GET"): READ,
    ("dashboard.level", "POST"): EDIT,
    ("dashboard.texts", "GET"): READ,
    ("dashboard.texts", "POST"): EDIT,
    # Responses with their open-text answers are for the working group only.
    ("exports.export_responses_csv", "GET"): EDIT,
    ("exports.export_responses_xlsx", "GET"): EDIT,
    ("exports.export_tables_xlsx", "GET"): READ,
    ("imports.upload", "GET"): EDIT,
    ("imports.upload", "POST"): EDIT,
    ("imports.confirm", "GET"): Expect(LOGIN, HIDDEN, FORBIDDEN, OK_OR_MISSING, OK_OR_MISSING),
    ("imports.confirm", "POST"): Expect(LOGIN, HIDDEN, FORBIDDEN, OK_OR_MISSING, OK_OR_MISSING),
    ("imports.result", "GET"): EDIT,
    ("builder.campaign", "GET"): READ,
    ("builder.start", "POST"): EDIT,
    # The editor of the school's own copy of a direction: the school's visibility.
    ("builder.index", "GET"): READ,
    ("builder.direction", "GET"): EDIT,
    ("builder.direction", "POST"): EDIT,
    ("builder.role", "GET"): READ,
    ("builder.settings", "POST"): EDIT,
    ("builder.new_question", "GET"): EDIT,
    ("builder.new_question", "POST"): EDIT,
    ("builder.edit_question", "GET"): EDIT,
    ("builder.edit_question", "POST"): EDIT,
    ("builder.move", "POST"): EDIT,
    ("builder.duplicate", "POST"): EDIT,
    ("builder.delete", "GET"): EDIT,  # the confirmation page
    ("builder.delete", "POST"): EDIT,
    ("builder.preview", "GET"): READ,
    ("builder.download", "GET"): READ,
    ("builder.upload", "POST"): EDIT,
}

# Requests that change or remove what later requests use go last, logging out the very last.
LAST = ("builder.delete", "staff.rotate", "auth.logout")
# Query parameters a route needs to do its work.
QUERY = {"exports.export_responses_csv": {"role": "students"}}


def staff_routes(app) -> list[tuple[str, str, object]]:
    """Every (endpoint, method, rule) of the app that is not public."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule))
    return sorted(
        routes,
        key=lambda r: (r[0] in LAST, LAST.index(r[0]) if r[0] in LAST else 0, r[1], r[0]),
    )


def test_every_staff_route_is_in_the_table(app):
    found = {(endpoint, method) for endpoint, method, _ in staff_routes(app)}
    missing = sorted(found - set(EXPECTED))
    assert not missing, (
        f"new staff routes without a decision on who may use them: {missing} — "
        "add them to EXPECTED in tests/test_authz_matrix.py"
    )
    gone = sorted(set(EXPECTED) - found)
    assert not gone, f"routes in the table that the app no longer has: {gone}"


@pytest.fixture
def world(school):
    """School A with a campaign on the bundled questionnaires and one on the school's own copy
    of them (the builder's URLs name the copy); school B with a member."""
    load_questionnaires()
    campaign = create_campaign(school, "assessment-system", "2024-2025")
    shared = create_campaign(school, "assessment-system", "2025-2026")
    start_own_questionnaires(shared, None, "library")
    other = factories.make_school("school-b", "Ліцей №2")
    users = {
        "other_school": factories.make_user("member@b.ua", role="member", school=other),
        "director": factories.make_user("director@a.ua", role="director", school=school),
        "member": factories.make_user("member@a.ua", role="member", school=school),
        "admin": factories.make_user("admin@anketa.ua", role="admin", school=None),
    }
    return campaign, users


def build_url(rule, campaign) -> str:
    copy = db.session.scalar(select(Direction).where(Direction.school_id == campaign.school_id))
    values = {"campaign_id": campaign.id, "role": "students", "kind": "png", "key": "s2"}
    values |= {"slug": campaign.school.slug, "direction_id": copy.id}

    for name in rule.arguments:
        if name not in values:  # e.g. an upload id: one that does not exist
            integer = isinstance(rule._converters.get(name), IntegerConverter)
            values[name] = 999_999 if integer else "no-such-upload"
    arguments = {name: values[name] for name in rule.arguments}
    return url_for(rule.endpoint, **arguments, **QUERY.get(rule.endpoint, {}))


def outcome(response, method: str) -> str:
    status, location = response.status_code, response.headers.get("Location", "")
    if status == 302 and location.startswith("/login"):
        return LOGIN
    if status == 401:
        return UNAUTHORIZED
    if status == 404:
        return HIDDEN
    if status == 403:
        return FORBIDDEN
    # A POST with an empty form is allowed and then refused as incomplete (400/422) or done.
    if status == 200 or (method == "POST" and status in (302, 303, 400, 422)):
        return OK
    if status == 302 and method == "GET":  # e.g. / → /campaigns/
        return OK
    return f"status {status}"


def allowed(expected: str) -> set[str]:
    return {OK, HIDDEN} if expected == OK_OR_MISSING else {expected}


@pytest.mark.parametrize("actor", ACTORS)
def test_authorization_matrix(app, client, world, actor):
    campaign, users = world
    if actor != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"] = users[actor].get_id()
            session["_fresh"] = True
    wrong = []
    for endpoint, method, rule in staff_routes(app):
        expected = EXPECTED.get((endpoint, method))
        if expected is None:
            continue  # reported by test_every_staff_route_is_in_the_table
        url = build_url(rule, campaign)
        response = client.open(url, method=method, data={})
        got = outcome(response, method)
        want = getattr(expected, actor)
        if got not in allowed(want):
            wrong.append(f"{method} {url} ({endpoint}): expected {want}, got {got}")
    assert not wrong, f"{actor}:\n  " + "\n  ".join(wrong)
    assert outcome(client.get("/campaigns/"), "GET") == LOGIN  # the logout took effect
