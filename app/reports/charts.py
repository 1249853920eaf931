"""Charts of the довідка: PNG bytes drawn with matplotlib's ``Figure`` API (never pyplot).

pyplot keeps global state and leaks figures in a server; a ``Figure`` with its own
``FigureCanvasAgg`` is garbage like any other object. Every chart has an explicit size (14 cm
wide, the text width of an A4 page with 30/10 mm margins is 17 cm) and resolution, and stays
legible in black-and-white print: each slice or bar has a hatch pattern as well as a colour,
and every percentage is written next to its slice or bar and in the legend. Text is set in
DejaVu Sans (bundled with matplotlib), which has Cyrillic.
"""

from __future__ import annotations

import multiprocessing
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from math import cos, radians, sin
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, Wedge
from matplotlib.text import Text
from PIL import Image

from app.reports.language import format_percent
from app.text_safety import printable

CM = 1 / 2.54
WIDTH_CM = 14.0
DPI = 180  # sharp enough in print at 14 cm; the palette PNG keeps the file small
FONT_SIZE = 9
# Colours of clearly different lightness (they stay apart in grey), each with its own hatch.
COLOURS = (
    "#2f5597",
    "#9dc3e6",
    "#f4b183",
    "#7f7f7f",
    "#c00000",
    "#ffd966",
    "#548235",
    "#d9d9d9",
    "#7030a0",
    "#bdd7ee",
)
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo", "+++", "---", "|||", "***")
BAR_COLOUR = "#9dc3e6"
BAR_HATCH = "///"
SMALL_SLICE = 8.0  # % — smaller slices get their label outside, with a leader line
PALETTE_COLOURS = 64


CACHE_SIZE = 512  # charts (~15 KB each)
PARALLEL_MIN_CHARTS = 8  # fewer charts are not worth starting worker processes


class ChartError(Exception):
    """The data cannot be drawn (mismatched lengths, negative values)."""


@dataclass(frozen=True)
class ChartSpec:
    """What one chart shows: ``kind`` "pie" (single choice) or "bar" (multiple choice), the
    option texts in the question's order and their percentages."""

    kind: str
    labels: tuple[str, ...]
    values: tuple[float, ...]

    @classmethod
    def of(cls, kind: str, labels: Sequence[str], percents: Sequence[float | None]) -> ChartSpec:
        """Return a checked spec; raises ChartError for an unknown kind or bad values."""
        if kind not in ("pie", "bar"):
            raise ChartError(f"unknown chart kind {kind!r}")
        return cls(kind, tuple(map(printable, labels)), tuple(_check(labels, percents)))


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text.strip(), width=width, break_long_words=True)) or " "


def _style(index: int) -> tuple[str, str]:
    return COLOURS[index % len(COLOURS)], HATCHES[index % len(HATCHES)]


def _png(figure: Figure) -> bytes:
    """Render the figure and return it as an optimised palette PNG."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    # A palette of a few dozen colours is enough for flat fills and anti-aliased text, and
    # makes the PNG several times smaller; the fast octree quantiser keeps rendering cheap.
    image = image.convert("RGB").quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    # The quantiser averages white to (254, 254, 254): make the background paper-white again.
    palette = image.getpalette() or []
    image.putpalette(
        [
            255 if value >= 250 and _near_white(palette, i) else value
            for i, value in enumerate(palette)
        ]
    )
    buffer = BytesIO()
    image.save(buffer, format="PNG", compress_level=6, dpi=(DPI, DPI))
    return buffer.getvalue()


def _near_white(palette: list[int], index: int) -> bool:
    start = index - index % 3
    return all(channel >= 250 for channel in palette[start : start + 3])


def _check(labels: Sequence[str], percents: Sequence[float | None]) -> list[float]:
    if len(labels) != len(percents):
        raise ChartError(f"{len(labels)} labels but {len(percents)} values")
    values = [float(p or 0.0) for p in percents]
    if any(v < 0 for v in values):
        raise ChartError("negative percentage")
    return values


_cache: OrderedDict[ChartSpec, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def _draw(spec: ChartSpec) -> bytes:
    return _pie(spec.labels, spec.values) if spec.kind == "pie" else _bar(spec.labels, spec.values)


def _remember(spec: ChartSpec, png: bytes) -> None:
    with _cache_lock:
        _cache[spec] = png
        _cache.move_to_end(spec)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _recall(spec: ChartSpec) -> bytes | None:
    with _cache_lock:
        png = _cache.get(spec)
        if png is not None:
            _cache.move_to_end(spec)
        return png


def _cached(kind: str, labels: tuple[str, ...], values: tuple[float, ...]) -> bytes:
    """Draw a chart once per content: a closed campaign's довідка is downloaded many times."""
    spec = ChartSpec(kind, labels, values)
    png = _recall(spec)
    if png is None:
        png = _draw(spec)
        _remember(spec, png)
    return png


