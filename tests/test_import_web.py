"""The import pages: upload, the mapping confirmation (columns and unknown answers), the
result per role, cancelling, permissions and CSRF."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import Response
from tests import factories
from tests.counting import counted
from tests.test_import import CLEAR, HEADER, ROWS, csv_bytes, make_import_campaign


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"ANKETA_IMPORT_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def campaign(school):
    return make_import_campaign(school)


def upload(client, campaign, data: bytes, role: str = "students", name: str = "Форма.csv"):
    return client.post(
        f"/campaigns/{campaign.id}/import",
        data={"role": role, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def selected(page: str, name: str) -> str:
    select_html = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option value="([^"]*)" selected>', select_html)
    return found.group(1) if found else ""


def stored() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def test_upload_confirm_import_and_result(member_client, campaign, app):
    url = confirm_url(upload(member_client, campaign, csv_bytes([HEADER, *ROWS], bom=True)))
    assert re.fullmatch(rf".*/campaigns/{campaign.id}/import/[A-Za-z0-9_-]{{22}}", url)
    page = member_client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<strong id="row-count">4</strong>' in text
    assert [selected(text, f"column-{i}") for i in range(5)] == [
        "",
        "grade",
        "clear",
        "sources",
        "access",
    ]
    assert stored() == 0  # nothing before the confirmation
    response = member_client.post(
        url, data={"action": "import", **{f"column-{i}": v for i, v in
                                          enumerate(["", "grade", "clear", "sources", "access"])}}
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}/import/result")
    result = member_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Файл «Форма.csv»: імпортовано відповідей — 4 (Учні)." in result
    counts = dict(re.findall(r'data-role="(\w+)"><th scope="row">[^<]+</th><td class="num">(\d+)',
                             result))  # fmt: skip
    assert counts == {"teachers": "0", "students": "4", "parents": "0"}
    assert counted(campaign).question("students", "clear").positive_share == 50.0
    assert list(Path(app.config["ANKETA_IMPORT_DIR"]).iterdir()) == []
    assert member_client.get(url).status_code == 302  # the upload is gone


def test_unknown_answers_are_shown_and_must_be_mapped_or_the_import_stopped(
    member_client, campaign
):
    rows = [list(row) for row in ROWS]
    rows[1][2] = "Майже завжди"
    url = confirm_url(upload(member_client, campaign, csv_bytes([HEADER, *rows])))
    page = member_client.get(url).get_data(as_text=True)
    table = page.split('id="unknown-answers"')[1].split("</table>")[0]
    assert "«Майже завжди»" in table and "<td>3</td>" in table
    assert 'name="answer-0-question" value="clear"' in table
    refused = member_client.post(
        url,
        data={"action": "import", "answer-0-question": "clear", "answer-0-value": "Майже завжди",
              "answer-0": ""},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "Відповіді, яких немає серед варіантів: 1; нічого не імпортовано." in (
        refused.get_data(as_text=True)
    )
    assert stored() == 0
    checked = member_client.post(
        url,
        data={"action": "check", "answer-0-question": "clear", "answer-0-value": "Майже завжди",
              "answer-0": "mostly"},
    )  # fmt: skip
    assert checked.status_code == 200
    assert selected(checked.get_data(as_text=True), "answer-0") == "mostly"
    done = member_client.post(
        url,
        data={"action": "import", "answer-0-question": "clear", "answer-0-value": "Майже завжди",
              "answer-0": "mostly"},
    )  # fmt: skip
    assert done.status_code == 303
    assert stored() == 4
    clear = counted(campaign).question("students", "clear")
    assert [o.count for o in clear.options] == [1, 1, 1, 1]


def test_the_user_fixes_a_column_mapping(member_client, campaign):
    header = ["Позначка часу", "Клас", CLEAR, "Джерела", "Доступ"]
    url = confirm_url(upload(member_client, campaign, csv_bytes([header, *ROWS])))
    page = member_client.get(url).get_data(as_text=True)
    assert [selected(page, f"column-{i}") for i in range(5)] == ["", "", "clear", "", ""]
    response = member_client.post(
        url,
        data={"action": "import", "column-0": "", "column-1": "grade", "column-2": "clear",
              "column-3": "sources", "column-4": ""},
    )  # fmt: skip
    assert response.status_code == 303
    analysis = counted(campaign)
    assert analysis.question("students", "sources").answered == 3
    assert analysis.question("students", "access").answered == 0


def test_cancel_drops_the_file(member_client, campaign, app):
    url = confirm_url(upload(member_client, campaign, csv_bytes([HEADER, *ROWS])))
    response = member_client.post(url, data={"action": "cancel"})
    assert response.status_code == 302
    assert list(Path(app.config["ANKETA_IMPORT_DIR"]).iterdir()) == []
    assert stored() == 0


def test_unreadable_file_shows_the_error(member_client, campaign):
    url = confirm_url(upload(member_client, campaign, b"a\tb\n1\t2\n"))
    response = member_client.get(url)
    assert response.status_code == 422
    assert "підтримуються кома і крапка з комою" in response.get_data(as_text=True)


def test_empty_upload_is_refused(member_client, campaign):
    response = upload(member_client, campaign, b"")
    assert response.status_code == 200
    assert stored() == 0


def test_directors_may_not_import(director_client, campaign):
    assert director_client.get(f"/campaigns/{campaign.id}/import").status_code == 403
    response = upload(director_client, campaign, csv_bytes([HEADER, *ROWS]))
    assert response.status_code == 403


def test_another_school_gets_404(client, campaign):
    other = factories.make_school("school-b", "Ліцей №2")
    factories.make_user("member@b.ua", role="member", school=other)
    factories.login(client, "member@b.ua")
    assert client.get(f"/campaigns/{campaign.id}/import").status_code == 404
    assert client.get(f"/campaigns/{campaign.id}/import/{'A' * 22}").status_code == 404


def test_an_upload_of_another_campaign_is_not_found(member_client, campaign, school):
    url = confirm_url(upload(member_client, campaign, csv_bytes([HEADER, *ROWS])))
    other = factories.make_campaign(school, campaign.direction, {
        link.role: link.questionnaire for link in campaign.links}, year="2025-2026")  # fmt: skip
    foreign = url.replace(f"/campaigns/{campaign.id}/", f"/campaigns/{other.id}/")
    response = member_client.get(foreign)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/campaigns/{other.id}/import")


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True, "ANKETA_IMPORT_DIR": "/nope"}])
def test_csrf_is_checked(app_config, client, campaign, member):
    g.pop("_login_user", None)
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post(
        "/login",
        data={"email": member.email, "password": factories.PASSWORD, "csrf_token": token},
        headers={"Referer": "http://localhost/login"},
    )
    response = client.post(
        f"/campaigns/{campaign.id}/import",
        data={"role": "students", "file": (io.BytesIO(csv_bytes([HEADER, *ROWS])), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert stored() == 0
    assert not Path("/nope").exists()
