"""An enterprise user builds a small risk list in the browser, sees the computed level, and places the unit on the
site plan, where it shows in its level's colour."""
import pytest
from PIL import Image

from tests.factories import PASSWORD, create_enterprise, create_user
from worksafe.core.models import Role
from worksafe.risks.models import RiskEvent, RiskUnit

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def owner(live_server, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path / "media"}}}
    enterprise = create_enterprise("410105", "0301", name="金水浏览器化工有限公司")
    create_user(enterprise.uscc, Role.ENTERPRISE_ADMIN, enterprise=enterprise)
    return enterprise


def site_plan(tmp_path):
    """A 1200×800 site plan: grey ground, two buildings."""
    img = Image.new("RGB", (1200, 800), "#e9ecef")
    img.paste((173, 181, 189), (100, 100, 500, 400))
    img.paste((173, 181, 189), (700, 300, 1100, 700))
    path = tmp_path / "plan.png"
    img.save(path)
    return path


def rgb(page, locator):
    """The element's background as (r, g, b), whatever colour space the theme writes it in (Tabler uses oklch)."""
    css = locator.evaluate("el => getComputedStyle(el).backgroundColor")
    return tuple(page.evaluate("""css => { const c = document.createElement("canvas").getContext("2d");
        c.fillStyle = css; c.fillRect(0, 0, 1, 1); return Array.from(c.getImageData(0, 0, 1, 1).data.slice(0, 3)); }""", css))


def test_enterprise_builds_a_list_and_sees_it_on_the_map(live_server, page, owner, tmp_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(owner.uscc)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workbench/")
    page.get_by_test_id("risk-card").get_by_role("link", name="安全风险辨识清单").click()

    page.get_by_role("link", name="添加分析对象").first.click()
    page.get_by_label("安全风险分析对象").fill("甲醇罐区")
    page.get_by_label("责任部门").fill("安环部")
    page.get_by_label("责任人").fill("张三")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="添加分析单元").click()
    page.get_by_label("安全风险分析单元").fill("甲醇储罐微单元")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="添加危险源").click()
    page.get_by_label("危险源").fill("甲醇储罐")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="添加安全风险").click()

    page.get_by_label("安全风险", exact=True).fill("泄漏造成火灾")
    page.get_by_label("最严重后果").fill("爆炸、火灾")
    page.get_by_label("LEC 法").check()
    assert page.get_by_label("L 可能性（风险矩阵）").is_hidden()  # only the chosen method's factors show
    page.get_by_label("L 事故发生的可能性").select_option(label="3：可能，但不经常")
    page.get_by_label("E 暴露于危险环境的频繁程度").select_option(label="6：每天工作时间内暴露")
    page.get_by_label("C 事故后果").select_option(label="40：灾难，3～9人死亡")
    preview = page.get_by_test_id("grade-preview")
    assert "D = 3 × 6 × 40 = 720" in preview.inner_text() and "重大风险" in preview.inner_text()
    page.get_by_label("重点管控").check()
    page.get_by_role("button", name="保存").click()

    event = page.get_by_test_id("risk-event")
    assert event.get_by_test_id("event-level").inner_text() == "重大风险"
    assert "D = 3×6×40 = 720" in event.inner_text()
    event.get_by_role("link", name="添加措施").click()
    page.get_by_label("管控措施分类").select_option(label="工程技术")
    page.get_by_label("风险管控措施").fill("设置可燃气体报警仪并与紧急切断联锁")
    page.get_by_label("管控层级").select_option(label="公司")
    page.get_by_role("button", name="保存").click()
    assert "设置可燃气体报警仪" in page.get_by_test_id("risk-event").inner_text()
    assert RiskEvent.objects.get(name="泄漏造成火灾").level == "major"

    # The four-colour map: upload the site plan, place the unit by clicking on it, see it in red.
    page.get_by_role("link", name="风险四色图").click()
    page.get_by_label("上传厂区平面图").set_input_files(str(site_plan(tmp_path)))
    page.get_by_test_id("plan-form").get_by_role("button", name="上传", exact=True).click()
    unit = RiskUnit.objects.get(name="甲醇储罐微单元")
    page.locator(f'[data-select-unit="{unit.pk}"]').click()
    plan = page.locator("#risk-map img")
    box = plan.bounding_box()
    plan.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.5})
    marker = page.locator(f'[data-unit="{unit.pk}"]')
    marker.wait_for()
    assert marker.get_attribute("data-level") == "major"
    unit.refresh_from_db()
    assert unit.map_x == pytest.approx(0.25, abs=0.02) and unit.map_y == pytest.approx(0.5, abs=0.02)
    assert rgb(page, marker.locator(".risk-dot")) == rgb(page, page.locator("[data-level-count=major] .legend"))  # the legend's red
    assert rgb(page, marker.locator(".risk-dot")) == (214, 57, 57)  # Tabler's red
    page.reload()
    assert page.locator(f'[data-unit="{unit.pk}"]').get_attribute("data-level") == "major"
    page.screenshot(path=str(tmp_path / "map.png"))
    assert page.errors == []
