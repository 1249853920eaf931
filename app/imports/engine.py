"""Importing answers collected elsewhere: Google Forms' CSV export or a generic CSV.

Two kinds of file are understood:

- **Google Forms** (as a school downloads it): a timestamp column first (header «Позначка
  часу», «Отметка времени», «Timestamp», …), then one column per question headed by the question
  text; checkbox answers are joined with ", " in one cell; empty cells are unanswered.
- **Generic**: one column per question id (``t7``, ``s2`` …), cells holding option ids or option
  texts (several separated by ", " or ";"), or the text of an open answer.

Columns are matched to questions by id, then by text (case, whitespace and quotes do not
matter; a header that starts with a question's text also matches, since Google may append the
instruction). Cells are matched to options by text or id the same way; a checkbox cell is split
by matching the known option texts first (longest first), so an option whose text contains ", "
is recognised. Answers that match no option are listed (question, value, rows) and the caller
decides: map each to an option (:class:`ImportPlan`) or stop.

Files are read twice, row by row (memory does not grow with the file): the first pass detects
the encoding, hashes the content and validates every row; the second inserts the responses in
batches inside one transaction (all or nothing). Each row's ``submission_id`` is derived from a
hash of the campaign, the role and the file content plus the row number, so importing the same
file again stores nothing twice.

Encodings: UTF-8 (with or without BOM) and Windows-1251; delimiters: comma and semicolon.
Flask is not imported: the engine needs only the database session.

Caps, checked before anything is built from the file (a header of 100,000 columns once made
the confirmation page take 23 s and 183 MB, on every visit): at most :data:`MAX_COLUMNS`
columns and :data:`MAX_HEADER_CELL` characters a header; the header is scanned in chunks and
the scan stops at the first cap passed, before the CSV reader parses it. A cell longer than the
open-answer limit plus :data:`CELL_MARGIN` is a problem of its row and is not matched.
Control characters in open answers are dropped, as on the respondent page (app.text_safety).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from flask_babel import gettext as _
from sqlalchemy import Table, insert, select

from app import vocabulary
from app.errors import AnketaError
from app.extensions import db
from app.models import (
    FILENAME_LENGTH,
    Answer,
    ImportBatch,
    ImportChannel,
    Question,
    Questionnaire,
    RespondentLink,
    Response,
)
from app.surveys.respondent.answer_rows import answer_rows as shared_answer_rows
from app.surveys.respondent.answer_rows import segment_question_id
from app.text_safety import printable

__all__ = [
    "MAX_COLUMNS",
    "MAX_HEADER_CELL",
    "ColumnMatch",
    "CsvImportError",
    "ImportAnalysis",
    "ImportOrigin",
    "ImportPlan",
    "ImportResult",
    "UnknownAnswer",
    "analyze_csv",
    "clean_filename",
    "check_header",
    "import_csv",
    "normalise_label",
    "parse_answer_mappings",
    "parse_column_mappings",
]

BATCH_SIZE = 1000
MAX_PROBLEMS = 20
MAX_ROWS_LISTED = 10
CHUNK = 64 * 1024
MAX_MERGED_PARTS = 8
MATCH_CACHE_SIZE = 2000
#: Columns a file may have: every question of the largest questionnaire (300) and then some.
MAX_COLUMNS = 500
#: Characters a header cell may have (a question's text is at most 2,000; Google Forms'
#: header is the question text, and a longer one is cut to this on matching anyway).
MAX_HEADER_CELL = 2000
#: Characters a header may have in all, before its cells are even counted.
MAX_HEADER_CHARS = MAX_COLUMNS * (MAX_HEADER_CELL + 3)
#: How much longer than the open-answer limit a cell may be (a checkbox cell joins options).
CELL_MARGIN = 1000
HEADER_CHUNK = 8192
_COPY_ANSWERS = (
    "COPY answer (response_id, campaign_id, question_id, option_id, text, tally) FROM STDIN"
)
SOURCE = "import"

TIMESTAMP_HEADERS = {  # i18n: data
    "позначка часу",
    "часова мітка",
    "отметка времени",
    "временная метка",
    "timestamp",
    "časova oznaka",
    "časová značka",
    "znacznik czasu",
    "zeitstempel",
    "horodateur",
    "marca temporal",
    "marca de tempo",
    "informazioni cronologiche",
    "клеймо за време",
    "времево клеймо",
}
_QUOTES = dict.fromkeys(map(ord, "«»\"'‘’‚‛“”„‟`´"), None)
_SPACES = re.compile(r"\s+")
_NUMBER_PREFIX = re.compile(r"^\d{1,3}\s*[.)]\s*")
_SEPARATORS = re.compile(r"(\s*[,;|]\s*)")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTERS = re.compile(r"[^\W\d_]")


class CsvImportError(AnketaError):
    """The file cannot be imported as it is; ``details`` lists every problem found (Ukrainian)."""

    def __init__(
        self, message: str, details: Sequence[str] = (), *, unknown_answers: bool = False
    ) -> None:
        self.details = list(details)
        self.unknown_answers = unknown_answers
        super().__init__(message)


def normalise_label(text: str) -> str:
    """Return ``text`` folded for matching: no quotes, case or repeated whitespace, no trailing
    punctuation (``.:*``) and no leading question number («7. »)."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    text = _SPACES.sub(" ", text).strip().casefold()
    text = _NUMBER_PREFIX.sub("", text)
    return text.rstrip(" .:*")


