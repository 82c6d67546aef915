"""企业统计: counts by region, industry, size band and review state, always within the user's jurisdiction."""
import json
import re

import pytest
from django.urls import reverse

from tests.factories import ERQI, JINSHUI, LUOYANG, create_enterprise
from worksafe.archive.models import Enterprise

pytestmark = pytest.mark.django_db
URL = reverse("archive:enterprise_stats")


def stats(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    match = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', response.text, re.S)
    assert match, "the page carries its chart data as json_script"
    return response, json.loads(match.group(1))


def counts(data, key):
    """{label: count} of one dimension."""
    return dict(zip(data[key]["labels"], data[key]["values"], strict=False))


@pytest.fixture
def more(users):
    """Beside the fixtures' 金水 machinery and 二七 chemicals: more enterprises in 金水, 二七 and 洛阳."""
    return [
        create_enterprise(JINSHUI, "0302", staff_count=5, review_state="approved"),
        create_enterprise(JINSHUI, "07", staff_count=150, review_state="submitted"),
        create_enterprise(ERQI, "01", staff_count=1200, review_state="approved"),
        create_enterprise("410305", "0301", staff_count=20, review_state="returned"),  # 洛阳 涧西区
        create_enterprise("410171", "08", staff_count=100),  # 郑州经济技术开发区 (a functional zone)
    ]


def test_province_counts_by_city_industry_size_and_state(login, users, enterprise, other_enterprise, more):
    Enterprise.objects.filter(pk=enterprise.pk).update(staff_count=9)
    Enterprise.objects.filter(pk=other_enterprise.pk).update(staff_count=10)
    response, data = stats(login(users["province"]))
    assert data["total"] == 7
    region = counts(data, "region")
    assert region["郑州市"] == 6 and region["洛阳市"] == 1 and region["开封市"] == 0
    assert len(region) == 18  # every city of 河南 (济源示范区 included), empty ones too
    assert counts(data, "industry") == {"煤矿": 1, "危险化学品": 3, "机械": 2, "轻工": 1}
    assert counts(data, "size") == {
        "10人以下": 2, "10–19人": 1, "20–100人": 2, "101–299人": 1, "300–999人": 0, "1000人及以上": 1,
    }
    assert counts(data, "review") == {"未提交": 3, "待审核": 1, "审核通过": 2, "已退回": 1}
    # Each region and industry row opens the list filtered by it; cities drill down to their counties.
    region_links = dict(zip(data["region"]["labels"], data["region"]["links"], strict=False))
    assert region_links["郑州市"] == reverse("archive:enterprise_list") + "?region=410100"
    industry_links = dict(zip(data["industry"]["labels"], data["industry"]["links"], strict=False))
    assert industry_links["危险化学品"] == reverse("archive:enterprise_list") + "?industry=03"
    assert reverse("archive:enterprise_stats") + "?region=410100" in response.text


def test_city_counts_by_county(login, users, more):
    _, data = stats(login(users["city"]))
    assert data["total"] == 6  # 洛阳's enterprise is not 郑州's
    region = counts(data, "region")
    assert (region["金水区"], region["二七区"], region["郑州经济技术开发区"], region["中原区"]) == (3, 2, 1, 0)
    assert sum(region.values()) == 6


def test_drilling_down_from_the_province_counts_the_counties(login, users, more):
    _, data = stats(login(users["province"]), region="410100")
    assert data["total"] == 6
    assert counts(data, "region")["金水区"] == 3
    assert "郑州市" not in counts(data, "region")


def test_county_user_does_not_count_the_sibling_county(login, users, enterprise, other_enterprise, more):
    _, data = stats(login(users["jinshui"]))
    assert data["total"] == 3
    # Enterprises are registered at county level: the county itself is the one region row.
    assert counts(data, "region") == {"金水区": 3}
    assert data["region"]["links"] == [reverse("archive:enterprise_list") + "?region=410105"]
    assert counts(data, "industry") == {"危险化学品": 1, "机械": 2}
    _, data = stats(login(users["erqi"]))
    assert data["total"] == 2
    assert counts(data, "industry") == {"煤矿": 1, "危险化学品": 1}


def test_industry_department_counts_only_its_industries(login, users, more):
    _, data = stats(login(users["chem"]))
    assert data["total"] == 3  # 二七 0301, 金水 0302, 洛阳 0301
    assert counts(data, "industry") == {"危险化学品": 3}
    assert counts(data, "region")["郑州市"] == 2


def test_filters_narrow_the_counts_and_an_industry_breaks_down_into_its_children(login, users, more):
    _, data = stats(login(users["province"]), industry="03")
    assert data["total"] == 3
    assert counts(data, "industry") == {"危险化学品生产": 2, "危险化学品经营": 1}
    _, data = stats(login(users["province"]), review_state="approved", q="测试", page="3")
    assert data["total"] == 2
    # Links keep the other filters (not the page): the 郑州 row lists 郑州's approved 测试 enterprises.
    region_links = dict(zip(data["region"]["labels"], data["region"]["links"], strict=False))
    assert region_links["郑州市"] == reverse("archive:enterprise_list") + "?review_state=approved&q=%E6%B5%8B%E8%AF%95&region=410100"


def test_a_region_outside_the_jurisdiction_cannot_be_picked(login, users, more):
    _, data = stats(login(users["jinshui"]), region=LUOYANG)
    assert data["total"] == 3  # the filter ignores a region the user may not pick: still only 金水


def test_enterprise_users_and_anonymous_visitors_are_refused(client, login, users):
    assert client.get(URL).status_code == 302
    assert login(users["owner"]).get(URL).status_code == 403


def test_the_page_renders_tables_and_the_chart_script(login, users, enterprise, other_enterprise, more):
    response, data = stats(login(users["province"]))
    html = response.text
    assert "vendor/echarts/echarts.min.js" in html
    for title in ("按属地统计", "按行业统计", "按企业规模统计", "按审核状态统计", "属地 × 行业", "属地 × 规模", "属地 × 审核状态"):
        assert title in html
    assert 'data-testid="stats-total">7<' in html
    assert ">郑州市</a>" in html


def test_empty_jurisdiction_shows_zero(login, users):
    _, data = stats(login(users["province"]), industry="10")
    assert data["total"] == 0
    assert sum(data["size"]["values"]) == 0


@pytest.mark.parametrize("who", ["province", "city", "jinshui", "chem"])
def test_query_count_is_pinned_and_does_not_grow_with_the_data(login, users, more, who, django_assert_max_num_queries):
    # session, user, organisation, its region, its industries (+ their children for a department), the regions
    # and industries to count by, the three GROUP BY queries, the filter form's three select boxes (属地, 行业 and
    # 主管部门, a reference table: core.refdata).
    client = login(users[who])
    with django_assert_max_num_queries(14):
        client.get(URL)
    for i in range(20):
        create_enterprise(JINSHUI if i % 2 else "410305", "0301" if i % 3 else "07", staff_count=i * 70)
    with django_assert_max_num_queries(14):
        stats(client)


def test_sysadmin_counts_the_whole_province_by_city(login, users, more):
    _, data = stats(login(users["sysadmin"]))
    assert data["total"] == 7
    assert counts(data, "region")["洛阳市"] == 1


def test_township_regulator_counts_only_its_township(login, township_user, users, more):
    create_enterprise("410105001", "07")  # registered at the township (经八路街道)
    _, data = stats(login(township_user))
    assert data["total"] == 1
    assert list(counts(data, "region").values()) == [1]


def test_county_with_township_registered_enterprises_lists_its_townships(login, users, more):
    create_enterprise("410105001", "07")
    _, data = stats(login(users["jinshui"]))
    region = counts(data, "region")
    assert data["total"] == 4
    assert region["金水区（本级）"] == 3 and region["经八路街道"] == 1
    assert data["region"]["links"][0] == ""  # the list's 属地 filter would take the whole county
