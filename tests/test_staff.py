"""Staff pages: campaign list, new campaign form, campaign page, QR codes, sheet, rotation."""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app import vocabulary
from app.errors import AnketaError
from app.extensions import db
from app.models import Campaign, RespondentLink
from app.staff import services
from tests import factories

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def library(app):
    """The small test direction in the library, with one questionnaire per role."""
    direction = factories.make_direction()
    return direction, factories.small_questionnaires(direction)


@pytest.fixture
def campaign(school, library):
    direction, _questionnaires = library
    return services.create_campaign(school, direction.code, "2024-2025")


@pytest.fixture
def other_campaign(library):
    other = factories.make_school("school-b", "Ліцей №2")
    direction, _questionnaires = library
    return services.create_campaign(other, direction.code, "2024-2025")


@pytest.fixture
def admin_client(client, admin_user):
    factories.login(client, admin_user.email)
    return client


def campaign_urls(campaign_id: int) -> list[str]:
    return [
        f"/campaigns/{campaign_id}",
        f"/campaigns/{campaign_id}/sheet",
        f"/campaigns/{campaign_id}/qr/students.png",
        f"/campaigns/{campaign_id}/qr/teachers.svg",
    ]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/campaigns/", "/campaigns/new", "/campaigns/1", "/campaigns/1/sheet"]
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_anonymous_post_is_sent_to_login_and_changes_nothing(client, campaign):
    token = campaign.link_for("students").token
    response = client.post(f"/campaigns/{campaign.id}/links/students/rotate")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    db.session.refresh(campaign.link_for("students"))
    assert campaign.link_for("students").token == token


def test_member_gets_404_for_another_schools_campaign(member_client, campaign, other_campaign):
    for url in campaign_urls(other_campaign.id):
        assert member_client.get(url).status_code == 404, url
    for url in campaign_urls(campaign.id):
        assert member_client.get(url).status_code == 200, url
    token = other_campaign.link_for("parents").token
    rotate = member_client.post(f"/campaigns/{other_campaign.id}/links/parents/rotate")
    assert rotate.status_code == 404
    db.session.refresh(other_campaign.link_for("parents"))
    assert other_campaign.link_for("parents").token == token


def test_unknown_campaign_is_404(member_client):
    assert member_client.get("/campaigns/999999").status_code == 404


def test_admin_sees_every_school(admin_client, campaign, other_campaign):
    page = admin_client.get("/campaigns/").get_data(as_text=True)
    assert f"/campaigns/{campaign.id}" in page
    assert f"/campaigns/{other_campaign.id}" in page
    assert "Гімназія №1" in page and "Ліцей №2" in page
    for url in campaign_urls(campaign.id) + campaign_urls(other_campaign.id):
        assert admin_client.get(url).status_code == 200, url


