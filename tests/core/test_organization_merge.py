"""合并单位 (core.organizations.merge, issue 22): what an organisation holds — accounts, child organisations, park
members, granted subscriptions, open supervision, published guidelines, the enterprises it supervises — moves to the
target; the source is deactivated, never deleted, and both carry the merge in their change log; a merge that would
break the tree is refused in Chinese and changes nothing; moved accounts see the target's jurisdiction at once."""
import pytest
from django.urls import reverse

from tests.api.helpers import approved
from tests.factories import ERQI, JINSHUI, TOWNSHIP, create_enterprise, create_hazard, create_org, create_user, messages_of
from worksafe.archive.models import Enterprise, ParkMember
from worksafe.core import organizations
from worksafe.core.models import AuditAction, ChangeRecord, Organization, OrgLevel, Role, User
from worksafe.hazards.models import Checklist, Hazard

pytestmark = pytest.mark.django_db

ERQI_TOWNSHIP = "410103001"  # a 街道 of 二七区


@pytest.fixture
def tree(orgs):
    """The fixture organisations linked as a tree: province → city → the two counties; the chemicals division under
    the province."""
    orgs["city"].parent = orgs["chem"].parent = orgs["province"]
    orgs["jinshui"].parent = orgs["erqi"].parent = orgs["city"]
    for key in ("city", "chem", "jinshui", "erqi"):
        orgs[key].save()
    return orgs


@pytest.fixture
def sysadmin(db):
    return create_user("sys", Role.SYSADMIN)


def merge_records(org):
    return list(ChangeRecord.objects.filter(content_type__model="organization", object_id=str(org.pk),
                                            action=AuditAction.MERGE))


def merge_page(client, source, target=None):
    url = reverse("core:organization_merge", args=[source.pk])
    return client.get(url) if target is None else client.post(url, {"target": target.pk})


def test_a_merge_moves_accounts_children_and_subscriptions(tree, users, sysadmin, other_enterprise):
    erqi, jinshui = tree["erqi"], tree["jinshui"]
    officer = users["erqi"]
    retired = create_user("erqi_retired", Role.REGULATOR, erqi, is_active=False)
    office = create_org("金水飞地安监站", OrgLevel.TOWNSHIP, TOWNSHIP, parent=erqi)  # a child inside the target's region
    sub, _ = approved(organization=erqi, decided_by=users["city"], applicant=users["city"])
    assert sub.region_id == ERQI
    moved = organizations.merge(erqi, jinshui, sysadmin)
    assert moved["账号"] == 2 and moved["下级单位"] == 1 and moved["接口订阅"] == 1
    assert set(User.objects.filter(organization=jinshui)) >= {officer, retired}
    assert not User.objects.filter(organization=erqi).exists()
    office.refresh_from_db()
    assert office.parent == jinshui
    sub.refresh_from_db()
    assert (sub.organization, sub.region_id) == (jinshui, JINSHUI)  # the region follows the target
    assert set(sub.covers()) == set(Enterprise.objects.filter(region_id=JINSHUI))
    assert other_enterprise not in set(sub.covers())


def test_the_source_is_deactivated_not_deleted_and_both_logs_tell(tree, users, sysadmin):
    erqi, jinshui = tree["erqi"], tree["jinshui"]
    organizations.merge(erqi, jinshui, sysadmin)
    erqi.refresh_from_db()
    assert Organization.objects.filter(pk=erqi.pk).exists() and not erqi.is_active
    assert erqi.name == "二七区应急管理局"  # history keeps its name
    (source_record,) = merge_records(erqi)
    (target_record,) = merge_records(jinshui)
    assert source_record.message == "合并到“金水区应急管理局”：账号 1"
    assert target_record.message == "“二七区应急管理局”合并到本单位：账号 1"
    assert source_record.user == target_record.user == sysadmin
    assert source_record.object_repr == "二七区应急管理局"


def test_a_merge_of_parks_moves_members_and_a_shared_member_stays_once(tree, sysadmin):
    east = create_org("金水东部化工园区", OrgLevel.COUNTY, JINSHUI, kind="park", parent=tree["jinshui"])
    west = create_org("金水西部化工园区", OrgLevel.COUNTY, JINSHUI, kind="park", parent=tree["jinshui"])
    a, b, c = (create_enterprise(JINSHUI, name=n) for n in ("东园甲公司", "两园共有乙公司", "西园丙公司"))
    for park, members in ((east, (a, b)), (west, (b, c))):
        for e in members:
            ParkMember.objects.create(park=park, enterprise=e)
    officer = create_user("east_officer", Role.REGULATOR, east)
    moved = organizations.merge(east, west, sysadmin)
    assert moved["园区企业"] == 1  # a; b was a member of both
    assert sorted(west.park_members.values_list("enterprise__name", flat=True)) == ["东园甲公司", "两园共有乙公司", "西园丙公司"]
    assert not ParkMember.objects.filter(park=east).exists()
    officer.refresh_from_db()
    assert set(Enterprise.objects.for_user(officer)) == {a, b, c}


