"""Browser tests: Playwright's sync API driving Debian's chromium against pytest-django's live_server."""
import os
from contextlib import contextmanager

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the tests themselves are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium 未安装（apt-get install chromium）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def open_page(browser, **options):
    """A fresh page in its own context that collects console errors and uncaught exceptions in `page.errors`."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        page.goto("about:blank")  # nothing in flight on the live server when the test's data is flushed
        context.close()


@pytest.fixture
def page(browser):
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as page:
        yield page
