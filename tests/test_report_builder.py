"""The довідка builder without a database: analysis results in, a reopened .docx checked.

The analysis comes from the pure engine (``app.analysis.engine.analyze``) on hand-written
counts, so every figure the document prints is known here.
"""

from __future__ import annotations

import dataclasses
import re
from io import BytesIO

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from app.analysis.engine import CampaignCounts, QuestionCounts, QuestionDef, analyze
from app.reports import styles
from app.reports.document import ReportError, ReportStats, build_report, charted_questions
from app.reports.language import NBSP
from app.reports.texts import ReportTexts
from tests.analysis_fixtures import DEFINITION, DEGREE, INFO, SOURCES, YES_NO, grades

GRADES = grades(5, 6, 7)
INSTRUCTION = "Виберіть лише один варіант."
QUESTIONS = (
    QuestionDef(
        "teachers", "t7", 7, "Я розумію що таке критерії оцінювання.", options=DEGREE,
        instruction=INSTRUCTION, topic="criteria", measures="criteria_understanding",
        report_phrases={"lead": "Вчителі впевнені у своєму розумінні критеріїв оцінювання"},
    ),
    QuestionDef(
        "teachers", "t6", 6, "Як здобувачі освіти дізнаються про критерії?", type="multiple",
        options=SOURCES, topic="informing",
    ),
    QuestionDef("teachers", "t20", 20, "Ваші пропозиції", type="text"),
    QuestionDef("students", "s1", 1, "Клас", options=GRADES, segment=True),
    QuestionDef(
        "students", "s2", 2, "Оцінювання моїх навчальних досягнень містить зрозумілі вимоги.",
        options=DEGREE, instruction=INSTRUCTION, topic="criteria",
        measures="criteria_understanding",
    ),
    QuestionDef(
        "students", "s4", 4, "Чи доступна інформація про критерії?", options=YES_NO,
        topic="informing",
    ),
    QuestionDef("students", "s5", 5, "Вчителі мене підтримують.", options=DEGREE, topic="support"),
    QuestionDef(
        "parents", "p5", 5, "Я розумію що таке критерії оцінювання.", options=DEGREE,
        instruction=INSTRUCTION, topic="criteria", measures="criteria_understanding",
    ),
)  # fmt: skip
COUNTS = {
    ("teachers", "t7"): QuestionCounts(31, {"full": 25, "mostly": 6}),
    ("teachers", "t6"): QuestionCounts(31, {"teacher": 29, "class_teacher": 20, "site": 12}),
    ("teachers", "t20"): QuestionCounts(9),
    ("students", "s1"): QuestionCounts(71, {"g5": 30, "g6": 24, "g7": 17}),
    ("students", "s2"): QuestionCounts(71, {"full": 18, "mostly": 24, "partly": 13, "none": 16}),
    ("students", "s4"): QuestionCounts(67, {"yes": 19, "no": 12, "dont_know": 36}),
    ("students", "s5"): QuestionCounts(71, {"full": 18, "mostly": 15, "partly": 14, "none": 24}),
    ("parents", "p5"): QuestionCounts(80, {"full": 23, "mostly": 29, "partly": 11, "none": 17}),
}
RESPONDENTS = {"teachers": 31, "students": 71, "parents": 80}


def make_analysis(respondents=RESPONDENTS, override=None, justification=None, drop=()):
    counts = {
        key: value
        for key, value in COUNTS.items()
        if key[0] not in drop and respondents.get(key[0], 0) > 0
    }
    return analyze(
        INFO,
        DEFINITION,
        QUESTIONS,
        CampaignCounts(respondents=dict(respondents), questions=counts),
        override_level=override,
        override_justification=justification,
    )


def reopen(data: bytes):
    return Document(BytesIO(data))


