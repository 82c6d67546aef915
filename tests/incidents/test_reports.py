"""Accident reports (事故快报) and follow-ups (续报), issue #7: filed for an enterprise in scope by a regulator or the
enterprise itself and seen at once by every level above it, never by a sibling county; follow-ups in the order of their
time, each carrying the figures as they stand and the 等级 (条例 493号 第三条) following them; closed by linking the
enterprise's investigation; the list's filters and its totals line; the form's checks; the audit trail."""
import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from tests.factories import ERQI, JINSHUI, create_enterprise, create_user, messages_of
from worksafe.core.models import AuditAction, ChangeRecord, Role
from worksafe.incidents.models import FIGURES, Accident, AccidentReport, AccidentType, FollowUp, Investigation, Severity, severity_of

pytestmark = pytest.mark.django_db
Y = timezone.localdate().year - 1  # a whole past year
LAOCHENG = "410302"  # 洛阳市老城区: outside 郑州市, inside 河南省


def local(*args):
    """An aware datetime in the site's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime(*args))


def report_post(**overrides):
    data = {"title": "一车间叉车倒车撞伤员工", "occurred_at": f"{Y}-05-06T09:30", "place": "一车间成品库",
            "category": "injury", "gb_category": "", "deaths": "1", "missing": "0", "serious_injuries": "2",
            "minor_injuries": "3", "direct_loss": "12.50", "summary": "叉车倒车时未鸣笛，撞伤路过员工。",
            "measures": "已送医救治，现场已封闭。"}
    return {**data, **overrides}


def follow_up_post(content="伤员一人经抢救无效死亡。", **figures):
    data = {"content": content, "deaths": "1", "missing": "0", "serious_injuries": "2", "minor_injuries": "3",
            "direct_loss": "12.50"}
    return {**data, **{k: str(v) for k, v in figures.items()}}


def create_report(e, title="仓库货架倒塌砸伤员工", occurred_at=None, category=AccidentType.WORK_INJURY, **fields):
    fields = {"place": "仓库", "summary": "货架倒塌。", "reporter_name": "张报告", "reporter_unit": "金水区应急管理局", **fields}
    return AccidentReport.objects.create(enterprise=e, title=title, occurred_at=occurred_at or local(Y, 5, 6, 9, 30),
                                         category=category, **fields)


def create_investigation(e, name="叉车倒车撞伤员工"):
    accident = Accident.objects.create(enterprise=e, occurred_on=datetime.date(Y, 5, 6), name=name, category="injury",
                                       recorded_by="张统计")
    return Investigation.objects.create(accident=accident, investigated_on=datetime.date(Y, 5, 8), subject="叉车班组",
                                        team_lead="王调查", course="叉车倒车撞伤员工")


def detail_url(r):
    return reverse("incidents:report_detail", args=[r.pk])


def add_url(e):
    return reverse("incidents:report_add", args=[e.pk])


def follow_url(r):
    return reverse("incidents:follow_up_add", args=[r.pk])


def close_url(r):
    return reverse("incidents:report_close", args=[r.pk])


def figures(r):
    return {f: getattr(r, f) for f in FIGURES}


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def listed_titles(html):
    table = html.split('data-testid="report-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td><a href="/[^"]*reports/\d+/">([^<]+)</a></td>', table)


def table_rows(html):
    """The list's rows: title, severity, deaths, serious injuries, loss and state as shown."""
    body = html.split('data-testid="report-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        if len(cells) == 11:
            rows.append({"title": cells[1], "severity": cells[6], "deaths": int(cells[7]), "serious": int(cells[8]),
                         "loss": Decimal(cells[9]), "state": cells[10]})
    return rows


def totals_line(html):
    line = html.split('data-testid="report-totals"', 1)[1].split("</div>", 1)[0]
    m = re.search(r"共 <b>(\d+)</b> 起，死亡 <b>(\d+)</b> 人，重伤 <b>(\d+)</b> 人，直接经济损失 <b>([\d.,]+)</b> 万元", line)
    assert m, line
    return int(m[1]), int(m[2]), int(m[3]), Decimal(m[4].replace(",", ""))


def follow_up_items(html):
    """(number, time, content) of each follow-up, in page order."""
    block = html.split('data-testid="follow-ups"', 1)[1].split("</ol>", 1)[0]
    return [(int(n), when, content.strip()) for n, when, content in
            re.findall(r"第(\d+)次续报 · ([\d\- :]+) · .*?</div>\s*<div>(.*?)</div>", block, re.S)]


def severity_shown(html):
    return re.search(r'data-testid="severity">([^<]*)<', html)[1]


@pytest.fixture
def filed(login, users, enterprise):
    """A report filed by 金水区应急管理局 (county) for the 金水 enterprise, through the form."""
    response = login(users["jinshui"]).post(add_url(enterprise), report_post(title="金水叉车撞伤事故"))
    report = AccidentReport.objects.get(title="金水叉车撞伤事故")
    assert response.status_code == 302 and response["Location"] == detail_url(report)
    return report


# ---- hierarchy visibility ----


@pytest.mark.parametrize("who, sees", [
    ("jinshui", True), ("city", True), ("province", True), ("owner", True), ("sysadmin", True),
    ("erqi", False), ("outsider", False), ("chem", False),
])
def test_it_shows_a_county_report_up_the_hierarchy_at_once_and_to_nobody_beside_it(client, login, users, filed, who, sees):
    client = login(users[who])
    assert ("金水叉车撞伤事故" in listed_titles(page(client, reverse("incidents:report_list")))) is sees
    response = client.get(detail_url(filed))
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert "金水叉车撞伤事故" in response.content.decode()


def test_it_files_the_report_with_the_reporter_and_the_figures(login, users, enterprise, filed):
    assert filed.enterprise == enterprise
    assert (filed.reporter, filed.reporter_unit) == (users["jinshui"], "金水区应急管理局")
    assert filed.occurred_at == local(Y, 5, 6, 9, 30)
    assert figures(filed) == {"deaths": 1, "missing": 0, "serious_injuries": 2, "minor_injuries": 3,
                              "direct_loss": Decimal("12.50")}
    assert filed.severity == Severity.ORDINARY and not filed.closed
    html = page(login(users["city"]), detail_url(filed))
    assert "金水区应急管理局" in html and "跟踪中" in html and severity_shown(html) == "一般事故"


def test_it_lets_an_enterprise_file_for_itself_and_its_county_sees_it(login, users, enterprise):
    response = login(users["owner"]).post(add_url(enterprise), report_post(title="自报的灼烫事故"))
    report = AccidentReport.objects.get(title="自报的灼烫事故")
    assert response.status_code == 302 and response["Location"] == detail_url(report)
    assert report.enterprise == enterprise and report.reporter == users["owner"]
    assert report.reporter_unit == enterprise.name  # an enterprise user has no organisation
    for who in ("jinshui", "city", "province"):
        assert "自报的灼烫事故" in listed_titles(page(login(users[who]), reverse("incidents:report_list")))
    assert "自报的灼烫事故" not in listed_titles(page(login(users["erqi"]), reverse("incidents:report_list")))


def test_it_lets_enterprise_staff_file_too(login, enterprise, users):
    staff = create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=enterprise)
    assert login(staff).post(add_url(enterprise), report_post(title="员工报送的事故")).status_code == 302
    assert AccidentReport.objects.get(title="员工报送的事故").enterprise == enterprise


