"""The typography of the whole довідка: every text of the seed campaign's document and of the
builder's test campaigns, scanned rule by rule (app.reports.language.typeset).

Each (document, rule) pair is a test of its own, so a failure names the rule and shows the
offending passages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from io import BytesIO

import pytest
from docx import Document

from app.analysis.engine import CampaignCounts, QuestionCounts, analyze
from app.reports.document import build_report
from app.reports.service import campaign_report
from app.reports.texts import ReportTexts
from tests.analysis_fixtures import DEFINITION, INFO
from tests.factories import (
    SMALL_DIRECTION,
    make_campaign,
    make_direction,
    make_responses,
    small_questionnaires,
)
from tests.seed_campaign import make_seed_campaign
from tests.test_report_builder import COUNTS, QUESTIONS, RESPONDENTS, make_analysis

NBSP = "\u00a0"
WORKING_GROUP_TEXTS = {
    "order_number": "№15",
    "order_date": "03.02.2025",
    "working_group": ["Іваненко О. П., заступник директора", "Петренко М. І., учитель"],
    "introduction": "Анкети заповнювали з 03.02.2025 по 18.04.2025...",
    "shortcomings": ["Учні не знають про зворотний зв'язок.."],
    "closing": "Анкетування тривало 03.02.2025 - 18.04.2025; імʼя респондентів не збиралося.",
}


def _lines(data: bytes) -> list[str]:
    """Return every line of text of a .docx: paragraphs, table cells, the title property."""
    document = Document(BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts.extend(cell.text for row in table.rows for cell in row.cells)
    texts.append(document.core_properties.title or "")
    return [line for text in texts for line in text.split("\n")]


def _seed(request: pytest.FixtureRequest) -> bytes:
    return campaign_report(make_seed_campaign(request.getfixturevalue("school")))


def _small(request: pytest.FixtureRequest) -> bytes:
    school = request.getfixturevalue("school")
    direction = make_direction(SMALL_DIRECTION)
    campaign = make_campaign(school, direction, small_questionnaires(direction))
    make_responses(
        campaign, "teachers", [({"understand": "full"}, 3), ({"understand": "mostly"}, 2)]
    )
    make_responses(campaign, "students", [({"clear": "partly", "sources": ["teacher"]}, 4)])
    return campaign_report(campaign)


def _builder(request: pytest.FixtureRequest) -> bytes:
    return build_report(make_analysis())


def _builder_texts(request: pytest.FixtureRequest) -> bytes:
    return build_report(make_analysis(), ReportTexts.from_mapping(WORKING_GROUP_TEXTS))


def _builder_dynamics(request: pytest.FixtureRequest) -> bytes:
    """The builder's campaign against a weaker previous year: «зросла на … в. п.» sentences."""
    weaker = QuestionCounts(50, {"full": 10, "mostly": 10, "partly": 15, "none": 15})
    previous_counts = {**COUNTS, ("students", "s2"): weaker}
    previous = analyze(
        dataclasses.replace(INFO, id=0, academic_year="2023-2024"),
        DEFINITION,
        QUESTIONS,
        CampaignCounts(respondents={**RESPONDENTS, "students": 50}, questions=previous_counts),
    )
    analysis = analyze(
        INFO,
        DEFINITION,
        QUESTIONS,
        CampaignCounts(respondents=RESPONDENTS, questions=COUNTS),
        previous=previous,
    )
    return build_report(analysis)


DOCUMENTS: dict[str, Callable[[pytest.FixtureRequest], bytes]] = {
    "seed": _seed,
    "small": _small,
    "builder": _builder,
    "builder-texts": _builder_texts,
    "builder-dynamics": _builder_dynamics,
}
_built: dict[str, list[str]] = {}


@pytest.fixture(params=list(DOCUMENTS))
def lines(request: pytest.FixtureRequest) -> list[str]:
    """The lines of one довідка, built once per module run (the texts do not change)."""
    if request.param not in _built:
        _built[request.param] = _lines(DOCUMENTS[request.param](request))
    return _built[request.param]


def _matches(pattern: str) -> Callable[[str], list[str]]:
    compiled = re.compile(pattern)

    def find(line: str) -> list[str]:
        return [
            line[max(0, m.start() - 25) : m.end() + 25].replace(NBSP, "⍽")
            for m in compiled.finditer(line)
        ]

    return find


def _line_starts_with_dash(line: str) -> list[str]:
    return [line[:50]] if line.lstrip().startswith("—") else []


def _open_working_group(line: str) -> list[str]:
    """The members are separated by «;»: a comma after the last one runs it into the clause."""
    if "у складі:" not in line:
        return []
    return _matches(r",\s+затверджено")(line)


RULES: dict[str, tuple[str, Callable[[str], list[str]]]] = {
    "double-full-stop": ("a doubled full stop («в. п..»)", _matches(r"(?<!\.)\.\.(?!\.)")),
    "line-starts-with-dash": ("a line starting with «—»", _line_starts_with_dash),
    "breakable-dash": ("an ordinary space before «—» (use U+00A0)", _matches(r"[ \t]—")),
    "year-range-hyphen": ("a year range with a hyphen (use «–»)", _matches(r"\d{4}-\d{4}")),
    "typewriter-apostrophe": ("the apostrophe ' (use ’)", _matches("'")),
    "modifier-apostrophe": ("the apostrophe ʼ (use ’)", _matches("\u02bc")),
    "three-dots": ("«...» (use «…»)", _matches(r"\.\.\.")),
    "numero-without-space": ("«№» without a no-break space", _matches(r"№(?!\u00a0)")),
    "date-range-po": (
        "a date range «з … по …» (use «з … до …»)",
        _matches(r"\d\d\.\d\d\.\d{4}\s+по\s+\d"),
    ),
    "date-range-hyphen": (
        "a date range «… - …»",
        _matches(r"\d\d\.\d\d\.\d{4}\s*[-—]\s*\d"),
    ),
    "open-working-group": (
        "a working-group list not closed with «;»",
        _open_working_group,
    ),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_typography(lines: list[str], rule: str) -> None:
    description, find = RULES[rule]
    found = [snippet for line in lines for snippet in find(line)]
    assert not found, f"{description} in {len(found)} place(s): {found[:5]}"
