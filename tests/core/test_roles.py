"""Roles as named permission sets (core.permissions, core.roles), 三员分立 and break-glass."""
import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import JINSHUI, create_enterprise, create_user, log_in
from worksafe.core import permissions, roles
from worksafe.core.models import AuditAction, ChangeRecord, Notification, Role, Side, User

pytestmark = pytest.mark.django_db


def composed(code, side, *granted, name=None):
    return Role.objects.create(code=code, name=name or code, side=side, permissions=sorted(granted))


# ---- the registry and the built-in roles ------------------------------------------------------------------------------


def test_every_permission_a_built_in_role_holds_is_registered_and_of_its_side():
    for role in roles.BUILTIN.values():
        for code in role.granted:
            perm = permissions.REGISTRY[code]
            assert role.side in perm.sides, (role.code, code)
        assert roles.check(role.side, role.granted) == [], role.code


def test_the_three_administrators_hold_one_duty_each_and_nothing_else():
    duties = {code: {permissions.REGISTRY[c].duty for c in roles.BUILTIN[code].granted}
              for code in (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)}
    assert duties == {Role.SYSADMIN: {"system"}, Role.SECURITY_ADMIN: {"security"}, Role.AUDIT_ADMIN: {"audit"}}


def test_an_unregistered_permission_is_a_programming_error(users):
    with pytest.raises(KeyError):
        permissions.has(users["jinshui"], "archive.fly")


# ---- composed roles -----------------------------------------------------------------------------------------------


def test_a_composed_role_grants_exactly_its_permissions(login, users, orgs, enterprise):
    composed("reviewer_only", Side.GOVERNMENT, "archive.review")
    clerk = create_user("clerk", "reviewer_only", orgs["jinshui"])
    assert clerk.is_regulator and permissions.can_review_archive(clerk, enterprise)
    assert not permissions.can_edit_archive(clerk, enterprise)
    assert not permissions.can_manage_enterprise(clerk, enterprise)
    client = login(clerk)
    assert client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).status_code == 200
    assert client.get(reverse("archive:enterprise_edit", args=[enterprise.pk])).status_code == 403
    assert client.get(reverse("archive:enterprise_export")).status_code == 403


def test_a_composed_role_never_widens_scope(login, orgs, other_enterprise):
    everything = [p.code for p in permissions.REGISTRY.values() if Side.GOVERNMENT in p.sides]
    composed("all_of_it", Side.GOVERNMENT, *everything)
    county = create_user("county_all", "all_of_it", orgs["jinshui"])
    client = login(county)
    assert client.get(reverse("archive:enterprise_detail", args=[other_enterprise.pk])).status_code == 404
    assert client.post(reverse("archive:enterprise_delete", args=[other_enterprise.pk])).status_code == 404
    assert other_enterprise.name not in client.get(reverse("archive:enterprise_list")).content.decode()
    assert not permissions.can_edit_archive(county, other_enterprise)


def test_a_role_of_no_side_or_an_unknown_code_grants_nothing(orgs, enterprise):
    ghost = create_user("ghost", "no_such_role", orgs["jinshui"])
    assert not ghost.is_regulator and ghost.role_info is roles.NONE
    assert not permissions.can_edit_archive(ghost, enterprise)


@pytest.mark.parametrize("side, granted, message", [
    (Side.GOVERNMENT, ["core.manage_accounts", "core.audit_logs"], "三员分立"),
    (Side.SYSTEM, ["core.audit_logs", "archive.review"], "系统管理角色不能包含业务权限"),
    (Side.ENTERPRISE, ["archive.review"], "企业端角色不能包含"),
    (Side.ENTERPRISE, ["core.manage_accounts"], "企业端角色不能包含"),
    (Side.GOVERNMENT, ["archive.fly"], "未登记的权限"),
])
def test_the_role_editor_refuses_what_breaks_the_rules(login, users, side, granted, message):
    admin = create_user("sec", Role.SECURITY_ADMIN)
    response = login(admin).post(reverse("core:role_add"), {"code": "x", "name": "某角色", "side": side, "granted": granted})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Role.objects.exists()