@pytest.mark.parametrize("who, target", [
    ("erqi", "enterprise"), ("outsider", "enterprise"), ("chem", "enterprise"), ("owner", "other_enterprise"),
    ("jinshui", "other_enterprise"),
])
def test_nobody_files_for_an_enterprise_out_of_scope(request, login, users, who, target):
    e = request.getfixturevalue(target)
    client = login(users[who])
    assert client.get(add_url(e)).status_code == 404
    assert client.post(add_url(e), report_post(title="越权报送")).status_code == 404
    assert not AccidentReport.objects.exists()


def test_a_missing_enterprise_is_404_too(login, users):
    assert login(users["province"]).get(reverse("incidents:report_add", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["erqi", "outsider", "chem"])
def test_nobody_out_of_scope_follows_up_or_closes_a_report(login, users, enterprise, filed, who):
    investigation = create_investigation(enterprise)
    client = login(users[who])
    assert client.post(follow_url(filed), follow_up_post(deaths=5)).status_code == 404
    assert client.post(close_url(filed), {"investigation": investigation.pk}).status_code == 404
    filed.refresh_from_db()
    assert not filed.follow_ups.exists() and filed.deaths == 1 and not filed.closed


def test_the_list_follows_the_enterprise_when_it_moves(login, users, enterprise, filed):
    enterprise.region_id = ERQI
    enterprise.save()
    assert "金水叉车撞伤事故" in listed_titles(page(login(users["erqi"]), reverse("incidents:report_list")))
    assert login(users["jinshui"]).get(detail_url(filed)).status_code == 404
    assert login(users["city"]).get(detail_url(filed)).status_code == 200


# ---- follow-ups ----


def test_it_numbers_follow_ups_in_the_order_of_their_time(login, users, filed):
    client = login(users["jinshui"])
    before = timezone.now()
    for n in (1, 2, 3):
        response = client.post(follow_url(filed), follow_up_post(f"第{n}份续报内容"), follow=True)
        assert "续报已保存。" in messages_of(response)
    after = timezone.now()
    stamps = list(FollowUp.objects.filter(report=filed).order_by("id").values_list("reported_at", flat=True))
    assert all(before <= t <= after for t in stamps) and stamps == sorted(stamps)
    html = page(client, detail_url(filed))
    assert [(n, c) for n, _, c in follow_up_items(html)] == [(1, "第1份续报内容"), (2, "第2份续报内容"), (3, "第3份续报内容")]
    assert "续报（3）" in html

    # The order is the time's, not the order of the rows: stamped times that disagree with the ids reorder the page.
    ups = list(FollowUp.objects.filter(report=filed).order_by("id"))
    for up, when in zip(ups, (local(Y, 5, 6, 15, 5), local(Y, 5, 6, 10, 40), local(Y, 5, 7, 8, 0)), strict=False):
        FollowUp.objects.filter(pk=up.pk).update(reported_at=when)
    assert follow_up_items(page(client, detail_url(filed))) == [
        (1, f"{Y}-05-06 10:40", "第2份续报内容"), (2, f"{Y}-05-06 15:05", "第1份续报内容"), (3, f"{Y}-05-07 08:00", "第3份续报内容"),
    ]


def test_it_shows_no_follow_ups_before_the_first(login, users, filed):
    html = page(login(users["province"]), detail_url(filed))
    assert follow_up_items(html) == [] and "暂无续报。" in html


def test_each_follow_up_brings_the_figures_up_to_date_and_the_grade_follows(login, users, filed):
    client = login(users["jinshui"])
    steps = [
        ({"deaths": 2, "missing": 1, "serious_injuries": 9, "minor_injuries": 4, "direct_loss": "999.99"}, Severity.ORDINARY),
        ({"deaths": 3, "missing": 1, "serious_injuries": 9, "minor_injuries": 4, "direct_loss": "999.99"}, Severity.LARGE),
        ({"deaths": 3, "missing": 0, "serious_injuries": 50, "minor_injuries": 4, "direct_loss": "1000"}, Severity.MAJOR),
        ({"deaths": 3, "missing": 0, "serious_injuries": 50, "minor_injuries": 4, "direct_loss": "10000"}, Severity.EXTRAORDINARY),
        # Figures revised down (the missing were found alive, the loss re-assessed): the grade comes down with them.
        ({"deaths": 1, "missing": 0, "serious_injuries": 0, "minor_injuries": 6, "direct_loss": "4999.99"}, Severity.LARGE),
    ]
    for n, (values, grade) in enumerate(steps, 1):
        assert client.post(follow_url(filed), follow_up_post(f"第{n}次", **values)).status_code == 302
        filed.refresh_from_db()
        expected = {**values, "direct_loss": Decimal(values["direct_loss"])}
        assert figures(filed) == expected, n
        assert figures(filed.follow_ups.last()) == expected
        assert filed.severity == grade, (n, filed.severity)
        html = page(client, detail_url(filed))
        assert severity_shown(html) == grade.label
        assert (f"死亡 {values['deaths']} 人，失踪 {values['missing']} 人，重伤 {values['serious_injuries']} 人，"
                f"轻伤 {values['minor_injuries']} 人") in html
    assert filed.follow_ups.count() == len(steps)
    row, = table_rows(page(client, reverse("incidents:report_list")))
    assert (row["severity"], row["deaths"], row["serious"], row["loss"]) == ("较大事故", 1, 0, Decimal("4999.99"))


def test_the_follow_up_form_starts_from_the_figures_as_they_stand(login, users, filed):
    client = login(users["jinshui"])
    client.post(follow_url(filed), follow_up_post(deaths=4, serious_injuries=7, direct_loss="88.80"))
    html = page(client, detail_url(filed))
    form = html.split(f'action="{follow_url(filed)}"', 1)[1].split("</form>", 1)[0]
    for name, value in (("deaths", "4"), ("serious_injuries", "7"), ("direct_loss", "88.80"), ("minor_injuries", "3")):
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(value)}"|value="{re.escape(value)}"[^>]*name="{name}"', form), name


