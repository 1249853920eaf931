"""Exports: anonymised responses as CSV and XLSX round-trip to the stored answers; tables XLSX."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.exports.commands import export_command
from app.exports.writers import HIDDEN_GROUP, MULTIPLE_SEPARATOR, csv_chunks
from app.extensions import db
from app.models import Answer, Campaign, Option, Question, Response
from app.results.service import analyze_campaign
from tests import factories

TRICKY_TEXTS = [
    "Більше прозорості, будь ласка",
    'Вчитель сказав: "оцінка — це не вирок", і я згоден',
    "Перший рядок\nдругий рядок; ще «лапки»\r\nтретій",
    "=1+2 (не формула)",
    "  пробіли з обох боків  ",
    "Ґанок, їжак, є: ЄЇҐ",
]


@pytest.fixture
def campaign(school) -> Campaign:
    """The small questionnaires with tricky texts, multiple choice and skipped questions."""
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    for i, text in enumerate(TRICKY_TEXTS):
        factories.make_response(
            campaign, "teachers", {"understand": ["full", "mostly", "partly"][i % 3],
                                   "comment": text}
        )  # fmt: skip
    factories.make_response(campaign, "teachers", {"understand": "none"})  # no comment
    factories.make_response(campaign, "teachers", {})  # nothing answered at all
    student_answers = [
        {"grade": "g5", "clear": "full", "sources": ["teacher", "site"], "access": "yes"},
        {"grade": "g6", "clear": "none", "sources": ["class_teacher"]},
        {"grade": "g7", "clear": "partly", "access": "dont_know"},  # multiple skipped
        {"grade": "g5", "clear": "mostly", "sources": ["site", "class_teacher", "teacher"]},
        {"clear": "full", "access": "yes"},  # no grade: 5 students, a role that is shown
    ]
    for answers in student_answers:
        factories.make_response(campaign, "students", answers)
    in_made_order()
    return campaign


def in_made_order() -> None:
    """Give the responses made so far shuffle keys in the order they were made, so that a test
    can name export rows by position (the export's order is the shuffle keys' order, never
    the ids': tests/test_respondent_trust.py shows that on random keys)."""
    db.session.execute(update(Response).values(shuffle_key=Response.id))
    db.session.commit()


def stored_rows(campaign: Campaign, role: str) -> list[dict[str, list[str] | str]]:
    """The stored answers of a role's responses in shuffle key order (the export's):
    {key: [option texts] or text}."""
    result = []
    responses = db.session.scalars(
        select(Response)
        .where(Response.campaign_id == campaign.id, Response.role == role)
        .order_by(Response.shuffle_key, Response.submission_id)
    ).all()
    for response in responses:
        answers: dict[str, list[str] | str] = {}
        for answer in response.answers:
            question = db.session.get(Question, answer.question_id)
            if answer.option_id is None:
                answers[question.key] = answer.text
            else:
                option = db.session.get(Option, answer.option_id)
                answers.setdefault(question.key, []).append(option)
        for key, value in answers.items():
            if isinstance(value, list):
                answers[key] = [o.text for o in sorted(value, key=lambda o: o.position)]
        result.append(answers)
    return result


#: The fixture's grades have 2, 1 and 1 students: each is below the privacy threshold (5).
SMALL_GRADES = frozenset({"5 клас", "6 клас", "7 клас"})


def expected_table(
    campaign: Campaign, role: str, hidden_grades: frozenset[str] = SMALL_GRADES
) -> list[list[str]]:
    """What a role's export must hold (as CSV strings): built straight from the stored rows,
    with the ``hidden_grades`` written as hidden."""
    questionnaire = campaign.link_for(role).questionnaire
    header = ["№", "Дата"]
    rows = []
    for question in questionnaire.questions:
        header.append(f"{question.number}. {question.text}")
        if question.type == "multiple":
            header += [f"{question.number}. {question.text}: {o.text}" for o in question.options]
    dates = db.session.scalars(
        select(Response.submitted_on)
        .where(Response.campaign_id == campaign.id, Response.role == role)
        .order_by(Response.shuffle_key, Response.submission_id)
    ).all()
    for number, (answers, submitted) in enumerate(
        zip(stored_rows(campaign, role), dates, strict=True), start=1
    ):
        row = [str(number), submitted.isoformat()]
        for question in questionnaire.questions:
            value = answers.get(question.key)
            if question.type == "text":
                row.append(value or "")
            elif question.segment and value and value[0] in hidden_grades:
                row.append(HIDDEN_GROUP)
            else:
                row.append(MULTIPLE_SEPARATOR.join(value) if value else "")
            if question.type == "multiple":
                row += [str(int(o.text in value)) if value else "" for o in question.options]
        rows.append(row)
    return [header, *rows]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("role", ["teachers", "students"])
def test_csv_round_trips_to_stored_answers(member_client, campaign, role):
    url = f"/campaigns/{campaign.id}/export/responses.csv?role={role}&raw=1"  # texts as stored
    response = member_client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=anketa-school-a-2024-2025-responses-{role}.csv"
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.is_streamed
    assert read_csv(response.data) == expected_table(campaign, role)


def test_csv_texts_exact(member_client, campaign):
    url = f"/campaigns/{campaign.id}/export/responses.csv?role=teachers&raw=1"
    table = read_csv(member_client.get(url).data)
    comments = [row[-1] for row in table[1:]]
    assert comments == [*TRICKY_TEXTS, "", ""]
    assert table[0][-1] == "8. Ваші пропозиції"


def test_csv_multiple_choice_joined_and_flags(member_client, campaign):
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv?role=students").data
    header, first, second, third, fourth, _fifth = read_csv(data)
    at = header.index("9. Інформацію про критерії оцінювання я отримую…")
    assert header[at + 1 : at + 4] == [
        "9. Інформацію про критерії оцінювання я отримую…: Від учителя-предметника",
        "9. Інформацію про критерії оцінювання я отримую…: Від класного керівника",
        "9. Інформацію про критерії оцінювання я отримую…: На сайті школи, у соцмережах",
    ]
    assert first[at : at + 4] == [
        "Від учителя-предметника; На сайті школи, у соцмережах", "1", "0", "1"
    ]  # fmt: skip
    assert third[at : at + 4] == ["", "", "", ""]  # skipped: no 0/1 either
    # Ticked in another order, written in the questionnaire's order.
    assert fourth[at] == (
        "Від учителя-предметника; Від класного керівника; На сайті школи, у соцмережах"
    )
    assert first[header.index("4. Чи доступна інформація про критерії?")] == "Так"
    assert second[header.index("4. Чи доступна інформація про критерії?")] == ""


def test_export_is_anonymous(member_client, campaign):
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv?role=teachers").data
    text = data.decode("utf-8-sig")
    for submission_id in db.session.scalars(select(Response.submission_id)):
        assert submission_id not in text
    assert ":" not in read_csv(data)[1][1]  # the date only, no time


@pytest.mark.parametrize("query", ["", "?role=", "?role=admins"])
def test_csv_needs_a_role(member_client, campaign, query):
    response = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv{query}")
    assert response.status_code == 404


def test_xlsx_round_trips_to_stored_answers(member_client, campaign):
    response = member_client.get(f"/campaigns/{campaign.id}/export/responses.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=anketa-school-a-2024-2025-responses.xlsx"
    )
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == ["Вчителі", "Учні", "Батьки"]
    for role, title in (("teachers", "Вчителі"), ("students", "Учні"), ("parents", "Батьки")):
        rows = []
        for row in workbook[title].iter_rows(values_only=True):
            cells = []
            for index, value in enumerate(row):
                if value is None:
                    cells.append("")
                elif index == 1 and hasattr(value, "date"):
                    cells.append(value.date().isoformat())
                else:
                    cells.append(str(value))
            rows.append(cells)
        expected = expected_table(campaign, role)
        # openpyxl's reader drops the empty cells at the end of a row: pad them back.
        rows = [row + [""] * (len(expected[0]) - len(row)) for row in rows]
        assert rows == expected, role
    workbook.close()


def test_small_grades_are_hidden_in_the_responses(member_client, school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    factories.make_responses(
        campaign,
        "students",
        [
            ({"grade": "g5", "clear": "full"}, 6),
            ({"grade": "g6", "clear": "none"}, 2),  # too small: hidden
            ({"grade": "g7", "clear": "mostly"}, 7),
            ({"clear": "partly"}, 1),  # no grade given
        ],
    )
    in_made_order()
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv?role=students").data
    header, *rows = read_csv(data)
    grades = [row[2] for row in rows]
    # g6 alone would be recognisable as «the hidden one»: the smallest shown grade, g5, goes too.
    assert grades == [HIDDEN_GROUP] * 8 + ["7 клас"] * 7 + [""]
    assert [row[3] for row in rows][:8] == ["У повній мірі"] * 6 + ["Зовсім ні"] * 2
    assert (
        read_csv(data)[1:]
        == expected_table(campaign, "students", frozenset({"5 клас", "6 клас"}))[1:]
    )

    # The results page hides g6 and the one-student «Не вказано» cell; together they hold 3,
    # which the total minus the shown grades would give away: g5 goes too.
    cells = analyze_campaign(campaign).question("students", "clear").segment_breakdown.cells
    assert {cell.segment_key: cell.reason for cell in cells} == {
        "g5": "complementary", "g6": "small_group", "g7": None, "": "small_group"
    }  # fmt: skip

    workbook = load_workbook(io.BytesIO(
        member_client.get(f"/campaigns/{campaign.id}/export/responses.xlsx").data
    ))  # fmt: skip
    column = [row[2] for row in workbook["Учні"].iter_rows(min_row=2, values_only=True)]
    assert column == [HIDDEN_GROUP] * 8 + ["7 клас"] * 7 + [None]


def test_xlsx_text_never_becomes_formula(member_client, campaign):
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.xlsx").data
    sheet = load_workbook(io.BytesIO(data))["Вчителі"]
    cell = sheet.cell(row=5, column=4)
    assert cell.value == "=1+2 (не формула)"
    assert cell.data_type == "s"


def test_versions_merged_by_key(member_client, campaign):
    """Responses to an older questionnaire version land in the same columns by key."""
    old = factories.make_questionnaire(
        campaign.direction, "parents",
        [{"key": "understand", "number": 3, "text": "Старе формулювання",
          "options": factories.DEGREE}],
        version=0,
    )  # fmt: skip
    db.session.add(
        Response(campaign_id=campaign.id, questionnaire_id=old.id, role="parents",
                 submission_id="old-version-1", source="test",
                 answers=[Answer(campaign_id=campaign.id, question_id=old.questions[0].id,
                                 option_id=old.questions[0].options[1].id)])
    )  # fmt: skip
    db.session.commit()
    factories.make_responses(campaign, "parents", [({"understand": "full"}, 4)])  # 5 in all
    in_made_order()
    data = member_client.get(f"/campaigns/{campaign.id}/export/responses.csv?role=parents").data
    header, first, *rest = read_csv(data)
    assert header == ["№", "Дата", "5. Я розумію що таке критерії оцінювання."]
    assert [first[2], *(row[2] for row in rest)] == ["Здебільшого"] + ["У повній мірі"] * 4


def test_director_cannot_export_responses(director_client, campaign):
    for path in ("responses.xlsx", "responses.csv?role=teachers"):
        assert director_client.get(f"/campaigns/{campaign.id}/export/{path}").status_code == 403


def test_tables_xlsx(director_client, campaign):
    ungraded = db.session.scalars(
        select(Response).where(Response.role == "students").order_by(Response.id.desc())
    ).first()
    db.session.delete(ungraded)  # 4 students left: a role hidden as a whole
    db.session.commit()
    response = director_client.get(f"/campaigns/{campaign.id}/export/tables.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Вчителі", "Учні", "Батьки", "Розбіжності", "Вимоги"]
    teachers = list(workbook["Вчителі"].iter_rows(values_only=True))
    assert teachers[0] == ("№", "Питання", "Варіант", "Кількість", "Відсоток", "Відповіли",
                           "Позитивна частка, %")  # fmt: skip
    # 8 teachers: 2 full, 2 mostly, 2 partly, 1 none answered «understand» (7 answered).
    understand = [row for row in teachers[1:] if row[0] == 7]
    assert [(row[2], row[3], row[4]) for row in understand] == [
        ("У повній мірі", 2, 28.6), ("Здебільшого", 2, 28.6), ("Частково", 2, 28.6),
        ("Зовсім ні", 1, 14.3),
    ]  # fmt: skip
    assert {row[5] for row in understand} == {7}
    assert {row[6] for row in understand} == {57.1}
    assert [row for row in teachers[1:] if row[0] == 8] == [
        (8, "Ваші пропозиції", "(відкриті відповіді)", 6, None, 6, None)
    ]
    gaps = list(workbook["Розбіжності"].iter_rows(values_only=True))
    assert gaps[0][:4] == ("Конструкт", "Питання", "Група 1", "Група 2")
    # 4 students: a count and the words, no figures and no gap with them.
    assert not [row for row in gaps[1:] if "students" in row[2:4]]
    students = list(workbook["Учні"].iter_rows(values_only=True))
    assert students[1] == (None, "Респонденти", "замало відповідей для аналізу (менше 5)", 4,
                           None, None, None)  # fmt: skip
    assert all(row[4] is None and row[6] is None for row in students[1:])


def test_tables_xlsx_match_the_analysis_on_the_seed(member_client, school):
    from tests.seed_campaign import make_seed_campaign

    campaign = make_seed_campaign(school)
    data = member_client.get(f"/campaigns/{campaign.id}/export/tables.xlsx").data
    workbook = load_workbook(io.BytesIO(data))
    students = [row for row in workbook["Учні"].iter_rows(values_only=True) if row[0] == 2]
    assert [row[4] for row in students] == [25.4, 33.8, 18.3, 22.5]
    gaps = list(workbook["Розбіжності"].iter_rows(values_only=True))
    first = next(row for row in gaps if row[0] == "criteria_understanding")
    assert (first[2], first[3], first[7], first[8], first[9], first[12]) == (
        "teachers", "students", 100.0, 59.2, 40.8, "так"
    )  # fmt: skip


def test_csv_chunks_stream_in_pieces(app, campaign):
    """More rows than a chunk: the CSV arrives in several pieces (a streamed response)."""
    factories.make_responses(campaign, "parents", [({"understand": "full"}, 1001)])
    chunks = list(csv_chunks(campaign, "parents"))
    assert len(chunks) == 3
    rows = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert len(rows) == 1002
    assert rows[-1][0] == "1001"


# CLI --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["teachers", "students"])
def test_cli_export_csv(runner, campaign, tmp_path, role):
    target = tmp_path / f"{role}.csv"
    args = [str(campaign.id), "-o", str(target), "--role", role, "--raw"]
    result = runner.invoke(export_command, args)
    assert result.exit_code == 0, result.output
    assert read_csv(target.read_bytes()) == expected_table(campaign, role)


def test_cli_export_xlsx_and_tables(runner, campaign, tmp_path):
    responses = tmp_path / "responses.xlsx"
    result = runner.invoke(export_command, [str(campaign.id), "-o", str(responses)])
    assert result.exit_code == 0, result.output
    assert load_workbook(responses).sheetnames == ["Вчителі", "Учні", "Батьки"]
    tables = tmp_path / "tables.xlsx"
    result = runner.invoke(export_command, [str(campaign.id), "-o", str(tables), "--tables"])
    assert result.exit_code == 0, result.output
    assert "Розбіжності" in load_workbook(tables).sheetnames


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{id}", "-o", "{dir}/x.txt"], "файл має закінчуватися на .csv або .xlsx"),
        (["{id}", "-o", "{dir}/x.csv"], "вкажіть --role"),
        (["{id}", "-o", "{dir}/x.csv", "--role", "teachers", "--tables"], "вкажіть --role"),
        (["999999", "-o", "{dir}/x.xlsx"], "Кампанію 999999 не знайдено."),
        (["{id}", "-o", "{dir}/missing/x.xlsx"], "Не вдалося записати"),
    ],
)
def test_cli_export_errors_are_one_line(campaign, database_url, tmp_path, args, message):
    argv = [a.format(id=campaign.id, dir=tmp_path) for a in args]
    code = "import sys; from app.cli import main; main(sys.argv[1:])"  # the console script's
    result = subprocess.run(
        [sys.executable, "-c", code, "export", *argv],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "SECRET_KEY": "x",
             "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Помилка: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr
