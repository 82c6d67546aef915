"""The regulators' risk lists (分析对象, 分析单元, 风险事件, 管控措施, 巡检记录): scope, filters, links, order, counts."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ERQI, JINSHUI, add_risk_event, create_enterprise, create_patrol, create_risk_list
from worksafe.core import listing
from worksafe.risks.models import ControlMeasure, RiskUnit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGES = ["object_list", "unit_list", "event_list", "measure_list", "patrol_record_list"]


def url(name, **params):
    from urllib.parse import urlencode

    return reverse(f"risks:{name}") + (f"?{urlencode(params)}" if params else "")


def rows(client, name, **params):
    response = client.get(url(name, **params))
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def local(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def lists(users, enterprise, other_enterprise):
    """金水 (machinery) and 二七 (chemicals) each with the factories' risk list and a patrol."""
    return {
        "jinshui": create_risk_list(enterprise, "金水"),
        "erqi": create_risk_list(other_enterprise, "二七"),
        "jinshui_patrol": create_patrol(enterprise, local(2025, 3, 1, 9), [True, False]),
        "erqi_patrol": create_patrol(other_enterprise, local(2025, 3, 2, 9), [True]),
    }


def enterprises_of(items):
    return {item.enterprise_id for item in items}


# ---- who sees what ----


@pytest.mark.parametrize("page", PAGES)
def test_each_list_shows_only_the_jurisdiction(login, users, enterprise, other_enterprise, lists, page):
    jinshui, erqi = enterprise.pk, other_enterprise.pk
    assert enterprises_of(rows(login(users["jinshui"]), page)) == {jinshui}
    assert enterprises_of(rows(login(users["erqi"]), page)) == {erqi}
    assert enterprises_of(rows(login(users["city"]), page)) == {jinshui, erqi}
    assert enterprises_of(rows(login(users["province"]), page)) == {jinshui, erqi}
    assert enterprises_of(rows(login(users["sysadmin"]), page)) == {jinshui, erqi}
    # The hazardous-chemicals department sees the chemical enterprise (0301) only.
    assert enterprises_of(rows(login(users["chem"]), page)) == {erqi}


@pytest.mark.parametrize("page", PAGES)
def test_the_sibling_county_never_sees_the_other_countys_names(login, users, lists, page):
    html = login(users["erqi"]).get(url(page)).content.decode()
    assert "二七测试化工有限公司" in html
    assert "金水" not in html.replace("金水区", "")  # not even a row of it (the 属地 filter offers no 金水区 either)


