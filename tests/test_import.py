"""Importing answers from CSV: Google Forms exports (headers in Ukrainian and Russian, BOM or
not, Windows-1251, semicolons, checkbox options containing commas), generic CSV with question
ids, unknown answers, re-imports and the all-or-nothing rule."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.imports import engine as importing
from app.imports.engine import CsvImportError, ImportPlan, analyze_csv, import_csv
from app.models import Answer, Response
from tests import factories
from tests.counting import counted

SOURCES = "Інформацію про критерії оцінювання я отримую…"
CLEAR = "Оцінювання моїх навчальних досягнень містить зрозумілі для мене вимоги."
GRADE = "У якому класі ви навчаєтесь?"
ACCESS = "Чи доступна інформація про критерії?"
HEADER = ["Позначка часу", GRADE, CLEAR, SOURCES, ACCESS]

ROWS = [
    ["2025/03/10 9:01:02 AM EET", "5 клас", "У повній мірі", "Від учителя-предметника", "Так"],
    [
        "2025/03/10 9:03:40 AM EET",
        "6 клас",
        "Здебільшого",
        "Від учителя-предметника, На сайті школи, у соцмережах",
        "Ні",
    ],
    ["2025/03/10 9:05:11 AM EET", "6 клас", "Частково", "", "Не знаю"],
    [
        "2025/03/10 9:07:00 AM EET",
        "7 клас",
        "Зовсім ні",
        "На сайті школи, у соцмережах, Від класного керівника",
        "",
    ],
]


def csv_bytes(
    rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False
) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def make_import_campaign(school):
    """A campaign on the small questionnaires; a students' option has a comma in its text."""
    direction = factories.make_direction()
    questionnaires = factories.small_questionnaires(direction)
    # The library's option with a comma in its text, as Google joins checkbox answers with ", ".
    sources = next(q for q in questionnaires["students"].questions if q.key == "sources")
    sources.options[2].text = "На сайті школи, у соцмережах"
    db.session.commit()
    return factories.make_campaign(school, direction, questionnaires)


@pytest.fixture
def campaign(school):
    return make_import_campaign(school)


def stored(role: str = "students") -> int:
    return db.session.scalar(select(func.count(Response.id)).where(Response.role == role))


def test_google_forms_export_imports_with_counts_and_percentages(campaign):
    data = csv_bytes([HEADER, *ROWS], bom=True)
    result = import_csv(data, campaign.link_for("students"))
    assert (result.role, result.imported, result.skipped, result.rows) == ("students", 4, 0, 4)
    assert campaign.response_counts() == {"teachers": 0, "students": 4, "parents": 0}
    analysis = counted(campaign)
    clear = analysis.question("students", "clear")
    assert [o.percent for o in clear.options] == [25.0, 25.0, 25.0, 25.0]
    assert clear.positive_share == 50.0
    sources = analysis.question("students", "sources")
    assert sources.answered == 3
    assert [(o.key, o.count) for o in sources.options] == [
        ("teacher", 2),
        ("class_teacher", 1),
        ("site", 2),
    ]
    access = analysis.question("students", "access")
    assert (access.answered, access.unknown_count) == (3, 1)
    responses = db.session.scalars(select(Response)).all()
    assert {r.source for r in responses} == {"import"}
    assert all(r.submission_id.startswith("imp:") for r in responses)


@pytest.mark.parametrize(
    ("timestamp", "encoding", "delimiter", "bom"),
    [
        ("Позначка часу", "utf-8", ",", True),
        ("Позначка часу", "utf-8", ",", False),
        ("Отметка времени", "utf-8", ";", False),
        ("Отметка времени", "cp1251", ",", False),
        ("Позначка часу", "cp1251", ";", False),
        ("Timestamp", "utf-8", ";", True),
    ],
)
def test_encodings_delimiters_and_localised_timestamp_headers(
    campaign, timestamp, encoding, delimiter, bom
):
    data = csv_bytes(
        [[timestamp, *HEADER[1:]], *ROWS], delimiter=delimiter, encoding=encoding, bom=bom
    )
    analysis = analyze_csv(data, campaign.link_for("students"))
    expected_encoding = "cp1251" if encoding == "cp1251" else "utf-8-sig"
    assert (analysis.encoding, analysis.delimiter, analysis.kind) == (
        expected_encoding,
        delimiter,
        "google",
    )
    assert analysis.mapping() == {1: "grade", 2: "clear", 3: "sources", 4: "access"}
    assert analysis.ready and analysis.rows == 4
    assert import_csv(data, campaign.link_for("students")).imported == 4
    sources = counted(campaign).question("students", "sources")
    assert sources.option("site").count == 2


