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
SMALL_SLICE = 6.0  # % — smaller slices get their label outside, with a leader line
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
PIE_RADIUS = 1.05
LEGEND_LEFT = 2.7
SWATCH_W, SWATCH_H = 0.34, 0.2
LEGEND_WRAP = 28
BAR_LABEL_WRAP = 30
BAR_LABEL_RIGHT = 2.55
BAR_MAX = 2.3  # inches for 100 %


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
    entries = [
        _wrap(f"{label} — {format_percent(value)}", LEGEND_WRAP)
        for label, value in zip(labels, values, strict=True)
    ]
    heights = [max(SWATCH_H, (entry.count("\n") + 1) * LINE) for entry in entries]
    gap = 0.09
    legend_height = sum(heights) + gap * (len(heights) - 1)
    height = max(2 * PIE_RADIUS + 0.55, legend_height + 0.4)
    figure = Figure(figsize=(WIDTH_CM * CM, height), dpi=DPI)
    figure.patch.set_facecolor("white")
    inches = _inches(figure)
    cx, cy = PIE_RADIUS + 0.3, height / 2
    total = sum(values)
    angle = 90.0
    for index, value in enumerate(values):
        if value <= 0 or total <= 0:
            continue
        sweep = 360.0 * value / total
        colour, hatch = _style(index)
        figure.add_artist(
            Wedge(
                (cx, cy),
                PIE_RADIUS,
                angle - sweep,
                angle,
                facecolor=colour,
                hatch=hatch,
                edgecolor="black",
                linewidth=0.6,
                transform=inches,
            )
        )
        middle = radians(angle - sweep / 2)
        dx, dy = cos(middle), sin(middle)
        label = format_percent(value)
        if value >= SMALL_SLICE:
            figure.text(
                cx + 0.62 * PIE_RADIUS * dx,
                cy + 0.62 * PIE_RADIUS * dy,
                label,
                ha="center",
                va="center",
                fontsize=FONT_SIZE,
                transform=inches,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            )
        else:
            inner = (cx + 0.95 * PIE_RADIUS * dx, cy + 0.95 * PIE_RADIUS * dy)
            outer = (cx + 1.12 * PIE_RADIUS * dx, cy + 1.12 * PIE_RADIUS * dy)
            figure.add_artist(
                Line2D(
                    [inner[0], outer[0]],
                    [inner[1], outer[1]],
                    color="black",
                    linewidth=0.6,
                    transform=inches,
                )
            )
            figure.text(
                outer[0] + (0.03 if dx >= 0 else -0.03),
                outer[1],
                label,
                ha="left" if dx >= 0 else "right",
                va="center",
                fontsize=FONT_SIZE - 1,
                transform=inches,
            )
        angle -= sweep
    y = cy + legend_height / 2
    for index, (entry, entry_height) in enumerate(zip(entries, heights, strict=True)):
        middle = y - entry_height / 2
        _swatch(figure, LEGEND_LEFT, middle, index)
        figure.text(
            LEGEND_LEFT + SWATCH_W + 0.1,
            middle,
            entry,
            ha="left",
            va="center",
            fontsize=FONT_SIZE,
            linespacing=1.15,
            transform=inches,
        )
        y -= entry_height + gap
    return _png(figure)


def bar_chart(labels: Sequence[str], percents: Sequence[float | None]) -> bytes:
    """Return a PNG horizontal bar chart of a multiple-choice question (cached by content).

    One bar per option in the question's order (top to bottom), the option's text to its left
    and its percentage at the end of the bar; percents may sum above 100. Raises ChartError for
    mismatched or negative values.
    """
    spec = ChartSpec.of("bar", labels, percents)
    return _cached(spec.kind, spec.labels, spec.values)


def _bar(labels: Sequence[str], values: Sequence[float]) -> bytes:
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
    return _png(figure)
