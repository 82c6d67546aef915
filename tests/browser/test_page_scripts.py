"""The page scripts that left the templates for static files (issue 17: no inline script under the Content Security
Policy) still do their work in chromium: the statistics pages draw their charts (the risk page's patrol section too,
loaded later by htmx), the item-by-item check and patrol forms mark and count the answers, the duty pages toggle and
ask, and the shared data-* actions (static/actions.js) confirm, print, submit on change and tick all. The shared
fixture fails every test here on a CSP violation or a console error."""
import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import open_page
from tests.browser.test_hazard_flow import log_in
from tests.factories import create_hazard, create_patrol, create_risk_list
from tests.risks.test_map import pdf_bytes
from worksafe.core.models import AuditAction, ChangeRecord
from worksafe.hazards.models import Checklist, ChecklistItem, CheckPlan

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
# window.print() opens no dialog in headless chromium; the stub records the call instead.
PRINT_STUB = "window.print = () => { document.body.dataset.printed = 'yes'; };"


@pytest.fixture
def world(users, enterprise):
    risks = create_risk_list(enterprise, "金水")
    create_patrol(enterprise, timezone.now() - datetime.timedelta(days=1), [True, False])
    checklist = Checklist.objects.create(name="本企业排查标准", industry_id="07", enterprise=enterprise, state="approved")
    for order, content in enumerate(["灭火器按规定配置，压力正常", "疏散通道畅通"], 1):
        ChecklistItem.objects.create(checklist=checklist, order=order, section="消防安全", content=content, category_id="fire")
    plan = CheckPlan.objects.create(enterprise=enterprise, name="月度综合排查", kind="comprehensive", checklist=checklist,
                                    person="张三", frequency_unit="month", starts_on=timezone.localdate())
    return {"risks": risks, "plan": plan, "hazard": create_hazard(enterprise, level="major")}


