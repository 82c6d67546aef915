"""接口订阅管理 in chromium: the enterprise administrator applies from the menu (系统管理 → 接口订阅管理), has an
application without an interface refused, submits it; the county regulator (a plain regulator: the menu item on its
own) approves it; the administrator gets the
secret, shown once (and copied), which works at /api/v1/token and appears nowhere afterwards; rotating it asks first."""
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import open_page
from tests.browser.test_hazard_flow import log_in
from worksafe.api import keys
from worksafe.api.models import ApiSubscription, SubscriptionState
from worksafe.core.models import ChangeRecord

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def open_subscriptions(page, menu=True):
    """From the menu: 系统管理 → 接口订阅管理 (administrators), or the item itself (plain regulators)."""
    if menu:
        page.locator(".navbar").get_by_role("link", name="系统管理").click()
        page.locator(".dropdown-menu.show").get_by_role("link", name="接口订阅管理").click()
    else:
        page.locator(".navbar").get_by_role("link", name="接口订阅管理").click()
    page.wait_for_url("**/connect/")


def test_it_applies_is_approved_and_gets_the_secret_once(browser, live_server, users, enterprise):
    owner = users["owner"].username
    # 1. The enterprise administrator applies.
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as page:
        log_in(page, live_server, owner)
        open_subscriptions(page)
        page.get_by_test_id("apply-link").click()
        page.wait_for_url("**/connect/add/")
        page.get_by_label("对接系统名称").fill("金水机械双预防系统")
        page.get_by_label("系统建设单位").fill("郑州安信软件有限公司")
        page.get_by_label("联系人").fill("王工")
        page.get_by_label("联系电话").fill("0371-66661234")
        page.get_by_role("button", name="提交").click()
        expect(page.locator(".invalid-feedback")).to_have_text(["请至少选择一个订阅接口。"])
        assert page.get_by_label("对接系统名称").input_value() == "金水机械双预防系统"
        page.get_by_label("安全风险分级管控清单").check()
        page.get_by_label("隐患排查治理台账").check()
        page.get_by_role("button", name="提交").click()
        page.wait_for_url(re.compile(r"/connect/\d+/$"))
        expect(page.get_by_test_id("state")).to_have_text("待审核")
        sub = ApiSubscription.objects.get(enterprise=enterprise)
        assert (sub.state, sub.interfaces) == (SubscriptionState.PENDING, ["risks", "hazards"])
        assert page.errors == []

    # 2. The county regulator finds it waiting and approves it.
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as page:
        log_in(page, live_server, users["jinshui"].username)
        open_subscriptions(page, menu=False)
        expect(page.get_by_test_id("pending-count")).to_have_text("待审核 1")
        page.get_by_role("link", name="金水机械双预防系统").click()
        page.get_by_label("意见或原因").fill("材料齐全，同意对接")
        page.get_by_role("button", name="审核通过").click()
        expect(page.get_by_test_id("state")).to_have_text("已授权")
        sub.refresh_from_db()
        expect(page.get_by_test_id("key-id")).to_have_text(sub.key_id)
        assert page.get_by_test_id("secret-button").count() == 0  # the enterprise gets it, not the regulator
        assert page.errors == []

    # 3. The enterprise administrator gets the secret: shown once, copied, working, then gone.
    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as page:
        log_in(page, live_server, owner)
        page.goto(f"{live_server.url}/connect/{sub.pk}/")
        expect(page.get_by_test_id("secret-status")).to_contain_text("尚未获取")
        with page.expect_response(re.compile(r"/secret/$")) as answer:
            page.get_by_role("button", name="获取授权KEY").click()
        assert "no-store" in answer.value.headers["cache-control"]
        expect(page.get_by_test_id("secret-warning")).to_contain_text("授权KEY只显示这一次")
        secret = page.get_by_test_id("secret").inner_text().strip()
        sub.refresh_from_db()
        assert len(secret) >= 40 and sub.secret_hash == keys.digest(secret)
        page.get_by_role("button", name="复制授权KEY").click()
        expect(page.locator("#copy-status")).not_to_be_empty()
        r = Client().post("/api/v1/token", {"key_id": sub.key_id, "secret": secret}, content_type="application/json")
        assert r.status_code == 200

        page.get_by_role("link", name="我已保存，返回订阅详情").click()
        page.wait_for_url(f"**/connect/{sub.pk}/")
        expect(page.get_by_test_id("secret-status")).to_contain_text("已生成")
        assert secret not in page.content()

        # Rotating asks first; declining changes nothing, accepting shows a new secret.
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.get_by_role("button", name="重新生成授权KEY").click()
        expect(page.get_by_test_id("secret-status")).to_contain_text("已生成")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="重新生成授权KEY").click()
        expect(page.get_by_test_id("secret-warning")).to_contain_text("原授权KEY和用它换取的访问令牌已经失效")
        rotated = page.get_by_test_id("secret").inner_text().strip()
        assert rotated != secret
        sub.refresh_from_db()
        assert sub.secret_hash == keys.digest(rotated)
        # One secret issued, one rotation: the declined dialog sent nothing.
        assert list(ChangeRecord.objects.filter(object_id=str(sub.pk), content_type__model="apisubscription",
                                                message__contains="授权KEY").order_by("pk").values_list("message", flat=True)) == [
            "获取授权KEY", "重新生成授权KEY（原授权KEY及其访问令牌作废）"]
        assert page.errors == []
