"""A phone scans an enterprise's QR code: the public page, the enterprise administrator's actions, a revoked code."""
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import open_page
from tests.factories import PASSWORD, create_enterprise, create_user
from worksafe.codes.models import Code
from worksafe.core.models import Role

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The live server is built once per session, before tests/conftest.py can unset STATIC_ROOT.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {  # a common phone: 390×844 CSS pixels at 2× (iPhone 12–14 class)
    "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture
def phone(browser):
    with open_page(browser, **PHONE) as page:
        yield page


@pytest.fixture
def enterprise(live_server):
    return create_enterprise("410105", "07", name="金水扫码测试机械有限公司", address="郑州市金水区花园路与农业路交叉口东北角国贸中心A座1806室")


@pytest.fixture
def admin(enterprise):
    return create_user(enterprise.uscc, Role.ENTERPRISE_ADMIN, enterprise=enterprise, full_name="扫码测试管理员")


def scan_url(live_server, code):
    """The code's scan page on the live server (code.url points at the configured public site)."""
    return live_server.url + urlsplit(code.url).path


def assert_fits_width(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"横向滚动：页面宽 {scroll}px，视口 {inner}px"


def test_public_scan_on_a_phone(live_server, phone, enterprise):
    code = Code.active(enterprise)
    response = phone.goto(scan_url(live_server, code))
    assert response.status == 200

    card = phone.get_by_test_id("scan-card")
    assert card.get_attribute("data-tier") == "public"
    assert phone.get_by_test_id("scan-title").inner_text() == enterprise.name
    assert phone.get_by_test_id("scan-title").is_visible()
    address = card.locator('dd[data-field="address"]')
    assert address.is_visible() and address.inner_text() == enterprise.address
    assert enterprise.legal_representative_mobile not in phone.content()
    assert phone.get_by_test_id("actions").count() == 0
    assert phone.get_by_test_id("login").is_visible()
    assert_fits_width(phone)

    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "scan_public.png"
    phone.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert phone.errors == []


def test_enterprise_admin_scans_and_taps_through_to_the_workbench(live_server, phone, enterprise, admin):
    code = Code.active(enterprise)
    phone.goto(scan_url(live_server, code))
    # The scan page's own login link comes back to the scan page.
    phone.get_by_test_id("login").tap()
    phone.wait_for_url("**/accounts/login/**")
    phone.get_by_label("用户名").fill(admin.username)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").tap()
    phone.wait_for_url(f"**{urlsplit(code.url).path}")

    assert phone.get_by_test_id("scan-card").get_attribute("data-tier") == "enterprise"
    actions = phone.get_by_test_id("actions")
    assert actions.is_visible()
    labels = [t.strip() for t in actions.locator("a, button").all_inner_texts()]
    assert labels[:2] == ["我的工作台", "查看企业档案"]
    assert "账号管理" in labels
    assert_fits_width(phone)
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "scan_enterprise.png"), full_page=True)

    actions.get_by_role("link", name="我的工作台").tap()
    phone.wait_for_url("**/workbench/")
    assert enterprise.name in phone.locator("body").inner_text()
    assert phone.errors == []


def test_revoked_code_on_a_phone(live_server, phone, enterprise, admin):
    old = Code.active(enterprise)
    new = old.regenerate(admin, "二维码牌遗失")
    phone.expected_errors.append("status of 410")  # the 410 document's "Failed to load resource"
    response = phone.goto(scan_url(live_server, old))
    assert response.status == 410
    revoked = phone.get_by_test_id("scan-revoked")
    assert revoked.is_visible()
    assert revoked.get_by_role("heading").inner_text() == "二维码已失效"
    assert enterprise.name not in phone.content()
    assert_fits_width(phone)
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "scan_revoked.png"), full_page=True)

    # The successor works.
    assert phone.goto(scan_url(live_server, new)).status == 200
    assert phone.get_by_test_id("scan-title").inner_text() == enterprise.name
    # A 410 document logs "Failed to load resource" in the console: that one is expected.
    assert [e for e in phone.errors if "status of 410" not in e] == []