def texts_of(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def full_text(document) -> str:
    return "\n".join(texts_of(document))


def paragraph_after(paragraphs, predicate):
    for index, paragraph in enumerate(paragraphs):
        if predicate(paragraph):
            return paragraphs[index + 1]
    raise AssertionError("no such paragraph")


@pytest.fixture(scope="module")
def analysis():
    return make_analysis()


@pytest.fixture(scope="module")
def stats_and_document(analysis):
    stats = ReportStats()
    return stats, reopen(build_report(analysis, ReportTexts(), stats))


@pytest.fixture(scope="module")
def document(stats_and_document):
    return stats_and_document[1]


def test_title_and_subject_line(document):
    texts = texts_of(document)
    title = next(p for p in document.paragraphs if p.style.name == "Title")
    assert title.text == "Довідка"
    assert (
        "Про аналіз роботи з розбудови внутрішньої системи якості освіти за напрямом "
        "«Система оцінювання здобувачів освіти» у 2024–2025 навчальному році." in texts
    )
    assert texts[0] == f"Гімназія №{NBSP}1"


def test_introduction_counts_respondents_with_agreement(document):
    assert "проведено анкетування 31 вчителя, 71 здобувача освіти та 80 батьків." in full_text(
        document
    )
    assert "Загалом, анкетування показало, що" in texts_of(document)


def test_one_numbered_section_per_requirement_in_order(document):
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == [
        "1. Наявність відкритої, прозорої і зрозумілої системи оцінювання (вимога 2.1).",
        "2. Систематичне відстеження та коригування (вимога 2.2).",
    ]
    assert headings[2:] == [
        "3. Інші результати анкетування.",  # t20 has neither a topic nor a requirement
        "Недоліки, виявлені на основі аналізу анкет:",
        "Шляхи вдосконалення:",
        "Рекомендації щодо усунення недоліків:",
    ]


def test_topics_are_bulleted_sub_headings_in_order(document):
    topics = [p for p in document.paragraphs if p.style.name == "Heading 2"]
    assert [p.text for p in topics] == [
        "Розуміння критеріїв оцінювання:",
        "Інформування про критерії оцінювання:",
        "Підтримка учнів:",
    ]
    # The bullet is real Word numbering on the style, not a typed character.
    num_pr = document.styles["Heading 2"].element.pPr.find(qn("w:numPr"))
    assert num_pr is not None


def test_single_choice_finding_caption_and_count(document):
    texts = texts_of(document)
    assert (
        f"Вчителі впевнені у своєму розумінні критеріїв оцінювання: 80,6{NBSP}%{NBSP}— «у повній "
        f"мірі», 19,4{NBSP}%{NBSP}— «здебільшого»." in texts
    )
    assert "7. Я розумію що таке критерії оцінювання. Виберіть лише один варіант." in texts
    caption = next(p for p in document.paragraphs if p.text.startswith("7. Я розумію"))
    assert caption.style.name == "Caption"
    # The caption and count stay with the chart on one page; the finding may end a page (a
    # chain from the topic's heading to the chart left pages half blank).
    for name in ("Caption", styles.RESPONSE_COUNT):
        assert document.styles[name].paragraph_format.keep_with_next is True
    assert not document.styles[styles.FINDING].paragraph_format.keep_with_next
    count = paragraph_after(document.paragraphs, lambda p: p is caption or p._p is caption._p)
    assert count.text == "31 відповідь"


def test_default_finding_in_the_seed_pattern(document):
    assert (
        f"На питання «Оцінювання моїх навчальних досягнень містить зрозумілі вимоги» 25,4{NBSP}% "
        f"опитаних учнів відповіли «у повній мірі», 33,8{NBSP}%{NBSP}— «здебільшого», "
        f"18,3{NBSP}%{NBSP}— «частково», 22,5{NBSP}%{NBSP}— «зовсім ні»." in texts_of(document)
    )


def test_multiple_choice_sorted_by_share_and_marked(document):
    text = full_text(document)
    assert (
        f"(можна обрати кілька варіантів) опитані вчителі обрали: «від учителя-предметника»{NBSP}— "
        f"93,5{NBSP}%, «від класного керівника»{NBSP}— 64,5{NBSP}%, «на сайті школи»{NBSP}— "
        f"38,7{NBSP}%."
    ) in text
    assert "6. Як здобувачі освіти дізнаються про критерії? (можна обрати кілька варіантів)" in text


def test_counts_of_every_question(document):
    counts = [p.text for p in document.paragraphs if p.style.name == styles.RESPONSE_COUNT]
    # t7, s2, p5 | t6, s4 | s5 | t20 (other results)
    assert counts == [
        "31 відповідь",
        "71 відповідь",
        "80 відповідей",
        "31 відповідь",
        "67 відповідей",
        "71 відповідь",
        "9 відповідей",
    ]


def test_key_gap_names_both_roles_and_figures(document):
    gaps = [p.text for p in document.paragraphs if p.text.startswith("Ключова розбіжність:")]
    assert gaps, "the criteria_understanding gap is key (100,0 vs 59,2)"
    assert gaps[0].startswith(
        f"Ключова розбіжність: позитивно оцінюють 100,0{NBSP}% вчителів і 59,2{NBSP}% учнів; "
        f"різниця 40,8{NBSP}в.{NBSP}п., статистично значуща (p{NBSP}<{NBSP}0,001"
    )
    lead = next(p for p in document.paragraphs if p.text.startswith("Ключова розбіжність:"))
    assert lead.runs[0].text == "Ключова розбіжність:"
    assert lead.runs[0].style.name == "Strong"


def test_one_picture_per_charted_question(analysis, stats_and_document):
    stats, document = stats_and_document
    charted = charted_questions(analysis)
    # t7, s2, p5, t6, s4, s5 — not the text question, not the segment question
    assert [f"{q.role}:{q.key}" for q in charted] == [
        "teachers:t7",
        "students:s2",
        "parents:p5",
        "teachers:t6",
        "students:s4",
        "students:s5",
    ]
    assert len(document.inline_shapes) == len(charted) == stats.pictures == 6
    for shape in document.inline_shapes:
        assert shape.width == Mm(140)


def test_open_question_shows_only_the_count(document):
    text = full_text(document)
    assert "На відкрите питання «Ваші пропозиції» надано 9 відповідей." in text


def test_level_sentence(document, analysis):
    assert analysis.final_level is not None
    phrase = {"high": "високий рівень", "sufficient": "достатній рівень"}.get(
        analysis.final_level.code, analysis.final_level.label
    )
    assert (
        f"Отже, за напрямом «Система оцінювання здобувачів освіти» визначено {phrase}."
        in texts_of(document)
    )


def test_generated_shortcomings_improvements_and_recommendations(document):
    paragraphs = document.paragraphs
    bullets = [p.text for p in paragraphs if p.style.name == "List Bullet"]
    assert any("Розрив у сприйнятті між вчителями та учнями" in b for b in bullets)
    assert any(f"46,5{NBSP}%" in b and "Вчителі мене підтримують" in b for b in bullets)
    dashes = [p.text for p in paragraphs if p.style.name == styles.DASH]
    assert dashes and dashes[-1].endswith(".") and all(d.endswith(";") for d in dashes[:-1])
    numbered = [p.text for p in paragraphs if p.style.name == "List Number"]
    assert numbered and all(n.endswith(".") for n in numbered)


def test_no_placeholders_anywhere(document):
    for paragraph in document.paragraphs:
        for bad in ("None", "TODO", "{", "}", "nan"):
            assert bad not in paragraph.text, (bad, paragraph.text)


def test_page_setup_and_styles(document):
    section = document.sections[0]
    measured = [
        section.page_width,
        section.page_height,
        section.left_margin,
        section.right_margin,
        section.top_margin,
        section.bottom_margin,
    ]
    # Word stores twentieths of a point: compare to a tenth of a millimetre.
    assert [round(length.mm, 1) for length in measured] == [210, 297, 30, 10, 20, 20]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(slot)) == "Times New Roman"
    for name in ("Title", "Heading 1", "Heading 2", "Caption", "List Bullet", "List Number"):
        style_fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert style_fonts.get(qn("w:ascii")) == "Times New Roman", name
        assert style_fonts.get(qn("w:asciiTheme")) is None, name
    for name in ("List Bullet", "List Number", styles.DASH, styles.SUB_ITEM):
        assert document.styles[name].element.pPr.find(qn("w:numPr")) is not None, name