@pytest.mark.parametrize("field, value", [
    ("deaths", "-1"), ("missing", "-2"), ("serious_injuries", "-1"), ("minor_injuries", "-5"), ("direct_loss", "-0.01"),
    ("deaths", "两人"), ("deaths", ""),
])
def test_it_refuses_a_follow_up_with_a_bad_figure_and_changes_nothing(login, users, filed, field, value):
    before, changes = figures(filed), ChangeRecord.objects.count()
    response = login(users["jinshui"]).post(follow_url(filed), {**follow_up_post(deaths=40), field: value}, follow=True)
    msgs = messages_of(response)
    label = FollowUp._meta.get_field(field).verbose_name
    assert any(m.startswith("续报未保存：") and label in m for m in msgs), msgs
    assert "续报已保存。" not in msgs
    filed.refresh_from_db()
    assert not filed.follow_ups.exists()
    assert figures(filed) == before and filed.severity == Severity.ORDINARY
    assert ChangeRecord.objects.count() == changes


def test_it_refuses_a_follow_up_without_content(login, users, filed):
    response = login(users["jinshui"]).post(follow_url(filed), follow_up_post(content=""), follow=True)
    assert any("续报内容" in m for m in messages_of(response))
    assert not filed.follow_ups.exists()


def test_follow_ups_are_posted_only(login, users, filed):
    assert login(users["jinshui"]).get(follow_url(filed)).status_code == 405
    assert login(users["jinshui"]).get(close_url(filed)).status_code == 405


