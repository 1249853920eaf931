"""Deployment settings: the base URL of printed links (never the Host header), the warning for
links no phone can reach, production's refusal to start without a base URL, staff pages kept
out of browser caches, and out-of-range ids."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import MAX_ID, create_app
from app.config import (
    ConfigError,
    check_production,
    is_local_base_url,
    is_production,
    load_config,
    parse_base_url,
)
from app.extensions import db
from app.staff import services
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
EVIL = "evil.example"
WARNING = "телефони учнів, учителів і батьків цю адресу не відкриють"


@pytest.fixture
def campaign(school):
    direction = factories.make_direction()
    factories.small_questionnaires(direction)
    return services.create_campaign(school, direction.code, "2024-2025")


# --- the base URL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("https://anketa.school.ua", "https://anketa.school.ua"),
        ("https://Anketa.School.UA/", "https://anketa.school.ua"),
        ("http://192.168.1.20:8000", "http://192.168.1.20:8000"),
        ("http://[::1]:5000/", "http://[::1]:5000"),
        ("https://xn--80aaf7asgim.xn--j1amh", "https://xn--80aaf7asgim.xn--j1amh"),
    ],
)
def test_base_url_is_normalised(value, parsed):
    assert parse_base_url(value) == parsed


@pytest.mark.parametrize(
    "value",
    [
        "anketa.school.ua",  # no scheme
        "ftp://anketa.school.ua",
        "javascript:alert(1)",
        "https://",
        "https://anketa.school.ua/anketa",  # a path: the app is not served under one
        "https://anketa.school.ua/?x=1",
        "https://anketa.school.ua#top",
        "https://user:secret@anketa.school.ua",
        "https://anketa school.ua",
        " https://anketa.school.ua",
        "https://anketa.school.ua:99999",
        "https://-anketa.ua",
        "https://anketa_school.ua",
        "https://1.2.3",
    ],
)
def test_malformed_base_url_is_refused(value):
    with pytest.raises(ConfigError, match="ANKETA_BASE_URL"):
        parse_base_url(value)


def test_load_config_reads_and_validates_the_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("ANKETA_BASE_URL", "https://Anketa.School.UA/")
    assert load_config(tmp_path)["ANKETA_BASE_URL"] == "https://anketa.school.ua"
    monkeypatch.setenv("ANKETA_BASE_URL", "https://anketa.school.ua/s/")
    with pytest.raises(ConfigError, match="без шляху"):
        load_config(tmp_path)
    monkeypatch.delenv("ANKETA_BASE_URL")
    assert load_config(tmp_path)["ANKETA_BASE_URL"] == "http://127.0.0.1:5000"


def test_links_never_follow_the_host_header(member_client, campaign):
    """Unset (development): the default base, whatever Host the request names."""
    page = member_client.get(f"/campaigns/{campaign.id}", headers={"Host": EVIL}).text
    sheet = member_client.get(f"/campaigns/{campaign.id}/sheet", headers={"Host": EVIL}).text
    qr = member_client.get(f"/campaigns/{campaign.id}/qr/students.svg", headers={"Host": EVIL})
    assert qr.status_code == 200
    token = campaign.link_for("students").token
    for text in (page, sheet):
        assert EVIL not in text
        assert f"http://127.0.0.1:5000/s/{token}" in text
    from app.staff.qr import qr_svg

    assert qr.data == qr_svg(f"http://127.0.0.1:5000/s/{token}")


def test_configured_base_url_is_used_everywhere(app, member_client, campaign):
    app.config["ANKETA_BASE_URL"] = "https://anketa.school.ua"
    token = campaign.link_for("parents").token
    url = f"https://anketa.school.ua/s/{token}"
    headers = {"Host": EVIL}
    page = member_client.get(f"/campaigns/{campaign.id}", headers=headers).text
    sheet = member_client.get(f"/campaigns/{campaign.id}/sheet", headers=headers).text
    png = member_client.get(f"/campaigns/{campaign.id}/qr/parents.png", headers=headers).data
    svg = member_client.get(f"/campaigns/{campaign.id}/qr/parents.svg", headers=headers).data
    assert f'value="{url}"' in page and url in sheet
    assert EVIL not in page and EVIL not in sheet
    from app.staff.qr import qr_image

    assert png == qr_image(url, "png") and svg == qr_image(url, "svg")


@pytest.mark.parametrize(
    "base",
    ["http://127.0.0.1:5000", "http://localhost:8000", "http://[::1]", "http://127.1.2.3"],
)
def test_links_to_this_computer_are_warned_about(app, member_client, campaign, base):
    app.config["ANKETA_BASE_URL"] = base
    page = member_client.get(f"/campaigns/{campaign.id}").text
    sheet = member_client.get(f"/campaigns/{campaign.id}/sheet").text
    for text in (page, sheet):
        assert WARNING in text
        assert "ANKETA_BASE_URL" in text


@pytest.mark.parametrize("base", ["https://anketa.school.ua", "http://192.168.1.20:5000"])
def test_a_reachable_base_url_gets_no_warning(app, member_client, campaign, base):
    app.config["ANKETA_BASE_URL"] = base
    page = member_client.get(f"/campaigns/{campaign.id}").text
    sheet = member_client.get(f"/campaigns/{campaign.id}/sheet").text
    assert WARNING not in page and WARNING not in sheet
    assert "flash-error local-links" not in page + sheet


@pytest.mark.parametrize(
    ("base", "local"),
    [
        ("http://localhost", True),
        ("http://app.localhost:5000", True),
        ("http://0.0.0.0:5000", True),
        ("http://[::1]:5000", True),
        ("http://127.0.0.53", True),
        ("https://localhost-school.ua", False),
        ("http://10.0.0.5", False),
    ],
)
def test_is_local_base_url(base, local):
    assert is_local_base_url(base) is local


def test_cli_prints_links_with_the_base_url(app, runner, school, campaign):
    app.config["ANKETA_BASE_URL"] = "https://anketa.school.ua"
    direction = campaign.direction
    result = runner.invoke(
        args=["campaigns", "create", "--school", school.slug, "--direction", direction.code]
        + ["--year", "2025-2026"]
    )
    assert result.exit_code == 0, result.output
    assert len(re.findall(r"https://anketa\.school\.ua/s/\S{22,}", result.output)) == 3


# --- production needs a base URL --------------------------------------------------------------


def test_production_is_a_gunicorn_process():
    assert is_production({"SERVER_SOFTWARE": "gunicorn/27.0.1"})
    assert not is_production({})


def test_check_production_needs_a_valid_base_url():
    with pytest.raises(ConfigError, match="ANKETA_BASE_URL не задано"):
        check_production({})
    with pytest.raises(ConfigError, match="ANKETA_BASE_URL не задано"):
        check_production({"ANKETA_BASE_URL": "  "})
    with pytest.raises(ConfigError, match="не адреса сайту"):
        check_production({"ANKETA_BASE_URL": "anketa.school.ua"})
    check_production({"ANKETA_BASE_URL": "https://anketa.school.ua"})


def test_create_app_under_gunicorn_refuses_without_base_url(monkeypatch, migrated_database):
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/27.0.1")
    monkeypatch.delenv("ANKETA_BASE_URL", raising=False)
    # A production app adds its JSON handler to the global request logger: put it back after.
    requests_logger = logging.getLogger("anketa.requests")
    monkeypatch.setattr(requests_logger, "handlers", list(requests_logger.handlers))
    monkeypatch.setattr(requests_logger, "propagate", requests_logger.propagate)
    monkeypatch.setattr(requests_logger, "level", requests_logger.level)
    with pytest.raises(ConfigError, match="ANKETA_BASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": migrated_database})
    monkeypatch.setenv("ANKETA_BASE_URL", "https://anketa.school.ua")
    app = create_app({"SQLALCHEMY_DATABASE_URI": migrated_database})
    assert app.config["ANKETA_BASE_URL"] == "https://anketa.school.ua"
    with app.app_context():
        db.engine.dispose()
    # Development and tests start without it.
    monkeypatch.delenv("ANKETA_BASE_URL")
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_database})


def gunicorn_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``gunicorn --check-config`` with the project's gunicorn.conf.py and ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_gunicorn_refuses_to_start_without_base_url():
    result = gunicorn_check({})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Anketa: ANKETA_BASE_URL не задано")
    assert "Traceback" not in result.stderr

    result = gunicorn_check({"ANKETA_BASE_URL": "https://anketa.school.ua/anketa"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Anketa: ANKETA_BASE_URL='https://anketa.school.ua/anketa' — не адреса сайту: "
        "потрібні http:// або https:// і ім'я сервера, без шляху, наприклад "
        "https://anketa.school.ua"
    ]

    result = gunicorn_check({"ANKETA_BASE_URL": "https://anketa.school.ua"})
    assert result.returncode == 0, result.stderr


def test_make_serve_uses_the_gunicorn_config():
    makefile = (ROOT / "Makefile").read_text()
    serve = makefile.split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert "--config gunicorn.conf.py" in serve


def test_development_runs_without_a_base_url(tmp_path):
    """``anketa`` (what ``make run`` starts) works with ANKETA_BASE_URL unset."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "anketa"), "routes"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "/campaigns/<int:campaign_id>" in result.stdout


