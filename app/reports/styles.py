"""The довідка's page and styles, defined once in the document (never on individual runs).

A4; margins per ДСТУ 4163-2020 (left 30 mm, right 10 mm, top and bottom 20 mm); Times New
Roman 14 on every style, with the East-Asian and complex-script font slots set as well, so that
Word does not fall back to a theme font for Cyrillic; Ukrainian as the proofing language.
Bullets and numbers are real Word numbering (``w:numPr`` on the list styles), not typed
characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle, ParagraphStyle

from app.vocabulary import N_

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
CAPTION_SIZE = Pt(12)
FIRST_LINE_INDENT = Cm(1.25)
BLACK = RGBColor(0, 0, 0)
NUMBER_HANG_CM = 0.63  # from a list item's bullet or number to its text

# Custom style names: Ukrainian, as Word shows them in the style gallery to the people who edit
# the довідка (built-in styles such as «Heading 1» are named by Word in the user's language).
# They are marked for the catalog but never translated at run time: a name is also the key the
# builder and the tests look a style up by. Each gets a stable ASCII style id (STYLE_IDS).
REPORT_SUBTITLE = N_("Підзаголовок довідки")
SCHOOL_LINE = N_("Назва закладу")
RESPONSE_COUNT = N_("Кількість відповідей")
FIGURE = N_("Діаграма")
TOPIC_HEADING = "Heading 2"
BULLET = "List Bullet"
DASH = N_("Список з тире")
SUB_ITEM = N_("Підпункт рекомендації")
NUMBER = "List Number"
LEAD = "Strong"
SIGNATURE = N_("Підпис")
FINDING = N_("Висновок щодо питання")
STYLE_IDS = {
    REPORT_SUBTITLE: "ReportSubtitle",
    SCHOOL_LINE: "SchoolLine",
    RESPONSE_COUNT: "ResponseCount",
    FIGURE: "Figure",
    DASH: "ListDash",
    SUB_ITEM: "RecommendationItem",
    SIGNATURE: "SignatureLine",
    FINDING: "Finding",
}


def _set_fonts(style: BaseStyle, size: Pt | None = None) -> None:
    """Set Times New Roman on every font slot of the style (ascii, hAnsi, eastAsia, cs)."""
    font = style.font  # type: ignore[attr-defined]
    font.name = FONT
    if size is not None:
        font.size = size
    font.color.rgb = BLACK
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme_attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme_attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    if size is not None:
        size_cs = rpr.find(qn("w:szCs"))
        if size_cs is None:
            size_cs = OxmlElement("w:szCs")
            rpr.append(size_cs)
        size_cs.set(qn("w:val"), str(int(size.pt * 2)))


def _set_language(style: BaseStyle, language: str = "uk-UA") -> None:
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), language)


def _remove_border(style: BaseStyle) -> None:
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)


def _paragraph_style(document: DocumentObject, name: str, base: str = "Normal") -> ParagraphStyle:
    styles = document.styles
    try:
        return styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if name in STYLE_IDS:  # python-docx derives the id from the (Cyrillic) name
            style.style_id = STYLE_IDS[name]
        style.base_style = styles[base]
        style.quick_style = True
        return style


def set_numbering(ppr: Any, num_id: int, level: int = 0) -> None:
    """Point a paragraph's or a style's properties (``w:pPr``) at a list, in schema order."""
    num_pr = ppr.get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


def _set_numbering(style: BaseStyle, num_id: int, level: int = 0) -> None:
    set_numbering(style.element.get_or_add_pPr(), num_id, level)


# The order of w:pPr and w:rPr children that the WordprocessingML schema requires (Word
# refuses a file whose properties are out of order; LibreOffice does not mind).
_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
_RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]


def _sort_children(element: Any, order: list[str]) -> None:
    rank = {qn(f"w:{name}"): index for index, name in enumerate(order)}
    children = list(element)
    children.sort(key=lambda child: rank.get(child.tag, len(rank)))
    for child in children:
        element.remove(child)
        element.append(child)


def normalise_order(document: DocumentObject) -> None:
    """Put the children of every style's w:pPr and w:rPr in schema order."""
    for style in document.styles.element.iter(qn("w:style")):
        for ppr in style.iter(qn("w:pPr")):
            _sort_children(ppr, _PPR_ORDER)
        for rpr in style.iter(qn("w:rPr")):
            _sort_children(rpr, _RPR_ORDER)


