"""Exports of a campaign: anonymised responses (CSV, XLSX) and the aggregated tables (XLSX).

The format is documented in docs/exports.md. In short: one row per response, one column per
question («7. Текст питання») with the chosen option's text; a multiple-choice question has one
column with the ticked options joined by «; » and one 0/1 column per option
(«9. Текст: Варіант»); a text answer is written as it was typed. No submission id, no time
finer than the date (Kyiv), and a grade is hidden where its group is smaller than the privacy
threshold, as on the results page. A role the analysis shows only as a count
(``CampaignAnalysis.hidden_roles``) has no response rows at all: its header, then one row with
its count and the analysis's words («Вчителі — 3: замало відповідей для аналізу (менше 5)»).

Memory stays constant in the number of responses: rows come one at a time from
``app.exports.rows.iter_responses``; the CSV is produced in chunks for a streamed HTTP
response, the XLSX through openpyxl's write-only mode (rows go to temporary files, not to
memory).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from app.analysis.results import CampaignAnalysis, too_few_words
from app.exports.rows import (
    ExportQuestion,
    ExportStructure,
    export_structure,
    iter_responses,
)
from app.extensions import db
from app.models import Campaign
from app.text_safety import FORMULA_STARTS, printable, spreadsheet_safe
from app.vocabulary import N_, ROLE_LABELS, ROLES

#: How the ticked options of a multiple-choice question are joined in one cell.
MULTIPLE_SEPARATOR = "; "
ROW_NUMBER = "№"
#: The cell of a segment answer (the grade) whose group is too small to show.
HIDDEN_GROUP = N_("Приховано (мала група)")
DATE = N_("Дата")
CSV_CHUNK_ROWS = 500
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _group(role: str) -> str:
    """The name of a respondent group, as a sheet title or a note: «Вчителі»."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def question_header(question: ExportQuestion) -> str:
    """Return a question's column header: «7. Текст питання»."""
    return f"{question.number}. {question.text}"


def header_row(questions: Sequence[ExportQuestion]) -> list[str]:
    """Return the header of a role's responses table."""
    header = [ROW_NUMBER, _(DATE)]
    for question in questions:
        header.append(question_header(question))
        if question.type == "multiple":
            header.extend(f"{question_header(question)}: {o.text}" for o in question.options)
    return header


def response_cells(
    questions: Sequence[ExportQuestion], answers: dict[str, list[str] | str]
) -> list[Any]:
    """Return a response's cells after the number and date (None for an unanswered question;
    a multiple-choice question unanswered leaves its 0/1 columns empty too)."""
    cells: list[Any] = []
    for question in questions:
        answer = answers.get(question.key)
        if question.type == "text":
            cells.append(answer if isinstance(answer, str) else None)
            continue
        chosen = set(answer) if isinstance(answer, list) else set()
        if chosen & question.hidden_options:  # a grade too small to show (docs/exports.md)
            cells.append(_(HIDDEN_GROUP))
            continue
        texts = [o.text for o in question.options if o.key in chosen]
        cells.append(MULTIPLE_SEPARATOR.join(texts) if texts else None)
        if question.type == "multiple":
            flags = [int(o.key in chosen) for o in question.options]
            cells.extend(flags if chosen else [None] * len(flags))
    return cells


def hidden_role_row(structure: ExportStructure, role: str, width: int) -> list[str | None] | None:
    """Return the one row a role hidden as a whole has instead of its responses: in its first
    cell its count and the analysis's words, «Вчителі — 3: замало відповідей для аналізу
    (менше 5)», then empty cells up to ``width`` (the header's); None for a role whose
    responses may be exported."""
    reason = structure.hidden_roles.get(role)
    if reason is None:
        return None
    words = too_few_words(reason, structure.min_group_size)
    note = f"{_group(role)} — {structure.respondents.get(role, 0)}: {words}"
    return [note, *[None] * (width - 1)]


