"""隐患统计分析: hazards by region, industry and year (from the yearly summaries), the cards, drill-down and scope.

Every figure is checked against a hand count of the fixture below.
"""
import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import create_enterprise, create_hazard
from worksafe.core.models import Industry
from worksafe.core.stats import year_window
from worksafe.hazards import stats

pytestmark = pytest.mark.django_db
URL = reverse("hazards:hazard_stats")
TODAY = timezone.localdate()
Y = TODAY.year


def on(year, month=3, day=1):
    return datetime.date(year, month, day)


def page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    match = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', response.text, re.S)
    assert match, "the page carries its chart data as json_script"
    return response, json.loads(match.group(1))


def table(response, name):
    return {row["label"]: (row["general"], row["major"], row["closed"]) for row in response.context[name]}


def industry(code):
    return Industry.objects.get(code=code).name


@pytest.fixture
def world(users, enterprise, other_enterprise):
    """金水 (07): this year 2 general (1 closed) + 1 major (open, deadline next month); last year 1 general (closed).
    二七 (0301): this year 1 major (overdue) + 1 general (overdue).
    洛阳 涧西区 (08): this year 1 general; two years ago 2 major (open, no deadline passed)."""
    later = TODAY + datetime.timedelta(days=40)
    past = TODAY - datetime.timedelta(days=2)
    create_hazard(enterprise, "金水一般1", found_on=on(Y, 1, 2), deadline=later)
    create_hazard(enterprise, "金水一般2", found_on=on(Y, 1, 3), state="closed", deadline=past)
    create_hazard(enterprise, "金水重大", level="major", found_on=on(Y, 1, 4), deadline=later)
    create_hazard(enterprise, "金水去年", found_on=on(Y - 1), state="closed", deadline=on(Y - 1, 4))
    create_hazard(other_enterprise, "二七重大", level="major", found_on=on(Y, 1, 5), deadline=past)
    create_hazard(other_enterprise, "二七一般", found_on=on(Y, 1, 6), deadline=past)
    luoyang = create_enterprise("410305", "08", name="洛阳轻工有限公司")
    create_hazard(luoyang, "洛阳一般", found_on=on(Y, 1, 7), deadline=later)
    for i in range(2):
        create_hazard(luoyang, f"洛阳重大{i}", level="major", found_on=on(Y - 2), deadline=later)
    return {"luoyang": luoyang}


def test_province_counts_by_city_industry_and_year(login, users, world):
    response, charts = page(login(users["province"]))
    regions = table(response, "region_table")
    assert regions["郑州市"] == (3, 2, 1) and regions["洛阳市"] == (1, 0, 0)
    assert all(v == (0, 0, 0) for k, v in regions.items() if k not in ("郑州市", "洛阳市"))  # the other cities: zeros
    industries = table(response, "industry_table")
    assert industries[industry("07")] == (2, 1, 1)
    assert industries[industry("03")] == (1, 1, 0)  # 0301 folds into its top-level industry
    assert industries[industry("08")] == (1, 0, 0)
    years = table(response, "year_table")
    assert years == {f"{Y - 2}年": (0, 2, 0), f"{Y - 1}年": (1, 0, 1), f"{Y}年": (4, 2, 1)}
    footer = response.context["region_footer"]
    assert (footer["general"], footer["major"], footer["closed"], footer["found"], footer["rate"]) == (4, 2, 1, 6, "16.7%")
    # The charts draw the tables' figures.
    zz = charts["region"]["labels"].index("郑州市")
    assert [s["values"][zz] for s in charts["region"]["series"]] == [3, 2, 1]
    assert charts["years"]["labels"] == [f"{Y - 2}年", f"{Y - 1}年", f"{Y}年"]


def test_cards(login, users, world):
    response, _ = page(login(users["province"]))
    cards = {c["testid"]: c["count"] for c in response.context["cards"]}
    # Found 9, closed 2 → 7 open; overdue: 二七重大 and 二七一般; open major: 金水重大, 二七重大, 洛阳重大 ×2.
    assert cards == {"open": 7, "overdue": 2, "major_open": 4, "year": "6 / 1"}
    assert 'data-testid="card-overdue">2<' in response.content.decode()


