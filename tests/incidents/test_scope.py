"""Who may see and keep an enterprise's ledgers: the enterprise itself and the regulators whose jurisdiction holds it
(a township its township's enterprises); everybody else gets 404, for pages, downloads and writes alike."""
import datetime
import re

import pytest
from django.urls import reverse

from tests.factories import ERQI, JINSHUI, TOWNSHIP, create_user, form_data
from tests.incidents.test_ledgers import accident_post, create_accident, create_investigation, create_penalty, investigation_post, penalty_post
from worksafe.archive.models import Enterprise
from worksafe.core import permissions
from worksafe.core.models import Role
from worksafe.incidents.models import Accident, Investigation, Penalty, PenaltyKind, PenaltyState

pytestmark = pytest.mark.django_db
Y = datetime.date.today().year - 1
D = datetime.date


@pytest.fixture
def rows(enterprise, other_enterprise):
    a = create_accident(enterprise, D(Y, 3, 5), "金水事故")
    create_investigation(a)
    bare = create_accident(enterprise, D(Y, 4, 5), "金水未调查事故")
    p = create_penalty(enterprise, D(Y, 6, 1), PenaltyKind.SANCTION, PenaltyState.ACTIVE, reason="金水惩戒")
    erqi = create_accident(other_enterprise, D(Y, 3, 6), "二七事故")
    create_investigation(erqi)
    erqi_penalty = create_penalty(other_enterprise, D(Y, 6, 2), reason="二七罚款")
    return {"accident": a, "bare": bare, "penalty": p, "erqi_accident": erqi, "erqi_penalty": erqi_penalty}


def get_urls(e, a, p):
    """Every page and download of an enterprise's ledgers (GET)."""
    return [
        reverse("incidents:accident_list", args=[e.pk]), reverse("incidents:accident_export", args=[e.pk]),
        reverse("incidents:accident_add", args=[e.pk]), reverse("incidents:accident_detail", args=[a.pk]),
        reverse("incidents:accident_edit", args=[a.pk]), reverse("incidents:investigation_edit", args=[a.pk]),
        reverse("incidents:investigation_pdf", args=[a.pk]), reverse("incidents:penalty_list", args=[e.pk]),
        reverse("incidents:penalty_export", args=[e.pk]), reverse("incidents:penalty_add", args=[e.pk]),
        reverse("incidents:penalty_edit", args=[p.pk]),
    ]


def posts(e, a, p):
    """Every write (POST) with valid data."""
    return [
        (reverse("incidents:accident_add", args=[e.pk]), accident_post(name="越权登记的事故")),
        (reverse("incidents:accident_edit", args=[a.pk]), accident_post(name="越权修改的事故", occurred_on=f"{Y}-03-05")),
        (reverse("incidents:investigation_edit", args=[a.pk]), investigation_post(D(Y, 12, 1), course="越权修改的经过")),
        (reverse("incidents:penalty_add", args=[e.pk]), penalty_post(reason="越权登记的处罚")),
        (reverse("incidents:penalty_edit", args=[p.pk]), penalty_post(reason="越权修改的处罚")),
        (reverse("incidents:accident_delete", args=[a.pk]), {}),
        (reverse("incidents:penalty_delete", args=[p.pk]), {}),
    ]


def snapshot():
    return (sorted(Accident.objects.values_list("pk", "name")), sorted(Investigation.objects.values_list("pk", "course")),
            sorted(Penalty.objects.values_list("pk", "reason", "state")))


@pytest.mark.parametrize("who", ["erqi", "outsider", "chem"])
def test_outsiders_get_404_on_every_ledger_url(login, users, enterprise, rows, who):
    client = login(users[who])
    before = snapshot()
    for url in get_urls(enterprise, rows["accident"], rows["penalty"]):
        assert client.get(url).status_code == 404, url
    for url, data in posts(enterprise, rows["accident"], rows["penalty"]):
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before


@pytest.mark.parametrize("who", ["owner", "jinshui", "city", "province", "sysadmin"])
def test_those_in_scope_get_200(login, users, enterprise, rows, who):
    client = login(users[who])
    for url in get_urls(enterprise, rows["accident"], rows["penalty"]):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get(reverse("incidents:accident_detail", args=[rows["bare"].pk])).status_code == 200
    # The regulators in scope keep the ledgers too (permissions.can_edit_archive).
    html = client.get(reverse("incidents:accident_list", args=[enterprise.pk]), {"year": Y}).content.decode()
    assert "金水事故" in html and reverse("incidents:accident_add", args=[enterprise.pk]) in html
    for url, data in posts(enterprise, rows["accident"], rows["penalty"]):
        assert client.post(url, data).status_code == 302, url
    assert list(Accident.objects.filter(enterprise=enterprise).values_list("name", flat=True)) == ["越权登记的事故", "金水未调查事故"]
    assert list(Penalty.objects.filter(enterprise=enterprise).values_list("reason", flat=True)) == ["越权登记的处罚"]


def test_anonymous_users_are_sent_to_log_in(client, enterprise, rows):
    before = snapshot()
    for url in get_urls(enterprise, rows["accident"], rows["penalty"]):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url, data in posts(enterprise, rows["accident"], rows["penalty"]):
        assert client.post(url, data).status_code == 302, url
    assert snapshot() == before