def test_custom_styles_have_ukrainian_names_and_ascii_ids(document):
    for name, style_id in styles.STYLE_IDS.items():
        style = document.styles[name]
        assert re.search("[а-яіїєґ]", style.name), name  # i18n: data
        assert style.style_id == style_id


def _list_indent(document, style_name: str) -> tuple[int, int]:
    """Return the (left, hanging) indent in twips of the list a style is numbered with."""
    num_id = document.styles[style_name].element.pPr.numPr.numId.val
    numbering = document.part.numbering_part.element
    num = numbering.num_having_numId(num_id)
    abstract = next(
        a
        for a in numbering.findall(qn("w:abstractNum"))
        if a.get(qn("w:abstractNumId")) == str(num.abstractNumId.val)
    )
    ind = abstract.find(f"{qn('w:lvl')}/{qn('w:pPr')}/{qn('w:ind')}")
    return int(ind.get(qn("w:left"))), int(ind.get(qn("w:hanging")))


def test_recommendation_items_are_indented_under_their_number(document):
    number_left, _ = _list_indent(document, styles.NUMBER)
    item_left, item_hanging = _list_indent(document, styles.SUB_ITEM)
    assert item_left - item_hanging == number_left  # the dash where the number's text begins


def test_no_run_carries_its_own_font(document):
    """Styles are set once in the document, never on individual runs."""
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            assert run.font.name is None and run.font.size is None, paragraph.text