def test_an_earlier_year(login, users, world):
    response, _ = page(login(users["province"]), year=Y - 1)
    assert table(response, "region_table")["郑州市"] == (1, 0, 1)
    assert response.context["year"] == Y - 1
    response, _ = page(login(users["province"]), year=1990)  # outside the window: this year
    assert response.context["year"] == Y


def test_city_counts_by_county_and_drills_down(login, users, world):
    client = login(users["province"])
    response, _ = page(client)
    drill = next(r["drill"] for r in response.context["region_table"] if r["label"] == "郑州市")
    assert "region=410100" in drill and f"year={Y}" in drill
    response, _ = page(client, region="410100")
    regions = table(response, "region_table")
    assert regions["金水区"] == (2, 1, 1) and regions["二七区"] == (1, 1, 0)
    assert "洛阳市" not in regions
    # The city's own figures equal the drill-down's.
    assert table(page(login(users["city"]))[0], "region_table") == regions
    # Cells link to the hazard list behind them: the county, the level, the year.
    jinshui = next(r for r in response.context["region_table"] if r["label"] == "金水区")
    major_link = jinshui["items"][1]["url"]
    assert major_link.startswith(reverse("hazards:all_list")) and "region=410105" in major_link
    assert "level=major" in major_link and f"found_from={Y}-01-01" in major_link
    listed = client.get(major_link).context["page"].object_list
    assert [h.name for h in listed] == ["金水重大"]


def test_industry_drill_down(login, users, world):
    response, _ = page(login(users["province"]), industry="03")
    industries = table(response, "industry_table")
    assert industries == {industry("0301"): (1, 1, 0)}


def test_scope(client, login, users, world):
    response, _ = page(login(users["jinshui"]))
    assert table(response, "year_table")[f"{Y}年"] == (2, 1, 1)
    response, _ = page(login(users["chem"]))  # the chemicals department: 二七 (0301) only
    assert table(response, "year_table")[f"{Y}年"] == (1, 1, 0)
    assert {c["testid"]: c["count"] for c in response.context["cards"]}["overdue"] == 2
    assert login(users["owner"]).get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_counts_read_the_yearly_summaries_not_the_hazards(users, world):
    with CaptureQueriesContext(connection) as queries:
        groups = stats.yearly_groups(users["province"], year_window())
    reads = [q["sql"] for q in queries if "hazards_" in q["sql"]]  # the others: the user's organisation
    assert len(reads) == 1 and "hazards_hazardyear" in reads[0] and '"hazards_hazard"' not in reads[0]
    by_region = {}
    for g in groups:
        by_region[g.region_id] = (g.general, g.major, g.closed, g.open)
    assert by_region["410105"] == (3, 1, 2, 2) and by_region["410305"] == (1, 2, 0, 3)
    assert stats.overdue_count(users["city"]) == 2 and stats.major_open_count(users["city"]) == 2


def test_counts_follow_hazard_changes(login, users, enterprise, world):
    h = create_hazard(enterprise, "新增重大", level="major", found_on=on(Y, 2, 1))
    assert table(page(login(users["jinshui"]))[0], "year_table")[f"{Y}年"] == (2, 2, 1)
    h.state = "closed"
    h.save()
    assert table(page(login(users["jinshui"]))[0], "year_table")[f"{Y}年"] == (2, 2, 2)
    h.delete()
    assert table(page(login(users["jinshui"]))[0], "year_table")[f"{Y}年"] == (2, 1, 1)


def test_query_count_does_not_grow_with_hazards(login, users, world, django_assert_max_num_queries):
    client = login(users["province"])
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(5):
        e = create_enterprise("410103", "07", name=f"二七机械{i}")
        create_hazard(e, f"批量{i}", level="major" if i % 2 else "general", found_on=on(Y - (i % 3)))
    with django_assert_max_num_queries(len(few)):
        page(client)
