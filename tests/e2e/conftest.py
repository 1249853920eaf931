"""Fixtures for browser tests: the app served on a free loopback port, and a headless Chromium
with a phone-sized viewport (Playwright's sync API, the system's /usr/bin/chromium).

The live server serves the very ``app`` of the test (same database), so a test can prepare
rows with the factories, drive the browser, then inspect what was stored.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Yield a headless Chromium (skipped, with the reason, when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: the browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def phone_page(browser, viewport: dict[str, int]) -> Iterator[object]:
    """Yield a fresh page in a phone-like context of ``viewport``: touch, mobile viewport
    rules, Ukrainian locale; closed afterwards."""
    context = browser.new_context(
        viewport=viewport, device_scale_factor=2, is_mobile=True, has_touch=True, locale="uk-UA"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def phone(browser) -> Iterator[object]:
    """Yield a fresh page in a 360×740 phone-like context."""
    with phone_page(browser, PHONE) as page:
        yield page


@pytest.fixture
def artifacts() -> Path:
    """Return the (git-ignored) folder for screenshots, created if missing."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
