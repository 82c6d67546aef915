"""The second factor in chromium, as a regulator administrator meets it: after the password the setup page shows a QR
code; a real decoder (zbarimg) reads it as an authenticator app would, the app's code completes the setup and the
recovery codes are shown once; the next login asks for the code before anything else, and a recovery code works."""
import base64
import re
import subprocess
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import open_page
from tests.browser.test_hazard_flow import log_in
from tests.factories import create_user
from worksafe.core.models import Role, User

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def scan(page, tmp_path):
    """What an authenticator app reads from the QR code on the screen: the otpauth:// URI."""
    shot = tmp_path / "otp-qr.png"
    page.get_by_test_id("otp-qr").screenshot(path=str(shot))
    result = subprocess.run(["zbarimg", "--raw", "-q", str(shot)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def app_code(uri):
    """The 6-digit code an authenticator app shows now for `uri` (RFC 6238)."""
    query = parse_qs(urlparse(uri).query)
    return f"{totp(base64.b32decode(query['secret'][0]), step=int(query['period'][0])):06d}"


def test_an_administrator_enrols_and_then_needs_the_code(browser, live_server, orgs, tmp_path):
    create_user("qiu", Role.REGULATOR_ADMIN, orgs["jinshui"], is_demo=False, full_name="邱主任")
    with open_page(browser, viewport={"width": 1280, "height": 900}, locale="zh-CN") as page:
        log_in(page, live_server, "qiu")
        page.wait_for_url("**/accounts/otp/setup/")
        expect(page.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
        # Any other page leads back here until the setup is done.
        page.goto(f"{live_server.url}/archive/enterprises/")
        page.wait_for_url("**/accounts/otp/setup/")
        uri = scan(page, tmp_path)
        assert uri.startswith("otpauth://totp/") and "qiu" in unquote(uri)
        assert "安全生产综合监管平台" in unquote(uri)  # the name the app shows
        secret = page.get_by_test_id("otp-secret").inner_text().replace(" ", "")
        assert secret == parse_qs(urlparse(uri).query)["secret"][0]  # the key to type matches the code
        page.get_by_label("验证码").fill(app_code(uri))
        page.get_by_role("button", name="完成绑定").click()
        expect(page.get_by_role("heading", name="双因素认证已启用")).to_be_visible()
        codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
        assert len(codes) == 10
        page.get_by_role("link", name="我已保存，继续").click()
        page.wait_for_url(f"{live_server.url}/")  # home: a regulator's own page
        assert User.objects.get(username="qiu").has_second_factor

    # The next login: the password alone opens nothing.
    with open_page(browser, viewport={"width": 1280, "height": 900}, locale="zh-CN") as page:
        log_in(page, live_server, "qiu")
        page.wait_for_url("**/accounts/otp/**")
        page.goto(f"{live_server.url}/system/users/")
        page.wait_for_url(re.compile(r"/accounts/otp/\?next="))
        page.get_by_label("验证码").fill("000000")
        page.get_by_role("button", name="验证").click()
        expect(page.locator(".invalid-feedback")).to_contain_text("验证码不正确")
        page.get_by_label("验证码").fill(codes[0])  # the phone is not at hand: a recovery code
        page.get_by_role("button", name="验证").click()
        page.wait_for_url("**/system/users/")  # back to the page asked for
        expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
        page.goto(f"{live_server.url}/accounts/profile/")
        expect(page.get_by_test_id("second-factor")).to_contain_text("剩余未用的恢复码：9 个")