# --- reading ------------------------------------------------------------------------------------


def _open(source: Path | bytes) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, bytes) else Path(source).open("rb")


@dataclass(frozen=True)
class _FileFacts:
    encoding: str
    delimiter: str
    digest: str


def _looks_cyrillic(sample: str) -> bool:
    letters = _LETTERS.findall(sample)
    return bool(letters) and len(_CYRILLIC.findall(sample)) >= 0.3 * len(letters)


def _file_facts(source: Path | bytes, salt: str) -> _FileFacts:
    """Detect the encoding and delimiter and hash the content, reading the file in chunks."""
    digest = hashlib.sha256(salt.encode("utf-8"))
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    utf8 = True
    head = b""
    size = 0
    with _open(source) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            digest.update(chunk)
            if len(head) < CHUNK:
                head += chunk[: CHUNK - len(head)]
            if b"\x00" in chunk:
                raise CsvImportError(_not_csv())
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if size == 0:
        raise CsvImportError(_("Файл порожній."))
    if utf8:
        encoding = "utf-8-sig"
        sample = head.decode("utf-8-sig", errors="ignore")
    else:
        sample = head.decode("cp1251", errors="replace")
        if "\ufffd" in sample or not _looks_cyrillic(sample):
            raise CsvImportError(
                _("Не вдалося прочитати файл: підтримуються кодування UTF-8 і Windows-1251.")
            )
        encoding = "cp1251"
    return _FileFacts(encoding, _delimiter(sample), digest.hexdigest())


def _not_csv() -> str:
    return _("Це не файл CSV: завантажте експорт відповідей у форматі .csv.")


def _delimiter(sample: str) -> str:
    """Return "," or ";" by counting them outside quotes in the header line."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in sample:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda key: counts[key])
    if counts[best] == 0 or best == "\t":
        raise CsvImportError(
            _("Не вдалося визначити роздільник стовпців: підтримуються кома і крапка з комою.")
        )
    return best


def _rows(source: Path | bytes, facts: _FileFacts) -> Iterator[list[str]]:
    with _open(source) as binary:
        text = io.TextIOWrapper(binary, encoding=facts.encoding, newline="")
        try:
            yield from csv.reader(text, delimiter=facts.delimiter, strict=True)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise CsvImportError(
                    _(
                        "У файлі є клітинка, довша за %(field_size_limit)s символів.",
                        field_size_limit=csv.field_size_limit(),
                    )
                ) from None
            raise CsvImportError(_("Файл CSV пошкоджений: %(error)s.", error=error)) from None


def _too_many_columns() -> CsvImportError:
    return CsvImportError(
        _(
            "У файлі забагато стовпців: можна не більше %(MAX_COLUMNS)s. Залиште в "
            "ньому лише стовпці з відповідями на запитання анкети.",
            MAX_COLUMNS=MAX_COLUMNS,
        )
    )


def _scan_header(source: Path | bytes, facts: _FileFacts) -> None:
    """Read the header record in chunks, counting its columns as a CSV reader would, and stop
    at its end or at the first cap passed. Raises :class:`CsvImportError` naming the cap.

    The CSV reader builds a whole record before it returns it, so the caps are checked here,
    before it is asked for the header at all.
    """
    delimiter = facts.delimiter
    special = re.compile(f'["\r\n{re.escape(delimiter)}]')
    columns, offset, field_start, closed_at, quoted = 1, 0, 0, -2, False
    with _open(source) as binary:
        text = io.TextIOWrapper(binary, encoding=facts.encoding, newline="")
        while chunk := text.read(HEADER_CHUNK):
            for match in special.finditer(chunk):
                position, char = offset + match.start(), match.group()
                if char == '"':
                    if quoted:
                        quoted, closed_at = False, position
                    elif position in (field_start, closed_at + 1):
                        quoted = True  # a field's opening quote, or a doubled one inside
                elif quoted:
                    continue
                elif char == delimiter:
                    columns += 1
                    field_start = position + 1
                    if columns > MAX_COLUMNS:
                        raise _too_many_columns()
                else:
                    return  # the end of the header
            offset += len(chunk)
            if offset > MAX_HEADER_CHARS:
                raise CsvImportError(
                    _(
                        "Рядок заголовків задовгий: понад %(MAX_HEADER_CHARS)s символів.",
                        MAX_HEADER_CHARS=MAX_HEADER_CHARS,
                    )
                )


def _header(source: Path | bytes, facts: _FileFacts) -> list[str]:
    """Return the file's header row, within the caps (``MAX_COLUMNS``, ``MAX_HEADER_CELL``).

    Raises :class:`CsvImportError` naming the cap passed, or for a file without a header.
    """
    _scan_header(source, facts)
    header = next(_rows(source, facts), None)
    if not header or not any(cell.strip() for cell in header):
        raise CsvImportError(_("У файлі немає рядка заголовків."))
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns()
    for index, cell in enumerate(header, start=1):
        if len(cell) > MAX_HEADER_CELL:
            raise CsvImportError(
                _(
                    "Заголовок стовпця %(index)s задовгий (%(n)s символів): можна не "
                    "більше %(MAX_HEADER_CELL)s.",
                    index=index,
                    n=len(cell),
                    MAX_HEADER_CELL=MAX_HEADER_CELL,
                )
            )
    return header


def check_header(source: Path | bytes) -> None:
    """Raise :class:`CsvImportError` if the file's header cannot be read or passes a cap (too
    many columns, too long a cell). A file whose encoding or delimiter is not understood is
    left for :func:`analyze_csv` to explain."""
    try:
        facts = _file_facts(source, "")
    except CsvImportError:
        return
    _header(source, facts)


# --- matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMatch:
    """One column of the file: its header and the question it feeds (None: ignored).

    ``how`` is "timestamp", "id", "text", "prefix", "chosen" (by the user) or None (no match).
    """

    index: int
    header: str
    question_key: str | None
    how: str | None


@dataclass
class UnknownAnswer:
    """An answer that matches no option of its question: where it occurs (first rows) and how
    often."""

    question_key: str
    value: str
    rows: list[int] = field(default_factory=list)
    count: int = 0


@dataclass
class ImportPlan:
    """The user's decisions: ``columns`` (column index → question key, or None to ignore;
    unlisted columns keep the proposed match), ``answers`` ((question key, answer text) → option
    key; the text is matched like any label) and ``skip_unknown`` (drop answers that match no
    option instead of stopping)."""

    columns: dict[int, str | None] = field(default_factory=dict)
    answers: dict[tuple[str, str], str] = field(default_factory=dict)
    skip_unknown: bool = False


@dataclass
class ImportAnalysis:
    """What the first pass found: the file's format, the column mapping, every unknown answer
    and every other problem (rows missing a required answer, too long texts…)."""

    encoding: str
    delimiter: str
    kind: str  # "google" | "generic"
    columns: list[ColumnMatch]
    rows: int = 0
    unknown: list[UnknownAnswer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    digest: str = ""

    @property
    def ready(self) -> bool:
        """True when the file can be imported as planned (no unknown answers, no problems)."""
        return not self.unknown and not self.problem_count

    def mapping(self) -> dict[int, str]:
        """Return {column index: question key} for the columns that feed a question."""
        return {c.index: c.question_key for c in self.columns if c.question_key is not None}


@dataclass(frozen=True)
class ImportResult:
    """How many responses an import stored for its role, and how many it found already there."""

    role: str
    imported: int
    skipped: int
    rows: int


@dataclass(frozen=True)
class ImportOrigin:
    """Who runs an import, for its :class:`ImportBatch`: the user's id (None: nobody named, as
    from the command line without ``--user``), the channel ("web" or "cli") and the file's
    name as given (cleaned by :func:`clean_filename` before it is stored)."""

    user_id: int | None = None
    channel: str = ImportChannel.CLI.value
    filename: str = ""


def clean_filename(name: str) -> str:
    """Return a file name fit for the import log: its last path part (either slash), without
    control or format characters (bidi overrides included), whitespace collapsed, at most
    ``FILENAME_LENGTH`` characters; "" when nothing is left."""
    base = _SPACES.sub(" ", re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1])
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C")
    return base.strip()[:FILENAME_LENGTH]


class _QuestionMatcher:
    """Matches cells of one question to option keys."""

    def __init__(self, question: Question, plan: ImportPlan) -> None:
        self.question = question
        self.type = question.type
        self.cache: dict[str, tuple[list[str], list[str]]] = {}
        self.labels: dict[str, str] = {}
        for option in question.options:
            names = [option.text, option.key, *(option.translations or {}).values()]
            for name in names:
                if isinstance(name, str):
                    self.labels.setdefault(normalise_label(name), option.key)
        for (key, value), option_key in plan.answers.items():
            if key == question.key:
                self.labels[normalise_label(value)] = option_key

    def match(self, cell: str) -> tuple[list[str], list[str]]:
        """Return (option keys, unknown values) for a cell (already stripped, not empty).

        Exports repeat the same few cells thousands of times: results are cached (bounded).
        """
        found = self.cache.get(cell)
        if found is None:
            found = self._match(cell)
            if len(self.cache) < MATCH_CACHE_SIZE:
                self.cache[cell] = found
        return found

    def _match(self, cell: str) -> tuple[list[str], list[str]]:
        whole = self.labels.get(normalise_label(cell))
        if whole is not None:
            return [whole], []
        if self.type == "single":
            return [], [cell]
        tokens = _SEPARATORS.split(cell)
        parts = tokens[0::2]
        keys: list[str] = []
        unknown: list[str] = []
        start = 0
        while start < len(parts):
            for length in range(min(MAX_MERGED_PARTS, len(parts) - start), 0, -1):
                candidate = "".join(tokens[2 * start : 2 * (start + length) - 1])
                key = self.labels.get(normalise_label(candidate))
                if key is not None:
                    if key not in keys:
                        keys.append(key)
                    start += length
                    break
            else:
                if parts[start].strip():
                    unknown.append(parts[start].strip())
                start += 1
        return keys, unknown


def _question_names(question: Question) -> list[str]:
    names = [question.text]
    for entry in (question.translations or {}).values():
        if isinstance(entry, Mapping) and isinstance(entry.get("text"), str):
            names.append(entry["text"])
    return [normalise_label(name) for name in names]


def propose_columns(header: Sequence[str], questionnaire: Questionnaire) -> list[ColumnMatch]:
    """Return the proposed match of each header to a question (by id, text, or text prefix)."""
    by_key = {question.key.casefold(): question.key for question in questionnaire.questions}
    by_text: dict[str, str] = {}
    for question in questionnaire.questions:
        for name in _question_names(question):
            by_text.setdefault(name, question.key)
    prefixes = sorted(by_text.items(), key=lambda item: len(item[0]), reverse=True)
    taken: set[str] = set()
    result = []
    for index, raw in enumerate(header):
        label = normalise_label(raw)
        key, how = None, None
        if index == 0 and label in TIMESTAMP_HEADERS:
            how = "timestamp"
        elif raw.strip().casefold() in by_key:
            key, how = by_key[raw.strip().casefold()], "id"
        elif label in by_text:
            key, how = by_text[label], "text"
        else:
            for text, candidate in prefixes:
                if len(text) >= 12 and label.startswith(text):
                    key, how = candidate, "prefix"
                    break
        if key in taken:
            key, how = None, None
        if key is not None:
            taken.add(key)
        result.append(ColumnMatch(index, raw.strip(), key, how))
    return result


def _apply_plan(
    columns: list[ColumnMatch], plan: ImportPlan, questionnaire: Questionnaire
) -> list[ColumnMatch]:
    keys = {question.key for question in questionnaire.questions}
    result = []
    for column in columns:
        if column.index in plan.columns:
            chosen = plan.columns[column.index]
            if chosen is not None and chosen not in keys:
                raise CsvImportError(_("Анкета не містить запитання «%(chosen)s».", chosen=chosen))
            column = ColumnMatch(column.index, column.header, chosen, "chosen" if chosen else None)
        result.append(column)
    seen: dict[str, str] = {}
    for column in result:
        if column.question_key is None:
            continue
        if column.question_key in seen:
            raise CsvImportError(
                _(
                    "Запитанню «%(question_key)s» відповідають два стовпці: «%(seen)s» і "
                    "«%(header)s».",
                    question_key=column.question_key,
                    seen=seen[column.question_key],
                    header=column.header,
                )
            )
        seen[column.question_key] = column.header
    return result


# --- the two passes -----------------------------------------------------------------------------


class _RowChecker:
    """Turns one CSV row into answers ({question key: option keys or text}), noting problems."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        mapping: dict[int, str],
        plan: ImportPlan,
        analysis: ImportAnalysis,
        max_text_length: int,
    ) -> None:
        self.questions = {question.key: question for question in questionnaire.questions}
        self.mapping = mapping
        self.matchers = {
            key: _QuestionMatcher(question, plan)
            for key, question in self.questions.items()
            if question.type != "text"
        }
        self.analysis = analysis
        self.plan = plan
        self.max_text_length = max_text_length
        self.width = 0
        self.unknown: dict[tuple[str, str], UnknownAnswer] = {}
        # Plain tuples: ORM attribute access per cell would dominate a large import.
        self.columns = [
            (index, key, self.questions[key].type, self.matchers.get(key))
            for index, key in mapping.items()
        ]
        self.required = [
            (key, question.number, question.text)
            for key, question in self.questions.items()
            if question.required
        ]

    def problem(self, message: str) -> None:
        self.analysis.problem_count += 1
        if len(self.analysis.problems) < MAX_PROBLEMS:
            self.analysis.problems.append(message)

    def check(self, row: list[str], number: int) -> dict[str, list[str] | str] | None:
        if len(row) != self.width:
            self.problem(
                _(
                    "Рядок %(number)s: клітинок %(n)s, а стовпців у заголовку %(width)s.",
                    number=number,
                    n=len(row),
                    width=self.width,
                )
            )
            return None
        answers: dict[str, list[str] | str] = {}
        for index, key, question_type, matcher in self.columns:
            cell = row[index].strip()
            if not cell:
                continue
            if len(cell) > self.max_text_length + CELL_MARGIN:
                self.problem(
                    _(
                        "Рядок %(number)s: клітинка «%(key)s» задовга (%(n)s символів, можна "
                        "не більше %(value)s).",
                        number=number,
                        key=key,
                        n=len(cell),
                        value=self.max_text_length + CELL_MARGIN,
                    )
                )
                continue
            if matcher is None:
                text = printable(cell.replace("\r\n", "\n").replace("\r", "\n"))
                if len(text) > self.max_text_length:
                    self.problem(
                        _(
                            "Рядок %(number)s: відповідь на «%(key)s» задовга (%(n)s символів, "
                            "можна не більше %(max_text_length)s).",
                            number=number,
                            key=key,
                            n=len(text),
                            max_text_length=self.max_text_length,
                        )
                    )
                answers[key] = text
                continue
            options, unknown = matcher.match(cell)
            for value in unknown:
                self._unknown(key, value, number)
            if question_type == "single" and len(options) > 1:
                self.problem(
                    _(
                        "Рядок %(number)s: на «%(key)s» можна вибрати лише один варіант.",
                        number=number,
                        key=key,
                    )
                )
            if options:
                answers[key] = options
        for key, question_number, text in self.required:
            if key not in answers and not self._has_unknown(key, row):
                self.problem(
                    _(
                        "Рядок %(number)s: немає відповіді на обов'язкове запитання "
                        "%(question_number)s («%(short)s»).",
                        number=number,
                        question_number=question_number,
                        short=_short(text),
                    )
                )
        return answers

    def _has_unknown(self, key: str, row: list[str]) -> bool:
        # An unknown answer is reported once, as such, not again as a missing one.
        return any(k == key and row[i].strip() for i, k in self.mapping.items())

    def _unknown(self, key: str, value: str, number: int) -> None:
        if self.plan.skip_unknown:
            return
        entry = self.unknown.get((key, normalise_label(value)))
        if entry is None:
            entry = self.unknown[(key, normalise_label(value))] = UnknownAnswer(key, value)
        entry.count += 1
        if len(entry.rows) < MAX_ROWS_LISTED:
            entry.rows.append(number)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _passes(
    source: Path | bytes,
    link: RespondentLink,
    plan: ImportPlan,
    max_text_length: int,
) -> tuple[ImportAnalysis, _RowChecker, _FileFacts]:
    questionnaire = link.questionnaire
    facts = _file_facts(source, f"{link.campaign_id}:{link.role}:")
    header = _header(source, facts)
    rows = _rows(source, facts)
    next(rows)
    columns = _apply_plan(propose_columns(header, questionnaire), plan, questionnaire)
    kind = "google" if columns[0].how == "timestamp" else "generic"
    analysis = ImportAnalysis(facts.encoding, facts.delimiter, kind, columns, digest=facts.digest)
    mapping = analysis.mapping()
    if not mapping:
        raise CsvImportError(
            _(
                "Жоден стовпець не збігся із запитаннями анкети: перевірте, що вибрано правильну "
                "роль і файл."
            )
        )
    checker = _RowChecker(questionnaire, mapping, plan, analysis, max_text_length)
    checker.width = len(header)
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        analysis.rows += 1
        checker.check(row, number)
    analysis.unknown = sorted(
        checker.unknown.values(), key=lambda item: (mapping_order(mapping, item), item.rows[0])
    )
    if analysis.rows == 0:
        raise CsvImportError(_("У файлі немає жодного рядка з відповідями."))
    return analysis, checker, facts


def mapping_order(mapping: Mapping[int, str], item: UnknownAnswer) -> int:
    """Return the column index of an unknown answer's question (to list them in file order)."""
    return next((index for index, key in mapping.items() if key == item.question_key), 0)


def analyze_csv(
    source: Path | bytes,
    link: RespondentLink,
    plan: ImportPlan | None = None,
    *,
    max_text_length: int = 5000,
) -> ImportAnalysis:
    """Read the whole file once and return what importing it with ``plan`` would meet.

    Stores nothing. Raises :class:`CsvImportError` for a file that cannot be read at all
    (encoding, delimiter, no header, no rows, no column matching a question, a plan naming an
    unknown question or two columns for one question).
    """
    return _passes(source, link, plan or ImportPlan(), max_text_length)[0]


def import_csv(
    source: Path | bytes,
    link: RespondentLink,
    plan: ImportPlan | None = None,
    *,
    max_text_length: int = 5000,
    batch_size: int = BATCH_SIZE,
    origin: ImportOrigin | None = None,
) -> ImportResult:
    """Import every row of a CSV file as a response to ``link`` in one transaction.

    Validates the whole file first; then inserts in batches of ``batch_size`` responses and
    commits once, with an :class:`ImportBatch` (from ``origin``; by default the command line,
    nobody named) that the responses point to; an import that stores nothing leaves no batch.
    Rows stored by an earlier import of the same file are skipped. Returns an
    :class:`ImportResult`. Raises :class:`CsvImportError` (nothing stored) for an unreadable
    file, unknown answers (unless mapped in ``plan`` or ``plan.skip_unknown``) or any problem
    with a row; its ``details`` list them.
    """
    plan = plan or ImportPlan()
    analysis, checker, facts = _passes(source, link, plan, max_text_length)
    if analysis.unknown:
        raise CsvImportError(
            _(
                "Відповіді, яких немає серед варіантів: %(n)s; нічого не імпортовано.",
                n=len(analysis.unknown),
            ),
            [describe_unknown(item) for item in analysis.unknown],
            unknown_answers=True,
        )
    if analysis.problem_count:
        raise CsvImportError(
            _(
                "Помилок у файлі: %(problem_count)s; нічого не імпортовано.",
                problem_count=analysis.problem_count,
            ),
            analysis.problems,
        )
    prefix = f"imp:{facts.digest[:40]}:"
    questions = {question.key: question for question in link.questionnaire.questions}
    option_ids = {
        (question.key, option.key): option.id
        for question in questions.values()
        for option in question.options
    }
    imported = skipped = 0
    batch: list[tuple[str, dict[str, list[str] | str]]] = []
    try:
        log = _open_log(link, analysis.kind, origin or ImportOrigin())
        rows = _rows(source, facts)
        next(rows)
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            answers = checker.check(row, number)
            assert answers is not None
            batch.append((f"{prefix}{number}", answers))
            if len(batch) >= batch_size:
                stored = _insert_batch(link, batch, questions, option_ids, log.id)
                imported += stored
                skipped += len(batch) - stored
                batch = []
        if batch:
            stored = _insert_batch(link, batch, questions, option_ids, log.id)
            imported += stored
            skipped += len(batch) - stored
        _close_log(log, imported)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(link.role, imported, skipped, analysis.rows)


