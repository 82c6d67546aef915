"""The home page of each role (core.views.home), the regulator's tiles (core/home.py), their change against the nightly
snapshot and `worksafe snapshot_tiles`."""
import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import ERQI, JINSHUI, create_enterprise, create_hazard, create_org, create_user
from worksafe.core import home
from worksafe.core.models import OrgLevel, Role, TileSnapshot
from worksafe.hazards.models import ReportingDuty
from worksafe.hazards.periods import key
from worksafe.incidents.models import AccidentReport

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WEEK_AGO = TODAY - datetime.timedelta(days=7)
TILE = re.compile(r'<a class="card card-link[^"]*" href="(?P<href>[^"]*)" data-tile="(?P<key>[^"]+)">.*?data-value>(?P<value>[^<]*)<'
                  r'.*?data-change>(?P<change>[^<]*)<', re.S)


def tiles(response):
    assert response.status_code == 200
    return {m["key"]: (m["value"], m["change"], m["href"].replace("&amp;", "&")) for m in TILE.finditer(response.content.decode())}


def world():
    """In 金水区: three enterprises (重大, 较大, ungraded), four open hazards (one overdue, two major of which one
    supervised) and a closed one, an accident report this year; in 二七区 the same again, never counted for 金水."""
    for region in (JINSHUI, ERQI):
        major, high = create_enterprise(region, risk_grade="major"), create_enterprise(region, risk_grade="high")
        create_enterprise(region)
        create_hazard(major, deadline=TODAY - datetime.timedelta(days=10))
        create_hazard(major, level="major", review="confirmed", state="rectifying", supervision="county")
        create_hazard(high, level="major", review="pending")
        create_hazard(high, state="accepting")
        create_hazard(high, state="closed")
        AccidentReport.objects.create(enterprise=major, title="机械伤害事故", occurred_at=timezone.now(), place="一车间",
                                      summary="操作工被卷入", category="injury", reporter_name="王五", reporter_unit="金水区应急管理局")
        ReportingDuty.objects.create(enterprise=high, last_period=key("month", TODAY))


# ---- each role's home ----


def test_an_enterprise_user_is_led_to_the_workbench(login, users):
    response = login(users["owner"]).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("archive:workbench")


def test_a_system_administrator_without_an_organisation_is_led_to_the_accounts(login, users):
    response = login(users["sysadmin"]).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("core:user_list")


@pytest.mark.parametrize("who", ["province", "city", "jinshui", "chem"])
def test_a_regulator_of_any_level_has_a_home_page_with_to_do_first(login, users, who):
    page = login(users[who]).get("/").content.decode()
    assert users[who].organization.name in page
    heading = '<h3 class="mt-4 mb-2">{}'.format
    assert page.index('data-testid="todo"') < page.index(heading("企业安全风险等级")) < page.index(heading("隐患排查治理"))
    assert "上报率" in page and "本年事故快报" in page


def test_a_township_regulator_has_a_home_page_too(login, township_user):
    response = login(township_user).get("/")
    assert response.status_code == 200 and "经八路街道安监站" in response.content.decode()


def test_the_brand_link_goes_home(login, users):
    page = login(users["jinshui"]).get(reverse("archive:enterprise_list")).content.decode()
    assert '<a class="navbar-brand me-3" href="/">' in page


# ---- the tiles ----


