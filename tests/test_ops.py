"""Operations: the health endpoint and the request log (no personal data)."""

import logging

import pytest

from app import create_app


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_is_gone(tmp_path):
    broken = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db",
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_request_log_has_the_route_pattern_not_the_address(
    client, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.INFO, logger="anketa.requests"):
        client.get(
            "/s/secret-token-value",
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
            headers={"User-Agent": "Phone/1.0"},
        )
    records = [r for r in caplog.records if r.name == "anketa.requests"]
    assert records, "no request was logged"
    logged = " ".join(str(getattr(r, "fields", "")) + r.getMessage() for r in records)
    assert "secret-token-value" not in logged
    assert "203.0.113.7" not in logged
    assert "Phone/1.0" not in logged