def test_headers_match_tolerating_case_spaces_quotes_numbers_and_appended_instruction(campaign):
    header = [
        "Позначка часу",
        "  у якому КЛАСІ   ви навчаєтесь? ",
        "2. «Оцінювання моїх навчальних досягнень містить зрозумілі для мене вимоги»",
        SOURCES + " (можна обрати кілька варіантів)",
        '"Чи доступна інформація про критерії?"',
        "Ваш коментар",
    ]
    rows = [[*row, ""] for row in ROWS]
    analysis = analyze_csv(csv_bytes([header, *rows]), campaign.link_for("students"))
    assert [(c.question_key, c.how) for c in analysis.columns] == [
        (None, "timestamp"),
        ("grade", "text"),
        ("clear", "text"),
        ("sources", "prefix"),
        ("access", "text"),
        (None, None),
    ]


def test_unknown_answer_is_listed_and_nothing_is_stored(campaign):
    rows = [list(row) for row in ROWS]
    rows[1][2] = "Майже завжди"
    rows[3][2] = "майже завжди "
    rows[2][3] = "Від учителя-предметника, Від бабусі"
    data = csv_bytes([HEADER, *rows])
    link = campaign.link_for("students")
    analysis = analyze_csv(data, link)
    assert [(u.question_key, u.value, u.rows, u.count) for u in analysis.unknown] == [
        ("clear", "Майже завжди", [3, 5], 2),
        ("sources", "Від бабусі", [4], 1),
    ]
    with pytest.raises(CsvImportError) as caught:
        import_csv(data, link)
    assert caught.value.unknown_answers
    assert caught.value.details == [
        "clear: «Майже завжди» — рядки 3, 5",
        "sources: «Від бабусі» — рядки 4",
    ]
    assert stored() == 0

    plan = ImportPlan(answers={("clear", "майже завжди"): "mostly"}, skip_unknown=False)
    with pytest.raises(CsvImportError):
        import_csv(data, link, plan)
    plan.answers[("sources", "від бабусі")] = "class_teacher"
    assert import_csv(data, link, plan).imported == 4
    clear = counted(campaign).question("students", "clear")
    assert [o.count for o in clear.options] == [1, 2, 1, 0]
    sources = counted(campaign).question("students", "sources")
    assert sources.option("class_teacher").count == 2


def test_skip_unknown_drops_only_the_unknown_answers(campaign):
    rows = [list(row) for row in ROWS]
    rows[0][3] = "Від учителя-предметника, Від бабусі"
    result = import_csv(
        csv_bytes([HEADER, *rows]), campaign.link_for("students"), ImportPlan(skip_unknown=True)
    )
    assert result.imported == 4
    assert counted(campaign).question("students", "sources").option("teacher").count == 2


def test_reimporting_the_same_file_stores_nothing_twice(campaign):
    data = csv_bytes([HEADER, *ROWS], bom=True)
    link = campaign.link_for("students")
    assert import_csv(data, link).imported == 4
    again = import_csv(data, link)
    assert (again.imported, again.skipped) == (0, 4)
    assert stored() == 4
    # One more row is a different file: its four old rows are new submissions too.
    bigger = csv_bytes([HEADER, *ROWS, ROWS[0]], bom=True)
    assert import_csv(bigger, link).imported == 5
    assert stored() == 9


def test_a_row_with_a_problem_stops_the_whole_file(campaign):
    rows = [list(row) for row in ROWS]
    rows[2][2] = ""  # «clear» is required
    rows.append(["x", "5 клас"])  # too few cells
    with pytest.raises(CsvImportError) as caught:
        import_csv(csv_bytes([HEADER, *rows]), campaign.link_for("students"))
    assert str(caught.value) == "Помилок у файлі: 2; нічого не імпортовано."
    assert caught.value.details == [
        "Рядок 4: немає відповіді на обов'язкове запитання 2 («Оцінювання моїх навчальних "
        "досягнень містить зрозумілі для…»).",
        "Рядок 6: клітинок 2, а стовпців у заголовку 5.",
    ]
    assert stored() == 0