def test_working_group_texts_replace_the_defaults(analysis):
    texts = ReportTexts.from_mapping(
        {
            "period": "лютому – квітні 2025 р.",
            "order_number": "15",
            "order_date": "03.02.2025",
            "working_group": ["Іваненко О. П.", "Петренко М. І."],
            "requirement_notes": {"2.1": "У закладі освіти розроблено систему оцінювання."},
            "topic_notes": {"criteria": "Критерії висвітлено на стендах."},
            "shortcomings": ["Недостатня прозорість критеріїв для учнів"],
            "improvements": ["Вчителям аргументувати оцінку учнів", "залучати учнів"],
            "recommendations": [
                {
                    "title": "Забезпечення прозорості критеріїв",
                    "items": ["Оприлюднити", "Пояснити"],
                },
                "Провести тренінги для вчителів",
            ],
            "closing": "Впровадження рекомендацій сприятиме прозорості.",
            "signed_by": "Голова робочої групи О. П. Іваненко",
        }
    )
    document = reopen(build_report(analysis, texts))
    paragraphs = texts_of(document)
    assert paragraphs[3].startswith(
        "У лютому – квітні 2025 р. в закладі освіти було проведено самооцінювання"
    )
    assert (
        f"Для цього було створено робочу групу (наказ від 03.02.2025 №{NBSP}15) у складі: "
        "Іваненко О. П.; Петренко М. І.; затверджено" in full_text(document)
    )
    heading = paragraphs.index(
        "1. Наявність відкритої, прозорої і зрозумілої системи оцінювання (вимога 2.1)."
    )
    assert paragraphs[heading + 1] == "У закладі освіти розроблено систему оцінювання."
    assert paragraphs[heading + 3] == "Критерії висвітлено на стендах."
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["Недостатня прозорість критеріїв для учнів."]
    dashes = [p.text for p in document.paragraphs if p.style.name == styles.DASH]
    assert dashes == ["вчителям аргументувати оцінку учнів;", "залучати учнів."]
    items = [p.text for p in document.paragraphs if p.style.name == styles.SUB_ITEM]
    assert items == ["Оприлюднити.", "Пояснити."]  # recommendation items are sentences
    numbered = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert numbered == ["Забезпечення прозорості критеріїв:", "Провести тренінги для вчителів."]
    assert paragraphs[-2:] == [
        "Впровадження рекомендацій сприятиме прозорості.",
        "Голова робочої групи О. П. Іваненко",
    ]


@pytest.mark.parametrize(
    ("override", "phrase"),
    [
        ("high", "високий рівень"),
        ("needs_improvement", "рівень, що вимагає покращення"),
        ("low", "низький рівень"),
    ],
)
def test_level_override_with_justification(override, phrase):
    analysis = make_analysis(override=override, justification="Врахували результати ЗНО.")
    document = reopen(build_report(analysis, ReportTexts()))
    texts = texts_of(document)
    assert f"Отже, за напрямом «Система оцінювання здобувачів освіти» визначено {phrase}." in texts
    assert "Обґрунтування: Врахували результати ЗНО." in texts


def test_texts_level_override_wins_without_the_database(analysis):
    texts = ReportTexts.from_mapping({"level_override": "високий", "level_justification": "Так."})
    document = reopen(build_report(analysis, texts))
    assert (
        "Отже, за напрямом «Система оцінювання здобувачів освіти» визначено високий рівень."
        in texts_of(document)
    )


