"""The results page in Chromium on a desktop (1280×800) and a phone (390×844).

The screenshots land in test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import factories
from tests.seed_campaign import make_seed_campaign

SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser) -> Iterator[tuple[str, object]]:
    context = browser.new_context(locale="uk-UA", **SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield request.param, page
    finally:
        context.close()


def log_in(page, base: str, email: str, password: str = factories.PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_url(f"{base}/campaigns/")


def test_results_page_screens(live_server, screen, school, member, artifacts):
    name, page = screen
    campaign = make_seed_campaign(school)
    log_in(page, live_server, member.email)
    page.goto(f"{live_server}/campaigns/{campaign.id}/results")
    summary = page.locator("#gaps")
    assert summary.get_by_role("heading").inner_text() == "Де погляди розходяться найбільше"
    first = summary.locator("li").first
    assert "Ключова розбіжність" in first.inner_text()
    assert "40,8" in first.inner_text()
    page.screenshot(path=str(artifacts / f"results-{name}.png"))
    page.screenshot(path=str(artifacts / f"results-{name}-full.png"), full_page=True)

    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal scrolling on {name}: {width}"
    if name == "desktop":
        box = summary.bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800, box  # whole summary in view

    # Keyboard: the first summary link is reachable by Tab and moves to its construct.
    page.keyboard.press("Tab")
    for _ in range(20):
        if page.evaluate("document.activeElement.closest('#gaps') !== null"):
            break
        page.keyboard.press("Tab")
    assert (
        page.evaluate("document.activeElement.getAttribute('href')") == "#c-criteria_understanding"
    )
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#c-criteria_understanding'")
    assert page.locator("#c-criteria_understanding").is_visible()
    page.screenshot(path=str(artifacts / f"results-{name}-construct.png"))
    for part in ("level", "c-results_factors", "open"):
        page.locator(f"#{part}").screenshot(path=str(artifacts / f"results-{name}-{part}.png"))


def test_texts_page_on_screens(live_server, screen, school, member, artifacts):
    name, page = screen
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    log_in(page, live_server, member.email)
    page.goto(f"{live_server}/campaigns/{campaign.id}/texts")
    page.get_by_label("Недоліки").fill("Критерії не оприлюднено\nУчні не знають критеріїв")
    page.get_by_label("Рівень оцінювання").select_option("low")
    page.get_by_label("Обґрунтування рівня").fill("мало")
    with page.expect_navigation():
        page.get_by_role("button", name="Зберегти тексти").click()
    # The short justification is refused and everything typed is still there.
    assert "Обґрунтуйте зміну рівня" in page.content()
    assert page.get_by_label("Недоліки").input_value() == (
        "Критерії не оприлюднено\nУчні не знають критеріїв"
    )
    page.get_by_label("Обґрунтування рівня").fill("Спостереження уроків це підтверджують.")
    with page.expect_navigation():
        page.get_by_role("button", name="Зберегти тексти").click()
    assert "Тексти довідки збережено." in page.content()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal scrolling on {name}: {width}"
    page.screenshot(path=str(artifacts / f"texts-{name}.png"), full_page=True)
