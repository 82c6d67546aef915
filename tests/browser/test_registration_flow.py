"""An enterprise of the 尾矿库 industry saves its basic information, is taken to its 辅助表5, fills it in chromium (the
conditional fields appear as their conditions are chosen, a bad number is refused and named), and sees the saved
values on its archive page."""
import pytest

from tests.browser.test_scan_page import SCREENSHOTS
from tests.factories import PASSWORD, create_enterprise, create_user
from worksafe.core.models import Role
from worksafe.registrations.models import Registration

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def radio(page, label, option):
    page.locator(".reg-field", has=page.locator("label.form-label", has_text=label)).get_by_label(option, exact=True).check()


def test_it_fills_the_tailings_pond_table(page, live_server):
    e = create_enterprise(industry="0203", name="金水尾矿库有限公司")
    create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(e.uscc)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()

    # Saving the basic information leads on to the industry's table, prefilled from the archive.
    page.goto(f"{live_server.url}/archive/enterprises/{e.pk}/edit/")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/registrations/enterprises/{e.pk}/tailings_pond/edit/")
    assert page.get_by_label("地址", exact=True).input_value() == e.address

    page.get_by_label("尾矿库名称").fill("金水一号尾矿库")
    radio(page, "是否为无主库", "否")
    page.get_by_label("北纬").fill("34°45′24.5″")
    page.get_by_label("东经").fill("113.654321")
    radio(page, "运行状况", "在用")
    project = page.get_by_label("矿山工程名称")
    assert not project.is_visible()
    radio(page, "是否从属于矿山工程", "是")
    project.fill("金水铁矿扩建工程")
    radio(page, "尾矿库型式", "其他")
    page.get_by_label("尾矿库型式（其他）").fill("山谷傍山复合型")
    page.get_by_label("设计总库容").fill("356.8")
    page.get_by_label("设计总坝高", exact=True).fill("-45")  # refused below
    page.get_by_label("安全生产许可证有效期", exact=True).fill("2024-03-01")
    page.get_by_label("安全生产许可证有效期（止）").fill("2027-02-28")
    radio(page, "尾矿堆存方式", "湿式堆存")
    radio(page, "湿式尾矿筑坝方式", "上游式")
    radio(page, "上游式尾矿堆筑方法", "冲积法")
    flood = page.locator(".reg-field", has=page.locator("label.form-label", has_text="排洪设施型式"))
    flood.get_by_label("井管").check()
    flood.get_by_label("溢洪道").check()
    page.get_by_label("下游1公里内居民人数").fill("120")
    page.get_by_role("button", name="保存").click()

    errors = page.get_by_test_id("form-errors")
    assert "型式与设计 · 设计总坝高：确保该值大于或等于0。" in errors.inner_text()
    assert not Registration.objects.exists()
    # The page comes back with what was typed, conditional fields still shown.
    assert page.get_by_label("矿山工程名称").input_value() == "金水铁矿扩建工程"
    page.get_by_label("设计总坝高", exact=True).fill("45.5")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/archive/enterprises/{e.pk}/#reg-tailings_pond")

    card = page.get_by_test_id("registration-tailings_pond")
    values = {key: card.locator(f'[data-field="{key}"]').inner_text() for key in (
        "name", "latitude", "longitude", "operating_status", "mine_project_name", "pond_type", "design_capacity",
        "design_dam_height", "license_validity", "upstream_method", "flood_facilities", "downstream_residents")}
    assert values == {
        "name": "金水一号尾矿库", "latitude": "34°45′24.50″（34.756806°）", "longitude": "113°39′15.56″（113.654321°）",
        "operating_status": "在用", "mine_project_name": "金水铁矿扩建工程", "pond_type": "其他：山谷傍山复合型",
        "design_capacity": "356.8 万立方米", "design_dam_height": "45.5 米", "license_validity": "2024-03-01 至 2027-02-28",
        "upstream_method": "冲积法", "flood_facilities": "井管、溢洪道", "downstream_residents": "120 人",
    }
    assert Registration.objects.get(enterprise=e).data["latitude"] == 34.756806
    SCREENSHOTS.mkdir(exist_ok=True)
    card.screenshot(path=SCREENSHOTS / "registration_tailings_pond.png")
    assert page.errors == []