# --- Cache-Control ----------------------------------------------------------------------------


def staff_urls(campaign, copy) -> list[str]:
    """Every kind of staff page of ``campaign``, and the builder's of the school's ``copy``."""
    editor = f"/schools/{campaign.school.slug}/directions/{copy.id}/questionnaires"
    return [
        "/login",
        "/campaigns/",
        "/campaigns/new",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{campaign.id}/sheet",
        f"/campaigns/{campaign.id}/qr/students.png?download=1",
        f"/campaigns/{campaign.id}/qr/students.svg",
        f"/campaigns/{campaign.id}/results",
        f"/campaigns/{campaign.id}/texts",
        f"/campaigns/{campaign.id}/report.docx",
        f"/campaigns/{campaign.id}/export/tables.xlsx",
        f"/campaigns/{campaign.id}/export/responses.xlsx",
        f"/campaigns/{campaign.id}/export/responses.csv?role=students",
        f"/campaigns/{campaign.id}/questionnaires/",
        f"{editor}/",
        f"{editor}/students",
        f"{editor}/students.yaml",
        f"/campaigns/{campaign.id}/import",
        f"/api/v1/campaigns/{campaign.id}/results",
        "/campaigns/999999",  # a 404 page of a staff URL
    ]


def test_every_staff_page_and_download_is_private_no_store(member_client, campaign):
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 6)])
    copy = factories.make_direction(school=campaign.school)  # the school's own copy
    factories.small_questionnaires(copy)
    statuses = {}
    for url in staff_urls(campaign, copy):
        response = member_client.get(url)
        statuses[url] = response.status_code
        assert response.headers.get("Cache-Control") == "private, no-store", url
    expected = {url: 200 for url in statuses} | {"/login": 302, "/campaigns/999999": 404}
    assert statuses == expected


