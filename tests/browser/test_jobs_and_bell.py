"""A regulator prints 500 placards: the page answers at once, a real `worksafe db_worker` process does the work, the
bar moves, and the PDF downloads. The bell tells the regulator when an enterprise in scope submits its archive."""
import random
import time

import pypdfium2
import pytest

from tests.browser.conftest import log_in
from tests.factories import create_org, create_user
from worksafe.archive.fake import make_enterprise
from worksafe.archive.models import Enterprise, ReviewState
from worksafe.core.models import Industry, OrgLevel, Region, Role

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PLACARDS = 500


@pytest.fixture
def county(live_server):
    org = create_org("金水区应急管理局", OrgLevel.COUNTY, "410105")
    regulator = create_user("jinshui", Role.REGULATOR, org, full_name="金水区监管员")
    rng, region = random.Random(20), Region.objects.get(code="410105")
    industry = Industry.objects.filter(children__isnull=True, code__startswith="07").first()
    seen = set()
    Enterprise.objects.bulk_create([make_enterprise(rng, region, industry, seen) for _ in range(PLACARDS)])
    return regulator


def test_a_regulator_watches_a_500_placard_batch_and_downloads_the_pdf(live_server, db_worker, page, county, tmp_path):
    log_in(page, live_server, "jinshui")
    page.goto(f"{live_server.url}/archive/enterprises/")
    page.get_by_role("button", name="打印二维码牌").click()
    page.get_by_role("link", name="筛选结果 · A4").click()
    page.wait_for_url("**/jobs/*/")
    bar = page.get_by_role("progressbar")
    seen, deadline = [], time.monotonic() + 240
    while time.monotonic() < deadline:
        state = page.get_by_test_id("job-progress").get_attribute("data-state")
        seen.append(int(bar.get_attribute("aria-valuenow")))
        if state in ("done", "failed"):
            break
        page.wait_for_timeout(300)
    assert state == "done", page.get_by_test_id("job-progress").inner_text()
    moving = [v for v in seen if 0 < v < 100]
    assert moving and moving == sorted(moving) and len(set(moving)) >= 2, f"the bar did not move: {seen}"
    with page.expect_download() as download:
        page.get_by_test_id("job-download").click()
    path = tmp_path / "placards.pdf"
    download.value.save_as(path)
    assert len(pypdfium2.PdfDocument(path)) == PLACARDS
    page.reload()  # the bell says the job is done, for when its page was left
    assert page.get_by_test_id("bell-count").inner_text() == "1"


def test_the_bell_rings_when_an_enterprise_in_scope_submits_its_archive(live_server, page, browser):
    org = create_org("金水区应急管理局", OrgLevel.COUNTY, "410105")
    create_user("jinshui", Role.REGULATOR, org, full_name="金水区监管员")
    rng = random.Random(21)
    e = make_enterprise(rng, Region.objects.get(code="410105"), Industry.objects.filter(children__isnull=True, code__startswith="07").first())
    e.review_state = ReviewState.DRAFT
    e.save()
    create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e)

    log_in(page, live_server, "jinshui")
    assert page.get_by_test_id("bell-count").count() == 0

    from tests.browser.conftest import open_page

    with open_page(browser, viewport={"width": 1366, "height": 900}, locale="zh-CN") as enterprise_page:
        log_in(enterprise_page, live_server, e.uscc)
        enterprise_page.goto(f"{live_server.url}/archive/enterprises/{e.pk}/")
        enterprise_page.get_by_role("button", name="提交审核").click()
        enterprise_page.wait_for_load_state()

    page.reload()
    assert page.get_by_test_id("bell-count").inner_text() == "1"
    page.get_by_test_id("bell").click()
    item = page.get_by_test_id("notification").first
    assert f"{e.name} 提交了企业档案，请审核。" in item.inner_text()
    item.click()
    page.wait_for_url(f"**/archive/enterprises/{e.pk}/")
    assert page.get_by_test_id("bell-count").count() == 0  # read once opened