def test_role_without_responses_is_said_in_words():
    analysis = make_analysis(respondents={"teachers": 31, "students": 71, "parents": 0})
    stats = ReportStats()
    document = reopen(build_report(analysis, ReportTexts(), stats))
    texts = texts_of(document)
    assert "Батьки участі в анкетуванні не брали (0 відповідей)." in texts
    assert "проведено анкетування 31 вчителя та 71 здобувача освіти." in full_text(document)
    assert not any("80 відповідей" in text for text in texts)
    assert len(document.inline_shapes) == stats.pictures == 5  # p5 is not charted


def test_campaign_without_any_response():
    analysis = make_analysis(respondents={"teachers": 0, "students": 0, "parents": 0})
    document = reopen(build_report(analysis, ReportTexts()))
    texts = texts_of(document)
    for role in ("Вчителі", "Учні", "Батьки"):
        assert f"{role} участі в анкетуванні не брали (0 відповідей)." in texts
    assert len(document.inline_shapes) == 0
    assert any("рівень не визначено" in text for text in texts)
    for paragraph in texts:
        assert "None" not in paragraph and "{" not in paragraph


def test_unanswered_question_of_a_role_that_answered():
    analysis = make_analysis(drop=("students",))  # students responded but answered nothing
    document = reopen(build_report(analysis, ReportTexts()))
    text = full_text(document)
    assert "учнів відповідей не надано." in text
    assert "71 відповідь" not in text


def test_questionnaire_template_phrase_is_filled():
    questions = tuple(
        QuestionDef(
            q.role, q.key, q.number, q.text, type=q.type, options=q.options,
            instruction=q.instruction, topic=q.topic, measures=q.measures, segment=q.segment,
            report_phrases={"template": "{role}: {figures} (усього {answered})"}
            if q.key == "s5" else {"template": "{unknown}"} if q.key == "s4" else None,
        )
        for q in QUESTIONS
    )  # fmt: skip
    analysis = analyze(
        INFO, DEFINITION, questions, CampaignCounts(respondents=RESPONDENTS, questions=COUNTS)
    )
    text = full_text(reopen(build_report(analysis)))
    assert f"Учні: 25,4{NBSP}%{NBSP}— «у повній мірі»" in text
    assert "(усього 71 відповідь)." in text
    # A malformed template falls back to the default sentence.
    assert "На питання «Чи доступна інформація про критерії?» 28,4" in text


def test_every_failure_is_a_report_error(analysis, monkeypatch):
    from app.reports import charts

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    charts.clear_cache()
    monkeypatch.setattr(charts, "_pie", broken)
    with pytest.raises(ReportError, match="Не вдалося сформувати довідку"):
        build_report(analysis, ReportTexts())


def test_document_is_small(analysis):
    data = build_report(analysis, ReportTexts())
    assert len(data) < 6 * 40_000  # six charts, a few dozen KB each
    assert re.match(rb"PK\x03\x04", data)


def test_charts_drawn_in_processes_give_the_same_document(analysis):
    from app.reports import charts

    charts.clear_cache()
    parallel_stats, serial_stats = ReportStats(), ReportStats()
    parallel = reopen(build_report(analysis, ReportTexts(), parallel_stats, chart_workers=2))
    charts.clear_cache()
    serial = reopen(build_report(analysis, ReportTexts(), serial_stats, chart_workers=1))
    assert texts_of(parallel) == texts_of(serial)
    assert parallel_stats.pictures == serial_stats.pictures == 6
    assert parallel_stats.chart_bytes == serial_stats.chart_bytes


def test_several_options_note_is_not_repeated():
    question = QuestionDef(
        "students", "s9", 9, "Інформацію про критерії я отримую... (можна обрати декілька "
        "варіантів відповідей)", type="multiple", options=SOURCES, topic="informing",
        instruction="Виберіть усе, що підходить.",
    )  # fmt: skip
    counts = {**COUNTS, ("students", "s9"): QuestionCounts(71, {"teacher": 60, "site": 5})}
    analysis = analyze(
        INFO,
        DEFINITION,
        (*QUESTIONS, question),
        CampaignCounts(respondents=RESPONDENTS, questions=counts),
    )
    texts = texts_of(reopen(build_report(analysis)))
    finding = next(t for t in texts if t.startswith("На питання «Інформацію про критерії"))
    assert finding.count("кілька варіантів") == 1
    assert finding.startswith(
        "На питання «Інформацію про критерії я отримую» (можна обрати кілька варіантів) "
        f"опитані учні обрали: «від учителя-предметника»{NBSP}— 84,5{NBSP}%"
    )
    assert (
        "9. Інформацію про критерії я отримую… (можна обрати декілька варіантів відповідей) "
        "Виберіть усе, що підходить." in texts
    )


