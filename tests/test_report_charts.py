"""Charts of the довідка: PNGs of a known size and resolution, drawn without pyplot."""

from __future__ import annotations

import random
import subprocess
import sys
from io import BytesIO

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from PIL import Image

from app.reports import charts
from app.reports.language import NBSP

DEGREE = ["У повній мірі", "Здебільшого", "Частково", "Зовсім ні"]


def image(png: bytes) -> Image.Image:
    return Image.open(BytesIO(png))


@pytest.mark.parametrize(
    ("draw", "labels", "percents"),
    [
        (charts.pie_chart, DEGREE, [25.4, 33.8, 18.3, 22.5]),
        (charts.pie_chart, DEGREE, [80.6, 19.4, 0.0, 0.0]),
        (charts.pie_chart, ["Так", "Ні", "Не знаю"], [28.4, 17.9, 53.7]),
        (charts.pie_chart, DEGREE, [0, 0, 0, 0]),
        (charts.bar_chart, ["Від учителя", "Від класного керівника", "На сайті"], [93.5, 64.5, 0]),
        (charts.bar_chart, ["Дуже довгий варіант відповіді " * 4, "Інше"], [120.0, None]),
    ],
)
def test_charts_are_small_sharp_pngs_14_cm_wide(draw, labels, percents):
    charts.clear_cache()
    png = draw(labels, percents)
    picture = image(png)
    assert picture.format == "PNG"
    assert picture.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # paper-white
    assert picture.width == round(charts.WIDTH_CM / 2.54 * charts.DPI)
    assert round(picture.info["dpi"][0]) == charts.DPI >= 150
    assert 2.5 <= picture.height / charts.DPI * 2.54 <= 22  # cm
    assert len(png) < 60_000