def test_list_shows_only_own_school_with_counts(member_client, campaign, other_campaign):
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 3)])
    factories.make_responses(campaign, "teachers", [({"understand": "mostly"}, 2)])
    response = member_client.get("/campaigns/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"/campaigns/{campaign.id}" in page
    assert f"/campaigns/{other_campaign.id}" not in page
    assert '<td class="num" data-role="students">3</td>' in page
    assert '<td class="num" data-role="teachers">2</td>' in page
    assert '<td class="num" data-role="parents">0</td>' in page
    assert "Нова кампанія" in page


def test_director_sees_list_without_create_button(director_client, campaign):
    page = director_client.get("/campaigns/").get_data(as_text=True)
    assert f"/campaigns/{campaign.id}" in page
    assert "Нова кампанія" not in page


def test_campaigns_for(school, member, admin_user, campaign, other_campaign):
    assert services.campaigns_for(member) == [campaign]
    assert {c.id for c in services.campaigns_for(admin_user)} == {campaign.id, other_campaign.id}


# --- creating a campaign ----------------------------------------------------------------------


def test_create_campaign_through_the_form(member_client, school, library):
    form = member_client.get("/campaigns/new").get_data(as_text=True)
    assert 'value="test-direction"' in form
    assert 'name="school_id"' not in form  # members create for their own school
    response = member_client.post(
        "/campaigns/new",
        data={
            "direction": "test-direction",
            "academic_year": "2024-2025",
            "title": "",
            "opens_on": "2025-02-03",
            "closes_on": "2025-04-18",
        },
    )
    assert response.status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    assert response.headers["Location"] == f"/campaigns/{campaign.id}"
    assert campaign.school_id == school.id
    assert campaign.academic_year == "2024-2025"
    assert campaign.title == "Самооцінювання: Система оцінювання здобувачів освіти, 2024-2025"
    assert (campaign.opens_on, campaign.closes_on) == (date(2025, 2, 3), date(2025, 4, 18))
    links = db.session.scalars(select(RespondentLink)).all()
    assert sorted(link.role for link in links) == ["parents", "students", "teachers"]
    tokens = [link.token for link in links]
    assert all(len(token) >= 22 for token in tokens)
    assert len(set(tokens)) == 3
    _direction, questionnaires = library
    assert {link.role: link.questionnaire_id for link in links} == {
        role: q.id for role, q in questionnaires.items()
    }


def test_admin_chooses_the_school(admin_client, school, library):
    other = factories.make_school("school-b", "Ліцей №2")
    form = admin_client.get("/campaigns/new").get_data(as_text=True)
    assert 'name="school_id"' in form
    response = admin_client.post(
        "/campaigns/new",
        data={"school_id": other.id, "direction": "test-direction", "academic_year": "2023-2024"},
    )
    assert response.status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    assert campaign.school_id == other.id


def test_form_defaults_to_current_academic_year(member_client, library, monkeypatch):
    monkeypatch.setattr(vocabulary, "today", lambda: date(2025, 9, 1))
    page = member_client.get("/campaigns/new").get_data(as_text=True)
    assert 'value="2025-2026"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"academic_year": "2024"}, "Формат: 2024-2025."),
        ({"academic_year": "2024-2026"}, "два роки поспіль"),
        ({"opens_on": "2025-04-01", "closes_on": "2025-03-01"}, "раніше дати початку"),
        ({"opens_on": "01.02.2025"}, "Не дійсне значення дати."),
        ({"direction": "nope"}, "Недійсний варіант."),
    ],
)
def test_form_errors_are_shown_and_nothing_is_stored(member_client, library, fields, message):
    data = {"direction": "test-direction", "academic_year": "2024-2025", **fields}
    response = member_client.post("/campaigns/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Campaign)).all() == []


def test_director_may_not_create(director_client, library):
    assert director_client.get("/campaigns/new").status_code == 403
    response = director_client.post(
        "/campaigns/new", data={"direction": "test-direction", "academic_year": "2024-2025"}
    )
    assert response.status_code == 403
    assert db.session.scalars(select(Campaign)).all() == []


# --- the campaign page ------------------------------------------------------------------------


def test_campaign_page_shows_links_counts_and_nav(member_client, campaign):
    factories.make_responses(campaign, "parents", [({"understand": "full"}, 4)])
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    for link in campaign.links:
        url = f"http://127.0.0.1:5000/s/{link.token}"  # ANKETA_BASE_URL unset: the default
        assert f'value="{url}" readonly' in page
        assert f'href="{url}"' in page
        assert f"/campaigns/{campaign.id}/qr/{link.role}.svg" in page
        assert f"/campaigns/{campaign.id}/qr/{link.role}.png" in page
    assert f"/campaigns/{campaign.id}/report.docx" in page
    assert f"/campaigns/{campaign.id}/sheet" in page
    assert '<tr data-role="parents">' in page
    assert '<td class="num">4</td>' in page
    assert "Змінити посилання" in page


def test_campaign_page_uses_configured_base_url(app, member_client, campaign):
    app.config["ANKETA_BASE_URL"] = "https://anketa.example.ua/"
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    token = campaign.link_for("students").token
    assert f'value="https://anketa.example.ua/s/{token}"' in page


def test_director_sees_campaign_without_edit_controls(director_client, campaign):
    page = director_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Змінити посилання" not in page
    assert "/expected" not in page


def test_expected_counts_give_response_rates(member_client, campaign):
    factories.make_responses(campaign, "students", [({"grade": "g6", "clear": "partly"}, 3)])
    response = member_client.post(
        f"/campaigns/{campaign.id}/expected",
        data={"teachers": "", "students": "8", "parents": "0"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/campaigns/{campaign.id}"
    db.session.expire_all()
    assert {link.role: link.expected_count for link in campaign.links} == {
        "teachers": None,
        "students": 8,
        "parents": 0,
    }
    assert services.response_rates(campaign) == {
        "teachers": None,
        "students": 37.5,
        "parents": None,
    }
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "37,5 %" in page


def test_expected_counts_reject_negative(member_client, campaign):
    response = member_client.post(f"/campaigns/{campaign.id}/expected", data={"students": "-3"})
    assert response.status_code == 302
    db.session.expire_all()
    assert campaign.link_for("students").expected_count is None


def test_director_may_not_set_expected_counts(director_client, campaign):
    response = director_client.post(f"/campaigns/{campaign.id}/expected", data={"students": "5"})
    assert response.status_code == 403


# --- QR codes and the sheet -------------------------------------------------------------------


def test_qr_png(member_client, campaign):
    response = member_client.get(f"/campaigns/{campaign.id}/qr/students.png?download=1")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(PNG_SIGNATURE)
    assert "attachment" in response.headers["Content-Disposition"]
    assert "qr-students.png" in response.headers["Content-Disposition"]
    width = int.from_bytes(response.data[16:20], "big")
    height = int.from_bytes(response.data[20:24], "big")
    assert width == height
    # ~4 cm at 300 dpi (472 px), give or take one module's rounding.
    assert 420 <= width <= 540


def test_qr_svg(member_client, campaign):
    response = member_client.get(f"/campaigns/{campaign.id}/qr/teachers.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "inline" in response.headers["Content-Disposition"]
    root = ElementTree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width", "").endswith("mm")
    assert 38 <= float(root.get("width", "0").removesuffix("mm")) <= 42


@pytest.mark.parametrize("url", ["qr/janitors.png", "qr/students.gif", "qr/students"])
def test_qr_unknown_role_or_kind_is_404(member_client, campaign, url):
    assert member_client.get(f"/campaigns/{campaign.id}/{url}").status_code == 404


def test_qr_encodes_the_current_link(campaign):
    from app.staff.qr import qr_svg

    token = campaign.link_for("students").token
    # The same URL gives the same image; a different token a different one.
    assert qr_svg(f"http://localhost/s/{token}") == qr_svg(f"http://localhost/s/{token}")
    assert qr_svg(f"http://localhost/s/{token}") != qr_svg("http://localhost/s/other")


def test_sheet_is_a_printable_a4_page(member_client, campaign):
    response = member_client.get(f"/campaigns/{campaign.id}/sheet")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "@page { size: A4; margin: 15mm }" in page
    assert page.count('<section class="role"') == 3
    for link in campaign.links:
        assert f"/campaigns/{campaign.id}/qr/{link.role}.svg" in page
        assert f"http://127.0.0.1:5000/s/{link.token}" in page
    for heading in ("Анкета для вчителів", "Анкета для учнів", "Анкета для батьків"):
        assert f"<h2>{heading}</h2>" in page
    assert "Відскануйте код камерою телефону" in page
    assert "анонімна" in page
    assert "5 хвилин" in page


# --- rotating a token -------------------------------------------------------------------------


def test_rotate_changes_the_token_and_kills_the_old_link(member_client, campaign):
    old = campaign.link_for("students").token
    others = {role: campaign.link_for(role).token for role in ("teachers", "parents")}
    response = member_client.post(
        f"/campaigns/{campaign.id}/links/students/rotate", data={"confirm": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/campaigns/{campaign.id}"
    db.session.expire_all()
    new = campaign.link_for("students").token
    assert new != old and len(new) >= 22
    assert {role: campaign.link_for(role).token for role in others} == others
    assert factories.link_by_token(old) is None
    assert member_client.get(f"/s/{old}").status_code == 404
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert new in page and old not in page


def test_director_may_not_rotate(director_client, campaign):
    old = campaign.link_for("students").token
    url = f"/campaigns/{campaign.id}/links/students/rotate"
    assert director_client.get(url).status_code == 403
    assert director_client.post(url, data={"confirm": "1"}).status_code == 403
    db.session.expire_all()
    assert campaign.link_for("students").token == old


def test_the_rotate_button_leads_to_a_confirmation_page(member_client, campaign):
    token = campaign.link_for("students").token
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 2)])
    url = f"/campaigns/{campaign.id}/links/students/rotate"
    page = member_client.get(f"/campaigns/{campaign.id}").text
    assert f'<a class="button secondary" href="{url}">Змінити посилання</a>' in page
    assert f'action="{url}"' not in page  # no form on the campaign page acts at one click
    confirmation = member_client.get(url)
    assert confirmation.status_code == 200
    text = confirmation.text
    assert "Змінити посилання для групи «Учні»?" in text
    assert f"http://127.0.0.1:5000/s/{token}" in text
    assert "перестануть діяти одразу" in text and "Скасувати зміну не можна" in text
    assert "Відповіді, що вже надійшли (2), залишаться." in text
    form = re.search(r'<form method="post" action="([^"]+)" class="confirm">.*?</form>', text, re.S)
    assert form and form.group(1) == url
    assert '<input type="hidden" name="confirm" value="1">' in form.group(0)
    db.session.expire_all()
    assert campaign.link_for("students").token == token  # looking changes nothing


@pytest.mark.parametrize("data", [{}, {"confirm": "0"}, {"confirm": "yes"}])
def test_a_post_without_confirmation_changes_nothing(member_client, campaign, data):
    token = campaign.link_for("students").token
    url = f"/campaigns/{campaign.id}/links/students/rotate"
    response = member_client.post(url, data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == url
    db.session.expire_all()
    assert campaign.link_for("students").token == token
    assert member_client.get(f"/s/{token}").status_code == 200


def test_the_confirmation_page_rotates(member_client, campaign):
    token = campaign.link_for("teachers").token
    url = f"/campaigns/{campaign.id}/links/teachers/rotate"
    form = re.search(r'<form [^>]*class="confirm">.*?</form>', member_client.get(url).text, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    response = member_client.post(url, data=fields)
    assert response.status_code == 302
    db.session.expire_all()
    assert campaign.link_for("teachers").token != token
    assert member_client.get(f"/s/{token}").status_code == 404


def test_rotating_a_role_without_a_link_is_404(member_client, school):
    direction = factories.make_direction({**factories.SMALL_DIRECTION, "id": "teachers-only"})
    factories.make_questionnaire(
        direction, "teachers", [{"key": "q1", "text": "Питання", "options": factories.DEGREE}]
    )
    campaign = services.create_campaign(school, "teachers-only", "2024-2025")
    url = f"/campaigns/{campaign.id}/links/parents/rotate"
    assert member_client.get(url).status_code == 404


# --- services ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2024, 8, 31), "2023-2024"),
        (date(2024, 9, 1), "2024-2025"),
        (date(2025, 1, 15), "2024-2025"),
        (date(2025, 12, 31), "2025-2026"),
    ],
)
def test_current_academic_year(today, year):
    assert services.current_academic_year(today) == year


@pytest.mark.parametrize("year", ["2024", "2024-2024", "2024-2026", "24-25", "2024/2025", ""])
def test_bad_academic_year_is_refused(year):
    with pytest.raises(AnketaError, match="2024-2025"):
        services.validate_academic_year(year)


def test_school_copy_of_a_direction_wins(school, library):
    library_direction, _questionnaires = library
    own = factories.make_direction(school=school)
    own_questionnaire = factories.make_questionnaire(
        own, "teachers", [{"key": "q1", "text": "Власне питання", "options": factories.DEGREE}]
    )
    campaign = services.create_campaign(school, "test-direction", "2024-2025", title="Своя")
    assert campaign.direction_id == own.id != library_direction.id
    # A role without a questionnaire in the school's copy gets no link.
    assert [(link.role, link.questionnaire_id) for link in campaign.links] == [
        ("teachers", own_questionnaire.id)
    ]
    assert campaign.title == "Своя"


def test_latest_questionnaire_version_is_linked(school, library):
    direction, questionnaires = library
    newer = factories.make_questionnaire(
        direction,
        "parents",
        [{"key": "understand", "text": "Я розумію…", "options": factories.DEGREE}],
        version=2,
    )
    campaign = services.create_campaign(school, "test-direction", "2024-2025")
    assert campaign.link_for("parents").questionnaire_id == newer.id
    assert campaign.link_for("students").questionnaire_id == questionnaires["students"].id


def test_direction_without_questionnaires_is_refused(school):
    factories.make_direction({**factories.SMALL_DIRECTION, "id": "empty", "title": "Порожній"})
    with pytest.raises(AnketaError, match="немає жодної анкети"):
        services.create_campaign(school, "empty", "2024-2025")
    assert db.session.scalars(select(Campaign)).all() == []


def test_unknown_direction_is_refused(school):
    with pytest.raises(AnketaError, match="Напрям «nope» не знайдено"):
        services.create_campaign(school, "nope", "2024-2025")


def test_rotate_token_for_missing_role_is_refused(school, library):
    direction, questionnaires = library
    campaign = factories.make_campaign(school, direction, {"students": questionnaires["students"]})
    with pytest.raises(AnketaError):
        services.rotate_token(campaign, "parents")


class TestWithCsrf:
    """The staff POST forms carry a CSRF token, and a POST without it changes nothing."""

    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def logged_in(self, client, member):
        with client.session_transaction() as session:
            session["_user_id"] = member.get_id()
            session["_fresh"] = True
        return client

    @staticmethod
    def csrf_token(page: str) -> str:
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match, "no CSRF token in the page"
        return match.group(1)

    def test_rotate_without_token_is_refused(self, logged_in, campaign):
        old = campaign.link_for("teachers").token
        response = logged_in.post(f"/campaigns/{campaign.id}/links/teachers/rotate")
        assert response.status_code == 400
        db.session.expire_all()
        assert campaign.link_for("teachers").token == old

    def test_rotate_with_token_from_the_confirmation_page(self, logged_in, campaign):
        old = campaign.link_for("teachers").token
        url = f"/campaigns/{campaign.id}/links/teachers/rotate"
        page = logged_in.get(url).get_data(as_text=True)
        form = re.search(r'<form [^>]*class="confirm">.*?</form>', page, re.S).group(0)
        token = self.csrf_token(form)
        # The token alone (an old campaign page's one-click form) changes nothing.
        response = logged_in.post(url, data={"csrf_token": token})
        assert response.status_code == 303 and response.headers["Location"] == url
        db.session.expire_all()
        assert campaign.link_for("teachers").token == old
        response = logged_in.post(url, data={"csrf_token": token, "confirm": "1"})
        assert response.status_code == 302
        db.session.expire_all()
        assert campaign.link_for("teachers").token != old

    def test_new_campaign_with_token(self, logged_in, library):
        page = logged_in.get("/campaigns/new").get_data(as_text=True)
        data = {"direction": "test-direction", "academic_year": "2024-2025"}
        assert logged_in.post("/campaigns/new", data=data).status_code == 400
        assert db.session.scalars(select(Campaign)).all() == []
        response = logged_in.post(
            "/campaigns/new", data={**data, "csrf_token": self.csrf_token(page)}
        )
        assert response.status_code == 302
        assert len(db.session.scalars(select(Campaign)).all()) == 1


def test_response_counts_of_many_campaigns(campaign, other_campaign):
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 2)])
    factories.make_responses(other_campaign, "parents", [({"understand": "none"}, 1)])
    assert Campaign.response_counts_of([campaign, other_campaign]) == {
        campaign.id: {"teachers": 0, "students": 2, "parents": 0},
        other_campaign.id: {"teachers": 0, "students": 0, "parents": 1},
    }
    assert Campaign.response_counts_of([]) == {}


def test_campaign_page_links_every_section(member_client, school):
    """The campaign page is the hub: results, texts, the довідка, exports, builder, import."""
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()
    from app.staff.services import create_campaign

    campaign = create_campaign(school, "assessment-system", "2024-2025")
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    for path in (
        "results",
        "texts",
        "report.docx",
        "export/tables.xlsx",
        "export/responses.xlsx",
        "questionnaires/",
        "import",
    ):
        assert f'href="/campaigns/{campaign.id}/{path}"' in page, path


def test_director_sees_no_editing_links(director_client, school):
    from app.staff.services import create_campaign
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()
    campaign = create_campaign(school, "assessment-system", "2024-2025")
    page = director_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'href="/campaigns/{campaign.id}/results"' in page
    assert f'href="/campaigns/{campaign.id}/import"' not in page
