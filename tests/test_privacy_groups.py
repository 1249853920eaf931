"""The privacy rules in every output (docs/methodology.md, «Приватність»).

A whole group of 3 teachers is a count and «замало відповідей для аналізу (менше 5)» on the
results page, in the API's JSON, in tables.xlsx and in the довідка, with none of its
percentages (66,7 % and 33,3 %, which no other figure of the campaign is). A grade padded with
imported rows reveals nothing about its one real student, checked by brute force on the API's
numbers with the imported answers known to the attacker.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import event

from app.exports.writers import HIDDEN_GROUP
from app.extensions import db
from app.models import Campaign
from app.results.service import analyze_campaign
from tests import factories
from tests.test_privacy_rules import consistent_answers

NOTE = "замало відповідей для аналізу (менше 5)"
MIXED = "замало відповідей для аналізу (менше 5 з форми або з імпорту)"
TEACHER_PERCENTS = ("66,7", "33,3", "66.7", "33.3")
COMMENT = "Більше прикладів у журналі"


@pytest.fixture
def three_teachers(school) -> Campaign:
    """3 teachers (2 «full», 1 «partly»: 66,7 % and 33,3 %), 10 students and 6 parents (50 %
    and 50 %, 100 % of grade 5)."""
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    factories.make_responses(
        campaign,
        "teachers",
        [({"understand": "full", "comment": COMMENT}, 2), ({"understand": "partly"}, 1)],
    )
    factories.make_responses(
        campaign,
        "students",
        [({"grade": "g5", "clear": "full"}, 5), ({"grade": "g5", "clear": "mostly"}, 5)],
    )
    factories.make_responses(
        campaign, "parents", [({"understand": "full"}, 3), ({"understand": "mostly"}, 3)]
    )
    return campaign


def numbers_in(document: object) -> list[float]:
    """Every number anywhere in a JSON document."""
    if isinstance(document, dict):
        return [n for value in document.values() for n in numbers_in(value)]
    if isinstance(document, list):
        return [n for value in document for n in numbers_in(value)]
    if isinstance(document, bool):
        return []
    return [document] if isinstance(document, int | float) else []


def test_three_teachers_in_the_api(member_client, three_teachers):
    document = member_client.get(f"/api/v1/campaigns/{three_teachers.id}/results").json
    assert document["respondents"] == {"teachers": 3, "students": 10, "parents": 6}
    assert document["hidden_roles"] == {"teachers": {"reason": "small_group", "note": NOTE}}
    teachers = [q for q in document["questions"] if q["role"] == "teachers"]
    assert [(q["id"], q["hidden"], q["answered"], q["options"]) for q in teachers] == [
        ("understand", "small_group", 3, []),
        ("comment", "small_group", 2, []),
    ]
    assert all(q["positive_share"] is None for q in teachers)
    assert [g["roles"] for g in document["gaps"]] == [["students", "parents"]]
    assert all(s["role_scores"]["teachers"] is None for s in document["requirement_scores"])
    assert 66.7 not in numbers_in(document) and 33.3 not in numbers_in(document)


def test_three_teachers_in_analyze_json(runner, three_teachers):
    result = runner.invoke(args=["analyze", str(three_teachers.id), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["hidden_roles"] == {"teachers": {"reason": "small_group", "note": NOTE}}
    assert 66.7 not in numbers_in(document) and 33.3 not in numbers_in(document)


def test_three_teachers_on_the_results_page(member_client, three_teachers):
    page = member_client.get(f"/campaigns/{three_teachers.id}/results").get_data(as_text=True)
    assert re.search(r"вчителі — <b>3</b> <span class=\"hidden-note\">\(" + re.escape(NOTE), page)
    rows = re.findall(r"<tr class=\"suppressed\"><th scope=\"row\">вчителі.*?</tr>", page, re.S)
    assert len(rows) == 1 and NOTE in rows[0]
    assert not any(p in page for p in TEACHER_PERCENTS)
    assert COMMENT not in page  # nor the texts of a role that is only a count
    assert "50,0" in page  # the students' and parents' figures are there


def test_three_teachers_in_tables_xlsx(member_client, three_teachers):
    response = member_client.get(f"/campaigns/{three_teachers.id}/export/tables.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert list(workbook["Вчителі"].iter_rows(values_only=True))[1:] == [
        (None, "Респонденти", NOTE, 3, None, None, None),
        (7, "Я розумію що таке критерії оцінювання.", NOTE, None, None, 3, None),
        (8, "Ваші пропозиції", "(відкриті відповіді)", 2, None, 2, None),
    ]
    gaps = list(workbook["Розбіжності"].iter_rows(values_only=True))[1:]
    assert [(row[2], row[3]) for row in gaps] == [("students", "parents")]
    values = [str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
              for v in row if v is not None]  # fmt: skip
    assert not any(p in v for v in values for p in TEACHER_PERCENTS)


def test_three_teachers_in_the_report(member_client, three_teachers):
    response = member_client.get(f"/campaigns/{three_teachers.id}/report.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    texts = [paragraph.text for paragraph in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join(texts)
    assert "проведено анкетування 3 вчителів, 10 здобувачів освіти та 6 батьків." in text
    assert f"Вчителі\u00a0— 3: {NOTE}, тож їхні відповіді в довідці не наведено." in text
    assert f"Вчителі\u00a0— 3: {NOTE}." in text  # in the topic, instead of the figures
    assert not any(p in text for p in TEACHER_PERCENTS)
    assert "50,0" in text


def test_one_parent_agrees_in_the_report(member_client, school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    factories.make_responses(campaign, "teachers", [({"understand": "full"}, 6)])
    factories.make_responses(campaign, "parents", [({"understand": "none"}, 1)])
    response = member_client.get(f"/campaigns/{campaign.id}/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    assert "проведено анкетування 6 вчителів та 1 з батьків." in text
    assert "1 батьків" not in text
    assert f"Батьки\u00a0— 1: {NOTE}, тож їхні відповіді в довідці не наведено." in text


def test_six_one_one_through_the_api(member_client, school):
    """6 students in grade 5, 1 in grade 6, 1 in grade 7: no grade is shown, and nothing the
    API publishes pins down either hidden student's answer."""
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    students = REAL[:6] + [("g6", "none"), ("g7", "none")]
    for grade, answer in students:
        factories.make_response(campaign, "students", {"grade": grade, "clear": answer},
                                source="web")  # fmt: skip
    document = member_client.get(f"/api/v1/campaigns/{campaign.id}/results").json
    clear = next(q for q in document["questions"] if q["id"] == "clear")
    assert clear["answered"] == 8 and clear["hidden"] is None
    assert [(c["segment"], c["reason"]) for c in clear["segment_breakdown"]["cells"]] == [
        ("g5", "complementary"), ("g6", "small_group"), ("g7", "small_group")
    ]  # fmt: skip
    possible = consistent_answers([(g, None) for g, _a in students], clear,
                                  ("full", "mostly", "partly", "none"))  # fmt: skip
    assert all(len(answers) >= 2 for answers in possible), possible


