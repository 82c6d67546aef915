"""An enterprise administrator records an accident from the menu (事故与处罚 → 登记事故（件）), has a negative loss
refused, saves it, finds it in its month of the yearly table (辅助表2) with the totals updated, and adds its
investigation (辅助表3), in chromium, without console errors."""
import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_hazard_flow import log_in
from tests.browser.test_scan_page import SCREENSHOTS
from tests.factories import create_enterprise, create_user
from tests.incidents.test_ledgers import create_accident
from worksafe.core.models import Role
from worksafe.incidents.models import Accident, AccidentKind, AccidentType, Investigation

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def totals(page):
    foot = page.get_by_test_id("accident-total")
    return {key: foot.locator(f'[data-total="{key}"]').inner_text().strip()
            for key in ("accidents", "incidents", "minor", "serious", "deaths", "loss")}


def test_it_records_an_accident_and_its_investigation(page, live_server):
    today = timezone.localdate()
    e = create_enterprise(name="金水事故台账测试有限公司")
    create_user(e.uscc, Role.ENTERPRISE_ADMIN, enterprise=e, full_name="周统计")
    # Already in the ledger this year: an incident on 1 January.
    create_accident(e, datetime.date(today.year, 1, 1), "元旦仓库纸箱阴燃冒烟", kind=AccidentKind.INCIDENT,
                    category=AccidentType.FIRE, minor_injuries=1, direct_loss=Decimal("1.20"))
    log_in(page, live_server, e.uscc)

    page.locator(".navbar").get_by_role("link", name="事故与处罚").click()
    page.locator(".dropdown-menu.show").get_by_role("link", name="登记事故（件）").click()
    page.wait_for_url(f"**/incidents/enterprises/{e.pk}/accidents/add/")
    assert page.get_by_label("统计人").input_value() == "周统计"
    page.get_by_label("发生时间").fill(today.isoformat())
    page.get_by_label("事故（件）名称").fill("叉车倒车撞伤员工")
    page.get_by_label("事故（件）类别").select_option(label="事故")
    page.get_by_label("事故类别", exact=True).select_option(label="工伤事故")
    page.get_by_label("重伤人数").fill("1")
    page.get_by_label("轻伤人数").fill("2")
    page.get_by_label("直接经济损失（万元）").fill("-3")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".invalid-feedback")).to_have_text(["确保该值大于或等于0。"])
    assert page.get_by_label("事故（件）名称").input_value() == "叉车倒车撞伤员工"
    assert Accident.objects.filter(enterprise=e).count() == 1

    page.get_by_label("直接经济损失（万元）").fill("3.75")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/incidents/accidents/\d+/$"))
    a = Accident.objects.get(enterprise=e, name="叉车倒车撞伤员工")
    assert (a.occurred_on, a.kind, a.category, a.serious_injuries, a.minor_injuries, a.direct_loss, a.recorded_by) == (
        today, "accident", "injury", 1, 2, Decimal("3.75"), "周统计")
    assert page.locator("h2.page-title").inner_text().strip() == "叉车倒车撞伤员工"
    details = page.locator("dl.kv").inner_text()
    for text in (today.isoformat(), "重伤1人、轻伤2人", "3.75 万元", "工伤事故", "周统计"):
        assert text in details, text
    assert "事故（件）已保存。" in page.content()

    # The yearly table: the accident in its month, the totals grown by it.
    page.get_by_role("link", name="生产安全事故（件）台账").click()
    page.wait_for_url(f"**/incidents/enterprises/{e.pk}/accidents/?year={today.year}")
    table = page.get_by_test_id("accident-year")
    row = table.locator("tbody tr", has=page.get_by_role("link", name="叉车倒车撞伤员工"))
    assert row.count() == 1
    month_cell = row.locator("td").first.inner_text().strip()
    if month_cell != f"{today.month:02d}":  # the month's first row carries the month (January: after 元旦's row)
        assert today.month == 1
        assert table.locator("tbody tr").first.locator("td").first.inner_text().strip() == "01"
    assert today.isoformat() in row.inner_text() and "未登记" in row.inner_text()
    assert table.locator("tbody tr", has_text="无").count() == 12 - len({1, today.month})
    assert totals(page) == {"accidents": "1", "incidents": "1", "minor": "3", "serious": "1", "deaths": "0", "loss": "4.95"}

    # The investigation, from the accident's page.
    row.get_by_role("link", name="叉车倒车撞伤员工").click()
    page.locator("#investigation").get_by_role("link", name="登记").click()
    page.wait_for_url(f"**/incidents/accidents/{a.pk}/investigation/")
    page.get_by_label("调查编号").fill("DC-001")
    page.get_by_label("调查时间").fill(today.isoformat())
    page.get_by_label("被调查对象").fill("一车间叉车班组")
    page.get_by_label("调查组负责人").fill("王调查")
    page.get_by_label("事故经过及伤害情况").fill("叉车倒车时未鸣笛，撞伤路过员工左腿。")
    page.get_by_label("整改措施意见").fill("划设人行通道并加装倒车雷达。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/incidents/accidents/{a.pk}/")
    record = page.get_by_test_id("investigation")
    for text in ("DC-001", "一车间叉车班组", "王调查", "叉车倒车时未鸣笛，撞伤路过员工左腿。", "划设人行通道并加装倒车雷达。"):
        assert text in record.inner_text(), text
    assert page.get_by_role("link", name="打印PDF").is_visible()
    assert Investigation.objects.get().accident == a

    page.get_by_role("link", name="生产安全事故（件）台账").click()
    page.wait_for_url(f"**/incidents/enterprises/{e.pk}/accidents/?year={today.year}")
    assert "已登记" in page.get_by_test_id("accident-year").locator("tbody tr", has_text="叉车倒车撞伤员工").inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.get_by_test_id("accident-year").screenshot(path=SCREENSHOTS / "accident_year.png")

    # The loss chart on the workbench: the year's losses, one line per category by month, add up to the table's total.
    page.goto(f"{live_server.url}/workbench/")
    chart = page.locator("#chart-accident_losses-bar")
    chart.locator("canvas").wait_for()
    series = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-accident_losses-bar')).getOption().series"
                           ".map(s => ({name: s.name, type: s.type, data: s.data}))")
    assert {s["name"] for s in series} == {"工伤事故", "火灾事故", "设备事故", "其它事故"} and {s["type"] for s in series} == {"line"}
    assert round(sum(sum(s["data"]) for s in series), 2) == 4.95 and sum(s["data"][today.month - 1] for s in series) > 0
    cumulative = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-cumulative_loss-bar')).getOption()"
                               ".series[0].data")
    assert cumulative[-1] == 4.95 and cumulative == sorted(cumulative)
    page.get_by_test_id("enterprise-stats").screenshot(path=SCREENSHOTS / "enterprise_stats.png")
    assert page.errors == []