def test_a_merge_hands_over_open_supervision_and_guidelines(tree, sysadmin, enterprise):
    erqi, jinshui = tree["erqi"], tree["jinshui"]
    open_hazard = create_hazard(enterprise, name="督办中的重大隐患", level="major", state="rectifying", supervisor=erqi)
    closed = create_hazard(enterprise, name="已销号的重大隐患", level="major", state="closed", supervisor=erqi)
    guideline = Checklist.objects.create(name="二七区机械行业隐患排查指引", industry_id="07", owner=erqi, state="approved")
    moved = organizations.merge(erqi, jinshui, sysadmin)
    assert (moved["督办隐患"], moved["指引标准"]) == (1, 1)
    assert Hazard.objects.get(pk=open_hazard.pk).supervisor == jinshui
    assert Hazard.objects.get(pk=closed.pk).supervisor == erqi  # a closed case stays with who supervised it
    assert Checklist.objects.get(pk=guideline.pk).owner == jinshui


def test_a_merge_of_departments_hands_over_the_enterprises_they_supervise(tree, sysadmin, other_enterprise):
    chem2 = create_org("河南省应急管理厅危化二处", OrgLevel.PROVINCE, "410000", industries=["03"], parent=tree["province"])
    Enterprise.objects.filter(pk=other_enterprise.pk).update(supervising_department=chem2)
    moved = organizations.merge(chem2, tree["chem"], sysadmin)
    assert moved["负责监管的企业"] == 1
    assert Enterprise.objects.get(pk=other_enterprise.pk).supervising_department == tree["chem"]


def test_a_moved_account_sees_the_targets_jurisdiction_at_once(tree, users, sysadmin, login, enterprise, other_enterprise):
    client = login(users["erqi"])
    assert client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).status_code == 404
    assert client.get(reverse("archive:enterprise_detail", args=[other_enterprise.pk])).status_code == 200
    organizations.merge(tree["erqi"], tree["jinshui"], sysadmin)
    # The same session, no new login: the next page is the target's jurisdiction.
    assert client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).status_code == 200
    assert client.get(reverse("archive:enterprise_detail", args=[other_enterprise.pk])).status_code == 404
    users["erqi"].refresh_from_db()
    assert set(Enterprise.objects.for_user(users["erqi"])) == set(Enterprise.objects.filter(region_id=JINSHUI))


# ---- refusals ---------------------------------------------------------------------------------------------------------


def unchanged(source):
    """The source as it was: active, its accounts and children in place, no merge recorded."""
    source.refresh_from_db()
    return source.is_active and not merge_records(source)


@pytest.mark.parametrize("case,message", [
    ("itself", "不能把单位合并到它自己。"),
    ("descendant", "不能把单位合并到它的下级单位“金水区应急管理局”。"),
    ("inactive", "目标单位“二七区应急管理局”已停用。"),
])
def test_a_merge_that_would_break_the_tree_is_refused(tree, users, sysadmin, case, message):
    city = tree["city"]
    target = {"itself": city, "descendant": tree["jinshui"], "inactive": tree["erqi"]}[case]
    if case == "inactive":
        Organization.objects.filter(pk=target.pk).update(is_active=False)
        target.refresh_from_db()
    accounts = set(User.objects.filter(organization=city))
    assert organizations.merge_error(city, target) == message
    with pytest.raises(ValueError, match=message):
        organizations.merge(city, target, sysadmin)
    assert unchanged(city)
    assert set(User.objects.filter(organization=city)) == accounts
    assert set(city.children.values_list("pk", flat=True)) == {tree["jinshui"].pk, tree["erqi"].pk}


def test_children_outside_the_targets_region_are_named_and_nothing_moves(tree, users, sysadmin):
    erqi, jinshui = tree["erqi"], tree["jinshui"]
    office = create_org("淮河路街道安监站", OrgLevel.TOWNSHIP, ERQI_TOWNSHIP, parent=erqi)
    message = "下级单位淮河路街道安监站的管辖区域不在“金水区应急管理局”的管辖区域（金水区）之内，请先移走。"
    assert organizations.merge_error(erqi, jinshui) == message
    with pytest.raises(ValueError):
        organizations.merge(erqi, jinshui, sysadmin)
    assert unchanged(erqi)
    office.refresh_from_db()
    assert office.parent == erqi
    assert User.objects.get(pk=users["erqi"].pk).organization == erqi


