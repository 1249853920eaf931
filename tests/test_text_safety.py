"""Control characters and formula-like texts (issue 11).

Refused where they are typed (the texts form, the builder's question form, questionnaire files),
stripped from respondents' answers, and stripped by every .docx and .xlsx writer for rows that
got one some other way; texts that start like a formula are texts in both XLSX files and get a
«'» in the CSV unless raw data is asked for.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import docx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.exports.commands import export_command
from app.extensions import db
from app.models import Answer, Campaign, Option, Question
from app.reports.errors import ReportError
from app.reports.texts import ReportTexts, save_texts
from app.text_safety import CONTROL_CHARACTERS, printable, spreadsheet_safe
from tests import factories

CONTROL = ["\x01", "\x0b", "\x1b", "\x7f", "\x85", "\ufffe"]


@pytest.mark.parametrize("char", [*CONTROL, "\x00", "\x08", "\x0c", "\x1f", "\x9f", "\uffff"])
def test_printable_drops_each_control_character(char):
    assert printable(f"a{char}b") == "ab"


def test_printable_keeps_tabs_line_breaks_and_ordinary_text():
    text = "Рядок\tз табуляцією\nі\r\nрядками, «лапки», ґ, € \u2028 ✓"
    assert printable(text) == text


@pytest.mark.parametrize(
    ("value", "safe"),
    [("=1+1", "'=1+1"), ("+380", "'+380"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("1-2", "1-2"), ("так", "так"), (3, 3),
     (None, None)],
)  # fmt: skip
def test_spreadsheet_safe_prefixes_formula_starts_only(value, safe):
    assert spreadsheet_safe(value) == safe


# --- rows that got a control character in some other way -----------------------------------


@pytest.fixture
def dirty(school) -> Campaign:
    """A campaign whose stored texts hold control characters, written straight to the tables
    (as rows stored before the validation refused them): a question text, an option text, the
    довідка's texts and an open answer."""
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    factories.make_responses(
        campaign, "teachers", [({"understand": "full", "comment": "Думка"}, 3),
                               ({"understand": "mostly"}, 3)]
    )  # fmt: skip
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 6)])
    teachers = campaign.link_for("teachers").questionnaire
    understand = next(q for q in teachers.questions if q.key == "understand")
    db.session.execute(
        update(Question).where(Question.id == understand.id)
        .values(text="Я розумію\x01 що таке критерії\x1b[0m оцінювання.")
    )  # fmt: skip
    db.session.execute(
        update(Option).where(Option.question_id == understand.id, Option.key == "full")
        .values(text="У повній\x0b мірі")
    )  # fmt: skip
    db.session.execute(
        update(Answer).where(Answer.text == "Думка").values(text="Моя\x1b думка\x01")
    )
    db.session.execute(
        update(Campaign).where(Campaign.id == campaign.id).values(
            report_texts={"introduction": "Вступ\x1b[31m робочої групи.",
                          "shortcomings": ["Недолік\x0b перший"], "closing": "Кінець\x7f."}
        )
    )  # fmt: skip
    db.session.commit()
    db.session.expire_all()
    return campaign


def no_control_characters(texts: list[str]) -> None:
    found = [text for text in texts if CONTROL_CHARACTERS.search(text)]
    assert found == []


def test_report_docx_opens_without_the_characters(member_client, dirty):
    response = member_client.get(f"/campaigns/{dirty.id}/report.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    no_control_characters(paragraphs)
    text = "\n".join(paragraphs)
    assert "Я розумію що таке критерії[0m оцінювання." in text
    assert "Вступ[31m робочої групи." in text
    assert "Недолік перший." in text and "Кінець." in text
    assert "у повній мірі" in text  # the option, in the finding sentence


def test_tables_xlsx_opens_without_the_characters(member_client, dirty):
    response = member_client.get(f"/campaigns/{dirty.id}/export/tables.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Вчителі"]
    cells = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    no_control_characters(cells)
    assert "Я розумію що таке критерії[0m оцінювання." in cells
    assert "У повній мірі" in cells


def test_responses_xlsx_and_csv_lose_nothing_else(member_client, dirty):
    response = member_client.get(f"/campaigns/{dirty.id}/export/responses.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Вчителі"]
    cells = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    no_control_characters(cells)
    assert "7. Я розумію що таке критерії[0m оцінювання." in cells
    assert cells.count("Моя думка") == 3 and cells.count("У повній мірі") == 3


def test_the_texts_page_shows_and_saves_them_clean(member_client, dirty):
    page = member_client.get(f"/campaigns/{dirty.id}/texts")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    assert "Вступ[31m робочої групи." in html and "\x1b" not in html


# --- refused where they are typed -------------------------------------------------------------


@pytest.fixture
def small(school) -> Campaign:
    direction = factories.make_direction()
    return factories.make_campaign(school, direction, factories.small_questionnaires(direction))


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x1b"])
def test_the_texts_form_refuses_a_control_character(member_client, small, char):
    response = member_client.post(
        f"/campaigns/{small.id}/texts",
        data={"introduction": f"Вступ{char}", "closing": "Кінець."},
    )
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    code = f"U+{ord(char):04X}"
    assert f"Текст містить недопустимий керівний символ {code}" in html
    db.session.refresh(small)
    assert small.report_texts in ({}, None)


def test_saving_texts_refuses_a_control_character_by_any_path(small):
    texts = ReportTexts.from_mapping({"topic_notes": {"criteria": "Примітка\x1b"}})
    with pytest.raises(ReportError, match="«topic_notes.criteria» містить недопустимий керівний"):
        save_texts(small, texts)
    db.session.rollback()
    db.session.refresh(small)
    assert small.report_texts in ({}, None)


def test_the_cli_texts_set_refuses_a_control_character(runner, small, tmp_path):
    path = tmp_path / "texts.yaml"
    path.write_text('closing: "Кінець\\e[0m"\n', encoding="utf-8")
    result = runner.invoke(args=["texts", "set", str(small.id), str(path)])
    assert result.exit_code != 0
    message = "«closing» містить недопустимий керівний символ U+001B"
    assert message in result.output + str(result.exception or "")  # app.cli.main: one line
    db.session.refresh(small)
    assert small.report_texts in ({}, None)


def test_a_respondent_answer_loses_its_control_characters(client, small):
    link = small.link_for("teachers")
    page = client.get(f"/s/{link.token}").get_data(as_text=True)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/s/{link.token}",
        data={"submission_id": submission, "q-understand": "full",
              "q-comment": "Добре\x1b[31m\x0b вчать\x01"},
    )  # fmt: skip
    assert response.status_code in (200, 302, 303)
    assert db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))).all() == [
        "Добре[31m вчать"
    ]


