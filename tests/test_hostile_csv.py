"""Hostile CSV files (issue 11): a header of 100,000 columns, a header cell or a data cell far
too long. Each is refused with a message naming the cap, before anything is built from it:
nothing stored, no upload kept, and the header scan stops at the cap (counted, not timed)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.imports import engine as importing
from app.imports.engine import MAX_COLUMNS, MAX_HEADER_CELL, CsvImportError, analyze_csv
from app.models import Answer, Response
from tests.test_import import CLEAR, HEADER, ROWS, csv_bytes, make_import_campaign

WIDE_COLUMNS = 100_000


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"ANKETA_IMPORT_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def campaign(school):
    return make_import_campaign(school)


def wide_file() -> bytes:
    """A Google-like export whose header has 100,000 more columns (1.4 MB: under the 2 MB a
    request may carry, as the file that was tried on the server was)."""
    header = [*HEADER, *(f"q{index}" for index in range(WIDE_COLUMNS))]
    row = [*ROWS[0], *(["Так"] * WIDE_COLUMNS)]
    return csv_bytes([header, row, [*ROWS[1], *([""] * WIDE_COLUMNS)]])


class CountingStream(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes, reads: list[int]) -> None:
        super().__init__(data)
        self.reads = reads
        self.reads.append(0)
        self.index = len(reads) - 1

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.reads[self.index] += len(chunk)
        return chunk

    def readinto(self, buffer) -> int:  # TextIOWrapper reads through read1/readinto
        count = super().readinto(buffer)
        self.reads[self.index] += count
        return count

    def read1(self, size: int = -1) -> bytes:
        chunk = super().read1(size)
        self.reads[self.index] += len(chunk)
        return chunk


def stored() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def test_a_header_of_100000_columns_is_refused_after_reading_only_its_start(campaign, monkeypatch):
    data = wide_file()
    assert len(data) > 1_300_000
    reads: list[int] = []
    monkeypatch.setattr(importing, "_open", lambda source: CountingStream(source, reads))
    parsed: list[int] = []
    real_rows = importing._rows
    monkeypatch.setattr(
        importing,
        "_rows",
        lambda *args: (parsed.append(len(row)) or row for row in real_rows(*args)),
    )
    proposed: list[int] = []
    monkeypatch.setattr(importing, "propose_columns", lambda *args: proposed.append(1))
    link = campaign.link_for("students")
    with pytest.raises(CsvImportError) as caught:
        analyze_csv(data, link)
    assert str(caught.value).startswith(
        f"У файлі забагато стовпців: можна не більше {MAX_COLUMNS}."
    )
    # The first pass hashes the whole file (in chunks, constant memory); the header scan then
    # stops at column 501, some 3 KB in, so the CSV reader never builds the 100,000 cells.
    assert reads[0] == len(data)
    assert len(reads) == 2 and reads[1] <= 64 * 1024
    assert parsed == [] and proposed == []
    assert stored() == 0


def test_the_web_upload_refuses_it_and_keeps_no_file(member_client, campaign, app):
    # Encoded here: the test client would spool a body this large to a temporary file that
    # nothing closes.
    boundary, body = encode_multipart(
        MultiDict({"role": "students", "file": FileStorage(io.BytesIO(wide_file()), "wide.csv")})
    )
    response = member_client.post(
        f"/campaigns/{campaign.id}/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200  # the upload form again, with the message
    page = response.get_data(as_text=True)
    assert f"У файлі забагато стовпців: можна не більше {MAX_COLUMNS}." in page
    assert list(Path(app.config["ANKETA_IMPORT_DIR"]).iterdir()) == []
    assert stored() == 0


def test_the_command_refuses_it(runner, campaign, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_file())
    args = ["responses", "import", str(campaign.id), "--role", "students", str(path)]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert f"У файлі забагато стовпців: можна не більше {MAX_COLUMNS}." in result.output
    with_column = runner.invoke(args=[*args, "--column", f"{CLEAR}=clear"])
    assert with_column.exit_code == 1
    assert "забагато стовпців" in with_column.output
    assert stored() == 0


def test_500_columns_are_still_read(campaign):
    header = [*HEADER, *(f"Зайвий стовпець {index}" for index in range(MAX_COLUMNS - len(HEADER)))]
    rows = [[*row, *([""] * (MAX_COLUMNS - len(HEADER)))] for row in ROWS]
    analysis = analyze_csv(csv_bytes([header, *rows]), campaign.link_for("students"))
    assert len(analysis.columns) == MAX_COLUMNS and analysis.rows == 4 and analysis.ready


def test_quoted_delimiters_and_line_breaks_in_a_header_are_not_columns(campaign):
    header = [*HEADER, *(f"Стовпець, {index};\nз комою" for index in range(MAX_COLUMNS - 10))]
    rows = [[*row, *([""] * (MAX_COLUMNS - 10))] for row in ROWS]
    analysis = analyze_csv(csv_bytes([header, *rows]), campaign.link_for("students"))
    assert len(analysis.columns) == MAX_COLUMNS - 10 + len(HEADER)


def test_a_too_long_header_cell_is_refused(member_client, campaign, app):
    header = [HEADER[0], "Х" * (MAX_HEADER_CELL + 1), *HEADER[1:]]
    data = csv_bytes([header, *[[row[0], "", *row[1:]] for row in ROWS]])
    with pytest.raises(
        CsvImportError, match=f"Заголовок стовпця 2 задовгий \\({MAX_HEADER_CELL + 1} символів\\)"
    ):
        analyze_csv(data, campaign.link_for("students"))
    response = member_client.post(
        f"/campaigns/{campaign.id}/import",
        data={"role": "students", "file": (io.BytesIO(data), "long.csv")},
        content_type="multipart/form-data",
    )
    assert f"можна не більше {MAX_HEADER_CELL}." in response.get_data(as_text=True)
    assert list(Path(app.config["ANKETA_IMPORT_DIR"]).iterdir()) == []


def test_a_too_long_cell_is_a_problem_of_its_row_and_is_not_matched(campaign, monkeypatch):
    rows = [list(row) for row in ROWS]
    rows[2][3] = "Від учителя-предметника, " * 1000  # 25,000 characters in a checkbox cell
    matched: list[str] = []
    real_match = importing._QuestionMatcher._match
    monkeypatch.setattr(
        importing._QuestionMatcher,
        "_match",
        lambda self, cell: matched.append(cell) or real_match(self, cell),
    )
    analysis = analyze_csv(
        csv_bytes([HEADER, *rows]), campaign.link_for("students"), max_text_length=5000
    )
    assert analysis.problems == [
        "Рядок 4: клітинка «sources» задовга (24999 символів, можна не більше 6000)."
    ]
    assert all(len(cell) < 100 for cell in matched)


def test_control_characters_in_an_imported_open_answer_are_dropped(campaign):
    data = csv_bytes([["understand", "comment"], ["full", "Дуже\x1b[31m добре\x0b\x7f"]])
    importing.import_csv(data, campaign.link_for("teachers"))
    texts = db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))).all()
    assert texts == ["Дуже[31m добре"]
