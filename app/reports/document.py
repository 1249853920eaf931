"""The довідка: a Word document built from the analysis results and the working group's texts.

``build_report`` is pure: results and texts in, .docx bytes out; it never touches the database.
The document follows the seed довідка's anatomy (docs/methodology.md): title, introduction, one
numbered section per requirement with its topics (finding sentence, caption, count and chart
per question; «Ключова розбіжність» where the analysis flags a key gap), shortcomings, the level,
ways of improvement and recommendations. Every figure it prints is a field of the analysis,
formatted the Ukrainian way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from flask_babel import gettext as _

from app.analysis.results import CampaignAnalysis, Gap, QuestionResult, Requirement
from app.reports import charts, styles
from app.reports.errors import ReportError
from app.reports.language import (
    DASH,
    NBSP,
    QUESTIONNAIRES_ACCUSATIVE,
    count_phrase,
    counted,
    format_number,
    format_p_value,
    format_percent,
    format_pp,
    join_list,
    level_phrase,
    lower_first,
    quoted,
    quoted_question,
    role_names,
    typeset,
)
from app.reports.texts import Recommendation, ReportTexts
from app.text_safety import printable
from app.vocabulary import N_, ROLES, parse_level

if TYPE_CHECKING:
    from app.imports.log import ImportEntry

__all__ = ["ReportError", "ReportStats", "build_report", "charted_questions"]

CHART_WIDTH = Cm(14)
MAX_GENERATED_ITEMS = 6
MULTIPLE_NOTE = N_("можна обрати кілька варіантів")


@dataclass
class ReportStats:
    """What a build did: pictures inserted and seconds spent drawing them (for benchmarks)."""

    pictures: int = 0
    chart_seconds: float = 0.0
    chart_bytes: int = 0
    questions: list[str] = field(default_factory=list)


def build_report(
    analysis: CampaignAnalysis,
    texts: ReportTexts | None = None,
    stats: ReportStats | None = None,
    chart_workers: int = 1,
    imports: Sequence[ImportEntry] = (),
) -> bytes:
    """Return the довідка for a campaign's analysis as .docx bytes.

    ``texts`` are the working group's texts (empty texts give generated defaults); ``stats``,
    if given, is filled with what the build did; ``chart_workers`` > 1 draws the charts in
    that many processes; ``imports`` (the campaign's import log) are named in the
    introduction. Raises ReportError for anything that goes wrong (the message is in
    Ukrainian).
    """
    try:
        builder = _Builder(
            analysis, texts or ReportTexts(), stats or ReportStats(), chart_workers, imports
        )
        return builder.build()
    except ReportError:
        raise
    except Exception as error:  # noqa: BLE001 — one error type for every failure, by contract
        raise ReportError(
            _(
                "Не вдалося сформувати довідку (%(name)s: %(error)s).",
                name=type(error).__name__,
                error=error,
            )
        ) from error


def charted_questions(analysis: CampaignAnalysis) -> list[QuestionResult]:
    """Return the questions that get a chart, in document order (placed, answered, not text)."""
    return [q for q in _placed_questions(analysis) if _has_chart(analysis, q)]


def _has_chart(analysis: CampaignAnalysis, question: QuestionResult) -> bool:
    return (
        question.type in ("single", "multiple")
        and not question.hidden
        and bool(question.options)
        and question.answered > 0
        and analysis.respondents.get(question.role, 0) > 0
    )


def _role_rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else len(ROLES)


def _topic_index(analysis: CampaignAnalysis) -> dict[str, str]:
    """Return topic id → requirement code for the topics the direction declares."""
    return {topic.id: req.code for req in analysis.requirements for topic in req.topics}


def _placed_questions(analysis: CampaignAnalysis) -> list[QuestionResult]:
    """Return every question the document shows, in the order it shows them."""
    ordered: list[QuestionResult] = []
    for requirement in analysis.requirements:
        for topic in requirement.topics:
            ordered.extend(_by_role(analysis.questions_for_topic(topic.id)))
        ordered.extend(_by_role(_untopical(analysis, requirement)))
    ordered.extend(_by_role(_unplaced(analysis)))
    return ordered


def _by_role(questions: Iterable[QuestionResult]) -> list[QuestionResult]:
    return sorted(questions, key=lambda q: _role_rank(q.role))  # stable: keeps question order


def _untopical(analysis: CampaignAnalysis, requirement: Requirement) -> list[QuestionResult]:
    topics = _topic_index(analysis)
    return [
        q
        for q in analysis.questions
        if q.requirement == requirement.code and (q.topic is None or q.topic not in topics)
    ]


def _unplaced(analysis: CampaignAnalysis) -> list[QuestionResult]:
    topics = _topic_index(analysis)
    codes = {requirement.code for requirement in analysis.requirements}
    return [
        q
        for q in analysis.questions
        if (q.topic is None or q.topic not in topics)
        and (q.requirement is None or q.requirement not in codes)
        and not q.segment
    ]


def _sentence(text: str) -> str:
    """Return ``text`` ending with one full stop (or its own ?/!/…)."""
    text = text.strip()
    if not text:
        return text
    return text if text[-1] in ".?!…" else text + "."


def _question_text(question: QuestionResult) -> str:
    return " ".join(question.text.split())


_SEVERAL_NOTE = re.compile(  # i18n: data
    r"\s*\([^()]*(?:кілька|декілька|можн)[^()]*\)\s*$", re.IGNORECASE
)  # i18n: data


def _asked(question: QuestionResult) -> str:
    """Return the question's text in «…» for a sentence, without a trailing «(можна обрати
    кілька варіантів)» (the sentence says that itself)."""
    return quoted_question(_SEVERAL_NOTE.sub("", _question_text(question)))


# A lead phrase ending with one of these words runs straight into the figures
# («… найчастіше це «від учителя» — 80,3 %»); any other lead gets a colon.
_CONTINUING_WORDS = frozenset(  # i18n: data
    {
        "завдяки",
        "це",
        "є",
        "на",
        "до",
        "від",
        "через",
        "про",
        "у",
        "в",
        "з",
        "із",
        "що",
        "як",
        "та",
        "і",
        "й",
        "а",
        "але",
        "зокрема",
        "—",
    }
)


def _with_lead(lead: str, figures: str, multiple: bool) -> str:
    """Return the finding sentence «<lead>: <figures>.» for a questionnaire's lead phrase."""
    lead = " ".join(lead.split()).rstrip(".;")
    note = f" ({_(MULTIPLE_NOTE)})" if multiple else ""
    if lead.endswith(":"):
        return f"{lead[:-1]}{note}: {figures}."
    last_word = lead.rsplit(" ", 1)[-1].lower()
    if last_word in _CONTINUING_WORDS:
        return f"{lead} {figures}{note}."
    return f"{lead}{note}: {figures}."


