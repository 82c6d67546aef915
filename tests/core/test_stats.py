"""The statistics kit (core.stats): which region and industry rows a statistics page shows, which of them open a list
and which drill down (the rule every statistics page follows), how codes fold into rows, the links they carry."""
import pathlib
import re

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from tests.factories import JINSHUI, TOWNSHIP, create_org, create_user
from worksafe.core.models import Industry, OrgLevel, Region, Role
from worksafe.core.stats import HEX, StatsFilter, chosen_year, industry_axis, link, region_axis

pytestmark = pytest.mark.django_db
ZHENGZHOU_ZONE = "410171"  # 郑州经济技术开发区, a functional zone at county level
JIYUAN = "419001"  # 济源示范区: a city-level division without counties


def shown(rows):
    """{label: (lists, drills)} of an axis's rows."""
    return {row.label: (row.lists, row.drills) for row in rows}


def regulator(name, level, region):
    return create_user(name, Role.REGULATOR, create_org(f"{name}应急管理局", level, region))


def test_it_shows_the_province_every_city_listed_and_drillable(users):
    rows = region_axis(users["province"], None).rows({"410100": 3})
    assert len(rows) == 18  # every city, the empty ones too
    assert shown(rows)["郑州市"] == (True, True)
    assert shown(rows)["济源示范区"] == (True, True)
    assert shown(rows)["开封市"] == (True, True)


def test_it_shows_the_sysadmin_the_cities_of_the_only_province(users):
    axis = region_axis(users["sysadmin"], None)
    assert axis.root.code == "410000" and [row.label for row in axis.rows({})] == ["河南省"]  # nothing counted: the province alone
    assert len(axis.rows({"410300": 1})) == 18


def test_it_lists_a_citys_counties_and_functional_zones_without_drilling_into_them(users):
    axis = region_axis(users["city"], None)
    rows = shown(axis.rows({JINSHUI: 2, ZHENGZHOU_ZONE: 1}))
    assert rows["金水区"] == (True, False)  # a county's children are townships: its row opens the list instead
    assert rows["郑州经济技术开发区"] == (True, False)
    assert rows["中原区"] == (True, False)


def test_it_folds_codes_into_the_row_whose_prefix_they_start_with(users):
    province = region_axis(users["province"], None)
    assert province.owner(ZHENGZHOU_ZONE) == "410100"  # a functional zone counts with its city
    assert province.owner("410105001") == "410100"
    assert province.owner("419001001") == JIYUAN  # 济源's townships count with 济源
    assert province.owner("410000") is None  # registered at the province itself: 本级
    city = region_axis(users["city"], None)
    assert city.owner("410105001") == JINSHUI and city.owner("410100") is None


def test_a_county_alone_lists_itself(users):
    rows = region_axis(users["jinshui"], None).rows({None: 3})
    assert [(row.key, row.label, row.lists, row.drills) for row in rows] == [(None, "金水区", True, False)]


def test_a_county_with_township_enterprises_shows_its_townships_and_links_neither_them_nor_itself(users):
    rows = shown(region_axis(users["jinshui"], None).rows({None: 3, TOWNSHIP: 1}))
    # The lists' 属地 filter takes no township, and the county's subtree would include the townships' enterprises.
    assert rows["金水区（本级）"] == (False, False)
    assert rows["经八路街道"] == (False, False)


def test_a_township_regulator_sees_its_township_alone_and_unlinked(township_user):
    rows = region_axis(township_user, None).rows({None: 1})
    assert shown(rows) == {"经八路街道": (False, False)}


def test_jiyuan_drilled_into_shows_its_townships_which_list_nothing(users):
    jiyuan = Region.objects.get(code=JIYUAN)
    axis = region_axis(users["province"], jiyuan)
    assert {r.level for r in axis.children} == {"township"}
    rows = shown(axis.rows({None: 1, "419001001": 2}))
    assert rows["济源示范区（本级）"] == (False, False)
    assert rows["济源市沁园街道"] == (False, False)
    # Its own regulator sees the same rows; with enterprises only at 济源's own level, 济源 alone opens its list.
    own = region_axis(regulator("济源", OrgLevel.CITY, JIYUAN), None)
    assert shown(own.rows({None: 4})) == {"济源示范区": (True, False)}