# ---- the page -----------------------------------------------------------------------------------------------------


def test_the_system_administrator_merges_on_the_page(tree, users, sysadmin, login):
    client = login(sysadmin)
    page = merge_page(client, tree["erqi"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "合并“二七区应急管理局”" in body and "现有 1 个账号、0 个下级单位" in body
    choices = set(page.context["form"].fields["target"].queryset)
    assert tree["jinshui"] in choices and tree["erqi"] not in choices
    response = merge_page(client, tree["erqi"], tree["jinshui"])
    assert response.status_code == 302 and response.url == reverse("core:organization_list")
    assert "已将“二七区应急管理局”合并到“金水区应急管理局”（账号 1），“二七区应急管理局”已停用。" in messages_of(client.get(response.url))
    assert User.objects.get(pk=users["erqi"].pk).organization == tree["jinshui"]
    # The source, now inactive, cannot be merged again.
    assert merge_page(client, tree["erqi"]).status_code == 404


def test_the_county_administrator_merges_two_of_its_townships(tree, county_admins, login):
    jingba = create_org("经八路街道安监站", OrgLevel.TOWNSHIP, TOWNSHIP, parent=tree["jinshui"])
    other = create_org("经八路街道应急办", OrgLevel.TOWNSHIP, TOWNSHIP, parent=tree["jinshui"])
    clerk = create_user("jingba_clerk", Role.REGULATOR, other)
    client = login(county_admins["jinshui"])
    page = merge_page(client, other)
    assert page.status_code == 200
    choices = set(page.context["form"].fields["target"].queryset)
    assert {jingba, tree["jinshui"]} <= choices  # its managed organisations and its own
    assert not choices & {tree["erqi"], tree["city"], other}
    assert merge_page(client, other, jingba).status_code == 302
    assert User.objects.get(pk=clerk.pk).organization == jingba
    other.refresh_from_db()
    assert not other.is_active and merge_records(other)[0].user == county_admins["jinshui"]


def test_the_page_refuses_in_chinese_and_changes_nothing(tree, county_admins, login):
    jingba = create_org("经八路街道安监站", OrgLevel.TOWNSHIP, TOWNSHIP, parent=tree["jinshui"])
    other = create_org("经八路街道应急办", OrgLevel.TOWNSHIP, TOWNSHIP, parent=tree["jinshui"])
    Organization.objects.filter(pk=jingba.pk).update(is_active=False)
    client = login(county_admins["jinshui"])
    for target in (jingba, other, tree["erqi"]):  # inactive, itself, outside what it manages
        response = merge_page(client, other, target)
        assert response.status_code == 200
        assert response.context["form"].errors["target"] == ["请选择您管理的其他启用单位（不能是本单位或它的下级单位）。"]
        assert unchanged(other)


def test_who_may_merge(tree, users, county_admins, login):
    # Regulators without the permission, and another county's administrator for 金水's organisations.
    office = create_org("经八路街道安监站", OrgLevel.TOWNSHIP, TOWNSHIP, parent=tree["jinshui"])
    assert merge_page(login(users["jinshui"]), office).status_code == 403
    assert merge_page(login(users["owner"]), office).status_code == 403
    assert merge_page(login(county_admins["erqi"]), office).status_code == 404
    assert merge_page(login(county_admins["erqi"]), office, tree["erqi"]).status_code == 404
    # A county administrator does not merge its own bureau away.
    assert merge_page(login(county_admins["jinshui"]), tree["jinshui"]).status_code == 404
    assert unchanged(office) and unchanged(tree["jinshui"])


def test_a_merge_that_became_invalid_after_the_form_is_refused_with_its_reason(tree, users, login, monkeypatch):
    """The target deactivated between the page's check and the merge (another administrator): the merge reads both
    again under lock, refuses with the reason, and nothing moves."""
    client = login(create_user("sys2", Role.SYSADMIN))
    real_merge = organizations.merge

    def merge_after_change(source, target, user):
        Organization.objects.filter(pk=target.pk).update(is_active=False)
        return real_merge(source, target, user)

    monkeypatch.setattr(organizations, "merge", merge_after_change)
    response = merge_page(client, tree["erqi"], tree["jinshui"])
    assert response.status_code == 302
    assert "目标单位“金水区应急管理局”已停用" in client.get(response.url).content.decode()
    assert Organization.objects.get(pk=tree["erqi"].pk).is_active
    assert User.objects.filter(organization=tree["erqi"]).exists()