@pytest.mark.parametrize("page", PAGES)
def test_enterprise_users_are_refused_and_visitors_sent_to_log_in(client, login, users, lists, page):
    assert client.get(url(page)).status_code == 302
    assert login(users["owner"]).get(url(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_a_region_outside_the_jurisdiction_cannot_be_picked(login, users, lists, page):
    items = rows(login(users["erqi"]), page, region=JINSHUI)
    assert {i.enterprise.region_id for i in items} == {ERQI}


# ---- rows, links and per-row figures ----


def test_event_rows_link_to_the_event_in_the_enterprises_risk_list(login, users, enterprise, lists):
    response = login(users["city"]).get(url("event_list"))
    html = response.content.decode()
    ev = lists["jinshui"]["event"]
    assert f'{reverse("risks:register_detail", args=[enterprise.pk])}#riskevent-{ev.pk}"' in html
    assert f'#hazardsource-{ev.source_id}"' in html
    assert 'data-level="major"' in html and 'data-level="low"' in html
    assert "重点管控" in html and "LEC D = 720" in html


@pytest.mark.parametrize("page, anchor", [
    ("object_list", "riskobject"), ("unit_list", "riskunit"), ("measure_list", "controlmeasure"),
])
def test_every_list_links_its_rows_into_the_risk_list(login, users, enterprise, lists, page, anchor):
    html = login(users["jinshui"]).get(url(page)).content.decode()
    item = {"riskobject": lists["jinshui"]["object"], "riskunit": lists["jinshui"]["unit"],
            "controlmeasure": lists["jinshui"]["measures"][0]}[anchor]
    assert f'{reverse("risks:register_detail", args=[enterprise.pk])}#{anchor}-{item.pk}"' in html


def test_object_rows_count_their_units_and_show_their_highest_level(login, users, enterprise, lists):
    add_risk_event(enterprise, "配电室", "medium")
    by_name = {o.name: o for o in rows(login(users["jinshui"]), "object_list")}
    assert (by_name["金水甲醇罐区"].unit_count, by_name["金水甲醇罐区"].highest_level) == (2, "major")
    assert (by_name["配电室"].unit_count, by_name["配电室"].highest_level) == (1, "medium")
    html = login(users["jinshui"]).get(url("object_list")).content.decode()
    assert 'data-level="medium"' in html and "安环部" in html and "张三" in html


def test_unit_rows_count_their_sources_and_show_level_and_placement(login, users, enterprise, lists):
    RiskUnit.objects.filter(pk=lists["jinshui"]["unit"].pk).update(map_x=0.3, map_y=0.4)
    by_name = {u.name: u for u in rows(login(users["jinshui"]), "unit_list")}
    unit, unit2 = by_name["金水甲醇罐区微单元"], by_name["金水检修平台"]
    assert (unit.source_count, unit.highest_level, unit2.highest_level) == (1, "major", "low")
    html = login(users["jinshui"]).get(url("unit_list")).content.decode()
    assert html.count(">已标注</a>") == 1 and html.count(">未标注<") == 1


def test_measure_rows_show_their_events_level_and_overdue_deadlines_in_red(login, users, enterprise, lists):
    overdue, ok = lists["jinshui"]["measures"]
    ControlMeasure.objects.filter(pk=overdue.pk).update(next_due_at=timezone.now() - datetime.timedelta(hours=1))
    ControlMeasure.objects.filter(pk=ok.pk).update(next_due_at=timezone.now() + datetime.timedelta(days=1))
    html = login(users["jinshui"]).get(url("measure_list")).content.decode()
    assert html.count('data-testid="overdue"') == 1
    assert html.count('data-level="major"') == 2  # both measures belong to the major event
    assert "每1天" in html and "每1班" in html


def test_patrol_rows_count_items_and_those_not_in_place(login, users, enterprise, lists):
    (p,) = rows(login(users["jinshui"]), "patrol_record_list")
    assert (p.item_count, p.failed_count) == (2, 1)
    html = login(users["jinshui"]).get(url("patrol_record_list")).content.decode()
    assert "2025-03-01 09:00" in html  # local time
    assert reverse("risks:patrol_detail", args=[p.pk]) in html


# ---- filters ----


def test_event_filters(login, users, enterprise, other_enterprise, lists):
    client = login(users["city"])
    names = lambda **p: {e.name for e in rows(client, "event_list", **p)}  # noqa: E731
    assert names() == {"金水泄漏造成火灾", "金水检修作业高空坠落", "二七泄漏造成火灾", "二七检修作业高空坠落"}
    assert names(level="major") == {"金水泄漏造成火灾", "二七泄漏造成火灾"}
    assert names(level="low") == {"金水检修作业高空坠落", "二七检修作业高空坠落"}
    assert names(level="high") == set()
    assert names(key_control="1") == {"金水泄漏造成火灾", "二七泄漏造成火灾"}
    assert names(key_control="0", level="major") == set()
    assert names(accident_category="09") == {"金水检修作业高空坠落", "二七检修作业高空坠落"}
    assert names(region=JINSHUI) == {"金水泄漏造成火灾", "金水检修作业高空坠落"}
    assert names(industry="03") == {"二七泄漏造成火灾", "二七检修作业高空坠落"}  # 危险化学品 includes 0301
    assert names(q="二七测试") == {"二七泄漏造成火灾", "二七检修作业高空坠落"}
    assert names(q=other_enterprise.uscc) == {"二七泄漏造成火灾", "二七检修作业高空坠落"}
    assert names(q=other_enterprise.uscc[:6].lower(), region=ERQI) == {"二七泄漏造成火灾", "二七检修作业高空坠落"}
    assert names(q="没有这家") == set()


def test_object_and_unit_filters_read_the_level_of_their_events(login, users, enterprise, lists):
    add_risk_event(enterprise, "配电室", "medium", kind="facility", map_x=0.5, map_y=0.5)
    client = login(users["jinshui"])
    objects = lambda **p: {o.name for o in rows(client, "object_list", **p)}  # noqa: E731
    units = lambda **p: {u.name for u in rows(client, "unit_list", **p)}  # noqa: E731
    assert objects() == {"金水甲醇罐区", "配电室"}
    assert objects(level="major") == objects(level="low") == {"金水甲醇罐区"}  # one of its units has each
    assert objects(level="medium") == {"配电室"}
    assert objects(level="high") == set()
    assert objects(kind="facility") == {"配电室"}
    assert units(level="major") == {"金水甲醇罐区微单元"}
    assert units(level="low") == {"金水检修平台"}
    assert units(level="medium") == {"配电室单元"}
    assert units(placed="1") == {"配电室单元"}
    assert units(placed="0") == {"金水甲醇罐区微单元", "金水检修平台"}


def test_measure_filters(login, users, enterprise, other_enterprise, lists):
    low = lists["jinshui"]["event2"]
    ControlMeasure.objects.update(next_due_at=timezone.now() + datetime.timedelta(days=1))  # the fixture's 2025 patrols made all late
    extra = ControlMeasure.objects.create(event=low, enterprise=enterprise, category="management", content="金水系好安全带",
                                          tier="team", frequency_value=1, frequency_unit="week")
    ControlMeasure.objects.filter(pk=extra.pk).update(next_due_at=timezone.now() - datetime.timedelta(days=1))
    client = login(users["city"])
    contents = lambda **p: {m.content for m in rows(client, "measure_list", **p)}  # noqa: E731
    assert len(contents()) == 5
    assert contents(level="low") == {"金水系好安全带"}
    assert contents(level="major", region=JINSHUI) == {"金水对液位进行巡检", "金水佩戴防毒口罩"}
    assert contents(overdue="1") == {"金水系好安全带"}
    assert "金水系好安全带" not in contents(overdue="0") and len(contents(overdue="0")) == 4
    assert contents(industry="03", level="major") == {"二七对液位进行巡检", "二七佩戴防毒口罩"}


def test_patrol_filters(login, users, enterprise, other_enterprise, lists):
    late = create_patrol(enterprise, local(2025, 3, 10, 23, 30), [True])  # 15:30 UTC: still 10 March in 郑州
    client = login(users["city"])
    ids = lambda **p: {x.pk for x in rows(client, "patrol_record_list", **p)}  # noqa: E731
    jin, erqi = lists["jinshui_patrol"].pk, lists["erqi_patrol"].pk
    assert ids() == {jin, erqi, late.pk}
    assert ids(date_from="2025-03-02") == {erqi, late.pk}
    assert ids(date_to="2025-03-01") == {jin}
    assert ids(date_from="2025-03-10", date_to="2025-03-10") == {late.pk}
    assert ids(date_from="2025-03-11") == set()
    assert ids(not_in_place="1") == {jin}
    assert ids(not_in_place="0") == {erqi, late.pk}
    assert ids(region=ERQI) == {erqi}
    assert ids(q="金水测试") == {jin, late.pk}


def test_the_tabs_carry_the_shared_filters(login, users, lists):
    html = login(users["city"]).get(url("event_list", region=JINSHUI, level="major", key_control="1")).content.decode()
    assert f'href="{reverse("risks:object_list")}?region={JINSHUI}&amp;level=major"' in html
    # Patrol records have no level: the tab keeps the region only.
    assert f'href="{reverse("risks:patrol_record_list")}?region={JINSHUI}"' in html


# ---- order and pagination ----


def test_rows_follow_the_enterprises_then_each_risk_list(login, users, enterprise, other_enterprise, lists):
    client = login(users["city"])
    # 二七区 (410103) before 金水区 (410105); within an enterprise, the risk list's order.
    events = rows(client, "event_list")
    assert [e.enterprise_id for e in events] == [other_enterprise.pk] * 2 + [enterprise.pk] * 2
    assert [e.name for e in events[:2]] == ["二七泄漏造成火灾", "二七检修作业高空坠落"]
    reverse_events = rows(client, "event_list", sort="-enterprise")
    assert [e.enterprise_id for e in reverse_events] == [enterprise.pk] * 2 + [other_enterprise.pk] * 2
    assert [e.name for e in reverse_events[:2]] == ["金水泄漏造成火灾", "金水检修作业高空坠落"]
    # Patrols: newest first within an enterprise.
    newer = create_patrol(enterprise, local(2025, 4, 1, 8), [True])
    patrols = rows(client, "patrol_record_list")
    assert [p.pk for p in patrols] == [lists["erqi_patrol"].pk, newer.pk, lists["jinshui_patrol"].pk]


def test_the_count_stops_at_the_limit_and_says_so(login, users, enterprise, lists, monkeypatch):
    monkeypatch.setattr(listing.CappedPaginator, "limit", 3)
    client = login(users["city"])
    response = client.get(url("event_list"))
    page = response.context["page"]
    assert (page.paginator.count, page.paginator.more, len(page.object_list)) == (3, True, 3)
    assert "超过 3 条" in response.content.decode()
    response = client.get(url("event_list", level="major"))
    assert response.context["page"].paginator.more is False
    assert "共 2 条" in response.content.decode()


def test_pages_past_the_first(login, users, enterprise, lists):
    for i in range(25):
        add_risk_event(enterprise, f"对象{i:02d}", "low")
    client = login(users["jinshui"])
    first = rows(client, "object_list")
    second = rows(client, "object_list", page=2)
    assert len(first) == 20 and len(second) == 6
    assert not {o.pk for o in first} & {o.pk for o in second}
    html = client.get(url("object_list", page=2)).content.decode()
    assert "共 26 条，第 2/2 页" in html


# ---- no N+1 ----


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["city", "chem"])
def test_query_count_is_pinned_and_does_not_grow_with_the_rows(login, users, lists, page, who, django_assert_max_num_queries):
    # session, user, organisation, its region, the department's industries and their children, the filter form's
    # region and industry choices (and 事故类别 on the events page), the count, the page's ids, its rows, and one or
    # two grouped queries for the page's figures (units and highest level per object ...).
    client = login(users[who])
    with django_assert_max_num_queries(13):
        assert client.get(url(page)).status_code == 200
    for i in range(6):
        e = create_enterprise(JINSHUI if i % 2 else ERQI, "0301")
        create_risk_list(e, f"批量{i}")
        create_patrol(e, local(2025, 5, 1 + i, 10), [True, False, True])
    with django_assert_max_num_queries(13):
        response = client.get(url(page, level="major") if page != "patrol_record_list" else url(page, not_in_place="1"))
    assert len(response.context["page"].object_list) >= 6