# --- padding: imported rows in a grade ---------------------------------------------------------

REAL = [("g5", a) for a in ("full", "full", "mostly", "mostly", "partly", "none")]
REAL += [("g6", "none")]  # the only real 6th-grader


def padded_campaign(school, imported: int) -> Campaign:
    """7 students through the form (6 in g5, one in g6) and ``imported`` rows «g6, full»."""
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    for grade, answer in REAL:
        factories.make_response(campaign, "students", {"grade": grade, "clear": answer},
                                source="web")  # fmt: skip
    for i in range(imported):
        factories.make_response(campaign, "students", {"grade": "g6", "clear": "full"},
                                submission_id=f"import:1:row-{i}", source="import")  # fmt: skip
    factories.make_responses(campaign, "teachers", [({"understand": "full"}, 6)])
    return campaign


@pytest.mark.parametrize("imported", [4, 5])
def test_padding_reveals_nothing_about_the_real_student(member_client, school, imported):
    campaign = padded_campaign(school, imported)
    document = member_client.get(f"/api/v1/campaigns/{campaign.id}/results").json
    clear = next(q for q in document["questions"] if q["id"] == "clear")
    # The attacker knows the imported rows; the real students are the unknowns.
    students = [(grade, None) for grade, _answer in REAL] + [("g6", "full")] * imported
    possible = consistent_answers(students, clear, ("full", "mostly", "partly", "none"))
    assert len(possible[6]) >= 2, possible[6]  # the real 6th-grader
    assert all(len(answers) >= 2 for answers in possible[: len(REAL)])
    if imported == 4:  # 1 real + 4 imported: the whole role is a count
        assert document["hidden_roles"]["students"]["reason"] == "mixed_sources"
        assert clear["options"] == [] and clear["segment_breakdown"] is None
    else:  # 7 real + 5 imported: g6 mixes 1 real with 5 imported, g5 goes with it
        cells = {c["segment"]: c["reason"] for c in clear["segment_breakdown"]["cells"]}
        assert cells == {"g5": "complementary", "g6": "mixed_sources"}


def test_the_checker_would_catch_the_padded_grade_shown(member_client, school):
    """What the old rule published (g6 = 1 real + 4 imported, 5 ≥ 5, shown) gives the real
    6th-grader's answer away."""
    campaign = padded_campaign(school, 4)
    clear = next(q for q in member_client.get(f"/api/v1/campaigns/{campaign.id}/results").json[
        "questions"] if q["id"] == "clear")  # fmt: skip
    clear = {**clear, "hidden": False, "options": [], "segment_breakdown": {"cells": [
        {"segment": "g6", "suppressed": False,
         "options": [{"id": "full", "count": 4}, {"id": "none", "count": 1}]}]}}  # fmt: skip
    clear["hidden"] = True  # the total is not needed: the cell alone tells
    students = [(grade, None) for grade, _answer in REAL] + [("g6", "full")] * 4
    assert consistent_answers(students, clear, ("full", "mostly", "partly", "none"))[6] == {"none"}