def test_a_failure_in_a_later_batch_rolls_back_the_earlier_ones(campaign, monkeypatch):
    calls = []
    original = importing._insert_batch

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(importing, "_insert_batch", failing)
    with pytest.raises(RuntimeError):
        import_csv(csv_bytes([HEADER, *ROWS]), campaign.link_for("students"), batch_size=2)
    assert len(calls) == 2
    assert stored() == 0
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_batches_store_every_row(campaign):
    rows = [[f"t{index}", *ROWS[index % 4][1:]] for index in range(7)]
    result = import_csv(csv_bytes([HEADER, *rows]), campaign.link_for("students"), batch_size=3)
    assert result.imported == 7
    assert db.session.scalar(select(func.count(Answer.id))) == (4 + 5 + 3 + 4) + (
        4 + 5 + 3
    )  # answers per row


def test_generic_csv_with_question_ids(campaign):
    rows = [
        ["understand", "comment"],
        ["full", "Більше прикладів"],
        ["Здебільшого", ""],
        ["mostly", ""],
    ]
    link = campaign.link_for("teachers")
    analysis = analyze_csv(csv_bytes(rows, delimiter=";"), link)
    assert analysis.kind == "generic"
    assert analysis.mapping() == {0: "understand", 1: "comment"}
    assert import_csv(csv_bytes(rows, delimiter=";"), link).imported == 3
    understand = counted(campaign).question("teachers", "understand")
    assert [o.count for o in understand.options] == [1, 2, 0, 0]
    texts = db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))).all()
    assert texts == ["Більше прикладів"]


def test_column_plan_overrides_the_proposal(campaign):
    header = ["Позначка часу", "Клас", CLEAR, SOURCES, ACCESS]
    link = campaign.link_for("students")
    proposed = analyze_csv(csv_bytes([header, *ROWS]), link)
    assert proposed.columns[1].question_key is None
    plan = ImportPlan(columns={1: "grade", 4: None})
    analysis = analyze_csv(csv_bytes([header, *ROWS]), link, plan)
    assert analysis.mapping() == {1: "grade", 2: "clear", 3: "sources"}
    assert import_csv(csv_bytes([header, *ROWS]), link, plan).imported == 4
    assert counted(campaign).question("students", "access").answered == 0
    with pytest.raises(CsvImportError, match="два стовпці"):
        analyze_csv(csv_bytes([header, *ROWS]), link, ImportPlan(columns={1: "clear"}))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Файл порожній."),
        ("Zeitstempel,Frage\nà,é\n".encode("latin-1"), "кодування UTF-8 і Windows-1251"),
        ("Позначка часу\tКлас\n1\t2\n".encode(), "кома і крапка з комою"),
        (b"PK\x03\x04\x00\x00binary", "Це не файл CSV"),
        ("Позначка часу,Колір очей\n1,2\n".encode(), "Жоден стовпець не збігся"),
        (f"Позначка часу,{GRADE}\n".encode(), "немає жодного рядка"),
        (f'Позначка часу,{GRADE}\n1,"5 клас\n'.encode(), "Файл CSV пошкоджений"),
    ],
)
def test_unreadable_files_give_a_clear_error_and_store_nothing(campaign, data, message):
    with pytest.raises(CsvImportError, match=message):
        import_csv(data, campaign.link_for("students"))
    assert stored() == 0


def test_the_bundled_parents_questionnaire_splits_options_with_commas(app, school):
    from app.staff.services import create_campaign
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()
    campaign = create_campaign(school, "assessment-system", "2024-2025")
    link = campaign.link_for("parents")
    texts = {q.key: q.text for q in link.questionnaire.questions}
    header = ["Отметка времени", texts["p4"]]
    rows = [
        ["1", "Від дитини, На сайті школи, у соцмережах, В електронному щоденнику"],
        ["2", "На сайті школи, у соцмережах"],
    ]
    plan = ImportPlan()
    analysis = analyze_csv(csv_bytes([header, *rows], encoding="cp1251"), link, plan)
    assert analysis.mapping() == {1: "p4"}
    required = [q.key for q in link.questionnaire.questions if q.required and q.key != "p4"]
    assert len(analysis.problems) == min(importing.MAX_PROBLEMS, 2 * len(required))
    # The real export has every column; ignore the required ones by marking them optional here.
    for question in link.questionnaire.questions:
        question.required = False
    db.session.commit()
    result = import_csv(csv_bytes([header, *rows], encoding="cp1251"), link)
    assert result.imported == 2
    p4 = counted(campaign).question("parents", "p4")
    assert (p4.option("site").count, p4.option("child").count, p4.option("diary").count) == (
        2,
        1,
        1,
    )


