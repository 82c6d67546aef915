"""The closed loop on a phone: a passer-by scans an enterprise's code and reports a hazard with a photo, the county
regulator accepts the report, the enterprise sees the hazard on its workbench, rectifies it with an after-photo and
accepts it: closed."""
import re

import pytest
from PIL import Image

from tests.browser.conftest import log_in, open_page
from tests.browser.test_scan_page import PHONE, SCREENSHOTS, assert_fits_width, scan_url
from worksafe.codes.models import Code
from worksafe.hazards.models import Hazard, HazardPhoto, PublicReport, Source, State

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path / "media"}}}


def photo(tmp_path, name, colour):
    path = tmp_path / name
    Image.new("RGB", (800, 600), colour).save(path, "JPEG")
    return path


def test_public_report_to_closed_hazard_on_a_phone(live_server, browser, users, enterprise, media, tmp_path):
    # 1. Anyone: scan the code, report with a photo, keep the receipt.
    with open_page(browser, **PHONE) as phone:
        phone.goto(scan_url(live_server, Code.active(enterprise)))
        phone.get_by_role("link", name=re.compile("随手拍")).click()
        assert enterprise.name in phone.get_by_test_id("fixed-enterprise").inner_text()
        phone.get_by_label("隐患描述").fill("厂区北门外消防通道被货物堵塞，旁边有人吸烟，存在火灾隐患。")
        phone.get_by_label("照片1").set_input_files(photo(tmp_path, "before.jpg", "#c0392b"))
        phone.get_by_label("具体位置").fill("北门外")
        assert_fits_width(phone)
        phone.get_by_role("button", name="提交举报").click()
        receipt = phone.get_by_test_id("receipt").inner_text().strip()
        assert len(receipt) == 12
        assert_fits_width(phone)
        assert phone.errors == []
    report = PublicReport.objects.get(receipt=receipt)
    assert report.enterprise == enterprise and report.photos.count() == 1 and report.status == "pending"

    # 2. The county regulator (on a phone too) accepts it into the enterprise's hazards.
    with open_page(browser, **PHONE) as phone:
        log_in(phone, live_server, "jinshui")
        phone.goto(f"{live_server.url}/hazards/public/")
        phone.get_by_role("link", name=receipt).click()
        accept = phone.get_by_test_id("accept")
        accept.get_by_label("隐患名称").fill("消防通道堵塞")
        accept.get_by_label("隐患类别").select_option(label="现场管理-消防安全")
        accept.get_by_role("button", name="受理并转企业整改").click()
        phone.wait_for_load_state()
        assert "已受理" in phone.get_by_test_id("decision").inner_text()
        assert phone.errors == []
    hazard = Hazard.objects.get(public_report__receipt=receipt)
    assert hazard.enterprise == enterprise and hazard.source == Source.PUBLIC and hazard.state == State.REPORTED
    assert hazard.photos.filter(stage=HazardPhoto.Stage.BEFORE).count() == 1

    # 3. The enterprise sees it on its workbench, rectifies with an after-photo, accepts: closed.
    with open_page(browser, **PHONE) as phone:
        log_in(phone, live_server, enterprise.uscc)
        assert "群众举报" in phone.get_by_test_id("public-notice").inner_text()
        phone.get_by_test_id("hazard-card").get_by_role("link", name="隐患台账").click()
        phone.get_by_role("link", name="消防通道堵塞").first.click()
        phone.locator('button[data-action="start"]').click()
        phone.wait_for_load_state()
        phone.get_by_test_id("rectify-link").click()
        phone.get_by_label("已采取的整改措施").fill("清理消防通道内货物，设置禁止堆放标识，对仓库人员进行消防教育。")
        phone.get_by_label("实际完成时间").fill(hazard.found_on.isoformat())
        phone.get_by_label("整改后照片", exact=True).set_input_files(photo(tmp_path, "after.jpg", "#27ae60"))
        assert_fits_width(phone)
        phone.get_by_test_id("save-submit").click()
        phone.wait_for_load_state()
        assert "待验收" in phone.get_by_test_id("badges").inner_text()
        phone.locator('button[data-action="accept"]').click()
        phone.wait_for_load_state()
        assert "已销号" in phone.get_by_test_id("badges").inner_text()
        assert_fits_width(phone)
        phone.screenshot(path=str(SCREENSHOTS / "hazard-closed-phone.png"), full_page=True)
        assert phone.errors == []
    hazard.refresh_from_db()
    assert hazard.state == State.CLOSED and hazard.reviewed_by and hazard.closed_at
    assert hazard.photos.filter(stage=HazardPhoto.Stage.AFTER).count() == 1
    assert list(hazard.steps.values_list("action", flat=True)) == ["report", "start", "submit", "accept"]

    # The reporter looks the receipt up: accepted (and the hazard closed), nothing personal shown.
    with open_page(browser, **PHONE) as phone:
        phone.goto(f"{live_server.url}/hazards/report/status/?receipt={receipt.lower()}")
        text = phone.locator("body").inner_text()
        assert "已受理" in text and "北门外" not in text
