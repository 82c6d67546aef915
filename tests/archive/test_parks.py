"""Parks (化工园区, 开发区) as jurisdictions (issue 22): a park without a region code of its own sees exactly its member
enterprises — on every page, in its notifications and its directory, through a subscription granted to it — while a
park on a functional zone's code is scoped by that region; the member list is kept by the regulators above the park,
audited, and only read by the park's own accounts."""
import pytest
from django.urls import reverse

from tests.api.helpers import approved
from tests.factories import JINSHUI, TOWNSHIP, create_enterprise, create_hazard, create_org, create_unit, create_user, messages_of
from tests.hazards.test_public import make_report
from worksafe.archive.models import Enterprise, ParkMember
from worksafe.core import directory, notify
from worksafe.core.models import AuditAction, ChangeRecord, OrgLevel, Role
from worksafe.hazards.models import Hazard
from worksafe.hazards.public import reports_for

pytestmark = pytest.mark.django_db

ZONE = "410171"  # 郑州经济技术开发区: a functional zone with a region code of its own


@pytest.fixture
def park(orgs):
    """金水化工园区: a park on its county's region, under 金水区's bureau (a jurisdiction by membership)."""
    return create_org("金水化工园区", OrgLevel.COUNTY, JINSHUI, kind="park", parent=orgs["jinshui"])


@pytest.fixture
def members(park):
    """Two enterprises of 金水区 inside the park."""
    inside = [create_enterprise(JINSHUI, name="园区甲化工有限公司"), create_enterprise(JINSHUI, name="园区乙新材料有限公司")]
    for e in inside:
        ParkMember.objects.create(park=park, enterprise=e)
    return inside


@pytest.fixture
def park_user(park):
    return create_user("park_officer", Role.REGULATOR, park)


@pytest.fixture
def park_admin(park):
    """The park's own regulator administrator: its role grants archive.park_members, but the park is not below it."""
    return create_user("park_admin", Role.REGULATOR_ADMIN, park)


def listed(client, **params):
    response = client.get(reverse("archive:enterprise_list"), params)
    assert response.status_code == 200
    return {e.name for e in response.context["page"]}


def member_page(client, park):
    return client.get(reverse("archive:parkmember_list", args=[park.pk]))


def add_lines(client, park, *lines):
    return client.post(reverse("archive:parkmember_list", args=[park.pk]), {"enterprises": "\n".join(lines)})


# ---- the park's jurisdiction ---------------------------------------------------------------------------------------


def test_the_park_user_sees_exactly_its_members(login, users, park_user, members, enterprise):
    # `enterprise` (金水测试机械有限公司) is in the same county, outside the park.
    assert listed(login(park_user)) == {"园区甲化工有限公司", "园区乙新材料有限公司"}
    assert set(Enterprise.objects.for_user(park_user)) == set(members)
    # The county above the park still sees all of its own.
    assert {"园区甲化工有限公司", "园区乙新材料有限公司", enterprise.name} <= listed(login(users["jinshui"]))


def test_a_county_enterprise_outside_the_park_is_a_404(login, users, park_user, members, enterprise):
    client = login(park_user)
    assert client.get(reverse("archive:enterprise_detail", args=[members[0].pk])).status_code == 200
    outside = create_hazard(enterprise, name="园区外的隐患")
    for url in (reverse("archive:enterprise_detail", args=[enterprise.pk]),
                reverse("hazards:hazard_list", args=[enterprise.pk]),
                reverse("hazards:hazard_detail", args=[outside.pk])):
        assert client.get(url).status_code == 404, url


def test_the_park_user_sees_a_member_enterprises_hazards(login, park_user, members, enterprise):
    inside = create_hazard(members[0], name="园区储罐区静电接地损坏")
    outside = create_hazard(enterprise, name="园区外配电箱警示标识缺失")
    client = login(park_user)
    response = client.get(reverse("hazards:hazard_list", args=[members[0].pk]))
    assert response.status_code == 200
    assert [h.name for h in response.context["page"]] == ["园区储罐区静电接地损坏"]
    page = client.get(reverse("hazards:hazard_detail", args=[inside.pk]))
    assert page.status_code == 200 and "园区储罐区静电接地损坏" in page.content.decode()
    assert set(Hazard.objects.for_user(park_user)) == {inside}
    assert "园区外配电箱警示标识缺失" not in client.get(reverse("hazards:all_list")).content.decode()
    assert outside not in set(Hazard.objects.for_user(park_user))