def _open_log(link: RespondentLink, kind: str, origin: ImportOrigin) -> ImportBatch:
    """Add the import's :class:`ImportBatch` (flushed, so its id is known; not committed)."""
    log = ImportBatch(
        campaign_id=link.campaign_id,
        role=link.role,
        user_id=origin.user_id,
        channel=origin.channel,
        source_kind=kind,
        filename=clean_filename(origin.filename),
        row_count=0,
    )
    db.session.add(log)
    db.session.flush()
    return log


def _close_log(log: ImportBatch, imported: int) -> None:
    """Record how many responses the import stored; drop the batch if it stored none."""
    if imported:
        log.row_count = imported
    else:
        db.session.delete(log)


def _insert_batch(
    link: RespondentLink,
    batch: list[tuple[str, dict[str, list[str] | str]]],
    questions: Mapping[str, Question],
    option_ids: Mapping[tuple[str, str], int],
    import_batch_id: int,
) -> int:
    """Insert the batch's responses not stored yet (bulk); return how many were inserted."""
    ids = [submission_id for submission_id, _answers in batch]
    existing = set(
        db.session.scalars(select(Response.submission_id).where(Response.submission_id.in_(ids)))
    )
    fresh = [(sid, answers) for sid, answers in batch if sid not in existing]
    if not fresh:
        return 0
    today = vocabulary.today()
    inserted = db.session.execute(
        insert(cast(Table, Response.__table__)).returning(
            Response.__table__.c.id, sort_by_parameter_order=True
        ),
        [
            {
                "campaign_id": link.campaign_id,
                "questionnaire_id": link.questionnaire_id,
                "role": link.role,
                "submission_id": submission_id,
                "source": SOURCE,
                "submitted_on": today,
                "import_batch_id": import_batch_id,
            }
            for submission_id, _answers in fresh
        ],
    ).scalars()
    segment = segment_question_id(link.questionnaire)
    answer_rows = []
    for response_id, (_sid, answers) in zip(inserted, fresh, strict=True):
        given: list[tuple[int, int | None, str | None]] = []
        for key, value in answers.items():
            question = questions[key]
            if isinstance(value, str):
                given.append((question.id, None, value))
                continue
            for option_key in value:
                given.append((question.id, option_ids[(key, option_key)], None))
        answer_rows += [
            {"response_id": response_id, "campaign_id": link.campaign_id, **row}
            for row in shared_answer_rows(given, segment)
        ]
    if not answer_rows:
        return len(fresh)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # COPY streams the rows in one round trip (executemany would make one per answer).
        raw = connection.connection.driver_connection
        assert raw is not None  # a live psycopg connection (None only once detached)
        with raw.cursor() as cursor, cursor.copy(_COPY_ANSWERS) as copy:
            for row in answer_rows:
                copy.write_row(
                    (row["response_id"], row["campaign_id"], row["question_id"],
                     row["option_id"], row["text"], row["tally"])
                )  # fmt: skip
    else:
        db.session.execute(insert(cast(Table, Answer.__table__)), answer_rows)
    return len(fresh)


