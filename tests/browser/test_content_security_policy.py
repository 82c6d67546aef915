"""The Content Security Policy in chromium: the shared fixture catches what the policy blocks, and the third-party
pages we serve (django-ninja's Swagger UI, Django's admin) work under it from our own static files. Every other
browser test checks our own pages the same way (tests/browser/conftest.py fails a test on any CSP violation)."""
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, create_user
from worksafe.core.models import Role

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_it_reports_an_inline_script_the_policy_blocks(live_server, page):
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # An inline script and an on…= handler, added the way an injected one would be: both refused, both reported.
    refused = page.evaluate("""() => new Promise((resolve) => {
        const seen = [];
        document.addEventListener("securitypolicyviolation", (e) => {
            seen.push(e.effectiveDirective);
            if (seen.length === 2) resolve(seen.sort());
        });
        const script = document.createElement("script");
        script.textContent = "document.body.dataset.ran = 'script'";
        document.body.append(script);
        document.body.setAttribute("onclick", "document.body.dataset.ran = 'handler'");
        document.body.click();
    })""")
    assert refused == ["script-src-attr", "script-src-elem"]
    assert page.locator("body").get_attribute("data-ran") is None
    reported = lambda: [e.split(" blocked")[0] for e in page.errors if e.startswith("csp: ")]  # noqa: E731
    for _ in range(50):  # the reports travel to the test asynchronously
        if len(reported()) == 2:
            break
        page.wait_for_timeout(100)
    assert sorted(reported()) == ["csp: script-src-attr", "csp: script-src-elem"]
    page.errors.clear()  # provoked on purpose; anything else still fails the test


def test_it_serves_the_api_docs_from_our_own_files_under_the_policy(live_server, page):
    origins = set()
    page.on("request", lambda r: origins.add(urlsplit(r.url)[:2]) if r.url.startswith("http") else None)
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src 'self';" in response.headers["content-security-policy"] + ";"
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 5
    page.locator(".opblock-summary", has_text="/api/v1/token").first.click()
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    assert origins == {urlsplit(live_server.url)[:2]}  # Swagger UI from the package's static files, no CDN


@pytest.fixture
def staff(orgs):
    """An account that may use /admin/: break-glass only (a superuser), demo-flagged so that no second factor is to be
    enrolled first."""
    return create_user("admin_staff", Role.REGULATOR, orgs["jinshui"], is_staff=True, is_superuser=True)


def test_it_runs_the_admin_under_the_policy(live_server, page, staff):
    # The admin's pages name no icon, so chromium asks for /favicon.ico (a 404 in the console, no policy matter).
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto(f"{live_server.url}/admin/")
    page.locator("#id_username").fill(staff.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/auth/group/add/")
    # The permissions' two-list chooser is built by the admin's JavaScript.
    chooser = page.locator("#id_permissions_from")
    expect(chooser).to_be_visible()
    chooser.select_option(index=0)
    page.locator("#id_permissions_add").click()
    expect(page.locator("#id_permissions_to option")).to_have_count(1)
    page.locator("#id_name").fill("安全检查组")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()