def test_pie_uses_hatches_and_colours_for_black_and_white_print():
    png = charts.pie_chart(DEGREE, [25, 25, 25, 25])
    grey = image(png).convert("L")
    # Four slices of different lightness: several distinct grey levels survive in print.
    levels = {level // 32 for level, count in enumerate(grey.histogram()) if count > 200}
    assert len(levels) >= 4
    assert len(set(charts.HATCHES[:4])) == 4
    assert len({charts.COLOURS[i] for i in range(4)}) == 4


@pytest.mark.parametrize(
    ("labels", "percents"),
    [(["a", "b"], [50.0]), (["a"], [-1.0])],
)
def test_bad_data_raises_chart_error(labels, percents):
    with pytest.raises(charts.ChartError):
        charts.pie_chart(labels, percents)
    with pytest.raises(charts.ChartError):
        charts.bar_chart(labels, percents)


def test_charts_are_cached_by_content():
    charts.clear_cache()
    first = charts.pie_chart(DEGREE, [25.4, 33.8, 18.3, 22.5])
    assert charts.pie_chart(DEGREE, [25.4, 33.8, 18.3, 22.5]) is first
    assert charts.pie_chart(DEGREE, [25.4, 33.8, 18.3, 22.4]) is not first
    assert charts.bar_chart(DEGREE, [25.4, 33.8, 18.3, 22.5]) != first


def test_pyplot_is_never_imported():
    code = (
        "import sys\n"
        "from app.reports import charts\n"
        "charts.pie_chart(['Так', 'Ні'], [60.0, 40.0])\n"
        "charts.bar_chart(['Так', 'Ні'], [60.0, 40.0])\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "print('ok')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert completed.stdout.strip() == "ok", completed.stderr


def test_render_all_in_worker_processes_matches_serial_drawing():
    specs = [
        charts.ChartSpec.of("pie" if i % 2 else "bar", DEGREE, [10.0 + i, 20.0, 30.0, 40.0 - i])
        for i in range(charts.PARALLEL_MIN_CHARTS + 2)
    ]
    specs.append(specs[0])  # a repeated chart is drawn once
    charts.clear_cache()
    parallel = charts.render_all(specs, workers=2)
    charts.clear_cache()
    serial = charts.render_all(specs, workers=1)
    assert parallel == serial
    assert parallel[-1] == parallel[0]
    assert len(set(parallel)) == len(specs) - 1
    cached = charts.render_all(specs, workers=2)
    assert all(a is b for a, b in zip(cached, serial, strict=True))


def test_unknown_chart_kind():
    with pytest.raises(charts.ChartError):
        charts.ChartSpec.of("donut", ["a"], [1.0])


def test_no_fork_while_other_threads_run(monkeypatch):
    import threading

    started = []
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    monkeypatch.setattr(charts, "ProcessPoolExecutor", lambda *a, **k: started.append(1) or 1 / 0)
    specs = [
        charts.ChartSpec.of("pie", DEGREE, [float(i), 20.0, 30.0, 40.0])
        for i in range(charts.PARALLEL_MIN_CHARTS)
    ]
    charts.clear_cache()
    assert len(charts.render_all(specs, workers=2)) == len(specs)
    assert started == []


# Every text inside the figure, no two overlapping ----------------------------------------------

OPTION_TEXTS = [
    "У повній мірі",
    "Здебільшого",
    "Частково",
    "Зовсім ні",
    "Не знаю",
    "Важко відповісти",
    "Інше",
    "Так, але не завжди і не з усіх предметів",
    "Щотижня обговорюємо з класним керівником",
    "Ні",
    "Від учителя-предметника",
    "Із журналу на шкільному сайті",
]
# The cases: many small slices («4,2 %» over «2,8 %»), two equal small slices («3,2 %»
# over «3,2 %»), a 5,0 % slice at the left edge («,0 %») and small slices at the top.
PROBLEM_CASES = [
    [50.0, 5.0, 4.2, 2.8, 3.8, 3.2, 3.2, 27.8],
    [3.2, 3.2, 93.6],
    [72.5, 5.0, 22.5],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 91.0],
    [7.0, 7.0, 7.0, 7.0, 72.0],
    [0.5, 99.0, 0.5],
    [3.8, 96.2],
]
SEED = 20261203


def random_distributions(count: int, seed: int = SEED) -> list[list[float]]:
    """Return ``count`` percentage distributions (2–12 options, often with thin slices)."""
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        n = rng.randint(2, 12)
        weights = [rng.choice([rng.random() * 0.08, rng.random(), 0.0]) for _ in range(n)]
        weights[rng.randrange(n)] += rng.random() + 0.1
        total = sum(weights)
        result.append([round(100 * w / total, 1) for w in weights])
    return result


def text_boxes(figure) -> list[tuple[str, object]]:
    """Draw the figure and return every non-empty text with its box in pixels."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in figure.texts if t.get_text()]


def assert_texts_fit_apart(figure) -> None:
    frame = figure.bbox
    boxes = text_boxes(figure)
    for text, box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, f"{text!r} leaves the figure sideways"
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, f"{text!r} leaves the figure"
    for i, (text, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            assert not box.overlaps(other_box), f"{text!r} overlaps {other!r}"


@pytest.mark.parametrize("percents", PROBLEM_CASES + random_distributions(60))
def test_pie_labels_stay_inside_and_apart(percents):
    labels = [OPTION_TEXTS[i % len(OPTION_TEXTS)] for i in range(len(percents))]
    assert_texts_fit_apart(charts.pie_figure(labels, percents))


@pytest.mark.parametrize("percents", PROBLEM_CASES + random_distributions(15, SEED + 1))
def test_bar_labels_stay_inside_and_apart(percents):
    labels = [OPTION_TEXTS[i % len(OPTION_TEXTS)] for i in range(len(percents))]
    assert_texts_fit_apart(charts.bar_figure(labels, percents))


def test_thin_slices_are_labelled_outside_with_leader_lines():
    figure = charts.pie_figure(DEGREE, [72.5, 5.0, 22.5, 0.0])
    outside = [t for t in figure.texts if t.get_text() == f"5,0{NBSP}%"]
    assert len(outside) == 1 and outside[0].get_fontsize() < charts.FONT_SIZE
    leaders = [artist for artist in figure.artists if isinstance(artist, Line2D)]
    assert len(leaders) == 1