def test_removing_a_member_takes_it_out_of_the_park_users_sight(login, park_user, members):
    ParkMember.objects.filter(enterprise=members[0]).delete()
    assert set(Enterprise.objects.for_user(park_user)) == {members[1]}
    assert login(park_user).get(reverse("archive:enterprise_detail", args=[members[0].pk])).status_code == 404


def test_a_park_on_a_functional_zones_code_is_scoped_by_its_region_not_by_members(login, orgs, enterprise):
    zone_park = create_org("郑州经开区管委会", OrgLevel.COUNTY, ZONE, kind="park", parent=orgs["city"])
    assert not zone_park.by_membership
    officer = create_user("zone_officer", Role.REGULATOR, zone_park)
    in_zone = create_enterprise(ZONE, name="经开区机械制造有限公司")  # listed in no member table
    assert listed(login(officer)) == {"经开区机械制造有限公司"}
    assert set(Enterprise.objects.for_user(officer)) == {in_zone}
    # A member row does not widen a region's scope: 金水's enterprise stays out of sight.
    ParkMember.objects.create(park=zone_park, enterprise=enterprise)
    assert set(Enterprise.objects.for_user(officer)) == {in_zone}
    assert officer in notify.regulators_of(in_zone) and officer in notify.region_regulators(ZONE)


# ---- notifications, directory, public reports -----------------------------------------------------------------------


def test_notifications_reach_the_park_only_for_its_members(park, park_user, members, enterprise, users):
    covering = notify.covering_organizations(members[0].region_id, members[0].industry_id, members[0].pk)
    assert park in covering
    assert park not in notify.covering_organizations(enterprise.region_id, enterprise.industry_id, enterprise.pk)
    assert park not in notify.covering_organizations(enterprise.region_id, enterprise.industry_id)  # no enterprise named
    assert park_user in notify.regulators_of(members[0])
    assert park_user not in notify.regulators_of(enterprise)
    assert users["jinshui"] in notify.regulators_of(enterprise)  # the county still is told
    # What concerns a place (a 随手拍 report of the county) goes to the county, not to the park.
    assert park_user not in notify.region_regulators(JINSHUI)
    assert users["jinshui"] in notify.region_regulators(JINSHUI)


def test_the_park_users_directory_does_not_list_the_countys_offices(park, park_user, orgs, members, enterprise, township_user):
    sibling_park = create_org("金水物流园区", OrgLevel.COUNTY, JINSHUI, kind="park", parent=orgs["jinshui"])
    create_user("sibling_park_officer", Role.REGULATOR, sibling_park)
    seen = {u.username: u.full_phone for u in directory.officials(park_user)}
    assert seen["park_officer"] is True  # its own, in full
    assert "jingba" not in seen  # the township station of its county: not overseen by the park
    assert seen.get("jinshui") is not True  # the county above: masked at most
    assert seen.get("sibling_park_officer") is not True
    contacts = {e.pk for e in directory_enterprises(park_user)}
    assert contacts <= {m.pk for m in members} and enterprise.pk not in contacts


def directory_enterprises(user):
    from worksafe.core.scoping import enterprises_for

    return enterprises_for(user)


def test_an_enterprise_outside_the_park_does_not_see_the_parks_accounts(park_user, members, users):
    member_admin = create_user(members[0].uscc, Role.ENTERPRISE_ADMIN, enterprise=members[0])
    assert "park_officer" in {u.username for u in directory.officials(member_admin)}
    assert "park_officer" not in {u.username for u in directory.officials(users["owner"])}


def test_the_park_sees_public_reports_naming_its_members_only(park_user, members, enterprise, users):
    inside = make_report(JINSHUI, enterprise=members[0], text="园区企业夜间偷排废气")
    outside = make_report(JINSHUI, enterprise=enterprise, client="d" * 32, text="园区外企业堆放杂物")
    place = make_report(JINSHUI, client="e" * 32, text="路边加油站无人值守")
    assert set(reports_for(park_user)) == {inside}
    assert {inside, outside, place} <= set(reports_for(users["jinshui"]))


# ---- the member list page -------------------------------------------------------------------------------------------


def test_the_county_administrator_adds_by_code_and_by_exact_name(login, county_admins, park, members, enterprise):
    third = create_enterprise(JINSHUI, name="金水三号精细化工有限公司")
    response = add_lines(login(county_admins["jinshui"]), park, third.uscc.lower(), "", "  金水测试机械有限公司  ")
    assert response.status_code == 302
    assert set(park.park_members.values_list("enterprise__name", flat=True)) == {
        "园区甲化工有限公司", "园区乙新材料有限公司", "金水三号精细化工有限公司", "金水测试机械有限公司"}
    page = member_page(login(county_admins["jinshui"]), park)
    assert "已将 2 家企业加入“金水化工园区”。" in messages_of(page)


