"""Property-based fuzzing of the two file parsers a person feeds: questionnaire YAML files and
CSV imports. Whatever the bytes: a clear error (file, line, field for YAML; a Ukrainian message
for CSV) or a clean result — never another exception, never anything half-stored.

tests/test_questionnaires.py already mutates valid files one character at a time; here the
files are arbitrary bytes, broken encodings and random YAML structures.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.imports.engine import CsvImportError, ImportResult, analyze_csv, import_csv
from app.models import Direction, Questionnaire, Response
from app.surveys.definitions.library import (
    DefinitionError,
    ValidationError,
    load_questionnaires,
    validate_paths,
)
from tests import factories
from tests.test_questionnaires import FILES, write_library

SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}

# --- questionnaire files ----------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["single", "multiple", "text", "degree", "yes_no", "t1", "2.1", "demo"]),
)
keys = st.one_of(
    st.sampled_from(
        [
            "id",
            "direction",
            "role",
            "title",
            "questions",
            "options",
            "scale",
            "type",
            "number",
            "text",
            "required",
            "topic",
            "measures",
            "segment",
            "requirements",
            "topics",
            "levels",
            "scales",
            "value",
            "instruction",
            "translations",
        ]
    ),
    st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=6)
    ),
    max_leaves=40,
)


def check_errors(errors: list, text_lines: int | None = None) -> None:
    for error in errors:
        assert isinstance(error, ValidationError)
        # The field is empty for the document as a whole («очікується словник …»).
        assert error.file and isinstance(error.field, str) and error.message, str(error)
        assert error.line >= 0
        if text_lines is not None:
            assert error.line <= text_lines + 1, str(error)


@settings(max_examples=200, **SETTINGS)
@given(name=st.sampled_from(sorted(FILES)), document=documents)
def test_any_yaml_structure_gives_errors_never_an_exception(name, document):
    text = yaml.safe_dump(document, allow_unicode=True)
    with tempfile.TemporaryDirectory() as root:
        folder = write_library(Path(root))
        (folder / name).write_text(text, encoding="utf-8")
        errors = validate_paths([folder])
    assert errors, "a random structure is never a valid questionnaire file"
    check_errors(errors, text.count("\n") + 1)


raw_files = st.one_of(
    st.binary(max_size=400),
    st.sampled_from(sorted(FILES)).flatmap(
        lambda name: st.sampled_from(["utf-16", "cp1251", "utf-8-sig", "latin-1"]).map(
            lambda encoding: FILES[name].encode(encoding, errors="replace")
        )
    ),
    st.builds(
        lambda head, junk: FILES["teachers.yaml"].encode()[:head] + junk,
        st.integers(0, 600),
        st.binary(min_size=1, max_size=20),
    ),
    st.sampled_from(
        [
            b"",
            b"\x00\x00\x00",
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            b"a: &x [*x]",
            b"a: !!binary AAAA",
            b"- - - - - - - - - - - - - - - - - - - - - -",
            b"{" * 500,
            b"a: " + b"[" * 200 + b"]" * 200,
        ]
    ),
)


@settings(max_examples=250, **SETTINGS)
@given(name=st.sampled_from(sorted(FILES)), content=raw_files)
def test_any_bytes_give_errors_never_an_exception(name, content):
    with tempfile.TemporaryDirectory() as root:
        folder = write_library(Path(root))
        (folder / name).write_bytes(content)
        errors = validate_paths([folder])
    check_errors(errors)


@settings(max_examples=60, **SETTINGS)
@given(content=raw_files)
def test_loading_a_broken_library_writes_nothing(app, content):
    with tempfile.TemporaryDirectory() as root:
        folder = write_library(Path(root))
        (folder / "teachers.yaml").write_bytes(content)
        try:
            load_questionnaires([folder])
        except DefinitionError as error:
            assert error.errors and str(error)
            assert db.session.scalar(select(func.count(Direction.id))) == 0
            assert db.session.scalar(select(func.count(Questionnaire.id))) == 0
        else:  # a few byte strings are a valid file (e.g. another encoding of the same text)
            db.session.rollback()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()


# --- CSV imports --------------------------------------------------------------------------------

HEADERS = [
    "Позначка часу",
    "grade",
    "clear",
    "sources",
    "access",
    "s2",
    "У якому класі ви навчаєтесь?",
]
CELLS = ["g5", "g6", "g7", "full", "mostly", "none", "5 клас", "У повній мірі", "teacher, site"]

cells = st.one_of(
    st.sampled_from(CELLS + ["", " ", "Так", "Не знаю", "2024/05/13 10:00:00"]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.builds(lambda n: "я" * n, st.integers(4990, 5020)),
)


def to_csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


csv_files = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda header, rows, delimiter, encoding: to_csv([header, *rows], delimiter).encode(
            encoding, errors="replace"
        ),
        st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=15)), max_size=7),
        st.lists(st.lists(cells, max_size=8), max_size=8),
        st.sampled_from([",", ";", "\t", "|"]),
        st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16", "latin-1"]),
    ),
    st.builds(
        lambda good, junk: good + junk,
        st.just(b"grade,clear\ng5,full\ng6,mostly\n"),
        st.binary(max_size=40),
    ),
)


@pytest.fixture
def students(school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    return campaign.link_for("students")


def responses_without_answers() -> int:
    return db.session.scalar(select(func.count(Response.id)).where(~Response.answers.any()))


@settings(max_examples=300, **SETTINGS)
@given(content=csv_files)
def test_any_csv_is_imported_whole_or_refused_with_a_message(students, content):
    before = db.session.scalar(select(func.count(Response.id)))
    try:
        analysis = analyze_csv(content, students)
    except CsvImportError as error:
        assert str(error).strip()
    else:
        assert analysis is not None
    try:
        result = import_csv(content, students)
    except CsvImportError as error:
        assert str(error).strip()
        db.session.rollback()
        assert db.session.scalar(select(func.count(Response.id))) == before
    else:
        assert isinstance(result, ImportResult)
        stored = db.session.scalar(select(func.count(Response.id)))
        assert stored == before + result.imported
    assert responses_without_answers() == 0


def test_a_nul_byte_in_an_imported_text_is_not_a_crash(school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    teachers = campaign.link_for("teachers")
    content = "understand,comment\nfull,до\x00після\n".encode()
    try:
        result = import_csv(content, teachers)
    except CsvImportError as error:
        assert str(error).strip()
    else:
        assert result.imported == 1