def _roles(structure: ExportStructure) -> list[str]:
    return [role for role in ROLES if role in structure.questions]


def csv_chunks(campaign: Campaign, role: str, *, raw: bool = False) -> Iterator[str]:
    """Return a role's responses as CSV text in chunks (UTF-8 BOM first, for Excel).

    Safe mode (the default): a text that a spreadsheet would take for a formula gets a ``'``
    before it (``app.text_safety.spreadsheet_safe``); ``raw`` writes every text as stored
    (docs/exports.md).

    A role hidden as a whole gives its header and :func:`hidden_role_row`, nothing else.
    Everything read through the ORM from ``campaign`` (its questions, its privacy threshold,
    whether the role is hidden) is read here, before the first chunk; the chunks need only the
    campaign's id. A streamed response is sent after its view has returned, when the request's
    session has been removed and ``campaign`` is detached (``stream_with_context`` gives the
    chunks a new session, not the view's), so nothing may be loaded lazily from it then.

    Raises KeyError, before returning, when the campaign has no questionnaire of ``role``.
    """
    structure = export_structure(campaign)
    return _csv_rows(campaign.id, role, structure, structure.questions[role], raw)


def _csv_rows(
    campaign_id: int,
    role: str,
    structure: ExportStructure,
    questions: Sequence[ExportQuestion],
    raw: bool,
) -> Iterator[str]:
    """Yield the CSV of :func:`csv_chunks`, reading the responses in the current session."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cell = (lambda value: value) if raw else spreadsheet_safe
    buffer.write("\ufeff")
    header = header_row(questions)
    writer.writerow(map(cell, header))
    if (hidden := hidden_role_row(structure, role, len(header))) is not None:
        writer.writerow(map(cell, hidden))
        yield buffer.getvalue()
        return
    campaign = db.session.get(Campaign, campaign_id)  # this session's own instance
    responses = iter_responses(campaign, role, structure) if campaign is not None else ()
    for number, response in enumerate(responses, start=1):
        cells = response_cells(questions, response.answers)
        writer.writerow([number, response.submitted_on.isoformat(), *map(cell, cells)])
        if number % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """Return the value to append: a text is always a text. Control characters, which XLSX
    cannot hold, are dropped (``app.text_safety.printable``); a text that starts like a
    formula («=1+1», «+380…», «-», «@») is a string cell, never a formula."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    if not value.startswith(FORMULA_STARTS):
        return value  # a plain value: openpyxl's write-only sheet reuses one cell for it
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


class _TextSheet:
    """A write-only sheet whose every row goes through :func:`_xlsx_cell` (both writers)."""

    def __init__(self, workbook: Workbook, title: str) -> None:
        self.sheet = workbook.create_sheet(title)

    def append(self, row: Sequence[Any]) -> None:
        """Append one row, its texts made safe."""
        self.sheet.append([_xlsx_cell(self.sheet, value) for value in row])


def write_responses_xlsx(campaign: Campaign, target: IO[bytes], roles: Sequence[str] = ()) -> None:
    """Write the responses as XLSX to ``target``: one sheet per role («Вчителі», «Учні»,
    «Батьки»), in write-only mode (constant memory). ``roles`` limits the sheets (default:
    every role the campaign has). A role hidden as a whole gets its header and
    :func:`hidden_role_row`, no response. Raises nothing for an empty campaign (header rows
    only)."""
    structure = export_structure(campaign)
    workbook = Workbook(write_only=True)
    for role in roles or _roles(structure):
        questions = structure.questions.get(role, ())
        sheet = _TextSheet(workbook, _group(role))
        header = header_row(questions)
        sheet.append(header)
        if (hidden := hidden_role_row(structure, role, len(header))) is not None:
            sheet.append(hidden)
            continue
        for number, response in enumerate(iter_responses(campaign, role, structure), start=1):
            cells = response_cells(questions, response.answers)
            sheet.append([number, response.submitted_on, *cells])
    workbook.save(target)


