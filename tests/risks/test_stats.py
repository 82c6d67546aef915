"""风险统计分析: risk events by level per region and industry, enterprises by grade, patrols by year and region.

Every figure is checked against a hand count of the fixtures below.
"""
import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import JINSHUI, add_risk_event, create_enterprise, create_patrol, create_risk_list

pytestmark = pytest.mark.django_db
URL = reverse("risks:risk_stats")
PATROLS_URL = reverse("risks:patrol_stats")
SHANGHAI = ZoneInfo("Asia/Shanghai")
LEVELS = ["重大风险", "较大风险", "一般风险", "低风险"]
THIS_YEAR = timezone.localdate().year
Y = THIS_YEAR - 2  # the fixtures' first year of patrols (the statistics cover the last five years)


def local(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def stats(client, **params):
    """The page (risk figures): its response and chart data."""
    response = client.get(URL, params)
    assert response.status_code == 200
    match = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', response.text, re.S)
    assert match, "the page carries its chart data as json_script"
    return response, json.loads(match.group(1))


def patrol_stats(client, **params):
    """The patrol sections, as the page loads them (htmx)."""
    response = client.get(PATROLS_URL, params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    match = re.search(r'<script id="stats-patrol-data" type="application/json">(.*?)</script>', response.text, re.S)
    assert match, "the sections carry their chart data as json_script"
    return response, json.loads(match.group(1))


def table(response, name):
    """{row label: row} of one of the page's tables."""
    return {row["label"]: row for row in response.context[name]}


def levels(row):
    return dict(zip(LEVELS, row["cells"], strict=False))


@pytest.fixture
def world(users, enterprise, other_enterprise):
    """Hand-counted risk lists and patrols:

    金水 机械 (enterprise): 1 重大 + 1 低 · 二七 0301 (other_enterprise): 1 重大 + 1 较大 + 1 低 ·
    金水 0302 危化经营: no events (未评定) · 郑州经开区 机械: 1 低 · 洛阳 涧西区 08: 2 一般.
    Patrols (local time, Y = two years ago): 金水 Y-06-01 (2 items, 1 not in place), Y-12-31 23:30 (1, 0),
    Y+1-01-01 00:30 (3, 2); 二七 Y+1-05-01 (1, 0); 洛阳 Y-03-01 (2, 0).
    """
    create_risk_list(enterprise, "金水")
    create_risk_list(other_enterprise, "二七")
    add_risk_event(other_enterprise, "二七配电室", "high")
    ungraded = create_enterprise(JINSHUI, "0302", name="金水危化经营有限公司")
    zone = create_enterprise("410171", "07", name="经开机械有限公司")
    add_risk_event(zone, "经开冲压线", "low")
    luoyang = create_enterprise("410305", "08", name="洛阳轻工有限公司")
    add_risk_event(luoyang, "洛阳锅炉房", "medium")
    add_risk_event(luoyang, "洛阳配电室", "medium")
    for e in (zone, luoyang):
        from worksafe.risks.models import ControlMeasure, RiskEvent

        for ev in RiskEvent.objects.filter(enterprise=e):
            ControlMeasure.objects.create(event=ev, enterprise=e, category="management", content=f"{ev.name}措施", tier="team")
    create_patrol(enterprise, local(Y, 6, 1, 9), [True, False])
    create_patrol(enterprise, local(Y, 12, 31, 23, 30), [True])
    create_patrol(enterprise, local(Y + 1, 1, 1, 0, 30), [False, True, False])
    create_patrol(other_enterprise, local(Y + 1, 5, 1, 10), [True])
    create_patrol(luoyang, local(Y, 3, 1, 10), [True, True])
    return {"ungraded": ungraded, "zone": zone, "luoyang": luoyang}


def test_the_city_counts_events_by_level_per_county(login, users, world):
    response, data = stats(login(users["city"]))
    regions = table(response, "region_table")
    assert levels(regions["金水区"]) == {"重大风险": 1, "较大风险": 0, "一般风险": 0, "低风险": 1}
    assert regions["金水区"]["enterprises"] == 2 and regions["金水区"]["total"] == 2
    assert levels(regions["二七区"]) == {"重大风险": 1, "较大风险": 1, "一般风险": 0, "低风险": 1}
    assert levels(regions["郑州经济技术开发区"]) == {"重大风险": 0, "较大风险": 0, "一般风险": 0, "低风险": 1}
    assert regions["中原区"]["total"] == 0  # every county, empty ones too
    assert response.context["level_totals"] == [2, 1, 0, 3] and response.context["total_events"] == 6
    assert response.context["total_enterprises"] == 4
    # The chart draws the same numbers: one stacked series per level, the pie by level.
    chart = data["region"]
    jinshui = chart["labels"].index("金水区")
    assert [s["name"] for s in chart["series"]] == LEVELS
    assert [s["values"][jinshui] for s in chart["series"]] == [1, 0, 0, 1]
    assert chart["pie"]["values"] == [2, 1, 0, 3]
    # A stacked segment opens the county's events of that level.
    assert chart["series"][0]["links"][jinshui] == reverse("risks:event_list") + f"?region={JINSHUI}&level=major"


def test_the_province_counts_by_city_and_drills_into_one(login, users, world):
    response, data = stats(login(users["province"]))
    regions = table(response, "region_table")
    assert levels(regions["郑州市"]) == {"重大风险": 2, "较大风险": 1, "一般风险": 0, "低风险": 3}
    assert levels(regions["洛阳市"]) == {"重大风险": 0, "较大风险": 0, "一般风险": 2, "低风险": 0}
    assert len(regions) == 18  # every city of 河南
    assert regions["郑州市"]["drill"] == URL + "?region=410100"
    assert data["region"]["drill"][data["region"]["labels"].index("郑州市")] == URL + "?region=410100"
    response, _ = stats(login(users["province"]), region="410100")
    regions = table(response, "region_table")
    assert "郑州市" not in regions and levels(regions["二七区"])["较大风险"] == 1
    assert response.context["total_events"] == 6
    assert regions["金水区"]["drill"] == ""  # counties are the last level with children worth counting


def test_events_by_industry(login, users, world):
    response, data = stats(login(users["city"]))
    industries = table(response, "industry_table")
    assert set(industries) == {"机械", "危险化学品"}
    assert levels(industries["机械"]) == {"重大风险": 1, "较大风险": 0, "一般风险": 0, "低风险": 2}
    assert industries["机械"]["enterprises"] == 2
    assert levels(industries["危险化学品"]) == {"重大风险": 1, "较大风险": 1, "一般风险": 0, "低风险": 1}
    assert industries["危险化学品"]["enterprises"] == 2  # the ungraded 0302 enterprise counts as an enterprise
    assert dict(zip(data["industry"]["pie"]["names"], data["industry"]["pie"]["values"], strict=False)) == {"机械": 3, "危险化学品": 3}
    # A top-level industry breaks down into its children.
    response, _ = stats(login(users["city"]), industry="03")
    assert {k: v["total"] for k, v in table(response, "industry_table").items()} == {"危险化学品生产": 3, "危险化学品经营": 0}
    assert response.context["total_events"] == 3


def test_enterprises_by_overall_grade(login, users, world):
    response, data = stats(login(users["city"]))
    grades = dict(zip(data["grade"]["pie"]["names"], data["grade"]["pie"]["values"], strict=False))
    assert grades == {"重大风险": 2, "较大风险": 0, "一般风险": 0, "低风险": 1, "未评定": 1}
    rows = table(response, "grade_table")
    assert rows["金水区"]["cells"] == [1, 0, 0, 0, 1]
    assert rows["郑州经济技术开发区"]["cells"] == [0, 0, 0, 1, 0]
    response, data = stats(login(users["province"]))
    assert dict(zip(data["grade"]["pie"]["names"], data["grade"]["pie"]["values"], strict=False))["一般风险"] == 1
    # 未评定 opens the enterprise list's 未评定 filter.
    assert data["grade"]["pie"]["links"][-1] == reverse("archive:enterprise_list") + "?risk_grade=none"


def patrol_years(response):
    """{year: patrols} of the years with patrols."""
    return {row["year"]: row["patrols"] for row in response.context["year_table"] if row["patrols"]}


def test_patrols_by_year_split_at_local_midnight(login, users, world):
    response, data = patrol_stats(login(users["city"]))
    years = {row["year"]: (row["patrols"], row["items"], row["failed"]) for row in response.context["year_table"]}
    # From the first year with patrols to this year.
    assert years == {Y: (2, 3, 1), Y + 1: (2, 4, 2), Y + 2: (0, 0, 0)}
    assert table(response, "year_table")[f"{Y}年"]["rate"] == "66.7%"
    assert data["years"]["labels"] == [f"{Y}年", f"{Y + 1}年", f"{Y + 2}年"]
    assert data["years"]["series"][0]["values"] == [2, 2, 0]
    response, _ = patrol_stats(login(users["province"]))
    years = {row["year"]: (row["patrols"], row["items"], row["failed"]) for row in response.context["year_table"]}
    assert years == {Y: (3, 5, 1), Y + 1: (2, 4, 2), Y + 2: (0, 0, 0)}


def test_patrols_by_region_for_the_chosen_year(login, users, world):
    response, data = patrol_stats(login(users["city"]), year=str(Y))
    rows = table(response, "patrol_table")
    assert (rows["金水区"]["patrols"], rows["金水区"]["items"], rows["金水区"]["failed"]) == (2, 3, 1)
    assert (rows["金水区"]["patrolling"], rows["金水区"]["enterprises"], rows["金水区"]["coverage"]) == (1, 2, "50.0%")
    assert rows["二七区"]["patrols"] == 0
    assert data["patrol_region"]["title"] == f"属地风险巡检统计（{Y}年）"
    response, _ = patrol_stats(login(users["city"]), year=str(Y + 1))
    rows = table(response, "patrol_table")
    assert (rows["金水区"]["patrols"], rows["金水区"]["items"], rows["金水区"]["failed"]) == (1, 3, 2)
    assert (rows["二七区"]["patrols"], rows["二七区"]["items"], rows["二七区"]["failed"]) == (1, 1, 0)
    # The year's links keep the year; the row opens that year's patrol records of the county.
    assert rows["金水区"]["list"] == (reverse("risks:patrol_record_list")
                                      + f"?region={JINSHUI}&date_from={Y + 1}-01-01&date_to={Y + 1}-12-31")
    response, _ = patrol_stats(login(users["province"]), year=str(Y))
    assert table(response, "patrol_table")["洛阳市"]["drill"] == URL + f"?year={Y}&region=410300"


def test_a_year_outside_the_window_falls_back_to_this_year(login, users, world):
    for year in ("abc", "1066", str(THIS_YEAR - 5), str(THIS_YEAR + 1)):
        response, _ = patrol_stats(login(users["city"]), year=year)
        assert response.context["year"] == THIS_YEAR
    response, _ = patrol_stats(login(users["city"]), year=str(THIS_YEAR - 4))
    assert response.context["year"] == THIS_YEAR - 4


def test_each_regulator_counts_only_its_jurisdiction(login, users, world):
    client = login(users["erqi"])
    response, _ = stats(client)
    assert table(response, "region_table").keys() == {"二七区"}
    assert response.context["level_totals"] == [1, 1, 0, 1]
    assert patrol_years(patrol_stats(client)[0]) == {Y + 1: 1}
    client = login(users["jinshui"])
    response, _ = stats(client)
    assert response.context["level_totals"] == [1, 0, 0, 1] and response.context["total_enterprises"] == 2
    assert patrol_years(patrol_stats(client)[0]) == {Y: 2, Y + 1: 1}
    # The hazardous-chemicals department: 二七's chemicals and 金水's ungraded 0302, nothing else.
    client = login(users["chem"])
    response, _ = stats(client)
    assert response.context["level_totals"] == [1, 1, 0, 1] and response.context["total_enterprises"] == 2
    assert levels(table(response, "region_table")["郑州市"]) == {"重大风险": 1, "较大风险": 1, "一般风险": 0, "低风险": 1}
    response, _ = patrol_stats(client, year=str(Y + 1))
    assert patrol_years(response) == {Y + 1: 1}
    assert (table(response, "patrol_table")["郑州市"]["enterprises"], table(response, "patrol_table")["郑州市"]["patrolling"]) == (2, 1)


def test_filters_narrow_every_figure(login, users, world):
    client = login(users["province"])
    response, _ = stats(client, industry="07")
    assert response.context["level_totals"] == [1, 0, 0, 2]
    assert patrol_years(patrol_stats(client, industry="07")[0]) == {Y: 2, Y + 1: 1}
    response, _ = stats(client, region="410300")
    assert response.context["level_totals"] == [0, 0, 2, 0]
    response, _ = patrol_stats(client, region="410300")
    assert [(r["year"], r["patrols"], r["items"]) for r in response.context["year_table"]][0] == (Y, 1, 2)
    assert patrol_years(response) == {Y: 1}
    # A region outside the jurisdiction cannot be picked: the county's own figures stay.
    client = login(users["erqi"])
    response, _ = stats(client, region="410300")
    assert response.context["level_totals"] == [1, 1, 0, 1]
    assert patrol_years(patrol_stats(client, region="410300")[0]) == {Y + 1: 1}


def test_counts_come_from_the_enterprise_summary_not_the_events(login, users, world):
    client = login(users["province"])
    with CaptureQueriesContext(connection) as queries:
        stats(client)
        patrol_stats(client)
    assert not [q for q in queries.captured_queries if "risks_riskevent" in q["sql"]]


def test_enterprise_users_and_visitors_are_refused(client, login, users):
    assert client.get(URL).status_code == 302
    assert client.get(PATROLS_URL, headers={"HX-Request": "true"}).status_code == 302
    client = login(users["owner"])
    assert client.get(URL).status_code == 403
    assert client.get(PATROLS_URL, headers={"HX-Request": "true"}).status_code == 403


def test_the_patrol_sections_load_after_the_page(login, users, world):
    client = login(users["city"])
    response, _ = stats(client, industry="07", year=str(Y))
    # The page asks for them with its own filters; opened directly, their URL leads back to the page.
    assert f'hx-get="{PATROLS_URL}?industry=07&amp;year={Y}"' in response.text
    response = client.get(PATROLS_URL, {"industry": "07", "year": str(Y)})
    assert response.status_code == 302 and response.url == f"{URL}?industry=07&year={Y}"


def test_the_page_offers_bar_pie_and_table_for_each_statistic(login, users, world):
    response, data = stats(login(users["city"]))
    patrols, patrol_data = patrol_stats(login(users["city"]))
    html = response.text + patrols.text
    assert "vendor/echarts/echarts.min.js" in response.text
    for title in ("属地风险等级统计", "行业风险等级统计", "企业风险等级统计", "年度风险巡检统计", "属地风险巡检统计"):
        assert title in html
    assert html.count(">柱状图</a>") == html.count(">饼状图</a>") == html.count(">表格</a>") == 5
    assert set(data) == {"region", "industry", "grade"} and set(patrol_data) == {"years", "patrol_region"}


def test_an_empty_jurisdiction_shows_zeros(login, users):
    response, data = stats(login(users["province"]), industry="10")
    assert response.context["total_events"] == 0 and sum(data["region"]["pie"]["values"]) == 0
    response, _ = patrol_stats(login(users["province"]), industry="10")
    assert [(r["year"], r["patrols"]) for r in response.context["year_table"]] == [(THIS_YEAR, 0)]  # this year's zeros


@pytest.mark.parametrize("who", ["province", "city", "jinshui", "chem"])
def test_query_count_is_pinned_and_does_not_grow_with_the_data(login, users, world, who, django_assert_max_num_queries):
    # The page: session, user, organisation, its region, its industries (+ their children), the regions and
    # industries to count by, the enterprises' GROUP BY, the filter form's two select boxes. The patrol sections:
    # the same first six, the regions, and the enterprises, the patrols and the items, each grouped by region code.
    client = login(users[who])
    with django_assert_max_num_queries(11):
        stats(client)
    with django_assert_max_num_queries(10):
        patrol_stats(client)
    for i in range(8):
        e = create_enterprise(JINSHUI if i % 2 else "410305", "0301" if i % 3 else "07")
        create_risk_list(e, f"批量{i}")
        create_patrol(e, local(Y + i % 3, 5, 1, 10), [True, False])
    with django_assert_max_num_queries(13):  # + the picked industry and its sub-industries
        stats(client, industry="03")
    with django_assert_max_num_queries(12):  # + the picked industry and its sub-industries
        patrol_stats(client, year=str(Y), industry="03")
