"""快速登录企业端 in the browser: a county regulator opens an enterprise's side from its archive page, sees the banner
naming both on the enterprise's workbench and no button to act, and leaves by the banner's 退出."""
import pytest

from tests.browser.conftest import log_in
from tests.factories import create_enterprise, create_org, create_user
from worksafe.core.models import AuditAction, ChangeRecord, OrgLevel, Role

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The live server is built once per session, before tests/conftest.py can unset STATIC_ROOT.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def data(live_server):
    org = create_org("金水区应急管理局", OrgLevel.COUNTY, "410105")
    create_user("jinshui", Role.REGULATOR, org, full_name="张三")
    e = create_enterprise("410105", "07", name="金水只读查看机械有限公司")
    create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e)
    return e


def test_a_regulator_views_the_enterprise_side_read_only(live_server, page, data):
    log_in(page, live_server, "jinshui")
    page.goto(f"{live_server.url}/archive/enterprises/{data.pk}/")
    page.get_by_role("button", name="快速登录企业端").click()

    page.wait_for_url("**/workbench/")
    banner = page.get_by_test_id("impersonation-banner")
    assert "监管人员 张三（金水区应急管理局） 正在以只读方式查看 金水只读查看机械有限公司 的企业端" in " ".join(banner.inner_text().split())
    assert page.locator("h2.page-title").inner_text() == "金水只读查看机械有限公司"
    # The enterprise's own administrator would see these on its workbench; the read-only view has none of them.
    for name in ("提交审核", "编辑基本信息", "添加二级单位", "添加重点监管信息"):
        assert page.get_by_role("button", name=name).count() == 0 and page.get_by_role("link", name=name).count() == 0
    assert page.get_by_test_id("bell").count() == 0
    page.get_by_role("link", name="查看完整档案").click()
    page.wait_for_url(f"**/archive/enterprises/{data.pk}/")
    assert page.get_by_role("link", name="编辑", exact=True).count() == 0
    assert page.get_by_test_id("impersonation-banner").is_visible()

    page.get_by_test_id("impersonation-stop").click()
    page.wait_for_url(f"**/archive/enterprises/{data.pk}/")
    assert page.get_by_test_id("impersonation-banner").count() == 0
    assert "已退出只读查看企业端。" in page.locator(".alert").first.inner_text()
    assert page.get_by_role("button", name="快速登录企业端").is_visible()  # the regulator's own page again
    views = ChangeRecord.objects.filter(action=AuditAction.VIEW_AS, enterprise=data, user__username="jinshui")
    assert views.filter(message__contains="GET /workbench/").exists()
    assert views.filter(message__contains=f"GET /archive/enterprises/{data.pk}/").exists()