def _printed(text: str) -> str:
    """Return ``text`` as the document prints it: control characters dropped, typeset."""
    return typeset(printable(text))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _option_label(text: str) -> str:
    return quoted(lower_first(text))


class _Builder:
    def __init__(
        self,
        analysis: CampaignAnalysis,
        texts: ReportTexts,
        stats: ReportStats,
        workers: int,
        imports: Sequence[ImportEntry] = (),
    ):
        self.analysis = analysis
        self.texts = texts
        self.stats = stats
        self.workers = workers
        self.pngs: dict[tuple[str, str], bytes] = {}
        self.document: DocumentObject = Document()
        self.printed_gaps: set[tuple[str, str, str]] = set()
        self.imports = imports

    # The document ------------------------------------------------------------------------

    def build(self) -> bytes:
        self._draw_charts()
        styles.apply_page_and_styles(self.document)
        styles.add_page_number_header(self.document)
        self._properties()
        self._title()
        self._introduction()
        self._requirements()
        self._shortcomings()
        self._level()
        self._improvements()
        self._recommendations()
        self._closing()
        buffer = BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()

    def _draw_charts(self) -> None:
        """Draw every chart up front (in parallel when allowed); the sections insert them."""
        questions = charted_questions(self.analysis)
        specs = [
            charts.ChartSpec.of(
                "bar" if q.type == "multiple" else "pie",
                [option.text for option in q.options],
                [option.percent for option in q.options],
            )
            for q in questions
        ]
        started = time.perf_counter()
        pngs = charts.render_all(specs, self.workers)
        self.stats.chart_seconds += time.perf_counter() - started
        self.pngs = {(q.role, q.key): png for q, png in zip(questions, pngs, strict=True)}

    def _properties(self) -> None:
        info = self.analysis.campaign
        properties = self.document.core_properties
        properties.title = _printed(
            _(
                "Довідка: %(direction_title)s, %(academic_year)s",
                direction_title=info.direction_title,
                academic_year=info.academic_year,
            )
        )
        properties.subject = _printed(info.direction_title)
        properties.author = printable(info.school)
        properties.language = "uk-UA"
        properties.comments = "Anketa"

    def _paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        # Every text enters the document here or in _lead_paragraph: an old row holding a
        # control character (python-docx refuses them) loses it instead of failing the build,
        # and every text gets the довідка's typography (language.typeset).
        return self.document.add_paragraph(_printed(text), style=style)

    def _lead_paragraph(self, lead: str, text: str, style: str | None = None) -> Paragraph:
        """A paragraph opening with a bold lead phrase («Ключова розбіжність:»)."""
        paragraph = self._paragraph(style=style)
        paragraph.add_run(_printed(lead), style=styles.LEAD)
        paragraph.add_run(_printed(" " + text))
        return paragraph

    def _paragraphs(self, text: str, style: str | None = None) -> None:
        """Add a text written by the working group: paragraphs separated by blank lines."""
        for block in text.replace("\r\n", "\n").split("\n\n"):
            block = " ".join(line.strip() for line in block.splitlines() if line.strip())
            if block:
                self._paragraph(block, style)

    def _list(self, items: Sequence[str], style: str, enumeration: bool = False) -> None:
        """Add list items. An ``enumeration`` continues one sentence («…;» and «… .» last),
        otherwise each item is a sentence of its own. A numbered list starts again at 1."""
        num_id = styles.new_num(self.document, styles.DECIMAL_ABSTRACT)
        for index, item in enumerate(items):
            if enumeration:
                end = "." if index == len(items) - 1 else ";"
                text = item.strip().rstrip(".;") + end
            else:
                text = _sentence(item)
            paragraph = self._paragraph(text, style)
            if style == styles.NUMBER:
                _set_paragraph_numbering(paragraph, num_id)

    # 1. Title ------------------------------------------------------------------------------

    def _title(self) -> None:
        info = self.analysis.campaign
        if info.school:
            self._paragraph(info.school, styles.SCHOOL_LINE)
        self._paragraph(_("Довідка"), "Title")
        self._paragraph(
            _(
                "Про аналіз роботи з розбудови внутрішньої системи якості освіти за "
                "напрямом «%(direction_title)s» у %(academic_year)s навчальному році.",
                direction_title=info.direction_title.strip(),
                academic_year=info.academic_year,
            ),
            styles.REPORT_SUBTITLE,
        )

    # 2. Introduction -----------------------------------------------------------------------

    def _period(self) -> str:
        if self.texts.period:
            return _("У %(period)s", period=self.texts.period)
        info = self.analysis.campaign
        if info.opens_on and info.closes_on:
            return _(
                "У період з %(opens_on)s до %(closes_on)s (%(academic_year)s навчальний рік)",
                opens_on=format(info.opens_on, "%d.%m.%Y"),
                closes_on=format(info.closes_on, "%d.%m.%Y"),
                academic_year=info.academic_year,
            )
        if info.opens_on:
            return _("З %(opens_on)s", opens_on=format(info.opens_on, "%d.%m.%Y"))
        return _("У %(academic_year)s навчальному році", academic_year=info.academic_year)

    def _introduction(self) -> None:
        info = self.analysis.campaign
        self._paragraph(
            _(
                "%(period)s в закладі освіти було проведено самооцінювання за напрямом "
                "«%(direction_title)s».",
                period=self._period(),
                direction_title=info.direction_title.strip(),
            )
        )
        group = _("створено робочу групу")
        if self.texts.order_number or self.texts.order_date:
            order = _("наказ")
            if self.texts.order_date:
                order += _(" від %(order_date)s", order_date=self.texts.order_date)
            if self.texts.order_number:
                order += f" №{NBSP}{self.texts.order_number.lstrip('№ ' + NBSP)}"
            group += f" ({order})"
        members = [m.strip().rstrip(";,").strip() for m in self.texts.working_group]
        if members := [m for m in members if m]:
            group += _(" у складі: %(members)s", members="; ".join(members))
        answered = [
            counted(self.analysis.respondents.get(role, 0), role_names(role).counted)
            for role in ROLES
            if self.analysis.respondents.get(role, 0) > 0
        ]
        survey = (
            _("проведено анкетування %(groups)s", groups=join_list(answered))
            if answered
            else _("підготовлено анкетування вчителів, здобувачів освіти та їхніх батьків")
        )
        if members:
            # The members are separated by «;», so the clauses after the list are too: a
            # comma would run the last member into «затверджено …».
            steps = _(
                "Для цього було %(group)s; затверджено орієнтовний план роботи робочої "
                "групи; призначено відповідального; %(survey)s.",
                group=group,
                survey=survey,
            )
        else:
            steps = _(
                "Для цього було %(group)s, затверджено орієнтовний план роботи робочої "
                "групи, призначено відповідального, %(survey)s.",
                group=group,
                survey=survey,
            )
        self._paragraph(steps)
        if imports := self._imports_sentence():
            self._paragraph(imports)
        absent = [role for role in ROLES if self.analysis.respondents.get(role, 0) == 0]
        for role in absent:
            self._paragraph(self._absent_sentence(role))
        for role in ROLES:
            if role in self.analysis.hidden_roles:
                self._paragraph(
                    self._hidden_role_sentence(role)
                    + _(", тож їхні відповіді в довідці не наведено.")
                )
        if self.texts.introduction:
            self._paragraphs(self.texts.introduction)
        else:
            self._paragraph(
                _(
                    "Робоча група підготувала перелік запитань для анкетування, провела "
                    "анкетування та узагальнила його результати з пропозиціями щодо "
                    "вдосконалення освітньої діяльності. Отримані дані дозволили порівняти "
                    "погляди учасників освітнього процесу та визначити ключові напрямки "
                    "вдосконалення роботи педагогічного колективу."
                )
            )
        self._paragraph(_("Загалом, анкетування показало, що"))

    def _imports_sentence(self) -> str:
        """«З них 4 анкети учнів внесено імпортом із файлу (03.12.2026, member@school.ua).», or
        for several imports «З них внесено імпортом із файлів: … та …»; "" without imports."""
        parts = [
            f"{counted(entry.rows, QUESTIONNAIRES_ACCUSATIVE)} {role_names(entry.role).genitive}"
            for entry in self.imports
        ]
        notes = [f"({entry.day}, {entry.who})" for entry in self.imports]
        if len(parts) == 1:
            return _(
                "З них %(parts)s внесено імпортом із файлу %(notes)s.",
                parts=parts[0],
                notes=notes[0],
            )
        if parts:
            listed = [f"{part} {note}" for part, note in zip(parts, notes, strict=True)]
            return _("З них внесено імпортом із файлів: %(files)s.", files=join_list(listed))
        return ""

    def _absent_sentence(self, role: str) -> str:
        return _(
            "%(plural)s участі в анкетуванні не брали (%(count_phrase)s).",
            plural=role_names(role).plural,
            count_phrase=count_phrase(0),
        )

    def _hidden_role_sentence(self, role: str) -> str:
        """«Вчителі — 3: замало відповідей для аналізу (менше 5)» (no full stop)."""
        note = self.analysis.hidden_note(self.analysis.hidden_roles[role])
        return f"{role_names(role).plural} — {self.analysis.respondents.get(role, 0)}: {note}"

    # 3. Requirements -----------------------------------------------------------------------

    def _requirements(self) -> None:
        number = 0
        for requirement in self.analysis.requirements:
            number += 1
            title = requirement.title.strip().rstrip(".")
            self._paragraph(
                _(
                    "%(number)s. %(title)s (вимога %(code)s).",
                    number=number,
                    title=title,
                    code=requirement.code,
                ),
                "Heading 1",
            )
            if note := self.texts.requirement_notes.get(requirement.code):
                self._paragraphs(note)
            for topic in requirement.topics:
                self._paragraph(f"{topic.title.strip().rstrip('.:')}:", styles.TOPIC_HEADING)
                if note := self.texts.topic_notes.get(topic.id):
                    self._paragraphs(note)
                questions = self.analysis.questions_for_topic(topic.id)
                self._questions(questions)
                self._gaps(self.analysis.gaps_for_topic(topic.id))
                if not questions and not self.texts.topic_notes.get(topic.id):
                    self._paragraph(_("За цією темою питань в анкетах немає."))
            others = _untopical(self.analysis, requirement)
            if others:
                self._paragraph(_("Інші питання:"), styles.TOPIC_HEADING)
                self._questions(others)
                self._gaps(self._gaps_of(others))
            self._requirement_score(requirement)
        unplaced = _unplaced(self.analysis)
        if unplaced:
            number += 1
            self._paragraph(
                _("%(number)s. Інші результати анкетування.", number=number), "Heading 1"
            )
            self._questions(unplaced)
            self._gaps(self._gaps_of(unplaced))

    def _gaps_of(self, questions: Sequence[QuestionResult]) -> tuple[Gap, ...]:
        constructs = {q.measures for q in questions if q.measures}
        return tuple(g for g in self.analysis.gaps if g.construct in constructs)

    def _requirement_score(self, requirement: Requirement) -> None:
        score = self.analysis.requirement_score(requirement.code)
        if score is None or score.score is None:
            return
        parts = [
            f"{role_names(role).plural.lower()} — {format_percent(value)}"
            for role in ROLES
            if (value := score.role_scores.get(role)) is not None
        ]
        detail = f" ({', '.join(parts)})" if parts else ""
        self._paragraph(
            _(
                "Середня частка позитивних відповідей за вимогою %(code)s — %(percent)s%(detail)s.",
                code=requirement.code,
                percent=format_percent(score.score),
                detail=detail,
            )
        )

    def _questions(self, questions: Sequence[QuestionResult]) -> None:
        by_role: dict[str, list[QuestionResult]] = {}
        for question in questions:
            by_role.setdefault(question.role, []).append(question)
        for role in sorted(by_role, key=_role_rank):
            if self.analysis.respondents.get(role, 0) == 0:
                self._paragraph(self._absent_sentence(role))
                continue
            if role in self.analysis.hidden_roles:
                self._paragraph(self._hidden_role_sentence(role) + ".")
                continue
            for question in by_role[role]:
                self._question(question)

    def _question(self, question: QuestionResult) -> None:
        self.stats.questions.append(f"{question.role}:{question.key}")
        finding = " ".join(filter(None, [self._finding(question), self._change(question)]))
        if finding:
            self._paragraph(finding, styles.FINDING)
        self._paragraph(self._caption(question), "Caption")
        self._paragraph(count_phrase(question.answered), styles.RESPONSE_COUNT)
        if _has_chart(self.analysis, question):
            self._chart(question)

    def _change(self, question: QuestionResult) -> str:
        """«Порівняно з 2023-2024 навчальним роком частка позитивних відповідей зросла на …»."""
        dynamics = self.analysis.dynamics
        if dynamics is None or question.answered == 0:
            return ""
        change = dynamics.question(question.role, question.key)
        if change is None or change.positive_share_change_pp is None:
            return ""
        pp = change.positive_share_change_pp
        year = dynamics.previous_campaign.academic_year
        if round(pp, 1) == 0:
            return _(
                "Порівняно з %(year)s навчальним роком частка позитивних відповідей не змінилася.",
                year=year,
            )
        trend = _("зросла") if pp > 0 else _("знизилася")
        return _(
            "Порівняно з %(year)s навчальним роком частка позитивних відповідей "
            "%(trend)s на %(pp)s (з %(percent)s до %(percent2)s).",
            year=year,
            trend=trend,
            pp=format_pp(pp),
            percent=format_percent(change.previous_positive_share or 0),
            percent2=format_percent(change.positive_share or 0),
        )

    def _caption(self, question: QuestionResult) -> str:
        text = _question_text(question)
        if question.type == "multiple" and "кілька" not in text.lower():  # i18n: data
            text += f" ({_(MULTIPLE_NOTE)})"
        # The seed's captions end as the form shows them: «…:» and «…(можна обрати…)» stay.
        caption = f"{question.number}. {text if text.endswith((':', ')')) else _sentence(text)}"
        if question.instruction:
            caption += " " + _sentence(question.instruction)
        return caption

    def _chart(self, question: QuestionResult) -> None:
        png = self.pngs[(question.role, question.key)]
        self.stats.chart_bytes += len(png)
        self.stats.pictures += 1
        paragraph = self._paragraph(style=styles.FIGURE)
        paragraph.add_run().add_picture(BytesIO(png), width=CHART_WIDTH)

    # Finding sentences ---------------------------------------------------------------------

    def _finding(self, question: QuestionResult) -> str:
        names = role_names(question.role)
        phrases: dict[str, Any] = dict(question.report_phrases or {})
        if question.answered == 0:
            return _(
                "На питання %(asked)s %(genitive)s відповідей не надано.",
                asked=_asked(question),
                genitive=names.genitive,
            )
        if question.hidden and question.type != "text":
            note = self.analysis.hidden_note(question.hidden)
            return _(
                "На питання %(asked)s надано %(count_phrase)s — %(note)s.",
                asked=_asked(question),
                count_phrase=count_phrase(question.answered),
                note=note,
            )
        if question.type == "text" or not question.options:
            return _(
                "На відкрите питання %(asked)s надано %(count_phrase)s.",
                asked=_asked(question),
                count_phrase=count_phrase(question.answered),
            )
        shown = [o for o in question.options if o.percent]
        if question.type == "multiple":
            shown = sorted(shown, key=lambda o: -(o.percent or 0))
            figures = ", ".join(
                f"{_option_label(o.text)} — {format_percent(o.percent or 0)}" for o in shown
            )
        else:
            figures = ", ".join(
                f"{format_percent(o.percent or 0)} — {_option_label(o.text)}" for o in shown
            )
        if not figures:
            return ""
        template = phrases.get("template") or phrases.get("finding")
        if isinstance(template, str) and template.strip():
            try:
                return _sentence(
                    template.format(
                        figures=figures,
                        question=_asked(question),
                        role=names.plural,
                        surveyed=names.surveyed_genitive,
                        answered=count_phrase(question.answered),
                        positive=format_percent(question.positive_share)
                        if question.positive_share is not None
                        else "",
                    )
                )
            except (KeyError, IndexError, ValueError):
                pass  # a malformed phrase in a questionnaire file falls back to the default
        lead = phrases.get("lead")
        if isinstance(lead, str) and lead.strip():
            return _with_lead(lead, figures, question.type == "multiple")
        asked = _asked(question)
        if question.type == "multiple":
            return _(
                "На питання %(asked)s (%(note)s) опитані %(plural)s обрали: %(figures)s.",
                asked=asked,
                note=_(MULTIPLE_NOTE),
                plural=names.plural.lower(),
                figures=figures,
            )
        first, *rest = shown
        sentence = _(
            "На питання %(asked)s %(percent)s %(surveyed_genitive)s відповіли %(option_label)s",
            asked=asked,
            percent=format_percent(first.percent or 0),
            surveyed_genitive=names.surveyed_genitive,
            option_label=_option_label(first.text),
        )
        if rest:
            sentence += ", " + ", ".join(
                f"{format_percent(o.percent or 0)} {DASH} {_option_label(o.text)}" for o in rest
            )
        return sentence + "."

    # Key gaps ------------------------------------------------------------------------------

    def _gaps(self, gaps: Iterable[Gap]) -> None:
        """One «Ключова розбіжність» paragraph per construct, naming every key pair of roles."""
        by_construct: dict[str, list[Gap]] = {}
        for gap in gaps:
            ident = (gap.construct, gap.role_a, gap.role_b)
            if not gap.key or ident in self.printed_gaps:
                continue
            self.printed_gaps.add(ident)
            by_construct.setdefault(gap.construct, []).append(gap)
        for construct_gaps in by_construct.values():
            sentences = [s for gap in construct_gaps for s in self._gap_sentences(gap)]
            if not sentences:
                continue
            lower = []
            for gap in construct_gaps:
                if gap.kind == "ordinal" and gap.difference_pp is not None:
                    role = gap.role_b if gap.difference_pp >= 0 else gap.role_a
                    if role not in lower:
                        lower.append(role)
            text = " ".join([sentences[0], *map(_capitalise, sentences[1:])])
            if lower:
                others = join_list([role_names(role).instrumental for role in lower])
                text += _(" Це питання варто обговорити з %(others)s.", others=others)
            self._lead_paragraph(_("Ключова розбіжність:"), text)

    def _gap_sentences(self, gap: Gap) -> list[str]:
        """Return «позитивно оцінюють A % вчителів і B % учнів; різниця …» sentences."""
        a, b = role_names(gap.role_a), role_names(gap.role_b)
        if gap.kind == "multiple":
            sentences = []
            for option in gap.option_gaps:
                if not option.key or option.percent_a is None or option.percent_b is None:
                    continue
                sentences.append(
                    _(
                        "варіант %(option_label)s обрали %(percent)s %(genitive)s і "
                        "%(percent2)s %(genitive2)s; різниця %(pp)s, статистично значуща%(p)s.",
                        option_label=_option_label(option.option_text),
                        percent=format_percent(option.percent_a),
                        genitive=a.genitive,
                        percent2=format_percent(option.percent_b),
                        genitive2=b.genitive,
                        pp=format_pp(option.printed_difference_pp or 0),
                        p=self._p(option.p_value),
                    )
                )
            return sentences
        if gap.share_a is None or gap.share_b is None:
            return []
        effect = (
            _(", V Крамера %(number)s", number=format_number(gap.effect_size, 2))
            if gap.effect_size is not None
            else ""
        )
        return [
            _(
                "позитивно оцінюють %(percent)s %(genitive)s і %(percent2)s "
                "%(genitive2)s; різниця %(pp)s, статистично значуща%(p)s.",
                percent=format_percent(gap.share_a),
                genitive=a.genitive,
                percent2=format_percent(gap.share_b),
                genitive2=b.genitive,
                pp=format_pp(gap.printed_difference_pp or 0),
                p=self._p(gap.p_value, effect),
            )
        ]

    @staticmethod
    def _p(p_value: float | None, extra: str = "") -> str:
        if p_value is None:
            return f" ({extra.lstrip(', ')})" if extra else ""
        return f" ({format_p_value(p_value)}{extra})"

    # 4–6. Shortcomings, level, improvements, recommendations --------------------------------

    def _weak_questions(self) -> list[QuestionResult]:
        weak = [
            q
            for q in self.analysis.questions
            if q.ordinal
            and self.analysis.thresholds.is_weak(q.positive_share)
            and self.analysis.respondents.get(q.role, 0) > 0
        ]
        return sorted(weak, key=lambda q: (q.positive_share or 0, _role_rank(q.role)))

    def _unknown_questions(self) -> list[QuestionResult]:
        return sorted(
            (
                q
                for q in self.analysis.questions
                if self.analysis.thresholds.is_notable_unknown(q.unknown_share)
            ),
            key=lambda q: -(q.unknown_share or 0),
        )

    def _generated_shortcomings(self) -> list[str]:
        items: list[str] = []
        for gap in self.analysis.key_gaps():
            if gap.kind != "ordinal" or gap.share_a is None or gap.share_b is None:
                continue
            question = self._question_of(gap.role_b, gap.question_b) or self._question_of(
                gap.role_a, gap.question_a
            )
            topic = _asked(question) if question else ""
            a, b = role_names(gap.role_a), role_names(gap.role_b)
            items.append(
                _(
                    "Розрив у сприйнятті між %(instrumental)s та %(instrumental2)s",
                    instrumental=a.instrumental,
                    instrumental2=b.instrumental,
                )
                + (_(" щодо питання %(topic)s", topic=topic) if topic else "")
                + _(
                    ": %(percent)s проти %(percent2)s позитивних відповідей (різниця %(pp)s)",
                    percent=format_percent(gap.share_a),
                    percent2=format_percent(gap.share_b),
                    pp=format_pp(gap.printed_difference_pp or 0),
                )
            )
        for question in self._weak_questions():
            items.append(
                _(
                    "Низька частка позитивних відповідей %(genitive)s на питання "
                    "%(asked)s: %(percent)s",
                    genitive=role_names(question.role).genitive,
                    asked=_asked(question),
                    percent=format_percent(question.positive_share or 0),
                )
            )
        for question in self._unknown_questions():
            unknown = next((o for o in question.options if o.value is None and o.count), None)
            label = f"«{lower_first(unknown.text)}»" if unknown else _("«не знаю»")
            items.append(
                _(
                    "%(percent)s %(surveyed_genitive)s відповіли %(label)s на питання %(asked)s",
                    percent=format_percent(question.unknown_share or 0),
                    surveyed_genitive=role_names(question.role).surveyed_genitive,
                    label=label,
                    asked=_asked(question),
                )
            )
        return items[:MAX_GENERATED_ITEMS]

    def _question_of(self, role: str, key: str) -> QuestionResult | None:
        try:
            return self.analysis.question(role, key)
        except KeyError:
            return None

    def _shortcomings(self) -> None:
        self._paragraph(_("Недоліки, виявлені на основі аналізу анкет:"), "Heading 1")
        items = list(self.texts.shortcomings) or self._generated_shortcomings()
        if not items:
            sufficient = format_percent(self.analysis.thresholds.level_sufficient, 0)
            self._paragraph(
                _(
                    "Суттєвих недоліків за результатами анкетування не виявлено: частка "
                    "позитивних відповідей за всіма показниками не нижча за "
                    "%(sufficient)s, ключових розбіжностей немає.",
                    sufficient=sufficient,
                )
            )
            return
        self._list(items, styles.BULLET)

    def _level(self) -> None:
        analysis = self.analysis
        direction = analysis.campaign.direction_title.strip()
        if analysis.score is not None:
            self._paragraph(
                _(
                    "Середня частка позитивних відповідей за напрямом — %(percent)s.",
                    percent=format_percent(analysis.score),
                )
            )
        if analysis.dynamics is not None and analysis.dynamics.score_change_pp is not None:
            change = analysis.dynamics.score_change_pp
            previous = analysis.dynamics.previous_campaign.academic_year
            trend = (
                _("зросла") if change > 0 else _("знизилася") if change < 0 else _("не змінилася")
            )
            amount = _(" на %(pp)s", pp=format_pp(change)) if change else ""
            self._paragraph(
                _(
                    "Порівняно з %(previous)s навчальним роком вона %(trend)s%(amount)s.",
                    previous=previous,
                    trend=trend,
                    amount=amount,
                )
            )
        override = parse_level(self.texts.level_override)
        level = override or (analysis.final_level.code if analysis.final_level else None)
        if level is None:
            self._paragraph(
                _(
                    "Отже, за напрямом «%(direction)s» рівень не визначено: для цього "
                    "недостатньо відповідей анкетування.",
                    direction=direction,
                )
            )
            return
        self._paragraph(
            _(
                "Отже, за напрямом «%(direction)s» визначено %(level_phrase)s.",
                direction=direction,
                level_phrase=level_phrase(level),
            )
        )
        justification = self.texts.level_justification or (analysis.override_justification or "")
        computed = analysis.computed_level.code if analysis.computed_level else None
        if computed and computed != level:
            self._paragraph(
                _(
                    "Розрахунковий рівень за результатами анкетування — %(level_phrase)s; "
                    "робоча група визначила рівень з урахуванням інших джерел інформації.",
                    level_phrase=level_phrase(computed),
                )
            )
        if justification.strip():
            self._lead_paragraph(_("Обґрунтування:"), _sentence(justification))

    def _generated_improvements(self) -> list[str]:
        items: list[str] = []
        seen_topics: set[str] = set()
        titles = {t.id: t.title for r in self.analysis.requirements for t in r.topics}
        for question in self._weak_questions():
            topic = question.topic or ""
            if topic in seen_topics:
                continue
            seen_topics.add(topic)
            subject = (
                _("за темою «%(titles)s»", titles=titles[topic].strip().rstrip(".:"))
                if topic in titles
                else _("щодо питання %(asked)s", asked=_asked(question))
            )
            items.append(
                _(
                    "посилити роботу %(subject)s: частка позитивних відповідей "
                    "%(genitive)s — %(percent)s",
                    subject=subject,
                    genitive=role_names(question.role).genitive,
                    percent=format_percent(question.positive_share or 0),
                )
            )
        for gap in self.analysis.key_gaps():
            a, b = role_names(gap.role_a), role_names(gap.role_b)
            item = _(
                "обговорити результати анкетування з %(instrumental)s та "
                "%(instrumental2)s, щоб зменшити розбіжність у сприйнятті",
                instrumental=a.instrumental,
                instrumental2=b.instrumental,
            )
            if item not in items:
                items.append(item)
        items = items[:MAX_GENERATED_ITEMS]
        if not items:
            items = [
                _(
                    "підтримувати досягнутий рівень: інформувати учнів і батьків про критерії "
                    "оцінювання, використовувати формувальне оцінювання"
                ),
                _("повторити анкетування в наступному навчальному році, щоб відстежити динаміку"),
            ]
        return items

    def _improvements(self) -> None:
        self._paragraph(_("Шляхи вдосконалення:"), "Heading 1")
        items = list(self.texts.improvements) or self._generated_improvements()
        self._list([lower_first(item) for item in items], styles.DASH, enumeration=True)

    def _generated_recommendations(self) -> list[Recommendation]:
        result: list[Recommendation] = []
        for gap in self.analysis.key_gaps():
            question = self._question_of(gap.role_b, gap.question_b) or self._question_of(
                gap.role_a, gap.question_a
            )
            if question is None:
                continue
            a, b = role_names(gap.role_a), role_names(gap.role_b)
            result.append(
                Recommendation(
                    _(
                        "Подолати розрив у сприйнятті між %(instrumental)s та "
                        "%(instrumental2)s щодо питання %(asked)s: обговорити результати на "
                        "засіданні педагогічної ради, узгодити спільні дії та повторити "
                        "анкетування наприкінці навчального року",
                        instrumental=a.instrumental,
                        instrumental2=b.instrumental,
                        asked=_asked(question),
                    )
                )
            )
        for question in self._weak_questions()[:3]:
            result.append(
                Recommendation(
                    _(
                        "Розробити заходи щодо покращення показника %(asked)s (частка "
                        "позитивних відповідей %(genitive)s — %(percent)s)",
                        asked=_asked(question),
                        genitive=role_names(question.role).genitive,
                        percent=format_percent(question.positive_share or 0),
                    )
                )
            )
        if not result:
            result.append(
                Recommendation(
                    _(
                        "Підтримувати досягнутий рівень і повторити анкетування в наступному "
                        "навчальному році для відстеження динаміки"
                    )
                )
            )
        return result[:MAX_GENERATED_ITEMS]

    def _recommendations(self) -> None:
        self._paragraph(_("Рекомендації щодо усунення недоліків:"), "Heading 1")
        items = list(self.texts.recommendations) or self._generated_recommendations()
        num_id = styles.new_num(self.document, styles.DECIMAL_ABSTRACT)
        for item in items:
            title = item.title.strip()
            if title:
                text = title.rstrip(".:") + ":" if item.items else _sentence(title)
                _set_paragraph_numbering(self._paragraph(text, styles.NUMBER), num_id)
            if item.items:
                self._list(list(item.items), styles.SUB_ITEM)

    def _closing(self) -> None:
        if self.texts.closing:
            self._paragraphs(self.texts.closing)
        if self.texts.signed_by:
            self._paragraph(self.texts.signed_by, styles.SIGNATURE)


def _set_paragraph_numbering(paragraph: Paragraph, num_id: int) -> None:
    """Point a list paragraph at its own list instance (so each list starts at 1)."""
    styles.set_numbering(paragraph._p.get_or_add_pPr(), num_id)