def test_bad_lines_are_named_and_nothing_is_added(login, county_admins, park, members, other_enterprise):
    before = set(ParkMember.objects.values_list("pk", flat=True))
    third = create_enterprise(JINSHUI, name="金水三号精细化工有限公司")
    response = add_lines(login(county_admins["jinshui"]), park, third.uscc, "不存在的企业", other_enterprise.uscc)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert errors[0].startswith("第2行：") and "不存在的企业" in errors[0]
    assert errors[1].startswith("第3行：") and "在您的辖区内没有找到" in errors[1]  # 二七区's: outside the county
    assert "未加入任何企业" in response.content.decode()
    assert set(ParkMember.objects.values_list("pk", flat=True)) == before
    assert not park.park_members.filter(enterprise=third).exists()


def test_a_name_shared_by_two_enterprises_asks_for_the_code(login, county_admins, park):
    create_enterprise(JINSHUI, name="同名化工有限公司")
    create_enterprise(JINSHUI, name="同名化工有限公司")
    response = add_lines(login(county_admins["jinshui"]), park, "同名化工有限公司")
    assert response.context["errors"] == ["第1行：有多家企业名为“同名化工有限公司”，请改填统一社会信用代码。"]
    assert not park.park_members.exists()


def test_an_empty_paste_is_refused(login, county_admins, park):
    response = add_lines(login(county_admins["jinshui"]), park, "", "  ")
    assert response.status_code == 200 and "请填写要加入园区的企业" in response.context["errors"][0]


def test_duplicates_and_existing_members_are_counted_once(login, county_admins, park, members):
    third = create_enterprise(JINSHUI, name="金水三号精细化工有限公司")
    client = login(county_admins["jinshui"])
    add_lines(client, park, members[0].uscc, third.uscc, third.name, third.uscc)
    assert park.park_members.filter(enterprise=third).count() == 1
    assert park.park_members.count() == 3
    assert "已将 1 家企业加入“金水化工园区”（1 家原已在园区内；2 行重复，只计一次）。" in messages_of(member_page(client, park))


def test_a_member_is_removed_and_a_secondary_unit_set(login, county_admins, park, members):
    client = login(county_admins["jinshui"])
    unit = create_unit(members[1], name="园区二号厂区")
    member = park.park_members.get(enterprise=members[1])
    assert client.post(reverse("archive:parkmember_edit", args=[member.pk]), {"unit": unit.pk}).status_code == 302
    member.refresh_from_db()
    assert member.secondary_unit == unit
    page = member_page(client, park).content.decode()
    assert "园区二号厂区" in page
    # Back to the whole enterprise.
    client.post(reverse("archive:parkmember_edit", args=[member.pk]), {"unit": ""})
    member.refresh_from_db()
    assert member.secondary_unit is None
    # Another enterprise's unit is not offered.
    foreign = create_unit(members[0], name="别家的厂区")
    assert client.post(reverse("archive:parkmember_edit", args=[member.pk]), {"unit": foreign.pk}).status_code == 404
    member.refresh_from_db()
    assert member.secondary_unit is None
    removed = park.park_members.get(enterprise=members[0])
    assert client.post(reverse("archive:parkmember_edit", args=[removed.pk]), {"action": "remove"}).status_code == 302
    assert list(park.park_members.values_list("enterprise", flat=True)) == [members[1].pk]


def test_additions_and_removals_are_audited(login, county_admins, park, members):
    client = login(county_admins["jinshui"])
    third = create_enterprise(JINSHUI, name="金水三号精细化工有限公司")
    add_lines(client, park, third.uscc)
    member = park.park_members.get(enterprise=third)
    client.post(reverse("archive:parkmember_edit", args=[member.pk]), {"action": "remove"})
    rows = ChangeRecord.objects.filter(content_type__model="parkmember", enterprise=third).order_by("pk")
    assert [r.action for r in rows] == [AuditAction.CREATE, AuditAction.DELETE]
    assert all(r.user_id == county_admins["jinshui"].pk for r in rows)