def test_the_login_page_is_private_no_store(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_logout_redirect_is_private_no_store(member_client):
    response = member_client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "private, no-store"


def test_respondent_health_and_static_keep_their_own_caching(client, campaign):
    token = campaign.link_for("students").token
    assert client.get(f"/s/{token}").headers["Cache-Control"] == "no-store"
    assert client.get("/s/no-such-token").headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/livez").headers
    assert "Cache-Control" not in client.get("/healthz").headers
    static = client.get("/static/staff.css")
    assert static.status_code == 200
    assert static.headers.get("Cache-Control") != "private, no-store"
    static.close()


# --- ids out of range -------------------------------------------------------------------------


OUT_OF_RANGE = ["2147483648", "9223372036854775808", "99999999999999999999999999", "0"]


@pytest.mark.parametrize("campaign_id", OUT_OF_RANGE)
def test_out_of_range_campaign_ids_are_404(member_client, campaign, campaign_id):
    for url in (
        f"/campaigns/{campaign_id}",
        f"/campaigns/{campaign_id}/sheet",
        f"/campaigns/{campaign_id}/results",
        f"/campaigns/{campaign_id}/report.docx",
        f"/campaigns/{campaign_id}/questionnaires/",
        f"/schools/{campaign.school.slug}/directions/{campaign_id}/questionnaires/",
        f"/campaigns/{campaign_id}/import",
    ):
        response = member_client.get(url)
        assert response.status_code == 404, url
        assert "Сторінку не знайдено" in response.text
    response = member_client.post(f"/campaigns/{campaign_id}/expected", data={"students": "3"})
    assert response.status_code == 404


@pytest.mark.parametrize("campaign_id", OUT_OF_RANGE)
def test_out_of_range_api_ids_are_404_in_json(member_client, campaign, campaign_id):
    response = member_client.get(f"/api/v1/campaigns/{campaign_id}/results")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json == {"error": "Не знайдено."}


def test_unknown_api_urls_are_404_in_json(member_client):
    response = member_client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json == {"error": "Не знайдено."}


def test_the_largest_id_still_reaches_the_view(member_client, campaign):
    """2^31 − 1 is a valid id that names no campaign: the view's 404, not a 500."""
    assert member_client.get(f"/campaigns/{MAX_ID}").status_code == 404
    response = member_client.get(f"/api/v1/campaigns/{MAX_ID}/results")
    assert response.status_code == 404 and response.json == {"error": "Кампанію не знайдено."}
    assert member_client.get(f"/campaigns/{campaign.id}").status_code == 200


def test_every_int_argument_of_every_route_is_bounded(app):
    from app import IdConverter

    bounded = [
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, IdConverter) and converter.max == MAX_ID
    ]
    integers = [
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if type(converter).__name__ in ("IntegerConverter", "IdConverter")
    ]
    assert integers and bounded == integers