# --- the command ---------------------------------------------------------------------------------


def write(tmp_path: Path, data: bytes, name: str = "answers.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_cli_imports_and_reports_counts_per_role(runner, campaign, tmp_path):
    path = write(tmp_path, csv_bytes([HEADER, *ROWS], bom=True))
    args = ["responses", "import", str(campaign.id), "--role", "students", path]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Імпортовано відповідей (students): 4; уже були імпортовані раніше: 0." in result.output
    assert "Усього відповідей: teachers: 0, students: 4, parents: 0." in result.output
    again = runner.invoke(args=args)
    assert "Імпортовано відповідей (students): 0; уже були імпортовані раніше: 4." in again.output
    assert stored() == 4


def test_cli_lists_unknown_answers_and_accepts_map(runner, campaign, tmp_path):
    rows = [list(row) for row in ROWS]
    rows[1][2] = "Майже завжди"
    path = write(tmp_path, csv_bytes([HEADER, *rows]))
    args = ["responses", "import", str(campaign.id), "--role", "students", path]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "clear: «Майже завжди» — рядки 3" in result.output
    assert "--map" in result.output
    assert "Відповіді, яких немає серед варіантів: 1; нічого не імпортовано." in result.output
    assert stored() == 0
    mapped = runner.invoke(args=[*args, "--map", f"{CLEAR}=Майже завжди:mostly"])
    assert mapped.exit_code == 0, mapped.output
    assert stored() == 1 + 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--map", "clear=Майже:often"], "немає варіанта «often»"),
        (["--map", "nonsense"], "очікується"),
        (["--column", "Колір=grade"], "такого стовпця"),
    ],
)
def test_cli_bad_options_are_one_line_errors(runner, campaign, tmp_path, extra, message):
    path = write(tmp_path, csv_bytes([HEADER, *ROWS]))
    result = runner.invoke(
        args=["responses", "import", str(campaign.id), "--role", "students", path, *extra]
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_unknown_campaign_and_missing_file(runner, campaign, tmp_path):
    path = write(tmp_path, csv_bytes([HEADER, *ROWS]))
    result = runner.invoke(args=["responses", "import", "999", "--role", "students", path])
    assert result.exit_code == 1 and "Кампанію 999 не знайдено." in result.output
    result = runner.invoke(
        args=["responses", "import", str(campaign.id), "--role", "students", "/nope.csv"]
    )
    assert result.exit_code == 1 and "файл не знайдено" in result.output


# --- the console script: details on stdout, one line on stderr ----------------------------------


@pytest.fixture(scope="module")
def console_db(tmp_path_factory):
    """A migrated SQLite file with the library, a school and a campaign (id 1)."""
    database = tmp_path_factory.mktemp("import-console") / "anketa.db"
    assert anketa(database, "db", "upgrade").returncode == 0
    assert anketa(database, "questionnaires", "load").returncode == 0
    assert anketa(database, "schools", "create", "school-a", "--name", "Гімназія").returncode == 0
    created = anketa(
        database, "campaigns", "create", "--school", "school-a",
        "--direction", "assessment-system", "--year", "2024-2025",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    return database


def anketa(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "ANKETA_"))}
    env.update({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x"})
    return subprocess.run(
        [str(Path(sys.executable).with_name("anketa")), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "campaign_id", "message", "details"),
    [
        ([["Отметка времени", "Колір очей"], ["1", "2"]], "1", "Жоден стовпець не збігся", ""),
        ([["Позначка часу"], ["1"]], "99", "Кампанію 99 не знайдено.", ""),
        (
            [["Позначка часу", "У якому класі ви навчаєтесь?"], ["1", "13 клас"]],
            "1",
            "Відповіді, яких немає серед варіантів: 1; нічого не імпортовано.",
            "s1: «13 клас» — рядки 2\nДодайте --map",
        ),
    ],
)
def test_console_script_errors_are_one_line(
    console_db, tmp_path, rows, campaign_id, message, details
):
    path = write(tmp_path, csv_bytes(rows))
    result = anketa(console_db, "responses", "import", campaign_id, "--role", "students", path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Помилка:") and message in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert details in result.stdout
