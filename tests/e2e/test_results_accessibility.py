"""The results page passes axe-core (WCAG 2.x A/AA rules and best practices) on a desktop and a
phone, in Chromium, with every fold open.

axe-core comes from the npm registry (package.json; ``npm ci`` in scripts/system-deps.sh and
``make test``). Without it the test skips on a developer's machine and fails in CI, the way a
missing Chromium is treated in CI by scripts/system-deps.sh installing it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories
from tests.e2e.test_results_screens import SCREENS, log_in
from tests.seed_campaign import make_seed_campaign

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_script() -> Path:
    """Return axe.min.js; missing: a failure in CI, a skip elsewhere."""
    if not AXE.exists():
        message = f"{AXE} is missing: run `npm ci` (scripts/system-deps.sh does in CI)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser) -> Iterator[tuple[str, object]]:
    """Yield (name, page) at 1280×800 and 390×844; the page's CSP (script-src 'self') is
    bypassed so that the test can inject axe-core."""
    context = browser.new_context(locale="uk-UA", bypass_csp=True, **SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield request.param, page
    finally:
        context.close()


def violations(page, axe: Path) -> list[str]:
    """Run axe-core on the page; return one line per violation and node."""
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} — {node['failureSummary']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def demo_campaign_and_login(school, member):
    """The demo campaign of ``anketa demo`` (its own school) and its member's login."""
    from app.staff.demo import create_demo
    from app.surveys.definitions.library import load_questionnaires

    load_questionnaires()
    summary = create_demo()
    email, _role, password = next(u for u in summary.users if u[1] == "member")
    return summary.campaigns[-1], email, password


def seed_campaign_and_login(school, member):
    return make_seed_campaign(school), member.email, factories.PASSWORD


@pytest.mark.parametrize("data", [seed_campaign_and_login, demo_campaign_and_login])
def test_results_page_has_no_axe_violations(live_server, screen, school, member, axe_script, data):
    name, page = screen
    campaign, email, password = data(school, member)
    log_in(page, live_server, email, password)
    page.goto(f"{live_server}/campaigns/{campaign.id}/results")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    found = violations(page, axe_script)
    assert not found, f"axe-core on {name}:\n" + "\n".join(found)