def test_a_security_administrator_composes_edits_and_deletes_a_role_audited(login):
    admin = create_user("sec", Role.SECURITY_ADMIN)
    client = login(admin)
    response = client.post(reverse("core:role_add"), {"code": "inspector", "name": "检查员", "side": Side.GOVERNMENT,
                                                      "granted": ["archive.review", "core.export"]})
    assert response.status_code == 302
    role = Role.objects.get(code="inspector")
    assert role.granted == {"archive.review", "core.export"}
    client.post(reverse("core:role_edit", args=[role.pk]), {"code": "changed", "name": "检查员", "side": Side.ENTERPRISE,
                                                            "granted": ["archive.review"]})
    role.refresh_from_db()
    assert (role.code, role.side, role.granted) == ("inspector", Side.GOVERNMENT, {"archive.review"})  # code, side fixed
    holder = create_user("holder", "inspector")
    client.post(reverse("core:role_delete", args=[role.pk]))
    assert Role.objects.filter(pk=role.pk).exists()  # still held
    holder.delete()
    client.post(reverse("core:role_delete", args=[role.pk]))
    assert not Role.objects.filter(pk=role.pk).exists()
    actions = list(ChangeRecord.objects.filter(content_type__model="role").values_list("action", flat=True))
    assert sorted(actions) == sorted([AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE])


def test_a_built_in_code_cannot_be_taken(login):
    response = login(create_user("sec", Role.SECURITY_ADMIN)).post(
        reverse("core:role_add"), {"code": Role.REGULATOR, "name": "冒名", "side": Side.GOVERNMENT})
    assert "该代码为内置角色所用" in response.content.decode()


def test_copying_a_built_in_role_starts_from_its_permissions(login):
    response = login(create_user("sec", Role.SECURITY_ADMIN)).get(reverse("core:role_add") + "?copy=regulator")
    form = response.context["form"]
    assert set(form.granted) == roles.BUILTIN[Role.REGULATOR].granted and form.initial["side"] == Side.GOVERNMENT


# ---- who may give which role ---------------------------------------------------------------------------------------


def test_nobody_gives_a_role_above_their_own_nor_a_three_duty_without_break_glass(users, orgs):
    composed("regulator_plus", Side.GOVERNMENT, *roles.BUILTIN[Role.REGULATOR_ADMIN].granted, "core.impersonate",
             "archive.delete")
    composed("county_security", Side.GOVERNMENT, "core.manage_accounts")
    county_admin = create_user("county_admin", Role.REGULATOR_ADMIN, orgs["jinshui"])
    codes = {r.code for r in roles.assignable(county_admin, Side.GOVERNMENT)}
    assert Role.REGULATOR in codes and Role.REGULATOR_ADMIN in codes and "regulator_plus" in codes  # no more than its own
    assert "county_security" not in codes
    security = create_user("sec", Role.SECURITY_ADMIN)
    codes = {r.code for r in roles.assignable(security)}
    assert Role.REGULATOR_ADMIN in codes and Role.ENTERPRISE_STAFF in codes
    assert not codes & {Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, "county_security"}
    assert {Role.AUDIT_ADMIN, "county_security"} <= {r.code for r in roles.assignable(users["sysadmin"])}


def test_composing_a_role_beyond_ones_own_still_cannot_be_given_by_a_regulator_admin(orgs):
    composed("bigger", Side.GOVERNMENT, *roles.BUILTIN[Role.REGULATOR_ADMIN].granted, "core.configure")
    county_admin = create_user("county_admin", Role.REGULATOR_ADMIN, orgs["jinshui"])
    assert "bigger" not in {r.code for r in roles.assignable(county_admin)}


# ---- 三员分立 ----------------------------------------------------------------------------------------------------


@pytest.fixture
def three(db):
    return {"system": create_user("sys", Role.SYSADMIN), "security": create_user("sec", Role.SECURITY_ADMIN),
            "audit": create_user("aud", Role.AUDIT_ADMIN)}


ENTERPRISE_PAGES = ["archive:enterprise_list", "hazards:open_list", "risks:object_list", "incidents:report_list",
                    "api:subscription_list", "archive:change_list"]


@pytest.mark.parametrize("who", ["system", "security", "audit"])
def test_none_of_the_three_sees_enterprise_data(login, three, enterprise, who):
    client = login(three[who])
    for name in ENTERPRISE_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("archive:enterprise_detail", args=[enterprise.pk])).status_code in (403, 404)


def test_the_security_administrator_manages_accounts_but_reads_no_log(login, three, users):
    client = login(three["security"])
    assert client.get(reverse("core:user_list")).status_code == 200
    assert client.get(reverse("core:role_list")).status_code == 200
    for name in ("core:login_log_list", "core:operation_log_list", "core:login_log_export", "core:operation_log_export"):
        assert client.get(reverse(name)).status_code == 403, name
    # Its account list holds every account but the break-glass superusers.
    listed = {u.username for u in client.get(reverse("core:user_list")).context["page"]}
    assert users["jinshui"].username in listed and "sysadmin" not in listed