# ---- the grade: 条例 493号 第三条, "以上" including the number ----


@pytest.mark.parametrize("deaths, serious, loss, grade", [
    (0, 0, "0", Severity.ORDINARY),
    (2, 0, "0", Severity.ORDINARY), (3, 0, "0", Severity.LARGE),
    (9, 0, "0", Severity.LARGE), (10, 0, "0", Severity.MAJOR),
    (29, 0, "0", Severity.MAJOR), (30, 0, "0", Severity.EXTRAORDINARY),
    (0, 9, "0", Severity.ORDINARY), (0, 10, "0", Severity.LARGE),
    (0, 49, "0", Severity.LARGE), (0, 50, "0", Severity.MAJOR),
    (0, 99, "0", Severity.MAJOR), (0, 100, "0", Severity.EXTRAORDINARY),
    (0, 0, "999.99", Severity.ORDINARY), (0, 0, "1000", Severity.LARGE),
    (0, 0, "4999.99", Severity.LARGE), (0, 0, "5000", Severity.MAJOR),
    (0, 0, "9999.99", Severity.MAJOR), (0, 0, "10000", Severity.EXTRAORDINARY),
    # the highest of the three decides
    (2, 9, "10000", Severity.EXTRAORDINARY), (10, 9, "999.99", Severity.MAJOR), (2, 50, "1000", Severity.MAJOR),
])
def test_severity_of_takes_the_highest_threshold_reached(deaths, serious, loss, grade):
    assert severity_of(deaths, serious, Decimal(loss)) == grade


@pytest.mark.parametrize("values, grade", [
    ({"deaths": "2", "serious_injuries": "9", "direct_loss": "999.99"}, "一般事故"),
    ({"deaths": "3", "serious_injuries": "0", "direct_loss": "0"}, "较大事故"),
    ({"deaths": "0", "serious_injuries": "50", "direct_loss": "0"}, "重大事故"),
    ({"deaths": "0", "serious_injuries": "0", "direct_loss": "10000"}, "特别重大事故"),
])
def test_the_filed_report_is_graded_by_its_figures(login, users, enterprise, values, grade):
    client = login(users["jinshui"])
    client.post(add_url(enterprise), report_post(title="待定级事故", **values))
    report = AccidentReport.objects.get(title="待定级事故")
    assert report.get_severity_display() == grade
    assert severity_shown(page(client, detail_url(report))) == grade


# ---- closing ----


def test_linking_the_enterprises_investigation_closes_the_report(login, users, enterprise, filed):
    investigation = create_investigation(enterprise)
    client = login(users["jinshui"])
    html = page(client, detail_url(filed))
    assert f'<option value="{investigation.pk}">{Y}-05-06 叉车倒车撞伤员工</option>' in html
    response = client.post(close_url(filed), {"investigation": investigation.pk}, follow=True)
    assert "已关联调查处理情况，快报结案。" in messages_of(response)
    filed.refresh_from_db()
    assert filed.investigation == investigation and filed.closed
    html = response.content.decode()
    assert "已结案" in html and "跟踪中" not in html and "叉车倒车撞伤员工" in html
    assert f'action="{follow_url(filed)}"' not in html and f'action="{close_url(filed)}"' not in html
    assert table_rows(page(client, reverse("incidents:report_list")))[0]["state"] == "已结案"

    # Further follow-ups are refused, and the report keeps its figures.
    response = client.post(follow_url(filed), follow_up_post(deaths=7), follow=True)
    assert "快报已结案，不能再续报。" in messages_of(response)
    filed.refresh_from_db()
    assert not filed.follow_ups.exists() and filed.deaths == 1
    # So is closing it again, even with another eligible investigation.
    other = create_investigation(enterprise, "另一起事故")
    response = client.post(close_url(filed), {"investigation": other.pk}, follow=True)
    assert "快报已结案。" in messages_of(response)
    filed.refresh_from_db()
    assert filed.investigation == investigation


