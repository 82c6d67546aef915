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


# Chromium fires securitypolicyviolation for whatever the Content Security Policy blocks (an inline script, an on…=
# handler, a resource from elsewhere); the init script runs before the page's own and reports each one.
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => window.reportCspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile || document.URL}:${e.lineNumber}`), true);"""


@contextmanager
def open_page(browser, **options):
    """A fresh page in its own context that collects console errors, uncaught exceptions and Content Security Policy
    violations in `page.errors`; any of them fails the test when the block ends. A test that provokes a console error
    on purpose (a 410 page's "Failed to load resource") adds a part of its text to `page.expected_errors`; a CSP
    violation is never expected."""
    context = browser.new_context(**options)
    errors = []
    context.expose_binding("reportCspViolation", lambda source, text: errors.append(f"csp: {text}"))
    context.add_init_script(CSP_REPORTER)
    page = context.new_page()
    page.errors = errors
    page.expected_errors = []
    page.on("console", lambda m: page.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
    page.set_default_timeout(10_000)
    try:
        yield page
        unexpected = [e for e in page.errors if e.startswith("csp: ") or "Content Security Policy" in e
                      or not any(part in e for part in page.expected_errors)]
        assert not unexpected, "浏览器报错或内容安全策略（CSP）拦截：\n" + "\n".join(unexpected)
    finally:
        page.goto("about:blank")  # nothing in flight on the live server when the test's data is flushed
        context.close()


def log_in(page, live_server, username, password=None):
    """Log in through the login form as `username` (the tests' password unless `password`)."""
    from tests.factories import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.fixture
def page(browser):
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as page:
        yield page



@pytest.fixture
def db_worker(live_server, worker_processes):
    """A real `worksafe db_worker` process working the live server's job queue (tests/conftest.py worker_processes)."""
    return worker_processes.start()
