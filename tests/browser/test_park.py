"""Organisations and a park in chromium, as issue 22 tells it: a province administrator creates a city bureau, a county
bureau under it, a park under the county with three enterprises and a park user; that user logs in and sees exactly
those three enterprises."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, open_page
from tests.factories import create_enterprise
from worksafe.core.models import Organization, User

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LUOYANG, JIANXI = "410300", "410305"


def add_organization(page, live_server, name, kind, parent, region):
    page.goto(f"{live_server.url}/system/organizations/add/")
    page.get_by_label("名称").fill(name)
    page.get_by_label("类别").select_option(label=kind)
    page.get_by_label("上级单位").select_option(label=parent)
    page.get_by_label("管辖区域").select_option(value=region)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"已保存监管单位“{name}”")).to_be_visible()


def test_a_province_administrator_sets_up_a_park_whose_user_sees_exactly_its_enterprises(browser, live_server, users, page):
    members = [create_enterprise(JIANXI, name=f"涧西园区企业{n}") for n in (1, 2, 3)]
    outside = create_enterprise(JIANXI, name="涧西园区外企业")
    province = users["province"]

    log_in(page, live_server, province.username)
    add_organization(page, live_server, "洛阳市应急管理局", "应急管理部门", province.organization.name, LUOYANG)
    add_organization(page, live_server, "涧西区应急管理局", "应急管理部门", "洛阳市应急管理局", JIANXI)
    add_organization(page, live_server, "洛阳涧西化工园区管委会", "园区管理机构", "涧西区应急管理局", JIANXI)
    park = Organization.objects.get(name="洛阳涧西化工园区管委会")
    assert (park.parent.name, park.parent.parent.name, park.level, park.by_membership) == (
        "涧西区应急管理局", "洛阳市应急管理局", "county", True)

    # Its member list: from the organisation list's 企业名单, by code and by name; a wrong line adds nothing.
    page.goto(f"{live_server.url}/system/organizations/?q=涧西化工")
    page.get_by_test_id("park-members-link").click()
    page.get_by_label(re.compile("^企业")).fill(f"{members[0].uscc}\n涧西园区企业2\n不存在的企业")
    page.get_by_test_id("park-add").click()
    expect(page.get_by_test_id("park-errors")).to_contain_text("第3行")
    assert not park.park_members.exists()
    page.get_by_label(re.compile("^企业")).fill(f"{members[0].uscc}\n涧西园区企业2\n{members[2].uscc.lower()}")
    page.get_by_test_id("park-add").click()
    expect(page.get_by_text("已将 3 家企业加入")).to_be_visible()
    expect(page.get_by_test_id("park-members").locator("tbody tr")).to_have_count(3)

    # A park user.
    page.goto(f"{live_server.url}/system/users/add/")
    page.get_by_label("用户名").fill("jianxi_park")
    page.get_by_label("姓名").fill("园区安全员")
    page.get_by_label("单位").select_option(label="洛阳涧西化工园区管委会")
    page.get_by_label("角色").select_option(label="监管人员")
    page.get_by_role("button", name="创建").click()
    message = page.locator(".alert-success").inner_text()
    password = re.search(r"一次性密码：(\S+?)（", message).group(1)
    assert User.objects.get(username="jianxi_park").organization_id == park.pk

    # The park user logs in (changing the one-time password first) and sees exactly the three.
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as user_page:
        user_page.expected_errors.append("404")
        log_in(user_page, live_server, "jianxi_park", password)
        if "/accounts/password/" in user_page.url:
            user_page.get_by_label("旧密码").fill(password)
            user_page.get_by_label("新密码", exact=True).fill("Park-pass-2026!")
            user_page.get_by_label("新密码确认").fill("Park-pass-2026!")
            user_page.get_by_role("button", name=re.compile("修改|保存")).click()
            user_page.wait_for_load_state()
        user_page.goto(f"{live_server.url}/archive/enterprises/")
        names = user_page.locator("tbody tr td a[href^='/archive/enterprises/']").all_inner_texts()
        assert sorted(names) == sorted(e.name for e in members)
        expect(user_page.get_by_text("共 3 条")).to_be_visible()
        response = user_page.goto(f"{live_server.url}/archive/enterprises/{outside.pk}/")
        assert response.status == 404
        response = user_page.goto(f"{live_server.url}/archive/enterprises/{members[1].pk}/")
        assert response.status == 200