def test_deleting_the_linked_accident_does_not_reopen_the_report_silently(login, users, enterprise, filed):
    investigation = create_investigation(enterprise)
    client = login(users["jinshui"])
    client.post(close_url(filed), {"investigation": investigation.pk})
    client.post(reverse("incidents:accident_delete", args=[investigation.accident_id]))
    filed.refresh_from_db()
    assert not Accident.objects.filter(pk=investigation.accident_id).exists() or filed.closed  # (refused: fine)
    updates = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(AccidentReport),
                                          object_id=str(filed.pk), action=AuditAction.UPDATE)
    reopened = [c for c in updates if (c.before or {}).get("investigation_id") == investigation.pk
                and "investigation_id" in (c.after or {}) and c.after["investigation_id"] is None]
    # Either the deletion is refused while a report rests on the investigation, or the reopening is on the record.
    assert filed.closed or reopened


def test_the_enterprise_closes_its_own_report(login, users, enterprise, filed):
    investigation = create_investigation(enterprise)
    login(users["owner"]).post(close_url(filed), {"investigation": investigation.pk})
    filed.refresh_from_db()
    assert filed.investigation == investigation


def test_it_refuses_an_investigation_of_another_enterprise(login, users, enterprise, other_enterprise, filed):
    foreign = create_investigation(other_enterprise, "二七的事故")
    client = login(users["city"])  # sees both enterprises
    assert f'<option value="{foreign.pk}"' not in page(client, detail_url(filed))
    response = client.post(close_url(filed), {"investigation": foreign.pk}, follow=True)
    assert "请选择该企业已登记、尚未关联的事故（件）调查处理情况。" in messages_of(response)
    filed.refresh_from_db()
    assert not filed.closed


def test_it_refuses_an_investigation_already_linked(login, users, enterprise, filed):
    investigation = create_investigation(enterprise)
    first = create_report(enterprise, "先结案的快报")
    client = login(users["jinshui"])
    client.post(close_url(first), {"investigation": investigation.pk})
    first.refresh_from_db()
    assert first.investigation == investigation
    assert f'<option value="{investigation.pk}"' not in page(client, detail_url(filed))
    response = client.post(close_url(filed), {"investigation": investigation.pk}, follow=True)
    assert "请选择该企业已登记、尚未关联的事故（件）调查处理情况。" in messages_of(response)
    filed.refresh_from_db()
    first.refresh_from_db()
    assert not filed.closed and first.investigation == investigation


@pytest.mark.parametrize("value", ["", "999999", "abc"])
def test_it_refuses_closing_without_an_investigation(login, users, enterprise, filed, value):
    create_investigation(enterprise)
    response = login(users["jinshui"]).post(close_url(filed), {"investigation": value}, follow=True)
    assert "请选择该企业已登记、尚未关联的事故（件）调查处理情况。" in messages_of(response)
    filed.refresh_from_db()
    assert not filed.closed


# ---- the list: filters and totals ----


@pytest.fixture
def listed(users, enterprise, other_enterprise):
    """Reports around the month boundaries of March (local time), in both counties, open and closed, and one in 洛阳
    that 郑州市 does not see."""
    chem_jinshui = create_enterprise(JINSHUI, industry="0301", name="金水化工有限公司")
    laocheng = create_enterprise(LAOCHENG, name="洛阳测试机械有限公司")
    rows = {
        "A": create_report(enterprise, "A", local(Y, 3, 1, 0, 30), AccidentType.WORK_INJURY, deaths=1, serious_injuries=2,
                           direct_loss=Decimal("10.50")),
        "B": create_report(enterprise, "B", local(Y, 2, 28, 23, 30), AccidentType.FIRE, deaths=3, direct_loss=Decimal("200")),
        "C": create_report(other_enterprise, "C", local(Y, 3, 31, 23, 59), AccidentType.EQUIPMENT, serious_injuries=50,
                           direct_loss=Decimal("0.25")),
        "D": create_report(other_enterprise, "D", local(Y, 4, 1, 0, 0), AccidentType.WORK_INJURY, deaths=30,
                           direct_loss=Decimal("12000")),
        "E": create_report(chem_jinshui, "E", local(Y - 1, 12, 31, 12, 0), AccidentType.OTHER, direct_loss=Decimal("1000")),
        "F": create_report(laocheng, "F", local(Y, 3, 15, 8, 0), AccidentType.WORK_INJURY, deaths=5, direct_loss=Decimal("7")),
    }
    for key, e in (("B", enterprise), ("D", other_enterprise)):
        rows[key].investigation = create_investigation(e, f"{key}的事故")
        rows[key].save()
    return rows