def _abstract_numbering(
    numbering: object, abstract_id: int, fmt: str, text: str, indent_cm: float
) -> None:
    """Append a one-level list definition (bullet or decimal) to numbering.xml."""
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(abstract_id))
    multi = OxmlElement("w:multiLevelType")
    multi.set(qn("w:val"), "singleLevel")
    abstract.append(multi)
    level = OxmlElement("w:lvl")
    level.set(qn("w:ilvl"), "0")
    for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        level.append(element)
    justification = OxmlElement("w:lvlJc")
    justification.set(qn("w:val"), "left")
    level.append(justification)
    ppr = OxmlElement("w:pPr")
    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "num")
    tab.set(qn("w:pos"), str(int(Cm(indent_cm).twips)))
    tabs.append(tab)
    ppr.append(tabs)
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), str(int(Cm(indent_cm).twips)))
    ind.set(qn("w:hanging"), str(int(Cm(NUMBER_HANG_CM).twips)))
    ppr.append(ind)
    level.append(ppr)
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), FONT)
    fonts.set(qn("w:hint"), "default")
    rpr.append(fonts)
    level.append(rpr)
    abstract.append(level)
    # abstractNum elements must precede num elements in numbering.xml.
    first_num = numbering.find(qn("w:num"))  # type: ignore[attr-defined]
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)  # type: ignore[attr-defined]


def new_num(document: DocumentObject, abstract_id: int) -> int:
    """Add a list instance of an abstract list definition (restarting at 1); return its id."""
    numbering = document.part.numbering_part.element
    used = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    num_id = max(used, default=0) + 1
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(num_id))
    abstract = OxmlElement("w:abstractNumId")
    abstract.set(qn("w:val"), str(abstract_id))
    num.append(abstract)
    override = OxmlElement("w:lvlOverride")
    override.set(qn("w:ilvl"), "0")
    start = OxmlElement("w:startOverride")
    start.set(qn("w:val"), "1")
    override.append(start)
    num.append(override)
    numbering.append(num)
    return num_id


BULLET_ABSTRACT = 101
DASH_ABSTRACT = 102
DECIMAL_ABSTRACT = 103
SUB_DASH_ABSTRACT = 104


@dataclass(frozen=True)
class StyleSpec:
    """What the довідка sets on one style; None leaves a property as the template has it.

    A ``size`` also puts Times New Roman on every font slot. A style the template lacks is
    created as a paragraph style based on Normal.
    """

    name: str
    size: Pt | None = None
    bold: bool | None = None
    italic: bool | None = None
    all_caps: bool | None = None
    alignment: WD_ALIGN_PARAGRAPH | None = None
    first_line_indent: Length | None = None
    space_before: Length | None = None
    space_after: Length | None = None
    line_spacing_rule: WD_LINE_SPACING | None = None
    widow_control: bool | None = None
    keep_with_next: bool | None = None


_FONT_FIELDS = ("bold", "italic", "all_caps")
# In the order they are set, which is the order of the attributes in the XML (w:spacing).
_PARAGRAPH_FIELDS = (
    "alignment",
    "first_line_indent",
    "space_before",
    "space_after",
    "line_spacing_rule",
    "widow_control",
    "keep_with_next",
)
_CENTER, _JUSTIFY, _LEFT = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
    WD_ALIGN_PARAGRAPH.LEFT,
)
_NO_INDENT = Cm(0)