def test_the_parks_own_accounts_only_read_the_list(login, park, park_user, park_admin, members):
    for account in (park_user, park_admin):
        client = login(account)
        page = member_page(client, park)
        assert page.status_code == 200
        assert page.context["can_manage"] is False and "加入园区" not in page.content.decode()
        assert {m.enterprise_id for m in page.context["rows"]} == {m.pk for m in members}
        third = create_enterprise(JINSHUI, name=f"{account.username}想加的企业")
        assert add_lines(client, park, third.uscc).status_code == 403
        member = park.park_members.first()
        assert client.post(reverse("archive:parkmember_edit", args=[member.pk]), {"action": "remove"}).status_code in (403, 404)
    assert park.park_members.count() == 2


def test_only_the_managers_above_the_park_edit(login, park, members, county_admins, users, orgs):
    third = create_enterprise(JINSHUI, name="金水三号精细化工有限公司")
    # Another county's administrator does not see the park at all; a regulator without the permission is refused.
    assert member_page(login(county_admins["erqi"]), park).status_code == 404
    assert add_lines(login(county_admins["erqi"]), park, third.uscc).status_code == 404
    assert member_page(login(users["jinshui"]), park).status_code == 403
    assert add_lines(login(users["jinshui"]), park, third.uscc).status_code == 403
    member = park.park_members.first()
    for account in (county_admins["erqi"], users["jinshui"], users["owner"]):
        assert login(account).post(reverse("archive:parkmember_edit", args=[member.pk]), {"action": "remove"}).status_code in (403, 404)
    assert park.park_members.count() == 2
    # The city's administrator above manages it too.
    assert add_lines(login(users["city"]), park, third.uscc).status_code == 302
    assert park.park_members.filter(enterprise=third).exists()


def test_a_bureau_is_not_a_park(login, county_admins, orgs):
    township = create_org("经八路街道安监站", OrgLevel.TOWNSHIP, TOWNSHIP, parent=orgs["jinshui"])
    assert member_page(login(county_admins["jinshui"]), township).status_code == 404


# ---- data API --------------------------------------------------------------------------------------------------------


def test_a_subscription_granted_to_the_park_covers_only_its_members(park, members, enterprise, users):
    from worksafe.api.kinds.base import coverage_q

    sub, _ = approved(organization=park, decided_by=users["city"], applicant=users["city"])
    assert set(sub.covers()) == set(members)
    assert set(Enterprise.objects.filter(coverage_q(sub, path=""))) == set(members)
    inside, outside = create_hazard(members[0]), create_hazard(enterprise)
    assert set(Hazard.objects.filter(coverage_q(sub, located=True))) == {inside}
    assert outside not in set(Hazard.objects.filter(coverage_q(sub)))
    # The county's own subscription still covers the whole county.
    county_sub, _ = approved(organization=users["jinshui"].organization, decided_by=users["city"], applicant=users["city"])
    assert {enterprise, *members} <= set(county_sub.covers())


def test_the_park_subscription_reads_only_members_through_the_api(client, park, members, enterprise, users):
    from tests.api.helpers import bearer, token_for

    sub, secret = approved(organization=park, decided_by=users["city"], applicant=users["city"])
    token = token_for(client, sub, secret)
    response = client.get("/api/v1/enterprises", **bearer(token))
    assert response.status_code == 200, response.content
    usccs = {row["uscc"] for row in response.json()["items"]}
    assert usccs == {m.uscc for m in members}


# ---- the park's own administrator reaches no further than the park ------------------------------------------------


def test_the_parks_administrator_manages_no_office_or_account_of_its_county(park, park_admin, township_user, orgs, users):
    from worksafe.core.scoping import organizations_for, users_for

    # A park on its county's region lies over the county's township offices, but does not oversee them.
    assert set(organizations_for(park_admin)) == {park}
    managed = set(users_for(park_admin))
    assert township_user not in managed and users["jinshui"] not in managed
    assert users["owner"] not in managed  # 金水's enterprise outside the park


def test_the_parks_administrator_does_not_hold_the_countys_subscription(client, login, park, park_admin, orgs, users):
    county_sub, _ = approved(organization=orgs["jinshui"], decided_by=users["city"], applicant=users["city"])
    own_sub, _ = approved(organization=park, decided_by=users["city"], applicant=users["city"])
    from worksafe.api.models import ApiSubscription

    seen = set(ApiSubscription.objects.for_user(park_admin))
    assert own_sub in seen and county_sub not in seen
    admin = login(park_admin)
    assert admin.post(reverse("api:subscription_secret", args=[county_sub.pk])).status_code == 404
    county_sub.refresh_from_db()
    assert admin.post(reverse("api:subscription_secret", args=[own_sub.pk])).status_code == 200  # its own: yes
