"""角色管理 in chromium, as issue 21 tells it: a security administrator composes a role without 导出 and gives it to a
county regulator, who then sees no export button and is refused the export URL."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import create_user
from worksafe.core.models import Role, User

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_a_role_without_export_takes_the_buttons_and_the_url_away(browser, live_server, users, enterprise, page):
    from tests.browser.conftest import open_page

    create_user("secadmin", Role.SECURITY_ADMIN, full_name="安全管理员")
    county = users["jinshui"]

    # Before: the county regulator exports its enterprises.
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as before:
        log_in(before, live_server, county.username)
        before.goto(f"{live_server.url}/archive/enterprises/")
        expect(before.get_by_test_id("export-all")).to_be_visible()

    # The security administrator copies 监管人员, unticks 导出, saves.
    log_in(page, live_server, "secadmin")
    page.goto(f"{live_server.url}/system/roles/")
    page.get_by_role("row", name=re.compile(r"^监管人员 ")).get_by_role("link", name="复制").click()
    page.locator("#id_code").fill("no_export")
    page.get_by_label("名称").fill("监管人员（不可导出）")
    page.get_by_role("checkbox", name=re.compile("^导出")).uncheck()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存角色“监管人员（不可导出）”")).to_be_visible()

    # … and gives it to the county regulator.
    page.goto(f"{live_server.url}/system/users/{county.pk}/edit/")
    page.get_by_label("角色").select_option(label="监管人员（不可导出）")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert User.objects.get(pk=county.pk).role == "no_export"

    # The county regulator: no export button on the lists, 403 on the export URL.
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as after:
        after.expected_errors.append("403")
        log_in(after, live_server, county.username)
        for path in ("/archive/enterprises/", "/hazards/open/", "/hazards/all/"):
            after.goto(f"{live_server.url}{path}")
            expect(after.locator("main, body").first).to_be_visible()
            assert after.get_by_text("导出").count() == 0, path
        response = after.goto(f"{live_server.url}/archive/enterprises/export/")
        assert response.status == 403
        # What the role still grants works: the archive opens.
        after.goto(f"{live_server.url}/archive/enterprises/{enterprise.pk}/")
        expect(after.get_by_role("heading", name=enterprise.name).first).to_be_visible()