def test_industries_show_only_those_counted_and_top_levels_drill_into_their_children():
    rows = industry_axis(None).rows({"03": 2, "07": 1})
    assert shown(rows) == {"危险化学品": (True, True), "机械": (True, True)}
    children = industry_axis(Industry.objects.get(code="03")).rows({"0301": 2, None: 1})
    assert shown(children) == {"危险化学品（本级）": (False, False), "危险化学品生产": (True, False)}
    assert shown(industry_axis(Industry.objects.get(code="03")).rows({None: 1})) == {"危险化学品": (True, False)}
    assert shown(industry_axis(None).rows({None: 1})) == {"其他": (False, False)}  # a code under no industry
    assert len(industry_axis(None).rows({"03": 1}, zeros=True)) == Industry.objects.filter(parent=None).count()


def test_a_sub_industry_picked_counts_by_the_top_levels():
    axis = industry_axis(Industry.objects.get(code="0301"))
    assert axis.root is None and axis.owner("0301") == "03"


def test_rows_link_with_the_pages_parameters_and_nothing_when_the_rule_says_no(users):
    params = QueryDict("industry=07&q=%E6%B5%8B", mutable=True)
    rows = {row.label: row for row in region_axis(users["province"], None).rows({"410100": 1})}
    assert rows["郑州市"].link("archive:enterprise_list", params, review_state="approved") == (
        "/archive/enterprises/?industry=07&q=%E6%B5%8B&region=410100&review_state=approved")
    assert rows["郑州市"].drill("risks:risk_stats", params) == "/risks/stats/?industry=07&q=%E6%B5%8B&region=410100"
    county = region_axis(users["city"], None).rows({JINSHUI: 1})[0]
    assert county.drill("risks:risk_stats", params) == ""
    township = region_axis(users["jinshui"], None).rows({None: 1, TOWNSHIP: 1})[1]
    assert township.link("archive:enterprise_list", params) == ""
    # A value already in the parameters is replaced where it stands.
    assert link("risks:event_list", QueryDict("region=41&level=low"), region="410100") == "/risks/events/?region=410100&level=low"


def test_the_filter_takes_only_regions_in_the_users_jurisdiction(users):
    def picked(user, **data):
        return StatsFilter(QueryDict(mutable=True) | data, Region.objects.none(), user=user).picked

    assert picked(users["jinshui"], region="410300") == {}
    assert picked(users["city"], region=JINSHUI)["region"].code == JINSHUI
    assert picked(users["city"], region=TOWNSHIP) == {}  # townships are not offered
    q = StatsFilter(QueryDict("region=410105&industry=03"), Region.objects.none(), user=users["city"]).q_for("enterprise")
    assert "enterprise__region_id__gte" in str(q) and "0301" in str(q)


def test_the_year_is_one_of_the_window_or_the_latest():
    years = [2022, 2023, 2024]
    for value, year in (("2023", 2023), ("2021", 2024), ("abc", 2024), ("", 2024)):
        assert chosen_year(RequestFactory().get("/", {"year": value}), years) == year


def test_chart_colours_are_spelled_only_in_core_stats():
    # A statistics page takes its colours from core.stats.HEX (through a vocabulary's colour names).
    root = pathlib.Path(__file__).resolve().parents[2] / "worksafe"
    spelled = {str(p.relative_to(root)) for p in root.rglob("*.py")
               if "migrations" not in p.parts and re.search(r"[\"']#[0-9a-fA-F]{6}[\"']", p.read_text())}
    assert spelled == {"core/stats.py"}
    assert set(HEX.values()) >= {"#d63939", "#f76707", "#f59f00", "#206bc4"}