@pytest.mark.parametrize("params, expected", [
    ({}, "ABCDE"),
    ({"region": JINSHUI}, "ABE"),
    ({"region": ERQI}, "CD"),
    ({"industry": "03"}, "CDE"),  # a sector takes in its sub-industries
    ({"industry": "0301"}, "CDE"),
    ({"industry": "07"}, "AB"),
    ({"category": "injury"}, "AD"),
    ({"category": "fire"}, "B"),
    ({"severity": "ordinary"}, "A"),
    ({"severity": "large"}, "BE"),
    ({"severity": "major"}, "C"),
    ({"severity": "extraordinary"}, "D"),
    ({"occurred_from": f"{Y}-03-01"}, "ACD"),  # 00:30 on 1 March Beijing time is still 28 February in UTC
    ({"occurred_to": f"{Y}-02-28"}, "BE"),  # 23:30 on 28 February is 1 March in no time zone that matters here
    ({"occurred_from": f"{Y}-03-01", "occurred_to": f"{Y}-03-31"}, "AC"),
    ({"occurred_from": f"{Y}-04-01", "occurred_to": f"{Y}-04-01"}, "D"),
    ({"state": "open"}, "ACE"),
    ({"state": "closed"}, "BD"),
    ({"region": JINSHUI, "state": "closed"}, "B"),
    ({"region": ERQI, "category": "injury", "occurred_from": f"{Y}-01-01"}, "D"),
    ({"severity": "major", "region": JINSHUI}, ""),
])
def test_the_filters_narrow_the_list_and_the_totals_add_up_its_rows(login, users, listed, params, expected):
    html = page(login(users["city"]), reverse("incidents:report_list"), **params)
    rows = table_rows(html)
    assert sorted(r["title"] for r in rows) == list(expected)
    reports = [listed[k] for k in expected]
    count, deaths, serious, loss = totals_line(html)
    assert (count, deaths, serious, loss) == (len(rows), sum(r["deaths"] for r in rows), sum(r["serious"] for r in rows),
                                              sum((r["loss"] for r in rows), Decimal(0)))
    assert (count, deaths, serious, loss) == (len(reports), sum(r.deaths for r in reports),
                                              sum(r.serious_injuries for r in reports),
                                              sum((r.direct_loss for r in reports), Decimal(0)))
    for r in rows:
        assert r["state"] == ("已结案" if r["title"] in "BD" else "跟踪中")
        assert r["severity"] == listed[r["title"]].get_severity_display()


def test_the_list_runs_from_the_latest_accident_down(login, users, listed):
    assert listed_titles(page(login(users["city"]), reverse("incidents:report_list"))) == list("DCAB" "E")


@pytest.mark.parametrize("who, expected", [("province", "ABCDEF"), ("jinshui", "ABE"), ("erqi", "CD"), ("owner", "AB"),
                                           ("outsider", "CD"), ("chem", "CDE")])
def test_the_totals_stay_within_the_scope(login, users, listed, who, expected):
    html = page(login(users[who]), reverse("incidents:report_list"))
    assert sorted(listed_titles(html)) == list(expected)
    reports = [listed[k] for k in expected]
    assert totals_line(html) == (len(reports), sum(r.deaths for r in reports), sum(r.serious_injuries for r in reports),
                                 sum((r.direct_loss for r in reports), Decimal(0)))


def test_totals_cover_every_filtered_row_not_only_the_page(login, users, enterprise):
    for n in range(25):
        create_report(enterprise, f"第{n}起", local(Y, 6, 1, 8, n), deaths=n % 3, direct_loss=Decimal(n) + Decimal("0.10"))
    html = page(login(users["jinshui"]), reverse("incidents:report_list"))
    assert len(table_rows(html)) == 20
    assert totals_line(html) == (25, sum(n % 3 for n in range(25)), 0, Decimal(sum(range(25))) + Decimal("2.50"))
    html = page(login(users["jinshui"]), reverse("incidents:report_list"), page=2)
    assert len(table_rows(html)) == 5 and totals_line(html)[0] == 25