# --- formula-like texts -----------------------------------------------------------------------


@pytest.fixture
def formulas(school) -> Campaign:
    """Question and option texts that start like formulas, and such an open answer."""
    direction = factories.make_direction()
    questionnaires = factories.small_questionnaires(direction)
    understand = next(q for q in questionnaires["teachers"].questions if q.key == "understand")
    understand.text = "=1+1"
    for option, text in zip(
        understand.options, ["+1", "-1", "@SUM(A1)", '=HYPERLINK("x")'], strict=True
    ):
        option.text = text
    db.session.commit()
    campaign = factories.make_campaign(school, direction, questionnaires)
    factories.make_responses(
        campaign, "teachers", [({"understand": "full", "comment": "=2+2"}, 3),
                               ({"understand": "mostly", "comment": "-мінус"}, 3)]
    )  # fmt: skip
    return campaign


def test_tables_xlsx_writes_formula_like_texts_as_text(member_client, formulas):
    response = member_client.get(f"/campaigns/{formulas.id}/export/tables.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Вчителі"]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value}
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("x")'):
        assert cells[text].data_type == "s", text
    assert not [cell for cell in cells.values() if cell.data_type == "f"]


def test_responses_xlsx_writes_them_as_text(member_client, formulas):
    response = member_client.get(f"/campaigns/{formulas.id}/export/responses.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Вчителі"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert {cell.value for cell in cells} >= {"+1", "-1", "=2+2", "-мінус"}
    assert not [cell for cell in cells if cell.data_type == "f"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_responses_csv_from_the_web_prefixes_them_unless_raw(member_client, formulas):
    url = f"/campaigns/{formulas.id}/export/responses.csv?role=teachers"
    safe = read_csv(member_client.get(url).data)
    # Rows come in shuffled order (docs/methodology.md, "Order and dates"): compare them sorted.
    assert sorted(row[2:] for row in safe[1:]) == [["'+1", "'=2+2"]] * 3 + [["'-1", "'-мінус"]] * 3
    assert safe[0][2] == "7. =1+1"  # a header starts with its number: no formula
    raw = read_csv(member_client.get(url + "&raw=1").data)
    assert sorted(row[2:] for row in raw[1:]) == [["+1", "=2+2"]] * 3 + [["-1", "-мінус"]] * 3


def test_the_export_command_is_safe_unless_raw(runner, formulas, tmp_path):
    target = tmp_path / "teachers.csv"
    args = [str(formulas.id), "-o", str(target), "--role", "teachers"]
    assert runner.invoke(export_command, args).exit_code == 0
    rows = sorted(row[2:] for row in read_csv(target.read_bytes())[1:])
    assert rows == [["'+1", "'=2+2"]] * 3 + [["'-1", "'-мінус"]] * 3
    assert runner.invoke(export_command, [*args, "--raw"]).exit_code == 0
    rows = sorted(row[2:] for row in read_csv(target.read_bytes())[1:])
    assert rows == [["+1", "=2+2"]] * 3 + [["-1", "-мінус"]] * 3


def test_the_level_form_refuses_a_control_character(member_client, small):
    response = member_client.post(
        f"/campaigns/{small.id}/level",
        data={"level_override": "low", "level_justification": "Спостереження уроків\x1b[0m."},
    )
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Текст містить недопустимий керівний символ U+001B" in html
    db.session.refresh(small)
    assert small.level_override is None and small.level_justification is None