def test_the_statistics_pages_draw_their_charts(live_server, browser, users, world):
    with open_page(browser, **DESKTOP) as page:
        log_in(page, live_server, users["jinshui"].username)
        for path, chart in [("/hazards/stats/", "#chart-region-bar"), ("/hazards/stats/reporting/", "#chart-region-bar"),
                            ("/archive/enterprises/stats/", "#chart-region"), ("/incidents/reports/stats/", "#chart-month-bar")]:
            page.goto(live_server.url + path)
            expect(page.locator(f"{chart} canvas"), path).to_have_count(1)
        # The reporting rates' bars and line take their colours from the page's data (core.stats.HEX).
        page.goto(f"{live_server.url}/hazards/stats/reporting/")
        colours = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById("chart-region-bar")).getOption()
                                     .series.map(s => [s.name, s.itemStyle.color])""")
        assert colours == [["已上报", "#2fb344"], ["未上报", "#d63939"], ["暂不上报", "#9aa0ac"], ["上报率", "#206bc4"]]
        page.goto(f"{live_server.url}/risks/stats/")
        expect(page.locator("#chart-region-bar canvas")).to_have_count(1)
        expect(page.locator("#chart-years-bar canvas")).to_have_count(1)  # the patrol section, drawn once htmx settles
        # The year picker submits itself.
        page.goto(f"{live_server.url}/incidents/reports/stats/")
        year = str(timezone.localdate().year)
        with page.expect_navigation():
            page.locator("select[name=year]").select_option(year)
        assert page.url.endswith(f"?year={year}")


def test_the_check_and_patrol_forms_mark_and_count_the_answers(live_server, browser, users, enterprise, world):
    with open_page(browser, **DESKTOP) as page:
        log_in(page, live_server, users["owner"].username)
        page.goto(f"{live_server.url}/hazards/enterprises/{enterprise.pk}/checks/add/?plan={world['plan'].pk}")
        first, second = page.get_by_test_id("check-item").all()
        first.locator("label.btn-outline-danger").click()  # 不符合
        second.locator("label.btn-outline-success").click()  # 符合
        expect(first).to_have_class(re.compile(r"\bborder-danger\b"))
        expect(second).to_have_class(re.compile(r"\bborder-success\b"))
        assert first.locator("textarea").evaluate("t => t.required") is True
        assert second.locator("textarea").evaluate("t => t.required") is False
        expect(page.locator("#checked-count")).to_have_text("2")
        expect(page.locator("#failed-count")).to_have_text("1")

        page.goto(f"{live_server.url}/risks/enterprises/{enterprise.pk}/patrols/add/?all=1")
        item = page.get_by_test_id("patrol-item").first
        expect(item.locator(".note-required")).to_be_hidden()
        item.locator("label.btn-outline-danger").click()  # 未落实
        expect(item.locator(".note-required")).to_be_visible()
        expect(page.locator("#checked-count")).to_have_text("1")


def test_the_duty_pages_toggle_tick_and_ask(live_server, browser, users, enterprise, world):
    with open_page(browser, **DESKTOP) as page:
        log_in(page, live_server, users["jinshui"].username)
        page.goto(f"{live_server.url}/hazards/duties/")
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append((d.type, d.message)), d.dismiss()))
        page.get_by_role("button", name="批量恢复正常上报").click()
        expect(page.locator("#check-all")).to_be_visible()
        assert dialogs == [("alert", "请先勾选企业，或勾选“全部筛选结果”。")]
        page.locator("#check-all").check()
        boxes = page.locator("input[name=pk]")
        assert boxes.count() >= 1 and all(b.is_checked() for b in boxes.all())
        page.get_by_role("button", name="批量恢复正常上报").click()
        expect(page.locator("#check-all")).to_be_checked()  # declined: still here
        assert dialogs[-1] == ("confirm", f"对{boxes.count()} 家勾选的企业执行“批量恢复正常上报”？")

        page.goto(f"{live_server.url}/hazards/duties/{enterprise.pk}/")
        pause_field = page.locator(".pause-field").first
        expect(pause_field).to_be_hidden()
        page.locator("input[name=paused][value='1']").check()
        expect(pause_field).to_be_visible()


def test_the_shared_actions_confirm_print_and_tick_all(live_server, browser, users, enterprise, world):
    with open_page(browser, **DESKTOP) as page:
        page.add_init_script(PRINT_STUB)
        log_in(page, live_server, users["jinshui"].username)
        page.goto(f"{live_server.url}/hazards/{world['hazard'].pk}/ledger/")
        page.get_by_role("button", name="打印").click()
        expect(page.locator("body")).to_have_attribute("data-printed", "yes")

        page.goto(f"{live_server.url}/archive/enterprises/")
        page.locator("#check-all").check()
        assert all(b.is_checked() for b in page.locator("input[name=pk]").all())

        # data-confirm on a form: declining sends nothing, accepting submits.
        page.goto(f"{live_server.url}/archive/enterprises/{enterprise.pk}/")
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.get_by_role("button", name="重置密码").click()
        expect(page.get_by_role("button", name="重置密码")).to_be_visible()
        assert asked == ["确定为该企业管理员签发新的一次性密码？"]
        expect(page.locator(".alert-success")).to_have_count(0)
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="重置密码").click()
        expect(page.locator(".alert-success")).to_contain_text("新一次性密码")
        assert ChangeRecord.objects.filter(action=AuditAction.RESET_PASSWORD).count() == 1  # the declined one sent nothing


def test_the_map_page_shows_a_pdf_map_prints_and_asks_before_deleting(live_server, browser, users, enterprise, world):
    """The map page is the one place the policy lets an <object> in: the ready-made map as a PDF, from our own view."""
    with open_page(browser, **DESKTOP) as page:
        page.add_init_script(PRINT_STUB)
        log_in(page, live_server, users["owner"].username)
        page.goto(f"{live_server.url}/risks/enterprises/{enterprise.pk}/map/")
        plan = {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
        page.get_by_test_id("plan-form").locator("input[type=file]").set_input_files(plan)
        page.get_by_test_id("plan-form").locator("button[type=submit]").click()
        page.get_by_test_id("ready-form").locator("input[type=file]").set_input_files({**plan, "name": "四色图.pdf"})
        # Back on the map page, the <object> fetches the PDF from our own view under the policy.
        with page.expect_response(lambda r: "/map/ready/?" in r.url) as loaded:
            page.get_by_test_id("ready-form").locator("button[type=submit]").click()
        assert loaded.value.status == 200 and loaded.value.headers["content-type"] == "application/pdf"
        pdf = page.locator("object.ready-map-pdf")
        expect(pdf).to_be_visible()

        page.get_by_role("button", name="打印").click()
        expect(page.locator("body")).to_have_attribute("data-printed", "yes")
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.locator("#ready-map").get_by_role("button", name="删除").click()
        expect(pdf).to_be_visible()
        assert asked == ["确定删除风险四色图文件？"]
