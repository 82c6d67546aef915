"""The regulators' hazard lists (未整改隐患管理, 重大隐患管理, 隐患清单) and their exports: scope, filters, order,
deadline colours, counts, xlsx."""
import datetime
import io as _io
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import ERQI, JINSHUI, create_enterprise, create_hazard
from worksafe.core import lists
from worksafe.hazards import views_scope
from worksafe.hazards.models import Hazard

pytestmark = pytest.mark.django_db
LISTS = ["open_list", "major_list", "all_list"]
EXPORTS = ["open_export", "major_export", "all_export"]
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def url(name, **params):
    return reverse(f"hazards:{name}") + (f"?{urlencode(params)}" if params else "")


def rows(client, name, **params):
    response = client.get(url(name, **params))
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def names(items):
    return {h.name for h in items}


def sheet_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(_io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def world(users, enterprise, other_enterprise):
    """金水 (machinery, 07): 金水超期 (general, 3 days overdue, 整改中), 金水临期 (general, due in 5 days),
    金水重大 (major, pending review, due in 30 days), 金水已销号 (closed, deadline passed);
    二七 (chemicals, 0301): 二七超期重大 (major, confirmed, county supervision, 10 days overdue) and
    二七打回 (returned to general by the review)."""
    return {
        "overdue": create_hazard(enterprise, "金水超期", deadline=days(-3), state="rectifying", responsible="张三",
                                 found_on=days(-40), source="inspection"),
        "soon": create_hazard(enterprise, "金水临期", deadline=days(5), found_on=days(-20)),
        "major": create_hazard(enterprise, "金水重大", level="major", review="pending", deadline=days(30),
                               found_on=days(-10), category="fire"),
        "closed": create_hazard(enterprise, "金水已销号", state="closed", deadline=days(-30), found_on=days(-60)),
        "erqi": create_hazard(other_enterprise, "二七超期重大", level="major", review="confirmed", supervision="county",
                              state="rectifying", deadline=days(-10), found_on=days(-30)),
        "downgraded": create_hazard(other_enterprise, "二七打回", review="downgraded", review_reason="不构成重大隐患",
                                    found_on=days(-5)),
    }


# ---- who sees what ----


@pytest.mark.parametrize("page", LISTS)
def test_each_list_shows_only_the_jurisdiction(login, users, enterprise, other_enterprise, world, page):
    def seen(user):
        return {h.enterprise_id for h in rows(login(users[user]), page)}

    assert seen("jinshui") == {enterprise.pk}
    assert seen("erqi") == {other_enterprise.pk}
    assert seen("city") == seen("province") == seen("sysadmin") == {enterprise.pk, other_enterprise.pk}
    assert seen("chem") == {other_enterprise.pk}  # the chemicals department: 0301 only


@pytest.mark.parametrize("page", LISTS + EXPORTS)
def test_enterprise_users_are_refused_and_visitors_sent_to_log_in(client, login, users, world, page):
    assert client.get(url(page)).status_code == 302
    assert login(users["owner"]).get(url(page)).status_code == 403
    assert login(users["outsider"]).get(url(page)).status_code == 403


@pytest.mark.parametrize("page", LISTS)
def test_the_sibling_county_never_sees_the_other_countys_hazards(login, users, world, page):
    html = login(users["erqi"]).get(url(page)).content.decode()
    assert "金水超期" not in html and "金水重大" not in html and "金水测试机械" not in html


@pytest.mark.parametrize("page", LISTS)
def test_a_region_outside_the_jurisdiction_cannot_be_picked(login, users, world, page):
    items = rows(login(users["erqi"]), page, region=JINSHUI)
    assert {h.enterprise.region_id for h in items} <= {ERQI}


@pytest.mark.parametrize("export", EXPORTS)
def test_exports_hold_only_the_jurisdiction(login, users, world, export):
    table = sheet_rows(login(users["erqi"]).get(url(export)))
    assert len(table) > 1
    assert all(r[0] == "二七测试化工有限公司" for r in table[1:])


# ---- 未整改隐患管理 ----


def test_open_list_leaves_closed_hazards_out_and_puts_the_most_urgent_first(login, users, world):
    items = rows(login(users["city"]), "open_list")
    assert [h.name for h in items] == ["二七超期重大", "金水超期", "金水临期", "金水重大", "二七打回"]  # ties by id


def test_open_list_shows_deadlines_in_their_colours(login, users, world):
    html = login(users["jinshui"]).get(url("open_list")).content.decode()
    assert html.count('data-due="overdue"') == 1 and 'class="badge bg-red-lt" data-due="overdue"' in html
    assert html.count('data-due="soon"') == 1 and "bg-orange-lt" in html
    assert html.count('data-due="later"') == 1 and "bg-green-lt" in html
    assert "金水已销号" not in html


def test_open_list_counts_overdue_soon_and_later_whatever_the_deadline_filter(login, users, world):
    for params in ({}, {"due": "overdue"}):
        response = login(users["city"]).get(url("open_list", **params))
        counts = {c["status"]: (c["count"], c["exact"]) for c in response.context["due_counts"]}
        # 二七超期重大 and 金水超期 overdue; 金水临期 soon; 金水重大 and 二七打回 (deadline in 30 days) later.
        assert counts == {"overdue": (2, True), "soon": (1, True), "later": (2, True)}
    assert 'data-due-count="overdue"' in response.content.decode()
    assert names(response.context["page"]) == {"二七超期重大", "金水超期"}


def test_deadline_counts_stop_at_the_cap_and_say_which_are_exact(world):
    rows_ = Hazard.objects.exclude(state="closed").order_by("deadline", "id")
    # 5 open hazards (2 overdue, 1 within 10 days, 2 later): a cap of 2 reads 3 rows and stops in the 10-day group.
    counts, capped = views_scope.due_counts(rows_, limit=2)
    assert capped
    assert [(c["status"], c["count"], c["exact"]) for c in counts] == [
        ("overdue", 2, True), ("soon", 1, False), ("later", None, False)]
    counts, capped = views_scope.due_counts(rows_, limit=3)
    assert capped and [(c["count"], c["exact"]) for c in counts] == [(2, True), (1, True), (1, False)]
    counts, capped = views_scope.due_counts(rows_, limit=5)
    assert not capped and [c["count"] for c in counts] == [2, 1, 2]


@pytest.mark.parametrize("params, expected", [
    ({"due": "overdue"}, {"金水超期", "二七超期重大"}),
    ({"due": "soon"}, {"金水临期"}),
    ({"due": "later"}, {"金水重大", "二七打回"}),
    ({"level": "major"}, {"金水重大", "二七超期重大"}),
    ({"state": "rectifying"}, {"金水超期", "二七超期重大"}),
    ({"region": JINSHUI}, {"金水超期", "金水临期", "金水重大"}),
    ({"industry": "03"}, {"二七超期重大", "二七打回"}),
    ({"source": "inspection"}, {"金水超期"}),
    ({"category": "fire"}, {"金水重大"}),
    ({"q": "临期"}, {"金水临期"}),
    ({"q": "二七测试"}, {"二七超期重大", "二七打回"}),
    ({"supervision": "any"}, {"二七超期重大"}),
    ({"found_from": str(days(-25)), "found_to": str(days(-8))}, {"金水临期", "金水重大"}),
])
def test_open_list_filters(login, users, world, params, expected):
    assert names(rows(login(users["city"]), "open_list", **params)) == expected


def test_open_list_offers_only_open_states(login, users, world):
    form = login(users["city"]).get(url("open_list")).context["filter"].form
    assert [v for v, _ in form.fields["state"].choices if v] == ["reported", "rectifying", "accepting"]


def test_open_export_has_the_page_columns_and_the_deadline_status(login, users, enterprise, world):
    table = sheet_rows(login(users["jinshui"]).get(url("open_export")))
    header = table[0]
    for column in ("企业名称", "属地", "隐患名称", "隐患内容（主要危害）", "隐患级别", "隐患来源", "隐患排查时间", "整改期限",
                   "期限状态", "整改状态", "整改责任人"):
        assert column in header
    by_name = {r[header.index("隐患名称")]: dict(zip(header, r, strict=False)) for r in table[1:]}
    assert list(by_name) == ["金水超期", "金水临期", "金水重大"]  # the page's order
    assert by_name["金水超期"]["期限状态"] == "已超期" and by_name["金水临期"]["期限状态"] == "10天内到期"
    assert by_name["金水重大"]["期限状态"] == "10天以上" and by_name["金水重大"]["隐患级别"] == "重大隐患"
    assert by_name["金水超期"]["整改状态"] == "整改中" and by_name["金水超期"]["整改责任人"] == "张三"
    assert by_name["金水超期"]["企业名称"] == enterprise.name and by_name["金水超期"]["属地"] == "金水区"


def test_export_follows_the_filters(login, users, world):
    table = sheet_rows(login(users["city"]).get(url("open_export", due="overdue")))
    assert sorted(r[3] for r in table[1:]) == ["二七超期重大", "金水超期"]


def test_a_too_large_export_asks_for_a_narrower_filter(login, users, world, monkeypatch):
    monkeypatch.setattr(lists, "EXPORT_LIMIT", 2)
    response = login(users["city"]).get(url("all_export", level="general"))
    assert response.status_code == 302 and response["Location"] == url("all_list", level="general")
    response = login(users["city"]).get(response["Location"])
    assert "超过 2 条" in response.content.decode()
    assert sheet_rows(login(users["city"]).get(url("all_export", level="major")))  # 2 rows: allowed


# ---- 重大隐患管理 ----


def test_major_list_shows_major_hazards_newest_first_and_the_pending_count(login, users, world):
    response = login(users["city"]).get(url("major_list"))
    assert [h.name for h in response.context["page"]] == ["金水重大", "二七超期重大"]
    assert response.context["pending"] == 1
    html = response.content.decode()
    assert 'data-review="pending"' in html and 'data-supervision="county"' in html
    assert reverse("hazards:ledger_detail", args=[world["major"].pk]) in html
    assert login(users["erqi"]).get(url("major_list")).context["pending"] == 0


@pytest.mark.parametrize("params, expected", [
    ({"review": "pending"}, {"金水重大"}),
    ({"review": "confirmed"}, {"二七超期重大"}),
    ({"review": "downgraded"}, {"二七打回"}),
    ({"supervision": "county"}, {"二七超期重大"}),
    ({"supervision": "none"}, {"金水重大"}),
    ({"due": "overdue"}, {"二七超期重大"}),
])
def test_major_list_filters_by_review_and_supervision(login, users, world, params, expected):
    assert names(rows(login(users["city"]), "major_list", **params)) == expected


def test_major_export_has_the_ledger_columns(login, users, world):
    Hazard.objects.filter(pk=world["erqi"].pk).update(substance="液氯", possible_casualties=3, method="更换阀门")
    table = sheet_rows(login(users["city"]).get(url("major_export")))
    header = table[0]
    for label in ("隐患名称", "隐患排查时间", "隐患地点部位", "隐患级别", "隐患类型", "主要危险物质", "隐患内容（主要危害）",
                  "可能造成经济损失（万元）", "可能造成的伤亡人数", "周边环境情况", "安全防范措施和应急预案", "治理的方法和措施",
                  "治理的时限和要求", "计划整改完成时间", "目前状况", "预计所需资金（万元）", "实际使用资金（万元）",
                  "实际完成时间", "隐患整改结果评估", "填表人", "填表时间", "审核人", "重大隐患审核", "挂牌督办"):
        assert label in header, label
    rows_ = {r[header.index("隐患名称")]: dict(zip(header, r, strict=False)) for r in table[1:]}
    assert set(rows_) == {"金水重大", "二七超期重大"}
    erqi = rows_["二七超期重大"]
    assert (erqi["主要危险物质"], erqi["可能造成的伤亡人数"], erqi["治理的方法和措施"]) == ("液氯", 3, "更换阀门")
    assert (erqi["重大隐患审核"], erqi["挂牌督办"]) == ("已确认", "县级挂牌督办")


# ---- 隐患清单 ----


def test_all_list_has_every_state_major_first_or_by_date(login, users, world):
    assert [h.name for h in rows(login(users["jinshui"]), "all_list")] == ["金水重大", "金水临期", "金水超期", "金水已销号"]
    assert [h.name for h in rows(login(users["jinshui"]), "all_list", sort="found")] == [
        "金水重大", "金水临期", "金水超期", "金水已销号"]
    create_hazard(users["owner"].enterprise, "金水最新一般", found_on=TODAY)
    assert [h.name for h in rows(login(users["jinshui"]), "all_list")][:2] == ["金水重大", "金水最新一般"]
    assert [h.name for h in rows(login(users["jinshui"]), "all_list", sort="found")][:2] == ["金水最新一般", "金水重大"]
    assert names(rows(login(users["jinshui"]), "all_list", state="closed")) == {"金水已销号"}


def test_all_export(login, users, world):
    table = sheet_rows(login(users["jinshui"]).get(url("all_export")))
    assert [r[3] for r in table[1:]] == ["金水重大", "金水临期", "金水超期", "金水已销号"]
    closed = dict(zip(table[0], table[-1], strict=False))
    assert closed["期限状态"] == "已销号" and closed["整改状态"] == "已销号"


# ---- queries ----


@pytest.mark.parametrize("page", LISTS)
def test_query_count_does_not_grow_with_rows(login, users, enterprise, world, page, django_assert_max_num_queries):
    client = login(users["city"])
    client.get(url(page))  # warm up (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(page)).status_code == 200
    more = create_enterprise(JINSHUI, name="金水另一家")
    for i in range(25):
        create_hazard(more if i % 2 else enterprise, f"批量{i}", level="major" if i % 3 else "general",
                      deadline=days(i - 10))
    with django_assert_max_num_queries(len(few)):
        response = client.get(url(page))
    assert len(response.context["page"].object_list) >= 18  # a full page (the major list: 18 rows in all)