def test_the_audit_administrator_reads_and_exports_every_log_and_changes_nothing(login, three, users, enterprise):
    users["jinshui"].full_name = "张三"
    users["jinshui"].save()
    client = login(three["audit"])
    page = client.get(reverse("core:operation_log_list"))
    assert page.status_code == 200 and "张三" in page.content.decode()
    export = client.get(reverse("core:operation_log_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("core:login_log_export")).status_code == 200
    assert ChangeRecord.objects.filter(action=AuditAction.EXPORT, user=three["audit"]).count() == 2
    for name in ("core:user_list", "core:user_add", "core:role_list", "core:system_status"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("core:user_reset_password", args=[users["jinshui"].pk])).status_code == 403
    assert client.get(reverse("archive:enterprise_export")).status_code == 403


def test_the_system_administrator_sees_the_system_status_only(login, three):
    client = login(three["system"])
    response = client.get(reverse("core:system_status"))
    assert response.status_code == 200 and "运行检查" in response.content.decode()
    assert client.get("/").url == reverse("core:system_status")
    for name in ("core:user_list", "core:role_list", "core:operation_log_list"):
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.parametrize("who", ["system", "security", "audit"])
def test_the_three_need_the_second_factor(client, who):
    create_user(f"real_{who}", {"system": Role.SYSADMIN, "security": Role.SECURITY_ADMIN, "audit": Role.AUDIT_ADMIN}[who],
                is_demo=False)
    from tests.factories import PASSWORD

    log_in(client, f"real_{who}", PASSWORD)
    assert client.get("/").url.startswith(reverse("core:otp_setup"))


def test_nobody_reaches_the_admin_site_but_a_superuser(login, three, users):
    for account in (*three.values(), users["city"]):
        response = login(account).get("/admin/core/changerecord/")
        assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert login(users["sysadmin"]).get("/admin/core/changerecord/").status_code == 200


# ---- break-glass ----------------------------------------------------------------------------------------------------


def test_every_request_of_a_superuser_is_logged(login, users, enterprise):
    client = login(users["sysadmin"])
    client.get(reverse("archive:enterprise_detail", args=[enterprise.pk]))
    client.get("/admin/core/changerecord/")
    logged = list(ChangeRecord.objects.filter(action=AuditAction.BREAK_GLASS, user=users["sysadmin"])
                  .values_list("message", flat=True))
    assert logged == ["GET /admin/core/changerecord/ → 200", f"GET /archive/enterprises/{enterprise.pk}/ → 200"]


def test_an_ordinary_account_leaves_no_break_glass_row(login, users, enterprise):
    login(users["jinshui"]).get(reverse("archive:enterprise_detail", args=[enterprise.pk]))
    assert not ChangeRecord.objects.filter(action=AuditAction.BREAK_GLASS).exists()


def test_a_superuser_login_tells_the_audit_administrators(client, three, users):
    from tests.factories import PASSWORD

    log_in(client, "sysadmin", PASSWORD)
    told = Notification.objects.filter(kind="core.break_glass")
    assert list(told.values_list("recipient__username", flat=True)) == ["aud"]
    assert "sysadmin" in told.get().text


# ---- the deployment command ---------------------------------------------------------------------------------------


def test_create_admin_makes_a_three_account_with_a_one_time_password(capsys):
    call_command("create_admin", "audit", "auditor", "--name", "王五")
    user = User.objects.get(username="auditor")
    assert (user.role, user.full_name, user.must_change_password, user.is_superuser) == (Role.AUDIT_ADMIN, "王五", True, False)
    assert "一次性密码" in capsys.readouterr().out
    assert ChangeRecord.objects.filter(action=AuditAction.CREATE, object_id=str(user.pk)).exists()


def test_an_enterprise_of_the_county_is_not_seen_by_the_three(three):
    create_enterprise(JINSHUI, name="另一家")
    from worksafe.archive.models import Enterprise

    for account in three.values():
        assert not Enterprise.objects.for_user(account).exists()


def test_news_and_todo_of_a_decision_go_only_to_roles_that_may_take_it(login, users, orgs, enterprise):
    from worksafe.archive.models import ReviewState
    from worksafe.core import notify, todo

    composed("no_review", Side.GOVERNMENT, "archive.edit")
    watcher = create_user("watcher", "no_review", orgs["jinshui"])
    type(enterprise).objects.filter(pk=enterprise.pk).update(review_state=ReviewState.SUBMITTED)
    assert "archive.review" in {item.key for item in todo.for_user(users["jinshui"])}
    assert "archive.review" not in {item.key for item in todo.for_user(watcher)}
    reviewers = {u.username for u in notify.regulators_of(enterprise, "archive.review")}
    assert "jinshui" in reviewers and "watcher" not in reviewers
