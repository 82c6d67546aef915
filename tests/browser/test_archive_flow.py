"""A county regulator finds an archive, edits it in the browser, and sees the change in its history."""
import pytest

from tests.factories import PASSWORD, create_enterprise, create_org, create_user
from worksafe.core.models import OrgLevel, Role

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The live server is built once per session, before tests/conftest.py can unset STATIC_ROOT.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def data(live_server):
    org = create_org("金水区应急管理局", OrgLevel.COUNTY, "410105")
    create_user("jinshui", Role.REGULATOR, org, full_name="金水区监管员")
    target = create_enterprise("410105", "07", name="金水浏览器测试机械有限公司", staff_count=128)
    create_enterprise("410105", "11", name="金水其他商贸有限公司")
    create_enterprise("410103", "07", name="二七浏览器测试机械有限公司")  # another county: never shown
    return target


def test_regulator_edits_an_archive_and_sees_the_change(live_server, page, data, tmp_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("jinshui")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")  # the regulator's home page: 待办 and the tiles
    page.locator('[data-tile="enterprises.total"]').click()  # the tile leads to the list behind it
    page.wait_for_url("**/archive/enterprises/")
    table = page.get_by_test_id("enterprise-table")
    assert "金水其他商贸有限公司" in table.inner_text()
    assert "二七浏览器测试机械有限公司" not in page.content()

    page.get_by_label("关键字").fill("浏览器测试")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**q=*")
    rows = table.locator("tbody tr")
    assert rows.count() == 1
    rows.get_by_role("link", name="金水浏览器测试机械有限公司").click()

    page.wait_for_url(f"**/archive/enterprises/{data.pk}/")
    assert page.get_by_test_id("review-state").inner_text() == "未提交"
    page.get_by_role("link", name="编辑", exact=True).click()
    page.wait_for_url("**/edit/")
    staff = page.get_by_label("职工总数")
    assert staff.input_value() == "128"
    staff.fill("256")
    page.get_by_label("值班电话").fill("0371-65550000")
    page.get_by_role("button", name="保存").click()

    page.wait_for_url(f"**/archive/enterprises/{data.pk}/")
    assert "企业基本信息已保存。" in page.locator(".alert-success").inner_text()
    basic = page.locator("#basic")
    assert basic.locator("dt", has_text="职工总数").locator("xpath=following-sibling::dd[1]").inner_text() == "256"
    history = page.locator("#history")
    row = history.locator("table.changes > tbody > tr").first
    assert "修改" in row.inner_text() and "jinshui" in row.inner_text()
    change = row.locator("tr", has_text="职工总数")
    assert change.locator("del").inner_text() == "128"
    assert change.locator(".text-success").inner_text() == "256"
    assert row.locator("tr", has_text="值班电话").locator(".text-success").inner_text() == "0371-65550000"

    shot = tmp_path / "archive.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert page.errors == []

    data.refresh_from_db()
    assert data.staff_count == 256 and data.duty_phone == "0371-65550000"
