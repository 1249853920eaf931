"""Privacy: nothing identifying a respondent is stored or logged, and no view, export or report
shows a group smaller than the threshold.

After web submissions with a recognisable address, user agent, forwarded-for header and session
cookie, every column of every table and every captured log record is searched for them. The
threshold is checked on a campaign whose 7th-grade group has 2 students, who all answered «Зовсім
ні»: that 100 % must not be readable anywhere.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import re
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import inspect

from app.extensions import db
from tests import factories

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
USER_AGENT = "PrivacyProbe/9.9 (Linux; Android 14; SM-A546B)"
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_ID = re.compile(r'name="submission_id" type="hidden" value="([^"]+)"')
IDENTIFYING_COLUMN = re.compile(r"(^ip|_ip$|addr|agent|cookie|session|finger|device)", re.I)


@pytest.fixture
def campaign(school):
    direction = factories.make_direction()
    return factories.make_campaign(school, direction, factories.small_questionnaires(direction))


def submit_as_a_phone(client, token: str, answers: dict) -> str:
    """GET the form and POST it like a phone behind a proxy; return the session cookie."""
    environ = {"REMOTE_ADDR": ADDRESS}
    headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED}
    page = client.get(f"/s/{token}", environ_base=environ, headers=headers).text
    cookie = client.get_cookie("session")
    assert cookie is not None, "the form with CSRF on sets a session cookie"
    data = {
        **answers,
        "csrf_token": CSRF_TOKEN.search(page).group(1),
        "submission_id": SUBMISSION_ID.search(page).group(1),
    }
    response = client.post(f"/s/{token}", data=data, environ_base=environ, headers=headers)
    assert response.status_code == 303
    return cookie.value


def every_stored_value() -> list[str]:
    db.session.expire_all()
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            values.extend(json.dumps(value, default=str, ensure_ascii=False) for value in row)
    return values


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])  # the form sets a cookie
def test_no_address_agent_or_cookie_is_stored_or_logged(client, campaign, caplog):
    caplog.set_level(logging.DEBUG)
    cookies = [
        submit_as_a_phone(
            client,
            campaign.link_for("students").token,
            {"q-grade": "g6", "q-clear": "mostly", "q-sources": ["teacher"]},
        ),
        submit_as_a_phone(
            client,
            campaign.link_for("teachers").token,
            {"q-understand": "full", "q-comment": "Більше прикладів"},
        ),
    ]
    secrets = [ADDRESS, FORWARDED, USER_AGENT, "PrivacyProbe", "SM-A546B", *cookies]

    stored = every_stored_value()
    assert any("Більше прикладів" in value for value in stored)  # the search does reach answers
    for secret in secrets:
        assert not any(secret in value for value in stored), f"{secret!r} is stored"

    logged = " ".join(
        record.getMessage() + json.dumps(getattr(record, "fields", {}), ensure_ascii=False)
        for record in caplog.records
    )
    assert "/s/<token>" in logged  # the request log did run
    for secret in [*secrets, campaign.link_for("students").token]:
        assert secret not in logged, f"{secret!r} is logged"


def test_no_table_has_a_column_for_identifying_data(app):
    columns = [
        f"{table}.{column['name']}"
        for table in inspect(db.engine).get_table_names()
        for column in inspect(db.engine).get_columns(table)
    ]
    assert "response.submission_id" in columns
    # A staff account's counter of issued sessions (app/auth.py): a number, not a cookie.
    staff_columns = {"user.session_version"}
    assert staff_columns <= set(columns)
    suspects = [name for name in columns if IDENTIFYING_COLUMN.search(name.split(".")[1])]
    assert [name for name in suspects if name not in staff_columns] == []


# --- the server's own log (gunicorn, production settings) --------------------------------------


def load_harness():
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "submit.py"
    spec = importlib.util.spec_from_file_location("anketa_benchmark_submit", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_production_log_has_no_address_agent_token_or_cookie(
    migrated_database, campaign, tmp_path
):
    harness = load_harness()
    token = campaign.link_for("students").token
    log = tmp_path / "gunicorn.log"
    with harness.Server(migrated_database, workers=1, log_path=log) as server:
        student = harness.Student(server.base, token)
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED}
        status, response_headers, body = harness.request("GET", student.url, headers=headers)
        assert status == 200
        form = harness.read_form(body.decode(), response_headers["set-cookie"].split(";")[0])
        status, _, _ = harness.request(
            "POST",
            student.url,
            form.body(),
            {**headers, "Cookie": form.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 303
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    lines = [line for line in lines if line.get("route", "").startswith("/s/")]
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("GET", "/s/<token>", 200),
        ("POST", "/s/<token>", 303),
    ]
    cookie_value = form.cookie.split("=", 1)[1]
    for secret in (FORWARDED, USER_AGENT, "PrivacyProbe", token, cookie_value, form.csrf_token):
        assert secret not in text, f"{secret!r} is in the server log"


# --- the small-group threshold ------------------------------------------------------------------


@pytest.fixture
def small_group_campaign(campaign):
    """Students: grade 5 (6) and grade 6 (5) answer mixed, grade 7 (2) all «Зовсім ні».

    No figure anywhere (share, positive share, breakdown) is 100 % except the hidden grade-7
    breakdown.
    """
    factories.make_responses(
        campaign,
        "students",
        [
            ({"grade": "g5", "clear": "full"}, 5),
            ({"grade": "g5", "clear": "partly"}, 1),
            ({"grade": "g6", "clear": "mostly"}, 4),
            ({"grade": "g6", "clear": "partly"}, 1),
            ({"grade": "g7", "clear": "none"}, 2),
        ],
    )
    factories.make_responses(
        campaign,
        "teachers",
        [({"understand": "full"}, 3), ({"understand": "mostly"}, 1), ({"understand": "partly"}, 1)],
    )
    factories.make_responses(
        campaign, "parents", [({"understand": "full"}, 3), ({"understand": "partly"}, 2)]
    )
    return campaign


def shown_cells(document: object) -> list[dict]:
    """Every segment cell of the results document that is not suppressed."""
    found = []
    if isinstance(document, dict):
        if "suppressed" in document and "segment" in document:
            found.append(document)
        for value in document.values():
            found.extend(shown_cells(value))
    elif isinstance(document, list):
        for value in document:
            found.extend(shown_cells(value))
    return found


def test_the_results_api_hides_small_groups(member_client, small_group_campaign):
    document = member_client.get(f"/api/v1/campaigns/{small_group_campaign.id}/results").json
    cells = shown_cells(document)
    assert cells, "the document has segment breakdowns"
    threshold = document["campaign"].get("min_group_size") or 5
    for cell in cells:
        if cell["suppressed"]:
            assert cell["respondents"] is None and cell["options"] == []
        else:
            assert cell["respondents"] >= threshold, cell
    grade7 = [cell for cell in cells if cell["segment"] == "g7"]
    assert grade7 and all(cell["suppressed"] for cell in grade7)
    assert {cell["reason"] for cell in grade7} == {"small_group"}


def test_the_results_page_hides_small_groups(member_client, small_group_campaign):
    response = member_client.get(f"/campaigns/{small_group_campaign.id}/results/groups")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">7 клас</th>.*?</tr>", page, re.S)
    assert rows, "the grade-7 row of the breakdown is on the page"
    for row in rows:
        assert 'class="suppressed"' in row and "приховано" in row
        assert "100" not in row


def test_the_tables_export_shows_no_small_group(member_client, small_group_campaign):
    response = member_client.get(f"/campaigns/{small_group_campaign.id}/export/tables.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    values = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    assert any("Зовсім ні" in str(value) for value in values)  # the overall figures are there
    assert not any(value == 100 or "100" in str(value) for value in values)


@pytest.mark.slow
def test_the_report_shows_no_small_group(member_client, small_group_campaign):
    response = member_client.get(f"/campaigns/{small_group_campaign.id}/report.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    texts = [paragraph.text for paragraph in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join(texts)
    assert "15,4" in text  # the overall share of «Зовсім ні» (2 of 13) is reported
    assert "100" not in text


@pytest.mark.parametrize("app_config", [{"PROPAGATE_EXCEPTIONS": False}])  # log it, as in prod
def test_a_crash_on_a_respondent_page_logs_the_route_not_the_token(
    client, campaign, caplog, monkeypatch
):
    from app.surveys.respondent import views

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "store_response", crash)
    link = campaign.link_for("students")
    token = link.token
    caplog.set_level(logging.ERROR)
    data = {"q-grade": "g6", "q-clear": "full", "submission_id": factories.submission_id_for(link)}
    response = client.post(f"/s/{token}", data=data, environ_base={"REMOTE_ADDR": ADDRESS})
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    messages = [record.getMessage() for record in caplog.records]
    assert "Exception on /s/<token> [POST]" in messages
    assert not any(token in message or ADDRESS in message for message in messages)


@pytest.mark.parametrize("viewer", ["member_client", "director_client"])
@pytest.mark.parametrize(("teachers", "shown"), [(4, False), (5, True)])
def test_the_results_page_hides_open_answers_of_a_small_group(
    request, viewer, campaign, teachers, shown
):
    """Open answers are shown to the director and the working group, but never those of a
    role the analysis hides (fewer respondents than the threshold, 5): not even one text."""
    factories.make_responses(
        campaign, "teachers", [({"understand": "full", "comment": "Мене легко впізнати"}, teachers)]
    )
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 6)])
    client = request.getfixturevalue(viewer)
    html = client.get(f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert html.count("Мене легко впізнати") == (teachers if shown else 0)
    assert ('id="open-teachers-comment"' in html) is shown
    assert ('href="#open-teachers-comment"' in html) is shown