def clear_cache() -> None:
    """Forget the cached charts (benchmarks measure cold rendering)."""
    with _cache_lock:
        _cache.clear()


def render_all(specs: Sequence[ChartSpec], workers: int = 1) -> list[bytes]:
    """Return the PNG of every spec, in order; cached charts are reused.

    With ``workers`` > 1 and enough charts to draw, they are drawn in that many forked worker
    processes (matplotlib holds the GIL, so threads would not help); where ``fork`` is not
    available, the process runs other threads, or a worker fails to start, they are drawn
    here, one after another.
    """
    known = {spec: png for spec in specs if (png := _recall(spec)) is not None}
    missing = list(dict.fromkeys(spec for spec in specs if spec not in known))
    drawn: dict[ChartSpec, bytes] = {}
    if workers > 1 and len(missing) >= PARALLEL_MIN_CHARTS:
        drawn = _draw_in_processes(missing, workers)
    for spec in missing:
        if spec not in drawn:
            drawn[spec] = _draw(spec)
        _remember(spec, drawn[spec])
    return [known.get(spec) or drawn[spec] for spec in specs]


def _draw_in_processes(specs: list[ChartSpec], workers: int) -> dict[ChartSpec, bytes]:
    # Forking a process that runs other threads (a threaded development server, a test's live
    # server) can deadlock the child on a lock another thread held: draw here instead.
    if threading.active_count() > 1:
        return {}
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        return {}
    chunk = -(-len(specs) // workers)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return dict(zip(specs, pool.map(_draw, specs, chunksize=chunk), strict=True))
    except (OSError, RuntimeError):  # cannot fork (resource limits): draw in this process
        return {}


# Layout in inches (the figure's dpi_scale_trans): no Axes, no Legend objects. A chart is a
# few patches and texts placed directly on the figure, which halves the rendering time.
LINE = FONT_SIZE * 1.3 / 72  # the height of one line of chart text, in inches
PIE_RADIUS = 0.95
INSIDE_AT = 0.62  # the centre of a label on its slice, as a share of the radius
OUTSIDE_AT = 1.12  # where an outside label would sit unless its neighbours push it away
LEADER = 0.22  # from the pie's edge to the column of outside labels
MARGIN = 0.06  # kept clear at the figure's edges
LABEL_GAP = 0.02
PIE_SIDE = 0.3  # white beside the pie where no labels are
LEGEND_LEFT = 2.7
SWATCH_W, SWATCH_H = 0.34, 0.2
LEGEND_WRAP = 28
BAR_LABEL_WRAP = 30
BAR_LABEL_RIGHT = 2.55
BAR_MAX = 2.15  # inches for 100 % (its «100,0 %» still fits to the right)


def _inches(figure: Figure) -> Any:
    return figure.dpi_scale_trans


def _swatch(figure: Figure, x: float, y: float, index: int) -> None:
    colour, hatch = _style(index)
    figure.add_artist(
        Rectangle(
            (x, y - SWATCH_H / 2),
            SWATCH_W,
            SWATCH_H,
            facecolor=colour,
            hatch=hatch,
            edgecolor="black",
            linewidth=0.6,
            transform=_inches(figure),
        )
    )


def pie_chart(labels: Sequence[str], percents: Sequence[float | None]) -> bytes:
    """Return a PNG pie chart of a single-choice question (cached by content).

    ``labels`` and ``percents`` are in the question's option order, which the legend keeps;
    every slice has its percentage on it (or beside it, with a leader line, when it is thin),
    and the legend repeats it. Options with 0 % stay in the legend. Raises ChartError for
    mismatched or negative values.
    """
    spec = ChartSpec.of("pie", labels, percents)
    return _cached(spec.kind, spec.labels, spec.values)


def _pie(labels: Sequence[str], values: Sequence[float]) -> bytes:
    return _png(pie_figure(labels, values))


@dataclass
class _Slice:
    index: int
    value: float
    start: float  # degrees, counter-clockwise from 3 o'clock
    sweep: float

    @property
    def direction(self) -> tuple[float, float]:
        middle = radians(self.start + self.sweep / 2)
        return cos(middle), sin(middle)


def _slices(values: Sequence[float]) -> list[_Slice]:
    """Return the drawn slices, clockwise from 12 o'clock in the options' order."""
    total = sum(values)
    slices, angle = [], 90.0
    for index, value in enumerate(values):
        if value <= 0 or total <= 0:
            continue
        sweep = 360.0 * value / total
        slices.append(_Slice(index, value, angle - sweep, sweep))
        angle -= sweep
    return slices


def _size(text: Text, renderer: Any) -> tuple[float, float]:
    """Return a text's width and height in inches (as drawn, with its bbox padding)."""
    box = text.get_window_extent(renderer)
    return box.width / DPI, box.height / DPI


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (left, bottom, right, top) boxes share any area (with a small gap)."""
    gap = LABEL_GAP
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _spread(wanted: list[float], spacing: float, low: float, high: float) -> list[float]:
    """Return centre heights near ``wanted`` (sorted from the top down) at least ``spacing``
    apart, between ``low`` and ``high`` where they fit (the caller makes sure they do)."""
    placed: list[float] = []
    for y in wanted:
        placed.append(min(y, high) if not placed else min(y, placed[-1] - spacing, high))
    if placed and placed[-1] < low:  # pushed through the bottom: push back up from there
        placed[-1] = low
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = max(placed[i], placed[i + 1] + spacing)
    return placed


def _fitted_entry(figure: Figure, text: str, width: float, renderer: Any) -> Text:
    """Return a legend text wrapped so that it is at most ``width`` inches wide."""
    for chars in range(LEGEND_WRAP, 5, -2):
        entry = figure.text(
            0,
            0,
            _wrap(text, chars),
            ha="left",
            va="center",
            fontsize=FONT_SIZE,
            linespacing=1.15,
            transform=_inches(figure),
        )
        if _size(entry, renderer)[0] <= width:
            return entry
        entry.remove()
    return figure.text(
        0,
        0,
        _wrap(text, 6),
        ha="left",
        va="center",
        fontsize=FONT_SIZE,
        linespacing=1.15,
        transform=_inches(figure),
    )


def pie_figure(labels: Sequence[str], values: Sequence[float]) -> Figure:
    """Return the pie chart of ``values`` (percentages in the options' order) as a Figure.

    A slice of at least ``SMALL_SLICE`` % carries its percentage; a thinner one, or one whose
    label would touch a neighbour's, has it outside, in a column beside the pie with a leader
    line, the column's labels spread so that none overlaps another. The pie, the columns and
    the legend are placed from the measured sizes of their texts, so no text leaves the figure.
    """
    figure = Figure(figsize=(WIDTH_CM * CM, 1.0), dpi=DPI)
    figure.patch.set_facecolor("white")
    renderer = FigureCanvasAgg(figure).get_renderer()
    inches = _inches(figure)
    slices = _slices(values)
    inside: list[tuple[_Slice, Text, tuple[float, float]]] = []
    outside: list[tuple[_Slice, Text, tuple[float, float]]] = []
    boxes: list[tuple[float, float, float, float]] = []
    for piece in slices:
        dx, dy = piece.direction
        label = format_percent(piece.value)
        if piece.value >= SMALL_SLICE:
            text = figure.text(
                0,
                0,
                label,
                ha="center",
                va="center",
                fontsize=FONT_SIZE,
                transform=inches,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            )
            w, h = _size(text, renderer)
            x, y = INSIDE_AT * PIE_RADIUS * dx, INSIDE_AT * PIE_RADIUS * dy
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            if not any(_overlaps(box, other) for other in boxes):
                boxes.append(box)
                inside.append((piece, text, (x, y)))
                continue
            text.remove()
        text = figure.text(0, 0, label, va="center", fontsize=FONT_SIZE - 1, transform=inches)
        outside.append((piece, text, _size(text, renderer)))
    right = [item for item in outside if item[0].direction[0] >= 0]
    left = [item for item in outside if item[0].direction[0] < 0]
    label_height = max((size[1] for _, _, size in outside), default=0.0)
    spacing = label_height + LABEL_GAP * 2

    def column_width(column: list[tuple[_Slice, Text, tuple[float, float]]]) -> float:
        widths = [size[0] for _, _, size in column]
        return LEADER + max(widths) + MARGIN if widths else PIE_SIDE

    cx = column_width(left) + PIE_RADIUS
    legend_left = max(LEGEND_LEFT, cx + PIE_RADIUS + column_width(right))
    entry_left = legend_left + SWATCH_W + 0.1
    entry_width = WIDTH_CM * CM - entry_left - MARGIN
    entries = [
        _fitted_entry(figure, f"{label} — {format_percent(value)}", entry_width, renderer)
        for label, value in zip(labels, values, strict=True)
    ]
    heights = [max(SWATCH_H, _size(entry, renderer)[1]) for entry in entries]
    gap = 0.09
    legend_height = sum(heights) + gap * (len(heights) - 1)
    column_height = max(len(left), len(right)) * spacing
    height = max(2 * PIE_RADIUS + 0.55, legend_height + 0.4, column_height + 2 * MARGIN)
    figure.set_size_inches(WIDTH_CM * CM, height)
    cy = height / 2
    for piece in slices:
        colour, hatch = _style(piece.index)
        figure.add_artist(
            Wedge(
                (cx, cy),
                PIE_RADIUS,
                piece.start,
                piece.start + piece.sweep,
                facecolor=colour,
                hatch=hatch,
                edgecolor="black",
                linewidth=0.6,
                transform=inches,
            )
        )
    for _, text, (x, y) in inside:
        text.set_position((cx + x, cy + y))
    for column, sign in ((right, 1), (left, -1)):
        column.sort(key=lambda item: -item[0].direction[1])
        wanted = [cy + OUTSIDE_AT * PIE_RADIUS * item[0].direction[1] for item in column]
        low, high = MARGIN + label_height / 2, height - MARGIN - label_height / 2
        x = cx + sign * (PIE_RADIUS + LEADER)
        for (piece, text, _), y in zip(column, _spread(wanted, spacing, low, high), strict=True):
            dx, dy = piece.direction
            text.set_position((x, y))
            text.set_horizontalalignment("left" if sign > 0 else "right")
            edge = (cx + PIE_RADIUS * dx, cy + PIE_RADIUS * dy)
            elbow = (cx + (PIE_RADIUS + 0.08) * dx, cy + (PIE_RADIUS + 0.08) * dy)
            figure.add_artist(
                Line2D(
                    [edge[0], elbow[0], x - sign * 0.04],
                    [edge[1], elbow[1], y],
                    color="black",
                    linewidth=0.6,
                    transform=inches,
                )
            )
    y = cy + legend_height / 2
    for index, (entry, entry_height) in enumerate(zip(entries, heights, strict=True)):
        middle = y - entry_height / 2
        _swatch(figure, legend_left, middle, index)
        entry.set_position((entry_left, middle))
        y -= entry_height + gap
    return figure


def bar_chart(labels: Sequence[str], percents: Sequence[float | None]) -> bytes:
    """Return a PNG horizontal bar chart of a multiple-choice question (cached by content).

    One bar per option in the question's order (top to bottom), the option's text to its left
    and its percentage at the end of the bar; percents may sum above 100. Raises ChartError for
    mismatched or negative values.
    """
    spec = ChartSpec.of("bar", labels, percents)
    return _cached(spec.kind, spec.labels, spec.values)


def _bar(labels: Sequence[str], values: Sequence[float]) -> bytes:
    return _png(bar_figure(labels, values))


def bar_figure(labels: Sequence[str], values: Sequence[float]) -> Figure:
    """Return the horizontal bar chart of ``values`` (percentages, top to bottom) as a Figure."""
    wrapped = [_wrap(label, BAR_LABEL_WRAP) for label in labels]
    rows = [max(0.3, (label.count("\n") + 1) * LINE + 0.12) for label in wrapped]
    height = sum(rows) + 0.25
    figure = Figure(figsize=(WIDTH_CM * CM, height), dpi=DPI)
    figure.patch.set_facecolor("white")
    inches = _inches(figure)
    top = max([100.0, *values])
    x0 = BAR_LABEL_RIGHT + 0.08
    y = height - 0.12
    for label, value, row in zip(wrapped, values, rows, strict=True):
        middle = y - row / 2
        figure.text(
            BAR_LABEL_RIGHT,
            middle,
            label,
            ha="right",
            va="center",
            fontsize=FONT_SIZE,
            linespacing=1.15,
            transform=inches,
        )
        width = BAR_MAX * value / top
        bar_height = min(0.24, row * 0.7)
        if width > 0:
            figure.add_artist(
                Rectangle(
                    (x0, middle - bar_height / 2),
                    width,
                    bar_height,
                    facecolor=BAR_COLOUR,
                    hatch=BAR_HATCH,
                    edgecolor="black",
                    linewidth=0.6,
                    transform=inches,
                )
            )
        figure.text(
            x0 + width + 0.06,
            middle,
            format_percent(value),
            ha="left",
            va="center",
            fontsize=FONT_SIZE,
            transform=inches,
        )
        y -= row
    figure.add_artist(
        Line2D([x0, x0], [0.1, height - 0.1], color="black", linewidth=0.8, transform=inches)
    )
    return figure
