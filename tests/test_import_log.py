"""Imports are visible and attributed (issue 11, "Padding"): every import writes an
``ImportBatch`` (who, when, role, rows, file) in the transaction of its responses, which point to
it; the campaign page lists the imports and the довідка's introduction names them.

The padding case: one real 6th-grader answered through the form, and a member imports 4 made-up
rows with ``grade=g6`` so that the g6 cell reaches the group size.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from docx import Document
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.imports import engine as importing
from app.imports.engine import CsvImportError, ImportOrigin, clean_filename, import_csv
from app.imports.log import import_log
from app.models import Answer, ImportBatch, Response
from app.reports.service import campaign_report
from tests import factories
from tests.test_import import csv_bytes, make_import_campaign

KYIV = ZoneInfo("Europe/Kyiv")
PADDING = csv_bytes([["grade", "clear"], *[["g6", "full"]] * 4])
INTRO_PATTERN = re.compile(r"^З них .* внесено імпортом .*\.$")


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"ANKETA_IMPORT_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def campaign(school):
    """Six 5th-graders and the only real 6th-grader, all through the form."""
    campaign = make_import_campaign(school)
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "mostly"}, 6)])
    factories.make_response(campaign, "students", {"grade": "g6", "clear": "none"}, source="web")
    return campaign


def web_import(client, campaign, data: bytes, name: str = "padding.csv"):
    """Upload ``data`` as students' answers and confirm the proposed mapping; return the
    confirmation's response."""
    uploaded = client.post(
        f"/campaigns/{campaign.id}/import",
        data={"role": "students", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:300]
    return client.post(uploaded.headers["Location"], data={"action": "import"})


def batches() -> list[ImportBatch]:
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.id)))


