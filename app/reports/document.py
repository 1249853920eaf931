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

from app.analysis.results import CampaignAnalysis, Gap, QuestionResult, Requirement
from app.reports import charts, styles
from app.reports.errors import ReportError
from app.reports.language import (
    DASH,
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
)
from app.reports.texts import Recommendation, ReportTexts
from app.text_safety import printable
from app.vocabulary import ROLES, parse_level

if TYPE_CHECKING:
    from app.imports.log import ImportEntry

__all__ = ["ReportError", "ReportStats", "build_report", "charted_questions"]

CHART_WIDTH = Cm(14)
MAX_GENERATED_ITEMS = 6
MULTIPLE_NOTE = "можна обрати кілька варіантів"


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
            f"Не вдалося сформувати довідку ({type(error).__name__}: {error})."
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


_SEVERAL_NOTE = re.compile(r"\s*\([^()]*(?:кілька|декілька|можн)[^()]*\)\s*$", re.IGNORECASE)


def _asked(question: QuestionResult) -> str:
    """Return the question's text in «…» for a sentence, without a trailing «(можна обрати
    кілька варіантів)» (the sentence says that itself)."""
    return quoted_question(_SEVERAL_NOTE.sub("", _question_text(question)))


# A lead phrase ending with one of these words runs straight into the figures
# («… найчастіше це «від учителя» — 80,3 %»); any other lead gets a colon.
_CONTINUING_WORDS = frozenset(
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
    note = f" ({MULTIPLE_NOTE})" if multiple else ""
    if lead.endswith(":"):
        return f"{lead[:-1]}{note}: {figures}."
    last_word = lead.rsplit(" ", 1)[-1].lower()
    if last_word in _CONTINUING_WORDS:
        return f"{lead} {figures}{note}."
    return f"{lead}{note}: {figures}."


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
        properties.title = printable(f"Довідка: {info.direction_title}, {info.academic_year}")
        properties.subject = printable(info.direction_title)
        properties.author = printable(info.school)
        properties.language = "uk-UA"
        properties.comments = "Anketa"

    def _paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        # Every text enters the document here or in _lead_paragraph: an old row holding a
        # control character (python-docx refuses them) loses it instead of failing the build.
        return self.document.add_paragraph(printable(text), style=style)

    def _lead_paragraph(self, lead: str, text: str, style: str | None = None) -> Paragraph:
        """A paragraph opening with a bold lead phrase («Ключова розбіжність:»)."""
        paragraph = self._paragraph(style=style)
        paragraph.add_run(lead, style=styles.LEAD)
        paragraph.add_run(printable(" " + text))
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
        self._paragraph("Довідка", "Title")
        self._paragraph(
            "Про аналіз роботи з розбудови внутрішньої системи якості освіти за напрямом "
            f"«{info.direction_title.strip()}» у {info.academic_year} навчальному році.",
            styles.REPORT_SUBTITLE,
        )

    # 2. Introduction -----------------------------------------------------------------------

    def _period(self) -> str:
        if self.texts.period:
            return f"У {self.texts.period}"
        info = self.analysis.campaign
        if info.opens_on and info.closes_on:
            return (
                f"У період з {info.opens_on:%d.%m.%Y} по {info.closes_on:%d.%m.%Y} "
                f"({info.academic_year} навчальний рік)"
            )
        if info.opens_on:
            return f"З {info.opens_on:%d.%m.%Y}"
        return f"У {info.academic_year} навчальному році"

    def _introduction(self) -> None:
        info = self.analysis.campaign
        self._paragraph(
            f"{self._period()} в закладі освіти було проведено самооцінювання за напрямом "
            f"«{info.direction_title.strip()}»."
        )
        group = "створено робочу групу"
        if self.texts.order_number or self.texts.order_date:
            order = "наказ"
            if self.texts.order_date:
                order += f" від {self.texts.order_date}"
            if self.texts.order_number:
                order += f" № {self.texts.order_number.lstrip('№ ')}"
            group += f" ({order})"
        if self.texts.working_group:
            group += " у складі: " + "; ".join(self.texts.working_group)
        answered = [
            counted(self.analysis.respondents.get(role, 0), role_names(role).counted)
            for role in ROLES
            if self.analysis.respondents.get(role, 0) > 0
        ]
        survey = (
            f"проведено анкетування {join_list(answered)}"
            if answered
            else "підготовлено анкетування вчителів, здобувачів освіти та їхніх батьків"
        )
        self._paragraph(
            f"Для цього було {group}, затверджено орієнтовний план роботи робочої групи, "
            f"призначено відповідального, {survey}."
        )
        if imports := self._imports_sentence():
            self._paragraph(imports)
        absent = [role for role in ROLES if self.analysis.respondents.get(role, 0) == 0]
        for role in absent:
            self._paragraph(self._absent_sentence(role))
        for role in ROLES:
            if role in self.analysis.hidden_roles:
                self._paragraph(self._hidden_role_sentence(role) + ", тож їхні відповіді в "
                                "довідці не наведено.")  # fmt: skip
        if self.texts.introduction:
            self._paragraphs(self.texts.introduction)
        else:
            self._paragraph(
                "Робоча група підготувала перелік запитань для анкетування, провела анкетування "
                "та узагальнила його результати з пропозиціями щодо вдосконалення освітньої "
                "діяльності. Отримані дані дозволили порівняти погляди учасників освітнього "
                "процесу та визначити ключові напрямки вдосконалення роботи педагогічного "
                "колективу."
            )
        self._paragraph("Загалом, анкетування показало, що")

    def _imports_sentence(self) -> str:
        """«З них 4 анкети учнів внесено імпортом із файлу (03.12.2026, member@school.ua).», or
        for several imports «З них внесено імпортом із файлів: … та …»; "" without imports."""
        parts = [
            f"{counted(entry.rows, QUESTIONNAIRES_ACCUSATIVE)} {role_names(entry.role).genitive}"
            for entry in self.imports
        ]
        notes = [f"({entry.day}, {entry.who})" for entry in self.imports]
        if len(parts) == 1:
            return f"З них {parts[0]} внесено імпортом із файлу {notes[0]}."
        if parts:
            listed = [f"{part} {note}" for part, note in zip(parts, notes, strict=True)]
            return f"З них внесено імпортом із файлів: {join_list(listed)}."
        return ""

    def _absent_sentence(self, role: str) -> str:
        return f"{role_names(role).plural} участі в анкетуванні не брали ({count_phrase(0)})."

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
            self._paragraph(f"{number}. {title} (вимога {requirement.code}).", "Heading 1")
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
                    self._paragraph("За цією темою питань в анкетах немає.")
            others = _untopical(self.analysis, requirement)
            if others:
                self._paragraph("Інші питання:", styles.TOPIC_HEADING)
                self._questions(others)
                self._gaps(self._gaps_of(others))
            self._requirement_score(requirement)
        unplaced = _unplaced(self.analysis)
        if unplaced:
            number += 1
            self._paragraph(f"{number}. Інші результати анкетування.", "Heading 1")
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
            f"Середня частка позитивних відповідей за вимогою {requirement.code} — "
            f"{format_percent(score.score)}{detail}."
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
            return f"Порівняно з {year} навчальним роком частка позитивних відповідей не змінилася."
        trend = "зросла" if pp > 0 else "знизилася"
        return (
            f"Порівняно з {year} навчальним роком частка позитивних відповідей {trend} на "
            f"{format_pp(pp)} (з {format_percent(change.previous_positive_share or 0)} до "
            f"{format_percent(change.positive_share or 0)})."
        )

    def _caption(self, question: QuestionResult) -> str:
        text = _question_text(question)
        if question.type == "multiple" and "кілька" not in text.lower():
            text += f" ({MULTIPLE_NOTE})"
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
            return f"На питання {_asked(question)} {names.genitive} відповідей не надано."
        if question.hidden and question.type != "text":
            note = self.analysis.hidden_note(question.hidden)
            return (
                f"На питання {_asked(question)} надано {count_phrase(question.answered)} — {note}."
            )
        if question.type == "text" or not question.options:
            return (
                f"На відкрите питання {_asked(question)} надано {count_phrase(question.answered)}."
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
            return (
                f"На питання {asked} ({MULTIPLE_NOTE}) опитані {names.plural.lower()} обрали: "
                f"{figures}."
            )
        first, *rest = shown
        sentence = (
            f"На питання {asked} {format_percent(first.percent or 0)} {names.surveyed_genitive} "
            f"відповіли {_option_label(first.text)}"
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
                text += f" Це питання варто обговорити з {others}."
            self._lead_paragraph("Ключова розбіжність:", text)

    def _gap_sentences(self, gap: Gap) -> list[str]:
        """Return «позитивно оцінюють A % вчителів і B % учнів; різниця …» sentences."""
        a, b = role_names(gap.role_a), role_names(gap.role_b)
        if gap.kind == "multiple":
            sentences = []
            for option in gap.option_gaps:
                if not option.key or option.percent_a is None or option.percent_b is None:
                    continue
                sentences.append(
                    f"варіант {_option_label(option.option_text)} обрали "
                    f"{format_percent(option.percent_a)} {a.genitive} і "
                    f"{format_percent(option.percent_b)} {b.genitive}; різниця "
                    f"{format_pp(option.difference_pp or 0)}, статистично значуща"
                    f"{self._p(option.p_value)}."
                )
            return sentences
        if gap.share_a is None or gap.share_b is None:
            return []
        effect = (
            f", V Крамера {format_number(gap.effect_size, 2)}"
            if gap.effect_size is not None
            else ""
        )
        return [
            f"позитивно оцінюють {format_percent(gap.share_a)} {a.genitive} і "
            f"{format_percent(gap.share_b)} {b.genitive}; різниця "
            f"{format_pp(gap.difference_pp or 0)}, статистично значуща"
            f"{self._p(gap.p_value, effect)}."
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
                f"Розрив у сприйнятті між {a.instrumental} та {b.instrumental}"
                + (f" щодо питання {topic}" if topic else "")
                + f": {format_percent(gap.share_a)} проти {format_percent(gap.share_b)} "
                f"позитивних відповідей (різниця {format_pp(gap.difference_pp or 0)})"
            )
        for question in self._weak_questions():
            items.append(
                f"Низька частка позитивних відповідей {role_names(question.role).genitive} на "
                f"питання {_asked(question)}: "
                f"{format_percent(question.positive_share or 0)}"
            )
        for question in self._unknown_questions():
            unknown = next((o for o in question.options if o.value is None and o.count), None)
            label = f"«{lower_first(unknown.text)}»" if unknown else "«не знаю»"
            items.append(
                f"{format_percent(question.unknown_share or 0)} "
                f"{role_names(question.role).surveyed_genitive} відповіли {label} на питання "
                f"{_asked(question)}"
            )
        return items[:MAX_GENERATED_ITEMS]

    def _question_of(self, role: str, key: str) -> QuestionResult | None:
        try:
            return self.analysis.question(role, key)
        except KeyError:
            return None

    def _shortcomings(self) -> None:
        self._paragraph("Недоліки, виявлені на основі аналізу анкет:", "Heading 1")
        items = list(self.texts.shortcomings) or self._generated_shortcomings()
        if not items:
            sufficient = format_percent(self.analysis.thresholds.level_sufficient, 0)
            self._paragraph(
                "Суттєвих недоліків за результатами анкетування не виявлено: частка позитивних "
                f"відповідей за всіма показниками не нижча за {sufficient}, ключових розбіжностей "
                "немає."
            )
            return
        self._list(items, styles.BULLET)

    def _level(self) -> None:
        analysis = self.analysis
        direction = analysis.campaign.direction_title.strip()
        if analysis.score is not None:
            self._paragraph(
                "Середня частка позитивних відповідей за напрямом — "
                f"{format_percent(analysis.score)}."
            )
        if analysis.dynamics is not None and analysis.dynamics.score_change_pp is not None:
            change = analysis.dynamics.score_change_pp
            previous = analysis.dynamics.previous_campaign.academic_year
            trend = "зросла" if change > 0 else "знизилася" if change < 0 else "не змінилася"
            amount = f" на {format_pp(change)}" if change else ""
            self._paragraph(f"Порівняно з {previous} навчальним роком вона {trend}{amount}.")
        override = parse_level(self.texts.level_override)
        level = override or (analysis.final_level.code if analysis.final_level else None)
        if level is None:
            self._paragraph(
                f"Отже, за напрямом «{direction}» рівень не визначено: для цього недостатньо "
                "відповідей анкетування."
            )
            return
        self._paragraph(f"Отже, за напрямом «{direction}» визначено {level_phrase(level)}.")
        justification = self.texts.level_justification or (analysis.override_justification or "")
        computed = analysis.computed_level.code if analysis.computed_level else None
        if computed and computed != level:
            self._paragraph(
                f"Розрахунковий рівень за результатами анкетування — {level_phrase(computed)}; "
                "робоча група визначила рівень з урахуванням інших джерел інформації."
            )
        if justification.strip():
            self._lead_paragraph("Обґрунтування:", _sentence(justification))

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
                f"за темою «{titles[topic].strip().rstrip('.:')}»"
                if topic in titles
                else f"щодо питання {_asked(question)}"
            )
            items.append(
                f"посилити роботу {subject}: частка позитивних відповідей "
                f"{role_names(question.role).genitive} — "
                f"{format_percent(question.positive_share or 0)}"
            )
        for gap in self.analysis.key_gaps():
            a, b = role_names(gap.role_a), role_names(gap.role_b)
            item = (
                f"обговорити результати анкетування з {a.instrumental} та {b.instrumental}, "
                "щоб зменшити розбіжність у сприйнятті"
            )
            if item not in items:
                items.append(item)
        items = items[:MAX_GENERATED_ITEMS]
        if not items:
            items = [
                "підтримувати досягнутий рівень: інформувати учнів і батьків про критерії "
                "оцінювання, використовувати формувальне оцінювання",
                "повторити анкетування в наступному навчальному році, щоб відстежити динаміку",
            ]
        return items

    def _improvements(self) -> None:
        self._paragraph("Шляхи вдосконалення:", "Heading 1")
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
                    f"Подолати розрив у сприйнятті між {a.instrumental} та {b.instrumental} щодо "
                    f"питання {_asked(question)}: обговорити результати "
                    "на засіданні педагогічної ради, узгодити спільні дії та повторити "
                    "анкетування наприкінці навчального року"
                )
            )
        for question in self._weak_questions()[:3]:
            result.append(
                Recommendation(
                    "Розробити заходи щодо покращення показника "
                    f"{_asked(question)} "
                    f"(частка позитивних відповідей {role_names(question.role).genitive} — "
                    f"{format_percent(question.positive_share or 0)})"
                )
            )
        if not result:
            result.append(
                Recommendation(
                    "Підтримувати досягнутий рівень і повторити анкетування в наступному "
                    "навчальному році для відстеження динаміки"
                )
            )
        return result[:MAX_GENERATED_ITEMS]

    def _recommendations(self) -> None:
        self._paragraph("Рекомендації щодо усунення недоліків:", "Heading 1")
        items = list(self.texts.recommendations) or self._generated_recommendations()
        num_id = styles.new_num(self.document, styles.DECIMAL_ABSTRACT)
        for item in items:
            title = item.title.strip()
            if title:
                text = title.rstrip(".:") + ":" if item.items else _sentence(title)
                _set_paragraph_numbering(self._paragraph(text, styles.NUMBER), num_id)
            if item.items:
                self._list(list(item.items), styles.DASH)

    def _closing(self) -> None:
        if self.texts.closing:
            self._paragraphs(self.texts.closing)
        if self.texts.signed_by:
            self._paragraph(self.texts.signed_by, styles.SIGNATURE)


def _set_paragraph_numbering(paragraph: Paragraph, num_id: int) -> None:
    """Point a list paragraph at its own list instance (so each list starts at 1)."""
    styles.set_numbering(paragraph._p.get_or_add_pPr(), num_id)
