"""Charts of the довідка: PNGs of a known size and resolution, drawn without pyplot."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO

import pytest
from PIL import Image

from app.reports import charts

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