def responses() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def import_rows(page: str) -> list[list[str]]:
    """The cells of the campaign page's import table, tags stripped."""
    table = re.search(r'<table class="imports">.*?</table>', page, re.S)
    assert table is not None, "no import table on the page"
    rows = re.findall(r"<tr data-role=\"\w+\">(.*?)</tr>", table.group(0), re.S)
    return [
        [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


def report_paragraphs(data: bytes) -> list[str]:
    return [paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs]


def kyiv(moment: datetime) -> datetime:
    return moment.astimezone(KYIV)


# --- the padding case through the web -----------------------------------------------------------


def test_padding_import_by_a_member_is_one_batch_with_the_member_and_its_four_rows(
    member_client, member, campaign
):
    response = web_import(member_client, campaign, PADDING)
    assert response.status_code == 303
    [batch] = batches()
    assert (batch.campaign_id, batch.role, batch.user_id, batch.channel) == (
        campaign.id, "students", member.id, "web"
    )  # fmt: skip
    assert (batch.row_count, batch.source_kind, batch.filename) == (4, "generic", "padding.csv")
    assert batch.created_at.second == 0 and batch.created_at.microsecond == 0
    assert abs((datetime.now(UTC) - batch.created_at).total_seconds()) < 120
    by_batch = dict(
        db.session.execute(
            select(Response.import_batch_id, func.count(Response.id)).group_by(
                Response.import_batch_id
            )
        ).all()
    )
    assert by_batch == {None: 7, batch.id: 4}  # the form's 7 stay unattributed to any import


def test_campaign_page_lists_the_import_for_the_group_and_the_director(
    member_client, campaign, director, app
):
    web_import(member_client, campaign, PADDING)
    moment = kyiv(batches()[0].created_at)
    expected = [[f"{moment:%d.%m.%Y %H:%M}", "member@a.ua", "Учні", "4", "padding.csv"]]
    member_page = member_client.get(f"/campaigns/{campaign.id}")
    assert member_page.status_code == 200
    assert import_rows(member_page.get_data(as_text=True)) == expected
    director_client = app.test_client()
    factories.login(director_client, director.email)
    director_page = director_client.get(f"/campaigns/{campaign.id}")
    assert director_page.status_code == 200
    assert import_rows(director_page.get_data(as_text=True)) == expected


def test_campaign_page_without_imports_has_no_import_table(member_client, campaign):
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'class="imports"' not in page
    assert "Імпортовані відповіді" not in page


def test_the_dovidka_introduction_names_the_import(member_client, campaign, director, app):
    web_import(member_client, campaign, PADDING)
    day = f"{kyiv(batches()[0].created_at):%d.%m.%Y}"
    director_client = app.test_client()
    factories.login(director_client, director.email)
    response = director_client.get(f"/campaigns/{campaign.id}/report.docx")
    assert response.status_code == 200
    paragraphs = report_paragraphs(response.data)
    sentence = f"З них 4 анкети учнів внесено імпортом із файлу ({day}, member@a.ua)."
    assert sentence in paragraphs
    # Right after the sentence that counts the respondents it refers to («З них»).
    survey = next(i for i, text in enumerate(paragraphs) if "проведено анкетування" in text)
    assert paragraphs[survey + 1] == sentence
    assert "11 здобувачів освіти" in paragraphs[survey]


def test_a_dovidka_without_imports_says_nothing_about_them(campaign):
    assert not [p for p in report_paragraphs(campaign_report(campaign)) if INTRO_PATTERN.match(p)]


@pytest.mark.parametrize(
    ("rows", "words"),
    [(1, "1 анкету"), (4, "4 анкети"), (5, "5 анкет"), (11, "11 анкет"), (21, "21 анкету"),
     (22, "22 анкети")],
)  # fmt: skip
def test_the_introduction_agrees_the_number(campaign, member, rows, words):
    db.session.add(
        ImportBatch(campaign_id=campaign.id, role="students", user_id=member.id,
                    channel="web", row_count=rows, source_kind="google", filename="f.csv",
                    created_at=datetime(2026, 12, 3, 7, 41, tzinfo=UTC))
    )  # fmt: skip
    db.session.commit()
    assert (
        f"З них {words} учнів внесено імпортом із файлу (03.12.2026, member@a.ua)."
        in report_paragraphs(campaign_report(campaign))
    )


def test_several_imports_are_listed_in_one_sentence(campaign, member):
    factories.make_responses(campaign, "parents", [({"understand": "full"}, 10)])
    db.session.add_all(
        [
            ImportBatch(campaign_id=campaign.id, role="students", user_id=member.id,
                        channel="web", row_count=4, source_kind="generic", filename="a.csv",
                        created_at=datetime(2026, 12, 2, 22, 30, tzinfo=UTC)),
            ImportBatch(campaign_id=campaign.id, role="parents", user_id=None, channel="cli",
                        row_count=10, source_kind="google", filename="b.csv",
                        created_at=datetime(2026, 12, 4, 8, 0, tzinfo=UTC)),
        ]
    )  # fmt: skip
    db.session.commit()
    # 22:30 UTC on 2 December is 00:30 on 3 December in Kyiv.
    assert (
        "З них внесено імпортом із файлів: 4 анкети учнів (03.12.2026, member@a.ua) та "
        "10 анкет батьків (04.12.2026, з командного рядка)."
        in report_paragraphs(campaign_report(campaign))
    )


# --- the command line ---------------------------------------------------------------------------


def write_padding(tmp_path: Path) -> Path:
    path = tmp_path / "відповіді.csv"
    path.write_bytes(PADDING)
    return path


def cli_import(runner, campaign, path: Path, *extra: str):
    return runner.invoke(
        args=["responses", "import", str(campaign.id), "--role", "students", str(path), *extra]
    )


def test_cli_import_writes_a_batch_shown_as_from_the_command_line(
    runner, campaign, tmp_path, member_client
):
    result = cli_import(runner, campaign, write_padding(tmp_path))
    assert result.exit_code == 0, result.output
    [batch] = batches()
    assert (batch.user_id, batch.channel, batch.row_count, batch.filename) == (
        None, "cli", 4, "відповіді.csv"
    )  # fmt: skip
    assert (
        db.session.scalar(
            select(func.count(Response.id)).where(Response.import_batch_id == batch.id)
        )
        == 4
    )
    rows = import_rows(member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True))
    assert [row[1:4] for row in rows] == [["з командного рядка", "Учні", "4"]]


def test_cli_import_with_user_is_attributed_to_that_member(runner, campaign, member, tmp_path):
    result = cli_import(runner, campaign, write_padding(tmp_path), "--user", "Member@A.ua")
    assert result.exit_code == 0, result.output
    [batch] = batches()
    assert (batch.user_id, batch.channel) == (member.id, "cli")
    assert [entry.who for entry in import_log(campaign.id)] == ["member@a.ua, з командного рядка"]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("director@a.ua", "не може імпортувати відповіді в цю кампанію"),
        ("other@b.ua", "не може імпортувати відповіді в цю кампанію"),
        ("nobody@a.ua", "користувача nobody@a.ua не знайдено"),
    ],
)
def test_cli_import_refuses_a_user_who_may_not_import(
    runner, campaign, director, tmp_path, email, message
):
    factories.make_user("other@b.ua", role="member", school=factories.make_school("school-b"))
    before = responses()
    result = cli_import(runner, campaign, write_padding(tmp_path), "--user", email)
    assert result.exit_code == 1
    assert message in result.output
    assert batches() == [] and responses() == before