def test_padded_grade_is_hidden_in_responses_csv(member_client, school):
    campaign = padded_campaign(school, 5)
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv?role=students").data
    text = data.decode("utf-8-sig")
    assert "6 клас" not in text and "5 клас" not in text
    assert text.count(HIDDEN_GROUP) == 12


def _answer_group_bys(campaign: Campaign) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "GROUP BY" in statement and "answer" in statement:
            statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        analyze_campaign(db.session.get(Campaign, campaign.id), with_dynamics=False)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_imported_answers_are_read_only_when_a_role_mixes_sources(school, three_teachers):
    assert _answer_group_bys(three_teachers) == 1  # one source per role
    assert _answer_group_bys(padded_campaign(factories.make_school("b", "Ліцей"), 5)) == 2


# --- the responses exports of a role hidden as a whole -------------------------------------------

TEACHER_HEADER = ["№", "Дата", "7. Я розумію що таке критерії оцінювання.", "8. Ваші пропозиції"]
TEACHER_ANSWERS = ("У повній мірі", "Частково", COMMENT)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_three_teachers_in_responses_csv(member_client, three_teachers):
    url = f"/campaigns/{three_teachers.id}/export/responses.csv?role=teachers"
    for raw in ("", "&raw=1"):
        response = member_client.get(url + raw)
        assert response.status_code == 200 and response.is_streamed
        data = response.data
        assert read_csv(data) == [TEACHER_HEADER, [f"Вчителі — 3: {NOTE}", "", "", ""]]
        assert not any(answer in data.decode("utf-8-sig") for answer in TEACHER_ANSWERS)
    students = read_csv(member_client.get(url.replace("teachers", "students")).data)
    assert len(students) == 11  # 10 students: a role that is shown gives its rows


def test_three_teachers_in_cli_export_csv(runner, three_teachers, tmp_path):
    target = tmp_path / "teachers.csv"
    args = ["export", str(three_teachers.id), "-o", str(target), "--role", "teachers", "--raw"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert read_csv(data) == [TEACHER_HEADER, [f"Вчителі — 3: {NOTE}", "", "", ""]]
    assert not any(answer in data.decode("utf-8-sig") for answer in TEACHER_ANSWERS)


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def test_three_teachers_in_responses_xlsx(member_client, runner, three_teachers, tmp_path):
    web = member_client.get(f"/campaigns/{three_teachers.id}/export/responses.xlsx").data
    target = tmp_path / "responses.xlsx"
    result = runner.invoke(args=["export", str(three_teachers.id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    for data in (web, target.read_bytes()):
        sheets = _sheets(data)
        assert sheets["Вчителі"] == [
            tuple(TEACHER_HEADER),
            (f"Вчителі — 3: {NOTE}", None, None, None),
        ]
        assert len(sheets["Учні"]) == 11 and len(sheets["Батьки"]) == 7
        values = [str(v) for rows in sheets.values() for row in rows for v in row if v is not None]
        assert not any(COMMENT in value for value in values)


def test_one_form_and_four_imported_teachers_in_the_responses(
    member_client, runner, school, tmp_path
):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    factories.make_response(campaign, "teachers", {"understand": "none", "comment": COMMENT},
                            source="web")  # fmt: skip
    for i in range(4):
        factories.make_response(campaign, "teachers", {"understand": "partly"},
                                submission_id=f"import:1:row-{i}", source="import")  # fmt: skip
    factories.make_responses(campaign, "students", [({"grade": "g5", "clear": "full"}, 5)])
    document = member_client.get(f"/api/v1/campaigns/{campaign.id}/results").json
    assert document["hidden_roles"] == {"teachers": {"reason": "mixed_sources", "note": MIXED}}
    expected = [f"Вчителі — 5: {MIXED}", "", "", ""]
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv?role=teachers").data
    target = tmp_path / "teachers.csv"
    args = ["export", str(campaign.id), "-o", str(target), "--role", "teachers"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    for csv_data in (data, target.read_bytes()):
        assert read_csv(csv_data) == [TEACHER_HEADER, expected]
        assert "Зовсім ні" not in csv_data.decode() and COMMENT not in csv_data.decode()
    sheets = _sheets(member_client.get(f"/campaigns/{campaign.id}/export/responses.xlsx").data)
    assert sheets["Вчителі"] == [tuple(TEACHER_HEADER), (expected[0], None, None, None)]
    assert len(sheets["Учні"]) == 6


def test_five_teachers_give_their_five_rows(member_client, runner, school, tmp_path):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    answers = {"understand": "full", "comment": COMMENT}
    factories.make_responses(campaign, "teachers", [(answers, 5)])
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv?role=teachers").data
    header, *rows = read_csv(data)
    assert header == TEACHER_HEADER
    assert [row[2:] for row in rows] == [["У повній мірі", COMMENT]] * 5
    assert NOTE not in data.decode("utf-8-sig")
    sheets = _sheets(member_client.get(f"/campaigns/{campaign.id}/export/responses.xlsx").data)
    assert [row[2:] for row in sheets["Вчителі"][1:]] == [("У повній мірі", COMMENT)] * 5