@pytest.mark.parametrize("where, expected", [(TOWNSHIP, 200), (JINSHUI, 404), (ERQI, 404)])
def test_a_township_regulator_follows_the_archive_rules(login, users, township_user, enterprise, rows, where, expected):
    Enterprise.objects.filter(pk=enterprise.pk).update(region_id=where)
    enterprise.refresh_from_db()
    assert permissions.can_edit_archive(township_user, enterprise) == (expected == 200)
    client = login(township_user)
    for url in get_urls(enterprise, rows["accident"], rows["penalty"]):
        assert client.get(url).status_code == expected, url
    response = client.post(reverse("incidents:accident_add", args=[enterprise.pk]), accident_post(name="街道登记的事故"))
    assert response.status_code == (302 if expected == 200 else 404)
    assert Accident.objects.filter(enterprise=enterprise, name="街道登记的事故").exists() == (expected == 200)
    response = client.post(reverse("incidents:penalty_edit", args=[rows["penalty"].pk]), form_data(rows["penalty"], state="removed"))
    assert response.status_code == (302 if expected == 200 else 404)
    assert Penalty.objects.get(pk=rows["penalty"].pk).state == ("removed" if expected == 200 else "active")


def test_enterprise_staff_keep_their_own_ledgers(login, enterprise, rows):
    staff = create_user("jinshui_staff", Role.ENTERPRISE_STAFF, enterprise=enterprise)
    assert permissions.can_edit_archive(staff, enterprise)
    client = login(staff)
    for url in get_urls(enterprise, rows["accident"], rows["penalty"]):
        assert client.get(url).status_code == 200, url
    for url in get_urls(rows["erqi_accident"].enterprise, rows["erqi_accident"], rows["erqi_penalty"]):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who, mine, theirs", [("owner", "", "erqi_"), ("outsider", "erqi_", "")])
def test_an_enterprise_cannot_touch_another_enterprises_rows_by_id(login, users, rows, who, mine, theirs):
    """The ids of the other enterprise's rows, posted to the row URLs: 404, nothing changed; its own rows work."""
    client = login(users[who])
    accident, penalty = rows[f"{theirs}accident"], rows[f"{theirs}penalty"]
    before = snapshot()
    for url, data in [
        (reverse("incidents:accident_edit", args=[accident.pk]), form_data(accident, name="篡改")),
        (reverse("incidents:investigation_edit", args=[accident.pk]), investigation_post(D(Y, 12, 1), course="篡改")),
        (reverse("incidents:penalty_edit", args=[penalty.pk]), form_data(penalty, reason="篡改")),
        (reverse("incidents:accident_delete", args=[accident.pk]), {}),
        (reverse("incidents:penalty_delete", args=[penalty.pk]), {}),
    ]:
        assert client.post(url, data).status_code == 404, url
    for url in (reverse("incidents:accident_detail", args=[accident.pk]),
                reverse("incidents:investigation_pdf", args=[accident.pk])):
        assert client.get(url).status_code == 404, url
    assert snapshot() == before

    own = rows[f"{mine}accident"]
    assert client.post(reverse("incidents:accident_edit", args=[own.pk]), form_data(own, name="自己修改")).status_code == 302
    assert Accident.objects.get(pk=own.pk).name == "自己修改"
    assert Accident.objects.get(pk=accident.pk).name == accident.name


def test_an_edit_cannot_move_a_row_to_another_enterprise(login, users, other_enterprise, rows):
    """The forms have no enterprise field: a posted one is ignored."""
    client = login(users["owner"])
    a, p = rows["accident"], rows["penalty"]
    client.post(reverse("incidents:accident_edit", args=[a.pk]), form_data(a, enterprise=other_enterprise.pk))
    client.post(reverse("incidents:penalty_edit", args=[p.pk]), form_data(p, enterprise=other_enterprise.pk))
    assert Accident.objects.get(pk=a.pk).enterprise_id == a.enterprise_id
    assert Penalty.objects.get(pk=p.pk).enterprise_id == p.enterprise_id


def menu(html, title="事故与处罚"):
    """The links of the navbar's dropdown `title`."""
    part = html.split(f'data-bs-toggle="dropdown">{title}</a>', 1)
    return re.findall(r'class="dropdown-item" href="([^"]+)">([^<]+)</a>', part[1].split("</div>", 1)[0]) if len(part) == 2 else []


def test_the_menu_leads_an_enterprise_to_its_own_ledgers(login, users, enterprise, other_enterprise):
    html = login(users["owner"]).get(reverse("archive:enterprise_detail", args=[enterprise.pk])).content.decode()
    links = menu(html)
    for name, label in (("accident_list", "生产安全事故（件）台账"), ("accident_add", "登记事故（件）"), ("penalty_list", "处罚和惩戒信息台账")):
        assert (reverse(f"incidents:{name}", args=[enterprise.pk]), label) in links
    assert not [href for href, _ in links if f"/enterprises/{other_enterprise.pk}/" in href]
    html = login(users["outsider"]).get(reverse("archive:enterprise_detail", args=[other_enterprise.pk])).content.decode()
    assert (reverse("incidents:accident_list", args=[other_enterprise.pk]), "生产安全事故（件）台账") in menu(html)