# --- all or nothing -----------------------------------------------------------------------------


def test_a_failed_web_import_stores_no_batch(member_client, campaign):
    before = responses()
    bad = csv_bytes([["grade", "clear"], ["g6", "full"], ["g9", "full"]])  # g9: no such option
    response = web_import(member_client, campaign, bad)
    assert response.status_code == 422
    assert batches() == [] and responses() == before
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'class="imports"' not in page


def test_a_failure_while_inserting_rolls_back_the_batch_with_its_responses(
    campaign, member, monkeypatch
):
    before_responses = responses()
    before_answers = db.session.scalar(select(func.count(Answer.id)))
    calls = []
    original = importing._insert_batch

    def fail_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(importing, "_insert_batch", fail_on_second)
    with pytest.raises(RuntimeError):
        import_csv(
            PADDING, campaign.link_for("students"), batch_size=2,
            origin=ImportOrigin(member.id, "web", "padding.csv"),
        )  # fmt: skip
    assert len(calls) == 2  # the first two rows and the batch had been written
    assert batches() == [] and responses() == before_responses
    assert db.session.scalar(select(func.count(Answer.id))) == before_answers


def test_a_reimport_that_stores_nothing_adds_no_batch(member_client, campaign):
    web_import(member_client, campaign, PADDING)
    second = web_import(member_client, campaign, PADDING)
    assert second.status_code == 303
    assert [batch.row_count for batch in batches()] == [4]


def test_a_file_with_unknown_answers_raises_and_stores_no_batch(campaign):
    with pytest.raises(CsvImportError):
        import_csv(csv_bytes([["grade"], ["g9"]]), campaign.link_for("students"))
    assert batches() == []


# --- the file name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\vchytel\\Форма (1).csv", "Форма (1).csv"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\x1b[31mc\u202egnp.csv", "ab[31mcgnp.csv"),
        ("  two   spaces\t.csv ", "two spaces .csv"),
        ("\x01\x02", ""),
        ("я" * 300 + ".csv", "я" * 120),
    ],
)
def test_file_names_are_cleaned_and_capped(given, kept):
    assert clean_filename(given) == kept


def test_a_hostile_file_name_is_stored_clean(member_client, campaign):
    web_import(member_client, campaign, PADDING, name="x\u202e<script>.csv")
    assert batches()[0].filename == "x<script>.csv"
    page = member_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "x&lt;script&gt;.csv" in page and "<script>.csv" not in page


# --- the migration ------------------------------------------------------------------------------


def _response_columns() -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("response")}


def test_migration_0008_goes_down_and_up_keeping_every_answer(migrated_app):
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
    school = factories.make_school("school-m", "Ліцей №3")
    campaign = make_import_campaign(school)
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 3)])
    import_csv(PADDING, campaign.link_for("students"))
    answers = db.session.scalar(select(func.count(Answer.id)))
    assert answers == 3 * 2 + 4 * 2
    db.session.remove()

    downgrade(revision="-1")
    assert "import_batch" not in inspect(db.engine).get_table_names()
    assert "import_batch_id" not in _response_columns()
    # SQLite rebuilds the response table; its answers (ON DELETE CASCADE) must survive that.
    assert db.session.scalar(select(func.count(Answer.id))) == answers
    db.session.remove()

    upgrade()
    assert "import_batch_id" in _response_columns()
    assert db.session.scalar(select(func.count(Answer.id))) == answers
    assert db.session.scalar(select(func.count(Response.id))) == 7
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []


def test_the_upload_page_says_the_import_is_recorded_under_the_users_name(member_client, campaign):
    page = member_client.get(f"/campaigns/{campaign.id}/import").get_data(as_text=True)
    hint = re.search(r'<p class="hint" id="import-attribution">(.*?)</p>', page, re.S)
    assert hint is not None
    assert "від вашого імені (member@a.ua)" in hint.group(1)
