"""监管单位维护 (core.organizations): who manages which organisation, placements that keep the tree and the region codes
in agreement, moves that scoping follows, deactivation instead of deletion, every change audited."""
import pytest
from django.urls import reverse

from tests.factories import create_enterprise, create_org, create_user
from worksafe.archive.models import Enterprise
from worksafe.core import organizations
from worksafe.core.models import AuditAction, ChangeRecord, Organization, OrgLevel, Role

pytestmark = pytest.mark.django_db



def add(client, name, region, parent=None, industries=(), kind=None):
    kind = kind or ("department" if industries else "bureau")
    return client.post(reverse("core:organization_add"), {"name": name, "region": region, "kind": kind,
                                                          "parent": parent.pk if parent else "", "industries": list(industries)})


def test_the_system_administrator_builds_the_tree_and_levels_follow_the_regions(login, orgs):
    client = login(create_user("sys", Role.SYSADMIN))
    assert add(client, "洛阳市应急管理局", "410300", orgs["province"]).status_code == 302
    luoyang = Organization.objects.get(name="洛阳市应急管理局")
    assert (luoyang.level, luoyang.parent, luoyang.is_active) == (OrgLevel.CITY, orgs["province"], True)
    assert add(client, "涧西区应急管理局", "410305", luoyang).status_code == 302
    assert Organization.objects.get(name="涧西区应急管理局").level == OrgLevel.COUNTY
    assert ChangeRecord.objects.filter(action=AuditAction.CREATE, content_type__model="organization",
                                       object_repr__in=["洛阳市应急管理局", "涧西区应急管理局"]).count() == 2


def test_a_placement_outside_the_parents_region_is_refused(login, orgs):
    client = login(create_user("sys", Role.SYSADMIN))
    response = add(client, "错放的区局", "410305", orgs["city"])  # 涧西区 is Luoyang's, not Zhengzhou's
    assert response.status_code == 200
    assert "须在上级单位“郑州市应急管理局”的管辖区域（郑州市）之内" in response.content.decode()
    assert not Organization.objects.filter(name="错放的区局").exists()


def test_a_regulator_administrator_manages_only_what_lies_below_it(login, orgs, users):
    client = login(users["city"])  # 郑州市's regulator administrator
    assert add(client, "经八路街道安监站", "410105001", orgs["jinshui"]).status_code == 302
    assert Organization.objects.get(name="经八路街道安监站").level == OrgLevel.TOWNSHIP
    managed = set(organizations.managed(users["city"]).values_list("name", flat=True))
    assert {"金水区应急管理局", "二七区应急管理局", "经八路街道安监站"} <= managed
    assert not managed & {"郑州市应急管理局", "河南省应急管理厅", "河南省应急管理厅危化处"}
    assert client.get(reverse("core:organization_edit", args=[orgs["province"].pk])).status_code == 404
    assert client.get(reverse("core:organization_edit", args=[orgs["city"].pk])).status_code == 404  # not its own
    assert add(client, "越界", "410305", orgs["city"]).status_code == 200  # a region outside its own: not offered
    assert add(client, "没有上级", "410105", None).status_code == 200  # only the system administrator adds top level
    assert not Organization.objects.filter(name__in=["越界", "没有上级"]).exists()


def test_roles_without_the_permission_are_refused(login, users):
    for account in (users["jinshui"], users["owner"], create_user("sec", Role.SECURITY_ADMIN)):
        assert login(account).get(reverse("core:organization_list")).status_code == 403


def test_a_move_is_followed_by_the_scope_of_its_accounts(login, orgs, enterprise, other_enterprise):
    office = create_org("街道安监站", OrgLevel.TOWNSHIP, "410105001")
    office.parent = orgs["jinshui"]
    office.save()
    officer = create_user("officer", Role.REGULATOR, office)
    in_erqi = create_enterprise("410103001", name="淮河路街道企业")
    assert not Enterprise.objects.for_user(officer).filter(pk=in_erqi.pk).exists()
    client = login(create_user("sys", Role.SYSADMIN))
    response = client.post(reverse("core:organization_edit", args=[office.pk]),
                           {"name": "淮河路街道安监站", "kind": "bureau", "region": "410103001", "parent": orgs["erqi"].pk})
    assert response.status_code == 302
    office.refresh_from_db()
    officer.refresh_from_db()
    assert (office.region_id, office.parent, office.level) == ("410103001", orgs["erqi"], OrgLevel.TOWNSHIP)
    assert Enterprise.objects.for_user(officer).filter(pk=in_erqi.pk).exists()
    change = ChangeRecord.objects.filter(action=AuditAction.UPDATE, content_type__model="organization",
                                         object_id=str(office.pk)).first()  # the newest
    assert change.before["region_id"] == "410105001" and change.after["region_id"] == "410103001"


def test_an_organisation_cannot_move_under_itself_or_its_children(login, orgs):
    orgs["jinshui"].parent = orgs["city"]
    orgs["jinshui"].save()
    client = login(create_user("sys", Role.SYSADMIN))
    response = client.post(reverse("core:organization_edit", args=[orgs["city"].pk]),
                           {"name": "郑州市应急管理局", "kind": "bureau", "region": "410100", "parent": orgs["jinshui"].pk})
    assert response.status_code == 200 and "parent" in response.context["form"].errors  # not among the choices
    orgs["city"].refresh_from_db()
    assert orgs["city"].parent_id != orgs["jinshui"].pk


def test_deactivation_waits_for_accounts_and_children_and_nothing_is_deleted(login, orgs):
    office = create_org("街道安监站", OrgLevel.TOWNSHIP, "410105001")
    office.parent = orgs["jinshui"]
    office.save()
    officer = create_user("officer", Role.REGULATOR, office)
    client = login(create_user("sys", Role.SYSADMIN))
    url = reverse("core:organization_state", args=[office.pk, "deactivate"])
    response = client.post(url, follow=True)
    assert "还有 1 个启用的账号" in response.content.decode()
    office.refresh_from_db()
    assert office.is_active
    officer.is_active = False
    officer.save()
    client.post(url)
    office.refresh_from_db()
    assert not office.is_active and Organization.objects.filter(pk=office.pk).exists()
    assert ChangeRecord.objects.filter(action=AuditAction.UPDATE, object_id=str(office.pk),
                                       after__is_active=False).exists()
    # A deactivated organisation takes no new account.
    form = login(create_user("sec", Role.SECURITY_ADMIN)).get(reverse("core:user_add")).context["form"]
    assert office not in form.fields["organization"].queryset
    client = login(create_user("sys2", Role.SYSADMIN))
    assert client.post(reverse("core:organization_state", args=[office.pk, "activate"])).status_code == 302
    office.refresh_from_db()
    assert office.is_active
    assert client.post(reverse("core:organization_state", args=[office.pk, "remove"])).status_code == 404