def write_tables_xlsx(analysis: CampaignAnalysis, target: IO[bytes]) -> None:
    """Write the aggregated tables as XLSX to ``target``: one sheet per role (question,
    option, count, percent, …), «Розбіжності» (every gap, multiple-choice gaps per option)
    and «Вимоги» (requirement scores and the level). Every number is the analysis's own."""
    workbook = Workbook(write_only=True)
    for role in ROLES:
        questions = analysis.questions_for_role(role)
        if not questions:
            continue
        sheet = _TextSheet(workbook, _group(role))
        sheet.append(["№", _("Питання"), _("Варіант"), _("Кількість"), _("Відсоток"),
                      _("Відповіли"), _("Позитивна частка, %")])  # fmt: skip
        if role in analysis.hidden_roles:  # a count and the reason, no figures
            sheet.append([None, _("Респонденти"), analysis.hidden_note(analysis.hidden_roles[role]),
                          analysis.respondents.get(role, 0), None, None, None])  # fmt: skip
        for question in questions:
            if question.hidden and question.type != "text":
                sheet.append([question.number, question.text, analysis.hidden_note(
                    question.hidden), None, None, question.answered, None])  # fmt: skip
                continue
            if question.type == "text":
                sheet.append([question.number, question.text, _("(відкриті відповіді)"),
                              question.text_answers_count, None, question.answered,
                              None])  # fmt: skip
                continue
            for option in question.options:
                sheet.append([question.number, question.text, option.text, option.count,
                              option.percent, question.answered,
                              question.positive_share])  # fmt: skip
    gaps = _TextSheet(workbook, _("Розбіжності"))
    gaps.append([_("Конструкт"), _("Питання"), _("Група 1"), _("Група 2"), _("Варіант"),
                 "n 1", "n 2", _("Група 1, %"), _("Група 2, %"), _("Різниця, в. п."), "p",
                 _("Тест"), _("Ключова розбіжність")])  # fmt: skip
    for gap in analysis.gaps:
        text = analysis.question(gap.role_a, gap.question_a).text
        common = [gap.construct, text, gap.role_a, gap.role_b]
        if gap.kind == "multiple":
            for option_gap in gap.option_gaps:
                gaps.append([*common, option_gap.option_text, gap.n_a, gap.n_b,
                             option_gap.percent_a, option_gap.percent_b,
                             option_gap.printed_difference_pp, option_gap.p_value, option_gap.test,
                             _("так") if option_gap.key else _("ні")])  # fmt: skip
        else:
            gaps.append([*common, None, gap.n_a, gap.n_b, gap.share_a, gap.share_b,
                         gap.printed_difference_pp, gap.p_value, gap.test,
                         _("так") if gap.key else _("ні")])  # fmt: skip
    scores = _TextSheet(workbook, _("Вимоги"))
    scores.append([_("Вимога"), _("Назва"), _("Оцінка, %"), *(_group(r) for r in ROLES)])
    for score in analysis.requirement_scores:
        scores.append([score.code, score.title, score.score,
                       *(score.role_scores.get(role) for role in ROLES)])  # fmt: skip
    scores.append([])
    scores.append([_("Напрям"), analysis.campaign.direction_title, analysis.score])
    for label, level in ((_("Розрахований рівень"), analysis.computed_level),
                         (_("Рівень робочої групи"), analysis.override_level),
                         (_("Підсумковий рівень"), analysis.final_level)):  # fmt: skip
        scores.append([label, level.label if level else None])
    workbook.save(target)


def export_filename(campaign: Campaign, kind: str, extension: str, role: str | None = None) -> str:
    """Return the download name: ``anketa-<school>-<year>-<kind>[-<role>].<extension>``."""
    parts = ["anketa", campaign.school.slug, campaign.academic_year, kind]
    if role:
        parts.append(role)
    return "-".join(parts) + f".{extension}"