def test_the_tiles_count_the_jurisdiction_and_link_to_the_list_behind_each(login, users):
    world()
    shown = tiles(login(users["jinshui"]).get("/"))
    year = f"{TODAY.year}-01-01"
    assert {k: (v, href) for k, (v, _, href) in shown.items()} == {
        "enterprises.total": ("4", "/archive/enterprises/"),  # with the users fixture's own enterprise
        "enterprises.major": ("1", "/archive/enterprises/?risk_grade=major"),
        "enterprises.high": ("1", "/archive/enterprises/?risk_grade=high"),
        "enterprises.medium": ("0", "/archive/enterprises/?risk_grade=medium"),
        "enterprises.low": ("0", "/archive/enterprises/?risk_grade=low"),
        "enterprises.ungraded": ("2", "/archive/enterprises/?risk_grade=none"),
        "hazards.open": ("4", "/hazards/open/"),
        "hazards.overdue": ("1", "/hazards/open/?due=overdue"),
        "hazards.major_open": ("2", "/hazards/open/?level=major"),
        "hazards.supervised": ("1", "/hazards/open/?level=major&supervision=any"),
        "reporting.rate": ("25.0%", "/hazards/stats/reporting/"),
        "reporting.unreported": ("3", "/hazards/filing/?status=due"),
        "accidents.year": ("1", f"/incidents/reports/?occurred_from={year}"),
        "accidents.open": ("1", f"/incidents/reports/?occurred_from={year}&state=open"),
    }


def test_each_tile_counts_what_its_list_shows(login, users):
    """The figure on a tile and the list it opens agree (the list's total, or the figure its own page shows)."""
    world()
    client = login(users["jinshui"])
    shown = tiles(client.get("/"))
    for tile in ("hazards.open", "hazards.overdue", "hazards.major_open", "hazards.supervised"):
        value, _, href = shown[tile]
        assert len(re.findall(r"data-hazard=", client.get(href).content.decode())) == int(value), tile
    value, _, href = shown["enterprises.major"]
    assert client.get(href).content.decode().count('name="pk" value=') == int(value)


def test_the_city_counts_both_counties(login, users):
    world()
    shown = tiles(login(users["city"]).get("/"))
    assert shown["hazards.open"][0] == "8" and shown["enterprises.total"][0] == "8" and shown["accidents.year"][0] == "2"


def test_an_industry_department_counts_only_its_industries(login, users):
    world()
    chemical = create_enterprise(JINSHUI, industry="0301", risk_grade="major")
    create_hazard(chemical)
    shown = tiles(login(users["chem"]).get("/"))
    # 危化处: the chemical company here and 二七's (users fixture), with one open hazard between them.
    assert (shown["enterprises.total"][0], shown["enterprises.major"][0], shown["hazards.open"][0]) == ("2", "1", "1")


# ---- the change against 7 days earlier ----


def test_without_a_snapshot_a_week_old_the_change_is_a_dash(login, users):
    world()
    org = users["jinshui"].organization
    TileSnapshot.objects.create(organization=org, key="hazards.open", date=TODAY - datetime.timedelta(days=6), value=1)
    TileSnapshot.objects.create(organization=org, key="hazards.overdue", date=TODAY - datetime.timedelta(days=14), value=9)
    shown = tiles(login(users["jinshui"]).get("/"))
    assert {change for _, change, _ in shown.values()} == {"—"}


def test_a_snapshot_7_days_old_gives_the_change_up_or_down(login, users):
    world()
    org = users["jinshui"].organization
    for tile, value in (("hazards.open", 1), ("hazards.overdue", 3), ("enterprises.total", 4), ("reporting.rate", "12.5")):
        TileSnapshot.objects.create(organization=org, key=tile, date=WEEK_AGO, value=Decimal(value))
    TileSnapshot.objects.create(organization=users["erqi"].organization, key="hazards.open", date=WEEK_AGO, value=100)
    page = login(users["jinshui"]).get("/")
    shown = tiles(page)
    assert shown["hazards.open"][1] == "+3" and shown["hazards.overdue"][1] == "−2" and shown["enterprises.total"][1] == "±0"
    assert shown["reporting.rate"][1] == "+12.5"
    assert shown["hazards.major_open"][1] == "—"  # no snapshot of this tile
    html = page.content.decode()
    assert re.search(r'text-red" data-delta title="较 [\d-]+">较7天前 <span data-change>\+3<', html)  # more open hazards: bad
    assert re.search(r'text-green" data-delta title="较 [\d-]+">较7天前 <span data-change>−2<', html)