def test_a_region_out_of_scope_does_not_widen_the_list(login, users, listed):
    """二七区 cannot pick 金水区: the choice is not offered, and asking for it still shows only 二七's reports."""
    html = page(login(users["erqi"]), reverse("incidents:report_list"), region=JINSHUI)
    assert sorted(listed_titles(html)) == ["C", "D"]
    filters = html.split('class="row g-2 filter-bar"', 1)[1].split("</form>", 1)[0]
    assert f'value="{ERQI}"' in filters and f'value="{JINSHUI}"' not in filters


# ---- the form's checks ----


def test_it_refuses_an_accident_in_the_future(login, users, enterprise):
    later = timezone.localtime() + datetime.timedelta(hours=1)
    response = login(users["jinshui"]).post(add_url(enterprise), report_post(occurred_at=later.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 200
    assert response.context["form"].errors["occurred_at"] == ["发生时间不能晚于现在。"]
    assert "发生时间不能晚于现在。" in response.content.decode()
    assert not AccidentReport.objects.exists()


def test_it_takes_an_accident_of_a_minute_ago(login, users, enterprise):
    earlier = timezone.localtime() - datetime.timedelta(minutes=1)
    response = login(users["jinshui"]).post(add_url(enterprise), report_post(occurred_at=earlier.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    assert AccidentReport.objects.get().occurred_at == earlier.replace(second=0, microsecond=0)


@pytest.mark.parametrize("field", ["title", "occurred_at", "place", "category", "summary", "deaths", "direct_loss"])
def test_it_requires_the_reports_fields(login, users, enterprise, field):
    response = login(users["jinshui"]).post(add_url(enterprise), report_post(**{field: ""}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["这个字段是必填项。"]
    assert not AccidentReport.objects.exists()


@pytest.mark.parametrize("field, value", [("deaths", "-1"), ("missing", "-1"), ("serious_injuries", "-3"),
                                          ("minor_injuries", "-1"), ("direct_loss", "-0.01"), ("category", "flood"),
                                          ("occurred_at", "昨天")])
def test_it_refuses_bad_values_when_filing(login, users, enterprise, field, value):
    response = login(users["jinshui"]).post(add_url(enterprise), report_post(**{field: value}))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not AccidentReport.objects.exists()


def test_the_optional_fields_may_stay_empty(login, users, enterprise):
    response = login(users["jinshui"]).post(add_url(enterprise), report_post(measures="", gb_category=""))
    assert response.status_code == 302
    report = AccidentReport.objects.get()
    assert report.measures == "" and report.gb_category is None


def test_the_form_page_names_the_enterprise(login, users, enterprise):
    html = page(login(users["city"]), add_url(enterprise))
    assert "事故快报" in html and enterprise.name in html and 'name="occurred_at"' in html


# ---- 事故统计 ----

STATS_URL = reverse("incidents:report_stats")


def report_stats(client, **params):
    """{dimension: {row label: (起数, 死亡, 重伤, 损失)}} of the page, its totals line and its chart data."""
    response = client.get(STATS_URL, params)
    assert response.status_code == 200
    dims = {d["key"]: {r["label"]: (r["n"], r["deaths"], r["serious"], r["loss"]) for r in d["rows"]} for d in response.context["dims"]}
    line = re.sub(r"<[^>]+>", "", response.content.decode().split('data-testid="report-stats-total">', 1)[1].split("</div>", 1)[0])
    charts = json.loads(re.search(r'<script id="report-stats-data" type="application/json">(.*?)</script>', response.text, re.S)[1])
    return dims, line, charts


def test_the_statistics_count_a_years_reports_by_month_region_industry_and_category(login, users, listed):
    dims, line, charts = report_stats(login(users["city"]), year=Y)
    assert line == f"{Y}年共 4 起，死亡 34 人，重伤 52 人，直接经济损失 12210.75 万元（按事故快报及其续报的最新数字统计）。"
    assert dims["month"]["2月"] == (1, 3, 0, Decimal("200")) and dims["month"]["3月"] == (2, 1, 52, Decimal("10.75"))
    assert dims["month"]["4月"] == (1, 30, 0, Decimal("12000")) and dims["month"]["5月"] == (0, 0, 0, 0)
    # 郑州市 counts by county, every county shown; the 洛阳 report (F) is not the city's.
    assert dims["region"]["金水区"] == (2, 4, 2, Decimal("210.50")) and dims["region"]["二七区"] == (2, 30, 50, Decimal("12000.25"))
    assert dims["region"]["中原区"] == (0, 0, 0, 0) and "洛阳市" not in dims["region"]
    assert dims["industry"]["机械"][0] == 2 and dims["industry"]["危险化学品"][0] == 2 and dims["industry"]["煤矿"][0] == 0
    assert {k: v[0] for k, v in dims["category"].items()} == {"工伤事故": 2, "火灾事故": 1, "设备事故": 1, "其它事故": 0}
    # The charts draw 起数 and 死亡人数 of the same rows, the months as lines.
    assert charts["month"]["labels"][1:4] == ["2月", "3月", "4月"] and charts["month"]["line"]
    assert [s["name"] for s in charts["region"]["series"]] == ["事故起数", "死亡人数"]
    jinshui = charts["region"]["labels"].index("金水区")
    assert [s["values"][jinshui] for s in charts["region"]["series"]] == [2, 4]


def test_the_statistics_stay_within_the_jurisdiction_and_the_chosen_year(client, login, users, listed):
    dims, line, _ = report_stats(login(users["province"]), year=Y)
    assert line.startswith(f"{Y}年共 5 起") and dims["region"]["洛阳市"] == (1, 5, 0, Decimal("7"))
    assert dims["region"]["郑州市"][0] == 4
    dims, line, _ = report_stats(login(users["jinshui"]), year=Y)
    assert line.startswith(f"{Y}年共 2 起") and dims["region"] == {"金水区": (2, 4, 2, Decimal("210.50"))}
    dims, line, _ = report_stats(login(users["city"]), year=Y - 1)
    assert line.startswith(f"{Y - 1}年共 1 起") and dims["category"]["其它事故"] == (1, 0, 0, Decimal("1000"))
    dims, line, _ = report_stats(login(users["city"]), year="1990")  # no report that year: this year's (none)
    assert line.startswith(f"{Y + 1}年共 0 起")
    assert login(users["owner"]).get(STATS_URL).status_code == 403
    client.logout()
    assert client.get(STATS_URL).status_code == 302


# ---- the audit trail ----


def test_filing_follow_ups_and_closing_are_recorded_on_the_enterprise(login, users, enterprise, filed):
    report_type = ContentType.objects.get_for_model(AccidentReport)
    created = ChangeRecord.objects.get(content_type=report_type, object_id=str(filed.pk))
    assert created.action == AuditAction.CREATE and created.enterprise_id == enterprise.pk
    assert created.user == users["jinshui"] and created.region_code == JINSHUI
    assert created.after["title"] == "金水叉车撞伤事故" and created.after["deaths"] == 1

    login(users["owner"]).post(follow_url(filed), follow_up_post("一人死亡", deaths=3, direct_loss="20"))
    follow_up = filed.follow_ups.get()
    added = ChangeRecord.objects.get(content_type=ContentType.objects.get_for_model(FollowUp), object_id=str(follow_up.pk))
    assert added.action == AuditAction.CREATE and added.enterprise_id == enterprise.pk and added.user == users["owner"]
    assert added.after["content"] == "一人死亡" and added.after["deaths"] == 3
    updated = ChangeRecord.objects.get(content_type=report_type, object_id=str(filed.pk), action=AuditAction.UPDATE)
    assert updated.enterprise_id == enterprise.pk and updated.request_id == added.request_id
    assert updated.before == {"deaths": 1, "direct_loss": "12.50", "severity": "ordinary"}
    assert updated.after == {"deaths": 3, "direct_loss": "20.00", "severity": "large"}

    investigation = create_investigation(enterprise)
    login(users["city"]).post(close_url(filed), {"investigation": investigation.pk})
    closed = ChangeRecord.objects.filter(content_type=report_type, object_id=str(filed.pk)).first()
    assert closed.action == AuditAction.UPDATE and closed.user == users["city"]
    assert closed.after == {"investigation_id": investigation.pk}

    # The archive's history shows them, and so does the county's list of changes; the sibling county's does not.
    client = login(users["jinshui"])
    history = page(client, reverse("archive:enterprise_detail", args=[enterprise.pk]))
    assert "金水叉车撞伤事故" in history
    assert "金水叉车撞伤事故" in page(client, reverse("archive:change_list"))
    assert "金水叉车撞伤事故" not in page(login(users["erqi"]), reverse("archive:change_list"))


def test_a_refused_filing_records_nothing(login, users, enterprise):
    login(users["jinshui"]).post(add_url(enterprise), report_post(deaths="-1"))
    assert not ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(AccidentReport)).exists()
