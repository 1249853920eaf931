"""Server-made HTML/CSS charts for the results page: no script, no third-party request.

A stacked bar is a row of ``<i>`` segments whose widths are the option percents; the same
level of every scale has the same colour everywhere (``lvl-1`` the best … ``lvl-4`` the worst,
``unk`` for «не знаю»), nominal options (grades) take ``cat-N`` colours. Every bar carries its
numbers as text (a label inside wide segments and an ``aria-label`` on the bar), and the
template prints the same numbers in a table next to it (no ``title`` per segment or change mark:
the page repeats them a thousand times and the table already says it).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.analysis.results import OptionResult
from app.analysis.rules import round_half_up
from app.reports.language import NBSP, PERCENTAGE_POINTS, format_p_value
from app.reports.language import format_number as babel_number


def format_number(value: float, places: int = 1) -> str:
    """Return ``value`` half-up rounded with a decimal comma: 25.4 → «25,4».

    The same digits as ``app.reports.language.format_number`` (Babel), without Babel's cost
    for the few hundred figures of a page; numbers from 1,000 on (grouped) go to Babel.
    """
    if abs(value) >= 1000:
        return babel_number(value, places)
    return f"{round_half_up(value, places):.{places}f}".replace(".", ",")


def format_percent(value: float) -> str:
    """Return «25,4 %» with a no-break space before the sign."""
    return f"{format_number(value)}{NBSP}%"


def format_pp(value: float) -> str:
    """Return «40,8 в. п.» (absolute value)."""
    return f"{format_number(abs(value))}{NBSP}{_(PERCENTAGE_POINTS)}"


#: Below this width (in %) a segment carries no printed label (it would not fit).
LABEL_MIN_WIDTH = 9.0
LEVEL_CLASSES = ("lvl-1", "lvl-2", "lvl-3", "lvl-4")


def level_classes(options: Sequence[OptionResult]) -> dict[str, str]:
    """Return {option key: CSS class}: valued options by rank of value (best → ``lvl-1``,
    worst → ``lvl-4``, spread over the four colours), options without a value ``unk``;
    when no option has a value (a nominal question), ``cat-0``, ``cat-1``… in order."""
    valued = sorted({o.value for o in options if o.value is not None}, reverse=True)
    if not valued:
        return {option.key: f"cat-{index % 8}" for index, option in enumerate(options)}
    span = len(valued) - 1
    classes = {}
    for option in options:
        if option.value is None:
            classes[option.key] = "unk"
        else:
            rank = valued.index(option.value)
            classes[option.key] = LEVEL_CLASSES[round(rank * 3 / span) if span else 0]
    return classes


def stacked_bar(options: Sequence[OptionResult], label: str | None = None) -> Markup:
    """Return one horizontal 100 % bar of a single-choice distribution.

    With a ``label`` (the group, e.g. «вчителі») the bar is an image for screen readers that
    says its numbers and prints them inside wide segments. Without one it is decoration
    (``aria-hidden``, no numbers): the table cells next to it say them. Options without
    answers take no room; an empty distribution gives an empty grey bar.
    """
    classes = level_classes(options)
    parts = []
    described = []
    for option in options:
        if not option.percent:
            continue
        described.append(f"{option.text}: {format_percent(option.percent)}")
        shown = label is not None and option.percent >= LABEL_MIN_WIDTH
        inner = format_number(option.percent) if shown else ""
        parts.append(
            Markup('<i class="{cls}" style="width:{width:.1f}%">{inner}</i>').format(
                cls=classes[option.key], width=option.percent, inner=inner
            )
        )  # fmt: skip
    if label is None:
        return Markup('<div class="bar" aria-hidden="true">{parts}</div>').format(
            parts=Markup("").join(parts)
        )
    aria = f"{label}: " + ("; ".join(described) if described else _("немає відповідей"))
    return Markup('<div class="bar" role="img" aria-label="{aria}">{parts}</div>').format(
        aria=aria, parts=Markup("").join(parts)
    )


def share_bar(percent: float | None, css_class: str = "share") -> Markup:
    """Return a single bar filled to ``percent`` (a multiple-choice option's share); the
    number is printed next to it by the template. None gives an empty bar."""
    return Markup('<i class="hbar {cls}" style="--w:{w:.1f}%"></i>').format(
        cls=css_class, w=percent or 0.0
    )


def legend(options: Sequence[OptionResult]) -> Markup:
    """Return the colour legend of a distribution's options (a swatch, then the text)."""
    classes = level_classes(options)
    items = [
        Markup('<li><i class="{cls}"></i>{text}</li>').format(
            cls=classes[option.key], text=option.text
        )
        for option in options
    ]
    return Markup('<ul class="legend">{items}</ul>').format(items=Markup("").join(items))


def legend_cells(options: Sequence[OptionResult]) -> Markup:
    """Return the column headers of a distribution's table, each with its option's colour:
    the legend of the bars in the rows below (one per answer scale)."""
    classes = level_classes(options)
    return Markup("").join(
        Markup('<th><i class="{cls}"></i>{text}</th>').format(cls=classes[o.key], text=o.text)
        for o in options
    )


def change_mark(change_pp: float | None) -> Markup:
    """Return the change since the previous campaign: «▲ 3,2 в. п.», «▼ 1,0 в. п.» or «= 0,0»
    (empty when there is nothing to compare)."""
    if change_pp is None:
        return Markup("")
    value = format_number(abs(change_pp))
    if change_pp > 0:
        mark, cls = "▲", "up"
    elif change_pp < 0:
        mark, cls = "▼", "down"
    else:
        return Markup('<span class="change same">= 0,0</span>')
    return Markup('<span class="change {cls}">{mark}\u00a0{value}\u00a0{points}</span>').format(
        cls=cls, mark=mark, value=value, points=_(PERCENTAGE_POINTS)
    )


def percent(value: float | None) -> str:
    """Return «80,6 %» (no-break space) or «—» for None."""
    return "—" if value is None else format_percent(value)


def escape_text(text: str) -> Markup:
    """Return ``text`` escaped with its line breaks kept (``<br>``)."""
    return Markup("<br>").join(escape(line) for line in text.splitlines())


def pp(value: float | None) -> str:
    """Return a difference in percentage points, absolute: «40,8 в. п.» («—» for None)."""
    return "—" if value is None else format_pp(value)


def p_value(value: float | None) -> str:
    """Return «p < 0,001» / «p = 0,012», or «—» when nothing was tested."""
    return "—" if value is None else format_p_value(value)


def significance_words(significant: bool | None) -> str:
    """Return what a p-value means for the reader."""
    if significant is None:
        return _("перевірити неможливо: замало відповідей")
    if significant:
        return _("різниця статистично значуща")
    return _("може бути випадковою")