# --- text forms of the decisions (CLI) ----------------------------------------------------------


def describe_unknown(item: UnknownAnswer) -> str:
    """Return one Ukrainian line about an unknown answer: question, value, rows."""
    rows = ", ".join(map(str, item.rows))
    more = (
        _(" і ще %(value)s", value=item.count - len(item.rows))
        if item.count > len(item.rows)
        else ""
    )
    return _(
        "%(question_key)s: «%(value)s» — рядки %(rows)s%(more)s",
        question_key=item.question_key,
        value=item.value,
        rows=rows,
        more=more,
    )


def parse_answer_mappings(
    values: Sequence[str], questionnaire: Questionnaire
) -> dict[tuple[str, str], str]:
    """Parse ``--map`` values ``QUESTION=ANSWER:OPTION`` (question id or text, the answer as in
    the file, an option id). Raises :class:`CsvImportError` for a malformed or unknown one."""
    by_key = {question.key: question for question in questionnaire.questions}
    by_text = {normalise_label(question.text): question for question in questionnaire.questions}
    result = {}
    for value in values:
        question_part, sep, rest = value.partition("=")
        answer, sep2, option = rest.rpartition(":")
        if not sep or not sep2 or not answer.strip() or not option.strip():
            raise CsvImportError(
                _("--map «%(value)s»: очікується «запитання=відповідь:id варіанта».", value=value)
            )
        question = by_key.get(question_part.strip()) or by_text.get(normalise_label(question_part))
        if question is None:
            raise CsvImportError(
                _("--map «%(value)s»: такого запитання в анкеті немає.", value=value)
            )
        if option.strip() not in {item.key for item in question.options}:
            known = ", ".join(item.key for item in question.options)
            raise CsvImportError(
                _(
                    "--map «%(value)s»: у запитання %(key)s немає варіанта «%(option)s» "
                    "(є: %(known)s).",
                    value=value,
                    key=question.key,
                    option=option.strip(),
                    known=known,
                )
            )
        result[(question.key, answer.strip())] = option.strip()
    return result


def parse_column_mappings(values: Sequence[str], header: Sequence[str]) -> dict[int, str | None]:
    """Parse ``--column`` values ``HEADER=QUESTION_ID`` (``HEADER=-`` ignores the column).

    The header is matched like a label. Raises :class:`CsvImportError` for an unknown header.
    """
    labels = {normalise_label(text): index for index, text in enumerate(header)}
    result: dict[int, str | None] = {}
    for value in values:
        head, sep, key = value.rpartition("=")
        index = labels.get(normalise_label(head))
        if not sep or index is None:
            raise CsvImportError(
                _("--column «%(value)s»: такого стовпця у файлі немає.", value=value)
            )
        result[index] = None if key.strip() in ("", "-") else key.strip()
    return result


def read_header(source: Path | bytes) -> list[str]:
    """Return the file's header row (for :func:`parse_column_mappings`). Raises
    :class:`CsvImportError` for an unreadable file or a header past the caps."""
    return _header(source, _file_facts(source, ""))
