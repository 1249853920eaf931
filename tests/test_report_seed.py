"""The довідка of the seed-reproducing campaign: the figures of the seed, the download route,
the ``anketa report`` / ``anketa texts`` commands, and the conversion with LibreOffice."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from docx import Document

from app.extensions import db
from app.models import Campaign
from app.reports import styles
from app.reports.document import ReportStats, charted_questions
from app.reports.language import NBSP
from app.reports.service import campaign_report, report_filename
from app.reports.texts import ReportTexts, load_texts, save_texts
from app.results.service import analyze_campaign
from tests.factories import (
    SMALL_DIRECTION,
    login,
    make_campaign,
    make_direction,
    make_responses,
    make_school,
    make_user,
    small_questionnaires,
)
from tests.seed_campaign import make_seed_campaign

DIRECTION = "Система оцінювання здобувачів освіти"


@pytest.fixture
def campaign(school) -> Campaign:
    return make_seed_campaign(school)


@pytest.fixture
def small_campaign(school) -> Campaign:
    """A quick campaign on the small test questionnaires (for routes and commands)."""
    direction = make_direction(SMALL_DIRECTION)
    campaign = make_campaign(school, direction, small_questionnaires(direction))
    teachers = [({"understand": "full"}, 3), ({"understand": "mostly"}, 2)]
    make_responses(campaign, "teachers", teachers)
    make_responses(campaign, "students", [({"clear": "partly", "sources": ["teacher"]}, 4)])
    return campaign


def reopen(data: bytes):
    return Document(BytesIO(data))


def texts_of(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def following(paragraphs, start: int, n: int) -> list[str]:
    return [p.text for p in paragraphs[start + 1 : start + 1 + n]]


def test_seed_document(campaign):
    stats = ReportStats()
    document = reopen(campaign_report(campaign, stats))
    paragraphs = document.paragraphs
    texts = texts_of(document)

    assert "Довідка" in texts
    assert (
        "Про аналіз роботи з розбудови внутрішньої системи якості освіти за напрямом "
        f"«{DIRECTION}» у 2024–2025 навчальному році." in texts
    )
    assert "проведено анкетування 31 вчителя, 71 здобувача освіти та 80 батьків." in "\n".join(
        texts
    )

    sections = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    requirement_sections = [s for s in sections if re.match(r"\d+\. ", s)]
    assert [re.search(r"\(вимога ([\d.]+)\)", s).group(1) for s in requirement_sections[:3]] == [
        "2.1",
        "2.2",
        "2.3",
    ]
    assert [s.split(".")[0] for s in requirement_sections[:3]] == ["1", "2", "3"]

    # Teachers' question 7: sentence, caption with instruction, «31 відповідь», chart.
    t7 = texts.index("7. Я розумію що таке критерії оцінювання. Виберіть лише один варіант.")
    finding = texts[t7 - 1]
    assert f"80,6{NBSP}%" in finding and f"19,4{NBSP}%" in finding
    assert finding.startswith("Вчителі")
    assert following(paragraphs, t7, 1) == ["31 відповідь"]
    assert paragraphs[t7 + 2]._p.xpath(".//pic:pic"), "the chart follows the count"

    # Students' question 2.
    s2 = next(i for i, t in enumerate(texts) if t.startswith("2. Оцінювання моїх навчальних"))
    finding = texts[s2 - 1]
    for figure in ("25,4", "33,8", "18,3", "22,5"):
        assert f"{figure}{NBSP}%" in finding, figure
    assert following(paragraphs, s2, 1) == ["71 відповідь"]

    # Parents' question 5 and the key gap of the construct, after its questions.
    p5 = texts.index("5. Я розумію що таке критерії оцінювання. Виберіть лише один варіант.")
    assert following(paragraphs, p5, 1) == ["80 відповідей"]
    gaps = [i for i, t in enumerate(texts) if t.startswith("Ключова розбіжність:")]
    first_gap = min(i for i in gaps if i > p5)
    assert f"100,0{NBSP}% вчителів і 59,2{NBSP}% учнів" in texts[first_gap]
    assert f"різниця 40,8{NBSP}в.{NBSP}п." in texts[first_gap]
    topic = max(
        i for i, p in enumerate(paragraphs) if p.style.name == "Heading 2" and i < first_gap
    )
    assert texts[topic] == "Розуміння критеріїв оцінювання:"

    # One picture per charted question.
    analysis = analyze_campaign(campaign)
    assert len(document.inline_shapes) == len(charted_questions(analysis)) == stats.pictures
    assert stats.pictures >= 20

    level = analysis.final_level
    assert level is not None
    assert f"Отже, за напрямом «{DIRECTION}» визначено {level.label} рівень." in texts or (
        level.code == "needs_improvement"
        and f"Отже, за напрямом «{DIRECTION}» визначено рівень, що вимагає покращення." in texts
    )
    for text in texts:
        assert "None" not in text and "TODO" not in text and "{" not in text, text

    # Every response count is printed with the right agreement.
    counts = {p.text for p in paragraphs if p.style.name == styles.RESPONSE_COUNT}
    assert {"31 відповідь", "71 відповідь", "80 відповідей"} <= counts
    for count in counts:
        assert re.fullmatch(r"\d+ (відповідь|відповіді|відповідей)", count), count


def test_texts_storage_round_trip(campaign):
    texts = ReportTexts.from_mapping(
        {
            "period": "лютому – квітні 2025 р.",
            "working_group": "- Іваненко О. П.\n- Петренко М. І.",
            "topic_notes": {"criteria_understanding": "Критерії висвітлено на стендах."},
            "level_override": "високий",
            "level_justification": "Результати зовнішнього моніторингу.",
        }
    )
    save_texts(campaign, texts)
    db.session.expire_all()
    stored = db.session.get(Campaign, campaign.id)
    assert stored.level_override == "high"
    assert stored.level_justification == "Результати зовнішнього моніторингу."
    assert stored.report_texts["working_group"] == ["Іваненко О. П.", "Петренко М. І."]
    assert "level_override" not in stored.report_texts
    assert load_texts(stored) == texts

    document = reopen(campaign_report(stored))
    texts_in_doc = texts_of(document)
    assert f"Отже, за напрямом «{DIRECTION}» визначено високий рівень." in texts_in_doc
    assert "Обґрунтування: Результати зовнішнього моніторингу." in texts_in_doc
    assert "Критерії висвітлено на стендах." in texts_in_doc
    assert texts_in_doc[3].startswith("У лютому – квітні 2025 р.")


def test_level_override_needs_a_justification(small_campaign):
    from app.errors import AnketaError

    texts = ReportTexts.from_mapping({"level_override": "high", "shortcomings": ["Недолік"]})
    with pytest.raises(AnketaError, match="Обґрунтуйте зміну рівня"):
        save_texts(small_campaign, texts)
    db.session.rollback()
    stored = db.session.get(Campaign, small_campaign.id)
    assert stored.level_override is None
    assert not (stored.report_texts or {}).get("shortcomings")


def test_report_for_a_campaign_without_parents(school):
    campaign = make_seed_campaign(school, respondents={"teachers": 31, "students": 71})
    document = reopen(campaign_report(campaign))
    texts = texts_of(document)
    assert "Батьки участі в анкетуванні не брали (0 відповідей)." in texts
    assert "80 відповідей" not in texts


# The download route --------------------------------------------------------------------------


def test_download_for_a_member_of_the_school(member_client, small_campaign):
    response = member_client.get(f"/campaigns/{small_campaign.id}/report.docx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename=dovidka-school-a-test-direction-2024-2025.docx" in disposition
    assert report_filename(small_campaign) == "dovidka-school-a-test-direction-2024-2025.docx"
    assert "no-store" in response.headers["Cache-Control"]
    document = reopen(response.data)
    assert "Довідка" in texts_of(document)


def test_a_failed_build_is_a_friendly_page(member_client, small_campaign, monkeypatch):
    from app.reports import service
    from app.reports.errors import ReportError

    def broken(*args, **kwargs):
        raise ReportError("Не вдалося сформувати довідку (тест).")

    monkeypatch.setattr(service, "build_report", broken)
    response = member_client.get(f"/campaigns/{small_campaign.id}/report.docx")
    assert response.status_code == 500
    assert "Не вдалося сформувати довідку (тест)." in response.get_data(as_text=True)


def test_director_may_download_too(director_client, small_campaign):
    assert director_client.get(f"/campaigns/{small_campaign.id}/report.docx").status_code == 200


def test_another_school_gets_404(client, small_campaign):
    other = make_school("school-b", "Ліцей №2")
    make_user("member@b.ua", role="member", school=other)
    login(client, "member@b.ua")
    assert client.get(f"/campaigns/{small_campaign.id}/report.docx").status_code == 404
    assert client.get("/campaigns/999999/report.docx").status_code == 404


def test_anonymous_is_sent_to_login(client, small_campaign):
    response = client.get(f"/campaigns/{small_campaign.id}/report.docx")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# The commands --------------------------------------------------------------------------------


def test_report_command_writes_the_document(runner, small_campaign, tmp_path):
    target = tmp_path / "dovidka.docx"
    result = runner.invoke(args=["report", str(small_campaign.id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Довідку збережено" in result.output
    document = reopen(target.read_bytes())
    assert "Довідка" in texts_of(document)
    assert len(document.inline_shapes) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "999999", "-o", "x.docx"], "Кампанію 999999 не знайдено."),
        (["texts", "show", "999999"], "Кампанію 999999 не знайдено."),
    ],
)
def test_unknown_campaign_is_one_line(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_report_to_an_unwritable_path(runner, small_campaign, tmp_path):
    target = tmp_path / "missing-dir" / "dovidka.docx"
    result = runner.invoke(args=["report", str(small_campaign.id), "-o", str(target)])
    assert result.exit_code != 0
    assert "Не вдалося записати" in result.output
    result = runner.invoke(args=["report", str(small_campaign.id), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert ".docx" in result.output


def test_texts_set_and_show(runner, small_campaign, tmp_path):
    file = tmp_path / "texts.yaml"
    file.write_text(
        yaml.safe_dump(
            {
                "order_number": "15",
                "order_date": "03.02.2025",
                "shortcomings": ["Недостатня прозорість критеріїв"],
                "recommendations": [{"title": "Прозорість", "items": ["Оприлюднити критерії"]}],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["texts", "set", str(small_campaign.id), str(file)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert load_texts(db.session.get(Campaign, small_campaign.id)).order_number == "15"
    shown = runner.invoke(args=["texts", "show", str(small_campaign.id)])
    assert shown.exit_code == 0
    data = yaml.safe_load(shown.output)
    assert data["order_date"] == "03.02.2025"
    assert data["recommendations"] == [{"title": "Прозорість", "items": ["Оприлюднити критерії"]}]
    assert data["introduction"] == ""
    as_json = runner.invoke(args=["texts", "show", str(small_campaign.id), "--json"])
    assert '"order_number": "15"' in as_json.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.yaml", "shortcomings: [unclosed", "не вдалося розібрати (рядок"),
        ("bad.json", "{not json", "не вдалося розібрати (рядок 1)"),
        ("unknown.yaml", "colour: red\n", "Невідоме поле текстів довідки: colour"),
        ("level.yaml", "level_override: чудовий\n", "Невідомий рівень «чудовий»"),
        ("list.yaml", "topic_notes: [a, b]\n", "має бути словником"),
    ],
)
def test_texts_set_rejects_bad_files(runner, small_campaign, tmp_path, name, content, message):
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")
    before = dict(small_campaign.report_texts or {})
    result = runner.invoke(args=["texts", "set", str(small_campaign.id), str(file)])
    assert result.exit_code != 0
    assert message in (result.output + str(result.exception or "")), result.output
    db.session.expire_all()
    assert dict(db.session.get(Campaign, small_campaign.id).report_texts or {}) == before


def test_texts_set_missing_file(runner, small_campaign, tmp_path):
    missing = tmp_path / "none.yaml"
    result = runner.invoke(args=["texts", "set", str(small_campaign.id), str(missing)])
    assert result.exit_code != 0
    assert "Не вдалося прочитати" in result.output


def test_console_script_prints_one_line_without_traceback(app, tmp_path):
    """The real ``anketa`` entry point: bad input is one line on stderr, exit status 1."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret-key",
    }
    completed = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "report", "999999"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == ["Помилка: Кампанію 999999 не знайдено."]
    assert completed.stdout == ""
    assert list(tmp_path.iterdir()) == []


# LibreOffice ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; .ci/run installs it",
)
def test_converts_to_pdf_with_libreoffice(campaign, tmp_path):
    source = tmp_path / "dovidka.docx"
    source.write_bytes(campaign_report(campaign))
    profile = tmp_path / "lo-profile"
    completed = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "dovidka.pdf"
    assert completed.returncode == 0, completed.stderr
    assert pdf.exists(), completed.stdout + completed.stderr
    pages = _page_count(pdf)
    # The seed довідка with ~30 charts of 14 cm fills roughly 12–40 A4 pages.
    assert 12 <= pages <= 40, pages


def _page_count(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30)
        match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
        if match:
            return int(match.group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