STYLE_SPECS = (
    StyleSpec(
        "Normal",
        BODY_SIZE,
        alignment=_JUSTIFY,
        first_line_indent=FIRST_LINE_INDENT,
        space_before=Pt(0),
        space_after=Pt(6),
        line_spacing_rule=WD_LINE_SPACING.SINGLE,
        widow_control=True,
    ),
    StyleSpec(
        "Title",
        Pt(16),
        bold=True,
        all_caps=False,
        alignment=_CENTER,
        first_line_indent=_NO_INDENT,
        space_after=Pt(6),
    ),
    StyleSpec(
        REPORT_SUBTITLE,
        BODY_SIZE,
        bold=True,
        alignment=_CENTER,
        first_line_indent=_NO_INDENT,
        space_after=Pt(12),
    ),
    StyleSpec(
        SCHOOL_LINE,
        BODY_SIZE,
        bold=False,
        alignment=_CENTER,
        first_line_indent=_NO_INDENT,
        space_after=Pt(12),
    ),
    StyleSpec(
        "Heading 1",
        BODY_SIZE,
        bold=True,
        italic=False,
        alignment=_JUSTIFY,
        first_line_indent=FIRST_LINE_INDENT,
        space_before=Pt(12),
        space_after=Pt(6),
        keep_with_next=True,
    ),
    StyleSpec(
        TOPIC_HEADING,
        BODY_SIZE,
        bold=True,
        italic=False,
        alignment=_LEFT,
        first_line_indent=_NO_INDENT,
        space_before=Pt(10),
        space_after=Pt(6),
        keep_with_next=True,
    ),
    StyleSpec(
        "Caption",
        CAPTION_SIZE,
        bold=True,
        italic=False,
        alignment=_LEFT,
        first_line_indent=_NO_INDENT,
        space_before=Pt(6),
        space_after=Pt(0),
        keep_with_next=True,
    ),
    StyleSpec(
        RESPONSE_COUNT,
        CAPTION_SIZE,
        italic=True,
        alignment=_LEFT,
        first_line_indent=_NO_INDENT,
        space_after=Pt(2),
        keep_with_next=True,
    ),
    # A finding may end a page: chaining it to the caption, count and chart after it (and the
    # headings before it to it) moved blocks of half a page at once and left pages half blank.
    # The caption and the count stay with their chart.
    StyleSpec(FINDING),
    StyleSpec(FIGURE, alignment=_CENTER, first_line_indent=_NO_INDENT, space_after=Pt(10)),
    StyleSpec(SIGNATURE, alignment=_LEFT, first_line_indent=_NO_INDENT, space_before=Pt(24)),
    StyleSpec(LEAD, bold=True),
)
# The list styles: their bullet or number (topic sub-headings carry a real bullet too:
# «• Розуміння критеріїв оцінювання:»).
LIST_NUMBERING = (
    (BULLET, BULLET_ABSTRACT),
    (NUMBER, DECIMAL_ABSTRACT),
    (DASH, DASH_ABSTRACT),
    (SUB_ITEM, SUB_DASH_ABSTRACT),
    (TOPIC_HEADING, BULLET_ABSTRACT),
)


def _apply(document: DocumentObject, spec: StyleSpec) -> None:
    style = _paragraph_style(document, spec.name)
    if spec.size is not None:
        _set_fonts(style, spec.size)
    for field in _FONT_FIELDS:
        if (value := getattr(spec, field)) is not None:
            setattr(style.font, field, value)
    for field in _PARAGRAPH_FIELDS:
        if (value := getattr(spec, field)) is not None:
            setattr(style.paragraph_format, field, value)


def apply_page_and_styles(document: DocumentObject) -> None:
    """Set up the page and every style the довідка uses."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(30), Mm(10)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.header_distance = section.footer_distance = Mm(10)

    styles = document.styles
    _set_language(styles["Normal"])
    _remove_border(styles["Title"])
    for spec in STYLE_SPECS:
        _apply(document, spec)

    numbering = document.part.numbering_part.element
    _abstract_numbering(numbering, BULLET_ABSTRACT, "bullet", "•", 1.25)
    _abstract_numbering(numbering, DASH_ABSTRACT, "bullet", "–", 1.25)
    _abstract_numbering(numbering, DECIMAL_ABSTRACT, "decimal", "%1.", 1.25)
    # A recommendation's items: the dash where the text of the number above begins.
    _abstract_numbering(numbering, SUB_DASH_ABSTRACT, "bullet", "–", 1.25 + NUMBER_HANG_CM)
    _paragraph_style(document, DASH, base=BULLET)
    _paragraph_style(document, SUB_ITEM, base=BULLET)
    for name, abstract_id in LIST_NUMBERING:
        _set_numbering(styles[name], new_num(document, abstract_id))
    for name in (BULLET, NUMBER, DASH, SUB_ITEM):
        style = styles[name]
        _set_fonts(style, BODY_SIZE)
        style.paragraph_format.first_line_indent = None
        style.paragraph_format.space_after = Pt(3)
    normalise_order(document)


def add_page_number_header(document: DocumentObject) -> None:
    """Number the pages at the top centre, leaving the first page unnumbered."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Cm(0)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