def test_a_missed_night_compares_with_the_newest_snapshot_of_the_week_before(users):
    org = users["jinshui"].organization
    TileSnapshot.objects.create(organization=org, key="hazards.open", date=WEEK_AGO - datetime.timedelta(days=2), value=4)
    TileSnapshot.objects.create(organization=org, key="hazards.open", date=WEEK_AGO - datetime.timedelta(days=1), value=5)
    assert home.earlier(org, TODAY)[0] == {"hazards.open": 5}


# ---- the snapshot ----


def test_the_snapshot_stores_what_each_organisations_home_page_shows(login, users):
    world()
    out = StringIO()
    call_command("snapshot_tiles", stdout=out)
    assert "已记录首页指标快照" in out.getvalue()
    for who in ("province", "city", "jinshui", "erqi", "chem"):
        org = users[who].organization
        stored = dict(TileSnapshot.objects.filter(organization=org, date=TODAY).values_list("key", "value"))
        shown = {k: v.replace(",", "").rstrip("%") for k, (v, _, _) in tiles(login(users[who]).get("/")).items()}
        assert {k: Decimal(v) for k, v in shown.items() if v != "—"} == stored, who


def test_the_snapshot_is_idempotent_per_day(users):
    world()
    call_command("snapshot_tiles", stdout=StringIO())
    org = users["jinshui"].organization
    first = TileSnapshot.objects.filter(organization=org).count()
    create_hazard(create_enterprise(JINSHUI))
    call_command("snapshot_tiles", stdout=StringIO())
    assert TileSnapshot.objects.filter(organization=org).count() == first
    assert TileSnapshot.objects.get(organization=org, key="hazards.open", date=TODAY).value == 5


def test_the_snapshot_leaves_out_organisations_nobody_uses(users):
    unused = create_org("无人使用的监管单位", OrgLevel.COUNTY, ERQI)
    retired = create_org("已停用账号的监管单位", OrgLevel.COUNTY, ERQI)
    create_user("retired", Role.REGULATOR, retired, is_active=False)
    call_command("snapshot_tiles", stdout=StringIO())
    assert not TileSnapshot.objects.filter(organization__in=[unused, retired]).exists()
    assert TileSnapshot.objects.filter(organization=users["jinshui"].organization).exists()


def test_a_snapshot_7_days_old_then_shows_on_the_page(login, users, monkeypatch):
    world()
    monkeypatch.setattr(timezone, "localdate", lambda *a: WEEK_AGO)
    call_command("snapshot_tiles", stdout=StringIO())
    monkeypatch.undo()
    create_hazard(create_enterprise(JINSHUI), deadline=TODAY - datetime.timedelta(days=1))
    shown = tiles(login(users["jinshui"]).get("/"))
    assert shown["hazards.open"][1] == "+1" and shown["hazards.overdue"][1] == "+1" and shown["enterprises.total"][1] == "+1"


# ---- queries ----


def test_the_home_page_reads_a_fixed_number_of_queries_however_much_data(login, users, django_assert_num_queries):
    client = login(users["province"])
    client.get("/")
    with django_assert_num_queries(QUERIES) as few:
        client.get("/")
    world(), world()
    for region in (JINSHUI, ERQI):
        for _ in range(3):
            create_enterprise(region, review_state="submitted", risk_grade="low")
    TileSnapshot.objects.create(organization=users["province"].organization, key="hazards.open", date=WEEK_AGO, value=1)
    with django_assert_num_queries(QUERIES) as many:
        client.get("/")
    assert len(many.captured_queries) == len(few.captured_queries)


# Session and user (2), the organisation, its region and its industries for the header (3), the industries it supervises
# (scoping, 1), 待办: one COUNT per source a province regulator sees (7), tiles: enterprises by grade (1), hazards (3),
# reporting rate (1), accidents (1), the snapshot of a week ago (1).
QUERIES = 21