def test_properties_are_in_schema_order(document):
    """Word rejects a file whose w:pPr / w:rPr children are out of schema order."""
    from app.reports.styles import _PPR_ORDER, _RPR_ORDER

    def in_order(element, order):
        ranks = [order.index(child.tag.split("}")[1]) for child in element]
        return ranks == sorted(ranks)

    roots = [document.styles.element, document.element.body]
    for root in roots:
        for ppr in root.iter(qn("w:pPr")):
            assert in_order(ppr, _PPR_ORDER), [c.tag for c in ppr]
        for rpr in root.iter(qn("w:rPr")):
            assert in_order(rpr, _RPR_ORDER), [c.tag for c in rpr]
    numbering = document.part.numbering_part.element
    tags = [child.tag.split("}")[1] for child in numbering]
    assert tags.index("num") > max(i for i, t in enumerate(tags) if t == "abstractNum")


def test_dynamics_against_the_previous_year():
    previous_info = dataclasses.replace(
        INFO, id=0, academic_year="2023-2024", title="Самооцінювання 2023-2024"
    )
    previous_counts = {
        **COUNTS,
        ("students", "s2"): QuestionCounts(
            50, {"full": 10, "mostly": 10, "partly": 15, "none": 15}
        ),
    }
    previous = analyze(
        previous_info,
        DEFINITION,
        QUESTIONS,
        CampaignCounts(respondents={"teachers": 31, "students": 50, "parents": 80},
                       questions=previous_counts),
    )  # fmt: skip
    analysis = analyze(
        INFO,
        DEFINITION,
        QUESTIONS,
        CampaignCounts(respondents=RESPONDENTS, questions=COUNTS),
        previous=previous,
    )
    texts = texts_of(reopen(build_report(analysis)))
    s2 = next(t for t in texts if t.startswith("На питання «Оцінювання моїх навчальних"))
    assert s2.endswith(
        "Порівняно з 2023–2024 навчальним роком частка позитивних відповідей зросла на "
        f"19,2{NBSP}в.{NBSP}п. (з 40,0{NBSP}% до 59,2{NBSP}%)."
    )
    t7 = next(t for t in texts if t.startswith("Вчителі впевнені"))
    assert t7.endswith("частка позитивних відповідей не змінилася.")
    assert any(t.startswith("Порівняно з 2023–2024 навчальним роком вона") for t in texts)


def test_gap_difference_is_the_difference_of_the_printed_figures():
    # 37/71 = 52,11… % and 61/80 = 76,25 %: printed 52,1 % and 76,3 %, whose difference is
    # 24,2, while the exact difference (24,137…) rounds to 24,1.
    students = {"full": 18, "mostly": 19, "partly": 18, "none": 16}
    parents = {"full": 30, "mostly": 31, "partly": 11, "none": 8}
    counts = {
        **COUNTS,
        ("students", "s2"): QuestionCounts(71, students),
        ("parents", "p5"): QuestionCounts(80, parents),
    }
    analysis = analyze(
        INFO, DEFINITION, QUESTIONS, CampaignCounts(respondents=RESPONDENTS, questions=counts)
    )
    pair = {"students", "parents"}
    gap = next(
        g
        for g in analysis.gaps
        if g.construct == "criteria_understanding" and {g.role_a, g.role_b} == pair
    )
    assert gap.key and abs(gap.difference_pp) == 24.1, "the analysis keeps its own rounding"
    text = full_text(reopen(build_report(analysis)))
    assert f"52,1{NBSP}%" in text and f"76,3{NBSP}%" in text
    assert f"різниця 24,2{NBSP}в.{NBSP}п." in text
    assert f"24,1{NBSP}в.{NBSP}п." not in text
