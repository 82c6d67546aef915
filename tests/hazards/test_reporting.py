"""隐患排查上报: periods, the enterprise's report, 查报状态/周期 management, 填报情况查询 and reporting rates."""
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import JINSHUI, create_enterprise, create_hazard, messages_of
from tests.hazards.duty_world import duty, make_county, records_of, today
from worksafe.hazards import periods, reporting
from worksafe.hazards.models import Cycle, HazardCheck, HazardReport, ReportingDuty

pytestmark = pytest.mark.django_db
D = datetime.date


def report_url(e):
    return reverse("hazards:report_edit", args=[e.pk])


# ---- periods ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day, cycle, key, first, last, label", [
    (D(2026, 1, 1), "month", "2026-01", D(2026, 1, 1), D(2026, 1, 31), "2026年1月"),
    (D(2026, 1, 1), "quarter", "2026Q1", D(2026, 1, 1), D(2026, 3, 31), "2026年第一季度"),
    (D(2026, 1, 1), "half", "2026H1", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
    (D(2026, 1, 1), "year", "2026", D(2026, 1, 1), D(2026, 12, 31), "2026年度"),
    (D(2026, 3, 31), "month", "2026-03", D(2026, 3, 1), D(2026, 3, 31), "2026年3月"),
    (D(2026, 3, 31), "quarter", "2026Q1", D(2026, 1, 1), D(2026, 3, 31), "2026年第一季度"),
    (D(2026, 3, 31), "half", "2026H1", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
    (D(2026, 4, 1), "month", "2026-04", D(2026, 4, 1), D(2026, 4, 30), "2026年4月"),
    (D(2026, 4, 1), "quarter", "2026Q2", D(2026, 4, 1), D(2026, 6, 30), "2026年第二季度"),
    (D(2026, 4, 1), "half", "2026H1", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
    (D(2026, 6, 30), "quarter", "2026Q2", D(2026, 4, 1), D(2026, 6, 30), "2026年第二季度"),
    (D(2026, 6, 30), "half", "2026H1", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
    (D(2026, 7, 1), "month", "2026-07", D(2026, 7, 1), D(2026, 7, 31), "2026年7月"),
    (D(2026, 7, 1), "quarter", "2026Q3", D(2026, 7, 1), D(2026, 9, 30), "2026年第三季度"),
    (D(2026, 7, 1), "half", "2026H2", D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
    (D(2026, 7, 1), "year", "2026", D(2026, 1, 1), D(2026, 12, 31), "2026年度"),
    (D(2026, 11, 15), "month", "2026-11", D(2026, 11, 1), D(2026, 11, 30), "2026年11月"),
    (D(2026, 12, 31), "month", "2026-12", D(2026, 12, 1), D(2026, 12, 31), "2026年12月"),
    (D(2026, 12, 31), "quarter", "2026Q4", D(2026, 10, 1), D(2026, 12, 31), "2026年第四季度"),
    (D(2026, 12, 31), "half", "2026H2", D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
    (D(2026, 12, 31), "year", "2026", D(2026, 1, 1), D(2026, 12, 31), "2026年度"),
    (D(2028, 2, 29), "month", "2028-02", D(2028, 2, 1), D(2028, 2, 29), "2028年2月"),
])
def test_it_names_the_period_containing_a_day(day, cycle, key, first, last, label):
    assert periods.key(cycle, day) == key
    assert periods.bounds(cycle, day) == (first, last)
    assert periods.label(cycle, day) == label


def test_it_keeps_keys_distinct_between_cycles_and_within_the_field():
    keys = periods.current_keys(D(2026, 11, 5))
    assert keys == {"month": "2026-11", "quarter": "2026Q4", "half": "2026H2", "year": "2026"}
    assert all(len(k) <= ReportingDuty._meta.get_field("last_period").max_length for k in keys.values())
    with pytest.raises(ValueError):
        periods.key("week", D(2026, 1, 1))


# ---- the enterprise's report page ---------------------------------------------------------------------------


def test_it_shows_the_current_period_and_reports_once(users, enterprise, login):
    client = login(users["owner"])
    page = client.get(report_url(enterprise))
    assert page.status_code == 200
    assert periods.label("month", today()) in page.text and "本期未上报" in page.text
    assert 'data-testid="report-form"' in page.text

    response = client.post(report_url(enterprise), {"note": "本月排查正常"}, follow=True)
    assert "已上报" in messages_of(response)[0]
    r = HazardReport.objects.get(enterprise=enterprise)
    assert (r.cycle, r.period, r.submitted_by, r.note) == ("month", periods.key("month", today()), users["owner"], "本月排查正常")
    assert (r.starts_on, r.ends_on) == periods.bounds("month", today())
    assert ReportingDuty.objects.get(enterprise=enterprise).last_period == r.period
    assert "本期已上报" in response.text and 'data-testid="report-form"' not in response.text

    again = client.post(report_url(enterprise), {"note": "再报一次"}, follow=True)
    assert "每个周期只能上报一次" in messages_of(again)[0]
    assert HazardReport.objects.filter(enterprise=enterprise).count() == 1


def test_it_refuses_a_paused_enterprise_and_accepts_once_the_pause_has_ended(users, enterprise, login):
    client = login(users["owner"])
    duty(enterprise, paused_from=today() - datetime.timedelta(days=10), paused_until=None, pause_reason="冬季停产")
    page = client.get(report_url(enterprise))
    assert "暂不上报" in page.text and "冬季停产" in page.text and 'data-testid="report-form"' not in page.text
    response = client.post(report_url(enterprise), {}, follow=True)
    assert "暂不上报" in messages_of(response)[0] and "冬季停产" in messages_of(response)[0]
    assert not HazardReport.objects.exists()

    duty(enterprise, paused_until=today() - datetime.timedelta(days=1))  # the pause ended yesterday
    response = client.post(report_url(enterprise), {}, follow=True)
    assert "已上报" in messages_of(response)[0]
    assert HazardReport.objects.filter(enterprise=enterprise).count() == 1


def test_a_pause_from_today_until_today_still_counts(users, enterprise):
    duty(enterprise, paused_from=today(), paused_until=today(), pause_reason="检修")
    with pytest.raises(reporting.ValidationError):
        reporting.submit(enterprise, users["owner"])


def test_it_reports_the_period_figures_from_the_records(users, enterprise, other_enterprise):
    day = D(2026, 5, 20)  # 2026年第二季度: April 1 – June 30
    duty(enterprise, cycle=Cycle.QUARTER)
    for checked_on in (D(2026, 4, 1), D(2026, 5, 3), D(2026, 6, 30), D(2026, 3, 31), D(2026, 7, 1)):
        HazardCheck.objects.create(enterprise=enterprise, checked_on=checked_on, checker_name="王五")
    HazardCheck.objects.create(enterprise=other_enterprise, checked_on=D(2026, 5, 3), checker_name="别家")
    create_hazard(enterprise, found_on=D(2026, 4, 2))
    create_hazard(enterprise, found_on=D(2026, 4, 9), state="closed")
    create_hazard(enterprise, found_on=D(2026, 6, 30), state="rectifying")
    create_hazard(enterprise, found_on=D(2026, 5, 1), level="major", state="closed")
    create_hazard(enterprise, found_on=D(2026, 5, 2), level="major")
    create_hazard(enterprise, found_on=D(2026, 3, 31))  # last quarter
    create_hazard(other_enterprise, found_on=D(2026, 5, 1))

    r = reporting.submit(enterprise, users["owner"], "二季度", today=day)
    assert (r.period, r.starts_on, r.ends_on) == ("2026Q2", D(2026, 4, 1), D(2026, 6, 30))
    assert (r.checks, r.general, r.major, r.closed, r.open) == (3, 3, 2, 2, 3)
    assert r.closed + r.open == r.general + r.major


def test_regulators_in_scope_read_the_page_but_cannot_report(users, enterprise, login):
    HazardReport.objects.create(enterprise=enterprise, cycle="month", period="2025-01", starts_on=D(2025, 1, 1),
                                ends_on=D(2025, 1, 31), checks=4, general=2)
    client = login(users["jinshui"])
    page = client.get(report_url(enterprise))
    assert page.status_code == 200 and "2025年1月" in page.text
    assert 'data-testid="report-form"' not in page.text and reverse("hazards:duty_edit", args=[enterprise.pk]) in page.text
    assert client.post(report_url(enterprise), {}).status_code == 403
    assert not HazardReport.objects.filter(period=periods.key("month", today())).exists()
    with pytest.raises(reporting.PermissionDenied):
        reporting.submit(enterprise, users["jinshui"])


def test_another_enterprise_or_jurisdiction_gets_404_on_the_report_page(users, enterprise, login):
    for who in ("outsider", "erqi", "chem"):
        client = login(users[who])
        assert client.get(report_url(enterprise)).status_code == 404
        assert client.post(report_url(enterprise), {}).status_code == 404
    assert not HazardReport.objects.exists()


# ---- rates --------------------------------------------------------------------------------------------------


@pytest.fixture
def county(users, enterprise):
    return make_county(enterprise)


def test_the_rate_counts_reported_over_due_with_paused_ones_left_out(county, users, other_enterprise):
    duty(other_enterprise, last_period=periods.key("month", today()))
    from worksafe.core.scoping import enterprises_for

    r = reporting.rate(enterprises_for(users["jinshui"]))
    assert (r.total, r.paused, r.due, r.reported, r.unreported) == (4, 1, 3, 1, 2)
    assert r.percent == "33.3%"
    by_region = reporting.rates_by(enterprises_for(users["city"]), "region_id")
    assert (by_region[JINSHUI].reported, by_region[JINSHUI].due) == (1, 3)
    assert (by_region["410103"].reported, by_region["410103"].due) == (1, 1)
    assert reporting.Rate().percent == "—" and reporting.Rate(2, 2, 0).rate is None


def test_the_rate_is_one_query_per_axis(county, users):
    from worksafe.core.scoping import enterprises_for

    province = enterprises_for(users["province"])  # (loads the user's organisation and region)
    with CaptureQueriesContext(connection) as queries:
        by_region = reporting.rates_by(province, "region_id")
        by_industry = reporting.rates_by(province, "industry_id")
    assert len(queries) == 2
    assert sum(r.total for r in by_region.values()) == sum(r.total for r in by_industry.values()) == 5


def test_the_statistics_page_shows_rates_by_region_and_industry(county, users, login, other_enterprise):
    client = login(users["city"])
    response = client.get(reverse("hazards:reporting_stats"))
    assert response.status_code == 200
    regions = {r["label"]: r for r in response.context["region_table"]}
    assert (regions["金水区"]["due"], regions["金水区"]["reported"], regions["金水区"]["percent"]) == (3, 1, "33.3%")
    assert regions["二七区"]["percent"] == "0.0%" and regions["二七区"]["unreported"] == 1
    assert "region=410105" in regions["金水区"]["urls"]["unreported"] and "status=due" in regions["金水区"]["urls"]["unreported"]
    total = response.context["total"]
    assert (total["total"], total["paused"], total["due"], total["reported"]) == (5, 1, 4, 1)
    industries = {r["label"]: r for r in response.context["industry_table"]}
    assert sum(r["total"] for r in industries.values()) == 5
    assert '<script id="stats-data" type="application/json">' in response.text

    drill = client.get(reverse("hazards:reporting_stats"), {"region": JINSHUI})
    assert [r["label"] for r in drill.context["region_table"]] == ["金水区"]  # a county has no children with enterprises
    assert drill.context["total"]["percent"] == "33.3%"


# ---- 填报情况查询 ---------------------------------------------------------------------------------------------


def test_the_filing_list_shows_who_reported_this_period(county, users, login):
    client = login(users["jinshui"])
    response = client.get(reverse("hazards:filing_list"))
    assert response.status_code == 200
    rows = {e.name: e for e in response.context["page"]}
    assert rows[county["reported"].name].duty_status == "reported"
    assert rows["金水季报企业"].duty_status == "due" and rows["金水季报企业"].period_label == periods.label("quarter", today())
    assert rows["金水停产企业"].duty_status == "paused" and rows["金水未报企业"].duty_status == "due"
    assert response.context["totals"].percent == "33.3%"

    due = client.get(reverse("hazards:filing_list"), {"status": "due"})
    assert {e.name for e in due.context["page"]} == {"金水季报企业", "金水未报企业"}
    assert due.context["totals"].due == 3  # the figures on top ignore the status filter
    quarterly = client.get(reverse("hazards:filing_list"), {"cycle": "quarter"})
    assert [e.name for e in quarterly.context["page"]] == ["金水季报企业"]
    month = client.get(reverse("hazards:filing_list"), {"cycle": "month"})
    assert "金水未报企业" in {e.name for e in month.context["page"]}  # no duty row: 月报
    keyword = client.get(reverse("hazards:filing_list"), {"q": "停产"})
    assert [e.name for e in keyword.context["page"]] == ["金水停产企业"]


def test_the_filing_list_reads_a_page_in_a_fixed_number_of_queries(county, users, login):
    client = login(users["jinshui"])
    client.get(reverse("hazards:filing_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("hazards:filing_list"))
    for i in range(6):
        e = create_enterprise(JINSHUI, name=f"金水新增企业{i}")
        duty(e, last_period=periods.key("month", today()))
        HazardReport.objects.create(enterprise=e, cycle="month", period=periods.key("month", today()),
                                    starts_on=today(), ends_on=today())
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("hazards:filing_list"))
    assert len(response.context["page"]) == 10
    assert len(many) == len(few)


def test_the_filing_export_is_the_filtered_list(county, users, login):
    HazardReport.objects.create(enterprise=county["reported"], cycle="month", period=periods.key("month", today()),
                                starts_on=today(), ends_on=today(), checks=5, general=2, major=1, closed=1, open=2)
    client = login(users["jinshui"])
    response = client.get(reverse("hazards:filing_export"), {"status": "reported"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))).active
    rows = list(ws.values)
    assert rows[0][:7] == ("企业名称", "统一社会信用代码", "属地", "行业分类", "查报周期", "本期", "本期上报状态")
    assert len(rows) == 2
    header = rows[0]
    row = dict(zip(header, rows[1], strict=False))
    assert (row["企业名称"], row["本期上报状态"], row["排查次数"], row["重大隐患"], row["未整改"]) == (
        county["reported"].name, "已上报", 5, 1, 2)
    paused = client.get(reverse("hazards:filing_export"), {"status": "paused"})
    ws = load_workbook(io.BytesIO(b"".join(paused.streaming_content if paused.streaming else [paused.content]))).active
    row = dict(zip(header, list(ws.values)[1], strict=False))
    assert row["暂不上报原因"] == "季节性生产"


# ---- 企业查报状态管理 / 查报周期管理 ----------------------------------------------------------------------------


def test_the_duty_list_shows_cycle_and_status(county, users, login):
    client = login(users["jinshui"])
    response = client.get(reverse("hazards:duty_list"))
    assert response.status_code == 200
    rows = {e.name: e for e in response.context["page"]}
    assert rows["金水季报企业"].cycle_label == "季报" and rows["金水未报企业"].cycle_label == "月报"
    assert rows["金水停产企业"].duty_status == "paused"
    paused = client.get(reverse("hazards:duty_list"), {"state": "paused"})
    assert [e.name for e in paused.context["page"]] == ["金水停产企业"]
    normal = client.get(reverse("hazards:duty_list"), {"state": "normal"})
    assert "金水停产企业" not in {e.name for e in normal.context["page"]} and len(normal.context["page"]) == 3
    assert client.get(reverse("hazards:duty_list"), {"cycle": "quarter"}).context["page"].paginator.count == 1


def test_bulk_set_cycle_on_ticked_rows_writes_and_audits(county, users, login, other_enterprise):
    client = login(users["jinshui"])
    ids = [county["silent"].pk, county["reported"].pk, other_enterprise.pk]  # the last is out of reach
    response = client.post(reverse("hazards:duty_bulk"), {"action": "cycle", "cycle": "half", "pk": ids}, follow=True)
    assert "已将 2 家企业的查报周期设置为半年报" in messages_of(response)[0]
    assert ReportingDuty.objects.get(pk=county["silent"].pk).cycle == "half"  # row created
    assert ReportingDuty.objects.get(pk=county["reported"].pk).cycle == "half"
    assert not ReportingDuty.objects.filter(pk=other_enterprise.pk).exists()
    created, updated = records_of(county["silent"]).get(), records_of(county["reported"]).last()
    assert (created.action, created.after["cycle"], created.user, created.region_code) == ("create", "half", users["jinshui"], JINSHUI)
    assert (updated.action, updated.before, updated.after) == ("update", {"cycle": "month"}, {"cycle": "half"})
    assert "半年报" in updated.message and updated.enterprise_id == county["reported"].pk

    again = client.post(reverse("hazards:duty_bulk"), {"action": "cycle", "cycle": "half", "pk": ids[:2]}, follow=True)
    assert "2 家原已是该设置" in messages_of(again)[0]
    assert records_of(county["silent"]).count() == 1


def test_bulk_without_ticked_rows_changes_nothing(county, users, login):
    client = login(users["jinshui"])
    response = client.post(reverse("hazards:duty_bulk"), {"action": "cycle", "cycle": "year"}, follow=True)
    assert "请先勾选企业" in messages_of(response)[0]
    assert not ReportingDuty.objects.filter(cycle="year").exists()


def test_changing_the_cycle_starts_the_new_cycles_period(county, users, login):
    """The monthly report does not count for the quarter; switching back finds the month's report again."""
    e = county["reported"]
    HazardReport.objects.create(enterprise=e, cycle="month", period=periods.key("month", today()), starts_on=today(),
                                ends_on=today())
    client = login(users["jinshui"])
    client.post(reverse("hazards:duty_edit", args=[e.pk]), {"cycle": "quarter", "paused": "0"})
    assert reporting.EnterpriseStatus(e).status == "due"
    client.post(reverse("hazards:duty_edit", args=[e.pk]), {"cycle": "month", "paused": "0"})
    assert ReportingDuty.objects.get(pk=e.pk).last_period == periods.key("month", today())
    assert reporting.EnterpriseStatus(e).status == "reported"


def test_duty_edit_sets_the_cycle_and_a_pause_with_its_reason(county, users, login):
    e = county["silent"]
    client = login(users["jinshui"])
    page = client.get(reverse("hazards:duty_edit", args=[e.pk]))
    assert page.status_code == 200 and "暂不上报" in page.text
    bad = client.post(reverse("hazards:duty_edit", args=[e.pk]), {"cycle": "quarter", "paused": "1",
                                                                    "paused_from": today(), "pause_reason": ""})
    assert bad.status_code == 200 and "请填写暂不上报原因" in bad.text
    backwards = client.post(reverse("hazards:duty_edit", args=[e.pk]), {
        "cycle": "quarter", "paused": "1", "paused_from": today(), "paused_until": today() - datetime.timedelta(days=1),
        "pause_reason": "停产"})
    assert "结束日期不能早于开始日期" in backwards.text
    assert not ReportingDuty.objects.filter(pk=e.pk).exists()

    ok = client.post(reverse("hazards:duty_edit", args=[e.pk]), {"cycle": "quarter", "paused": "1",
                                                                  "paused_from": today(), "pause_reason": "停产整顿"})
    assert ok.status_code == 302
    d = ReportingDuty.objects.get(pk=e.pk)
    assert (d.cycle, d.paused_from, d.paused_until, d.pause_reason) == ("quarter", today(), None, "停产整顿")
    assert "停产整顿" in records_of(e).get().message

    client.post(reverse("hazards:duty_edit", args=[e.pk]), {"cycle": "quarter", "paused": "0", "pause_reason": "ignored"})
    d.refresh_from_db()
    assert (d.paused_from, d.pause_reason) == (None, "")


def test_regulator_pages_are_scoped(county, users, login, other_enterprise):
    erqi = login(users["erqi"])
    assert erqi.get(reverse("hazards:duty_edit", args=[county["silent"].pk])).status_code == 404
    assert erqi.post(reverse("hazards:duty_edit", args=[county["silent"].pk]), {"cycle": "year", "paused": "0"}).status_code == 404
    erqi.post(reverse("hazards:duty_bulk"), {"action": "cycle", "cycle": "year", "pk": [county["silent"].pk]})
    assert not ReportingDuty.objects.filter(cycle="year").exists()
    assert county["silent"].name not in erqi.get(reverse("hazards:duty_list")).text
    assert county["silent"].name not in erqi.get(reverse("hazards:filing_list")).text
    assert erqi.get(reverse("hazards:reporting_stats")).context["total"]["total"] == 1
    assert login(users["chem"]).get(reverse("hazards:duty_edit", args=[county["silent"].pk])).status_code == 404


@pytest.mark.parametrize("who", ["owner", "outsider"])
def test_enterprise_users_get_403_on_regulator_pages(county, users, login, who):
    client = login(users[who])
    for name in ("hazards:duty_list", "hazards:filing_list", "hazards:filing_export", "hazards:reporting_stats"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("hazards:duty_edit", args=[users[who].enterprise_id])).status_code == 403
    assert client.post(reverse("hazards:duty_edit", args=[users[who].enterprise_id]),
                       {"cycle": "year", "paused": "0"}).status_code == 403
    assert client.post(reverse("hazards:duty_bulk"), {"action": "resume", "all_filtered": "1"}).status_code == 403
    assert not ReportingDuty.objects.filter(cycle="year").exists()


def test_the_duty_list_reads_a_page_in_a_fixed_number_of_queries(county, users, login):
    client = login(users["jinshui"])
    client.get(reverse("hazards:duty_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("hazards:duty_list"))
    for i in range(6):
        duty(create_enterprise(JINSHUI, name=f"金水新增企业{i}", industry="0301"), cycle=Cycle.YEAR, pause_reason="")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("hazards:duty_list"))
    assert len(response.context["page"]) == 10 and "危险化学品" in response.text
    assert len(many) == len(few)
